// Reads a sweep spec (YAML) into a SweepSpec, reporting every mistake at its line and column:
//
//   name: dse                       # optional; the file's name otherwise
//   targets: [systolic, {target: my.arch, params: {clock: 1 GHz}}]
//   workloads: [gemm.ein, model.onnx, {model: llama.json, phase: prefill, batch: 1, seq: 128}]
//   parameters:                     # grid axes (lists, ranges) and sampled axes (min/max)
//     rows: [8, 16, 32]
//     glb: {from: 64 KiB, to: 1 MiB, times: 2}
//     dram_bandwidth: {min: 5 GB/s, max: 50 GB/s, scale: log}
//   points: [{rows: 128, cols: 4}]  # explicit points, after the generated ones
//   sample: {method: lhs, count: 20, seed: 1}
//   constraints: ["rows * cols <= 4096"]
//   fidelity: analytic              # or cycle, or a list of both
//   objective: latency              # what the mapper minimises: latency, energy or edp
//   schedule: none                  # or greedy / ilp: place tensors in the tiers first
//   seed: 1                         # the mapper's seed
import { dirname, isAbsolute, join, relative } from 'node:path';
import type { Node, Pair, YAMLMap } from 'yaml';
import { FIDELITIES, type Fidelity } from '../../sim/core/result';
import { OBJECTIVES, type Objective } from '../map/mapping';
import { looksLikePath, loadTargetSpec } from '../../targets/registry';
import { UNITS } from '../../targets/spec';
import { compileConstraint, ExprError } from './expr';
import { scalarValue, yamlIs, YamlSource } from './yaml-source';
import type { Axis, ParamValue, Params, SampleMethod, ScheduleMode, SweepSpec, TargetRef, WorkloadRef } from './types';

const KEYS = ['name', 'targets', 'workloads', 'parameters', 'points', 'sample', 'constraints', 'fidelity', 'objective', 'schedule', 'seed'];

export function loadSweepSpec(file: string): SweepSpec {
  const src = YamlSource.read(file);
  src.throwIfErrors();
  const spec = readSpec(src);
  src.throwIfErrors();
  return spec!;
}

function readSpec(src: YamlSource): SweepSpec | undefined {
  const root = src.doc.contents;
  if (!yamlIs.map(root)) {
    src.fail(root as Node | null, 'a sweep spec is a YAML mapping', `its keys are ${KEYS.join(', ')}`);
    return undefined;
  }
  const get = (k: string) => root.items.find((p) => scalarValue(p.key) === k);
  for (const p of root.items) if (!KEYS.includes(String(scalarValue(p.key)))) src.fail(p.key as Node, `unknown key '${String(scalarValue(p.key))}'`, `a sweep spec's keys are ${KEYS.join(', ')}`);
  const dir = dirname(src.file);
  const targets = readTargets(src, get('targets'), dir);
  const workloads = readWorkloads(src, get('workloads'), dir);
  const axes = readAxes(src, get('parameters'));
  const valid = targets.length ? intersect(targets.map((t) => t.paramNames)) : [];
  checkParamNames(src, get('parameters'), targets, valid);
  const points = readPoints(src, get('points'), targets, valid);
  const sample = readSample(src, get('sample'), axes);
  const constraints = readConstraints(src, get('constraints'), [...new Set([...axes.map((a) => a.name), ...points.flatMap((p) => Object.keys(p))])]);
  const name = get('name') ? String(scalarValue(get('name')!.value)) : src.file.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/, '');
  return {
    name,
    file: src.file,
    targets,
    workloads,
    axes,
    points,
    ...(sample ? { sample } : {}),
    constraints,
    fidelities: readEnumList(src, get('fidelity'), FIDELITIES, 'analytic'),
    objective: readEnumList(src, get('objective'), OBJECTIVES, 'latency')[0]! as Objective,
    schedule: readEnumList(src, get('schedule'), ['none', 'greedy', 'ilp'] as const, 'none')[0]! as ScheduleMode,
    seed: readInt(src, get('seed')?.value as Node | undefined, 1, 'seed') ?? 1,
  };
}

const intersect = (lists: string[][]) => lists[0]!.filter((n) => lists.every((l) => l.includes(n)));

function seqItems(src: YamlSource, pair: Pair | undefined, what: string, required: boolean): Node[] {
  if (!pair) {
    if (required) src.fail(null, `the spec has no '${what}'`, `add ${what}: [...]`);
    return [];
  }
  const v = pair.value as Node | null;
  if (yamlIs.seq(v)) {
    if (!v.items.length && required) src.fail(v, `'${what}' is empty`);
    return v.items as Node[];
  }
  if (yamlIs.scalar(v) && v.value !== null) return [v];
  src.fail(v ?? (pair.key as Node), `'${what}' must be a list`);
  return [];
}

