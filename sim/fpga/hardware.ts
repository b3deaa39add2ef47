// The FlightLLM-style overlay as a target's .arch describes it: the matrix engine's two modes (attrs mm_n/k/m
// and mv_n/k/m of the `dsp` compute unit), the engines working side by side (`attr cores`, one per SLR), and
// HBM as pseudo-channels with FlightLLM's efficiencies (attrs pseudo_channels, efficiency_in_channel,
// efficiency_cross_channel of the `hbm` memory). Both `tessera repro flightllm` and the `fpga`
// cycle engine read the hardware through this one function.
import { DiagnosticError, error } from '../../compiler/ir/diagnostic';
import type { TargetSpec } from '../../targets/spec/types';
import type { EngineMode, HbmConfig } from './overlay';
import { SFU_OPS, type SfuOp } from './sfu';

/** The special-function / vector unit: a compute unit with `attr sfu = true` (sim/fpga/sfu.ts). */
export interface SfuHardware {
  name: string;
  /** lanes x count (every core's SFU) */
  lanes: number;
  /** the operator kinds it executes (its `ops`, sub as add, min as max) and their pipeline depths (attr depth_<op>) */
  ops: SfuOp[];
  depth: Record<SfuOp, number>;
}

export interface OverlayHardware {
  clockHz: number;
  cores: number;
  /** the matrix engine's unit name, its PE count (lanes x count), matrix-matrix and matrix-vector modes */
  unit: string;
  unitPes: number;
  mm: EngineMode;
  mv: EngineMode;
  /** the N:M pattern's M the sparse chain selects within */
  sparseM: number;
  hbmName: string;
  hbm: HbmConfig;
  /** always-on-chip decode (`attr always_on_chip`, default true): activations stay on chip and each op's transfer overlaps its compute */
  alwaysOnChip: boolean;
  /** the matrix engine dequantises low-bit weights in its datapath (`attr dequant_unit = true` on the dsp unit, FlightLLM) */
  dequantUnit: boolean;
  /** absent when no unit states `attr sfu = true`: the ops that are not GEMMs then keep the mapper's analytic cost */
  sfu?: SfuHardware;
}

const SFU_ALIASES: Record<string, SfuOp> = { mul: 'mul', add: 'add', sub: 'add', max: 'max', min: 'max', div: 'div', divide: 'div', exp: 'exp' };

/** The SFU a spec describes: lanes, operator kinds and each kind's depth (required, a nonnegative integer). */
function sfuHardware(spec: TargetSpec): SfuHardware | undefined {
  const u = spec.computes.find((c) => c.attrs.sfu === true);
  if (!u) return undefined;
  const lanes = count(u.name, 'lanes', u.lanes);
  if (!lanes) throw new DiagnosticError([error('bad-attr', `${u.name}: the SFU (attr sfu = true) needs lanes`)]);
  const ops = [...new Set(u.ops.map((o) => SFU_ALIASES[o]).filter((o): o is SfuOp => o !== undefined))];
  const depth = Object.fromEntries(SFU_OPS.map((o) => [o, 0])) as Record<SfuOp, number>;
  for (const o of ops) {
    const v = u.attrs[`depth_${o}`];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new DiagnosticError([error('bad-attr', `${u.name}: attr depth_${o} = ${String(v)} must be a nonnegative integer (the pipeline depth of its ${o} operator, cycles)`)]);
    depth[o] = v;
  }
  parallelKAgrees(u.name, lanes, u.attrs);
  return { name: u.name, lanes: lanes * (count(u.name, 'count', u.count) ?? 1), ops, depth };
}

/**
 * FlightLLM's artifact gives each misc unit a rate of its own (SOFTMAX/LAYERNORM/ELTWISE/SILU_PARALLEL_K elements a
 * cycle); the SFU model has one rate, its lanes, for every op. A stated `attr <kind>_parallel_k` that differs from
 * the lanes would be silently ignored, so it is refused.
 */
