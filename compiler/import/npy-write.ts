// Writes a tensor as a .npy file (format 1.0, little-endian float32, or int32 for integer dtypes),
// the format `tessera run --inputs DIR` reads back (compiler/interp/npy.ts).
import type { TensorData } from '../interp';

export function writeNpy(t: TensorData): Uint8Array {
  const int = t.dtype.startsWith('int');
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${int ? '<i4' : '<f4'}', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + t.data.length * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const body = new DataView(out.buffer, 10 + header.length);
  for (let i = 0; i < t.data.length; i++) {
    if (int) body.setInt32(i * 4, t.data[i]!, true);
    else body.setFloat32(i * 4, t.data[i]!, true);
  }
  return out;
}
