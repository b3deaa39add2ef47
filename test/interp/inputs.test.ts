// User-supplied inputs: .npy files written here byte by byte (header by hand), and JSON files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiagnosticError, type Cascade } from '../../compiler/ir';
import { interpret, loadInputs, parseInputsJson, parseNpy, NpyError } from '../../compiler/interp';
import { parseCascade } from '../../compiler/lang';

const tmp = mkdtempSync(join(tmpdir(), 'tessera-inputs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** An .npy file: magic, version, little-endian header length, the header dict padded to 64 bytes with '\n', data. */
function npy(descr: string, shape: number[], body: Uint8Array, version = 1, fortran = false): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pre = version === 1 ? 10 : 12;
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  const header = dict + ' '.repeat(total - pre - dict.length - 1) + '\n';
  const out = new Uint8Array(total + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const v = new DataView(out.buffer);
  if (version === 1) v.setUint16(8, header.length, true);
  else v.setUint32(8, header.length, true);
  out.set(new TextEncoder().encode(header), pre);
  out.set(body, total);
  return out;
}
function bytesOf(kind: 'f4' | 'f8' | 'f2' | 'i1' | 'i4', values: number[]): Uint8Array {
  const size = { f4: 4, f8: 8, f2: 2, i1: 1, i4: 4 }[kind];
  const b = new Uint8Array(values.length * size);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => {
    if (kind === 'f4') v.setFloat32(i * 4, x, true);
    if (kind === 'f8') v.setFloat64(i * 8, x, true);
    if (kind === 'f2') v.setUint16(i * 2, x, true); // x is the raw half bit pattern
    if (kind === 'i1') v.setInt8(i, x);
    if (kind === 'i4') v.setInt32(i * 4, x, true);
  });
  return b;
}

function parse(text: string): Cascade {
  const r = parseCascade(text, 'test.ein');
  if (!r.cascade) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return r.cascade;
}
const gemm = parse(`rank M = 2, N = 2, K = 3
input A[M, K]: fp32
weight B[K, N]: fp32
Z[m, n] = A[m, k] * B[k, n]
output Z`);

describe('.npy', () => {
  it('reads every supported element type, versions 1 and 2', () => {
    expect(parseNpy(npy('<f4', [2, 3], bytesOf('f4', [1, 2, 3, 4, 5, 0.1])))).toEqual({ descr: '<f4', shape: [2, 3], data: Float64Array.from([1, 2, 3, 4, 5, Math.fround(0.1)]) });
    expect(parseNpy(npy('<f8', [2], bytesOf('f8', [0.1, -2]), 2)).data).toEqual(Float64Array.from([0.1, -2]));
    expect(parseNpy(npy('<f2', [3], bytesOf('f2', [0x3c00, 0xc000, 0x0001]))).data).toEqual(Float64Array.from([1, -2, 2 ** -24]));
    expect(parseNpy(npy('|i1', [2, 2], bytesOf('i1', [-128, 127, 0, -1]))).data).toEqual(Float64Array.from([-128, 127, 0, -1]));
    expect(parseNpy(npy('<i4', [1, 1, 2], bytesOf('i4', [-70000, 2 ** 31 - 1]))).data).toEqual(Float64Array.from([-70000, 2 ** 31 - 1]));
    expect(parseNpy(npy('<f4', [], bytesOf('f4', [7]))).shape).toEqual([]);
  });
  it('rejects what it does not read, with a clear message', () => {
    expect(() => parseNpy(npy('>f4', [1], bytesOf('f4', [1])))).toThrow(/unsupported element type '>f4'/);
    expect(() => parseNpy(npy('<u2', [1], new Uint8Array(2)))).toThrow(NpyError);
    expect(() => parseNpy(new TextEncoder().encode('hello world, not npy'))).toThrow(/magic/);
    expect(() => parseNpy(npy('<f4', [4], bytesOf('f4', [1, 2])))).toThrow(/holds 2 values .* needs 4/);
    expect(() => parseNpy(npy('<f4', [1], bytesOf('f4', [1]), 1, true))).toThrow(/Fortran/);
    expect(() => parseNpy(npy('<f4', [1], bytesOf('f4', [1]), 4))).toThrow(/version 4/);
  });
  it('a directory of NAME.npy runs the cascade with those values', () => {
    const dir = join(tmp, 'npy-ok');
    mkdirSync(dir);
    writeFileSync(join(dir, 'A.npy'), npy('<f4', [2, 3], bytesOf('f4', [1, 2, 3, 4, 5, 6])));
    writeFileSync(join(dir, 'B.npy'), npy('|i1', [3, 2], bytesOf('i1', [1, 0, 0, 1, 1, 1])));
    const inputs = loadInputs(dir, gemm);
    expect(Array.from(interpret(gemm, inputs).get('Z')!.data)).toEqual([4, 5, 10, 11]);
  });
  it('reports a shape mismatch, a missing file and a stray file', () => {
    const dir = join(tmp, 'npy-bad');
    mkdirSync(dir);
    writeFileSync(join(dir, 'A.npy'), npy('<f4', [3, 2], bytesOf('f4', [1, 2, 3, 4, 5, 6])));
    writeFileSync(join(dir, 'Q.npy'), npy('<f4', [1], bytesOf('f4', [1])));
    try {
      loadInputs(dir, gemm);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DiagnosticError);
      const m = (e as DiagnosticError).diagnostics.map((d) => d.message).join('\n');
      expect(m).toContain('A.npy has shape [3, 2] but the cascade declares [2, 3]');
      expect(m).toContain('missing B.npy');
      expect(m).toContain('Q.npy does not name an input');
    }
  });
});

