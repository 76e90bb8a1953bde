// Entry point of `npm run export`: writes the models, a reconstruction sheet
// and the loss history of a checkpoint into a folder. It only reads the
// state folder, so it is safe to run while a host trains on it.

import { relative } from 'node:path';

import { exportCheckpoint } from '../checkpoints/export/export-files';
import { currentCheckpointPath, readCheckpoint } from '../checkpoints/store';
import { exportHelpText, parseExportOptions } from './offline-options';
import type { ExportOptions } from './offline-options';
import { OptionsError } from './options';

/** Exit code for a bad flag value, as most command-line tools use. */
const EXIT_USAGE = 2;

let options: ExportOptions | 'help';
try {
  options = parseExportOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof OptionsError)) throw error;
  console.error(`latentcast export: ${error.message}`);
  process.exit(EXIT_USAGE);
}
if (options === 'help') {
  console.log(exportHelpText());
  process.exit(0);
}

const path = options.checkpoint ?? currentCheckpointPath(options.stateDir);
let checkpoint;
try {
  checkpoint = await readCheckpoint(path);
} catch (error) {
  const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
  const fix = options.checkpoint
    ? 'pass the path of a .ckpt file.'
    : 'train first with `npm start` or `npm run train`, or pass the --state-dir the run used.';
  console.error(`latentcast export: ${missing ? `there is no checkpoint at ${path}` : `checkpoint ${path} cannot be read: ${(error as Error).message}`}; ${fix}`);
  process.exit(1);
}

const files = await exportCheckpoint(checkpoint, options.out);
console.log(`Exported run ${checkpoint.runId} after epoch ${checkpoint.state.epoch}, step ${checkpoint.state.step}, from ${path}`);
console.log(`Wrote ${files.length} files to ${options.out}:`);
for (const file of files) console.log(`  ${relative(options.out, file)}`);
