// Code generation of one einsum into a specialised JS function (compiled with `new Function`):
// a loop nest with literal bounds and strides, offsets updated per loop level, loop-invariant
// subexpressions hoisted to the outermost level where they are defined, and the map expression
// evaluated in float64. The result is rounded once, when it is stored to the output tensor.
//
// Only generated identifiers appear in the code (t3, v2, o3_1, h7); names from the cascade never do.
import {
  exprAccesses,
  exprVars,
  outputVars,
  partitionInfos,
  rankOfVar,
  rankSizeLookup,
  reducedVars,
  toAffine,
  type Access,
  type Cascade,
  type Einsum,
  type Expr,
  type PartitionInfo,
  type ReduceOp,
} from '../ir';
import { erf } from './numerics';
import { buildGatherKernel, einsumGathers } from './gather';

export type Strategy = 'direct' | 'scalar' | 'buffer';

export interface Kernel {
  strategy: Strategy;
  /** true when the einsum reduces over the fixed iterative variable and so accumulates across steps */
  persists: boolean;
  /** extra float64 elements the kernel holds (its accumulator) */
  scratchElements: number;
  /** iteration points of one step, ignoring ragged guards (for progress estimates) */
  pointsPerStep: number;
  reset(): void;
  step(it: number): void;
  store(it: number): void;
  /** the generated source, for debugging and tests */
  source: string;
}

const IDENTITY: Record<ReduceOp, string> = { sum: '0', prod: '1', max: '-Infinity', min: 'Infinity' };

function combine(op: ReduceOp, a: string, x: string): string {
  switch (op) {
    case 'sum':
      return `${a} + ${x}`;
    case 'prod':
      return `${a} * ${x}`;
    case 'max':
      return `Math.max(${a}, ${x})`;
    case 'min':
      return `Math.min(${a}, ${x})`;
  }
}

function lit(x: number): string {
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '(-Infinity)';
  if (x !== x) return 'NaN';
  return x < 0 || Object.is(x, -0) ? `(${x === 0 ? '-0' : String(x)})` : String(x);
}

type KernelFactory = (T: Float64Array[], R: (x: number) => number, ACC: Float64Array, erf: (x: number) => number) => Pick<Kernel, 'reset' | 'step' | 'store'>;
/** Compiled kernel factories by source: re-running a cascade (tests, sweeps) skips recompilation. */
const factoryCache = new Map<string, KernelFactory>();
const FACTORY_CACHE_SIZE = 512;

export interface KernelContext {
  c: Cascade;
  /** tensor name → slot in the storage array */
  slot: Map<string, number>;
  /** storage array, indexed by slot */
  storage: Float64Array[];
  /** output rounder of each slot */
  rounders: ((x: number) => number)[];
  /** row-major strides of each slot */
  strides: number[][];
}

/**
 * Builds the kernel of einsum `e`. `iterVar` is the recurrence variable fixed by the caller (the
 * kernel is then called once per step with its value), or null for a kernel that runs whole.
 */
