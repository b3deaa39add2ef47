// The overlay's special-function unit (sim/fpga/sfu.ts level 2, sfu-lanes.ts level 3) and the fpga engine
// running every einsum of a lowered LLaMA: cycles against hand-derived counts from the u280's stated SFU
// (16 fp16 lanes x 3 cores, FlightLLM's artifact's misc parallelism; depth add = max = mul = 3, div 12, exp 10
// cycles: ASSUMPTIONS in the .arch),
// the lanes' values against a plain loop, and HBM bytes against the tensors the IR declares.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCascade } from '../../compiler/lang';
import { loadTarget } from '../../targets/registry';
import { loadBuiltinTarget } from '../../targets/spec';
import { sfuCycles, type SfuShape } from '../../sim/fpga/sfu';
import { runSfuLanes } from '../../sim/fpga/sfu-lanes';
import { runCli } from '../helpers/cli';

const root = join(import.meta.dirname, '../..');
const U280 = { lanes: 48, depth: { mul: 3, add: 3, max: 3, div: 12, exp: 10 } };
const none = { mul: 0, add: 0, max: 0, div: 0, exp: 0 };

function simulate(target: string, src: string, fidelity: 'analytic' | 'cycle') {
  const t = loadTarget(target);
  return t.simulate(t.map(parseCascade(src, 'x.ein').cascade!, undefined, {}), { fidelity });
}
const byName = (r: ReturnType<typeof simulate>) => Object.fromEntries(r.einsums.map((e) => [e.name, e as unknown as Record<string, unknown>]));

describe('the SFU: level 2 equals level 3', () => {
  it('on every small shape: outputs fewer and more than the lanes, reductions split over lanes, several operators per point', () => {
    const c = { lanes: 8, depth: { mul: 3, add: 3, max: 3, div: 12, exp: 10 } };
    let checked = 0;
    for (const O of [1, 2, 3, 5, 8, 9, 17])
      for (const R of [1, 2, 3, 5, 7, 16, 33])
        for (const u of [{ add: 1 }, { max: 1 }, { mul: 2, add: 1 }, { exp: 1, div: 1, add: 1 }] as Partial<SfuShape['uses']>[]) {
          const s: SfuShape = { outputs: O, reduced: R, uses: { ...none, ...u } };
          const x = new Float64Array(O * R).map((_, i) => Math.sin(i * 1.7));
          const reduce = u.max ? 'max' : 'sum';
          const lanes = runSfuLanes(x, s, c, reduce);
          expect(lanes.cycles).toBe(sfuCycles(s, c).cycles);
          for (let o = 0; o < O; o++) {
            const row = Array.from(x.subarray(o * R, o * R + R));
            const want = reduce === 'sum' ? row.reduce((a, b) => a + b, 0) : Math.max(...row);
            expect(lanes.y[o]).toBeCloseTo(want, 12);
          }
          checked++;
        }
    expect(checked).toBe(196);
  });

  it('hand-derived: a 4096-wide RMSNorm scale (2 multiplies a point) takes ceil(4096/48) x 2 + 3 = 175 cycles; a max over 512 for 32 heads: one lane a head, 512 + 3 = 515; for 8 heads 6 lanes a head, ceil(512/6) + 3 + 3 levels x 3 = 98', () => {
    expect(sfuCycles({ outputs: 4096, reduced: 1, uses: { ...none, mul: 2 } }, U280).cycles).toBe(175);
    expect(sfuCycles({ outputs: 32, reduced: 512, uses: { ...none, max: 1 } }, U280)).toMatchObject({ cycles: 515, share: 1, waves: 1, stream: 512, depth: 3, tree: 0 });
    expect(sfuCycles({ outputs: 8, reduced: 512, uses: { ...none, max: 1 } }, U280)).toMatchObject({ cycles: 98, share: 6, waves: 1, stream: 86, depth: 3, tree: 9 });
    // 1/sqrt(ss/D + eps): mul, add, div, exp chained: 1 + 3 + 3 + 12 + 10
    expect(sfuCycles({ outputs: 1, reduced: 1, uses: { ...none, mul: 1, add: 1, div: 1, exp: 1 } }, U280).cycles).toBe(29);
  });
});