function readTargets(src: YamlSource, pair: Pair | undefined, dir: string): TargetRef[] {
  const out: TargetRef[] = [];
  for (const n of seqItems(src, pair, 'targets', true)) {
    let ref: unknown = scalarValue(n);
    let params: Params = {};
    if (yamlIs.map(n)) {
      ref = scalarValue(n.get('target', true));
      params = readParamMap(src, n.get('params', true) as Node | undefined);
      for (const p of n.items) if (!['target', 'params'].includes(String(scalarValue(p.key)))) src.fail(p.key as Node, `unknown key '${String(scalarValue(p.key))}' in a target`, 'a target is a name or .arch path, or {target: ..., params: {...}}');
    }
    if (typeof ref !== 'string' || !ref) {
      src.fail(n, 'a target is a built-in name or an .arch path, or {target: ..., params: {...}}');
      continue;
    }
    const resolved = looksLikePath(ref) && !isAbsolute(ref) ? join(dir, ref) : ref;
    const spec = loadTargetSpec(resolved, params); // a bad .arch or parameter throws its own file:line:col
    const id = Object.keys(params).length ? `${ref}{${Object.entries(params).map(([k, v]) => `${k}=${v}`).join(',')}}` : ref;
    out.push({ id, ref: resolved, params, paramNames: Object.keys(spec.params ?? {}) });
  }
  return out;
}

function readParamMap(src: YamlSource, n: Node | undefined): Params {
  if (n === undefined) return {};
  if (!yamlIs.map(n)) {
    src.fail(n, 'params must be a mapping name: value');
    return {};
  }
  const out: Params = {};
  for (const p of n.items) {
    const v = paramValue(src, p.value as Node);
    if (v !== undefined) out[String(scalarValue(p.key))] = v;
  }
  return out;
}

function paramValue(src: YamlSource, n: Node | null): ParamValue | undefined {
  const v = scalarValue(n);
  if (typeof v === 'number' || typeof v === 'string') return v;
  src.fail(n, `a parameter value is a number or text (units allowed, e.g. 64 KiB), got ${v === undefined ? 'a collection' : String(v)}`);
  return undefined;
}

function readWorkloads(src: YamlSource, pair: Pair | undefined, dir: string): WorkloadRef[] {
  const out: WorkloadRef[] = [];
  const at = (p: string) => (isAbsolute(p) ? p : join(dir, p));
  for (const n of seqItems(src, pair, 'workloads', true)) {
    const s = scalarValue(n);
    if (typeof s === 'string') {
      const kind = s.endsWith('.ein') ? 'ein' : s.endsWith('.onnx') ? 'onnx' : undefined;
      if (!kind) src.fail(n, `workload ${s}: expected an .ein or .onnx file, or {model: config.json, phase, batch, seq}`);
      else out.push({ id: s, kind, path: at(s) });
      continue;
    }
    if (!yamlIs.map(n)) {
      src.fail(n, 'a workload is an .ein or .onnx path, or {model: config.json, phase: prefill|decode, batch, seq, kv, layers}');
      continue;
    }
    const w = readModelWorkload(src, n, at);
    if (w) out.push(w);
  }
  return out;
}

function readModelWorkload(src: YamlSource, n: YAMLMap, at: (p: string) => string): WorkloadRef | undefined {
  const keys = ['model', 'phase', 'batch', 'seq', 'kv', 'layers'];
  for (const p of n.items) if (!keys.includes(String(scalarValue(p.key)))) src.fail(p.key as Node, `unknown key '${String(scalarValue(p.key))}' in a model workload`, `its keys are ${keys.join(', ')}`);
  const model = scalarValue(n.get('model', true));
  if (typeof model !== 'string') {
    src.fail(n, 'a model workload needs model: path/to/config.json');
    return undefined;
  }
  const phase = scalarValue(n.get('phase', true)) ?? 'prefill';
  if (phase !== 'prefill' && phase !== 'decode') {
    src.fail(n.get('phase', true) as Node, `phase must be prefill or decode, got ${String(phase)}`);
    return undefined;
  }
  const int = (k: string) => readInt(src, n.get(k, true) as Node | undefined, 1, k);
  const batch = int('batch') ?? 1;
  const [seq, kv, layers] = [int('seq'), int('kv'), int('layers')];
  if (phase === 'prefill' && seq === undefined) src.fail(n, 'a prefill workload needs seq');
  if (phase === 'decode' && kv === undefined) src.fail(n, 'a decode workload needs kv (the KV cache length)');
  const id = `${model}:${phase}:b${batch}${seq !== undefined ? `:s${seq}` : ''}${kv !== undefined ? `:kv${kv}` : ''}${layers !== undefined ? `:l${layers}` : ''}`;
  return { id, kind: 'model', path: at(model), phase, batch, ...(seq !== undefined ? { seq } : {}), ...(kv !== undefined ? { kv } : {}), ...(layers !== undefined ? { layers } : {}) };
}