export function buildKernel(ctx: KernelContext, e: Einsum, iterVar: string | null): Kernel {
  if (einsumGathers(e)) return buildGatherKernel(ctx, e, iterVar);
  const p = planKernel(ctx, e, iterVar);
  const varName = new Map<string, string>();
  p.order.forEach((v, i) => varName.set(v, `v${i}`));
  if (iterVar !== null) varName.set(iterVar, 'it');
  const stepLines = new StepWriter(p, varName).write();
  const storeLines = p.strategy === 'buffer' ? storeSource(p, varName) : [];
  const { out, reads, strategy } = p;

  const slots = new Set([out.slot, ...reads.map((r) => r.slot)]);
  const src = [
    ...[...slots].map((s) => `const T${s} = T[${s}];`),
    `const rnd = R;`,
    `const ACC_ = ACC;`,
    ...[...slots].map((s) => `const t${s} = T${s};`),
    `const A = ACC_;`,
    `function reset() {`,
    strategy === 'buffer' ? `  A.fill(${IDENTITY[e.reduce]});` : '',
    `}`,
    `function step(it) {`,
    ...[...slots].map((s) => `  const t${s} = T${s};`),
    `  const A = ACC_;`,
    ...stepLines,
    `}`,
    `function store(it) {`,
    ...storeLines,
    `}`,
    `return { reset, step, store };`,
  ].join('\n');
  const scratch = strategy === 'buffer' ? new Float64Array(p.accSize) : new Float64Array(0);
  let factory = factoryCache.get(src);
  if (!factory) {
    factory = new Function('T', 'R', 'ACC', 'erf', src) as KernelFactory;
    if (factoryCache.size >= FACTORY_CACHE_SIZE) factoryCache.delete(factoryCache.keys().next().value!);
    factoryCache.set(src, factory);
  }
  const fns = factory(ctx.storage, ctx.rounders[out.slot]!, scratch, erf);
  return {
    strategy,
    persists: p.persists,
    scratchElements: scratch.length,
    pointsPerStep: p.loopVars.reduce((n, v) => n * p.varSize(v), 1),
    ...fns,
    source: src,
  };
}

/** An access's offset into its slot's storage, as an affine function of the index variables. */
interface Acc {
  slot: number;
  coeffs: Map<string, number>;
  constant: number;
}

/** What the code generator needs to know about an einsum: accesses, loop order, accumulation strategy. */
interface KernelPlan {
  e: Einsum;
  iterVar: string | null;
  sizeOf: (rank: string) => number | undefined;
  varSize: (v: string) => number;
  parts: PartitionInfo[];
  outVars: string[];
  redVars: string[];
  loopVars: string[];
  persists: boolean;
  /** the reads in expression order; readIndex maps each Access node to its position */
  reads: Acc[];
  readIndex: Map<Access, number>;
  out: Acc;
  /** accumulator layout: dense over the output variables (fixed iterative variable excluded), output order */
  accAcc: Acc;
  accSize: number;
  /** loop nest, outermost first */
  order: string[];
  strategy: Strategy;
}

function planKernel(ctx: KernelContext, e: Einsum, iterVar: string | null): KernelPlan {
  const { c } = ctx;
  const sizeOf = rankSizeLookup(c.ranks);
  const varSize = (v: string) => rankOfVar(c, v)!.size;
  const outVars = outputVars(e).filter((v) => v !== iterVar);
  const redAll = reducedVars(e);
  const persists = iterVar !== null && redAll.includes(iterVar);
  const redVars = redAll.filter((v) => v !== iterVar);
  const loopVars = [...outVars, ...redVars];
  const reads: Acc[] = [];
  const readIndex = new Map<Access, number>();
  for (const a of exprAccesses(e.expr)) {
    readIndex.set(a, reads.length);
    reads.push(accessOffset(ctx, a, sizeOf));
  }
  const out = accessOffset(ctx, e.output, sizeOf);
  const accCoeffs = new Map<string, number>();
  let accSize = 1;
  for (let k = outVars.length - 1; k >= 0; k--) {
    accCoeffs.set(outVars[k]!, accSize);
    accSize *= varSize(outVars[k]!);
  }
  const accAcc: Acc = { slot: -1, coeffs: accCoeffs, constant: 0 };
  const hasReduction = redAll.length > 0;
  const plan: KernelPlan = { e, iterVar, sizeOf, varSize, parts: partitionInfos(c), outVars, redVars, loopVars, persists, reads, readIndex, out, accAcc, accSize, order: loopVars, strategy: 'direct' };
  if (loopVars.length > 1) plan.order = loopOrder(plan, hasReduction);
  plan.strategy = !hasReduction ? 'direct' : !persists && plan.order.slice(outVars.length).every((v) => redVars.includes(v)) ? 'scalar' : 'buffer';
  return plan;
}

