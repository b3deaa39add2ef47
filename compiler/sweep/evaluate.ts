// One design point through the one pipeline (compiler/driver/pipeline.ts `runPipeline`): load the
// workload (cached per worker), load the target with the point's --param values, map, simulate, and
// turn the Result into a database row. A failure is a row too: 'does-not-fit' when the tier schedule
// cannot place the cascade, 'error' with the message otherwise; it never stops the sweep.
import { readFileSync } from 'node:fs';
import type { Cascade } from '../ir';
import { DiagnosticError } from '../ir/diagnostic';
import { loadCascadeFile } from '../lang';
import { runPipeline } from '../driver/pipeline';
import { lowerFromCli } from '../driver/commands/lower';
import { UserError } from '../driver/user-error';
import { loadTarget } from '../../targets/registry';
import type { TargetSpec } from '../../targets/spec';
import type { Target } from '../../targets/target';
import type { Result } from '../../sim/core/result';
import { designKey } from './space';
import type { Point, Row, WorkloadRef } from './types';

/** How each kind of workload becomes a cascade; the ONNX importer registers itself (import/onnx.ts). */
export const workloadLoaders: Record<WorkloadRef['kind'], (w: WorkloadRef) => Cascade | Promise<Cascade>> = {
  ein: (w) => loadCascadeFile(w.path),
  model: (w) => {
    if (w.kind !== 'model') throw new Error('internal: not a model workload');
    return lowerFromCli({ model: w.path, phase: w.phase, batch: String(w.batch), passes: '3', ...(w.seq !== undefined ? { seq: String(w.seq) } : {}), ...(w.kv !== undefined ? { kv: String(w.kv) } : {}), ...(w.layers !== undefined ? { layers: String(w.layers) } : {}) });
  },
  onnx: async (w) => (await import('../import/onnx')).importOnnxFile(w.path).cascade,
};

const cascades = new Map<string, Promise<Cascade>>();

export function loadWorkload(w: WorkloadRef): Promise<Cascade> {
  let c = cascades.get(w.id);
  if (!c) {
    c = Promise.resolve().then(() => workloadLoaders[w.kind](w));
    cascades.set(w.id, c);
  }
  return c;
}

/** A message for the row: the diagnostics' text, or the error's message. */
function messageOf(e: unknown): string {
  if (e instanceof DiagnosticError) return e.diagnostics.map((d) => `${d.file ? `${d.file}${d.loc ? `:${d.loc.line}:${d.loc.col}` : ''}: ` : ''}${d.message}`).join('; ');
  return e instanceof Error ? e.message : String(e);
}

/** Facts of the design itself (from its spec): PEs, on-chip bytes, and an area only if the .arch states one. */
export function designFacts(spec: TargetSpec): Pick<Row, 'pe_count' | 'onchip_bytes' | 'area_mm2'> {
  let pes = 0;
  for (const c of spec.computes) pes += (c.kind === 'array2d' ? (c.rows ?? 0) * (c.cols ?? 0) : (c.lanes ?? 0)) * (c.count ?? 1);
  let bytes = 0;
  for (const m of spec.memories) if (m.kind === 'sram' || m.kind === 'regfile') bytes += (m.capacityBytes ?? 0) * (m.instances ?? 1);
  const area = spec.attrs.area_mm2;
  return { pe_count: pes, onchip_bytes: bytes, area_mm2: typeof area === 'number' ? area : null };
}

const OFF_CHIP = new Set(['dram', 'hbm', 'ddr', 'flash']);

function metrics(r: Result, spec: TargetSpec): Partial<Row> {
  const offchip = spec.memories.filter((m) => OFF_CHIP.has(m.kind)).reduce((s, m) => s + (r.traffic[m.name] ? r.traffic[m.name]!.readBytes + r.traffic[m.name]!.writeBytes : 0), 0);
  const utils = Object.values(r.utilization);
  return {
    latency_cycles: r.latencyCycles,
    latency_seconds: r.latencySeconds,
    energy_pj: r.energyPj,
    utilization: utils.length ? Math.max(...utils) : null,
    offchip_bytes: offchip,
    utilization_json: JSON.stringify(r.utilization),
    traffic_json: JSON.stringify(r.traffic),
  };
}

// The target of the design a worker is on: its points arrive together, so one entry is enough.
let lastDesign: { key: string; target: Target } | undefined;

// Each .arch file's text, read once per worker (a worker lives for one sweep): every design starts from the same file, and
// reading it again for each design (and hashing the fresh text for the parse memo) was 3-4% of a point's time.
const archTexts = new Map<string, string>();
function readOnce(path: string): string {
  let text = archTexts.get(path);
  if (text === undefined) archTexts.set(path, (text = readFileSync(path, 'utf8')));
  return text;
}

function targetOf(p: Point): Target {
  const key = designKey(p);
  if (lastDesign?.key !== key) lastDesign = { key, target: loadTarget(p.target.ref, p.params, readOnce) };
  return lastDesign.target;
}

const EMPTY = { message: null, latency_cycles: null, latency_seconds: null, energy_pj: null, area_mm2: null, pe_count: null, onchip_bytes: null, utilization: null, offchip_bytes: null, utilization_json: null, traffic_json: null };

export async function evaluatePoint(p: Point): Promise<Row> {
  const t0 = performance.now();
  const row: Row = { key: p.key, idx: p.idx, target: p.target.id, workload: p.workload.id, fidelity: p.fidelity, params: JSON.stringify(p.params), status: 'ok', ...EMPTY, eval_ms: 0 };
  try {
    const c = await loadWorkload(p.workload);
    const target = targetOf(p);
    Object.assign(row, designFacts(target.spec));
    const placement = p.schedule === 'none' ? undefined : { kind: p.schedule };
    const r = await runPipeline(c, { target, fidelity: p.fidelity, objective: p.objective, seed: p.seed, ...(placement ? { placement } : {}) });
    Object.assign(row, metrics(r, target.spec));
  } catch (e) {
    const msg = messageOf(e);
    row.status = e instanceof UserError && /does not fit/.test(msg) ? 'does-not-fit' : 'error';
    row.message = msg;
  }
  row.eval_ms = Math.round((performance.now() - t0) * 1000) / 1000;
  return row;
}
