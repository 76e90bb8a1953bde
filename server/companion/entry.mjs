// Entry point of the package for plain Node: the companion is written in
// TypeScript and runs through tsx, which this file loads for the companion's
// modules only, leaving the rest of the script's process as it was.
import { tsImport } from 'tsx/esm/api';

const companion = await tsImport('./index.ts', import.meta.url);

export const startCompanion = companion.startCompanion;