function accessOffset(ctx: KernelContext, a: Access, sizeOf: (rank: string) => number | undefined): Acc {
  const slot = ctx.slot.get(a.tensor)!;
  const strides = ctx.strides[slot]!;
  const coeffs = new Map<string, number>();
  let constant = 0;
  a.indices.forEach((idx, d) => {
    const af = toAffine(idx, sizeOf)!;
    constant += af.constant * strides[d]!;
    for (const [v, k] of af.coeffs) coeffs.set(v, (coeffs.get(v) ?? 0) + k * strides[d]!);
  });
  for (const [v, k] of [...coeffs]) if (k === 0) coeffs.delete(v);
  return { slot, coeffs, constant };
}

/** Chooses the innermost loop: fewest strided accesses, then a reduced variable (scalar accumulation), then the largest. */
function loopOrder(p: KernelPlan, hasReduction: boolean): string[] {
  const { outVars, redVars, loopVars, persists, varSize } = p;
  const score = (v: string) => {
    let pen = 0;
    for (const r of p.reads) {
      const k = Math.abs(r.coeffs.get(v) ?? 0);
      if (k > 1) pen++;
    }
    const isOut = outVars.includes(v);
    if (!hasReduction) pen += Math.abs(p.out.coeffs.get(v) ?? 0) > 1 ? 1 : 0;
    else if (isOut || persists) pen += (p.accAcc.coeffs.get(v) ?? 0) > 1 ? 1 : 0;
    if (varSize(v) < 8) pen += 2;
    return pen;
  };
  let best = loopVars[loopVars.length - 1]!;
  let bestKey: [number, number, number] = [Infinity, 0, 0];
  for (const v of loopVars) {
    const key: [number, number, number] = [score(v), redVars.includes(v) && !persists ? 0 : 1, -varSize(v)];
    if (key[0] < bestKey[0] || (key[0] === bestKey[0] && (key[1] < bestKey[1] || (key[1] === bestKey[1] && key[2] <= bestKey[2])))) {
      best = v;
      bestKey = key;
    }
  }
  return [...outVars.filter((v) => v !== best), ...redVars.filter((v) => v !== best), best];
}

/** Guard bounds: a partition all of whose parts are iterated bounds its innermost iterated part. */
function guardBounds(p: KernelPlan, varName: ReadonlyMap<string, string>, nest: string[], fixed: string | null): Map<string, string> {
  const bounds = new Map<string, string>();
  const present = new Set([...nest, ...(fixed !== null ? [fixed] : [])]);
  for (const info of p.parts) {
    if (!info.vars.every((v) => present.has(v))) continue;
    const inNest = info.vars.filter((v) => nest.includes(v));
    if (inNest.length === 0) continue;
    const last = inNest.reduce((a, b) => (nest.indexOf(a) > nest.indexOf(b) ? a : b));
    const s = info.strides[info.vars.indexOf(last)]!;
    const rest = info.vars
      .filter((v) => v !== last)
      .map((v) => `${varName.get(v)} * ${info.strides[info.vars.indexOf(v)]}`)
      .join(' + ');
    const remain = `${info.parentSize} - (${rest})`;
    bounds.set(last, `Math.min(${p.varSize(last)}, ${s === 1 ? remain : `Math.ceil((${remain}) / ${s})`})`);
  }
  return bounds;
}

/** The offset variable of each access after each loop level (index level+1; index 0 holds the bases). */
function offsetNames(nest: string[], accs: Acc[], names: string[]): string[][] {
  const cur = names.map((n) => `${n}_b`);
  const res = [[...cur]];
  nest.forEach((v, level) => {
    accs.forEach((a, i) => {
      if ((a.coeffs.get(v) ?? 0) !== 0) cur[i] = `${names[i]}_${level}`;
    });
    res.push([...cur]);
  });
  return res;
}

function emitBases(emit: (depth: number, s: string) => void, accs: Acc[], names: string[], fixed: string | null): void {
  accs.forEach((a, i) => {
    const itK = fixed !== null ? (a.coeffs.get(fixed) ?? 0) : 0;
    emit(0, `const ${names[i]}_b = ${a.constant}${itK !== 0 ? ` + it * ${itK}` : ''};`);
  });
}

