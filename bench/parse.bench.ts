// Parse + validate time for a long cascade: 1,000 decoder-like layers of 10 einsums each (10,000 einsums,
// plus their weight and KV-cache declarations). Prints the median of several runs. Target: under 1 s.
// Run: npx tsx bench/parse.bench.ts
import { cpus, loadavg } from 'node:os';
import { cascadesEqual, printCascade, type Cascade } from '../compiler/ir';
import { parseCascade } from '../compiler/lang';

function layeredCascadeText(layers: number): string {
  const out = ['# 10 einsums per layer: attention scores, softmax, context, MLP with GELU, residual, RMS norm', 'rank D = 512, E = 512, H = 2048, S = 1024, M = 1024', 'input X0[D, S]: bf16'];
  for (let i = 0; i < layers; i++) {
    out.push(`weight WQ${i}[D, E]: bf16`, `kvcache K${i}[E, M]: bf16`, `kvcache V${i}[D, M]: bf16`, `weight W1_${i}[D, H]: bf16`, `weight W2_${i}[H, D]: bf16`, `weight G${i}[D]: bf16`);
    out.push(
      `Q${i}[e, s] = X${i}[d, s] * WQ${i}[d, e]`,
      `QK${i}[m, s] = select(m <= s, Q${i}[e, s] * K${i}[e, m], -inf)`,
      `GM${i}[s] = max(m) QK${i}[m, s]`,
      `SN${i}[m, s] = exp(QK${i}[m, s] - GM${i}[s])`,
      `C${i}[d, s] = SN${i}[m, s] * V${i}[d, m] / sqrt(E)`,
      `H${i}[h, s] = C${i}[d, s] * W1_${i}[d, h]`,
      `A${i}[h, s] = H${i}[h, s] * 0.5 * (1 + erf(H${i}[h, s] / 1.4142135))`,
      `R${i}[d, s] = A${i}[h, s] * W2_${i}[h, d] + X${i}[d, s]`,
      `MS${i}[s] = R${i}[d, s] * R${i}[d, s] / D`,
      `X${i + 1}[d, s]: bf16 = R${i}[d, s] / sqrt(MS${i}[s] + 1e-6) * G${i}[d]`,
    );
  }
  out.push(`output X${layers}`);
  return out.join('\n') + '\n';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

{
  const layers = 1000;
  const text = layeredCascadeText(layers);
  const runs = 7;
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let einsums = 0;
  let parsed: Cascade | null = null;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const { cascade, diagnostics } = parseCascade(text, 'bench.ein');
    times.push(performance.now() - t0);
    const c1 = process.cpuUsage(c0);
    cpuTimes.push((c1.user + c1.system) / 1000);
    if (!cascade) throw new Error(`bench cascade has errors: ${diagnostics[0]?.message}`);
    einsums = cascade.einsums.length;
    parsed = cascade;
  }
  const printTimes: number[] = [];
  let printed = '';
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    printed = printCascade(parsed!);
    printTimes.push(performance.now() - t0);
  }
  const back = parseCascade(printed).cascade;
  if (!back || !cascadesEqual(parsed!, back)) throw new Error('printed bench cascade does not round-trip');
  const lines = text.split('\n').length - 1;
  console.log(`parse.bench: ${einsums} einsums, ${lines} lines, ${(text.length / 1024).toFixed(0)} KiB`);
  console.log(`parse+validate median of ${runs}: ${median(times).toFixed(0)} ms wall, ${median(cpuTimes).toFixed(0)} ms CPU (min ${Math.min(...times).toFixed(0)} ms, first run ${times[0]!.toFixed(0)} ms; target < 1000 ms)`);
  console.log(`print median of ${runs}: ${median(printTimes).toFixed(0)} ms; round trip equal: yes`);
  console.log(`(load average during the run: ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores)`);
}
