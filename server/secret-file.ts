// Secrets the host keeps in its state folder, such as the host token and the
// key that signs viewer cookies. Each lives in its own file that only the
// host's user can read (mode 0600).

import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';

/** File mode of every secret: read and write for the owner only. */
const SECRET_MODE = 0o600;

/** Returns 32 random bytes as base64url text, 43 characters. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Reads the secret in `path`, or creates it with `randomSecret()` when the
 * file does not exist. An existing file with looser permissions is narrowed
 * to 0600. Returns the secret and whether it was created now.
 */
export async function readOrCreateSecret(path: string): Promise<{ secret: string; created: boolean }> {
  try {
    const secret = (await readFile(path, 'utf8')).trim();
    if (secret === '') throw new Error(`the secret file ${path} is empty; delete it and restart the host to create a new one`);
    await chmod(path, SECRET_MODE);
    return { secret, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }

  const secret = randomSecret();
  // `wx` fails if another process created the file in between, instead of overwriting its secret.
  await writeFile(path, `${secret}\n`, { mode: SECRET_MODE, flag: 'wx' });
  return { secret, created: true };
}

/** Replaces the secret in `path` atomically: a reader sees the old file or the new one, never a partial one. */
export async function replaceSecret(path: string, secret: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${secret}\n`, { mode: SECRET_MODE });
  await rename(temporary, path);
}
