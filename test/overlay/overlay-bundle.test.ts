// The built overlay's chunk graph, read from dist/client (`npm test` builds
// it first): it must never reach TensorFlow.js, directly or through import().

import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { CLIENT_DIST } from '../../server/http/app';
import { chunkGraph, tfjsChunks } from '../helpers/overlay';

/** Maximum gzipped size of everything the overlay loads, in bytes; about 46 kB when written, while the TensorFlow.js chunk alone is about 270 kB. */
const MAX_OVERLAY_GZIP_BYTES = 120 * 1024;

function gzippedSize(chunks: Map<string, number>): number {
  return [...chunks.keys()].reduce((sum, name) => sum + gzipSync(readFileSync(join(CLIENT_DIST, 'assets', name))).length, 0);
}

describe('overlay bundle', () => {
  it('finds TensorFlow.js from the viewer', () => {
    // Proves that the graph walk follows import() to the TensorFlow.js chunk.
    const tfjs = tfjsChunks();
    expect(tfjs.length).toBeGreaterThan(0);
    expect([...chunkGraph('index.html').keys()]).toEqual(expect.arrayContaining(tfjs));
  });

  it('never reaches TensorFlow.js', () => {
    const overlay = [...chunkGraph('overlay.html').keys()];
    expect(overlay.length).toBeGreaterThan(0);
    expect(overlay.filter((name) => tfjsChunks().includes(name))).toEqual([]);
  });

  it('builder never reaches TensorFlow.js', () => {
    const builder = [...chunkGraph('overlay-builder.html').keys()];
    expect(builder.filter((name) => tfjsChunks().includes(name))).toEqual([]);
  });

  it('stays small', () => {
    expect(gzippedSize(chunkGraph('overlay.html'))).toBeLessThan(MAX_OVERLAY_GZIP_BYTES);
  });
});
