// A reader for NumPy .npy files (format versions 1, 2 and 3), little-endian, C order.
// Supported element types: <f4 <f8 <f2 |i1 <i4.
import { halfBitsToNumber } from './numerics';

export interface NpyArray {
  descr: string;
  shape: number[];
  data: Float64Array;
}

export class NpyError extends Error {}

const READERS: Record<string, { bytes: number; read: (v: DataView, off: number) => number }> = {
  '<f4': { bytes: 4, read: (v, o) => v.getFloat32(o, true) },
  '<f8': { bytes: 8, read: (v, o) => v.getFloat64(o, true) },
  '<f2': { bytes: 2, read: (v, o) => halfBitsToNumber(v.getUint16(o, true)) },
  '|i1': { bytes: 1, read: (v, o) => v.getInt8(o) },
  '<i1': { bytes: 1, read: (v, o) => v.getInt8(o) },
  '<i4': { bytes: 4, read: (v, o) => v.getInt32(o, true) },
};

export function parseNpy(bytes: Uint8Array): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) throw new NpyError('not a .npy file (the magic string \\x93NUMPY is missing)');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyError('truncated .npy header');
    headerLen = view.getUint32(8, true);
    start = 12;
  } else throw new NpyError(`unsupported .npy format version ${major}.${bytes[7]} (1, 2 and 3 are supported)`);
  if (start + headerLen > bytes.length) throw new NpyError('truncated .npy header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new NpyError(`malformed .npy header: ${header.trim()}`);
  if (fortran === 'True') throw new NpyError('Fortran-order arrays are not supported; save a C-order array (np.ascontiguousarray)');
  const reader = READERS[descr];
  if (!reader) throw new NpyError(`unsupported element type '${descr}' (supported: <f4 <f8 <f2 |i1 <i4, little-endian)`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isSafeInteger(n) || n < 0) throw new NpyError(`bad dimension '${s}' in .npy shape`);
      return n;
    });
  const n = shape.reduce((p, d) => p * d, 1);
  const dataStart = start + headerLen;
  if (bytes.length - dataStart < n * reader.bytes) throw new NpyError(`the .npy file holds ${Math.floor((bytes.length - dataStart) / reader.bytes)} values but its shape (${shape.join(', ')}) needs ${n}`);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = reader.read(view, dataStart + i * reader.bytes);
  return { descr, shape, data };
}
