// Worker threads do not inherit the parent's `--import tsx` hook before their
// first module loads, so this plain-JavaScript entry registers it and then
// loads the TypeScript follower.
import { register } from 'tsx/esm/api';

register();
await import('./follower.ts');
