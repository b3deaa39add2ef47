// SCALE-Sim topology CSVs, in either of its two forms, turned into GEMMs:
//   conv: Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
//   gemm: Layer, M, N, K,
// A conv layer becomes the im2col GEMM SCALE-Sim simulates: M (Sr for os) = ofmap pixels,
// N = filters, K = Fh·Fw·C, with ofmap side ceil((H − Fh + S) / S). A layer whose name contains
// 'DP' is depthwise: like SCALE-Sim, it becomes one single-channel layer per channel.
import { type Diagnostic, error } from '../../../compiler/ir/diagnostic';
import type { GemmShape } from '../folds';

export interface TopologyLayer extends GemmShape {
  name: string;
  kind: 'conv' | 'gemm';
  /** the source line, for messages */
  line: number;
  conv?: { ifmapH: number; ifmapW: number; filterH: number; filterW: number; channels: number; filters: number; strideH: number; strideW: number };
}

export function parseTopology(text: string, file = '<topology>', forceKind?: 'conv' | 'gemm'): { layers: TopologyLayer[]; kind: 'conv' | 'gemm'; diagnostics: Diagnostic[] } {
  const diags: Diagnostic[] = [];
  const layers: TopologyLayer[] = [];
  const lines = text.split(/\r?\n/);
  let header = -1;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '') {
      header = i;
      break;
    }
  }
  if (header < 0) {
    diags.push({ ...error('topo-empty', 'the topology file is empty', { line: 1, col: 1 }, 'the first line is a header, then one layer per line'), file });
    return { layers, kind: forceKind ?? 'gemm', diagnostics: diags };
  }
  const headerCells = splitCells(lines[header]!).map((c) => c.text.toLowerCase());
  const looksGemm = headerCells.length >= 4 && headerCells[1] === 'm' && headerCells[2] === 'n' && headerCells[3] === 'k';
  const kind = forceKind ?? (looksGemm ? 'gemm' : 'conv');
  if (!forceKind && !looksGemm && headerCells.length < 8) {
    diags.push({
      ...error('topo-header', `cannot tell the topology form from its header (${headerCells.length} columns)`, { line: header + 1, col: 1 }, "a GEMM header is 'Layer, M, N, K,'; a conv header has 8 columns"),
      file,
    });
    return { layers, kind, diagnostics: diags };
  }
  const want = kind === 'gemm' ? 4 : 8;
  const names = kind === 'gemm' ? ['M', 'N', 'K'] : ['IFMAP Height', 'IFMAP Width', 'Filter Height', 'Filter Width', 'Channels', 'Num Filter', 'Strides', 'Stride width'];
  for (let i = header + 1; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    const line = i + 1;
    const cells = splitCells(raw);
    if (cells.length < want) {
      diags.push({
        ...error('topo-columns', `expected ${want} columns (${kind}), found ${cells.length}`, { line, col: 1, length: raw.length }, kind === 'gemm' ? 'write: name, M, N, K,' : 'write: name, H, W, Fh, Fw, C, filters, stride,'),
        file,
      });
      continue;
    }
    const nums: number[] = [];
    let ok = true;
    for (let c = 1; c < Math.min(cells.length, want + 1); c++) {
      const cell = cells[c]!;
      const v = /^\d+$/.test(cell.text) ? Number(cell.text) : NaN;
      if (!Number.isSafeInteger(v) || v <= 0) {
        diags.push({ ...error('topo-value', `${names[c - 1] ?? 'value'} must be a positive integer, got '${cell.text}'`, { line, col: cell.col, length: Math.max(1, cell.text.length) }), file });
        ok = false;
      }
      nums.push(v);
    }
    if (!ok) continue;
    const name = cells[0]!.text;
    if (kind === 'gemm') {
      layers.push({ name, kind, line, M: nums[0]!, N: nums[1]!, K: nums[2]! });
      continue;
    }
    const [H, W, Fh, Fw, C, F, S] = nums as [number, number, number, number, number, number, number];
    const Sw = nums[7] ?? S;
    if (Fh > H || Fw > W) {
      diags.push({ ...error('topo-filter', `filter ${Fh}×${Fw} is larger than the ifmap ${H}×${W}`, { line, col: cells[3]!.col }), file });
      continue;
    }
    const oh = Math.ceil((H - Fh + S) / S);
    const ow = Math.ceil((W - Fw + Sw) / Sw);
    const conv = { ifmapH: H, ifmapW: W, filterH: Fh, filterW: Fw, channels: C, filters: F, strideH: S, strideW: Sw };
    if (name.includes('DP')) {
      for (let ch = 0; ch < C; ch++) {
        layers.push({ name: `${name}Channel_${ch}`, kind, line, M: oh * ow, N: F, K: Fh * Fw, conv: { ...conv, channels: 1 } });
      }
    } else layers.push({ name, kind, line, M: oh * ow, N: F, K: Fh * Fw * C, conv });
  }
  if (layers.length === 0 && diags.length === 0) {
    diags.push({ ...error('topo-empty', 'the topology has a header but no layers', { line: header + 1, col: 1 }), file });
  }
  return { layers, kind, diagnostics: diags };
}

/** Comma-separated cells with their 1-based columns; SCALE-Sim's trailing comma leaves no cell. */
function splitCells(line: string): { text: string; col: number }[] {
  const out: { text: string; col: number }[] = [];
  let start = 0;
  for (let i = 0; i <= line.length; i++) {
    if (i === line.length || line[i] === ',') {
      const seg = line.slice(start, i);
      const lead = seg.length - seg.trimStart().length;
      out.push({ text: seg.trim(), col: start + lead + 1 });
      start = i + 1;
    }
  }
  while (out.length > 0 && out[out.length - 1]!.text === '') out.pop();
  return out;
}
