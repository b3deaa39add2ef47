// `tessera repro flightllm`'s resource table: the URAM and block RAM that FlightLLM's on-chip buffers need
// (the buffers of FlightLLM's artifact config, as targets/u280/u280.arch and vhk158.arch copy them; one set a
// core, `attr cores` cores), counted by sim/fpga/resources.ts and set beside the paper's Table 3 (U280). The
// paper's figures are whole-device utilisation (percentages of the device totals), so ours add the platform
// shell's fixed share. LUT and FF are derived component by component (sim/fpga/logic.ts: UG574/UG579 unit
// costs and the ASSUMPTIONS u280.arch states), then set beside the paper, never fitted to it.
import { loadBuiltinTarget } from '../../../targets/spec';
import { UserError } from '../user-error';
import { overlayHardware } from '../../../sim/fpga/hardware';
import { overlayBuffers } from '../../../sim/fpga/buffers';
import { bram36, bufferBlocks, checkFit, dspSlices, fpgaDevice, uram, type DesignDesc } from '../../../sim/fpga/resources';
import type { TargetSpec } from '../../../targets/spec/types';
import { overlayLogic, type LogicPart } from '../../../sim/fpga/logic';

export interface BufferRow {
  name: string;
  banksPerCore: number;
  widthBits: number;
  depth: number;
  ram: 'URAM' | 'BRAM36';
  blocksPerBank: number;
  total: number;
}

export interface ResourceRow {
  resource: 'uram' | 'bram36' | 'lut' | 'ff';
  /** the overlay's own share; null where not derived */
  overlay: number | null;
  shell: number;
  /** overlay + shell; null where not derived */
  total: number | null;
  device: number;
  paper: number;
  relError: number | null;
}

/** Parts of the overlay whose LUTs and FFs are not counted: no sourced per-unit cost. */
export const LOGIC_NOT_COUNTED = ['the overlay\'s HBM AXI masters (the HBM controllers and their AXI switch are hardened, PG276)', 'the instruction scheduler and decoder', 'the output quantisation unit', 'routing-driven pipeline registers (e.g. SLR crossings)'];

export interface FlightllmResources {
  u280: { cores: number; buffers: BufferRow[]; rows: ResourceRow[]; logic: LogicPart[]; logicNotCounted: string[]; notes: string[] };
  /** the VHK158's use against the XCVH1582's totals (targets/vhk158/vhk158.arch, a secondary source) and the fit check's verdict */
  vhk158: { cores: number; macsPerCore: number; buffers: BufferRow[]; uram: number; bram36: number; dsp58: number; totals: { uram: number; bram36: number; dsp58: number }; fits: boolean; verdict: string; note: string };
}

function hardware(target: string) {
  const h = overlayHardware(loadBuiltinTarget(target));
  if (typeof h === 'string') throw new Error(`internal: built-in target ${target}: ${h}`);
  return h;
}

/** The overlay as the fit check sees it: `cores` matrix engines of `macs` INT8 MACs, as many sets of buffers. */
function overlayDesign(spec: TargetSpec, cores: number, macs: number, longestReduction: number): DesignDesc {
  return {
    engines: Array.from({ length: cores }, (_, i) => ({ name: `MPE${i}`, macs, weight: 'int8', activation: 'int8', dotLength: longestReduction, impl: 'dsp' as const })),
    buffers: overlayBuffers(spec).map((b) => ({ ...b, banks: b.banks * cores })),
    tensors: [],
  };
}

/** Each buffer of one core, in the RAM the .arch's rule assigns it, times `n` cores. */
function bufferRows(target: string, n: number): BufferRow[] {
  const buffers = overlayBuffers(loadBuiltinTarget(target));
  // no buffers would print 0 URAM, a number meaning "unknown": never silently
  if (buffers.length === 0) throw new Error(`internal: built-in target ${target} states no overlay buffers (attr <name>_buffer_depth on its dsp unit)`);
  return buffers.map((b) => {
    const blocksPerBank = b.kind === 'uram' ? uram(b.widthBits, b.depth) : bram36(b.widthBits, b.depth);
    const all = bufferBlocks({ ...b, banks: b.banks * n });
    return { name: b.name, banksPerCore: b.banks, widthBits: b.widthBits, depth: b.depth, ram: b.kind === 'uram' ? 'URAM' : 'BRAM36', blocksPerBank, total: all.uram + all.bram36 };
  });
}

const sum = (rows: BufferRow[], ram: BufferRow['ram']) => rows.filter((r) => r.ram === ram).reduce((s, r) => s + r.total, 0);

