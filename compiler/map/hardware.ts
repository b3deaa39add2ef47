// Flattens a TargetSpec into the plain numbers the analytical model needs, once per target, so the
// search loop never looks anything up by name. Every number comes from the .arch file; attributes
// the model reads are listed in docs/MAPPER.md ("What the mapper reads from a .arch file").
import type { ComputeSpec, MemorySpec, TargetSpec } from '../../targets/spec/types';
import { unitPairs } from '../quant/native';

/** Ops a point of an einsum can need; `mac` is a multiply feeding a sum (fused multiply-add). */
export const OPS = ['mac', 'mul', 'add', 'max', 'div', 'exp'] as const;
export type Op = (typeof OPS)[number];
export const OP_INDEX: Record<Op, number> = { mac: 0, mul: 1, add: 2, max: 3, div: 4, exp: 5 };

export interface UnitModel {
  name: string;
  kind: '2d' | '1d';
  /** spatial extents: rows x cols for a 2D array; lanes x count for a 1D array or a set of SMs */
  rows: number;
  cols: number;
  pes: number;
  /** registers (words) per PE; 1-deep registers cannot hold a stationary tile and a partial sum */
  regs: number;
  /** fixed dataflow of a 2D array: os binds two output ranks; ws/is bind a reduced rank to rows */
  dataflow?: 'os' | 'ws' | 'is';
  /** natively supported ops: one FU each, chained as a pipeline (one point per cycle if all native) */
  native: boolean[];
  /** cycles to emulate an op the unit lacks with its MAC (exp: `exp_macs`); 0 = cannot */
  emulateCycles: number[];
  /** energy per op, picojoules, indexed like OPS */
  opEnergyPj: number[];
  /** leakage per PE per cycle (attr leak_energy), picojoules */
  leakPjPerPeCycle: number;
  /** energy of one PE register-file access (attr reg_energy), picojoules; 0 when not stated */
  regPjPerAccess: number;
  /** (weight, activation) dtype pairs it states (attr native) and their MACs per PE per cycle (attr rate_<w>_<a>) */
  rates: { weight: string; act: string; rate: number }[];
}

export interface LevelModel {
  name: string;
  kind: MemorySpec['kind'];
  onChip: boolean;
  /** per instance; Infinity off chip (an off-chip level's size only limits placement: offChipBytes) */
  capacityBytes: number;
  /** per instance; Infinity when the .arch gives no bandwidth (then it is never the bound) */
  bytesPerCycle: number;
  readPjPerByte: number;
  writePjPerByte: number;
  /** identical copies (one shared memory per SM, one PMU per PCU); 1 when not stated */
  instances: number;
  /** access latency in cycles (attr `latency`), paid once per fill path; 0 when not stated */
  latencyCycles: number;
  /** the tensor roles the level may hold (attr holds = [weights]); undefined: any */
  holds?: string[];
  /** off chip: the stated capacity (a tensor placed in an inner off-chip level must fit it) */
  offChipBytes: number;
  /**
   * where the level sits in the tile hierarchy: 'backing' (off chip: tensors live there), 'glb'
   * (the global buffer: the searched tile), 'inner' (an on-chip level below the GLB on the link
   * path to the compute: a tile chosen by rule, per instance), 'aside' (on chip, not on that path:
   * FIFOs, accumulators; not modelled)
   */
  tier: 'backing' | 'glb' | 'inner' | 'aside';
}

