// Every process that `bench/fanout.ts` starts is registered here, so that
// `stopAllChildren` can end them whichever way the benchmark exits: at the
// end, on an error, on Ctrl+C or at its overall deadline.

import type { ChildProcess } from 'node:child_process';

const STOP_TIMEOUT_MS = 10_000;

const children = new Set<ChildProcess>();
const cleanups = new Set<() => Promise<void>>();

/** Registers a child until it exits and returns it. */
export function trackChild(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Registers a task, such as removing a temporary folder, that must run after the children stop. */
export function cleanUpAfterStop(task: () => Promise<void>): void {
  cleanups.add(task);
}

/** Ends every registered child still running, then runs the clean-up tasks; safe to call more than once. */
export async function stopAllChildren(): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child)));
  const tasks = [...cleanups];
  cleanups.clear();
  await Promise.all(tasks.map((task) => task()));
}

/** Outcome of stopChild for one process. */
export interface StopResult {
  seconds: number;
  /** The process ignored SIGTERM for STOP_TIMEOUT_MS and was killed. */
  killed: boolean;
  exitCode: number | null;
}

/** Sends SIGTERM, then SIGKILL if the process is still there after STOP_TIMEOUT_MS. */
export async function stopChild(child: ChildProcess): Promise<StopResult> {
  const started = Date.now();
  if (child.exitCode !== null || child.signalCode !== null) return { seconds: 0, killed: false, exitCode: child.exitCode };

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let killed = false;
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
  return { seconds: (Date.now() - started) / 1000, killed, exitCode: child.exitCode };
}