const rmsnorm = `rank B = 1, D = 4096
input X[B, D]: fp16
weight G[D]: fp16
SS[b] = X[b, d] * X[b, d]
RS[b] = 1 / sqrt(SS[b] / D + 0.00001)
Y[b, d] = X[b, d] * RS[b] * G[d]
output Y
`;

const softmax = `rank H = 32, M = 512
input S[H, M]: fp16
MX[h] = max(m) S[h, m]
E[h, m] = exp(S[h, m] - MX[h])
Z[h] = E[h, m]
P[h, m] = E[h, m] / Z[h]
output P
`;

describe('the fpga engine on the SFU (u280)', () => {
  it('RMSNorm over 4096: the sum of squares on the matrix engine (1 x (4096/16 + 16) = 272), the rest on the SFU (29 and 175), at both fidelities', () => {
    const r = simulate('u280', rmsnorm, 'cycle');
    const e = byName(r);
    expect(e.SS).toMatchObject({ unit: 'MPE', computeCycles: 272, latencyCycles: 272 });
    expect(e.RS).toMatchObject({ unit: 'SFU', sfuCycles: 29, latencyCycles: 29 });
    // Y reads X and G (8 KiB each) and writes 8 KiB: 24 KiB at 32 x 14.375 GB/s x 0.7, 18 cycles, under the 175
    expect(e.Y).toMatchObject({ unit: 'SFU', sfuCycles: 175, latencyCycles: 175, hbmCycles: Math.ceil((3 * 8192 / (32 * 14.375e9 * 0.7)) * 225e6) });
    expect(r.latencyCycles).toBe(272 + 29 + 175);
    const a = simulate('u280', rmsnorm, 'analytic');
    expect(a.einsums.map((x) => [x.name, x.latencyCycles])).toEqual([['SS', 272], ['RS', 29], ['Y', 175]]);
    // FlightLLM's artifact profiler times the fused layer norm of one 4096-wide row at 2 x 4096 / 16 = 512 cycles
  });

  it('softmax of 32 heads over 512 on 48 lanes: max 512 + 3 = 515, exp ceil(16384/48) + 13 = 355, sum 515, divide 342 + 12 = 354 cycles', () => {
    const r = simulate('u280', softmax, 'cycle');
    const e = byName(r);
    expect([e.MX, e.E, e.Z, e.P].map((x) => x!.latencyCycles)).toEqual([515, 355, 515, 354]);
    expect(e.MX).toMatchObject({ lanesPerOutput: 1, sfuDepth: 3 });
    expect(r.latencyCycles).toBe(1739);
    expect(simulate('u280', softmax, 'analytic').latencyCycles).toBe(1739);
    // four passes over the 16,384 scores; the artifact's fused softmax makes two: 32 rows x 2 x 512 / 16 = 2,048 cycles on one core
  });

  it('vhk158: 4 cores of 16 lanes, so the RMSNorm scale takes 4096/64 x 2 + 3 = 131 cycles', () => {
    expect(byName(simulate('vhk158', rmsnorm, 'cycle')).Y).toMatchObject({ unit: 'SFU', sfuCycles: 131 });
  });

  it('the SFU\'s lanes are the artifact\'s misc parallelism (SOFTMAX/LAYERNORM/ELTWISE/SILU_PARALLEL_K = 16) on both targets', () => {
    for (const t of ['u280', 'vhk158']) {
      const sfu = loadBuiltinTarget(t).computes.find((c) => c.attrs.sfu === true)!;
      expect(sfu.lanes).toBe(16);
      for (const k of ['softmax', 'layernorm', 'eltwise', 'silu']) expect(sfu.attrs[`${k}_parallel_k`]).toBe(16);
    }
  });
});

