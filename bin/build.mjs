#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm ci` builds): the package's JavaScript and .d.ts in dist/.
//
// dist/ mirrors the source tree (dist/compiler/lang/index.js for compiler/lang/index.ts ...), one module
// per source file, so code that finds files relative to its own module (targets/spec/builtin.ts looks
// for targets/<name>/<name>.arch, repro for compiler/map/data/*.json, the GPU model for
// native/measurements) finds the copies this script puts beside it.
//   - JavaScript: esbuild, each file on its own; relative imports get their real file name
//     ('./ir' -> './ir/index.js') because Node does not guess extensions; 'chevrotain' is pointed at
//     the package's single-file bundle, copied to dist/vendor/ (its main entry loads ~640 files).
//   - Declarations: tsc -p tsconfig.build.json, with the same rewrite of relative imports.
//   - ohm-js and zod are bundled into dist/vendor/ as single modules too (VENDOR_BUNDLES).
//   - dist/cli/: the CLI bundled into a few chunks (buildCli), what bin/tessera.js runs, and the sweep's
//     worker thread as one entry and the chunk it shares (buildSweepWorker).
//   - Defines: the version, the .arch grammar's ohm recipe and the built-in targets' syntax trees are
//     computed here and compiled in.
//   - Data: targets/*/*.arch, compiler/**/*.json data, native/measurements/*.json, examples/.
//   - dist/build-stamp.json: what bin/tessera.js checks to tell whether dist/ is up to date.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
// Built beside dist/ and swapped in at the end, so a `tessera` started during a rebuild sees the old
// dist/ or the new one, never half of one (and no dist/ at all only for an instant: then it uses tsx).
const OUT = join(ROOT, `dist.${process.pid}.tmp`);
/** `--outdir=D`: build into D (on this file system, under the root so packages resolve) instead of swapping
 * dist/, e.g. to profile a build while others edit the sources; `--no-dts`: skip the declarations (tsc) */
const OUTDIR_ARG = process.argv.find((a) => a.startsWith('--outdir='))?.slice('--outdir='.length);
const NO_DTS = process.argv.includes('--no-dts');
/** the folders compiled into dist/ (the library and the CLI; not test/, bench/, native/) */
export const SOURCE_DIRS = ['api', 'compiler', 'sim', 'targets'];
/** data read at run time relative to the reading module: [source folder, file filter] */
const DATA = [
  ['targets', (p) => p.endsWith('.arch')],
  ['compiler', (p) => p.endsWith('.json')],
  ['native/measurements', (p) => p.endsWith('.json')],
  ['examples', () => true],
];
const CHEVROTAIN_BUNDLE = 'vendor/chevrotain.mjs';
/** Packages loaded on the CLI's paths whose many-file entries cost more to load than to run: each becomes
 * one ES module in dist/vendor/ (ohm-js 2.5x, zod 2x faster to import), and every import of it points there. */
const VENDOR_BUNDLES = { 'ohm-js': 'vendor/ohm-js.mjs', zod: 'vendor/zod.mjs' };

const posix = (p) => p.split(sep).join('/');
const isSource = (p) => p.endsWith('.ts') && !p.endsWith('.d.ts') && !p.endsWith('.test.ts') && !p.endsWith('.bench.ts');

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) walk(p, out);
    else if (d.isFile()) out.push(p);
  }
  return out;
}

/** The file a relative import in `fromDir` names, as the specifier Node needs ('./x' -> './x.js' or './x/index.js'). */
function explicitSpecifier(spec, fromDir) {
  const abs = resolve(fromDir, spec);
  if (existsSync(`${abs}.ts`)) return `${spec}.js`;
  if (existsSync(join(abs, 'index.ts'))) return `${spec.replace(/\/$/, '')}/index.js`;
  if (spec.endsWith('.js') && existsSync(abs.replace(/\.js$/, '.ts'))) return spec;
  return undefined;
}

function relativeSpecifier(fromFile, toFile) {
  const r = posix(relative(dirname(fromFile), toFile));
  return r.startsWith('.') ? r : `./${r}`;
}

