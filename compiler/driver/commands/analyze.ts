// `tessera analyze FILE [--rank M] [--json]`: operation counts, bytes, operational intensity, footprint and
// the FuseMax pass count of a cascade, without running it.
import type { Command } from 'commander';
import { analyzeCascade, type CascadeAnalysis } from '../../analysis';
import { formatBytes, type Cascade } from '../../ir';
import { loadCascadeFile } from '../../lang';
import { UserError } from '../user-error';
import { refuseArchFile } from './print';

export interface AnalyzeOptions {
  rank?: string;
  json?: boolean;
}

/** Ranks to count passes over: the one asked for, else every partitioned rank. */
export function passRanks(c: Cascade, rank?: string): string[] {
  if (rank !== undefined) {
    if (!c.ranks.some((r) => r.name === rank)) throw new UserError(`--rank ${rank}: the cascade has no rank ${rank} (its ranks: ${c.ranks.map((r) => r.name).join(', ')})`);
    return [rank];
  }
  return c.partitions.map((p) => p.parent);
}

/** Analyses with passes for each pass rank (the first analysis carries the whole result). */
export function analyzeWithPasses(c: Cascade, rank?: string): { analysis: CascadeAnalysis; passes: { rank: string; count: number }[] } {
  const ranks = passRanks(c, rank);
  const analysis = analyzeCascade(c, ranks.length ? { passRank: ranks[0]! } : {});
  const passes = ranks.map((r, i) => ({ rank: r, count: i === 0 ? analysis.passes!.count : analyzeCascade(c, { passRank: r }).passes!.count }));
  return { analysis, passes };
}

export const fmtInt = (n: number) => n.toLocaleString('en-US');

/** The one-line summary `run` prints under its outputs. */
export function analysisSummary(a: CascadeAnalysis, passes: { rank: string; count: number }[]): string {
  const p = passes.map((x) => `, passes over ${x.rank}: ${x.count}`).join('');
  return `${fmtInt(a.totals.flops)} FLOPs (${fmtInt(a.totals.macs)} MACs), compulsory ${formatBytes(a.totals.compulsoryBytes)}, intensity ${a.intensity.toFixed(2)} FLOP/B, footprint ${formatBytes(a.footprint.totalBytes)} (peak live ${formatBytes(a.footprint.peakBytes)})${p}`;
}

function table(rows: string[][], rightAlign: boolean[]): string[] {
  const w = rows[0]!.map((_, k) => Math.max(...rows.map((r) => r[k]!.length)));
  return rows.map((r) => '  ' + r.map((x, k) => (rightAlign[k] ? x.padStart(w[k]!) : x.padEnd(w[k]!))).join('  ').trimEnd());
}

export function analyzeText(path: string, c: Cascade, rank?: string): string {
  const { analysis: a, passes } = analyzeWithPasses(c, rank);
  const opsText = (ops: Record<string, number | undefined>) =>
    Object.entries(ops)
      .map(([k, n]) => `${k} ${fmtInt(n ?? 0)}`)
      .join(', ');
  const out: string[] = [`${path}${c.name ? `: ${c.name}` : ''}`];
  out.push('einsums:');
  out.push(
    ...table(
      [['name', 'points', 'FLOPs', 'ops'], ...a.einsums.map((e) => [e.name, fmtInt(e.points), fmtInt(e.flops), opsText(e.ops) || '-'])],
      [false, true, true, false],
    ),
  );
  out.push('tensors:');
  out.push(
    ...table(
      [['name', 'role', 'dtype', 'shape', 'bytes'], ...a.tensors.map((t) => [t.name, t.role, t.dtype, `[${t.shape.join(', ')}]`, fmtInt(t.bytes)])],
      [false, false, false, false, true],
    ),
  );
  out.push(`FLOPs: ${fmtInt(a.totals.flops)} (${fmtInt(a.totals.macs)} MACs)`);
  out.push(`  by op: ${opsText(a.totals.ops) || '-'}`);
  out.push(`params: ${fmtInt(a.totals.params)} (${formatBytes(a.totals.paramBytes)})`);
  out.push(`bytes: inputs ${formatBytes(a.totals.inputBytes)}, outputs ${formatBytes(a.totals.outputBytes)}, compulsory ${formatBytes(a.totals.compulsoryBytes)}`);
  out.push(`intensity: ${a.intensity.toFixed(3)} FLOP/byte (FLOPs / compulsory bytes)`);
  out.push(`footprint: all tensors ${formatBytes(a.footprint.totalBytes)}, peak live ${formatBytes(a.footprint.peakBytes)} at ${a.footprint.peakAt || '-'}`);
  if (passes.length === 0) out.push('passes: no partitioned rank; give --rank R to count passes over R');
  for (const p of passes) {
    const detail = p.rank === a.passes?.rank ? ` (${a.passes.einsums.filter((e) => e.traverses).map((e) => `${e.name} ${e.pass}`).join(', ')})` : '';
    out.push(`passes over ${p.rank}: ${p.count}${detail}`);
  }
  return out.join('\n') + '\n';
}

export function analyzeJson(path: string, c: Cascade, rank?: string): string {
  const { analysis, passes } = analyzeWithPasses(c, rank);
  return JSON.stringify({ file: path, ...analysis, passCounts: passes }, null, 2) + '\n';
}

export function register(program: Command): void {
  program
    .command('analyze')
    .description('count FLOPs by op, bytes, operational intensity, footprint and FuseMax passes of a cascade (.ein)')
    .argument('<file>', 'cascade file (.ein)')
    .option('--rank <R>', 'count passes over rank R (default: every partitioned rank)')
    .option('--json', 'print the analysis as JSON')
    .action((file: string, opts: AnalyzeOptions) => {
      refuseArchFile(file, 'analyze');
      const c = loadCascadeFile(file);
      process.stdout.write(opts.json ? analyzeJson(file, c, opts.rank) : analyzeText(file, c, opts.rank));
    });
}