export interface HwModel {
  target: string;
  clockHz: number;
  /** outermost first: levels[0] is off-chip backing store; the last on-chip SRAM is the global buffer */
  levels: LevelModel[];
  units: UnitModel[];
  /** index into levels of the global buffer the arrays read from (the innermost SRAM) */
  glb: number;
  /** index of the off-chip level that fills the global buffer (the innermost off-chip level) */
  dram: number;
  /** indices of the off-chip levels, outermost first (each a backing store: tensorPlacement) */
  offChip: number[];
  /** indices of the on-chip levels below the GLB on the link path to the compute, outermost first */
  inner: number[];
  /**
   * The off-chip level holds only weights (attr holds = [weights], TPU v1's DDR3): activations
   * (inputs, intermediates, outputs) live in the global buffer when they fit.
   */
  activationsOnChip: boolean;
  warnings: string[];
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function attrNum(attrs: Record<string, unknown>, ...names: string[]): number | undefined {
  for (const n of names) {
    const v = num(attrs[n]);
    if (v !== undefined) return v;
  }
  return undefined;
}

const OP_ALIASES: Record<string, Op[]> = {
  mac: ['mac', 'mul', 'add'],
  mul: ['mul'],
  add: ['add'],
  sub: ['add'],
  max: ['max'],
  min: ['max'],
  div: ['div'],
  divide: ['div'],
  exp: ['exp'],
};

function unitModel(c: ComputeSpec, spec: TargetSpec): UnitModel | null {
  const count = c.count ?? 1;
  let rows: number;
  let cols: number;
  let kind: '2d' | '1d';
  if (c.kind === 'array2d') {
    if (!c.rows || !c.cols) return null;
    rows = c.rows;
    cols = c.cols * count;
    kind = '2d';
  } else if (c.lanes) {
    // `count` instances of `lanes` (SMs, PCUs, DSP groups): a second spatial dimension to bind
    rows = c.lanes;
    cols = count;
    kind = '1d';
  } else if (c.kind === 'sm' && c.count) {
    // a GPU SM is modelled as a block of MAC lanes (attr macs_per_sm); the GPU engine refines it
    const per = attrNum(c.attrs, 'macs_per_sm', 'lanes_per_sm') ?? 1;
    rows = per;
    cols = c.count;
    kind = '1d';
  } else return null;
  const native = OPS.map(() => false);
  const ops = c.ops.length > 0 ? c.ops : ['mul', 'add'];
  for (const o of ops) for (const x of (Object.hasOwn(OP_ALIASES, o) ? OP_ALIASES[o] : undefined) ?? []) native[OP_INDEX[x]] = true;
  if (native[OP_INDEX.mul] && native[OP_INDEX.add]) native[OP_INDEX.mac] = true;
  const emulateCycles = OPS.map(() => 0);
  const expMacs = attrNum(c.attrs, 'exp_macs', 'exp_cycles') ?? attrNum(spec.attrs, 'exp_macs');
  if (expMacs !== undefined && native[OP_INDEX.mac]) emulateCycles[OP_INDEX.exp] = expMacs;
  const divMacs = attrNum(c.attrs, 'div_macs') ?? attrNum(spec.attrs, 'div_macs');
  if (divMacs !== undefined && native[OP_INDEX.mac]) emulateCycles[OP_INDEX.div] = divMacs;
  // a lone multiplier or adder can stand in for a MAC at two ops per point
  if (!native[OP_INDEX.mac] && (native[OP_INDEX.mul] || native[OP_INDEX.add])) emulateCycles[OP_INDEX.mac] = 2;
  const mac = c.macEnergyPj ?? attrNum(c.attrs, 'mac_energy') ?? 0;
  const opEnergyPj = OPS.map((o) => {
    if (o === 'mac') return mac;
    return attrNum(c.attrs, `${o}_energy`) ?? (o === 'mul' || o === 'exp' || o === 'div' ? mac : mac / 2);
  });
  // emulated exp/div burn one MAC's energy per emulation cycle unless the .arch says otherwise
  if (attrNum(c.attrs, 'exp_energy') === undefined && !native[OP_INDEX.exp] && emulateCycles[OP_INDEX.exp]! > 0) opEnergyPj[OP_INDEX.exp] = mac * emulateCycles[OP_INDEX.exp]!;
  if (attrNum(c.attrs, 'div_energy') === undefined && !native[OP_INDEX.div] && emulateCycles[OP_INDEX.div]! > 0) opEnergyPj[OP_INDEX.div] = mac * emulateCycles[OP_INDEX.div]!;
  return {
    name: c.name,
    kind,
    rows,
    cols,
    pes: rows * cols,
    ...(c.dataflow ? { dataflow: c.dataflow } : {}),
    regs: c.regs ?? Infinity, // unstated: registers never limit the binding
    native,
    emulateCycles,
    opEnergyPj,
    leakPjPerPeCycle: attrNum(c.attrs, 'leak_energy') ?? 0,
    regPjPerAccess: attrNum(c.attrs, 'reg_energy') ?? 0,
    rates: unitRates(c),
  };
}

const OFF_CHIP = new Set(['hbm', 'dram', 'ddr', 'flash']);

function levelModel(m: MemorySpec, spec: TargetSpec): LevelModel {
  // only a stated bandwidth bounds a level: `width` sizes an access (for energy), not a port count
  const bw = m.bandwidthBytesPerSecond !== undefined ? m.bandwidthBytesPerSecond / spec.clockHz : undefined;
  const eff = attrNum(m.attrs, 'efficiency') ?? 1;
  const offChip = OFF_CHIP.has(m.kind);
  const holds = m.attrs['holds'];
  return {
    name: m.name,
    kind: m.kind,
    onChip: !offChip,
    capacityBytes: offChip ? Infinity : (m.capacityBytes ?? Infinity),
    bytesPerCycle: bw === undefined ? Infinity : bw * eff,
    readPjPerByte: m.readEnergyPjPerByte ?? 0,
    writePjPerByte: m.writeEnergyPjPerByte ?? m.readEnergyPjPerByte ?? 0,
    instances: m.instances ?? 1,
    latencyCycles: m.latencyCycles ?? 0,
    ...(Array.isArray(holds) ? { holds: holds.map(String) } : {}),
    offChipBytes: offChip ? (m.capacityBytes ?? Infinity) : 0,
    tier: offChip ? 'backing' : 'aside',
  };
}

/**
 * The on-chip levels below the global buffer: follow the `link` chains from the GLB through on-chip
 * levels (the first one each link names) until a compute unit. H100: L2 -> SMEM -> RF; TPU v1's UB
 * links straight to the MXU, so it has none; Eyeriss's per-PE spads are not tile levels.
 */
function innerChain(spec: TargetSpec, levels: LevelModel[], glb: number, minPes: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>([glb]);
  let cur = levels[glb]!.name;
  for (;;) {
    let next = -1;
    for (const l of spec.links)
      if (l.from === cur)
        for (const to of l.to) {
          const j = levels.findIndex((x) => x.name === to);
          // a register file is a tile level when several PEs share each copy (one per SM); one per
          // PE (Eyeriss's spads) is the PEs' own registers, counted by reg_energy instead
          const shared = j >= 0 && (levels[j]!.kind !== 'regfile' || levels[j]!.instances < minPes);
          if (next < 0 && shared && levels[j]!.onChip && !seen.has(j)) next = j;
        }
    if (next < 0) return out;
    seen.add(next);
    out.push(next);
    cur = levels[next]!.name;
  }
}

export function hwModel(spec: TargetSpec): HwModel {
  const warnings: string[] = [];
  const levels: LevelModel[] = spec.memories.map((m) => levelModel(m, spec));
  // outermost first: off-chip levels before on-chip ones, keeping the written order within each
  levels.sort((a, b) => Number(a.onChip) - Number(b.onChip));
  if (levels.length === 0 || levels[0]!.onChip) {
    levels.unshift({ name: 'DRAM', kind: 'dram', onChip: false, capacityBytes: Infinity, bytesPerCycle: Infinity, readPjPerByte: 0, writePjPerByte: 0, instances: 1, latencyCycles: 0, offChipBytes: Infinity, tier: 'backing' });
    warnings.push(`${spec.name}: no off-chip memory in the .arch file; off-chip traffic is counted but never limits latency`);
  }
  // the global buffer: the largest on-chip SRAM (TPU v1's Unified Buffer, not its FIFOs)
  let glb = -1;
  levels.forEach((l, i) => {
    if (l.onChip && l.kind !== 'regfile' && (glb < 0 || l.capacityBytes > levels[glb]!.capacityBytes)) glb = i;
  });
  const units = spec.computes.map((c) => unitModel(c, spec)).filter((u): u is UnitModel => u !== null);
  units.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === '2d' ? -1 : 1));
  if (units.length === 0) throw new Error(`target ${spec.name} has no compute unit the analytical model can use`);
  const offChip: number[] = [];
  levels.forEach((l, i) => {
    if (!l.onChip) offChip.push(i);
  });
  const dram = offChip[offChip.length - 1]!;
  if (glb < 0) {
    levels.push({ name: 'GLB', kind: 'sram', onChip: true, capacityBytes: Infinity, bytesPerCycle: Infinity, readPjPerByte: 0, writePjPerByte: 0, instances: 1, latencyCycles: 0, offChipBytes: 0, tier: 'glb' });
    glb = levels.length - 1;
    warnings.push(`${spec.name}: no on-chip buffer in the .arch file; tiles are unbounded`);
  }
  levels[glb]!.tier = 'glb';
  const inner = innerChain(spec, levels, glb, Math.min(...units.map((u) => u.pes)));
  for (const i of inner) levels[i]!.tier = 'inner';
  const holds = levels[dram]!.holds;
  const activationsOnChip = holds !== undefined && !holds.includes('activations');
  return { target: spec.name, clockHz: spec.clockHz, levels, units, glb, dram, offChip, inner, activationsOnChip, warnings };
}

/** Whether an off-chip level's `holds` admits a tensor of this role (weights; activations: the rest). */
export function levelHolds(l: LevelModel, role: string): boolean {
  if (!l.holds) return true;
  const cls = role === 'weight' ? 'weights' : 'activations';
  return l.holds.includes(cls) || l.holds.includes(role) || l.holds.includes(`${role}s`);
}

/** A unit's stated (weight, activation) pairs and rates; a malformed list is the spec check's to report (none here). */
function unitRates(c: ComputeSpec): { weight: string; act: string; rate: number }[] {
  const p = unitPairs(c);
  return typeof p === 'string' ? [] : p.map((x) => ({ weight: x.weight, act: x.act, rate: x.rate }));
}
