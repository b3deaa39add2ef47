// The kernel of an einsum that selects through an index tensor (`E[b, s, d] = WTE[TOK[b, s], d]`, or an
// indexed write `KC[b, POS[b], e] = KN[b, e]`). Index values are data, so offsets cannot be compiled to
// affine strides as kernel.ts does: this kernel walks the iteration space point by point, evaluates
// every index (gathers included) and checks each selected index against its dimension. A gather moves
// rows, so the work is the rows it touches; speed matters less here than in the generated kernels.
import { DiagnosticError, error, outputVars, printIndex, reducedVars, type Access, type Einsum, type Expr, type IndexExpr, type ReduceOp } from '../ir';
import type { Kernel, KernelContext } from './kernel';
import { erf } from './numerics';

type Env = Map<string, number>;

const INIT: Record<ReduceOp, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };

function reduceStep(op: ReduceOp, a: number, x: number): number {
  if (op === 'sum') return a + x;
  if (op === 'prod') return a * x;
  return op === 'max' ? Math.max(a, x) : Math.min(a, x);
}

/** Whether any index of the einsum (left or right, nested included) is a gather. */
export function einsumGathers(e: Einsum): boolean {
  const hasG = (i: IndexExpr): boolean => i.kind === 'gather' || (i.kind === 'ibin' && (hasG(i.a) || hasG(i.b)));
  if (e.output.indices.some(hasG)) return true;
  let found = false;
  const visit = (x: Expr): void => {
    if (found) return;
    if (x.kind === 'access') found = x.access.indices.some(hasG);
    else if (x.kind === 'unary') visit(x.arg);
    else if (x.kind === 'binary' || x.kind === 'cmp') (visit(x.a), visit(x.b));
    else if (x.kind === 'select') (visit(x.cond), visit(x.a), visit(x.b));
  };
  visit(e.expr);
  return found;
}

/**
 * Evaluates an einsum's indices and expression at one point of its iteration space (the variables in
 * `env`), reading the cascade's storage; a selected index outside its dimension stops the run naming
 * the einsum, the index and the point.
 */
class PointEvaluator {
  private readonly rankSize: Map<string, number>;

  constructor(
    private readonly ctx: KernelContext,
    private readonly e: Einsum,
  ) {
    this.rankSize = new Map(ctx.c.ranks.map((r) => [r.name, r.size]));
  }

  index(x: IndexExpr, env: Env): number {
    switch (x.kind) {
      case 'ivar':
        return env.get(x.name)!;
      case 'int':
        return x.value;
      case 'rsize':
        return this.rankSize.get(x.rank)!;
      case 'ibin': {
        const a = this.index(x.a, env);
        const b = this.index(x.b, env);
        return x.op === '+' ? a + b : x.op === '-' ? a - b : a * b;
      }
      case 'gather':
        return this.read(x.access, env);
    }
  }

  offset(a: Access, env: Env): number {
    const { ctx } = this;
    const slot = ctx.slot.get(a.tensor)!;
    const t = ctx.c.tensors[slot]!;
    const strides = ctx.strides[slot]!;
    let off = 0;
    for (let d = 0; d < a.indices.length; d++) {
      const ix = a.indices[d]!;
      const v = this.index(ix, env);
      const extent = t.dims[d]!.extent;
      if (!Number.isInteger(v) || v < 0 || v >= extent) throw this.outOfRange(a, ix, d, v, env);
      off += v * strides[d]!;
    }
    return off;
  }

  private outOfRange(a: Access, ix: IndexExpr, d: number, v: number, env: Env): DiagnosticError {
    const { c } = this.ctx;
    const t = c.tensors[this.ctx.slot.get(a.tensor)!]!;
    const extent = t.dims[d]!.extent;
    const at = [...env].map(([k, x]) => `${k}=${x}`).join(', ');
    return new DiagnosticError([
      Object.assign(
        error('index-out-of-range', `einsum ${this.e.output.tensor}: index ${printIndex(ix)} of ${a.tensor} is ${v} at (${at}), outside dimension ${d + 1} (${t.dims[d]!.rank}: 0 to ${extent - 1})`, ix.loc ?? a.loc ?? this.e.loc, 'an index tensor holds row numbers from 0 to the dimension\'s extent - 1'),
        c.file ? { file: c.file } : {},
      ),
    ]);
  }

