// The package's public API, `import { startCompanion } from 'latentcast'`:
// the companion for a streamer's own training script, and the types of a
// model file for `npm start -- --model-file`.

export { startCompanion } from './companion';
export type { Companion, CompanionOptions } from './companion';
export type { FitCallbackOptions } from './fit-reporter';
export type { ModelFileConfig, ModelFileFunction, ModelFileModels } from '../trainer/model-file';