describe('JSON inputs', () => {
  it('nested arrays and {shape, data}, with inf/nan strings, round to the dtype', () => {
    const inputs = parseInputsJson(JSON.stringify({ A: [[1, 2, 3], [4, 5, 0.1]], B: { shape: [3, 2], data: [1, 0, 0, 1, 'inf', 1] } }), gemm);
    expect(inputs.get('A')!.data[5]).toBe(Math.fround(0.1));
    expect(inputs.get('B')!.data[4]).toBe(Infinity);
    const z = interpret(gemm, inputs).get('Z')!.data;
    expect(z[0]).toBe(Infinity);
    expect(z[1]).toBe(5);
  });
  it('round trip: values written as JSON and read back give the same run', () => {
    const a = [[0.5, -0.25, 0.125], [1, -1, 3]];
    const b = [[2, 1], [0, -1], [0.5, 0.5]];
    const first = interpret(gemm, parseInputsJson(JSON.stringify({ A: a, B: b }), gemm)).get('Z')!;
    const file = join(tmp, 'in.json');
    writeFileSync(file, JSON.stringify({ A: { shape: [2, 3], data: a.flat() }, B: b }));
    const again = interpret(gemm, loadInputs(file, gemm)).get('Z')!;
    expect(again.data).toEqual(first.data);
    expect(Array.from(first.data)).toEqual([1.0625, 0.8125, 3.5, 3.5]);
  });
  it('reports every problem', () => {
    try {
      parseInputsJson(JSON.stringify({ A: [[1, 2], [3, 4]], C: [1], B: [[1, 'x'], [1, 2], [3, 4]] }), gemm, 'in.json');
      expect.unreachable();
    } catch (e) {
      const ds = (e as DiagnosticError).diagnostics;
      expect(ds.every((d) => d.file === 'in.json')).toBe(true);
      const m = ds.map((d) => d.message).join('\n');
      expect(m).toContain('A has shape [2, 2] but the cascade declares [2, 3]');
      expect(m).toContain('C is not an input');
      expect(m).toContain('"x" is not a number');
    }
    expect(() => parseInputsJson('{nope', gemm)).toThrow(/not valid JSON/);
  });
});
