// User-supplied input values: a JSON file {name: nested arrays | {shape, data}} or a directory of NAME.npy files.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DiagnosticError, error, type Cascade, type Tensor } from '../ir';
import { NpyError, parseNpy } from './npy';
import { roundArray } from './numerics';
import type { TensorData } from './tensor';

function fail(file: string, msgs: string[]): DiagnosticError {
  return new DiagnosticError(msgs.map((m) => Object.assign(error('bad-input', m), { file })));
}

const declaredInputs = (c: Cascade) => c.tensors.filter((t) => t.role === 'input' || t.role === 'weight' || t.role === 'kvcache');
const shapeOf = (t: Tensor) => t.dims.map((d) => d.extent);
const fmtShape = (s: number[]) => `[${s.join(', ')}]`;

function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'inf' || s === 'infinity' || s === '+inf') return Infinity;
    if (s === '-inf' || s === '-infinity') return -Infinity;
    if (s === 'nan') return NaN;
  }
  return null;
}

/** Flattens rectangular nested arrays; returns the shape, or an error message. */
function flatten(v: unknown, out: number[]): number[] | string {
  if (!Array.isArray(v)) {
    const x = toNumber(v);
    if (x === null) return `${JSON.stringify(v)} is not a number (use numbers, or "inf", "-inf", "nan")`;
    out.push(x);
    return [];
  }
  let inner: number[] | null = null;
  for (const e of v) {
    const s = flatten(e, out);
    if (typeof s === 'string') return s;
    if (inner === null) inner = s;
    else if (s.length !== inner.length || s.some((d, i) => d !== inner![i])) return 'the nested arrays are not rectangular';
  }
  return [v.length, ...(inner ?? [])];
}

/** Parses the JSON text of an inputs file against the cascade's declared tensors. */
export function parseInputsJson(text: string, c: Cascade, file = '<inputs>'): Map<string, TensorData> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw fail(file, [`not valid JSON: ${e instanceof Error ? e.message : String(e)}`]);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw fail(file, ['expected a JSON object {tensor name: values}']);
  const entries = doc as Record<string, unknown>;
  const problems: string[] = [];
  const res = new Map<string, TensorData>();
  const decl = declaredInputs(c);
  for (const name of Object.keys(entries)) if (!decl.some((t) => t.name === name)) problems.push(`${name} is not an input, weight or kvcache tensor of the cascade (those are: ${decl.map((t) => t.name).join(', ')})`);
  for (const t of decl) {
    const v = entries[t.name];
    const want = shapeOf(t);
    if (v === undefined) {
      problems.push(`no values for ${t.role} ${t.name}${fmtShape(want)}`);
      continue;
    }
    const flat: number[] = [];
    let shape: number[];
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const o = v as { shape?: unknown; data?: unknown };
      if (!Array.isArray(o.shape) || !o.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0) || !Array.isArray(o.data)) {
        problems.push(`${t.name}: expected {"shape": [..], "data": [..]}`);
        continue;
      }
      shape = o.shape as number[];
      const s = flatten(o.data, flat);
      if (typeof s === 'string') {
        problems.push(`${t.name}: ${s}`);
        continue;
      }
      if (flat.length !== shape.reduce((p, d) => p * d, 1)) {
        problems.push(`${t.name}: shape ${fmtShape(shape)} needs ${shape.reduce((p, d) => p * d, 1)} values but data has ${flat.length}`);
        continue;
      }
    } else {
      const s = flatten(v, flat);
      if (typeof s === 'string') {
        problems.push(`${t.name}: ${s}`);
        continue;
      }
      shape = s;
    }
    if (shape.length !== want.length || shape.some((d, i) => d !== want[i])) {
      problems.push(`${t.name} has shape ${fmtShape(shape)} but the cascade declares ${fmtShape(want)}`);
      continue;
    }
    res.set(t.name, { dtype: t.dtype, shape: want, data: roundArray(Float64Array.from(flat), t.dtype) });
  }
  if (problems.length) throw fail(file, problems);
  return res;
}

/** Reads NAME.npy for every declared input of the cascade from `dir`. */
export function loadNpyDir(dir: string, c: Cascade): Map<string, TensorData> {
  const problems: string[] = [];
  const res = new Map<string, TensorData>();
  const decl = declaredInputs(c);
  const files = readdirSync(dir).filter((f) => f.endsWith('.npy'));
  for (const f of files) if (!decl.some((t) => `${t.name}.npy` === f)) problems.push(`${f} does not name an input, weight or kvcache tensor of the cascade (those are: ${decl.map((t) => t.name).join(', ')})`);
  for (const t of decl) {
    const path = join(dir, `${t.name}.npy`);
    const want = shapeOf(t);
    if (!existsSync(path)) {
      problems.push(`missing ${t.name}.npy for ${t.role} ${t.name}${fmtShape(want)}`);
      continue;
    }
    try {
      const a = parseNpy(readFileSync(path));
      if (a.shape.length !== want.length || a.shape.some((d, i) => d !== want[i])) {
        problems.push(`${t.name}.npy has shape ${fmtShape(a.shape)} but the cascade declares ${fmtShape(want)}`);
        continue;
      }
      res.set(t.name, { dtype: t.dtype, shape: want, data: roundArray(a.data, t.dtype) });
    } catch (e) {
      if (e instanceof NpyError) problems.push(`${t.name}.npy: ${e.message}`);
      else throw e;
    }
  }
  if (problems.length) throw fail(dir, problems);
  return res;
}

/** `--inputs PATH`: a .json file or a directory of .npy files. */
export function loadInputs(path: string, c: Cascade): Map<string, TensorData> {
  if (!existsSync(path)) throw fail(path, ['no such file or directory']);
  if (statSync(path).isDirectory()) return loadNpyDir(path, c);
  if (path.endsWith('.npy')) throw fail(path, ['give a directory holding one NAME.npy per input tensor, or a .json file']);
  return parseInputsJson(readFileSync(path, 'utf8'), c, path);
}
