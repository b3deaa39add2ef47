// Property: on random einsums (random ranks, layouts, output variables, reduce ops, map expressions,
// ragged tiling), the generated kernels agree exactly with a naive point-by-point evaluator written here.
// Inputs are small integers so every sum is exact in any order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpret, type TensorData } from '../../compiler/interp';
import { exprVars, outputVars, rankOfVar, toAffine, rankSizeLookup, type Cascade, type Expr, type ReduceOp } from '../../compiler/ir';
import { parseCascade } from '../../compiler/lang';

/** Evaluates one einsum by enumerating every point of its iteration space (odometer order). */
function naive(c: Cascade, values: Map<string, Float64Array>): Float64Array {
  const e = c.einsums[c.einsums.length - 1]!;
  const sizeOf = rankSizeLookup(c.ranks);
  const outT = c.tensors.find((t) => t.name === e.output.tensor)!;
  const outVarsList = outputVars(e);
  const vars = [...outVarsList, ...exprVars(e.expr).filter((v) => !outVarsList.includes(v))];
  const sizes = vars.map((v) => rankOfVar(c, v)!.size);
  const strides = (name: string) => {
    const t = c.tensors.find((x) => x.name === name)!;
    const s: number[] = [];
    let a = 1;
    for (let d = t.dims.length - 1; d >= 0; d--) {
      s[d] = a;
      a *= t.dims[d]!.extent;
    }
    return s;
  };
  const at = (name: string, idx: { kind: string }[], env: Map<string, number>) => {
    const st = strides(name);
    let off = 0;
    idx.forEach((i, d) => {
      const a = toAffine(i as never, sizeOf)!;
      let v = a.constant;
      for (const [k, co] of a.coeffs) v += co * env.get(k)!;
      off += v * st[d]!;
    });
    return off;
  };
  const ev = (x: Expr, env: Map<string, number>): number => {
    switch (x.kind) {
      case 'num':
        return x.value;
      case 'rsize':
        return sizeOf(x.rank)!;
      case 'ivar':
        return env.get(x.name)!;
      case 'access':
        return values.get(x.access.tensor)![at(x.access.tensor, x.access.indices, env)]!;
      case 'unary':
        return x.op === 'neg' ? -ev(x.arg, env) : x.op === 'abs' ? Math.abs(ev(x.arg, env)) : NaN;
      case 'binary': {
        const a = ev(x.a, env);
        const b = ev(x.b, env);
        return x.op === '+' ? a + b : x.op === '-' ? a - b : x.op === '*' ? a * b : x.op === 'max' ? Math.max(a, b) : x.op === 'min' ? Math.min(a, b) : a / b;
      }
      case 'cmp': {
        const a = ev(x.a, env);
        const b = ev(x.b, env);
        return (x.op === '<' ? a < b : x.op === '<=' ? a <= b : x.op === '>' ? a > b : x.op === '>=' ? a >= b : x.op === '==' ? a === b : a !== b) ? 1 : 0;
      }
      case 'select':
        return ev(x.cond, env) !== 0 ? ev(x.a, env) : ev(x.b, env);
    }
  };
  const ident: Record<ReduceOp, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };
  const combine = (op: ReduceOp, a: number, b: number) => (op === 'sum' ? a + b : op === 'prod' ? a * b : op === 'max' ? Math.max(a, b) : Math.min(a, b));
  const n = outT.dims.reduce((p, d) => p * d.extent, 1);
  const acc = new Float64Array(n).fill(NaN); // NaN marks "never written"
  const point = new Array(vars.length).fill(0);
  const total = sizes.reduce((p, s) => p * s, 1);
  for (let k = 0; k < total; k++) {
    let r = k;
    for (let i = vars.length - 1; i >= 0; i--) {
      point[i] = r % sizes[i]!;
      r = Math.floor(r / sizes[i]!);
    }
    const env = new Map(vars.map((v, i) => [v, point[i]!]));
    // ragged guard: every part of the partition iterated → recomposed coordinate below the parent size
    let skip = false;
    for (const p of c.partitions) {
      const pv = p.parts.map((x) => x.toLowerCase());
      if (!pv.every((v) => env.has(v))) continue;
      const inner = sizeOf(p.parts[1]!)!;
      if (env.get(pv[0]!)! * inner + env.get(pv[1]!)! >= sizeOf(p.parent)!) skip = true;
    }
    if (skip) continue;
    const o = at(e.output.tensor, e.output.indices, env);
    const x = ev(e.expr, env);
    acc[o] = Number.isNaN(acc[o]!) ? combine(e.reduce, ident[e.reduce], x) : combine(e.reduce, acc[o]!, x);
  }
  return acc.map((v) => (Number.isNaN(v) ? 0 : v));
}

