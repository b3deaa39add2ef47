// The reference interpreter: runs every einsum of a cascade over Float64Array storage, each through a
// generated kernel (kernel.ts), in the order of executionPlan (plan.ts).
import { DiagnosticError, error, tensorElements, walkExpr, type Cascade, type DType, type Einsum, type Tensor } from '../ir';
import { buildKernel, type Kernel, type KernelContext } from './kernel';
import { rounderFor } from './numerics';
import { executionPlan } from './plan';
import { pruneNM } from './prune';
import type { TensorData } from './tensor';

export interface InterpretOptions {
  /** Overrides the dtype of every tensor, inputs included. */
  dtype?: DType;
  /** Refuse cascades whose tensors and scratch buffers hold more float64 elements than this (default 64 Mi). */
  maxElements?: number;
  /** Refuse cascades whose work (iteration points x expression nodes each) is over this (default 2e9, a few seconds). */
  maxWork?: number;
  /** Called after each unit of the plan with (points done, points in all). */
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_MAX_ELEMENTS = 64 * 2 ** 20;
/** About a few seconds of interpretation on one core (the interpreter does about 1e9 node visits a second). */
export const DEFAULT_MAX_WORK = 2e9;

/** Nodes of an einsum's expression: the work the interpreter does at each iteration point. */
/** The message of a refusal by work (the driver checks the same limit before drawing inputs). */
export function tooMuchWork(points: number, work: number, maxWork: number): string {
  return `the cascade visits about ${points.toExponential(2)} points (work ${work.toExponential(2)} expression nodes), more than the interpreter's limit of ${maxWork.toExponential(2)} (a few seconds); raise it with --max-work, or map it on a target instead (--target)`;
}

export function exprNodes(e: Einsum): number {
  let n = 0;
  walkExpr(e.expr, () => void n++);
  return n;
}

export function effectiveDType(t: Tensor, opts?: InterpretOptions): DType {
  return opts?.dtype ?? t.dtype;
}

function rowMajorStrides(t: Tensor): number[] {
  const s = new Array<number>(t.dims.length);
  let acc = 1;
  for (let d = t.dims.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= t.dims[d]!.extent;
  }
  return s;
}

function tooLarge(c: Cascade, msg: string): DiagnosticError {
  const d = error('too-large', msg, undefined, 'shrink the rank sizes for interpretation; `tessera analyze` works at any size');
  if (c.file) d.file = c.file;
  return new DiagnosticError([d]);
}

/** Checks that the inputs match the declared tensors, and copies them rounded to their (effective) dtype. */
function loadInputs(c: Cascade, inputs: Map<string, TensorData>, opts?: InterpretOptions): Map<string, Float64Array> {
  const res = new Map<string, Float64Array>();
  const problems: string[] = [];
  for (const t of c.tensors) {
    if (t.role === 'intermediate' || t.role === 'output') continue;
    const given = inputs.get(t.name);
    const shape = t.dims.map((d) => d.extent);
    if (!given) {
      problems.push(`no value given for ${t.role} ${t.name}[${shape.join(', ')}]`);
      continue;
    }
    if (given.shape.length !== shape.length || given.shape.some((s, i) => s !== shape[i]) || given.data.length !== tensorElements(t)) {
      problems.push(`${t.name} has shape [${given.shape.join(', ')}] (${given.data.length} values) but the cascade declares [${shape.join(', ')}]`);
      continue;
    }
    const r = rounderFor(effectiveDType(t, opts));
    const data = new Float64Array(given.data.length);
    for (let i = 0; i < data.length; i++) data[i] = r(given.data[i]!);
    if (t.sparsity) pruneNM(data, t); // a pruned weight holds its N:M pattern whatever values it was given
    res.set(t.name, data);
  }
  if (problems.length) throw new DiagnosticError(problems.map((p) => Object.assign(error('bad-input', p), c.file ? { file: c.file } : {})));
  return res;
}

/** Throws a plain diagnostic when the cascade's tensors exceed the element budget (checked before any allocation). */
export function checkTensorBudget(c: Cascade, maxElements = DEFAULT_MAX_ELEMENTS): number {
  const total = c.tensors.reduce((s, t) => s + tensorElements(t), 0);
  if (total > maxElements)
    throw tooLarge(c, `the cascade's tensors hold ${total} elements, more than the interpreter's limit of ${maxElements}`);
  return total;
}

/** Runs the cascade; returns every computed tensor (intermediates and outputs), rounded to its dtype. */
export function interpret(c: Cascade, inputs: Map<string, TensorData>, opts?: InterpretOptions): Map<string, TensorData> {
  const maxElements = opts?.maxElements ?? DEFAULT_MAX_ELEMENTS;
  const maxWork = opts?.maxWork ?? DEFAULT_MAX_WORK;
  const total = checkTensorBudget(c, maxElements);

  const plan = executionPlan(c);
  const inputData = loadInputs(c, inputs, opts);
  const slot = new Map(c.tensors.map((t, i) => [t.name, i]));
  const storage = c.tensors.map((t) => inputData.get(t.name) ?? new Float64Array(tensorElements(t)));
  const ctx: KernelContext = {
    c,
    slot,
    storage,
    rounders: c.tensors.map((t) => rounderFor(effectiveDType(t, opts))),
    strides: c.tensors.map(rowMajorStrides),
  };

  // build every kernel first, so that size limits are checked before any work
  type Built = { unit: (typeof plan)[number]; kernels: Kernel[]; points: number };
  const built: Built[] = [];
  let scratch = 0;
  let points = 0;
  let work = 0;
  for (const unit of plan) {
    const members = unit.kind === 'einsum' ? [unit.index] : unit.members;
    const kernels = members.map((i) => buildKernel(ctx, c.einsums[i]!, unit.kind === 'group' ? unit.iterVar : null));
    const steps = unit.kind === 'group' ? unit.steps : 1;
    const p = kernels.reduce((s, k) => s + k.pointsPerStep * steps, 0);
    work += members.reduce((s, i, j) => s + kernels[j]!.pointsPerStep * steps * exprNodes(c.einsums[i]!), 0);
    scratch += kernels.reduce((s, k) => s + k.scratchElements, 0);
    points += p;
    built.push({ unit, kernels, points: p });
  }
  if (total + scratch > maxElements)
    throw tooLarge(c, `the cascade's tensors and accumulators hold ${total + scratch} elements, more than the interpreter's limit of ${maxElements}`);
  if (work > maxWork)
    throw tooLarge(c, tooMuchWork(points, work, maxWork));

  let done = 0;
  for (const { unit, kernels, points: p } of built) {
    if (unit.kind === 'einsum') {
      const k = kernels[0]!;
      k.reset();
      k.step(0);
      k.store(0);
    } else {
      for (const k of kernels) if (k.persists) k.reset();
      for (let it = 0; it < unit.steps; it++)
        for (const k of kernels) {
          if (k.strategy === 'buffer' && !k.persists) k.reset();
          k.step(it);
          if (k.strategy === 'buffer') k.store(it);
        }
    }
    done += p;
    opts?.onProgress?.(done, points);
  }

  const res = new Map<string, TensorData>();
  c.tensors.forEach((t, i) => {
    if (t.role === 'intermediate' || t.role === 'output')
      res.set(t.name, { dtype: effectiveDType(t, opts), shape: t.dims.map((d) => d.extent), data: storage[i]! });
  });
  return res;
}
