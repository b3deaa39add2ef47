// The value of one tensor as the interpreter holds it.
import type { DType } from '../ir';

/** Row-major over the tensor's dim extents; values already rounded to `dtype`. */
export interface TensorData {
  dtype: DType;
  shape: number[];
  data: Float64Array;
}
