import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';

import * as tf from '@tensorflow/tfjs';

import { LatentNetwork } from '../../client/src/explorer/latent-network';
import type { GalleryItem, ModeratedGalleryItem } from '../../shared/gallery';
import { ClientMessageType, encodeClientMessage } from '../../shared/protocol/client-messages';
import { FrameType, quantiseSnapshot } from '../../shared/protocol/frames';
import type { Frame } from '../../shared/protocol/frames';
import { IMAGE_PIXELS } from '../../shared/training';
import { hostCall, latent, ViewerClient } from '../helpers/gallery';
import { SMALL_RUN, startTestHost, TestViewer, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';

// Limits far above what the tests send, so that only the rate-limit tests meet them.
const HIGH_LIMITS = ['--submit-limit', '1000/1', '--submit-limit-per-ip', '100000/1', '--vote-limit', '1000/1', '--vote-limit-per-ip', '100000/1'];

let host: TestHost;
let viewers: TestViewer[] = [];
const extraHosts: TestHost[] = [];

beforeAll(async () => {
  host = await startTestHost([...SMALL_RUN, ...HIGH_LIMITS]);
  await waitFor('the run to finish', () => host.history.status(0).state === 'finished');
});

afterEach(() => {
  viewers.forEach((viewer) => viewer.close());
  viewers = [];
});

afterAll(async () => {
  await host?.dispose();
  await Promise.all(extraHosts.map((each) => each.dispose()));
});

async function openViewer(target: TestHost, query = '?topics=gallery', cookie?: string): Promise<TestViewer> {
  const viewer = new TestViewer(target, query, cookie ? { headers: { cookie } } : {});
  viewers.push(viewer);
  await viewer.open();
  return viewer;
}

async function submitted(client: ViewerClient, z: number[] = latent(8, Math.random()), title?: string): Promise<GalleryItem> {
  const response = await client.submit(z, title);
  expect(response.status).toBe(201);
  return (await response.json()) as GalleryItem;
}

const ofType = <T extends FrameType>(frames: Frame[], type: T) =>
  frames.filter((frame): frame is Extract<Frame, { type: T }> => frame.type === type);

async function errorOf(response: Response): Promise<string> {
  return ((await response.json()) as { error: string }).error;
}

async function metricValue(target: TestHost, sample: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', target.url))).text();
  const line = text.split('\n').find((each) => each.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

describe('gallery submissions', () => {
  it('stores a submission with 201', async () => {
    const client = await new ViewerClient(host).visit();
    const z = latent(8, 1);
    const response = await client.submit(z, 'a first try');

    expect(response.status).toBe(201);
    const item = (await response.json()) as GalleryItem;
    expect(item).toMatchObject({ title: 'a first try', z, votes: 0, runId: host.history.runId });
    expect(item.step).toBe(host.history.decoderWeights?.step);
    expect(response.headers.get('location')).toBe(`/api/gallery/${item.id}`);
    expect(await (await client.request(`/api/gallery/${item.id}`)).json()).toMatchObject({ ...item, voted: false });
  });

  it('decodes as a page does', async () => {
    const client = await new ViewerClient(host).visit();
    const z = latent(8, 2);
    const item = await submitted(client, z);

    // The page's decoder, on the host's main-thread TensorFlow.js, which this test process shares.
    const network = new LatentNetwork(tf);
    await network.setDecoder(quantiseSnapshot(host.history.decoderWeights!));
    const expected = Array.from(await network.decode(z), (value) => Math.round(Math.min(1, Math.max(0, value)) * 255));
    network.dispose();
    const png = host.gallery.store.png(item.id)!;
    const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width: 28, height: 28 });
    expect([...data]).toEqual([...expected]);
    expect(expected.length).toBe(IMAGE_PIXELS);
  });

  it('serves the image upscaled with crisp pixels', async () => {
    const client = await new ViewerClient(host).visit();
    const item = await submitted(client);
    const response = await client.request(`/api/gallery/${item.id}.png`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    const upscaled = await sharp(Buffer.from(await response.arrayBuffer())).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect(upscaled.info).toMatchObject({ width: 280, height: 280 });
    const small = await sharp(host.gallery.store.png(item.id)!).extractChannel(0).raw().toBuffer();
    // Nearest-neighbour scaling: every 10×10 block repeats one source pixel.
    for (const [x, y] of [[0, 0], [95, 143], [279, 279], [140, 9]]) {
      expect(upscaled.data[y * 280 + x]).toBe(small[Math.floor(y / 10) * 28 + Math.floor(x / 10)]);
    }
  });

  it.each([
    ['a vector of the wrong length', JSON.stringify({ z: [1, 2, 3] }), /"z" has 3 values; this model's latent size is 8/],
    ['a value that overflows to Infinity', '{"z":[1e999,0,0,0,0,0,0,0]}', /"z"\[0\] is Infinity; every value must be finite/],
    ['a negative overflow', '{"z":[0,-1e999,0,0,0,0,0,0]}', /"z"\[1\] is -Infinity/],
    ['the string NaN', JSON.stringify({ z: [0, 0, 'NaN', 0, 0, 0, 0, 0] }), /"z"\[2\] is the string "NaN"; every value must be a JSON number/],
    ['a numeric string', JSON.stringify({ z: ['1', 0, 0, 0, 0, 0, 0, 0] }), /"z"\[0\] is the string "1"/],
    ['a value out of bounds', JSON.stringify({ z: [0, 0, 0, 100.5, 0, 0, 0, 0] }), /"z"\[3\] is 100.5; every value must be within ±100/],
    ['z as a string', JSON.stringify({ z: '1,2,3' }), /"z" must be an array of numbers/],
    ['no z', JSON.stringify({ title: 'hi' }), /"z" must be an array of numbers/],
    ['an extra field', JSON.stringify({ z: latent(8), admin: true }), /unknown field "admin"/],
    ['a JSON array', JSON.stringify(latent(8)), /must be a JSON object/],
    ['invalid JSON', '{"z": [1, 2', /not valid JSON/],
    ['a title over 80 characters', JSON.stringify({ z: latent(8), title: 'x'.repeat(81) }), /"title" has 81 characters; the limit is 80/],
    ['a title with a line break', JSON.stringify({ z: latent(8), title: 'two\nlines' }), /"title" contains U\+000A at position 3; titles must be printable/],
    ['a title with a bidi override', JSON.stringify({ z: latent(8), title: 'abc\u202Edef' }), /U\+202E/],
    ['a title that is a number', JSON.stringify({ z: latent(8), title: 5 }), /"title" is a number; it must be a string/],
  ])('rejects %s with 400', async (_case, body, message) => {
    const client = await new ViewerClient(host).visit();
    const response = await client.submitRaw(body);
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatch(message);
  });

  it('accepts an 80-character emoji title', async () => {
    const client = await new ViewerClient(host).visit();
    const title = `<b>bold</b> 👩‍🔬 ${'é'.repeat(64)}`;
    expect([...title].length).toBe(80);
    const item = await submitted(client, latent(8), title);
    expect(item.title).toBe(title);
  });

  it('rejects a body that is not JSON', async () => {
    const client = await new ViewerClient(host).visit();
    const response = await client.submitRaw('z=1,2,3', 'application/x-www-form-urlencoded');
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatch(/Content-Type: application\/json/);
  });

  it('rejects a huge array with 413', async () => {
    const client = await new ViewerClient(host).visit();
    const body = JSON.stringify({ z: new Array(200_000).fill(0.5) });
    const response = await client.submitRaw(body);
    expect(response.status).toBe(413);
    expect(await errorOf(response)).toMatch(/the limit is 65536 bytes/);
  });

  it('rejects a huge title with 413', async () => {
    const client = await new ViewerClient(host).visit();
    const response = await client.submit(latent(8), 'x'.repeat(100_000));
    expect(response.status).toBe(413);
  });

  it('batches concurrent submissions into fewer decoder passes', async () => {
    const clients = await Promise.all(Array.from({ length: 60 }, () => new ViewerClient(host).visit()));
    const passesBefore = host.gallery.batcher.decodePasses;

    const responses = await Promise.all(clients.map((client, i) => client.submit(latent(8, 100 + i))));

    expect(responses.map((response) => response.status)).toEqual(new Array(60).fill(201));
    const passes = host.gallery.batcher.decodePasses - passesBefore;
    expect(passes).toBeGreaterThanOrEqual(1);
    expect(passes).toBeLessThan(30);
    expect(await metricValue(host, 'latentcast_gallery_decode_passes_total')).toBe(host.gallery.batcher.decodePasses);
  });
});

describe('gallery listing', () => {
  it('pages through both orders', async () => {
    const target = await startTestHost([...SMALL_RUN, ...HIGH_LIMITS]);
    extraHosts.push(target);
    await waitFor('decoder weights', () => target.history.decoderWeights !== null);
    const client = await new ViewerClient(target).visit();
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) ids.push((await submitted(client, latent(8, i))).id);

    // Votes: item 3 gets three, item 5 two, item 1 one.
    const voters = await Promise.all(Array.from({ length: 3 }, () => new ViewerClient(target).visit()));
    for (const [index, count] of [[3, 3], [5, 2], [1, 1]]) {
      for (let v = 0; v < count; v++) expect((await voters[v].vote(ids[index])).status).toBe(200);
    }

    const walk = async (sort: string) => {
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `/api/gallery?sort=${sort}&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await (await client.request(query)).json()) as { items: GalleryItem[]; nextCursor: string | null };
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };

    expect(await walk('new')).toEqual([...ids].reverse());
    expect(await walk('top')).toEqual([ids[3], ids[5], ids[1], ids[6], ids[4], ids[2], ids[0]]);
  });

  it.each([
    ['/api/gallery?sort=best', /sort "best" is not valid/],
    ['/api/gallery?limit=0', /limit "0" is not valid/],
    ['/api/gallery?limit=101', /limit "101" is not valid/],
    ['/api/gallery?cursor=abc', /cursor "abc" is not a cursor of sort=new/],
    ['/api/gallery?sort=top&cursor=12', /cursor "12" is not a cursor of sort=top/],
  ])('rejects %s with 400', async (path, message) => {
    const response = await fetch(new URL(path, host.url));
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatch(message);
  });

  it('answers an unknown item with 404', async () => {
    expect((await fetch(new URL('/api/gallery/999999', host.url))).status).toBe(404);
    expect((await fetch(new URL('/api/gallery/999999.png', host.url))).status).toBe(404);
    expect((await fetch(new URL('/api/gallery/abc', host.url))).status).toBe(404);
  });
});

describe('gallery votes', () => {
  it('counts parallel votes once', async () => {
    const author = await new ViewerClient(host).visit();
    const item = await submitted(author);
    const voter = await new ViewerClient(host).visit();

    const responses = await Promise.all(Array.from({ length: 50 }, () => voter.vote(item.id)));

    expect(responses.map((response) => response.status)).toEqual(new Array(50).fill(200));
    const bodies = (await Promise.all(responses.map((response) => response.json()))) as { votes: number; voted: boolean }[];
    expect(bodies.every((body) => body.votes === 1 && body.voted)).toBe(true);
    expect(host.gallery.store.visibleItem(item.id)?.votes).toBe(1);
  });

  it('removes a vote on un-vote, once', async () => {
    const item = await submitted(await new ViewerClient(host).visit());
    const voter = await new ViewerClient(host).visit();
    const other = await new ViewerClient(host).visit();
    await voter.vote(item.id);
    await other.vote(item.id);

    expect(await (await voter.unvote(item.id)).json()).toEqual({ id: item.id, votes: 1, voted: false });
    expect(await (await voter.unvote(item.id)).json()).toEqual({ id: item.id, votes: 1, voted: false });
    expect((await (await voter.request('/api/gallery/votes')).json()) as { itemIds: number[] }).toEqual({ itemIds: [] });
    expect(((await (await other.request('/api/gallery/votes')).json()) as { itemIds: number[] }).itemIds).toContain(item.id);
  });

  it('rejects a vote for a missing item', async () => {
    const voter = await new ViewerClient(host).visit();
    const response = await voter.vote(999_999);
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toMatch(/no visible gallery item 999999/);
  });

  it('broadcasts coalesced tallies with the latest count', async () => {
    const item = await submitted(await new ViewerClient(host).visit());
    const watcher = await openViewer(host);
    const voters = await Promise.all(Array.from({ length: 30 }, () => new ViewerClient(host).visit()));

    await Promise.all(voters.map((voter) => voter.vote(item.id)));

    await waitFor('the final tally', () =>
      ofType(watcher.frames, FrameType.GalleryVotes).some((frame) => frame.body.some((tally) => tally.id === item.id && tally.votes === 30)),
    );
    const tallyFrames = ofType(watcher.frames, FrameType.GalleryVotes).filter((frame) => frame.body.some((tally) => tally.id === item.id));
    expect(tallyFrames.length).toBeLessThan(10);
  });
});

describe('gallery rate limits', () => {
  it('limits submissions per viewer', async () => {
    const target = await startTestHost([...SMALL_RUN, '--submit-limit', '1/2']);
    extraHosts.push(target);
    await waitFor('decoder weights', () => target.history.decoderWeights !== null);
    const client = await new ViewerClient(target).visit();

    expect((await client.submit(latent(8))).status).toBe(201);
    const limited = await client.submit(latent(8));

    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(2);
    expect(await errorOf(limited)).toMatch(/too many submissions from this viewer; the limit is 1 per 2 s, so retry in \d\.\d s/);
    expect(await metricValue(target, 'latentcast_gallery_rate_limited_total{action="submit",scope="viewer"}')).toBe(1);

    const other = await new ViewerClient(target).visit();
    expect((await other.submit(latent(8))).status).toBe(201);
  });

  it('limits votes per viewer and IP', async () => {
    const target = await startTestHost([...SMALL_RUN, '--vote-limit', '5/10', '--vote-limit-per-ip', '8/10']);
    extraHosts.push(target);
    await waitFor('decoder weights', () => target.history.decoderWeights !== null);
    const item = await submitted(await new ViewerClient(target).visit());

    const first = await new ViewerClient(target).visit();
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await first.vote(item.id)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);

    const second = await new ViewerClient(target).visit();
    for (let i = 0; i < 3; i++) expect((await second.vote(item.id)).status).toBe(200);
    const limited = await second.vote(item.id);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).not.toBeNull();
    expect(await errorOf(limited)).toMatch(/from this IP address, which all viewers behind it share; the limit is 8 per 10 s/);
    expect(await metricValue(target, 'latentcast_gallery_rate_limited_total{action="vote",scope="ip"}')).toBe(1);
  });
});

describe('gallery before the first weights', () => {
  it('answers 503 without a decoder', async () => {
    const target = await startTestHost([...SMALL_RUN, '--epochs', '1000']);
    extraHosts.push(target);
    // A paused worker may still send the snapshots of the steps it finishes, so it is stopped.
    await target.runs.current.stop();
    target.history.decoderWeights = null;

    const client = await new ViewerClient(target).visit();
    const response = await client.submit(latent(8));
    expect(response.status).toBe(503);
    expect(await errorOf(response)).toMatch(/no decoder weights yet; they arrive when the first epoch ends/);
  });
});

describe('viewer identity', () => {
  it('issues a signed HttpOnly cookie', async () => {
    const response = await fetch(new URL('/', host.url));
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^lc_viewer=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
  });

  it('replaces a forged cookie', async () => {
    const client = await new ViewerClient(host).visit();
    const original = client.cookie;
    expect((await client.request('/api/status')).headers.get('set-cookie')).toBeNull();

    const [name, value] = original!.split('=');
    const forged = `${name}=AAAAAAAAAAAAAAAAAAAAAA.${value.split('.')[1]}`;
    const response = await fetch(new URL('/api/status', host.url), { headers: { cookie: forged } });
    expect(response.headers.get('set-cookie')).toMatch(/^lc_viewer=/);
    expect(response.headers.get('set-cookie')).not.toContain('AAAAAAAAAAAAAAAAAAAAAA');
  });

  it('keeps secrets in 0600 files', async () => {
    for (const file of ['viewer-key', 'host-token']) {
      expect((await stat(join(host.stateDir, file))).mode & 0o777).toBe(0o600);
    }
  });
});

describe('gallery over the WebSocket', () => {
  it('sends a snapshot on joining', async () => {
    const item = await submitted(await new ViewerClient(host).visit());
    const viewer = await openViewer(host);
    await waitFor('the gallery snapshot', () => ofType(viewer.frames, FrameType.GallerySnapshot).length === 1);

    const [snapshot] = ofType(viewer.frames, FrameType.GallerySnapshot);
    expect(snapshot.body.newest[0].id).toBe(item.id);
    expect(snapshot.body.newest.length).toBeLessThanOrEqual(24);
    expect(snapshot.body.top.length).toBeLessThanOrEqual(24);
    expect(snapshot.body.newest[0]).not.toHaveProperty('viewerId');
  });

  it('broadcasts a new item to gallery viewers', async () => {
    const viewer = await openViewer(host);
    const item = await submitted(await new ViewerClient(host).visit(), latent(8, 7), 'live');
    await waitFor('the new item', () => ofType(viewer.frames, FrameType.GalleryItems).some((frame) => frame.body.some((each) => each.id === item.id)));
  });

  it('stores a socket submission', async () => {
    const client = await new ViewerClient(host).visit();
    const viewer = await openViewer(host, '?topics=status', client.cookie!);
    const z = latent(8, 9);

    viewer.socket.send(encodeClientMessage({ type: ClientMessageType.GallerySubmit, z, title: 'over ws' }));

    await waitFor('the reply', () => ofType(viewer.frames, FrameType.GallerySubmitted).length === 1);
    const [reply] = ofType(viewer.frames, FrameType.GallerySubmitted);
    expect(reply.body).toMatchObject({ z, title: 'over ws' });
    expect(host.gallery.store.item(reply.body.id)?.viewerId).toBe(client.viewerId);
  });

  it('answers an invalid socket submission', async () => {
    const client = await new ViewerClient(host).visit();
    const viewer = await openViewer(host, '?topics=status', client.cookie!);

    viewer.socket.send(encodeClientMessage({ type: ClientMessageType.GallerySubmit, z: [1, 2], title: null }));

    await waitFor('the error', () => ofType(viewer.frames, FrameType.Error).length === 1);
    expect(ofType(viewer.frames, FrameType.Error)[0].body).toMatchObject({ code: 'gallery-invalid', message: expect.stringMatching(/latent size is 8/) });
    expect(viewer.socket.readyState).toBe(viewer.socket.OPEN);
  });

  it('rejects a socket without a cookie', async () => {
    const viewer = await openViewer(host, '?topics=status');
    viewer.socket.send(encodeClientMessage({ type: ClientMessageType.GallerySubmit, z: latent(8), title: null }));
    await waitFor('the error', () => ofType(viewer.frames, FrameType.Error).length === 1);
    expect(ofType(viewer.frames, FrameType.Error)[0].body.code).toBe('gallery-no-viewer-id');
  });
});

describe('moderation', () => {
  it('rejects host calls without the token', async () => {
    const item = await submitted(await new ViewerClient(host).visit());
    const wrong = `${host.hostToken.value.slice(0, -1)}${host.hostToken.value.endsWith('A') ? 'B' : 'A'}`;

    for (const token of [null, wrong, '']) {
      const calls = [
        hostCall(host, `/api/host/gallery/${item.id}/hide`, token, { method: 'POST' }),
        hostCall(host, `/api/host/gallery/${item.id}`, token, { method: 'DELETE' }),
        hostCall(host, '/api/host/viewers/someone/ban', token, { method: 'POST' }),
        hostCall(host, '/api/host/gallery', token),
        hostCall(host, '/api/host/token/rotate', token, { method: 'POST' }),
        hostCall(host, '/api/gallery/export', token),
      ];
      for (const response of await Promise.all(calls)) {
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    }
    expect(host.gallery.store.visibleItem(item.id)).not.toBeNull();
    expect(host.gallery.store.isBanned('someone')).toBe(false);
    expect((await readFile(join(host.stateDir, 'host-token'), 'utf8')).trim()).toBe(host.hostToken.value);
  });

  it('hides and shows an item live', async () => {
    const item = await submitted(await new ViewerClient(host).visit());
    const viewer = await openViewer(host);
    const token = host.hostToken.value;

    expect((await hostCall(host, `/api/host/gallery/${item.id}/hide`, token, { method: 'POST' })).status).toBe(200);
    await waitFor('the removal', () => ofType(viewer.frames, FrameType.GalleryRemoved).some((frame) => frame.body.ids.includes(item.id)));
    expect((await fetch(new URL(`/api/gallery/${item.id}`, host.url))).status).toBe(404);
    expect((await fetch(new URL(`/api/gallery/${item.id}.png`, host.url))).status).toBe(404);

    const listed = (await (await hostCall(host, '/api/host/gallery?limit=100', token)).json()) as { items: ModeratedGalleryItem[] };
    expect(listed.items.find((each) => each.id === item.id)).toMatchObject({ hidden: true, viewerId: expect.any(String) });

    expect((await hostCall(host, `/api/host/gallery/${item.id}/unhide`, token, { method: 'POST' })).status).toBe(200);
    await waitFor('the item again', () => ofType(viewer.frames, FrameType.GalleryItems).some((frame) => frame.body.some((each) => each.id === item.id)));
  });

  it('deletes an item and its votes', async () => {
    const item = await submitted(await new ViewerClient(host).visit());
    await (await new ViewerClient(host).visit()).vote(item.id);
    const viewer = await openViewer(host);

    expect((await hostCall(host, `/api/host/gallery/${item.id}`, host.hostToken.value, { method: 'DELETE' })).status).toBe(204);
    await waitFor('the removal', () => ofType(viewer.frames, FrameType.GalleryRemoved).some((frame) => frame.body.ids.includes(item.id)));
    expect(host.gallery.store.item(item.id)).toBeNull();
    expect((await hostCall(host, `/api/host/gallery/${item.id}`, host.hostToken.value, { method: 'DELETE' })).status).toBe(404);
  });

  it('bans a viewer', async () => {
    const banned = await new ViewerClient(host).visit();
    const items = [await submitted(banned, latent(8, 31)), await submitted(banned, latent(8, 32))];
    const other = await submitted(await new ViewerClient(host).visit());
    const viewer = await openViewer(host);

    const response = await hostCall(host, `/api/host/viewers/${banned.viewerId}/ban`, host.hostToken.value, { method: 'POST' });
    expect(await response.json()).toEqual({ viewerId: banned.viewerId, hiddenItemIds: items.map((item) => item.id).reverse().sort((a, b) => a - b) });
    await waitFor('the removal', () => ofType(viewer.frames, FrameType.GalleryRemoved).some((frame) => items.every((item) => frame.body.ids.includes(item.id))));

    const submit = await banned.submit(latent(8));
    expect(submit.status).toBe(403);
    expect(await errorOf(submit)).toMatch(/banned by the host and cannot submit to the gallery/);
    const vote = await banned.vote(other.id);
    expect(vote.status).toBe(403);
    expect(host.gallery.store.visibleItem(other.id)?.votes).toBe(0);
  });

  it('rotates the host token', async () => {
    const target = await startTestHost(SMALL_RUN);
    extraHosts.push(target);
    const old = target.hostToken.value;

    const response = await hostCall(target, '/api/host/token/rotate', old, { method: 'POST' });
    const { token } = (await response.json()) as { token: string };

    expect(token).not.toBe(old);
    expect((await hostCall(target, '/api/host/gallery', old)).status).toBe(401);
    expect((await hostCall(target, '/api/host/gallery', token)).status).toBe(200);
    expect((await readFile(join(target.stateDir, 'host-token'), 'utf8')).trim()).toBe(token);
    expect((await stat(join(target.stateDir, 'host-token'))).mode & 0o777).toBe(0o600);
  });

  it('exports a zip with a manifest', async () => {
    const item = await submitted(await new ViewerClient(host).visit(), latent(8, 41), 'exported');
    const response = await hostCall(host, '/api/gallery/export', host.hostToken.value);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');

    const entries = await readZip(Buffer.from(await response.arrayBuffer()));
    const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as { items: (ModeratedGalleryItem & { file: string })[] };
    const entry = manifest.items.find((each) => each.id === item.id);
    expect(entry).toMatchObject({ title: 'exported', file: `images/${item.id}.png`, viewerId: expect.any(String), hidden: false });
    expect(entries.get(`images/${item.id}.png`)?.equals(host.gallery.store.png(item.id)!)).toBe(true);
    expect(entries.size).toBe(manifest.items.length + 1);
  });
});

/** Reads every entry of a zip into memory. */
function readZip(buffer: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const entries = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(entries));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}