const RANKS = ['I', 'J', 'K', 'L'];
interface Params {
  sizes: [number, number, number, number];
  l0: number;
  aDims: string[];
  bDims: string[];
  outPick: number[];
  reduce: string;
  form: number;
  tiled: boolean;
  seed: number;
}
const arb: fc.Arbitrary<Params> = fc.record({
  sizes: fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 19 })),
  l0: fc.integer({ min: 1, max: 5 }),
  aDims: fc.shuffledSubarray(RANKS, { minLength: 1, maxLength: 4 }),
  bDims: fc.shuffledSubarray(RANKS, { minLength: 0, maxLength: 3 }),
  outPick: fc.shuffledSubarray([0, 1, 2, 3, 4], { minLength: 0, maxLength: 5 }),
  reduce: fc.constantFrom('sum', 'max', 'min', 'prod', 'sum'),
  form: fc.integer({ min: 0, max: 4 }),
  tiled: fc.boolean(),
  seed: fc.integer({ min: 0, max: 1000 }),
});

function cascadeText(r: Params): string | null {
  const lines = [`rank I = ${r.sizes[0]}, J = ${r.sizes[1]}, K = ${r.sizes[2]}, L = ${r.sizes[3]}`];
  if (r.tiled) lines.push(`rank L -> L1, L0 = ${r.l0}`);
  const idx = (d: string) => (d === 'L' && r.tiled ? 'l1*L0+l0' : d.toLowerCase());
  lines.push(`input A[${r.aDims.join(', ')}]: fp32`);
  if (r.bDims.length) lines.push(`input B[${r.bDims.join(', ')}]: fp32`);
  const a = `A[${r.aDims.map(idx).join(', ')}]`;
  const b = r.bDims.length ? `B[${r.bDims.map(idx).join(', ')}]` : '2';
  const exprs = [`${a} * ${b}`, `${a} + ${b}`, `max(${a}, ${b})`, `select(${a} > ${b}, ${a}, -${b})`, `${a} - ${b} * (i <= k)`];
  const expr = exprs[r.form]!;
  const used = new Set<string>();
  for (const d of [...r.aDims, ...r.bDims]) {
    if (d === 'L' && r.tiled) used.add('l1').add('l0');
    else used.add(d.toLowerCase());
  }
  if (r.form === 4) used.add('i').add('k');
  const usedList = [...used];
  const out = r.outPick.filter((k) => k < usedList.length).map((k) => usedList[k]!);
  const reduced = usedList.filter((v) => !out.includes(v));
  const spec = reduced.length && r.reduce !== 'sum' ? `${r.reduce}(${reduced.join(', ')}) ` : '';
  lines.push(`Y[${out.join(', ')}] = ${spec}${expr}`, 'output Y');
  return lines.join('\n');
}