/** Where the chevrotain package keeps its single-file ES module bundle. */
function chevrotainBundle() {
  const main = fileURLToPath(import.meta.resolve('chevrotain'));
  let dir = dirname(main);
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  for (const f of ['lib/chevrotain.min.mjs', 'lib/chevrotain.mjs']) if (existsSync(join(dir, f))) return join(dir, f);
  throw new Error(`chevrotain at ${dir} ships no lib/chevrotain.mjs bundle`);
}

/** esbuild, one output per source file: every import stays an import, with the file name Node needs. */
const perFile = {
  name: 'tessera-per-file',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (args.path.startsWith('.')) {
        const spec = explicitSpecifier(args.path, args.resolveDir);
        if (!spec) return { errors: [{ text: `cannot find ${args.path} (from ${relative(ROOT, args.importer)})` }] };
        return { path: spec, external: true };
      }
      const vendored = args.path === 'chevrotain' ? CHEVROTAIN_BUNDLE : VENDOR_BUNDLES[args.path];
      if (vendored) {
        const out = join(OUT, relative(ROOT, args.importer)).replace(/\.ts$/, '.js');
        return { path: relativeSpecifier(out, join(OUT, vendored)), external: true };
      }
      return { path: args.path, external: true };
    });
  },
};

function rewriteDeclarations() {
  const re = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*|\.{1,2})\2/g;
  for (const file of walk(OUT).filter((p) => p.endsWith('.d.ts'))) {
    const srcDir = join(ROOT, relative(OUT, dirname(file)));
    const text = readFileSync(file, 'utf8');
    const out = text.replace(re, (m, pre, q, spec) => {
      const s = explicitSpecifier(spec, srcDir);
      return s ? `${pre}${q}${s}${q}` : m;
    });
    if (out !== text) writeFileSync(file, out);
  }
}

function copyData() {
  for (const [dir, keep] of DATA) {
    for (const f of walk(join(ROOT, dir))) {
      const rel = relative(ROOT, f);
      if (!keep(posix(rel)) || isSource(rel)) continue;
      mkdirSync(dirname(join(OUT, rel)), { recursive: true });
      cpSync(f, join(OUT, rel));
    }
  }
  mkdirSync(dirname(join(OUT, CHEVROTAIN_BUNDLE)), { recursive: true });
  cpSync(chevrotainBundle(), join(OUT, CHEVROTAIN_BUNDLE));
}

/**
 * zod's classic API re-exports every locale (`export * as locales`), ~40 message tables that the bundle
 * would otherwise compile on every start; Tessera's messages are English (zod's default, `config(en())`),
 * so its bundles get a locales module with `en` alone.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${sep}zod${sep}`) ? { path: join(dirname(args.importer), '../locales/en.js'), namespace: 'zod-locales' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({ contents: `export { default as en } from ${JSON.stringify(args.path)};`, resolveDir: dirname(args.path), loader: 'js' }));
  },
};

/** dist/vendor/<pkg>.mjs: each of VENDOR_BUNDLES bundled into one module (names kept: error messages use them). */
async function bundleVendors(build) {
  for (const [pkg, file] of Object.entries(VENDOR_BUNDLES)) {
    await build({
      stdin: { contents: `export * from ${JSON.stringify(pkg)};`, resolveDir: ROOT, loader: 'js' },
      outfile: join(OUT, file),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      minify: true,
      keepNames: true,
      logLevel: 'warning',
      plugins: [zodEnglishOnly],
    });
  }
}

/** Packages compiled into the CLI bundle (small, pure JavaScript, on the start-up path); every other
 * dependency (solvers, DuckDB, Dawn, vega, protobufjs) stays an import, loaded when a command needs it. */
const CLI_INLINED = new Set(['commander', 'ohm-js', 'zod', 'chevrotain', 'yaml', 'cli-progress']);
const CLI_DIR = 'cli';

/**
 * dist/cli/: the CLI as a few chunks (esbuild, code splitting at each command's dynamic import) instead
 * of ~150 modules per run: Node's module loading was a third of a `tessera scalesim` run. Each source
 * that asks for its own location (import.meta.url / dirname: built-in targets, data files, the sweep
 * worker) is given the location of its per-file twin in dist/, so everything it finds relative to
 * itself resolves exactly as in the per-file build beside it.
 */
