#!/usr/bin/env node
// Entry for `tessera` / `npx tessera`. Runs the built JavaScript in dist/ (the bundled CLI in dist/cli/;
// `npm run build`; `npm ci` builds through `prepare`) when it is there and up to date with the sources;
// otherwise (a fresh clone before the build, or sources edited since) the TypeScript through tsx, so no
// build step is ever required.
// TESSERA_FROM_SOURCE=1 forces the sources; TESSERA_FROM_DIST=1 the build.
import { readFileSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const argv = process.argv.slice(2);

// `tessera --version` answers before loading anything.
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).version}\n`);
  process.exit(0);
}

/** dist/ is usable: built, and (in a checkout, where the sources are) no source changed since. */
function distIsCurrent() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(new URL('dist/build-stamp.json', root), 'utf8'));
  } catch {
    return false;
  }
  if (!exists(new URL('compiler/driver/main.ts', root))) return true; // an installed package: dist/ is all there is
  for (const [path, mtime] of stamp.entries) {
    try {
      if (Math.trunc(statSync(new URL(path, root)).mtimeMs) !== mtime) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function exists(url) {
  try {
    statSync(url);
    return true;
  } catch {
    return false;
  }
}

// TESSERA_FROM_DIST=1 runs dist/ even when sources changed since the build (benchmarks of a build while
// others edit the tree).
const fromDist = process.env.TESSERA_FROM_DIST ? exists(new URL('dist/build-stamp.json', root)) : distIsCurrent();
if (!process.env.TESSERA_FROM_SOURCE && fromDist) {
  // the CLI bundle (a few chunks; bin/build.mjs buildCli) when built, else the per-file modules
  if (exists(new URL('dist/cli/main.js', root))) await import('../dist/cli/main.js');
  else await import('../dist/compiler/driver/main.js');
} else {
  await preferChevrotainBundle();
  const { register } = await import('tsx/esm/api');
  register();
  await import('../compiler/driver/main.ts');
}

/** 'chevrotain' -> its single-file bundle (its package exports only lib/src/api.js, ~640 files through tsx: +0.6 s). */
async function preferChevrotainBundle() {
  let bundle;
  try {
    bundle = new URL('../chevrotain.mjs', import.meta.resolve('chevrotain'));
  } catch {
    return;
  }
  if (!exists(bundle)) return;
  const { register } = await import('node:module');
  const hook = `export async function resolve(s, c, next) { return s === 'chevrotain' ? { url: ${JSON.stringify(bundle.href)}, format: 'module', shortCircuit: true } : next(s, c); }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}