/** The VHK158 overlay (n matrix engines, n sets of buffers) through the fit check against the XCVH1582's totals. */
export function vhk158Fit(n: number, longestReduction: number): { totals: FlightllmResources['vhk158']['totals']; fits: boolean; verdict: string } {
  const spec = loadBuiltinTarget('vhk158');
  const dev = fpgaDevice(spec);
  const totals = { uram: dev.totals.uram, bram36: dev.totals.bram36, dsp58: dev.totals.dsp };
  try {
    checkFit(dev, overlayDesign(spec, n, hardware('vhk158').unitPes, longestReduction));
    return { totals, fits: true, verdict: 'fits' };
  } catch (e) {
    if (e instanceof UserError) return { totals, fits: false, verdict: e.message };
    throw e;
  }
}

/** LUT and FF of the parts named `which` (by name prefix), summed. */
const logicOf = (parts: LogicPart[], which: (name: string) => boolean) => parts.filter((p) => which(p.name)).reduce((s, p) => ({ lut: s.lut + p.lut, ff: s.ff + p.ff }), { lut: 0, ff: 0 });

/** Where the derived LUT and FF stand against the paper's, component by component (numbers from the parts). */
function logicNotes(parts: LogicPart[], lut: ResourceRow, ff: ResourceRow, device: { lut: number }, spareDsp: number): string[] {
  const sfu = parts.find((p) => p.name === 'SFU lane')!;
  const chain = parts.find((p) => p.name === 'chain input register')!;
  const mpe = logicOf(parts, (n) => n === 'sparse selection' || n === 'dequantisation');
  const mpeTotal = mpe.lut + lut.shell;
  const sign = (x: number) => `${x > 0 ? '+' : ''}${pct(x)}`;
  return [
    `LUT ${sign(lut.relError!)}: the SFU's ${sfu.instances} fp16 lanes are ${num(sfu.lut)} (${num(sfu.each.lut)} a lane: ${sfu.basis}; fabric multiply-adds at the exact-accumulator formula, an upper bound for an fp16 unit that rounds, and DSP multipliers would take most of it: the paper's ${num(spareDsp)} DSP48E2 beyond our matrix engines are ${(spareDsp / sfu.instances).toFixed(1)} a lane); the matrix engine's sparse selection and dequantisation plus the shell alone are ${num(mpeTotal)} (${pct(mpeTotal / device.lut)}, ${sign(mpeTotal / lut.paper - 1)} from the paper's)`,
    `FF ${sign(ff.relError!)}: ${num(chain.ff)} are the chains' candidate registers (ASSUMPTION: one stage of ${num(chain.each.ff)} bits a chain, sized for the smallest N = 2), ${num(sfu.ff)} the SFU's`,
    `LUT, FF not counted (no sourced per-unit cost): ${LOGIC_NOT_COUNTED.join(', ')}`,
  ];
}

export function flightllmResources(paper: Record<string, number>, longestReduction: number, sfuReduction: number): FlightllmResources {
  const spec = loadBuiltinTarget('u280');
  const dev = fpgaDevice(spec);
  const h = hardware('u280');
  const n = h.cores;
  const logic = overlayLogic(spec, sfuReduction);
  // the whole overlay through the fit check: the matrix engines, their buffers and the fabric logic
  const fit = checkFit(dev, { ...overlayDesign(spec, n, h.unitPes, longestReduction), fabric: logic.map((p) => ({ name: p.name, lut: p.lut, ff: p.ff })) });
  const row = (resource: ResourceRow['resource'], overlay: number | null): ResourceRow => {
    const total = overlay === null ? null : overlay + dev.shell[resource];
    return { resource, overlay, shell: dev.shell[resource], total, device: dev.totals[resource], paper: paper[resource]!, relError: total === null ? null : total / paper[resource]! - 1 };
  };
  const buffers = bufferRows('u280', n);
  const bram = row('bram36', fit.used.bram36);
  const lut = row('lut', fit.used.lut);
  const ff = row('ff', fit.used.ff);
  const vh = hardware('vhk158');
  const nv = vh.cores;
  const vb = bufferRows('vhk158', nv);
  return {
    u280: {
      cores: n,
      buffers,
      rows: [row('uram', fit.used.uram), bram, lut, ff],
      logic,
      logicNotCounted: LOGIC_NOT_COUNTED,
      notes: [
        'which buffers are in URAM is an ASSUMPTION (the artifact does not say): a bank at least 4096 deep (a URAM288\'s depth) in URAM, a shallower one in BRAM',
        `BRAM36 ${num(paper.bram36! - bram.total!)} below the paper: block RAM in parts the artifact does not describe (instruction and HBM FIFOs, the AXI interconnect of the HBM ports, the SFU and dequantisation unit)`,
        'the shell\'s share is the xdma_201920_3 platform\'s (UG1120); the artifact\'s bitstream was built on xilinx_u280_gen3x16_xdma_1_202211_1, whose share is not among the sources',
        ...logicNotes(logic, lut, ff, dev.totals, paper.dsp! - n * dspSlices(dev.dspKind, h.unitPes, 8, 8)),
      ],
    },
    vhk158: {
      cores: nv,
      macsPerCore: vh.unitPes,
      buffers: vb,
      uram: sum(vb, 'URAM'),
      bram36: sum(vb, 'BRAM36'),
      // the matrix engines: cores x their INT8 MACs, 3 a DSP58 (its INT8 dot-product mode, AM004)
      dsp58: nv * dspSlices('dsp58', vh.unitPes, 8, 8),
      ...vhk158Fit(nv, longestReduction),
      note: 'the XCVH1582\'s totals from a secondary source (Wikipedia\'s Versal table, cross-checked; targets/vhk158/vhk158.arch), no platform shell (ASSUMPTION); LUT, FF not derived (the u280\'s CLB unit costs do not carry over to Versal); the paper gives no VHK158 resource table',
    },
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const num = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 1 });

