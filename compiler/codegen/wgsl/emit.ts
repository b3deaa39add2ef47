// WGSL for one einsum: one invocation per point of its output variables, loops over the reduced
// ones, the ragged-partition guard, and one rounding to the output dtype on store (as the
// interpreter does). Tensors live in f32 storage buffers, row-major over their dims' extents.
// The recurrence variable of a group, if any, is not a grid dimension: it comes from a uniform.
import {
  outputVars,
  partitionInfos,
  rankOfVar,
  reducedVars,
  tensorByName,
  iterationVars,
  exprAccesses,
  gatherAccesses,
  type Access,
  type Cascade,
  type DType,
  type Einsum,
  type Expr,
  type IndexExpr,
  type ReduceOp,
} from '../../ir';
import { FLOAT_FORMATS, INT_RANGES } from '../../interp/numerics';

export interface WgslKernel {
  einsum: number;
  name: string;
  code: string;
  /** tensors bound at @binding(0..), in order; the output is the one with `write` */
  bindings: { tensor: string; write: boolean }[];
  /** invocations to launch (the product of the output variables' sizes, step variable excluded) */
  invocations: number;
  /** the recurrence variable read from the uniform, when the einsum is a member of a group */
  stepVar?: string;
}

export const WORKGROUP_SIZE = 64;
/** Workgroups per grid row: the WebGPU minimum for maxComputeWorkgroupsPerDimension. */
export const MAX_GROUPS_X = 65535;

const vname = (v: string) => `v_${v}`;

function f32Literal(x: number): string {
  if (Number.isNaN(x)) return 'nan_f()';
  if (x === Infinity || x > 3.4028234663852886e38) return 'inf_f()';
  if (x === -Infinity || x < -3.4028234663852886e38) return '(-inf_f())';
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return `${x}.0`;
  return x.toExponential(9);
}

const IDENTITY: Record<ReduceOp, string> = { sum: '0.0', prod: '1.0', max: '(-inf_f())', min: 'inf_f()' };

function combine(op: ReduceOp, acc: string, v: string): string {
  switch (op) {
    case 'sum':
      return `${acc} + ${v}`;
    case 'prod':
      return `${acc} * ${v}`;
    case 'max':
      return `max(${acc}, ${v})`;
    case 'min':
      return `min(${acc}, ${v})`;
  }
}

// Float formats for rounding on store: [mantissa bits, min normal exponent, max finite, has inf].
const FLOAT_FMT: Partial<Record<DType, [number, number, number, boolean]>> = Object.fromEntries(
  Object.entries(FLOAT_FORMATS).filter(([d]) => d !== 'fp32' && d !== 'bf16').map(([d, f]) => [d, [f!.mantBits, f!.minExp, f!.maxFinite, f!.hasInf]]),
);
const INT_RANGE: Partial<Record<DType, [number, number]>> = INT_RANGES;

function roundExpr(d: DType, x: string): string {
  if (d === 'fp32') return x;
  if (d === 'bf16') return `round_bf16(${x})`;
  const f = FLOAT_FMT[d];
  if (f) return `round_fmt(${x}, ${f[0]}, ${f[1]}, ${f32Literal(f[2])}, ${f[3]})`;
  const r = INT_RANGE[d]!;
  return `round_int(${x}, ${f32Literal(r[0])}, ${f32Literal(r[1])})`;
}

const PRELUDE = `var<private> INF_BITS: u32 = 0x7f800000u;
var<private> NAN_BITS: u32 = 0x7fc00000u;
fn inf_f() -> f32 { return bitcast<f32>(INF_BITS); }
fn nan_f() -> f32 { return bitcast<f32>(NAN_BITS); }
fn erf_f(x: f32) -> f32 {
  // Abramowitz & Stegun 7.1.26, |error| < 1.5e-7
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return select(y, -y, x < 0.0);
}
fn tanh_f(x: f32) -> f32 { return select(tanh(x), sign(x), abs(x) > 15.0); }
fn round_bf16(x: f32) -> f32 {
  if (x != x) { return x; }
  let u = bitcast<u32>(x);
  if ((u & 0x7f800000u) == 0x7f800000u) { return x; }
  let r = bitcast<f32>((u + 0x7fffu + ((u >> 16u) & 1u)) & 0xffff0000u);
  // saturate instead of overflowing to infinity, as the interpreter does
  return select(r, sign(x) * bitcast<f32>(0x7f7f0000u), (bitcast<u32>(r) & 0x7f800000u) == 0x7f800000u);
}
fn round_fmt(x: f32, mant: i32, min_exp: i32, max_finite: f32, has_inf: bool) -> f32 {
  if (x != x || x == 0.0) { return x; }
  let a = abs(x);
  if (a == inf_f()) { return select(sign(x) * max_finite, x, has_inf); }
  let e = max(frexp(a).exp - 1, min_exp);
  let q = exp2(f32(e - mant));
  let r = min(round(a / q) * q, max_finite);
  return sign(x) * r;
}
fn round_int(x: f32, lo: f32, hi: f32) -> f32 {
  if (x != x) { return 0.0; }
  return clamp(round(x), lo, hi);
}
`;