/** Integer inputs in [-span, span] from an LCG: sums and products stay exact whatever the order. */
function smallIntInputs(c: Cascade, seed: number, span: number): Map<string, TensorData> {
  const inputs = new Map<string, TensorData>();
  let s = seed;
  for (const t of c.tensors.filter((x) => x.role === 'input')) {
    const n = t.dims.reduce((p, d) => p * d.extent, 1);
    const data = new Float64Array(n).map(() => ((s = (s * 1103515245 + 12345) % 2147483648), (s % (2 * span + 1)) - span));
    inputs.set(t.name, { dtype: 'fp32', shape: t.dims.map((d) => d.extent), data });
  }
  return inputs;
}
describe('generated kernels agree with a naive evaluator', () => {
  it('on random einsums', () => {
    let checked = 0;
    fc.assert(
      fc.property(arb, (r) => {
        const text = cascadeText(r);
        if (!text) return;
        const parsed = parseCascade(text, 'prop.ein');
        if (!parsed.cascade) throw new Error(`${text}\n${parsed.diagnostics.map((d) => d.message).join('\n')}`);
        const c = parsed.cascade;
        // small integers: sums and products stay exact whatever the order
        const inputs = smallIntInputs(c, r.seed, 2);
        const got = interpret(c, inputs).get('Y')!.data;
        const want = naive(c, new Map([...inputs].map(([k, v]) => [k, v.data])));
        // fp32 rounding with saturation of finite overflow (the interpreter's documented rule)
        const FLT_MAX = (2 - 2 ** -23) * 2 ** 127;
        const fr = want.map((x) => {
          const r = Math.fround(x);
          return Number.isFinite(x) && !Number.isFinite(r) ? Math.sign(x) * FLT_MAX : r;
        });
        if (!got.every((x, i) => Object.is(x, fr[i]) || x === fr[i])) throw new Error(`mismatch for\n${text}\ngot  ${Array.from(got).join(' ')}\nwant ${Array.from(fr).join(' ')}`);
        checked++;
      }),
      { numRuns: 150, seed: 20261122 },
    );
    expect(checked).toBe(150);
  });

  it('on GEMM-like einsums with random layouts (exercises accumulator buffers and unroll-and-jam)', () => {
    fc.assert(
      fc.property(
        fc.record({
          m: fc.integer({ min: 1, max: 12 }),
          n: fc.integer({ min: 1, max: 20 }),
          k: fc.integer({ min: 1, max: 30 }),
          at: fc.boolean(),
          bt: fc.boolean(),
          ot: fc.boolean(),
          reduce: fc.constantFrom('sum', 'max', 'min'),
          op: fc.constantFrom('*', '+', '-'),
          tileK: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 12 })),
          seed: fc.integer({ min: 0, max: 1000 }),
        }),
        (r) => {
          const kIdx = r.tileK > 0 ? 'k1*K0+k0' : 'k';
          const text = [
            `rank M = ${r.m}, N = ${r.n}, K = ${r.k}`,
            ...(r.tileK > 0 ? [`rank K -> K1, K0 = ${r.tileK}`] : []),
            `input A[${r.at ? 'K, M' : 'M, K'}]: fp32`,
            `input B[${r.bt ? 'N, K' : 'K, N'}]: fp32`,
            `Y[${r.ot ? 'n, m' : 'm, n'}] = ${r.reduce === 'sum' ? '' : `${r.reduce}(${r.tileK > 0 ? 'k1, k0' : 'k'}) `}A[${r.at ? `${kIdx}, m` : `m, ${kIdx}`}] ${r.op} B[${r.bt ? `n, ${kIdx}` : `${kIdx}, n`}]`,
            'output Y',
          ].join('\n');
          const parsed = parseCascade(text, 'gemm.ein');
          if (!parsed.cascade) throw new Error(`${text}\n${parsed.diagnostics.map((d) => d.message).join('\n')}`);
          const c = parsed.cascade;
          const inputs = smallIntInputs(c, r.seed, 3);
          const got = interpret(c, inputs).get('Y')!.data;
          const want = naive(c, new Map([...inputs].map(([k, v]) => [k, v.data])));
          if (!got.every((x, i) => x === want[i])) throw new Error(`mismatch for\n${text}\ngot  ${Array.from(got).join(' ')}\nwant ${Array.from(want).join(' ')}`);
        },
      ),
      { numRuns: 120, seed: 7 },
    );
  });
});
