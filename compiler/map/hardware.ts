// Flattens a TargetSpec into the plain numbers the analytical model needs, once per target, so the
// search loop never looks anything up by name. Every number comes from the .arch file; attributes
// the model reads are listed in docs/MAPPER.md ("What the mapper reads from a .arch file").
import type { ComputeSpec, MemorySpec, TargetSpec } from '../../targets/spec/types';

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
}

export interface LevelModel {
  name: string;
  kind: MemorySpec['kind'];
  onChip: boolean;
  capacityBytes: number; // Infinity off chip
  bytesPerCycle: number; // Infinity when the .arch gives no bandwidth (then it is never the bound)
  readPjPerByte: number;
  writePjPerByte: number;
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
  for (const o of ops) for (const x of OP_ALIASES[o] ?? []) native[OP_INDEX[x]] = true;
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
  };
}

export function hwModel(spec: TargetSpec): HwModel {
  const warnings: string[] = [];
  const offChip = new Set(['hbm', 'dram', 'ddr', 'flash']);
  const levels: LevelModel[] = spec.memories
    .filter((m) => m.kind !== 'regfile')
    .map((m) => {
      // only a stated bandwidth bounds a level: `width` sizes an access (for energy), not a port count
      const bw = m.bandwidthBytesPerSecond !== undefined ? m.bandwidthBytesPerSecond / spec.clockHz : undefined;
      const eff = attrNum(m.attrs, 'efficiency') ?? 1;
      return {
        name: m.name,
        kind: m.kind,
        onChip: !offChip.has(m.kind),
        capacityBytes: offChip.has(m.kind) ? Infinity : (m.capacityBytes ?? Infinity),
        bytesPerCycle: bw === undefined ? Infinity : bw * eff,
        readPjPerByte: m.readEnergyPjPerByte ?? 0,
        writePjPerByte: m.writeEnergyPjPerByte ?? m.readEnergyPjPerByte ?? 0,
      };
    });
  // outermost first: off-chip levels before on-chip ones, keeping the written order within each
  levels.sort((a, b) => Number(a.onChip) - Number(b.onChip));
  if (levels.length === 0 || levels[0]!.onChip) {
    levels.unshift({ name: 'DRAM', kind: 'dram', onChip: false, capacityBytes: Infinity, bytesPerCycle: Infinity, readPjPerByte: 0, writePjPerByte: 0 });
    warnings.push(`${spec.name}: no off-chip memory in the .arch file; off-chip traffic is counted but never limits latency`);
  }
  // the global buffer: the largest on-chip SRAM (TPU v1's Unified Buffer, not its FIFOs)
  let glb = -1;
  levels.forEach((l, i) => {
    if (l.onChip && (glb < 0 || l.capacityBytes > levels[glb]!.capacityBytes)) glb = i;
  });
  const units = spec.computes.map((c) => unitModel(c, spec)).filter((u): u is UnitModel => u !== null);
  units.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === '2d' ? -1 : 1));
  if (units.length === 0) throw new Error(`target ${spec.name} has no compute unit the analytical model can use`);
  let dram = 0;
  levels.forEach((l, i) => {
    if (!l.onChip) dram = i;
  });
  if (glb < 0) {
    levels.push({ name: 'GLB', kind: 'sram', onChip: true, capacityBytes: Infinity, bytesPerCycle: Infinity, readPjPerByte: 0, writePjPerByte: 0 });
    glb = levels.length - 1;
    warnings.push(`${spec.name}: no on-chip buffer in the .arch file; tiles are unbounded`);
  }
  const holds = spec.memories.find((m) => m.name === levels[dram]!.name)?.attrs['holds'];
  const activationsOnChip = Array.isArray(holds) && !holds.includes('activations');
  return { target: spec.name, clockHz: spec.clockHz, levels, units, glb, dram, activationsOnChip, warnings };
}
