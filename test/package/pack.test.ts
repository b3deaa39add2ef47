// The npm package as a user gets it: `npm pack` (which builds dist/ through `prepare`), the tarball
// installed in an empty folder, then a short script that imports 'tessera' and runs a GEMM on tpu-v1,
// the installed `tessera` binary, and the package's types under Node's own module resolution.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCascadeFile } from '../../compiler/lang';
import { simulateCascade } from '../../compiler/driver/pipeline';

const ROOT = join(import.meta.dirname, '../..');
const GEMM = join(ROOT, 'examples/gemm/gemm.ein');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let dir = '';
let tarball = '';
let files: string[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-pack-'));
  const out = execFileSync(npm, ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const info = JSON.parse(out.slice(out.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  tarball = join(dir, info[0]!.filename);
  files = info[0]!.files.map((f) => f.path);
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball], { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}, 240_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('holds the built library, the binary and the built-in targets, and no tests, benchmarks or native harness', () => {
    expect(files.filter((f) => /^(test|bench|native|coverage|node_modules)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    for (const f of ['package.json', 'bin/tessera.js', 'dist/api/index.js', 'dist/api/index.d.ts', 'dist/compiler/driver/main.js', 'dist/targets/tpu-v1/tpu-v1.arch', 'dist/compiler/map/data/fusemax-workloads.json', 'dist/vendor/chevrotain.mjs']) {
      expect(files).toContain(f);
    }
  });

  it('runs a GEMM on tpu-v1 through `import ... from "tessera"`, with the in-repo pipeline\'s latency', () => {
    const app = join(dir, 'app');
    writeFileSync(
      join(app, 'gemm.mjs'),
      [
        "import { loadCascadeFile, simulateCascade } from 'tessera';",
        "const r = simulateCascade(loadCascadeFile(process.argv[2]), { target: 'tpu-v1' });",
        'console.log(r.latencyCycles);',
      ].join('\n'),
    );
    const r = spawnSync(process.execPath, ['gemm.mjs', GEMM], { cwd: app, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const cycles = Number(r.stdout.trim());
    expect(cycles).toBeGreaterThan(0);
    expect(cycles).toBe(simulateCascade(loadCascadeFile(GEMM), { target: 'tpu-v1' }).latencyCycles);
  });

  it('installs a working `tessera` binary that runs the built code', () => {
    const app = join(dir, 'app');
    const bin = join(app, 'node_modules/.bin/tessera');
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
    expect(execFileSync(bin, ['--version'], { cwd: app, encoding: 'utf8' }).trim()).toBe(version);
    const check = spawnSync(bin, ['check', GEMM], { cwd: app, encoding: 'utf8' });
    expect(check.status).toBe(0);
    expect(check.stdout).toContain('gemm.ein: ok');
    const targets = spawnSync(bin, ['targets'], { cwd: app, encoding: 'utf8' });
    expect(targets.stdout).toContain('tpu-v1');
  });

  it('has types that resolve under Node16 module resolution', () => {
    const app = join(dir, 'app');
    writeFileSync(
      join(app, 'use.ts'),
      [
        "import { loadCascadeFile, simulateCascade, type Result } from 'tessera';",
        "import { parseCascade } from 'tessera/lang';",
        "import { runSchedule } from 'tessera/schedule';",
        "const r: Result = simulateCascade(loadCascadeFile('x.ein'), { target: 'tpu-v1' });",
        "const n: number = r.latencyCycles + (parseCascade('').diagnostics.length);",
        'export { n, runSchedule };',
      ].join('\n'),
    );
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['use.ts'] }));
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', app], { cwd: app, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('runs the script in docs/API.md (lower GPT-2, schedule, simulate) against the installed package', () => {
    const app = join(dir, 'app');
    const doc = readFileSync(join(ROOT, 'docs/API.md'), 'utf8');
    const script = /```js\n([\s\S]*?)```/.exec(doc)![1]!;
    mkdirSync(join(app, 'data/models'), { recursive: true });
    cpSync(join(ROOT, 'data/models/gpt2.json'), join(app, 'data/models/gpt2.json'));
    writeFileSync(join(app, 'gpt2.mjs'), script);
    const r = spawnSync(process.execPath, ['gpt2.mjs'], { cwd: app, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^schedule: optimal/m);
    expect(r.stdout).toMatch(/^latency: \d+ cycles unscheduled, \d+ cycles scheduled$/m);
  }, 120_000);
});
