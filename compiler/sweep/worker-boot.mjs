// Worker entry when Tessera runs from its TypeScript sources: registers tsx's loader in this thread,
// then loads the worker. (The built package starts dist/compiler/sweep/worker.js directly.)
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