function parallelKAgrees(owner: string, lanes: number, attrs: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (!k.endsWith('_parallel_k')) continue;
    if (count(owner, k, v) !== lanes) throw new DiagnosticError([error('bad-attr', `${owner}: attr ${k} = ${String(v)} differs from its lanes = ${lanes}: the SFU model runs every op at one rate, lanes elements a cycle a core, so an SFU of other lanes states each *_parallel_k equal to them`)]);
  }
}


/** An efficiency: present, it must be in (0, 1]. */
function fraction(owner: string, name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number' && v > 0 && v <= 1) return v;
  throw new DiagnosticError([error('bad-attr', `${owner}: attr ${name} = ${String(v)} must be a number in (0, 1]`)]);
}

/**
 * An attribute the model needs: an integer of at least `min`; missing (`why` says what reads it) or out of range,
 * the .arch author's error, never a silent default.
 */
export function requiredInt(owner: string, attrs: Record<string, unknown>, k: string, min: number, why: string): number {
  const v = attrs[k];
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min) return v;
  const need = min === 1 ? 'a positive integer' : `an integer of at least ${min}`;
  throw new DiagnosticError([error('bad-attr', `${owner}: attr ${k} ${v === undefined ? `is missing (${why})` : `= ${String(v)} must be ${need}`}`)]);
}

/** An attribute that is present but not a positive integer is the .arch author's error, never a silent default. */
function count(owner: string, name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v;
  throw new DiagnosticError([error('bad-attr', `${owner}: attr ${name} = ${String(v)} must be a positive integer`)]);
}

/** The overlay of a spec, or why the spec describes none (the attribute that is missing). */
export function overlayHardware(spec: TargetSpec): OverlayHardware | string {
  const u = spec.computes.find((c) => c.kind === 'dsp');
  const sfu = sfuHardware(spec);
  if (!u) return 'it needs a compute unit of kind dsp (the overlay\'s matrix engine)';
  const a = u.attrs;
  const mode = (p: string): EngineMode | string => {
    const [n, k, m] = ['n', 'k', 'm'].map((x) => count(u.name, `${p}_${x}`, a[`${p}_${x}`]));
    return n && k && m ? { n, k, m } : `compute unit ${u.name} needs attr ${p}_n, ${p}_k and ${p}_m (the overlay's ${p === 'mm' ? 'matrix-matrix' : 'matrix-vector'} mode)`;
  };
  const mm = mode('mm');
  const mv = mode('mv');
  if (typeof mm === 'string') return mm;
  if (typeof mv === 'string') return mv;
  const h = spec.memories.find((m) => m.kind === 'hbm');
  if (!h) return 'it needs an hbm memory (the overlay streams weights from HBM pseudo-channels)';
  const channels = count(h.name, 'pseudo_channels', h.attrs.pseudo_channels);
  const inCh = fraction(h.name, 'efficiency_in_channel', h.attrs.efficiency_in_channel);
  const cross = fraction(h.name, 'efficiency_cross_channel', h.attrs.efficiency_cross_channel);
  if (!channels || !inCh || !cross || !h.bandwidthBytesPerSecond) return `memory ${h.name} needs a bandwidth and attr pseudo_channels, efficiency_in_channel and efficiency_cross_channel`;
  const always = spec.attrs.always_on_chip;
  if (always !== undefined && typeof always !== 'boolean') throw new DiagnosticError([error('bad-attr', `${spec.name}: attr always_on_chip = ${String(always)} must be true or false`)]);
  return {
    clockHz: spec.clockHz,
    cores: count(spec.name, 'cores', spec.attrs.cores) ?? 1,
    unit: u.name,
    unitPes: (u.lanes ?? 1) * (u.count ?? 1),
    mm,
    mv,
    sparseM: count(u.name, 'sparse_nm_m', a.sparse_nm_m) ?? 16,
    hbmName: h.name,
    hbm: { channels, channelBytesPerSecond: h.bandwidthBytesPerSecond / channels, efficiencyInChannel: inCh, efficiencyCrossChannel: cross },
    alwaysOnChip: always !== false,
    dequantUnit: a.dequant_unit === true,
    ...(sfu ? { sfu } : {}),
  };
}
