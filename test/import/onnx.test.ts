// ONNX import: the fixtures (scripts/onnx/make-fixtures.py, Debian's python3-onnx) run in the interpreter
// and must give numpy's outputs, which the script computed independently in float32.
//
// Tolerance: the interpreter rounds every einsum's result to fp32 but accumulates in float64, numpy
// accumulates in float32 (pairwise) and its erf comes from math.erf; each output is at most a few
// contractions of length <= 144 deep, so the normwise difference is a few hundred fp32 ulps at most:
// 1e-5 of the largest output value, with an elementwise bound of 1e-4 (floored at 1e-3 of the max).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareData, interpret, parseNpy, type TensorData } from '../../compiler/interp';
import { importOnnx, importOnnxFile, ONNX_OPS } from '../../compiler/import/onnx';
import { UserError } from '../../compiler/driver/user-error';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'onnx');

function npyDir(dir: string): Map<string, Float64Array & { shape?: number[] }> {
  const out = new Map<string, Float64Array & { shape?: number[] }>();
  for (const f of readdirSync(dir)) {
    const a = parseNpy(readFileSync(join(dir, f)));
    out.set(f.replace(/\.npy$/, ''), Object.assign(a.data, { shape: a.shape }));
  }
  return out;
}

describe('tessera import: ONNX models run in the interpreter as numpy ran them', () => {
  for (const model of ['mlp', 'resnet-block', 'transformer-block']) {
    it(model, () => {
      const m = importOnnxFile(join(DIR, `${model}.onnx`));
      const inputs = new Map<string, TensorData>(m.weights);
      for (const [name, data] of npyDir(join(DIR, `${model}.inputs`))) {
        const decl = m.cascade.tensors.find((t) => t.name === m.names.get(name))!;
        inputs.set(decl.name, { dtype: decl.dtype, shape: data.shape!, data });
      }
      const outs = interpret(m.cascade, inputs);
      const expected = npyDir(join(DIR, `${model}.expected`));
      expect(expected.size).toBeGreaterThan(0);
      for (const [name, want] of expected) {
        const got = outs.get(m.names.get(name)!)!;
        expect(got.shape).toEqual(want.shape);
        const c = compareData(got.data, want);
        expect(c.maxRelError, `${model} ${name}`).toBeLessThan(1e-5);
        expect(c.maxElementRelError, `${model} ${name}`).toBeLessThan(1e-4);
      }
    });
  }

  it('covers every operator the issue lists, and the fixtures use each of them', () => {
    const listed = ['MatMul', 'Gemm', 'Conv', 'Add', 'Sub', 'Mul', 'Div', 'Relu', 'Gelu', 'Sigmoid', 'Tanh', 'Softmax', 'LayerNormalization', 'Reshape', 'Transpose', 'Flatten', 'Gather', 'Concat'];
    for (const op of listed) expect(ONNX_OPS).toHaveProperty(op);
    const used = ['mlp', 'resnet-block', 'transformer-block'].map((m) => readFileSync(join(DIR, `${m}.onnx`)).toString('latin1')).join('');
    for (const op of listed) expect(used, op).toContain(op);
  });

  it('names the unsupported op and its node', () => {
    expect(() => importOnnxFile(join(DIR, 'unsupported.onnx'))).toThrow(UserError);
    expect(() => importOnnxFile(join(DIR, 'unsupported.onnx'))).toThrow(/node 'pool1': MaxPool/);
  });

  it('refuses a truncated file, an empty file and random bytes with a plain error', () => {
    expect(() => importOnnxFile(join(DIR, 'truncated.onnx'))).toThrow(/not an ONNX model/);
    expect(() => importOnnx(new Uint8Array(0), 'empty.onnx')).toThrow(/not an ONNX model: it has no graph/);
    expect(() => importOnnx(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]), 'junk.onnx')).toThrow(UserError);
    expect(() => importOnnxFile(join(DIR, 'absent.onnx'))).toThrow(/no such file/);
  });
});