const emitter = (lines: string[]) => (depth: number, s: string) => lines.push('  '.repeat(depth + 2) + s);

// unroll-and-jam: the loop outside the innermost runs JAM copies of the innermost loop when it is a reduced
// variable (the accumulator slot does not move with it) and no guard bounds either loop. Each slot still
// receives its terms in the same order, so results are bit-identical to the plain nest.
const JAM = 8;

/** The body of `step`: the loop nest over `order`, with offsets, hoisted subexpressions and the update. */
class StepWriter {
  readonly lines: string[] = [];
  readonly emit = emitter(this.lines);
  /** step accesses: the reads, then where the value goes (accumulator or output) */
  readonly stepAccs: Acc[];
  /** index of the write access */
  readonly W: number;
  readonly offNames: string[][];
  readonly bounds: Map<string, string>;
  readonly innermost: number;
  /** the jam loop's level and variable */
  readonly J: number;
  readonly jamVar: string;
  readonly jam: boolean;
  /** scalar strategy: the output point is fixed after this level */
  readonly lastOut: number;
  readonly hoisted = new Map<string, { name: string; code: string }[]>(); // key `${level}|${variant}`
  readonly hoistedByCode = new Map<string, string>();
  hoistCounter = 0;

  constructor(
    readonly p: KernelPlan,
    readonly varName: Map<string, string>,
  ) {
    const { order, reads, strategy, accAcc, out, iterVar, varSize, redVars, parts } = p;
    this.stepAccs = [...reads, strategy === 'buffer' ? accAcc : out];
    this.W = reads.length;
    const stepNames = [...reads.map((_, i) => `r${i}`), strategy === 'buffer' ? 'a' : 'o'];
    this.offNames = offsetNames(order, this.stepAccs, stepNames);
    this.bounds = guardBounds(p, varName, order, iterVar);
    this.innermost = order.length - 1;
    this.J = this.innermost - 1;
    this.jamVar = this.J >= 0 ? order[this.J]! : '';
    // (a guard bound on the jam loop is fine: it depends on outer variables only; one on the innermost loop is fine
    // unless it depends on the jam variable, i.e. both are parts of one partition)
    const samePartition = (a: string, b: string) => parts.some((q) => q.vars.includes(a) && q.vars.includes(b));
    const inner = order[this.innermost]!;
    this.jam = strategy === 'buffer' && this.J >= 0 && (accAcc.coeffs.get(this.jamVar) ?? 0) === 0 && redVars.includes(this.jamVar) && varSize(this.jamVar) >= JAM && !(this.bounds.has(inner) && samePartition(inner, this.jamVar));
    this.lastOut = p.outVars.length - 1;
    emitBases(this.emit, this.stepAccs, stepNames, iterVar);
  }

  write(): string[] {
    const { p, innermost } = this;
    const value = this.gen(p.e.expr, innermost, -1);
    const jamValues = this.jam ? Array.from({ length: JAM }, (_, u) => this.gen(p.e.expr, innermost, u)) : [];
    this.emitHoisted(-1, -1);
    if (p.strategy === 'scalar' && this.lastOut === -1) this.emit(0, `let acc = ${IDENTITY[p.e.reduce]};`);
    if (innermost < 0) this.statement(-1, [value]);
    else this.openLevel(0, value, jamValues);
    return this.lines;
  }

  jamCoeff(i: number): number {
    return this.stepAccs[i]!.coeffs.get(this.jamVar) ?? 0;
  }

  offName(i: number, level: number, variant: number): string {
    const n = this.offNames[level + 1]![i]!;
    return variant >= 0 && level >= this.J && this.jamCoeff(i) !== 0 ? `${n}_u${variant}` : n;
  }

  // expressions: `variant` is the jam copy (0..JAM-1) or -1 for the plain nest

  depthOf(x: Expr): number {
    let d = -1;
    for (const v of exprVars(x)) d = Math.max(d, v === this.p.iterVar ? -1 : this.p.order.indexOf(v));
    return d;
  }

