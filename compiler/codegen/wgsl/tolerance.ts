// How close a GPU result must be to the interpreter's. The GPU computes in f32 where the
// interpreter uses f64, and both round once on store; so a stored value may differ by about one
// unit in the last place of its dtype, and that difference can carry through later einsums.
import type { DType } from '../../ir';

/** Relative tolerance per dtype: a few ulps of the format (an f32 ulp is 2^-23, bf16 2^-7, ...). */
export function dtypeTolerance(d: DType): number {
  switch (d) {
    case 'fp32':
      return 2e-4;
    case 'fp16':
      return 4e-3;
    case 'bf16':
      return 3e-2;
    case 'fp8e4m3':
      return 0.25;
    case 'fp8e5m2':
      return 0.5;
    default:
      return 1e-6; // integers: exact after rounding (values stay far below 2^24)
  }
}

export interface TensorComparison {
  tensor: string;
  elements: number;
  /** max |gpu - ref| / (|ref| + scale), scale = mean |ref| (so near-zero values are not over-weighted) */
  maxRelError: number;
  tolerance: number;
  ok: boolean;
  /** first offending element, for the message */
  worst?: { index: number; gpu: number; ref: number };
}

export function compareTensors(tensor: string, gpu: ArrayLike<number>, ref: ArrayLike<number>, d: DType): TensorComparison {
  const n = ref.length;
  let scale = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(ref[i]!)) scale += Math.abs(ref[i]!);
  scale = n ? scale / n : 0;
  const tol = dtypeTolerance(d);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < n; i++) {
    const a = gpu[i]!;
    const b = ref[i]!;
    let err: number;
    if (Number.isNaN(b) || Number.isNaN(a)) err = Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
    else if (!Number.isFinite(b) || !Number.isFinite(a)) err = a === b ? 0 : Infinity;
    else err = Math.abs(a - b) / (Math.abs(b) + scale + Number.MIN_VALUE);
    if (err > worst || at < 0) {
      if (err > worst) worst = err;
      if (err >= worst) at = i;
    }
  }
  const out: TensorComparison = { tensor, elements: n, maxRelError: worst, tolerance: tol, ok: worst <= tol };
  if (at >= 0) out.worst = { index: at, gpu: gpu[at]!, ref: ref[at]! };
  return out;
}