async function buildCli(build, define) {
  await build({
    entryPoints: { main: join(ROOT, 'compiler/driver/main.ts') },
    outdir: join(OUT, CLI_DIR),
    splitting: true,
    ...bundledOptions(define),
  });
}

/** The sweep's worker thread as one entry, dist/cli/sweep-worker.js (compiler/sweep/pool.ts starts it
 * when present), and the chunk it shares: each worker loads it in ~0.2 s of CPU instead of ~0.35 s for
 * the per-file graph. Split at dynamic imports, so the ONNX importer (and protobufjs) loads only for an
 * ONNX workload: 40 ms less to a worker's ready. */
const SWEEP_WORKER = 'sweep-worker';

async function buildSweepWorker(build, define) {
  await build({
    entryPoints: { [SWEEP_WORKER]: join(ROOT, 'compiler/sweep/worker.ts') },
    outdir: join(OUT, CLI_DIR),
    splitting: true,
    ...bundledOptions(define),
  });
}

/** esbuild options shared by the bundles in dist/cli/ (the CLI and the sweep worker). */
function bundledOptions(define) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const external = Object.keys(pkg.dependencies ?? {}).filter((d) => !CLI_INLINED.has(d));
  const meta = {
    name: 'tessera-cli-meta',
    setup(b) {
      b.onResolve({ filter: /^chevrotain$/ }, () => ({ path: chevrotainBundle() }));
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        let src = readFileSync(args.path, 'utf8');
        if (src.includes('import.meta')) {
          const twin = `new URL(${JSON.stringify(`../${posix(relative(ROOT, args.path)).replace(/\.ts$/, '.js')}`)}, import.meta.url).href`;
          src = src.replace(/import\.meta\.(url|dirname)\b/g, (_, k) => (k === 'url' ? `(${twin})` : `__tesseraDirname(${twin})`));
          src = `import { fileURLToPath as __tesseraF2p } from 'node:url';\nimport { dirname as __tesseraDn } from 'node:path';\nconst __tesseraDirname = (u: string): string => __tesseraDn(__tesseraF2p(u));\n${src}`;
        }
        return { contents: src, loader: 'ts' };
      });
    },
  };
  return {
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    define,
    external: external.flatMap((d) => [d, `${d}/*`]),
    // CommonJS packages inside the bundle require Node built-ins
    banner: { js: "import { createRequire as __tesseraCreateRequire } from 'node:module'; const require = __tesseraCreateRequire(import.meta.url);" },
    minify: true,
    keepNames: true,
    logLevel: 'warning',
    plugins: [meta, zodEnglishOnly],
  };
}

/** [text, syntax tree] of every built-in .arch file (targets/spec/syntax.ts answers these texts from the
 * table instead of matching them with ohm, ~100 ms each on a cold start); only trees that survive JSON. */
async function preparsedTargets() {
  const { tsImport } = await import('tsx/esm/api');
  const { isDeepStrictEqual } = await import('node:util');
  const syntax = await tsImport('../targets/spec/syntax.ts', import.meta.url);
  const out = [];
  for (const f of walk(join(ROOT, 'targets')).filter((p) => p.endsWith('.arch')).sort()) {
    const text = readFileSync(f, 'utf8');
    const r = syntax.parseSyntax(text);
    if (r.ok && isDeepStrictEqual(JSON.parse(JSON.stringify(r)), r)) out.push([text, r]);
  }
  return out;
}

/** Constants the sources read when built (each has a fallback from the sources, for tsx and vitest):
 * the package version (compiler/driver/program.ts) and the .arch grammar's ohm recipe
 * (targets/spec/grammar.ts; turning a recipe into the grammar takes <1 ms, compiling its text ~150 ms). */
async function buildDefines() {
  const { tsImport } = await import('tsx/esm/api');
  const grammar = await tsImport('../targets/spec/grammar.ts', import.meta.url);
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  return {
    __TESSERA_VERSION__: JSON.stringify(version),
    __ARCH_GRAMMAR_RECIPE__: JSON.stringify(grammar.archGrammarRecipe()),
    __ARCH_PREPARSED__: JSON.stringify(JSON.stringify(await preparsedTargets())),
  };
}

