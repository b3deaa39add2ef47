// `tessera import model.onnx`: an ONNX graph as a cascade. Nodes are translated in order by the
// operator table (ops-*.ts: one function per op type, chosen by name); an op not in the table stops
// the import with a message naming the op and the node. Initializers become `weight` tensors (their
// values are returned, for the interpreter), graph inputs `input` tensors. The text is parsed back
// with the language's own parser, so what is returned is a checked cascade.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Cascade, DType } from '../ir';
import { renderDiagnostics } from '../ir';
import { parseCascade } from '../lang';
import type { TensorData } from '../interp';
import { UserError } from '../driver/user-error';
import { ImportContext } from './context';
import type { ETensor } from './emit';
import { decodeOnnx, tensorValues, type OnnxModel, type OnnxNode } from './onnx-proto';
import { elementwiseOps } from './ops-elementwise';
import { layoutOps } from './ops-layout';
import { linearOps } from './ops-linear';

type OpFn = (cx: ImportContext, node: OnnxNode) => void;

export const ONNX_OPS: Record<string, OpFn> = { ...linearOps, ...elementwiseOps, ...layoutOps, Constant: constant };

export interface ImportedModel {
  cascade: Cascade;
  text: string;
  /** the values of every weight the cascade declares (from the initializers and Constants) */
  weights: Map<string, TensorData>;
  /** ONNX value name -> tensor name in the cascade, for the graph's inputs and outputs */
  names: Map<string, string>;
}

const DTYPES: Record<number, DType> = { 1: 'fp32', 10: 'fp16', 16: 'bf16', 6: 'int32', 7: 'int32', 3: 'int8' };

function dtypeOf(file: string, what: string, t: number | undefined): DType {
  const d = t === undefined ? 'fp32' : DTYPES[t];
  if (!d) throw new UserError(`${file}: ${what} has ONNX element type ${t}, which the importer does not take (it takes float32, float16, bfloat16, int64, int32 and int8)`);
  return d;
}

function constant(cx: ImportContext, node: OnnxNode): void {
  const a = node.attrs.get('value');
  const scalar = node.attrs.get('value_float') ?? node.attrs.get('value_int');
  if (a?.t) {
    const out = cx.output(node, 0, a.t.dims, dtypeOf(cx.file, `Constant ${node.name}`, a.t.dataType));
    out.kind = 'weight';
    out.values = tensorValues(a.t, cx.file);
    return;
  }
  if (scalar) {
    const out = cx.output(node, 0, [], 'fp32');
    out.kind = 'weight';
    out.values = Float64Array.of(scalar.f ?? scalar.i ?? 0);
    return;
  }
  cx.fail(node, 'only tensor, value_float and value_int constants are imported');
}

function addGraphTensors(cx: ImportContext, m: OnnxModel): void {
  for (const init of m.initializers) {
    const t: ETensor = { name: cx.em.tensorName(init.name), shape: init.dims, dtype: dtypeOf(cx.file, `initializer ${init.name}`, init.dataType), kind: 'weight', values: tensorValues(init, cx.file) };
    cx.tensors.set(init.name, t);
  }
  for (const v of m.inputs) {
    if (cx.tensors.has(v.name)) continue; // an initializer listed among the inputs (older exporters)
    if (!v.shape) throw new UserError(`${cx.file}: graph input '${v.name}' has no shape; the importer needs static shapes`);
    const sym = v.shape.find((d) => typeof d !== 'number' || d < 1);
    if (sym !== undefined) throw new UserError(`${cx.file}: graph input '${v.name}' has dimension '${sym}' without a size; the importer needs static shapes (export the model with fixed sizes)`);
    cx.tensors.set(v.name, { name: cx.em.tensorName(v.name), shape: v.shape as number[], dtype: dtypeOf(cx.file, `input ${v.name}`, v.elemType), kind: 'input' });
  }
}

export function importOnnx(bytes: Uint8Array, file: string): ImportedModel {
  const m = decodeOnnx(bytes, file);
  const cx = new ImportContext(file, m.opset);
  addGraphTensors(cx, m);
  const unsupported = m.nodes.filter((n) => (n.domain && n.domain !== 'ai.onnx') || !(n.opType in ONNX_OPS));
  if (unsupported.length) {
    const list = unsupported.map((n) => `  node '${n.name}': ${n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.` : ''}${n.opType}`).join('\n');
    throw new UserError(`${file}: unsupported ONNX operator${unsupported.length > 1 ? 's' : ''}:\n${list}\nthe importer translates ${Object.keys(ONNX_OPS).sort().join(', ')}`);
  }
  for (const n of m.nodes) ONNX_OPS[n.opType]!(cx, n);
  if (!m.outputs.length) throw new UserError(`${file}: the graph has no outputs`);
  const outs = m.outputs.map((o) => {
    const t = cx.tensors.get(o.name);
    if (!t) throw new UserError(`${file}: graph output '${o.name}' is not produced by any node`);
    if (t.kind !== 'computed') throw new UserError(`${file}: graph output '${o.name}' is an input or a constant, not computed by the graph`);
    return t.name;
  });
  const header = [`imported from ${basename(file)} by tessera import (${m.producer || 'unknown producer'}, opset ${m.opset})`];
  const text = cx.em.text(header, [...new Set(outs)]);
  const parsed = parseCascade(text, file.replace(/\.onnx$/, '.ein'));
  if (!parsed.cascade) throw new Error(`internal: the import of ${file} does not parse:\n${renderDiagnostics(parsed.diagnostics, text)}`);
  const weights = new Map<string, TensorData>();
  const names = new Map<string, string>();
  for (const [onnx, t] of cx.tensors) {
    if (t.kind === 'weight' && t.ranks && t.values) weights.set(t.name, { dtype: t.dtype, shape: t.shape, data: t.values });
    if (t.kind === 'input' || m.outputs.some((o) => o.name === onnx)) names.set(onnx, t.name);
  }
  return { cascade: parsed.cascade, text, weights, names };
}

export function importOnnxFile(path: string): ImportedModel {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message}`);
  }
  return importOnnx(bytes, path);
}
