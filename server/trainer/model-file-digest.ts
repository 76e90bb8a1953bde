// The version of a model file that a run trains, as a SHA-256 digest of its
// bytes. A checkpoint records it, so that a host restarted on the same state
// folder resumes the run only for the file as it was.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** Returns the hex SHA-256 digest of the file's bytes, or null when the file does not exist. */
export async function modelFileDigest(file: string): Promise<string | null> {
  try {
    return createHash('sha256').update(await readFile(file)).digest('hex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