const bufName = (t: string) => `T_${t}`;

/** WGSL for the index arithmetic, addresses and map expressions of cascade `c`. Each node kind becomes its own WGSL, so this is a hand-written switch, not a walk. */
function wgslExprs(c: Cascade): { address: (a: Access) => string; ex: (x: Expr) => string } {
  const sizeOfRank = new Map(c.ranks.map((r) => [r.name, r.size]));
  const idx = (ie: IndexExpr): string => {
    switch (ie.kind) {
      case 'ivar':
        return vname(ie.name);
      case 'int':
        return `${ie.value}`;
      case 'rsize':
        return `${sizeOfRank.get(ie.rank) ?? 0}`;
      case 'ibin':
        return `(${idx(ie.a)} ${ie.op} ${idx(ie.b)})`;
      case 'gather': // an integer index tensor, held as f32 like every buffer: the conversion is exact
        return `i32(${bufName(ie.access.tensor)}[${address(ie.access)}])`;
    }
  };
  const address = (a: Access): string => {
    const t = tensorByName(c, a.tensor)!;
    if (t.dims.length === 0) return '0';
    const terms: string[] = [];
    let stride = 1;
    for (let d = t.dims.length - 1; d >= 0; d--) {
      terms.unshift(stride === 1 ? idx(a.indices[d]!) : `${idx(a.indices[d]!)} * ${stride}`);
      stride *= t.dims[d]!.extent;
    }
    return terms.join(' + ');
  };
  const ex = (x: Expr): string => {
    switch (x.kind) {
      case 'num':
        return f32Literal(x.value);
      case 'access':
        return `${bufName(x.access.tensor)}[${address(x.access)}]`;
      case 'ivar':
        return `f32(${vname(x.name)})`;
      case 'rsize':
        return f32Literal(sizeOfRank.get(x.rank) ?? 0);
      case 'unary': {
        const a = ex(x.arg);
        if (x.op === 'neg') return `(-${a})`;
        if (x.op === 'erf') return `erf_f(${a})`;
        if (x.op === 'tanh') return `tanh_f(${a})`;
        return `${x.op}(${a})`;
      }
      case 'binary':
        return x.op === 'max' || x.op === 'min' ? `${x.op}(${ex(x.a)}, ${ex(x.b)})` : `(${ex(x.a)} ${x.op} ${ex(x.b)})`;
      case 'cmp':
        return `select(0.0, 1.0, ${ex(x.a)} ${x.op} ${ex(x.b)})`;
      case 'select':
        return `select(${ex(x.b)}, ${ex(x.a)}, ${ex(x.cond)} != 0.0)`;
    }
  };
  return { address, ex };
}

/** Ragged guards: partitions all of whose parts this einsum iterates; outer ones hold over the output point, inner ones per reduction term. */
function raggedGuards(c: Cascade, e: Einsum, varSize: (v: string) => number): { outerGuards: string[]; innerGuards: string[] } {
  const iterVars = new Set(iterationVars(e));
  const outSet = new Set(outputVars(e));
  const outerGuards: string[] = [];
  const innerGuards: string[] = [];
  for (const p of partitionInfos(c)) {
    if (!p.vars.every((v) => iterVars.has(v))) continue;
    if (p.strides[0]! * varSize(p.vars[0]!) === p.parentSize) continue; // the parts divide the rank: no ragged tile
    const cond = `${p.vars.map((v, i) => (p.strides[i] === 1 ? vname(v) : `${vname(v)} * ${p.strides[i]}`)).join(' + ')} < ${p.parentSize}`;
    (p.vars.every((v) => outSet.has(v)) ? outerGuards : innerGuards).push(cond);
  }
  return { outerGuards, innerGuards };
}