  read(a: Access, env: Env): number {
    return this.ctx.storage[this.ctx.slot.get(a.tensor)!]![this.offset(a, env)]!;
  }

  expr(x: Expr, env: Env): number {
    switch (x.kind) {
      case 'num':
        return x.value;
      case 'rsize':
        return this.rankSize.get(x.rank)!;
      case 'ivar':
        return env.get(x.name)!;
      case 'access':
        return this.read(x.access, env);
      case 'unary': {
        const a = this.expr(x.arg, env);
        if (x.op === 'neg') return -a;
        if (x.op === 'erf') return erf(a);
        return Math[x.op](a);
      }
      case 'binary': {
        const a = this.expr(x.a, env);
        const b = this.expr(x.b, env);
        if (x.op === 'max' || x.op === 'min') return Math[x.op](a, b);
        return x.op === '+' ? a + b : x.op === '-' ? a - b : x.op === '*' ? a * b : a / b;
      }
      case 'cmp': {
        const a = this.expr(x.a, env);
        const b = this.expr(x.b, env);
        const r = x.op === '<' ? a < b : x.op === '<=' ? a <= b : x.op === '>' ? a > b : x.op === '>=' ? a >= b : x.op === '==' ? a === b : a !== b;
        return r ? 1 : 0;
      }
      case 'select':
        return this.expr(x.cond, env) !== 0 ? this.expr(x.a, env) : this.expr(x.b, env);
    }
  }
}

/** Every point of an odometer over `vars` (sizes `sizes`), calling f with env updated. */
function eachPoint(vars: string[], sizes: number[], env: Env, f: () => void): void {
  if (sizes.some((s) => s === 0)) return;
  const n = vars.length;
  const ix = new Array<number>(n).fill(0);
  for (const v of vars) env.set(v, 0);
  for (;;) {
    f();
    let k = n - 1;
    while (k >= 0) {
      ix[k]!++;
      if (ix[k]! < sizes[k]!) {
        env.set(vars[k]!, ix[k]!);
        break;
      }
      ix[k] = 0;
      env.set(vars[k]!, 0);
      k--;
    }
    if (k < 0) return;
  }
}

export function buildGatherKernel(ctx: KernelContext, e: Einsum, iterVar: string | null): Kernel {
  const { c } = ctx;
  const varSize = (v: string) => c.ranks.find((r) => r.name.toLowerCase() === v)!.size;
  const outVars = outputVars(e).filter((v) => v !== iterVar);
  const redVars = reducedVars(e).filter((v) => v !== iterVar);
  if (iterVar !== null && reducedVars(e).includes(iterVar)) throw new DiagnosticError([error('unsupported', `${e.output.tensor} gathers inside a recurrence that reduces over ${iterVar}`, e.loc, 'compute the gather before the recurrence')]);
  const name = e.output.tensor;
  const ev = new PointEvaluator(ctx, e);
  const outSlot = ctx.slot.get(name)!;
  const round = ctx.rounders[outSlot]!;
  const outSizes = outVars.map(varSize);
  const redSizes = redVars.map(varSize);
  const pointsPerStep = [...outSizes, ...redSizes].reduce((a, b) => a * b, 1);
  const step = (it: number): void => {
    const env: Env = new Map();
    if (iterVar !== null) env.set(iterVar, it);
    const out = ctx.storage[outSlot]!;
    eachPoint(outVars, outSizes, env, () => {
      let acc = INIT[e.reduce];
      if (redVars.length === 0) acc = ev.expr(e.expr, env);
      else eachPoint(redVars, redSizes, env, () => void (acc = reduceStep(e.reduce, acc, ev.expr(e.expr, env))));
      out[ev.offset(e.output, env)] = round(acc);
    });
  };
  return { strategy: 'direct', persists: false, scratchElements: 0, pointsPerStep, reset: () => {}, step, store: () => {}, source: `// gather kernel of ${name}` };
}