  /** The code of `x` used at loop level `useLevel`; a subexpression that does not change there is hoisted to where it does. */
  gen(x: Expr, useLevel: number, variant: number): string {
    const d = this.depthOf(x);
    if (d < useLevel && x.kind !== 'num' && x.kind !== 'rsize' && x.kind !== 'ivar') {
      const v = d >= this.J ? variant : -1;
      const code = this.genPlain(x, d, v);
      const key = `${d}|${v}|${code}`;
      let name = this.hoistedByCode.get(key);
      if (!name) {
        name = `h${this.hoistCounter++}`;
        this.hoistedByCode.set(key, name);
        const k = `${d}|${v}`;
        this.hoisted.set(k, [...(this.hoisted.get(k) ?? []), { name, code }]);
      }
      return name;
    }
    return this.genPlain(x, useLevel, variant);
  }

  /** Each node kind becomes its own JS, so this is a hand-written switch rather than an ir walk. */
  genPlain(x: Expr, level: number, variant: number): string {
    switch (x.kind) {
      case 'num':
        return lit(x.value);
      case 'rsize':
        return lit(this.p.sizeOf(x.rank)!);
      case 'ivar':
        return variant >= 0 && x.name === this.jamVar ? `(${this.varName.get(x.name)} + ${variant})` : this.varName.get(x.name)!;
      case 'access': {
        const i = this.p.readIndex.get(x.access)!;
        return `t${this.p.reads[i]!.slot}[${this.offName(i, level, variant)}]`;
      }
      case 'unary': {
        const a = this.gen(x.arg, level, variant);
        if (x.op === 'neg') return `(-${a})`;
        if (x.op === 'erf') return `erf(${a})`;
        return `Math.${x.op}(${a})`;
      }
      case 'binary': {
        const a = this.gen(x.a, level, variant);
        const b = this.gen(x.b, level, variant);
        if (x.op === 'max' || x.op === 'min') return `Math.${x.op}(${a}, ${b})`;
        return `(${a} ${x.op} ${b})`;
      }
      case 'cmp': {
        const op = x.op === '==' ? '===' : x.op === '!=' ? '!==' : x.op;
        return `(${this.gen(x.a, level, variant)} ${op} ${this.gen(x.b, level, variant)} ? 1 : 0)`;
      }
      case 'select':
        return `(${this.gen(x.cond, level, variant)} !== 0 ? ${this.gen(x.a, level, variant)} : ${this.gen(x.b, level, variant)})`;
    }
  }

  emitHoisted(level: number, variant: number): void {
    for (const h of this.hoisted.get(`${level}|${variant}`) ?? []) this.emit(level + 1, `const ${h.name} = ${h.code};`);
  }

  emitOffsets(level: number, variant: number, iv: string): void {
    const v = this.p.order[level]!;
    this.stepAccs.forEach((a, i) => {
      const k = a.coeffs.get(v) ?? 0;
      if (k === 0) return;
      if (variant >= 0 && level > this.J && this.jamCoeff(i) === 0 && variant > 0) return; // shared across copies, declared with copy 0
      this.emit(level + 1, `const ${this.offName(i, level, variant)} = ${this.offName(i, level - 1, variant)} + ${iv} * ${k};`);
    });
  }

  wOff(level: number): string {
    return this.offNames[level + 1]![this.W]!;
  }

  statement(level: number, vals: string[]): void {
    const { strategy, out, e } = this.p;
    if (strategy === 'direct') this.emit(level + 1, `t${out.slot}[${this.wOff(level)}] = rnd(${vals[0]});`);
    else if (strategy === 'scalar') this.emit(level + 1, `acc = ${combine(e.reduce, 'acc', vals[0]!)};`);
    else this.emit(level + 1, `A[${this.wOff(level)}] = ${vals.reduce((s, x) => combine(e.reduce, s, x), `A[${this.wOff(level)}]`)};`);
  }