export function emitEinsumKernel(c: Cascade, index: number, stepVar?: string): WgslKernel {
  const e = c.einsums[index]!;
  const outT = tensorByName(c, e.output.tensor)!;
  const varSize = (v: string) => {
    const r = rankOfVar(c, v);
    if (!r) throw new Error(`index variable ${v} has no rank`);
    return r.size;
  };

  // bindings: output first (read_write; also serves reads of itself), then inputs in order of appearance
  const bindings: { tensor: string; write: boolean }[] = [{ tensor: outT.name, write: true }];
  // an indexed write's index tensors (POS in KC[b, POS[b], e] = ...) are read too
  for (const a of [...exprAccesses(e.expr), ...gatherAccesses(e.output)]) if (!bindings.some((b) => b.tensor === a.tensor)) bindings.push({ tensor: a.tensor, write: false });
  const { address, ex } = wgslExprs(c);

  const outVars = outputVars(e).filter((v) => v !== stepVar);
  const redVars = reducedVars(e).filter((v) => v !== stepVar);
  const stepReduced = stepVar !== undefined && reducedVars(e).includes(stepVar);
  const { outerGuards, innerGuards } = raggedGuards(c, e, varSize);

  const invocations = outVars.reduce((n, v) => n * varSize(v), 1);
  const lines: string[] = [];
  bindings.forEach((b, i) => lines.push(`@group(0) @binding(${i}) var<storage, ${b.write ? 'read_write' : 'read'}> ${bufName(b.tensor)}: array<f32>;`));
  lines.push(`struct Params { step: u32, groups_x: u32 }`);
  lines.push(`@group(0) @binding(${bindings.length}) var<uniform> U: Params;`);
  lines.push(`@compute @workgroup_size(${WORKGROUP_SIZE})`);
  lines.push(`fn main(@builtin(global_invocation_id) gid: vec3u) {`);
  lines.push(`  let lin = gid.x + gid.y * U.groups_x * ${WORKGROUP_SIZE}u;`);
  lines.push(`  if (lin >= ${invocations}u) { return; }`);
  lines.push(`  var rest = i32(lin);`);
  for (let k = outVars.length - 1; k >= 0; k--) {
    const s = varSize(outVars[k]!);
    lines.push(`  let ${vname(outVars[k]!)} = rest % ${s};`);
    if (k > 0) lines.push(`  rest = rest / ${s};`);
  }
  if (stepVar !== undefined) lines.push(`  let ${vname(stepVar)} = i32(U.step);`);
  for (const g of outerGuards) lines.push(`  if (!(${g})) { return; }`);
  const outAddr = address(e.output);
  const outRound = (x: string) => roundExpr(outT.dtype, x);
  if (redVars.length === 0 && !stepReduced) {
    lines.push(`  ${bufName(outT.name)}[${outAddr}] = ${outRound(ex(e.expr))};`);
  } else {
    const init = stepReduced ? `select(${bufName(outT.name)}[${outAddr}], ${IDENTITY[e.reduce]}, ${vname(stepVar!)} == 0)` : IDENTITY[e.reduce];
    lines.push(`  var acc: f32 = ${init};`);
    let indent = '  ';
    for (const v of redVars) {
      lines.push(`${indent}for (var ${vname(v)}: i32 = 0; ${vname(v)} < ${varSize(v)}; ${vname(v)}++) {`);
      indent += '  ';
    }
    const update = `acc = ${combine(e.reduce, 'acc', ex(e.expr))};`;
    lines.push(innerGuards.length ? `${indent}if (${innerGuards.map((g) => `(${g})`).join(' && ')}) { ${update} }` : `${indent}${update}`);
    for (let k = 0; k < redVars.length; k++) {
      indent = indent.slice(2);
      lines.push(`${indent}}`);
    }
    lines.push(`  ${bufName(outT.name)}[${outAddr}] = ${outRound('acc')};`);
  }
  lines.push('}');
  const k: WgslKernel = { einsum: index, name: e.output.tensor + (e.init ? '.init' : ''), code: PRELUDE + lines.join('\n') + '\n', bindings, invocations };
  if (stepVar !== undefined) k.stepVar = stepVar;
  return k;
}
