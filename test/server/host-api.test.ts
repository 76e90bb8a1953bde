import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { GalleryItem } from '../../shared/gallery';
import { FrameType } from '../../shared/protocol/frames';
import type { HostStatus } from '../../shared/training';
import { hostCall, latent, ViewerClient } from '../helpers/gallery';
import { startTestHost, TestViewer, waitFor } from '../helpers/host';
import type { TestHost } from '../helpers/host';

// Enough epochs that the run trains through every test of the file.
const LONG_RUN = ['--shapes-count', '400', '--batch-size', '32', '--epochs', '100000', '--recon-every', '5', '--submit-limit', '1000/1'];

let host: TestHost;
let viewers: TestViewer[] = [];

beforeAll(async () => {
  host = await startTestHost(LONG_RUN);
});

afterEach(() => {
  viewers.forEach((viewer) => viewer.close());
  viewers = [];
});

afterAll(async () => {
  await host?.dispose();
});

/** Calls a host route with the current token and returns the status and JSON body. */
async function call(path: string, method = 'GET', body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const init: RequestInit = { method };
  if (body !== undefined) init.headers = { 'content-type': 'application/json' };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await hostCall(host, path, host.hostToken.value, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function status(): Promise<HostStatus> {
  return (await (await fetch(new URL('/api/status', host.url))).json()) as HostStatus;
}

async function openViewer(): Promise<TestViewer> {
  const viewer = new TestViewer(host);
  viewers.push(viewer);
  await viewer.open();
  return viewer;
}

describe('host API authentication', () => {
  // Every call that would change something, and calls that read what only the host may see, so a leak through any of them shows.
  const mutations: [string, string, unknown?][] = [
    ['/api/host/run/pause', 'POST'],
    ['/api/host/run/reset', 'POST'],
    ['/api/host/run/settings', 'PATCH', { latent: 3, learningRate: 0.5 }],
    ['/api/host/moderation', 'PUT', { approveBeforePublic: true }],
    ['/api/host/token/rotate', 'POST'],
    ['/api/host/run', 'GET'],
    ['/api/host/links', 'GET'],
  ];

  it('rejects every way around the bearer token', async () => {
    const before = await status();
    const token = host.hostToken.value;
    const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const attempts: [string, (path: string) => [string, RequestInit]][] = [
      ['no token', (path) => [path, {}]],
      ['a wrong token', (path) => [path, { headers: { authorization: `Bearer ${wrong}` } }]],
      // timingSafeEqual throws on inputs of different lengths, which the digests of both tokens avoid.
      ['a prefix of the token', (path) => [path, { headers: { authorization: `Bearer ${token.slice(0, 8)}` } }]],
      ['the token and more', (path) => [path, { headers: { authorization: `Bearer ${token}x` } }]],
      ['the token in the query string', (path) => [`${path}?token=${token}`, {}]],
      ['the token in a cookie', (path) => [path, { headers: { cookie: `token=${token}; host-token=${token}` } }]],
      ['the token as basic credentials', (path) => [path, { headers: { authorization: `Basic ${Buffer.from(`host:${token}`).toString('base64')}` } }]],
    ];

    for (const [what, build] of attempts) {
      for (const [path, method, body] of mutations) {
        const [url, init] = build(path);
        const headers = new Headers(init.headers);
        if (body !== undefined) headers.set('content-type', 'application/json');
        const response = await fetch(new URL(url, host.url), { ...init, method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
        expect(response.status, `${method} ${path} with ${what}`).toBe(401);
      }
    }

    const after = await status();
    expect(after.runId).toBe(before.runId);
    expect(after.latent).toBe(before.latent);
    expect(after.learningRate).toBe(before.learningRate);
    expect(after.state).toBe('training');
    expect(host.gallery.approval.enabled).toBe(false);
    expect((await readFile(join(host.stateDir, 'host-token'), 'utf8')).trim()).toBe(token);
  });
});

describe('share links', () => {
  it('reports a loopback host without network addresses', async () => {
    const { status: code, body } = await call('/api/host/links');
    expect(code).toBe(200);
    expect(body).toEqual({ listenHost: '127.0.0.1', loopbackOnly: true, networkUrls: [] });
  });
});

describe('settings validation', () => {
  const cases: [string, unknown, RegExp][] = [
    ['an unknown field', { latent: 16, colour: 'red' }, /unknown field "colour"; the body takes dataset, model, latent, epochs, learningRate/],
    ['a latent size of 0', { latent: 0 }, /"latent" is 0; use a whole number from 1 to 1024/],
    ['a fractional latent size', { latent: 2.5 }, /"latent" is 2.5; use a whole number from 1 to 1024/],
    ['a latent size as text', { latent: '16' }, /"latent" is the string "16"; use a whole number from 1 to 1024/],
    ['a negative learning rate', { learningRate: -0.1 }, /"learningRate" is -0.1; use a number above 0 and at most 10/],
    ['zero epochs', { epochs: 0 }, /"epochs" is 0; use a whole number from 1 to 1000000/],
    ['an unknown model', { model: 'transformer' }, /"model" is the string "transformer"; use one of dense, deep, conv, vae/],
    ['an empty dataset', { dataset: ' ' }, /"dataset" is the string " "; use "shapes", "mnist" or the path of an image folder/],
    ['an empty body', {}, /the body changes nothing/],
    ['an array', [1], /the body must be a JSON object/],
    ['malformed JSON', '{"latent": ', /the body is not valid JSON/],
  ];

  it.each(cases)('rejects %s with 400', async (_what, body, message) => {
    const runId = host.history.runId;
    const response = await call('/api/host/run/settings', 'PATCH', body);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(message);
    expect(host.history.runId).toBe(runId);
  });

  it('rejects a body that is not JSON', async () => {
    const response = await hostCall(host, '/api/host/run/settings', host.hostToken.value, { method: 'PATCH', body: 'latent=16' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/Content-Type: application\/json/);
  });
});

describe('training control', () => {
  it('changes the learning rate live', async () => {
    const runId = host.history.runId;
    const response = await call('/api/host/run/settings', 'PATCH', { learningRate: 0.0005 });

    expect(response.status).toBe(200);
    expect(response.body.result).toMatch(/learning rate set to 0.0005/);
    expect((await status()).learningRate).toBe(0.0005);
    expect(host.history.runId).toBe(runId);
  });

  it('pauses and resumes, and rejects what does not apply', async () => {
    const viewer = await openViewer();

    const paused = await call('/api/host/run/pause', 'POST');
    expect(paused.status).toBe(200);
    expect(paused.body.result).toMatch(/^paused at step \d+/);
    expect((await status()).state).toBe('paused');
    await waitFor('the paused status frame', () => viewer.frames.some((frame) => frame.type === FrameType.Status && frame.body.state === 'paused'));

    const again = await call('/api/host/run/pause', 'POST');
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/the run is paused; pause applies only while it is training/);

    const start = await call('/api/host/run/start', 'POST');
    expect(start.status).toBe(409);
    expect(start.body.error).toMatch(/Start begins a new run after one finished or stopped/);

    const resumed = await call('/api/host/run/resume', 'POST');
    expect(resumed.status).toBe(200);
    expect((await status()).state).toBe('training');
  });

  it('keeps the run when a restart fails', async () => {
    const runId = host.history.runId;
    const missing = join(host.stateDir, 'no-such-folder');

    const response = await call('/api/host/run/settings', 'PATCH', { dataset: missing });

    expect(response.status).toBe(422);
    expect(response.body.error).toContain(missing);
    expect(response.body.location).toBeNull();
    expect(response.body.lastRejection).toMatchObject({ reason: 'dataset shapes → no-such-folder (host panel)' });
    expect(host.history.runId).toBe(runId);
    const step = host.history.losses.last()!.step;
    await waitFor('the run to go on training', () => host.history.losses.last()!.step > step);
  });

  it('restarts with a new latent size', async () => {
    const viewer = await openViewer();
    const previous = host.history.runId;

    const response = await call('/api/host/run/settings', 'PATCH', { latent: 4 });

    expect(response.status).toBe(200);
    const after = await status();
    expect(after.runId).not.toBe(previous);
    expect(after.latent).toBe(4);
    expect(after.runReason).toBe('latent size 8 → 4 (host panel)');
    expect(after.earlierRuns[0]).toMatchObject({ runId: previous, latent: 8, layerSizes: [784, 8, 784] });
    await waitFor('the RunStarted frame', () => viewer.frames.some((frame) => frame.type === FrameType.RunStarted));
    const started = viewer.frames.find((frame) => frame.type === FrameType.RunStarted)!;
    expect(started.body).toMatchObject({ config: { latent: 4 }, status: { runId: after.runId } });
  });
});

describe('security headers', () => {
  it('sends a strict policy with each page', async () => {
    const response = await fetch(host.url);
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(policy).toContain("frame-ancestors 'self'");
    expect(policy).toContain("object-src 'none'");
    expect(policy).toMatch(/style-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(policy).toContain(`connect-src 'self' ws://${new URL(host.url).host}`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('permissions-policy')).toContain('camera=()');
  });

  it.each(['/host', '/HOST/', '/host.html'])('forbids framing the host panel at %s', async (path) => {
    const response = await fetch(new URL(path, host.url));
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(response.status).toBe(200);
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("script-src 'self';");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  it.each(['/overlay', '/overlay/builder', '/OVERLAY/'])('lets %s compile no WebAssembly', async (path) => {
    const response = await fetch(new URL(path, host.url));
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(response.status).toBe(200);
    expect(policy).toContain("script-src 'self';");
    expect(policy).not.toContain('wasm-unsafe-eval');
    expect(policy).toContain("frame-ancestors 'self'");
  });

  it('lets API responses load nothing', async () => {
    const response = await fetch(new URL('/api/status', host.url));
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('approve before public', () => {
  it('holds new items until the host approves them', async () => {
    await waitFor('decoder weights', () => host.history.decoderWeights !== null);
    const author = await new ViewerClient(host).visit();
    const other = await new ViewerClient(host).visit();
    const viewer = await openViewer();

    expect((await call('/api/host/moderation', 'PUT', { approveBeforePublic: true })).status).toBe(200);
    expect(JSON.parse(await readFile(join(host.stateDir, 'moderation.json'), 'utf8'))).toEqual({ approveBeforePublic: true });

    const submitted = await author.submit(latent(host.history.config.latent), 'waiting');
    expect(submitted.status).toBe(201);
    const item = (await submitted.json()) as GalleryItem;
    expect(item.awaitingApproval).toBe(true);

    const page = (await (await other.request('/api/gallery?sort=new')).json()) as { items: GalleryItem[] };
    expect(page.items.map((shown) => shown.id)).not.toContain(item.id);
    expect((await author.request(`/api/gallery/${item.id}.png`)).status).toBe(200);
    expect((await other.request(`/api/gallery/${item.id}.png`)).status).toBe(404);
    expect((await call('/api/host/gallery/pending')).body.items).toMatchObject([{ id: item.id, pending: true, hidden: true }]);

    expect((await call(`/api/host/gallery/${item.id}/approve`, 'POST')).status).toBe(200);
    await waitFor('the approved item on the gallery topic', () =>
      viewer.frames.some((frame) => frame.type === FrameType.GalleryItems && frame.body.some((shown) => shown.id === item.id)),
    );
    const visible = (await (await other.request('/api/gallery?sort=new')).json()) as { items: GalleryItem[] };
    expect(visible.items.map((shown) => shown.id)).toContain(item.id);
    expect((await call(`/api/host/gallery/${item.id}/approve`, 'POST')).status).toBe(409);

    expect((await call('/api/host/moderation', 'PUT', { approveBeforePublic: false })).status).toBe(200);
  });

  it('rejects a setting that is not true or false', async () => {
    const response = await call('/api/host/moderation', 'PUT', { approveBeforePublic: 'yes' });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatch(/\{"approveBeforePublic": true\}/);
    expect(host.gallery.approval.enabled).toBe(false);
  });
});