  openLevel(level: number, value: string, jamValues: string[]): void {
    const { p, innermost, lastOut } = this;
    if (level > innermost) return;
    const vn = this.varName.get(p.order[level]!)!;
    let bound = String(p.varSize(p.order[level]!));
    const guard = this.bounds.get(p.order[level]!);
    if (guard !== undefined) {
      this.emit(level, `const n${level} = ${guard};`);
      bound = `n${level}`;
    }
    if (this.jam && level === this.J) {
      this.jammedLoop(level, vn, bound, jamValues);
      this.emit(level, `for (; ${vn} < ${bound}; ${vn}++) {`);
    } else this.emit(level, `for (let ${vn} = 0; ${vn} < ${bound}; ${vn}++) {`);
    this.emitOffsets(level, -1, vn);
    this.emitHoisted(level, -1);
    if (p.strategy === 'scalar' && level === lastOut) this.emit(level + 1, `let acc = ${IDENTITY[p.e.reduce]};`);
    if (level === innermost) this.statement(level, [value]);
    else this.openLevel(level + 1, value, jamValues);
    this.emit(level, '}');
    if (p.strategy === 'scalar' && level === lastOut + 1) this.emit(level, `t${p.out.slot}[${this.wOff(lastOut)}] = rnd(acc);`);
  }

  /** The jam loop in steps of JAM, each step running the innermost loop once for all JAM copies; the remainder loop follows. */
  jammedLoop(level: number, vn: string, bound: string, jamValues: string[]): void {
    const { p, innermost, J } = this;
    const iv = p.order[innermost]!;
    const ivn = this.varName.get(iv)!;
    const innerGuard = this.bounds.get(iv);
    if (innerGuard !== undefined) this.emit(level, `const n${innermost} = ${innerGuard};`);
    const innerBound = innerGuard !== undefined ? `n${innermost}` : String(p.varSize(iv));
    this.emit(level, `let ${vn} = 0;`);
    this.emit(level, `for (; ${vn} + ${JAM} <= ${bound}; ${vn} += ${JAM}) {`);
    for (let u = 0; u < JAM; u++) {
      this.stepAccs.forEach((a, i) => {
        const k = a.coeffs.get(p.order[J]!) ?? 0;
        if (k !== 0) this.emit(level + 1, `const ${this.offName(i, J, u)} = ${this.offName(i, J - 1, u)} + (${vn} + ${u}) * ${k};`);
      });
      this.emitHoisted(J, u);
    }
    this.emit(level + 1, `for (let ${ivn} = 0; ${ivn} < ${innerBound}; ${ivn}++) {`);
    for (let u = 0; u < JAM; u++) this.emitOffsets(innermost, u, ivn);
    this.statement(innermost, jamValues);
    this.emit(level + 1, '}');
    this.emit(level, '}');
  }
}

/** The body of `store` (buffer strategy): accumulator → output over the output variables, with their guards. */
function storeSource(p: KernelPlan, varName: Map<string, string>): string[] {
  const { outVars, iterVar, persists, accAcc, out } = p;
  const lines: string[] = [];
  const emit = emitter(lines);
  outVars.forEach((v, i) => varName.set(v, `s${i}`));
  const fixed = iterVar !== null && !persists ? iterVar : null;
  const accs = [accAcc, out];
  const names = offsetNames(outVars, accs, ['a', 'o']);
  const sb = guardBounds(p, varName, outVars, fixed);
  emitBases(emit, accs, ['a', 'o'], fixed);
  outVars.forEach((v, level) => {
    const vn = varName.get(v)!;
    emit(level, `for (let ${vn} = 0; ${vn} < ${sb.get(v) ?? p.varSize(v)}; ${vn}++) {`);
    accs.forEach((a, i) => {
      const k = a.coeffs.get(v) ?? 0;
      if (k !== 0) emit(level + 1, `const ${names[level + 1]![i]} = ${names[level]![i]} + ${vn} * ${k};`);
    });
  });
  const last = outVars.length - 1;
  emit(last + 1, `t${out.slot}[${names[last + 1]![1]}] = rnd(A[${names[last + 1]![0]}]);`);
  for (let level = last; level >= 0; level--) emit(level, '}');
  return lines;
}
