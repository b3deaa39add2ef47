// The FlightLLM-style overlay as a target's .arch describes it: the matrix engine's two modes (attrs mm_n/k/m
// and mv_n/k/m of the `dsp` compute unit), the engines working side by side (`attr cores`, one per SLR), and
// HBM as pseudo-channels with FlightLLM's efficiencies (attrs pseudo_channels, efficiency_in_channel,
// efficiency_cross_channel of the `hbm` memory). Both `tessera repro flightllm` and the `fpga`
// cycle engine read the hardware through this one function.
import type { TargetSpec } from '../../targets/spec/types';
import type { EngineMode, HbmConfig } from './overlay';

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
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The overlay of a spec, or why the spec describes none (the attribute that is missing). */
export function overlayHardware(spec: TargetSpec): OverlayHardware | string {
  const u = spec.computes.find((c) => c.kind === 'dsp');
  if (!u) return 'it needs a compute unit of kind dsp (the overlay\'s matrix engine)';
  const a = u.attrs;
  const mode = (p: string): EngineMode | string => {
    const [n, k, m] = ['n', 'k', 'm'].map((x) => num(a[`${p}_${x}`]));
    return n && k && m ? { n, k, m } : `compute unit ${u.name} needs attr ${p}_n, ${p}_k and ${p}_m (the overlay's ${p === 'mm' ? 'matrix-matrix' : 'matrix-vector'} mode)`;
  };
  const mm = mode('mm');
  const mv = mode('mv');
  if (typeof mm === 'string') return mm;
  if (typeof mv === 'string') return mv;
  const h = spec.memories.find((m) => m.kind === 'hbm');
  if (!h) return 'it needs an hbm memory (the overlay streams weights from HBM pseudo-channels)';
  const channels = num(h.attrs.pseudo_channels);
  const inCh = num(h.attrs.efficiency_in_channel);
  const cross = num(h.attrs.efficiency_cross_channel);
  if (!channels || !inCh || !cross || !h.bandwidthBytesPerSecond) return `memory ${h.name} needs a bandwidth and attr pseudo_channels, efficiency_in_channel and efficiency_cross_channel`;
  const always = spec.attrs.always_on_chip;
  return {
    clockHz: spec.clockHz,
    cores: num(spec.attrs.cores) ?? 1,
    unit: u.name,
    unitPes: (u.lanes ?? 1) * (u.count ?? 1),
    mm,
    mv,
    sparseM: num(a.sparse_nm_m) ?? 16,
    hbmName: h.name,
    hbm: { channels, channelBytesPerSecond: h.bandwidthBytesPerSecond / channels, efficiencyInChannel: inCh, efficiencyCrossChannel: cross },
    alwaysOnChip: always === undefined ? true : always === true || always === 'true',
  };
}
