// Bad input to tessera sweep and tessera import: file:line:col for a malformed spec or .arch, the valid
// parameters for an unknown one, an explanation for an empty space, plain errors with exit code 1.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const FIX = join(import.meta.dirname, '..', 'fixtures');
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tessera-sweep-bad-'));
  copyFileSync(join(FIX, 'sweep', 'gemm-small.ein'), join(tmp, 'g.ein'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function sweep(yaml: string, ...flags: string[]) {
  const f = join(tmp, 'spec.yaml');
  writeFileSync(f, yaml);
  return runCli(['sweep', f, '--db', join(tmp, 'r.duckdb'), '--quiet', ...flags]);
}

const HEAD = 'targets: [systolic]\nworkloads: [g.ein]\n';

describe('tessera sweep: bad specs', () => {
  it('malformed YAML: file:line:col, the line and a caret, exit 1', async () => {
    const r = await sweep(`${HEAD}parameters:\n  rows: [4, 8\n  cols: [4]\n`);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/spec\.yaml:\d+:\d+: error: YAML: /);
    expect(r.err).toContain('^');
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('an unknown parameter is located and the valid ones are listed', async () => {
    const r = await sweep(`${HEAD}parameters:\n  rows: [4, 8]\n  colums: [4]\n`);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/spec\.yaml:5:3: error: unknown parameter 'colums': no target declares it/);
    expect(r.err).toMatch(/hint: the parameters every target declares are rows, cols, dataflow, glb, clock, dram_bandwidth, word_bits/);
  });

  it('an empty axis and an inverted range are explained at their place', async () => {
    const r = await sweep(`${HEAD}parameters:\n  rows: []\n  glb: {from: 1 MiB, to: 64 KiB, times: 2}\n`);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/spec\.yaml:4:9: error: parameter rows: an empty list of values leaves nothing to sweep/);
    expect(r.err).toMatch(/spec\.yaml:5:8: error: parameter glb: both ends must be written in the same unit \(MiB and KiB\)/);
  });

  it('contradictory constraints: the space is empty, and each constraint says how many points it rejects', async () => {
    const r = await sweep(`${HEAD}parameters:\n  rows: [4, 8, 16, 32]\nconstraints:\n  - rows > 16\n  - rows < 8\n`);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the design space is empty: none of its 4 points meets every constraint/);
    expect(r.err).toMatch(/"rows > 16" rejects 3 of 4/);
    expect(r.err).toMatch(/"rows < 8" rejects 3 of 4/);
    expect(r.err).toMatch(/they contradict each other/);
  });

  it('a constraint naming an unknown parameter, and an unknown key, are located', async () => {
    const r = await sweep(`${HEAD}parameters:\n  rows: [4]\nconstraints: ["rows * coles <= 64"]\nfidelty: cycle\n`);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/spec\.yaml:5:23: error: constraint "rows \* coles <= 64": unknown parameter 'coles'; the parameters are rows/);
    expect(r.err).toMatch(/spec\.yaml:6:1: error: unknown key 'fidelty'/);
  });

  it('a malformed .arch target: file:line:col in the .arch file', async () => {
    writeFileSync(join(tmp, 'bad.arch'), 'target bad "x" {\n  clock = 1 GHz\n  memory DRAM : dram { bandwidth = }\n}\n');
    const r = await sweep('targets: [bad.arch]\nworkloads: [g.ein]\n');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.arch:3:\d+: error: syntax error/);
  });

  it('a sampled axis without sample, a missing workload, bad flags', async () => {
    const a = await sweep(`${HEAD}parameters:\n  rows: {min: 4, max: 64}\n`);
    expect(a.err).toMatch(/parameters rows are ranges to sample \(\{min, max\}\) but the spec has no sample/);
    const b = await sweep('targets: [systolic]\nworkloads: [nothere.ein]\n');
    expect(b.code).toBe(1);
    expect(b.err).toMatch(/cannot read .*nothere\.ein: no such file/);
    for (const [flags, msg] of [
      [['--shard', '4/4'], /--shard 4\/4: expected i\/n with 0 <= i < n/],
      [['--workers', '0'], /--workers 0: expected an integer from 1 to 1024/],
    ] as const) {
      const r = await sweep(`${HEAD}parameters:\n  rows: [4]\n`, ...flags);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(msg);
    }
    const noDb = await runCli(['sweep', join(tmp, 'spec.yaml')]);
    expect(noDb.code).toBe(1);
    expect(noDb.err).toMatch(/needs --db FILE/);
  });
});

describe('tessera import: bad models', () => {
  it('a malformed ONNX file: a clear error and exit 1', async () => {
    const r = await runCli(['import', join(FIX, 'onnx', 'truncated.onnx')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: .*truncated\.onnx: not an ONNX model: the protobuf does not decode/);
    writeFileSync(join(tmp, 'text.onnx'), 'this is not a model\n');
    const t = await runCli(['import', join(tmp, 'text.onnx')]);
    expect(t.code).toBe(1);
    expect(t.err).toMatch(/not an ONNX model/);
  });

  it('an unsupported operator: the op and the node, exit 1', async () => {
    const r = await runCli(['import', join(FIX, 'onnx', 'unsupported.onnx')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/unsupported ONNX operator:\n  node 'pool1': MaxPool\nthe importer translates Add, Concat/);
  });
});