/** Every file and folder whose change makes dist/ stale, with its mtime; bin/tessera.js compares them. */
export function stampEntries() {
  const entries = [];
  const add = (p) => entries.push([posix(relative(ROOT, p)), Math.trunc(statSync(p).mtimeMs)]);
  const visit = (dir) => {
    if (!existsSync(dir)) return;
    add(dir);
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, d.name);
      if (d.isDirectory()) visit(p);
      else if (d.isFile() && !p.endsWith('.test.ts') && !p.endsWith('.bench.ts')) add(p);
    }
  };
  for (const d of [...SOURCE_DIRS, 'native/measurements', 'examples']) visit(join(ROOT, d));
  for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'bin/build.mjs']) if (existsSync(join(ROOT, f))) add(join(ROOT, f));
  return entries;
}

/** Everything into OUT; returns the number of modules. */
async function buildInto(stamp) {
  const { build } = await import('esbuild');
  const entryPoints = SOURCE_DIRS.flatMap((d) => walk(join(ROOT, d))).filter((p) => isSource(relative(ROOT, p)));
  const define = await buildDefines();
  await build({
    define,
    entryPoints,
    outdir: OUT,
    outbase: ROOT,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    plugins: [perFile],
  });
  copyData();
  await bundleVendors(build);
  await buildCli(build, define);
  await buildSweepWorker(build, define);
  if (NO_DTS) {
    writeFileSync(join(OUT, 'build-stamp.json'), JSON.stringify({ version: 1, entries: stamp }) + '\n');
    return entryPoints.length;
  }
  const tsc = join(dirname(fileURLToPath(import.meta.resolve('typescript/package.json'))), 'bin', 'tsc');
  const d = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', OUT], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (d.status !== 0) {
    // Type errors do not stop the build (`npm test` type-checks): say so, and keep what tsc wrote.
    process.stderr.write(`build: tsc reported errors; some .d.ts files may be missing or loose\n${(d.stdout + d.stderr).split('\n').slice(0, 20).join('\n')}\n`);
  }
  rewriteDeclarations();
  writeFileSync(join(OUT, 'build-stamp.json'), JSON.stringify({ version: 1, entries: stamp }) + '\n');
  return entryPoints.length;
}

async function main() {
  const t0 = performance.now();
  const stamp = stampEntries(); // taken first: an edit made during the build leaves dist/ stale
  rmSync(OUT, { recursive: true, force: true });
  let modules;
  try {
    modules = await buildInto(stamp);
  } catch (e) {
    rmSync(OUT, { recursive: true, force: true });
    throw e;
  }
  if (OUTDIR_ARG) {
    rmSync(resolve(OUTDIR_ARG), { recursive: true, force: true });
    mkdirSync(dirname(resolve(OUTDIR_ARG)), { recursive: true });
    renameSync(OUT, resolve(OUTDIR_ARG));
    if (!process.argv.includes('--quiet')) process.stdout.write(`build: ${modules} modules -> ${OUTDIR_ARG} in ${Math.round(performance.now() - t0)} ms\n`);
    return;
  }
  const old = join(ROOT, `dist.${process.pid}.old`);
  for (let attempt = 0; ; attempt++) {
    // another build may swap its dist/ in between these two renames: then move that one aside too
    try {
      if (existsSync(DIST)) renameSync(DIST, `${old}${attempt || ''}`);
      renameSync(OUT, DIST);
      break;
    } catch (e) {
      if (attempt >= 5 || !['ENOTEMPTY', 'EEXIST', 'EPERM'].includes(e.code)) throw e;
    }
  }
  for (const f of readdirSync(ROOT)) if (f.startsWith(`dist.${process.pid}.old`)) rmSync(join(ROOT, f), { recursive: true, force: true });
  const ms = Math.round(performance.now() - t0);
  if (!process.argv.includes('--quiet')) process.stdout.write(`build: ${modules} modules -> dist/ in ${ms} ms\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const missing = ['esbuild', 'typescript/package.json', 'tsx/esm/api'].filter((m) => {
    try {
      import.meta.resolve(m);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length && process.argv.includes('--if-possible')) {
    // `prepare` in an install without devDependencies (npm ci --omit=dev): nothing to build with
    process.stderr.write(`build: skipped, ${missing.join(' and ')} not installed (bin/tessera.js needs tsx then)\n`);
  } else await main();
}
