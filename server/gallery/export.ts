// The host's gallery export: a zip with every item's 28×28 PNG and a JSON
// manifest of all items, hidden ones included. yazl writes the zip as a
// stream, so a large gallery never sits in memory as one archive.

import type { Writable } from 'node:stream';

import { ZipFile } from 'yazl';

import type { ModeratedGalleryItem } from '../../shared/gallery';
import type { GalleryStore } from './store';

/** One entry of `manifest.json`: the item and the path of its PNG in the zip. */
export interface ManifestEntry extends ModeratedGalleryItem {
  file: string;
}

/** Writes the export zip of `store` to `output` and resolves once the zip is complete. */
export function writeExport(store: GalleryStore, output: Writable): Promise<void> {
  const zip = new ZipFile();
  const manifest: ManifestEntry[] = [];

  for (const { png, ...item } of store.exportItems()) {
    const file = `images/${item.id}.png`;
    // PNG data is already deflated, so storing it uncompressed loses nothing.
    zip.addBuffer(png, file, { compress: false, mtime: new Date(item.createdAt) });
    manifest.push({ ...item, file });
  }
  zip.addBuffer(Buffer.from(`${JSON.stringify({ exportedAt: Date.now(), items: manifest }, null, 2)}\n`), 'manifest.json');
  zip.end();

  return new Promise((resolve, reject) => {
    zip.outputStream.on('error', reject);
    output.on('error', reject);
    output.on('finish', resolve);
    zip.outputStream.pipe(output);
  });
}
