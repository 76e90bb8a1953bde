// A load process of `npm run bench:gallery`: as a submitter it POSTs gallery
// submissions as fast as its connections allow, as a voter it votes on recent
// items. Each uses many viewer ids, one cookie each, so that the per-viewer
// limits apply as they would to a crowd. It runs until its deadline and sends
// its counts to the parent over IPC.

import { Agent, request } from 'node:http';

import { WebSocket } from 'ws';

import { ClientMessageType, encodeClientMessage } from '../shared/protocol/client-messages';
import { decodeFrame, FrameType } from '../shared/protocol/frames';
import { latent } from '../test/helpers/gallery';

/** The command the parent passes as the first argument, as JSON. */
export interface LoadCommand {
  /** `submit` POSTs, `submit-ws` sends GallerySubmit messages over one socket per viewer id, `vote` votes. */
  role: 'submit' | 'submit-ws' | 'vote';
  url: string;
  /** Viewer ids (cookies) this process uses in turn. */
  viewers: number;
  /** Requests in flight at once. */
  concurrency: number;
  latentSize: number;
}

/** The parent's start signal, sent once every process has its cookies. */
export interface StartMessage {
  /** Wall-clock time at which the process stops sending, in ms since the Unix epoch. */
  deadline: number;
}

/** Counts a load process sends when it stops. */
export interface LoadReport {
  role: LoadCommand['role'];
  /** Count of responses by HTTP status. */
  statuses: Record<string, number>;
  /** Accepted submissions as [item id, wall-clock send time in ms]. */
  accepted: [number, number][];
  failures: number;
}

const command = JSON.parse(process.argv[2]) as LoadCommand;
let deadline = 0;

// node:http with keep-alive costs the client less CPU than fetch, which matters
// when the load shares two cores with the host it measures.
const agent = new Agent({ keepAlive: true, maxSockets: command.concurrency });

/** Sends one request and resolves with its status and body text. */
function send(method: string, path: string, cookie: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { cookie };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const outgoing = request(new URL(path, command.url), { method, agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/**
 * Wall-clock time in ms. Date.now() reads the system clock that the parent
 * reads too; performance.timeOrigin + performance.now() drifted apart by tens
 * of milliseconds between processes started at different times.
 */
function now(): number {
  return Date.now();
}

async function cookies(count: number): Promise<string[]> {
  const jar: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(new URL('/api/status', command.url));
    await response.arrayBuffer();
    jar.push((response.headers.get('set-cookie') ?? '').split(';')[0]);
  }
  return jar;
}

async function submitLoop(jar: string[], offset: number, report: LoadReport): Promise<void> {
  for (let i = offset; now() < deadline; i += command.concurrency) {
    const sentAt = now();
    try {
      const body = JSON.stringify({ z: latent(command.latentSize, i), title: `bench ${i}` });
      const response = await send('POST', '/api/gallery', jar[i % jar.length], body);
      report.statuses[response.status] = (report.statuses[response.status] ?? 0) + 1;
      if (response.status === 201) report.accepted.push([(JSON.parse(response.text) as { id: number }).id, sentAt]);
    } catch {
      report.failures++;
    }
  }
}

async function voteLoop(jar: string[], offset: number, recent: () => number[], report: LoadReport): Promise<void> {
  for (let i = offset; now() < deadline; i += command.concurrency) {
    const ids = recent();
    if (ids.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    const id = ids[i % ids.length];
    const method = i % 5 === 4 ? 'DELETE' : 'POST';
    try {
      const response = await send(method, `/api/gallery/${id}/vote`, jar[i % jar.length]);
      report.statuses[response.status] = (report.statuses[response.status] ?? 0) + 1;
    } catch {
      report.failures++;
    }
  }
}

/** The hub closes a socket that sends more than 5 messages per second on average, so each socket waits this long between two. */
const SOCKET_MESSAGE_INTERVAL_MS = 210;

/**
 * Submits over one WebSocket per viewer id, each with its cookie, one
 * message in flight per socket. Error frames count as status 400 and lost
 * sockets as failures.
 */
async function socketSubmitLoops(jar: string[], report: LoadReport): Promise<void> {
  await Promise.all(
    jar.map(async (cookie, index) => {
      // `latent` has one small frame per epoch, so the sockets receive little besides their replies.
      const socket = new WebSocket(`${command.url.replace('http', 'ws')}ws?topics=latent`, { headers: { cookie } });
      socket.binaryType = 'arraybuffer';
      let pending: ((frame: ReturnType<typeof decodeFrame>) => void) | null = null;
      socket.on('message', (data: ArrayBuffer) => {
        const frame = decodeFrame(data);
        if ((frame.type === FrameType.GallerySubmitted || frame.type === FrameType.Error) && pending) pending(frame);
      });
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });

      for (let i = index; now() < deadline && socket.readyState === WebSocket.OPEN; i += jar.length) {
        const sentAt = now();
        const reply = new Promise<ReturnType<typeof decodeFrame>>((resolve) => (pending = resolve));
        socket.send(encodeClientMessage({ type: ClientMessageType.GallerySubmit, z: latent(command.latentSize, i), title: `bench ${i}` }));
        const frame = await Promise.race([reply, closed.then(() => null)]);
        if (frame === null) {
          report.failures++;
          break;
        }
        const status = frame.type === FrameType.GallerySubmitted ? 201 : 400;
        report.statuses[status] = (report.statuses[status] ?? 0) + 1;
        if (frame.type === FrameType.GallerySubmitted) report.accepted.push([frame.body.id, sentAt]);
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, SOCKET_MESSAGE_INTERVAL_MS - (now() - sentAt))));
      }
      socket.close();
    }),
  );
}

/** Keeps the ids of the newest items fresh for the voters, polling every 200 ms. */
function pollRecent(): { ids: () => number[]; stop: () => void } {
  let ids: number[] = [];
  const timer = setInterval(async () => {
    try {
      const page = (await (await fetch(new URL('/api/gallery?sort=new&limit=50', command.url))).json()) as { items: { id: number }[] };
      ids = page.items.map((item) => item.id);
    } catch {
      // The next poll tries again; voters keep the previous ids meanwhile.
    }
  }, 200);
  return { ids: () => ids, stop: () => clearInterval(timer) };
}

const report: LoadReport = { role: command.role, statuses: {}, accepted: [], failures: 0 };
const jar = await cookies(command.viewers);
process.send?.({ type: 'ready' });
deadline = await new Promise<number>((resolve) => process.once('message', (message: StartMessage) => resolve(message.deadline)));

const loops = Array.from({ length: command.concurrency }, (_, offset) => offset);
if (command.role === 'submit') {
  await Promise.all(loops.map((offset) => submitLoop(jar, offset, report)));
} else if (command.role === 'submit-ws') {
  await socketSubmitLoops(jar, report);
} else {
  const recent = pollRecent();
  await Promise.all(loops.map((offset) => voteLoop(jar, offset, recent.ids, report)));
  recent.stop();
}

process.send?.({ type: 'report', report }, () => process.exit(0));