function readInt(src: YamlSource, n: Node | undefined, min: number, what: string): number | undefined {
  if (n === undefined) return undefined;
  const v = scalarValue(n);
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    src.fail(n, `${what} must be an integer of at least ${min}, got ${String(v)}`);
    return undefined;
  }
  return v;
}

/** A number with an optional unit, as written in a range: `64 KiB` -> {value: 64, unit: 'KiB'}. */
function quantity(src: YamlSource, n: Node | null | undefined, what: string): { value: number; unit?: string } | undefined {
  const v = scalarValue(n);
  if (typeof v === 'number') return { value: v };
  const m = typeof v === 'string' ? /^\s*(-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z]+(?:\/[A-Za-z]+)?)\s*$/.exec(v) : null;
  if (m && UNITS.has(m[2]!)) return { value: Number(m[1]), unit: m[2]! };
  src.fail(n, `${what} must be a number, with a unit or not (e.g. 64 KiB), got ${String(v)}`);
  return undefined;
}

function readAxes(src: YamlSource, pair: Pair | undefined): Axis[] {
  if (!pair) return [];
  const m = pair.value as Node | null;
  if (!yamlIs.map(m)) {
    src.fail(m ?? (pair.key as Node), 'parameters must be a mapping: name: [values] | {from, to, step|times} | {min, max, scale}');
    return [];
  }
  const out: Axis[] = [];
  for (const p of m.items) {
    const a = readAxis(src, String(scalarValue(p.key)), p.value as Node);
    if (a) out.push(a);
  }
  return out;
}

function readAxis(src: YamlSource, name: string, n: Node): Axis | undefined {
  if (yamlIs.seq(n)) {
    if (!n.items.length) src.fail(n, `parameter ${name}: an empty list of values leaves nothing to sweep`, 'give at least one value');
    const values = (n.items as Node[]).map((x) => paramValue(src, x)).filter((x): x is ParamValue => x !== undefined);
    return { kind: 'grid', name, values };
  }
  if (!yamlIs.map(n)) {
    const v = paramValue(src, n);
    return v === undefined ? undefined : { kind: 'grid', name, values: [v] };
  }
  if (n.has('from')) return readRange(src, name, n);
  if (n.has('min')) return readSampled(src, name, n);
  src.fail(n, `parameter ${name}: expected a list, {from, to, step}, {from, to, times} or {min, max, scale}`);
  return undefined;
}

function readRange(src: YamlSource, name: string, n: YAMLMap): Axis | undefined {
  const from = quantity(src, n.get('from', true) as Node, `${name}: from`);
  const to = quantity(src, n.get('to', true) as Node, `${name}: to`);
  if (!from || !to) return undefined;
  const unit = sameUnit(src, n, name, from.unit, to);
  if (unit === null) return undefined;
  const step = n.has('step') ? quantity(src, n.get('step', true) as Node, `${name}: step`) : undefined;
  const times = n.has('times') ? scalarValue(n.get('times', true)) : undefined;
  if ((step === undefined) === (times === undefined)) {
    src.fail(n, `parameter ${name}: a range needs exactly one of step (arithmetic) or times (geometric)`);
    return undefined;
  }
  if (from.value > to.value) {
    src.fail(n, `parameter ${name}: from ${from.value} is above to ${to.value}, so the range is empty`, 'swap them');
    return undefined;
  }
  if (step !== undefined && !(step.value > 0)) return void src.fail(n.get('step', true) as Node, `parameter ${name}: step must be positive`);
  if (times !== undefined && !(typeof times === 'number' && times > 1)) return void src.fail(n.get('times', true) as Node, `parameter ${name}: times must be a number above 1`);
  const values: ParamValue[] = [];
  for (let k = 0; values.length <= 100000; k++) {
    const v = step !== undefined ? from.value + k * step.value : from.value * (times as number) ** k;
    if (v > to.value * (1 + 1e-12)) break;
    const r = Number(v.toPrecision(12));
    values.push(unit ? `${r} ${unit}` : r);
  }
  return { kind: 'grid', name, values };
}

function sameUnit(src: YamlSource, n: YAMLMap, name: string, unit: string | undefined, other: { unit?: string }): string | undefined | null {
  if (unit !== other.unit) {
    src.fail(n, `parameter ${name}: both ends must be written in the same unit (${unit ?? 'none'} and ${other.unit ?? 'none'})`);
    return null;
  }
  return unit;
}