/** The fabric logic table: each component's instances, its LUT and FF each and in all. */
function formatLogic(parts: LogicPart[]): string[] {
  const line = (c: string[]) => `${c[0]!.padEnd(24)} ${c[1]!.padStart(9)}  ${c[2]!.padStart(8)}  ${c[3]!.padStart(7)}  ${c[4]!.padStart(9)}  ${c[5]!.padStart(9)}`;
  const out = ['U280 fabric logic (sim/fpga/logic.ts: UG574/UG579 unit costs, the ASSUMPTIONS in u280.arch)', line(['component', 'instances', 'LUT each', 'FF each', 'LUT', 'FF'])];
  for (const p of parts) out.push(line([p.name, num(p.instances), num(p.each.lut), num(p.each.ff), num(p.lut), num(p.ff)]));
  const all = logicOf(parts, () => true);
  out.push(line(['overlay', '', '', '', num(all.lut), num(all.ff)]));
  return out;
}

export function formatFlightllmResources(r: FlightllmResources): string[] {
  const u = r.u280;
  const out = [`U280 on-chip RAM (paper's Table 3): the overlay's buffers (FlightLLM artifact config), ${u.cores} cores`, 'buffer  banks/core  bank bit x depth  RAM     blocks/bank  all cores'];
  for (const b of u.buffers) out.push(`${b.name.padEnd(7)} ${String(b.banksPerCore).padStart(10)}  ${`${b.widthBits} x ${b.depth}`.padStart(16)}  ${b.ram.padEnd(6)}  ${num(b.blocksPerBank).padStart(11)}  ${num(b.total).padStart(9)}`);
  const line = (c: string[]) => `${c[0]!.padEnd(8)} ${c[1]!.padStart(11)}  ${c[2]!.padStart(9)}  ${c[3]!.padStart(9)}  ${c[4]!.padStart(9)}  ${c[5]!.padEnd(16)}  ${c[6]!.padStart(10)}`;
  out.push(line(['resource', 'overlay', 'shell', 'total', 'of device', 'paper', 'rel. error']));
  for (const x of u.rows) {
    const ours = x.total === null ? ['not derived', num(x.shell), '-', '-'] : [num(x.overlay!), num(x.shell), num(x.total), pct(x.total / x.device)];
    const err = x.relError === null ? '-' : `${x.relError > 0 ? '+' : ''}${pct(x.relError)}`;
    out.push(line([x.resource.toUpperCase(), ...ours, `${num(x.paper)} (${pct(x.paper / x.device)})`, err]));
  }
  out.push(...formatLogic(u.logic));
  for (const note of u.notes) out.push(`  ${note}`);
  const v = r.vhk158;
  const of = (used: number, total: number) => `${num(used)} of ${num(total)} (${pct(used / total)})`;
  out.push(
    `VHK158 (XCVH1582), ${v.cores} cores: URAM ${of(v.uram, v.totals.uram)}, BRAM36 ${of(v.bram36, v.totals.bram36)} (the same buffers), DSP58 ${of(v.dsp58, v.totals.dsp58)} (matrix engines: ${v.macsPerCore} INT8 MACs a core, 3 a DSP58); fit check: ${v.verdict}`,
    `  ${v.note}`,
  );
  return out;
}
