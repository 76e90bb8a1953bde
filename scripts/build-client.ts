// Builds the pages into dist/client for `npm start` and `npm test`, without
// disturbing a host that is already serving them:
// - nothing is rebuilt when the sources have not changed since the last build;
// - a rebuild goes to a private folder first and then replaces dist/client by
//   renaming, so a running host never serves an empty or half-written folder.
// Vite's build API is used instead of its CLI because the CLI refuses to run
// while another Vite build of the project holds its lock.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT_DIR = join(ROOT, 'dist/client');
const STAMP_FILE = '.sources-hash';
const SOURCES = ['client', 'shared', 'vite.config.ts', 'package-lock.json'];

const force = process.argv.includes('--force');
const hash = await hashSources();
if (!force && (await readStamp()) === hash) process.exit(0);

const staging = join(ROOT, `dist/.client-${process.pid}`);
// Vite takes a second to import, which a start with unchanged pages skips.
const { build } = await import('vite');
try {
  await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir: staging, emptyOutDir: true } });
  await writeFile(join(staging, STAMP_FILE), `${hash}\n`);
  await replaceOutput(staging);
} finally {
  await rm(staging, { recursive: true, force: true });
}

/** Swaps the staged build in with two renames; a host keeps serving the old files until the second. */
async function replaceOutput(stagedDir: string): Promise<void> {
  const retired = join(ROOT, `dist/.client-old-${process.pid}`);
  if (existsSync(OUT_DIR)) await rename(OUT_DIR, retired);
  await rename(stagedDir, OUT_DIR);
  await rm(retired, { recursive: true, force: true });
}

async function readStamp(): Promise<string | null> {
  try {
    return (await readFile(join(OUT_DIR, STAMP_FILE), 'utf8')).trim();
  } catch {
    return null;
  }
}

/** Hashes the path and content of every source file the pages are built from. */
async function hashSources(): Promise<string> {
  const digest = createHash('sha256');
  for (const source of SOURCES) {
    for (const file of await listFiles(join(ROOT, source))) {
      digest.update(relative(ROOT, file));
      digest.update(await readFile(file));
    }
  }
  return digest.digest('hex');
}

async function listFiles(path: string): Promise<string[]> {
  if (!existsSync(path)) return [];
  const entries = await readdir(path, { withFileTypes: true, recursive: true }).catch(() => null);
  if (entries === null) return [path];
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}
