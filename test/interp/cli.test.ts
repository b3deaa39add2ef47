// `tessera run` and `tessera analyze` through the CLI entry (in process): output, determinism, --compare,
// --inputs, and plain errors with exit code 1.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const cli = (...args: string[]) => runCli(args);

const root = join(import.meta.dirname, '../..');
const ex = (p: string) => join(root, 'examples', p);
const tmp = mkdtempSync(join(tmpdir(), 'tessera-run-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('tessera run', () => {
  it('prints shape, dtype, checksums and the analysis summary', async () => {
    const r = await cli('run', ex('attention/attention-1pass.ein'), '--seed', '3');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/AV \[16, 64\] fp32: sum -?[\d.e-]+, sum\|x\| [\d.e-]+, fnv1a [0-9a-f]{8}/);
    expect(r.out).toContain('passes over M: 1');
  });

  it('--json is deterministic and --compare of two variants reports tiny errors', async () => {
    const a = await cli('run', ex('attention/attention-1pass.ein'), '--json', '--dump');
    const b = await cli('run', ex('attention/attention-1pass.ein'), '--json', '--dump');
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
    const doc = JSON.parse(a.out);
    expect(doc.outputs.AV.shape).toEqual([16, 64]);
    expect(doc.outputs.AV.values).toHaveLength(1024);
    expect(doc.analysis.passes).toEqual([{ rank: 'M', count: 1 }]);
    const file = join(tmp, 'one-pass.json');
    writeFileSync(file, a.out);
    const c = await cli('run', ex('attention/attention-3pass.ein'), '--json', '--compare', file);
    const cmp = JSON.parse(c.out).compare.outputs.AV;
    expect(cmp.maxRelError).toBeLessThan(1e-5);
    expect(cmp.maxRelError).toBeGreaterThanOrEqual(0);
    const other = await cli('run', ex('attention/attention-3pass.ein'), '--seed', '1', '--compare', file);
    expect(other.out).toMatch(/AV: max abs error [\d.e+-]+, max rel error [\d.e+-]+/);
    expect(Number(/max rel error ([\d.e+-]+)/.exec(other.out)![1])).toBeGreaterThan(1e-3); // other inputs
  });

  it('--dtype and --inputs', async () => {
    const r = await cli('run', ex('gemm/gemm.ein'), '--dtype', 'int8', '--json');
    expect(JSON.parse(r.out).outputs.Z.dtype).toBe('int8');
    const inputs = join(tmp, 'tiny.json');
    const ein = join(tmp, 'tiny.ein');
    writeFileSync(ein, 'rank I = 2, J = 2\ninput X[I, J]: fp32\nY[i] = X[i, j]\noutput Y\n');
    writeFileSync(inputs, JSON.stringify({ X: [[1, 2], [3, 4.5]] }));
    const t = await cli('run', ein, '--inputs', inputs, '--json', '--dump');
    expect(JSON.parse(t.out).outputs.Y.values).toEqual([3, 7.5]);
    expect(JSON.parse(t.out).seed).toBeNull();
  });

  it('bad flags and oversized cascades are plain errors with exit code 1', async () => {
    const bad = await cli('run', ex('gemm/gemm.ein'), '--dtype', 'fp64');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('unknown dtype');
    expect((await cli('run', ex('gemm/gemm.ein'), '--seed', 'x')).code).toBe(1);
    expect((await cli('run', ex('gemm/gemm.ein'), '--inputs', join(tmp, 'nope.json'))).code).toBe(1);
    expect((await cli('run', ex('gemm/gemm.ein'), '--compare', join(tmp, 'nope.json'))).code).toBe(1);
    const big = join(tmp, 'big.ein');
    writeFileSync(big, 'rank M = 100000, N = 100000\ninput A[M, N]: fp32\nZ[m] = A[m, n]\noutput Z\n');
    const r = await cli('run', big);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/limit/);
    expect(r.err).not.toMatch(/at .*\.ts/); // no stack trace
  });

  it('--help', async () => {
    const r = await cli('run', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('--compare');
  });
});

describe('tessera analyze', () => {
  it('reports FLOPs, bytes, intensity and passes', async () => {
    const r = await cli('analyze', ex('attention/attention-3pass.ein'), '--rank', 'M');
    expect(r.code).toBe(0);
    expect(r.out).toContain('FLOPs: 869,248 (409,600 MACs)');
    expect(r.out).toContain('passes over M: 3');
    const j = await cli('analyze', ex('attention/attention-2pass.ein'), '--json');
    const doc = JSON.parse(j.out);
    expect(doc.passCounts).toEqual([{ rank: 'M', count: 2 }]);
    expect(doc.totals.flops).toBeGreaterThan(0);
  });
  it('an unknown rank is a plain error', async () => {
    const r = await cli('analyze', ex('gemm/gemm.ein'), '--rank', 'Q');
    expect(r.code).toBe(1);
    expect(r.err).toContain('no rank Q');
  });
});
