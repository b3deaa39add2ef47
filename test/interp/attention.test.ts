// THE key result: the 3-, 2- and 1-pass attention cascades compute the same AV as a plain
// softmax(QK^T)V written here with nested loops, over several shapes, including a ragged last tile
// (M0 does not divide M) and M < M0. The .ein text is the example files with other rank sizes.
import { describe, expect, it } from 'vitest';
import { countPasses } from '../../compiler/analysis';
import { compareData, interpret, randomInputs } from '../../compiler/interp';
import type { Cascade } from '../../compiler/ir';
import { parseCascade } from '../../compiler/lang';
import { attentionEin } from '../helpers/attention';

interface Shape {
  E: number;
  F: number;
  M: number;
  P: number;
  M0: number;
}

const attentionText = (passes: 1 | 2 | 3, s: Shape) => attentionEin(passes, s);

function parse(text: string): Cascade {
  const r = parseCascade(text, 'attention.ein');
  if (!r.cascade) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.cascade;
}

/** softmax over m of sum_e Q[e,p] K[e,m], times V[f,m], in float64 with plain loops. */
function reference(s: Shape, Q: Float64Array, K: Float64Array, V: Float64Array): Float64Array {
  const { E, F, M, P } = s;
  const av = new Float64Array(F * P);
  const score = new Float64Array(M);
  for (let p = 0; p < P; p++) {
    let mx = -Infinity;
    for (let m = 0; m < M; m++) {
      let x = 0;
      for (let e = 0; e < E; e++) x += Q[e * P + p]! * K[e * M + m]!;
      score[m] = x;
      if (x > mx) mx = x;
    }
    let den = 0;
    for (let m = 0; m < M; m++) {
      score[m] = Math.exp(score[m]! - mx);
      den += score[m]!;
    }
    for (let f = 0; f < F; f++) {
      let num = 0;
      for (let m = 0; m < M; m++) num += score[m]! * V[f * M + m]!;
      av[f * P + p] = num / den;
    }
  }
  return av;
}

const shapes: Shape[] = [
  { E: 16, F: 16, M: 200, P: 64, M0: 64 }, // the examples: ragged last tile (8 wide)
  { E: 8, F: 5, M: 37, P: 9, M0: 64 }, // M < M0: one partial tile
  { E: 4, F: 6, M: 96, P: 7, M0: 32 }, // M0 divides M
  { E: 12, F: 3, M: 101, P: 13, M0: 10 }, // 11 tiles, the last one 1 wide
  { E: 2, F: 2, M: 1, P: 3, M0: 4 }, // a single key
];

describe('attention cascades agree with a plain softmax(QK^T)V', () => {
  for (const s of shapes) {
    it(`E=${s.E} F=${s.F} M=${s.M} P=${s.P} M0=${s.M0}`, () => {
      const errs: Record<number, number> = {};
      const elem: Record<number, number> = {};
      for (const n of [3, 2, 1] as const) {
        const c = parse(attentionText(n, s));
        expect(countPasses(c, 'M')).toBe(n);
        const inputs = randomInputs(c, 11);
        const av = interpret(c, inputs).get('AV')!;
        expect(av.shape).toEqual([s.F, s.P]);
        expect(av.dtype).toBe('fp32');
        const ref = reference(s, inputs.get('Q')!.data, inputs.get('K')!.data, inputs.get('V')!.data);
        const cmp = compareData(av.data, ref);
        errs[n] = cmp.maxRelError;
        elem[n] = cmp.maxElementRelError;
        expect(cmp.mismatchedSpecials).toBe(0);
        expect(cmp.maxRelError).toBeLessThanOrEqual(1e-5);
        expect(cmp.maxElementRelError).toBeLessThanOrEqual(1e-4);
        // every value is fp32-representable
        for (const x of av.data) expect(Math.fround(x)).toBe(x);
      }
      // recorded for the report: npx vitest run test/interp/attention.test.ts shows them with --reporter=verbose
      console.log(`max rel error (normwise) M=${s.M} M0=${s.M0}: 3-pass ${errs[3]!.toExponential(2)}, 2-pass ${errs[2]!.toExponential(2)}, 1-pass ${errs[1]!.toExponential(2)}; elementwise ${elem[3]!.toExponential(2)}, ${elem[2]!.toExponential(2)}, ${elem[1]!.toExponential(2)}`);
    });
  }

  it('the same inputs give the same AV in all three variants up to fp32 rounding, and exactly the same run twice', () => {
    const s = shapes[0]!;
    const cs = ([3, 2, 1] as const).map((n) => parse(attentionText(n, s)));
    const inputs = randomInputs(cs[0]!, 5);
    const outs = cs.map((c) => interpret(c, inputs).get('AV')!.data);
    expect(compareData(outs[2]!, outs[0]!).maxRelError).toBeLessThan(1e-6);
    expect(interpret(cs[2]!, inputs).get('AV')!.data).toEqual(outs[2]);
  });

  it('bf16 attention stays close to the float64 reference (a loose sanity bound)', () => {
    const s = shapes[0]!;
    const c = parse(attentionText(1, s).replace(/: fp32/g, ': bf16'));
    const inputs = randomInputs(c, 3);
    const av = interpret(c, inputs).get('AV')!;
    expect(av.dtype).toBe('bf16');
    const ref = reference(s, inputs.get('Q')!.data, inputs.get('K')!.data, inputs.get('V')!.data);
    const err = compareData(av.data, ref).maxRelError;
    expect(err).toBeGreaterThan(1e-5); // bf16 really rounds
    expect(err).toBeLessThan(5e-2);
  });
});
