// One screen for a whole-model run: tokens per second (decode) or time to first token (prefill), latency
// and energy per layer kind, the top einsums, utilisation, and the warnings grouped and counted. The
// layer kind comes from the names compiler/graph/model.ts and blocks.ts give: XT/XW the embedding,
// LOGITS the head, *_AN/*_MN/FN (and their _RS/_SS sums) the norms, GATE/UP/DOWN/ACT/FC the MLP with its
// residual add (OUT), every other einsum of a block (L<n>_...) attention with its residual add (H).
import { einsumOps } from '../analysis/flops';
import { formatEnergy, formatSeconds, type Cascade } from '../ir';
import { hwModel } from '../map';
import type { EinsumResult, Result } from '../../sim/core/result';
import type { TargetSpec } from '../../targets/spec/types';

export const LAYER_KINDS = ['embedding', 'attention', 'mlp', 'norms', 'head', 'other'] as const;
export type LayerKind = (typeof LAYER_KINDS)[number];

/** The layer kind of one einsum of a lowered model, from its name. */
export function layerKind(name: string): LayerKind {
  if (name === 'XT' || name === 'XW') return 'embedding';
  if (name === 'LOGITS') return 'head';
  if (/^FN(_RS|_SS)?$/.test(name)) return 'norms';
  const m = /^L\d+_(.+)$/.exec(name);
  if (!m) return 'other';
  const local = m[1]!.replace(/^E\d+_/, ''); // a mixture-of-experts expert's einsums
  if (/^(AN|MN|LN\d?|NORM)(_RS|_SS)?$/.test(local)) return 'norms';
  if (/^(GATE|UP|DOWN|ACT|FC\d?|MLP\w*|OUT|ROUTE\w*|EXP\w*)$/.test(local)) return 'mlp';
  return 'attention';
}

/** A lowered model: it has the head the lowering writes, and its blocks' einsums. */
export function isLoweredModel(r: Result): boolean {
  return r.einsums.some((e) => e.name === 'LOGITS') && r.einsums.some((e) => /^L\d+_/.test(e.name));
}

export interface KindTotals {
  kind: LayerKind;
  einsums: number;
  latencyCycles: number;
  energyPj: number | null;
}

/** Latency and energy summed per layer kind; energy null when any einsum of the kind has none. */
export function perKind(einsums: readonly EinsumResult[]): KindTotals[] {
  const out = new Map<LayerKind, KindTotals>();
  for (const e of einsums) {
    const k = layerKind(e.name);
    const t = out.get(k) ?? { kind: k, einsums: 0, latencyCycles: 0, energyPj: 0 };
    t.einsums++;
    t.latencyCycles += e.latencyCycles;
    t.energyPj = t.energyPj === null || e.energyPj === null ? null : t.energyPj + e.energyPj;
    out.set(k, t);
  }
  return LAYER_KINDS.filter((k) => out.has(k)).map((k) => out.get(k)!);
}

/**
 * Warnings that say the same thing once, with how many times they occurred (`312 × text`), most frequent
 * first. A warning about one einsum (`NAME: text`) is grouped on its text, and the first einsums it names
 * are listed after it.
 */
export function groupWarnings(warnings: readonly string[], listNames = 3): string[] {
  const groups = new Map<string, { n: number; names: string[] }>();
  for (const w of warnings) {
    const m = /^([A-Za-z_][\w.]*): (.*)$/s.exec(w);
    const text = m ? m[2]! : w;
    const g = groups.get(text) ?? { n: 0, names: [] };
    g.n++;
    if (m) g.names.push(m[1]!);
    groups.set(text, g);
  }
  return [...groups]
    .sort((a, b) => b[1].n - a[1].n)
    .map(([text, g]) => {
      const names = g.names.length ? ` (${g.names.slice(0, listNames).join(', ')}${g.names.length > listNames ? ', ...' : ''})` : '';
      return `${g.n > 1 ? `${g.n} × ` : ''}${text}${names}`;
    });
}

/** What bounds one einsum, and how much of its time the compute units could not have saved. */
export interface EinsumBound {
  /**
   * 'compute', or the memory tier whose bandwidth sets the longest lower bound; 'overhead' when even that
   * bound is under half the einsum's cycles (start-up, fills, launch and access latencies dominate)
   */
  bound: string;
  /** the longest lower bound over the einsum's cycles */
  roofShare: number;
  /** the compute lower bound over the einsum's cycles: 1 when it runs at the unit's peak */
  utilisation: number;
}

/**
 * The roofline bound of each einsum of a Result: a lower bound on its cycles from compute (its MACs, or
 * half its FLOPs where that is more, counted by compiler/analysis, over the PEs of the units it ran on) and one from every
 * memory tier with a bandwidth (its bytes there over the tier's bytes per cycle, all instances); the
 * largest names the bound. An einsum whose FLOPs or unit are unknown (a fused group's name) is left out.
 */
/** Each einsum's index by its name (its output tensor; an init's `T.init`, `T.init2`, ... as einsumName says), in one pass. */
function einsumIndexByName(c: Cascade): Map<string, number> {
  const out = new Map<string, number>();
  const inits = new Map<string, number>();
  c.einsums.forEach((e, i) => {
    if (!e.init) return void out.set(e.output.tensor, i);
    const n = inits.get(e.output.tensor) ?? 0;
    inits.set(e.output.tensor, n + 1);
    out.set(`${e.output.tensor}.init${n === 0 ? '' : n + 1}`, i);
  });
  return out;
}

