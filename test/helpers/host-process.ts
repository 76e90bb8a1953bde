// Runs the host as `npm start` does, in a child process on loopback, for
// tests that kill it or restart it on the same state folder.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

import type { HostStatus } from '../../shared/training';
import { waitFor } from './host';

/** One JSON log line of the host. */
export interface LogRecord {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export class HostProcess {
  readonly logs: LogRecord[] = [];
  /** Viewer page address, once the host listens. */
  url = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  /** Starts `server/main.ts` on a free port of 127.0.0.1 with JSON logs and `flags`. */
  constructor(stateDir: string, flags: string[]) {
    const args = ['--import', 'tsx', 'server/main.ts', '--port', '0', '--host', '127.0.0.1', '--state-dir', stateDir, '--log-format', 'json', ...flags];
    this.child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'info' } });
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.record(line));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Resolves once the host listens, with its URL. */
  async listening(): Promise<string> {
    await this.waitForLog('the host to listen', (record) => record.msg === 'host listening');
    return this.url;
  }

  /** Resolves with the first log record, from the start, that `matches`. */
  async waitForLog(what: string, matches: (record: LogRecord) => boolean, timeout = 60_000): Promise<LogRecord> {
    await waitFor(what, () => this.logs.some(matches), timeout);
    return this.logs.find(matches)!;
  }

  async status(): Promise<HostStatus> {
    return (await (await fetch(new URL('/api/status', this.url))).json()) as HostStatus;
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Stops the host with SIGKILL unless it has exited already; for cleanup after a failed test. */
  async dispose(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  private record(line: string): void {
    let record: LogRecord;
    try {
      record = JSON.parse(line) as LogRecord;
    } catch {
      return;
    }
    if (record.msg === 'host listening') this.url = String(record.url);
    this.logs.push(record);
  }
}
