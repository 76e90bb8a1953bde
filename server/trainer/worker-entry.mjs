// Worker threads do not inherit the parent's `--import tsx` hook before their
// first module loads, so this plain-JavaScript entry registers it and then
// loads the TypeScript worker. Both hooks are needed: Node loads a streamer's
// model file outside an ES module package through require, which only the
// CommonJS hook transforms.
import { register as registerCommonJs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

register();
registerCommonJs();
await import('./worker.ts');
