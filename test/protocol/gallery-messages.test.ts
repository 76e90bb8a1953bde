import { describe, expect, it } from 'vitest';

import { checkSubmission, readSubmissionFields, SubmissionError } from '../../shared/gallery';
import { ClientMessageError, ClientMessageType, decodeClientMessage, encodeClientMessage } from '../../shared/protocol/client-messages';
import {
  decodeFrame,
  encodeGalleryItems,
  encodeGalleryRemoved,
  encodeGallerySnapshot,
  encodeGallerySubmitted,
  encodeGalleryVotes,
  FrameType,
  HEADER_BYTES,
  PROTOCOL_VERSION,
} from '../../shared/protocol/frames';
import type { GalleryItem } from '../../shared/gallery';
import { EMPTY_GALLERY, galleryAdded, galleryRemoved, gallerySnapshot, galleryTallies } from '../../client/src/live/gallery-state';

const item = (id: number, votes = 0): GalleryItem => ({ id, title: `item ${id}`, z: [id, -id], step: 10, runId: 'run', createdAt: 1000 + id, votes });

function submitMessage(body: string): Uint8Array {
  const json = new TextEncoder().encode(body);
  const bytes = new Uint8Array(HEADER_BYTES + json.length);
  bytes[0] = PROTOCOL_VERSION;
  bytes[1] = ClientMessageType.GallerySubmit;
  bytes.set(json, HEADER_BYTES);
  return bytes;
}

describe('gallery submit message', () => {
  it('round-trips a submission', () => {
    const message = { type: ClientMessageType.GallerySubmit as const, z: [0.5, -1.25, 3], title: 'a star' };
    expect(decodeClientMessage(encodeClientMessage(message))).toEqual(message);
  });

  it('round-trips a submission without a title', () => {
    const message = { type: ClientMessageType.GallerySubmit as const, z: [1, 2], title: null };
    expect(decodeClientMessage(encodeClientMessage(message))).toEqual(message);
  });

  it.each([
    ['a string in z', '{"z":[1,"2"]}', /"z"\[1\] is the string "2"/],
    ['z that is not an array', '{"z":{"0":1}}', /"z" must be an array of numbers/],
    ['an extra field', '{"z":[1],"admin":true}', /unknown field "admin"/],
    ['a title that is not a string', '{"z":[1],"title":[]}', /"title" is an array/],
  ])('rejects %s as a protocol violation', (_case, body, message) => {
    expect(() => decodeClientMessage(submitMessage(body))).toThrow(ClientMessageError);
    expect(() => decodeClientMessage(submitMessage(body))).toThrow(message);
  });
});

describe('submission checks', () => {
  it('trims the title and treats an empty one as none', () => {
    expect(readSubmissionFields({ z: [1], title: '  hi  ' }).title).toBe('hi');
    expect(readSubmissionFields({ z: [1], title: '   ' }).title).toBeNull();
  });

  it('accepts values on the bound', () => {
    expect(() => checkSubmission({ z: [100, -100], title: null }, 2)).not.toThrow();
  });

  it.each([
    ['NaN', [Number.NaN, 0], /"z"\[0\] is NaN; every value must be finite/],
    ['Infinity', [0, Number.POSITIVE_INFINITY], /"z"\[1\] is Infinity/],
    ['a value above the bound', [0, 100.001], /within ±100/],
  ])('rejects %s', (_case, z, message) => {
    expect(() => checkSubmission({ z, title: null }, 2)).toThrow(SubmissionError);
    expect(() => checkSubmission({ z, title: null }, 2)).toThrow(message);
  });

  it('rejects a lone surrogate in the title', () => {
    expect(() => checkSubmission({ z: [0], title: 'a\uD800b' }, 1)).toThrow(/U\+D800 at position 1/);
  });
});

describe('gallery frames', () => {
  it('round-trips each gallery frame', () => {
    const snapshot = { newest: [item(2), item(1)], top: [item(1, 3)] };
    expect(decodeFrame(encodeGallerySnapshot(5, snapshot))).toMatchObject({ type: FrameType.GallerySnapshot, seq: 5, body: snapshot });
    expect(decodeFrame(encodeGalleryItems(6, [item(3)]))).toMatchObject({ type: FrameType.GalleryItems, body: [item(3)] });
    expect(decodeFrame(encodeGalleryRemoved(7, [1, 2]))).toMatchObject({ type: FrameType.GalleryRemoved, body: { ids: [1, 2] } });
    expect(decodeFrame(encodeGallerySubmitted(8, item(4)))).toMatchObject({ type: FrameType.GallerySubmitted, body: item(4) });
  });

  it('round-trips vote tallies in 8 bytes each', () => {
    const tallies = [{ id: 1, votes: 0 }, { id: 4_000_000_000, votes: 123_456 }];
    const bytes = encodeGalleryVotes(9, tallies);
    expect(bytes.length).toBe(HEADER_BYTES + 4 + 2 * 8);
    expect(decodeFrame(bytes)).toMatchObject({ type: FrameType.GalleryVotes, body: tallies });
  });

  it('rejects a truncated tally frame', () => {
    expect(() => decodeFrame(encodeGalleryVotes(1, [{ id: 1, votes: 2 }]).subarray(0, HEADER_BYTES + 8))).toThrow(/gallery vote frame has 18 bytes; 1 records need 22/);
  });
});

describe('page gallery state', () => {
  it('adds new items first and ranks them into the top list', () => {
    const state = galleryAdded(gallerySnapshot({ newest: [item(2), item(1, 2)], top: [item(1, 2), item(2)] }), [item(3)]);
    expect(state.newest.map((each) => each.id)).toEqual([3, 2, 1]);
    expect(state.top.map((each) => each.id)).toEqual([1, 3, 2]);
  });

  it('reorders the top list on new tallies', () => {
    const state = galleryTallies(gallerySnapshot({ newest: [item(2), item(1, 2)], top: [item(1, 2), item(2)] }), [{ id: 2, votes: 5 }]);
    expect(state.top.map((each) => [each.id, each.votes])).toEqual([[2, 5], [1, 2]]);
    expect(state.newest[0].votes).toBe(5);
  });

  it('drops removed items from both lists', () => {
    const state = galleryRemoved(galleryAdded(EMPTY_GALLERY, [item(1), item(2)]), [1]);
    expect(state.newest.map((each) => each.id)).toEqual([2]);
    expect(state.top.map((each) => each.id)).toEqual([2]);
  });
});
