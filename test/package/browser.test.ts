// The core (language, IR, interpreter, analysis, transforms, model lowering, mapper) bundles for a
// browser: esbuild with platform 'browser' and nothing Node-only. The modules that still read files
// with node:fs are listed in BLOCKERS with what would free them; the test fails both when a new module
// starts importing Node built-ins and when a listed one stops (then take it off the list).
import { builtinModules } from 'node:module';
import { relative } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = `${import.meta.dirname}/../..`;

const CORE: Record<string, string> = {
  lang: './compiler/lang/index.ts',
  ir: './compiler/ir/index.ts',
  interp: './compiler/interp/index.ts',
  analysis: './compiler/analysis/index.ts',
  transform: './compiler/transform/index.ts',
  graph: './compiler/graph/index.ts',
  map: './compiler/map/index.ts',
};

/** core module -> why it imports a Node built-in (and the way out). */
const BLOCKERS: Record<string, string> = {
  'compiler/lang/index.ts': 'loadCascadeFile reads the file with node:fs; move it to a node-only module (e.g. compiler/lang/file.ts)',
  'compiler/interp/input-files.ts': 'loadInputs/loadNpyDir read .npy/.json files; export them from a node-only entry instead of compiler/interp/index.ts',
};

const NODE_BUILTINS = new Set(builtinModules);

/** Bundles `entry` for the browser; returns the files that import a Node built-in, and the bundle's size. */
async function browserBundle(entry: string): Promise<{ nodeImporters: string[]; bytes: number }> {
  const importers = new Set<string>();
  const recordNode: Plugin = {
    name: 'record-node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (a) => {
        if (!a.path.startsWith('node:') && !NODE_BUILTINS.has(a.path)) return undefined;
        importers.add(relative(ROOT, a.importer));
        return { path: a.path, external: true };
      });
    },
  };
  const r = await build({ entryPoints: [entry], absWorkingDir: ROOT, bundle: true, platform: 'browser', format: 'esm', write: false, outdir: 'out', logLevel: 'silent', plugins: [recordNode] });
  return { nodeImporters: [...importers].sort(), bytes: r.outputFiles.reduce((n, f) => n + f.contents.length, 0) };
}

describe('browser bundle of the core (esbuild, platform browser)', () => {
  for (const [name, entry] of Object.entries(CORE)) {
    it(`${name}: builds, and imports Node built-ins only where listed`, async () => {
      const { nodeImporters, bytes } = await browserBundle(entry);
      expect(bytes).toBeGreaterThan(1000);
      expect(nodeImporters.filter((f) => !(f in BLOCKERS))).toEqual([]);
    }, 60_000);
  }

  it('every listed blocker still imports a Node built-in (else take it off BLOCKERS)', async () => {
    const seen = new Set<string>();
    for (const entry of Object.values(CORE)) for (const f of (await browserBundle(entry)).nodeImporters) seen.add(f);
    expect(Object.keys(BLOCKERS).filter((f) => !seen.has(f))).toEqual([]);
  }, 60_000);
});