function readSampled(src: YamlSource, name: string, n: YAMLMap): Axis | undefined {
  const min = quantity(src, n.get('min', true) as Node, `${name}: min`);
  const max = quantity(src, n.get('max', true) as Node, `${name}: max`);
  if (!min || !max) return undefined;
  const unit = sameUnit(src, n, name, min.unit, max);
  if (unit === null) return undefined;
  const scale = scalarValue(n.get('scale', true)) ?? 'linear';
  if (scale !== 'linear' && scale !== 'log') return void src.fail(n.get('scale', true) as Node, `parameter ${name}: scale must be linear or log`);
  if (min.value > max.value) return void src.fail(n, `parameter ${name}: min ${min.value} is above max ${max.value}`, 'swap them');
  if (scale === 'log' && !(min.value > 0)) return void src.fail(n, `parameter ${name}: a log scale needs min above 0`);
  const integer = scalarValue(n.get('integer', true)) === true;
  return { kind: 'sampled', name, min: min.value, max: max.value, scale, integer, ...(unit ? { unit } : {}) };
}

function checkParamNames(src: YamlSource, pair: Pair | undefined, targets: TargetRef[], valid: string[]): void {
  if (!pair || !yamlIs.map(pair.value)) return;
  for (const p of pair.value.items) checkName(src, p.key as Node, String(scalarValue(p.key)), targets, valid);
}

function checkName(src: YamlSource, at: Node, name: string, targets: TargetRef[], valid: string[]): void {
  if (!targets.length || valid.includes(name)) return;
  const lacking = targets.filter((t) => !t.paramNames.includes(name)).map((t) => t.id);
  src.fail(at, `unknown parameter '${name}': ${lacking.length === targets.length ? 'no target declares it' : `target ${lacking.join(', ')} does not declare it`}`, `the parameters every target declares are ${valid.join(', ') || '(none)'}`);
}

function readPoints(src: YamlSource, pair: Pair | undefined, targets: TargetRef[], valid: string[]): Params[] {
  const out: Params[] = [];
  for (const n of seqItems(src, pair, 'points', false)) {
    if (!yamlIs.map(n)) {
      src.fail(n, 'a point is a mapping name: value');
      continue;
    }
    for (const p of n.items) checkName(src, p.key as Node, String(scalarValue(p.key)), targets, valid);
    out.push(readParamMap(src, n));
  }
  return out;
}

function readSample(src: YamlSource, pair: Pair | undefined, axes: Axis[]): SweepSpec['sample'] {
  const sampled = axes.filter((a) => a.kind === 'sampled');
  if (!pair) {
    if (sampled.length) src.fail(null, `parameters ${sampled.map((a) => a.name).join(', ')} are ranges to sample ({min, max}) but the spec has no sample`, 'add sample: {method: lhs, count: 50, seed: 1}');
    return undefined;
  }
  const n = pair.value as Node;
  if (!yamlIs.map(n)) return void src.fail(n, 'sample must be {method: random|lhs, count: N, seed: S}');
  if (!sampled.length) src.fail(n, 'sample is given but no parameter is a range to sample', 'write a sampled axis as name: {min: 1, max: 8, scale: linear|log}');
  const method = scalarValue(n.get('method', true)) ?? 'random';
  if (method !== 'random' && method !== 'lhs') src.fail(n.get('method', true) as Node, `sample method must be random or lhs (Latin hypercube), got ${String(method)}`);
  const count = readInt(src, n.get('count', true) as Node | undefined, 1, 'sample count');
  if (!n.has('count')) src.fail(n, 'sample needs a count');
  const seed = readInt(src, n.get('seed', true) as Node | undefined, 0, 'sample seed') ?? 1;
  return { method: method as SampleMethod, count: count ?? 1, seed };
}

function readConstraints(src: YamlSource, pair: Pair | undefined, names: string[]): string[] {
  const out: string[] = [];
  for (const n of seqItems(src, pair, 'constraints', false)) {
    const text = scalarValue(n);
    if (typeof text !== 'string') {
      src.fail(n, 'a constraint is an expression in quotes, e.g. "rows * cols <= 4096"');
      continue;
    }
    try {
      compileConstraint(text, names);
      out.push(text);
    } catch (e) {
      if (!(e instanceof ExprError)) throw e;
      src.failInside(n, e.offset, e.length, `constraint "${text}": ${e.message}`);
    }
  }
  return out;
}

function readEnumList<T extends string>(src: YamlSource, pair: Pair | undefined, allowed: readonly T[], fallback: T): T[] {
  if (!pair) return [fallback];
  const items = seqItems(src, pair, String(scalarValue(pair.key)), true);
  const out: T[] = [];
  for (const n of items) {
    const v = scalarValue(n);
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) out.push(v as T);
    else src.fail(n, `${String(scalarValue(pair.key))}: expected one of ${allowed.join(', ')}, got ${String(v)}`);
  }
  return out.length ? out : [fallback];
}

/** A path as the spec wrote it, relative to the spec's folder (for ids in the database). */
export function specRelative(spec: SweepSpec, p: string): string {
  return relative(dirname(spec.file), p);
}

export type { Fidelity };
