// Messages a page sends to the host over `/ws`. They are rare and small, so
// the body is JSON behind the same 10-byte header as the host's frames. The
// host decodes them strictly: anything but the exact shape below is rejected.

import { readSubmissionFields, SubmissionError } from '../gallery';
import type { SubmissionFields } from '../gallery';
import type { PollVote } from '../polls';
import { HEADER_BYTES, PROTOCOL_VERSION } from './frames';
import { isTopic, TOPICS } from './topics';
import type { Topic } from './topics';

export enum ClientMessageType {
  /** Adds topics to the connection's subscriptions; the host replies with their current snapshot. */
  Subscribe = 1,
  /** Removes topics from the connection's subscriptions. */
  Unsubscribe = 2,
  /**
   * Submits a latent vector to the gallery, as `{"z": [numbers], "title"?: string}`.
   * The host replies with a GallerySubmitted frame or an Error frame.
   */
  GallerySubmit = 3,
  /**
   * Votes for an option of the open poll, or changes this viewer's vote, as
   * `{"pollId": id, "option": index}`. The host replies with a PollVoted frame or an Error frame.
   */
  PollVote = 4,
}

export type ClientMessage =
  | { type: ClientMessageType.Subscribe; topics: Topic[] }
  | { type: ClientMessageType.Unsubscribe; topics: Topic[] }
  | ({ type: ClientMessageType.GallerySubmit } & SubmissionFields)
  | ({ type: ClientMessageType.PollVote } & PollVote);

export type GallerySubmitRequest = Extract<ClientMessage, { type: ClientMessageType.GallerySubmit }>;
export type PollVoteRequest = Extract<ClientMessage, { type: ClientMessageType.PollVote }>;

/**
 * Largest client message the host accepts, in bytes. A gallery submission of
 * a latent vector up to about 200 values fits; larger vectors go through
 * `POST /api/gallery`, which accepts 64 KiB.
 */
export const MAX_CLIENT_MESSAGE_BYTES = 4096;

/** Raised for a client message that breaks the protocol; the host closes that socket. */
export class ClientMessageError extends Error {
  override name = 'ClientMessageError';
}

/** Raised for a well-formed message naming topics the host does not have; the host replies with an Error frame. */
export class UnknownTopicError extends Error {
  override name = 'UnknownTopicError';

  constructor(readonly topics: string[]) {
    super(`unknown topic ${topics.map((topic) => JSON.stringify(topic)).join(', ')}; topics are ${TOPICS.join(', ')}`);
  }
}

export function encodeClientMessage(message: ClientMessage): Uint8Array {
  const body = messageBody(message);
  const json = new TextEncoder().encode(JSON.stringify(body));
  const bytes = new Uint8Array(HEADER_BYTES + json.length);
  bytes[0] = PROTOCOL_VERSION;
  bytes[1] = message.type;
  bytes.set(json, HEADER_BYTES);
  return bytes;
}

/**
 * Decodes one client message. Throws ClientMessageError for anything that is
 * not a message of this protocol version, and UnknownTopicError when the
 * message is valid but names a topic the host does not publish.
 */
export function decodeClientMessage(data: Uint8Array): ClientMessage {
  if (data.length > MAX_CLIENT_MESSAGE_BYTES) {
    throw new ClientMessageError(`message of ${data.length} bytes is above the ${MAX_CLIENT_MESSAGE_BYTES}-byte limit`);
  }
  if (data.length < HEADER_BYTES) throw new ClientMessageError(`message of ${data.length} bytes is shorter than the ${HEADER_BYTES}-byte header`);
  if (data[0] !== PROTOCOL_VERSION) {
    throw new ClientMessageError(`protocol version ${data[0]} is not supported; the host speaks version ${PROTOCOL_VERSION}`);
  }

  const type = data[1];
  if (!KNOWN_TYPES.includes(type)) throw new ClientMessageError(`unknown message type ${type}`);

  const body = parseJson(data.subarray(HEADER_BYTES));
  if (type === ClientMessageType.GallerySubmit) return { type, ...readSubmission(body) };
  if (type === ClientMessageType.PollVote) return { type, ...readPollVote(body) };
  return { type: type as ClientMessageType.Subscribe | ClientMessageType.Unsubscribe, topics: readTopics(body) };
}

const KNOWN_TYPES: readonly number[] = [ClientMessageType.Subscribe, ClientMessageType.Unsubscribe, ClientMessageType.GallerySubmit, ClientMessageType.PollVote];

function messageBody(message: ClientMessage): Record<string, unknown> {
  switch (message.type) {
    case ClientMessageType.GallerySubmit:
      return message.title === null ? { z: message.z } : { z: message.z, title: message.title };
    case ClientMessageType.PollVote:
      return { pollId: message.pollId, option: message.option };
    default:
      return { topics: message.topics };
  }
}

/**
 * Checks a poll vote: exactly `pollId` and `option`, both whole numbers of
 * 0 or more. The host checks whether the poll is open and has that option,
 * and replies with an Error frame when not.
 */
function readPollVote(body: unknown): PollVote {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ClientMessageError('poll vote body must be a JSON object such as {"pollId":1,"option":0}');
  }
  const keys = Object.keys(body).sort();
  if (keys.length !== 2 || keys[0] !== 'option' || keys[1] !== 'pollId') {
    throw new ClientMessageError(`poll vote body has fields ${JSON.stringify(keys)}; expected exactly "pollId" and "option"`);
  }

  const { pollId, option } = body as { pollId: unknown; option: unknown };
  for (const [name, value] of [['pollId', pollId], ['option', option]] as const) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new ClientMessageError(`poll vote "${name}" is ${JSON.stringify(value)}; it must be a whole number of 0 or more`);
    }
  }
  return { pollId: pollId as number, option: option as number };
}

/**
 * Checks the field types of a gallery submission. A page of this project
 * never sends wrong types, so they break the protocol; the values (length,
 * bounds, title rules) are checked by the host, which replies with an Error frame.
 */
function readSubmission(body: unknown): SubmissionFields {
  try {
    return readSubmissionFields(body);
  } catch (error) {
    if (error instanceof SubmissionError) throw new ClientMessageError(error.message);
    throw error;
  }
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (error) {
    throw new ClientMessageError(`message body is not UTF-8 JSON: ${(error as Error).message}`);
  }
}

function readTopics(body: unknown): Topic[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ClientMessageError('message body must be a JSON object such as {"topics":["loss"]}');
  }

  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== 'topics') {
    throw new ClientMessageError(`message body has fields ${JSON.stringify(keys)}; expected only "topics"`);
  }

  const topics = (body as { topics: unknown }).topics;
  if (!Array.isArray(topics) || topics.length === 0 || topics.length > TOPICS.length) {
    throw new ClientMessageError(`"topics" must be an array of 1 to ${TOPICS.length} topic names`);
  }
  if (!topics.every((topic) => typeof topic === 'string')) throw new ClientMessageError('"topics" must contain only strings');

  const unknown = topics.filter((topic) => !isTopic(topic));
  if (unknown.length > 0) throw new UnknownTopicError(unknown);
  return [...new Set(topics as Topic[])];
}
