import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'vitest/config';

// chevrotain through its single-file bundle, as bin/tessera.js and dist/ load it: its package entry
// (lib/src/api.js) pulls in ~640 lodash-es files per test file that parses .ein.
function chevrotainBundle(): string | undefined {
  try {
    // the entry is <pkg>/lib/src/api.js; the bundle <pkg>/lib/chevrotain.mjs
    const bundle = join(dirname(createRequire(import.meta.url).resolve('chevrotain')), '../chevrotain.mjs');
    return existsSync(bundle) ? bundle : undefined;
  } catch {
    return undefined; // not resolvable from here: vitest resolves the package itself
  }
}
const chevrotain = chevrotainBundle();

export default defineConfig({
  ...(chevrotain ? { resolve: { alias: [{ find: /^chevrotain$/, replacement: chevrotain }] } } : {}),
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores on CI: forks keep WASM solvers and Dawn isolated per file.
    pool: 'forks',
  },
});