export function einsumBounds(r: Result, c: Cascade, spec: TargetSpec, batch = 1): Map<string, EinsumBound> {
  const hw = hwModel(spec);
  const pes = new Map(hw.units.map((u) => [u.name, u.pes]));
  // one MAC per PE per cycle, or two FLOPs (an einsum without a product summed: adds, exps, ...); counted
  // for the Result's einsums only (the whole analysis, bytes and liveness included, cost more than the run's summary)
  const index = einsumIndexByName(c);
  const workOf = (name: string): number | undefined => {
    const i = index.get(name);
    if (i === undefined) return undefined;
    const o = einsumOps(c, c.einsums[i]!);
    return Math.max(o.macs, o.flops / 2) * batch;
  };
  const bw = new Map(hw.levels.filter((l) => Number.isFinite(l.bytesPerCycle) && l.bytesPerCycle > 0).map((l) => [l.name, l.bytesPerCycle * l.instances]));
  const out = new Map<string, EinsumBound>();
  for (const e of r.einsums) {
    const f = workOf(e.name);
    // a GPU's einsums name the core kind (tensor-core) of the target's one unit (SM)
    const units = hw.units.length === 1 && !pes.has(e.unit) ? [hw.units[0]!.pes] : e.unit.split('+').map((u) => pes.get(u));
    if (f === undefined || units.some((p) => p === undefined) || !(e.latencyCycles > 0)) continue;
    const compute = f / units.reduce((a: number, p) => a + p!, 0);
    let bound = 'compute';
    let most = compute;
    for (const [tier, t] of Object.entries(e.traffic)) {
      const b = bw.get(tier);
      const cycles = b === undefined ? 0 : (t.readBytes + t.writeBytes) / b;
      if (cycles > most) (most = cycles), (bound = tier);
    }
    const roofShare = Math.min(1, most / e.latencyCycles);
    out.set(e.name, { bound: roofShare < 0.5 ? 'overhead' : bound, roofShare, utilisation: Math.min(1, compute / e.latencyCycles) });
  }
  return out;
}

export interface SummaryOptions {
  /** the cascade's rank sizes: B (batch) and S (tokens per sequence; 1 is a decode step) */
  ranks?: Record<string, number>;
  /** how many einsums to list (default 10) */
  top?: number;
  /** each einsum's bound and utilisation (einsumBounds); the top einsums show them */
  bounds?: Map<string, EinsumBound>;
}

/** The one-screen text of a whole-model run. */
export function formatModelSummary(r: Result, opts: SummaryOptions = {}): string {
  const lines: string[] = [];
  const pct = (x: number, of: number) => (of > 0 ? `${((100 * x) / of).toFixed(1)}%` : '-');
  const energy = (pj: number | null) => (pj === null ? 'energy not modelled' : formatEnergy(pj));
  lines.push(`${r.workload} on ${r.target} (${r.fidelity}): ${r.latencyCycles} cycles = ${formatSeconds(r.latencySeconds)}, ${energy(r.energyPj)}`);
  const b = opts.ranks?.B;
  const s = opts.ranks?.S;
  if (b !== undefined && s === 1 && r.latencySeconds > 0) lines.push(`  decode: ${((b / r.latencySeconds)).toPrecision(4)} tokens/s (batch ${b}, one step ${formatSeconds(r.latencySeconds)})`);
  else if (b !== undefined && s !== undefined && s > 1) lines.push(`  prefill: time to first token ${formatSeconds(r.latencySeconds)} (batch ${b}, ${s} tokens each)`);
  lines.push(`  utilization: ${Object.entries(r.utilization).map(([u, f]) => `${u} ${(f * 100).toFixed(1)}%`).join(', ')}`);
  const sum = r.einsums.reduce((a, e) => a + e.latencyCycles, 0);
  lines.push(`  per layer kind (latency share of the einsums' sum, energy):`);
  for (const k of perKind(r.einsums)) lines.push(`    ${k.kind.padEnd(10)} ${String(k.einsums).padStart(5)} einsums ${String(k.latencyCycles).padStart(14)} cycles ${pct(k.latencyCycles, sum).padStart(6)}  ${energy(k.energyPj)}`);
  const top = [...r.einsums].sort((x, y) => y.latencyCycles - x.latencyCycles).slice(0, opts.top ?? 10);
  lines.push(`  top ${top.length} of ${r.einsums.length} einsums (--verbose lists every one)${opts.bounds ? '; bound: compute, a memory tier, or overhead (neither explains half the cycles); util: compute at peak over cycles' : ''}:`);
  for (const e of top) {
    const b = opts.bounds?.get(e.name);
    const bound = opts.bounds ? `  ${(b ? `${b.bound}-bound` : 'bound unknown').padEnd(15)}${b ? ` util ${(100 * b.utilisation).toFixed(1)}%` : ''}` : '';
    lines.push(`    ${e.name.padEnd(12)} ${layerKind(e.name).padEnd(10)} ${e.unit.padEnd(8)} ${String(e.latencyCycles).padStart(12)} cycles ${pct(e.latencyCycles, sum).padStart(6)}  ${energy(e.energyPj)}${bound}`.trimEnd());
  }
  const w = groupWarnings(r.warnings);
  if (w.length) lines.push(`  warnings (${r.warnings.length}, ${w.length} distinct):`, ...w.map((x) => `    ${x}`));
  return lines.join('\n') + '\n';
}
