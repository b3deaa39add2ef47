// Code generation of one einsum into a specialised JS function (compiled with `new Function`):
// a loop nest with literal bounds and strides, offsets updated per loop level, loop-invariant
// subexpressions hoisted to the outermost level where they are defined, and the map expression
// evaluated in float64. The result is rounded once, when it is stored to the output tensor.
//
// Only generated identifiers appear in the code (t3, v2, o3_1, h7); names from the cascade never do.
import {
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
  const { c } = ctx;
  const sizeOf = rankSizeLookup(c.ranks);
  const varSize = (v: string) => rankOfVar(c, v)!.size;
  const parts = partitionInfos(c);

  const outVars = outputVars(e).filter((v) => v !== iterVar);
  const redAll = reducedVars(e);
  const persists = iterVar !== null && redAll.includes(iterVar);
  const redVars = redAll.filter((v) => v !== iterVar);
  const loopVars = [...outVars, ...redVars];

  // offsets of every access as affine functions of the variables
  interface Acc {
    slot: number;
    coeffs: Map<string, number>;
    constant: number;
  }
  const offsetOf = (a: Access): Acc => {
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
  };
  const reads: Acc[] = [];
  const readIndex = new Map<Access, number>();
  const collect = (x: Expr) => {
    switch (x.kind) {
      case 'access':
        readIndex.set(x.access, reads.length);
        reads.push(offsetOf(x.access));
        break;
      case 'unary':
        collect(x.arg);
        break;
      case 'binary':
      case 'cmp':
        collect(x.a);
        collect(x.b);
        break;
      case 'select':
        collect(x.cond);
        collect(x.a);
        collect(x.b);
        break;
    }
  };
  collect(e.expr);
  const out = offsetOf(e.output);
  // accumulator layout: dense over the output variables (fixed iterative variable excluded), output order
  const accCoeffs = new Map<string, number>();
  let accSize = 1;
  for (let k = outVars.length - 1; k >= 0; k--) {
    accCoeffs.set(outVars[k]!, accSize);
    accSize *= varSize(outVars[k]!);
  }
  const accAcc: Acc = { slot: -1, coeffs: accCoeffs, constant: 0 };

  // choose the innermost loop: fewest strided accesses, then a reduced variable (scalar accumulation), then the largest
  const hasReduction = redAll.length > 0;
  let order = loopVars;
  if (loopVars.length > 1) {
    const score = (v: string) => {
      let pen = 0;
      for (const r of reads) {
        const k = Math.abs(r.coeffs.get(v) ?? 0);
        if (k > 1) pen++;
      }
      const isOut = outVars.includes(v);
      if (!hasReduction) pen += Math.abs(out.coeffs.get(v) ?? 0) > 1 ? 1 : 0;
      else if (isOut || persists) pen += (accCoeffs.get(v) ?? 0) > 1 ? 1 : 0;
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
    order = [...outVars.filter((v) => v !== best), ...redVars.filter((v) => v !== best), best];
  }
  const strategy: Strategy = !hasReduction ? 'direct' : !persists && order.slice(outVars.length).every((v) => redVars.includes(v)) ? 'scalar' : 'buffer';

  // ---- code generation
  const varName = new Map<string, string>();
  order.forEach((v, i) => varName.set(v, `v${i}`));
  if (iterVar !== null) varName.set(iterVar, 'it');

  /** Guard bounds: a partition all of whose parts are iterated bounds its innermost iterated part. */
  const guardBounds = (nest: string[], fixed: string | null): Map<string, string> => {
    const bounds = new Map<string, string>();
    const present = new Set([...nest, ...(fixed !== null ? [fixed] : [])]);
    for (const info of parts as PartitionInfo[]) {
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
      bounds.set(last, `Math.min(${varSize(last)}, ${s === 1 ? remain : `Math.ceil((${remain}) / ${s})`})`);
    }
    return bounds;
  };

  const lines: string[] = [];
  const emit = (depth: number, s: string) => lines.push('  '.repeat(depth + 2) + s);

  /** The offset variable of each access after each loop level (index level+1; index 0 holds the bases). */
  const offsetNames = (nest: string[], accs: Acc[], names: string[]): string[][] => {
    const cur = names.map((n) => `${n}_b`);
    const res = [[...cur]];
    nest.forEach((v, level) => {
      accs.forEach((a, i) => {
        if ((a.coeffs.get(v) ?? 0) !== 0) cur[i] = `${names[i]}_${level}`;
      });
      res.push([...cur]);
    });
    return res;
  };
  const emitBases = (accs: Acc[], names: string[], fixed: string | null) =>
    accs.forEach((a, i) => {
      const itK = fixed !== null ? (a.coeffs.get(fixed) ?? 0) : 0;
      emit(0, `const ${names[i]}_b = ${a.constant}${itK !== 0 ? ` + it * ${itK}` : ''};`);
    });

  // step accesses: the reads, then where the value goes (accumulator or output)
  const stepAccs = [...reads, strategy === 'buffer' ? accAcc : out];
  const W = reads.length; // index of the write access
  const stepNames = [...reads.map((_, i) => `r${i}`), strategy === 'buffer' ? 'a' : 'o'];
  const offNames = offsetNames(order, stepAccs, stepNames);
  const bounds = guardBounds(order, iterVar);
  const innermost = order.length - 1;

  // unroll-and-jam: the loop outside the innermost runs JAM copies of the innermost loop when it is a reduced
  // variable (the accumulator slot does not move with it) and no guard bounds either loop. Each slot still
  // receives its terms in the same order, so results are bit-identical to the plain nest.
  const JAM = 8;
  const J = innermost - 1;
  const jamVar = J >= 0 ? order[J]! : '';
  // (a guard bound on the jam loop is fine: it depends on outer variables only; one on the innermost loop is fine
  // unless it depends on the jam variable, i.e. both are parts of one partition)
  const samePartition = (a: string, b: string) => parts.some((p) => p.vars.includes(a) && p.vars.includes(b));
  const jam =
    strategy === 'buffer' &&
    J >= 0 &&
    (accCoeffs.get(jamVar) ?? 0) === 0 &&
    redVars.includes(jamVar) &&
    varSize(jamVar) >= JAM &&
    !(bounds.has(order[innermost]!) && samePartition(order[innermost]!, jamVar));
  const jamCoeff = (i: number) => stepAccs[i]!.coeffs.get(jamVar) ?? 0;

  // expressions: `variant` is the jam copy (0..JAM-1) or -1 for the plain nest
  const levelOfVar = (v: string) => (v === iterVar ? -1 : order.indexOf(v));
  const depthOf = (x: Expr): number => {
    let d = -1;
    for (const v of exprVars(x)) d = Math.max(d, levelOfVar(v));
    return d;
  };
  const hoisted = new Map<string, { name: string; code: string }[]>(); // key `${level}|${variant}`
  const hoistedByCode = new Map<string, string>();
  let hoistCounter = 0;
  const offName = (i: number, level: number, variant: number) => {
    const n = offNames[level + 1]![i]!;
    return variant >= 0 && level >= J && jamCoeff(i) !== 0 ? `${n}_u${variant}` : n;
  };
  const gen = (x: Expr, useLevel: number, variant: number): string => {
    const d = depthOf(x);
    if (d < useLevel && x.kind !== 'num' && x.kind !== 'rsize' && x.kind !== 'ivar') {
      const v = d >= J ? variant : -1;
      const code = genPlain(x, d, v);
      const key = `${d}|${v}|${code}`;
      let name = hoistedByCode.get(key);
      if (!name) {
        name = `h${hoistCounter++}`;
        hoistedByCode.set(key, name);
        const k = `${d}|${v}`;
        hoisted.set(k, [...(hoisted.get(k) ?? []), { name, code }]);
      }
      return name;
    }
    return genPlain(x, useLevel, variant);
  };
  const genPlain = (x: Expr, level: number, variant: number): string => {
    switch (x.kind) {
      case 'num':
        return lit(x.value);
      case 'rsize':
        return lit(sizeOf(x.rank)!);
      case 'ivar':
        return variant >= 0 && x.name === jamVar ? `(${varName.get(x.name)} + ${variant})` : varName.get(x.name)!;
      case 'access': {
        const i = readIndex.get(x.access)!;
        return `t${reads[i]!.slot}[${offName(i, level, variant)}]`;
      }
      case 'unary': {
        const a = gen(x.arg, level, variant);
        if (x.op === 'neg') return `(-${a})`;
        if (x.op === 'erf') return `erf(${a})`;
        return `Math.${x.op}(${a})`;
      }
      case 'binary': {
        const a = gen(x.a, level, variant);
        const b = gen(x.b, level, variant);
        if (x.op === 'max' || x.op === 'min') return `Math.${x.op}(${a}, ${b})`;
        return `(${a} ${x.op} ${b})`;
      }
      case 'cmp': {
        const op = x.op === '==' ? '===' : x.op === '!=' ? '!==' : x.op;
        return `(${gen(x.a, level, variant)} ${op} ${gen(x.b, level, variant)} ? 1 : 0)`;
      }
      case 'select':
        return `(${gen(x.cond, level, variant)} !== 0 ? ${gen(x.a, level, variant)} : ${gen(x.b, level, variant)})`;
    }
  };
  const value = gen(e.expr, innermost, -1);
  const jamValues = jam ? Array.from({ length: JAM }, (_, u) => gen(e.expr, innermost, u)) : [];

  const emitHoisted = (level: number, variant: number) => {
    for (const h of hoisted.get(`${level}|${variant}`) ?? []) emit(level + 1, `const ${h.name} = ${h.code};`);
  };
  const emitOffsets = (level: number, variant: number, iv: string) => {
    const v = order[level]!;
    stepAccs.forEach((a, i) => {
      const k = a.coeffs.get(v) ?? 0;
      if (k === 0) return;
      if (variant >= 0 && level > J && jamCoeff(i) === 0 && variant > 0) return; // shared across copies, declared with copy 0
      emit(level + 1, `const ${offName(i, level, variant)} = ${offName(i, level - 1, variant)} + ${iv} * ${k};`);
    });
  };
  const wOff = (level: number) => offNames[level + 1]![W]!;
  const lastOut = outVars.length - 1; // scalar strategy: the output point is fixed after this level
  const statement = (level: number, vals: string[]) => {
    if (strategy === 'direct') emit(level + 1, `t${out.slot}[${wOff(level)}] = rnd(${vals[0]});`);
    else if (strategy === 'scalar') emit(level + 1, `acc = ${combine(e.reduce, 'acc', vals[0]!)};`);
    else emit(level + 1, `A[${wOff(level)}] = ${vals.reduce((s, x) => combine(e.reduce, s, x), `A[${wOff(level)}]`)};`);
  };
  const openLevel = (level: number) => {
    if (level > innermost) return;
    const vn = varName.get(order[level]!)!;
    let bound = String(varSize(order[level]!));
    const guard = bounds.get(order[level]!);
    if (guard !== undefined) {
      emit(level, `const n${level} = ${guard};`);
      bound = `n${level}`;
    }
    if (jam && level === J) {
      const iv = order[innermost]!;
      const ivn = varName.get(iv)!;
      const innerGuard = bounds.get(iv);
      if (innerGuard !== undefined) emit(level, `const n${innermost} = ${innerGuard};`);
      const innerBound = innerGuard !== undefined ? `n${innermost}` : String(varSize(iv));
      emit(level, `let ${vn} = 0;`);
      emit(level, `for (; ${vn} + ${JAM} <= ${bound}; ${vn} += ${JAM}) {`);
      for (let u = 0; u < JAM; u++) {
        stepAccs.forEach((a, i) => {
          const k = a.coeffs.get(order[J]!) ?? 0;
          if (k !== 0) emit(level + 1, `const ${offName(i, J, u)} = ${offName(i, J - 1, u)} + (${vn} + ${u}) * ${k};`);
        });
        emitHoisted(J, u);
      }
      emit(level + 1, `for (let ${ivn} = 0; ${ivn} < ${innerBound}; ${ivn}++) {`);
      for (let u = 0; u < JAM; u++) emitOffsets(innermost, u, ivn);
      statement(innermost, jamValues);
      emit(level + 1, '}');
      emit(level, '}');
      emit(level, `for (; ${vn} < ${bound}; ${vn}++) {`);
    } else emit(level, `for (let ${vn} = 0; ${vn} < ${bound}; ${vn}++) {`);
    emitOffsets(level, -1, vn);
    emitHoisted(level, -1);
    if (strategy === 'scalar' && level === lastOut) emit(level + 1, `let acc = ${IDENTITY[e.reduce]};`);
    if (level === innermost) statement(level, [value]);
    else openLevel(level + 1);
    emit(level, '}');
    if (strategy === 'scalar' && level === lastOut + 1) emit(level, `t${out.slot}[${wOff(lastOut)}] = rnd(acc);`);
  };
  emitBases(stepAccs, stepNames, iterVar);
  emitHoisted(-1, -1);
  if (strategy === 'scalar' && lastOut === -1) emit(0, `let acc = ${IDENTITY[e.reduce]};`);
  if (innermost < 0) statement(-1, [value]);
  else openLevel(0);
  const stepLines = lines.splice(0);

  // ---- store: accumulator → output (buffer strategy), over the output variables with their guards
  if (strategy === 'buffer') {
    outVars.forEach((v, i) => varName.set(v, `s${i}`));
    const fixed = iterVar !== null && !persists ? iterVar : null;
    const accs = [accAcc, out];
    const names = offsetNames(outVars, accs, ['a', 'o']);
    const sb = guardBounds(outVars, fixed);
    emitBases(accs, ['a', 'o'], fixed);
    outVars.forEach((v, level) => {
      const vn = varName.get(v)!;
      emit(level, `for (let ${vn} = 0; ${vn} < ${sb.get(v) ?? varSize(v)}; ${vn}++) {`);
      accs.forEach((a, i) => {
        const k = a.coeffs.get(v) ?? 0;
        if (k !== 0) emit(level + 1, `const ${names[level + 1]![i]} = ${names[level]![i]} + ${vn} * ${k};`);
      });
    });
    const last = outVars.length - 1;
    emit(last + 1, `t${out.slot}[${names[last + 1]![1]}] = rnd(A[${names[last + 1]![0]}]);`);
    for (let level = last; level >= 0; level--) emit(level, '}');
  }
  const storeLines = lines.splice(0);

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
  const scratch = strategy === 'buffer' ? new Float64Array(accSize) : new Float64Array(0);
  let factory = factoryCache.get(src);
  if (!factory) {
    factory = new Function('T', 'R', 'ACC', 'erf', src) as KernelFactory;
    if (factoryCache.size >= FACTORY_CACHE_SIZE) factoryCache.delete(factoryCache.keys().next().value!);
    factoryCache.set(src, factory);
  }
  const fns = factory(ctx.storage, ctx.rounders[out.slot]!, scratch, erf);
  return {
    strategy,
    persists,
    scratchElements: scratch.length,
    pointsPerStep: loopVars.reduce((p, v) => p * varSize(v), 1),
    ...fns,
    source: src,
  };
}
