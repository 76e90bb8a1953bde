import { describe, expect, it } from 'vitest';

import {
  ClientMessageError,
  ClientMessageType,
  decodeClientMessage,
  encodeClientMessage,
  MAX_CLIENT_MESSAGE_BYTES,
  UnknownTopicError,
} from '../../shared/protocol/client-messages';
import { HEADER_BYTES, PROTOCOL_VERSION } from '../../shared/protocol/frames';
import { TOPICS } from '../../shared/protocol/topics';

/** Builds a message with the given header bytes and raw body text. */
function rawMessage(body: string, type = ClientMessageType.Subscribe, version = PROTOCOL_VERSION): Uint8Array {
  const json = new TextEncoder().encode(body);
  const bytes = new Uint8Array(HEADER_BYTES + json.length);
  bytes[0] = version;
  bytes[1] = type;
  bytes.set(json, HEADER_BYTES);
  return bytes;
}

describe('client messages', () => {
  it('round-trips subscribe and unsubscribe', () => {
    for (const type of [ClientMessageType.Subscribe, ClientMessageType.Unsubscribe] as const) {
      const message = { type, topics: ['loss' as const, 'weights' as const] };
      expect(decodeClientMessage(encodeClientMessage(message))).toEqual(message);
    }
  });

  it('drops repeated topics', () => {
    expect(decodeClientMessage(rawMessage('{"topics":["loss","loss"]}'))).toMatchObject({ topics: ['loss'] });
  });

  it.each([
    ['a truncated header', new Uint8Array(3), /shorter than the 10-byte header/],
    ['another version', rawMessage('{"topics":["loss"]}', ClientMessageType.Subscribe, 1), /protocol version 1 is not supported/],
    ['an unknown type', rawMessage('{"topics":["loss"]}', 9 as ClientMessageType), /unknown message type 9/],
    ['a body that is not JSON', rawMessage('{"topics":'), /not UTF-8 JSON/],
    ['a JSON array body', rawMessage('["loss"]'), /must be a JSON object/],
    ['an extra field', rawMessage('{"topics":["loss"],"admin":true}'), /expected only "topics"/],
    ['topics that are not an array', rawMessage('{"topics":"loss"}'), new RegExp(`array of 1 to ${TOPICS.length} topic names`)],
    ['an empty topic list', rawMessage('{"topics":[]}'), new RegExp(`array of 1 to ${TOPICS.length} topic names`)],
    ['a non-string topic', rawMessage('{"topics":[1]}'), /only strings/],
    ['an oversized message', new Uint8Array(MAX_CLIENT_MESSAGE_BYTES + 1), /above the 4096-byte limit/],
  ])('rejects %s', (_case, bytes, message) => {
    expect(() => decodeClientMessage(bytes)).toThrow(ClientMessageError);
    expect(() => decodeClientMessage(bytes)).toThrow(message);
  });

  it('reports an unknown topic separately from a protocol violation', () => {
    const bytes = rawMessage('{"topics":["loss","gossip"]}');
    expect(() => decodeClientMessage(bytes)).toThrow(UnknownTopicError);
    expect(() => decodeClientMessage(bytes)).toThrow(`unknown topic "gossip"; topics are ${TOPICS.join(', ')}`);
  });
});