describe('a lowered tiny LLaMA on u280', () => {
  it('runs at both fidelities with one answer; the dequantise einsums are the matrix engine\'s datapath and the GEMMs stream the packed int4 codes and fp16 scales', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-sfu-'));
    const f = join(dir, 'tiny.ein');
    expect((await runCli(['lower', '--model', 'examples/models/tiny-llama.json', '--phase', 'decode', '--kv', '64', '--wbits', '4', '--group', '32', '-o', f], { cwd: root })).code).toBe(0);
    const t = loadTarget('u280');
    const { readFileSync } = await import('node:fs');
    const c = parseCascade(readFileSync(f, 'utf8'), 'tiny.ein').cascade!;
    const m = t.map(c, undefined, {});
    const [a, y] = [t.simulate(m, { fidelity: 'analytic' }), t.simulate(m, { fidelity: 'cycle' })];
    expect(a.latencyCycles).toBe(y.latencyCycles);
    expect(y.einsums.length).toBe(81);
    expect(y.warnings.filter((w) => /analytic cost is used/.test(w))).toEqual([]);
    const e = byName(y);
    // every projection's dequantise einsum takes no time of its own: 14 of them (7 per layer)
    const dq = y.einsums.filter((x) => (x as unknown as Record<string, unknown>).dequantisedInto);
    expect(dq.map((x) => x.name).sort()).toEqual(['WQ', 'WK', 'WV', 'WO', 'WG', 'WU', 'WD'].flatMap((p) => [`L0_${p}`, `L1_${p}`]).sort());
    expect(dq.every((x) => x.latencyCycles === 0 && x.traffic.HBM!.readBytes === 0)).toBe(true);
    // L0_Q streams its int4 codes (64 x 64 x 0.5 B) and fp16 scales (2 groups x 64 x 2 B) = 2,304 bytes
    expect(e.L0_Q!.traffic).toMatchObject({ HBM: { readBytes: 64 * 64 / 2 + 2 * 64 * 2, writeBytes: 0 } });
    // the norms' reciprocal square root: 29 cycles on the SFU, as hand-derived above
    expect(e.L0_AN_RS).toMatchObject({ unit: 'SFU', latencyCycles: 29 });
    // HBM reads: every weight once (packed), the embedding's one row, both KV caches once, the small inputs
    const w = c.tensors.filter((x) => x.role === 'weight' && x.name !== 'WTE');
    const { tensorBytesPacked } = await import('../../compiler/ir');
    const weights = w.reduce((s, x) => s + tensorBytesPacked(x), 0);
    const kv = 2 * 2 * 64 * 2 * 16 * 4; // 2 layers x (K, V) x [1, 64, 2, 16] fp32
    const row = 64 * 4;
    const read = y.traffic.HBM!.readBytes;
    expect(read).toBeGreaterThanOrEqual(weights + kv + row);
    // the rest: TOK, SLOT (int32) and the RoPE tables (2 x 16 fp32), read by a few einsums a layer: under 1 KiB
    expect(read - (weights + kv + row)).toBeLessThan(1024);
    // HBM writes: the KV appends (2 layers x 2 x 32 fp32) and the logits (100 fp32)
    expect(y.traffic.HBM!.writeBytes).toBe(2 * 2 * 32 * 4 + 100 * 4);
  }, 30_000);
});

describe('bad input stays a plain message and exit 1', () => {
  it('an einsum the matrix engine emulates but the SFU lacks, and an SFU without a stated depth', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-sfu-'));
    const ein = join(dir, 'rms.ein');
    writeFileSync(ein, rmsnorm);
    const cases = [
      [
        'target bad extends u280 "x" {\n  compute MPE : dsp {\n    attr exp_macs = 6\n    attr div_macs = 6\n  }\n  compute SFU : array1d {\n    ops = [max, add, sub, mul]\n  }\n}\n',
        /^error: bad: einsum RS needs div, exp, which the special-function unit SFU \(ops max, add, mul\) does not execute/,
      ],
      ['target bad extends u280 "x" {\n  compute SFU : array1d {\n    attr depth_exp = -1\n  }\n}\n', /SFU: attr depth_exp = -1 must be a nonnegative integer/],
      ['target bad extends u280 "x" {\n  compute SFU : array1d {\n    attr silu_parallel_k = 32\n  }\n}\n', /SFU: attr silu_parallel_k = 32 differs from its lanes = 16/],
    ] as const;
    for (const [arch, msg] of cases) {
      const f = join(dir, 'bad.arch');
      writeFileSync(f, arch);
      const r = await runCli(['run', ein, '--target', f, '--fidelity', 'cycle']);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(msg);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });
});
