// Replaces a file so that readers, and a host restarted after a crash or
// power loss, see either the old content or the new, never a mix.

import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Suffix of the temporary file next to the target; a leftover one is an unfinished write. */
export const TEMPORARY_SUFFIX = '.tmp';

/**
 * Writes `data` to `path` through a temporary file: write, fsync, rename over
 * `path`, then fsync the folder so that the rename itself is on disk. A crash
 * at any point leaves the previous file intact and at most a stale temporary
 * file, which the next write truncates.
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const temporary = path + TEMPORARY_SUFFIX;
  const file = await open(temporary, 'w');
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }

  await rename(temporary, path);
  await syncFolder(dirname(path));
}

/** Flushes a folder's entries to disk, where the platform allows it. */
async function syncFolder(path: string): Promise<void> {
  // Windows cannot open a folder for fsync, so there the file system alone decides when the rename reaches the disk.
  if (process.platform === 'win32') return;
  const folder = await open(path, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
