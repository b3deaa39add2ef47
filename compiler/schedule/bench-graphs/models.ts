// Benchmark workloads for the scheduler, written as .ein text with real dimensions (parsed by compiler/lang
// where they are used). They mirror the graphs COSMA evaluates: transformer layers and a ResNet-style conv
// graph. Each einsum becomes one operator.
//
// Simplifications (the schedule depends only on which operator reads which tensor, and on tensor sizes):
// - RoPE is one elementwise operator reading its cos/sin tables (the rotate-half shuffle is not spelled out).
// - A k x k convolution reduces over its taps without the spatial shift: the same tensor sizes and FLOPs as a
//   same-padded convolution, but not its values.

export interface TransformerDims {
  name: string;
  /** tokens (sequence length, batch 1) */
  seq: number;
  hidden: number;
  heads: number;
  headDim: number;
  ffn: number;
  dtype: string;
  norm: 'rms' | 'layer';
  ffnKind: 'swiglu' | 'gelu';
  rope: boolean;
  causal: boolean;
  /** pre-norm (GPT, LLaMA) or post-norm (BERT) */
  preNorm: boolean;
  /** emit this many layers chained (for divide-and-conquer benchmarks) */
  layers?: number;
}

/** LLaMA-2-7B, one decoder layer, prefill of 2048 tokens (config: data/models/llama-2-7b.json). */
export const LLAMA2_7B: TransformerDims = { name: 'llama-2-7b layer', seq: 2048, hidden: 4096, heads: 32, headDim: 128, ffn: 11008, dtype: 'bf16', norm: 'rms', ffnKind: 'swiglu', rope: true, causal: true, preNorm: true };
/** BERT-base, one encoder layer, 512 tokens (config: data/models/bert-base-uncased.json). */
export const BERT_BASE: TransformerDims = { name: 'bert-base layer', seq: 512, hidden: 768, heads: 12, headDim: 64, ffn: 3072, dtype: 'bf16', norm: 'layer', ffnKind: 'gelu', rope: false, causal: false, preNorm: false };
/** A GPT-2-medium-sized pre-norm transformer block, 1024 tokens (config shape: data/models/gpt2.json, scaled to medium). */
export const GPT_BLOCK: TransformerDims = { name: 'transformer block', seq: 1024, hidden: 1024, heads: 16, headDim: 64, ffn: 4096, dtype: 'bf16', norm: 'layer', ffnKind: 'gelu', rope: false, causal: true, preNorm: true };

function normLines(d: TransformerDims, x: string, p: string, out: string): string[] {
  if (d.norm === 'rms')
    return [`${p}SQ[s] = ${x}[s, d] * ${x}[s, d]`, `${p}RN[s] = 1 / sqrt(${p}SQ[s] / D + 0.00001)`, `${out}[s, d] = ${x}[s, d] * ${p}RN[s] * ${p}G[d]`];
  return [
    `${p}MU[s] = ${x}[s, d] / D`,
    `${p}XC[s, d] = ${x}[s, d] - ${p}MU[s]`,
    `${p}VAR[s] = ${p}XC[s, d] * ${p}XC[s, d] / D`,
    `${out}[s, d] = ${p}XC[s, d] / sqrt(${p}VAR[s] + 0.00001) * ${p}G[d] + ${p}B[d]`,
  ];
}

function normWeights(d: TransformerDims, p: string): string[] {
  return d.norm === 'rms' ? [`weight ${p}G[D]: ${d.dtype}`] : [`weight ${p}G[D]: ${d.dtype}`, `weight ${p}B[D]: ${d.dtype}`];
}

function layerLines(d: TransformerDims, l: number, x: string): { decls: string[]; body: string[]; out: string } {
  const L = d.layers && d.layers > 1 ? `L${l}_` : '';
  const dt = d.dtype;
  const decls: string[] = [];
  const body: string[] = [];
  const n1 = `${L}N1`;
  const n2 = `${L}N2`;
  decls.push(...normWeights(d, n1), ...normWeights(d, n2));
  decls.push(`weight ${L}WQ[D, H, E]: ${dt}`, `weight ${L}WK[D, H, E]: ${dt}`, `weight ${L}WV[D, H, E]: ${dt}`, `weight ${L}WO[H, E, D]: ${dt}`);
  if (d.ffnKind === 'swiglu') decls.push(`weight ${L}WG[D, F]: ${dt}`, `weight ${L}WU[D, F]: ${dt}`, `weight ${L}WD[F, D]: ${dt}`);
  else decls.push(`weight ${L}W1[D, F]: ${dt}`, `weight ${L}W2[F, D]: ${dt}`);
  const attnIn = d.preNorm ? `${L}XN` : x;
  if (d.preNorm) body.push(...normLines(d, x, n1, attnIn));
  body.push(`${L}Q[s, h, e] = ${attnIn}[s, d] * ${L}WQ[d, h, e]`, `${L}K[m, h, e] = ${attnIn}[m*U+u, d] * ${L}WK[d, h, e]`, `${L}V[m, h, e] = ${attnIn}[m*U+u, d] * ${L}WV[d, h, e]`);
  let q = `${L}Q`;
  let k = `${L}K`;
  if (d.rope) {
    body.push(`${L}QR[s, h, e] = ${L}Q[s, h, e] * RCOS[s, e] + ${L}Q[s, h, e] * RSIN[s, e]`, `${L}KR[m, h, e] = ${L}K[m, h, e] * RCOS[m*U+u, e] + ${L}K[m, h, e] * RSIN[m*U+u, e]`);
    q = `${L}QR`;
    k = `${L}KR`;
  }
  body.push(`${L}QK[h, m, s] = ${q}[s, h, e] * ${k}[m, h, e] / sqrt(E)`);
  let sc = `${L}QK`;
  if (d.causal) {
    body.push(`${L}MK[h, m, s] = select(m <= s, ${L}QK[h, m, s], -inf)`);
    sc = `${L}MK`;
  }
  body.push(
    `${L}GM[h, s] = max(m) ${sc}[h, m, s]`,
    `${L}SN[h, m, s] = exp(${sc}[h, m, s] - ${L}GM[h, s])`,
    `${L}SD[h, s] = sum(m) ${L}SN[h, m, s]`,
    `${L}A[h, m, s] = ${L}SN[h, m, s] / ${L}SD[h, s]`,
    `${L}AV[s, h, e] = ${L}A[h, m, s] * ${L}V[m, h, e]`,
    `${L}O[s, d] = ${L}AV[s, h, e] * ${L}WO[h, e, d]`,
    `${L}X2[s, d] = ${x}[s, d] + ${L}O[s, d]`,
  );
  let ffnIn = `${L}X2`;
  if (!d.preNorm) {
    body.push(...normLines(d, `${L}X2`, n1, `${L}Y1`));
    ffnIn = `${L}Y1`;
  } else {
    body.push(...normLines(d, `${L}X2`, n2, `${L}XN2`));
  }
  const fIn = d.preNorm ? `${L}XN2` : ffnIn;
  if (d.ffnKind === 'swiglu')
    body.push(
      `${L}GT[s, f] = ${fIn}[s, d] * ${L}WG[d, f]`,
      `${L}UP[s, f] = ${fIn}[s, d] * ${L}WU[d, f]`,
      `${L}HS[s, f] = ${L}GT[s, f] / (1 + exp(-${L}GT[s, f])) * ${L}UP[s, f]`,
      `${L}DN[s, d] = ${L}HS[s, f] * ${L}WD[f, d]`,
    );
  else
    body.push(
      `${L}H1[s, f] = ${fIn}[s, d] * ${L}W1[d, f]`,
      `${L}GE[s, f] = ${L}H1[s, f] * 0.5 * (1 + erf(${L}H1[s, f] / 1.4142135))`,
      `${L}DN[s, d] = ${L}GE[s, f] * ${L}W2[f, d]`,
    );
  const res = d.preNorm ? `${L}X2` : ffnIn;
  let out = `${L}Y`;
  body.push(`${out}[s, d] = ${res}[s, d] + ${L}DN[s, d]`);
  if (!d.preNorm) {
    body.push(...normLines(d, out, n2, `${L}YN`));
    out = `${L}YN`;
  }
  return { decls, body, out };
}

/** A transformer layer (or `layers` chained layers) as .ein text. */
export function transformerEin(d: TransformerDims): string {
  const lines = [
    `# ${d.name}: ${d.layers ?? 1} layer(s), ${d.seq} tokens, hidden ${d.hidden}, ${d.heads} heads x ${d.headDim}, ffn ${d.ffn} (${d.ffnKind}), ${d.dtype}`,
    `rank S = ${d.seq}, D = ${d.hidden}, H = ${d.heads}, E = ${d.headDim}, F = ${d.ffn}`,
    '# keys are positions too: M is S seen through a size-1 partition, so keys read X[m*U+u, d]',
    'rank S -> M, U = 1',
    `input X[S, D]: ${d.dtype}`,
  ];
  if (d.rope) lines.push(`input RCOS[S, E]: ${d.dtype}`, `input RSIN[S, E]: ${d.dtype}`);
  let x = 'X';
  const body: string[] = [];
  for (let l = 0; l < (d.layers ?? 1); l++) {
    const r = layerLines(d, l, x);
    lines.push(...r.decls);
    body.push(...r.body);
    x = r.out;
  }
  return [...lines, ...body, `output ${x}`, ''].join('\n');
}

/**
 * A ResNet-50-like conv graph at 56x56 then 28x28: bottleneck blocks (1x1, 3x3, 1x1) with identity and
 * projection skip connections, an inception-style two-branch block, and a 2x2 max-pool downsample.
 */
export function resnetLikeEin(dtype = 'bf16'): string {
  return buildResnet(dtype);
}

function buildResnet(dtype: string): string {
  const decl: string[] = [
    '# ResNet-like conv graph: bottleneck blocks with identity and projection skips, a two-branch block and a 2x2 max-pool (batch 1)',
    '# channel ranks come in pairs (A/A2 ...) so a conv can read one and write the other; spatial 56x56 (H, W) then 28x28 (I, J)',
    'rank A = 64, A2 = 64, B = 256, B2 = 256, C = 128, C2 = 128, G = 512, G2 = 512, H = 56, W = 56, I = 28, J = 28, R = 3, Q = 3, U = 2, V = 2',
    `input X[B, H, W]: ${dtype}`,
  ];
  const body: string[] = [];
  let n = 0;
  const ch = new Map<string, string>([['X', 'B']]);
  const sp = new Map<string, [string, string]>([['X', ['h', 'w']]]);
  const conv = (x: string, cout: string, k: 1 | 3, relu: boolean): string => {
    const id = ++n;
    const cin = ch.get(x)!;
    const [h, w] = sp.get(x)!;
    const ci = cin.toLowerCase();
    const co = cout.toLowerCase();
    decl.push(k === 1 ? `weight W${id}[${cin}, ${cout}]: ${dtype}` : `weight W${id}[${cin}, ${cout}, R, Q]: ${dtype}`);
    const y = relu ? `C${id}` : `Y${id}`;
    body.push(k === 1 ? `${y}[${co}, ${h}, ${w}] = ${x}[${ci}, ${h}, ${w}] * W${id}[${ci}, ${co}]` : `${y}[${co}, ${h}, ${w}] = ${x}[${ci}, ${h}, ${w}] * W${id}[${ci}, ${co}, r, q]`);
    ch.set(y, cout);
    sp.set(y, [h, w]);
    if (!relu) return y;
    const z = `Y${id}`;
    body.push(`${z}[${co}, ${h}, ${w}] = max(${y}[${co}, ${h}, ${w}], 0)`);
    ch.set(z, cout);
    sp.set(z, [h, w]);
    return z;
  };
  const addRelu = (a: string, b: string, name: string): string => {
    const c = ch.get(a)!;
    if (ch.get(b) !== c) throw new Error(`internal: channel ranks differ (${a}: ${c}, ${b}: ${ch.get(b)})`);
    const [h, w] = sp.get(a)!;
    const cv = c.toLowerCase();
    body.push(`${name}[${cv}, ${h}, ${w}] = max(${a}[${cv}, ${h}, ${w}] + ${b}[${cv}, ${h}, ${w}], 0)`);
    ch.set(name, c);
    sp.set(name, [h, w]);
    return name;
  };
  const other = (r: string) => (r.endsWith('2') ? r.slice(0, -1) : `${r}2`);
  // bottleneck: 1x1 down to mid, 3x3 mid->mid', 1x1 up to the skip's channel rank
  const bottleneck = (x: string, mid: string, name: string, project?: string): string => {
    const a = conv(x, mid, 1, true);
    const b = conv(a, other(mid), 3, true);
    const outRank = project ?? ch.get(x)!;
    const c = conv(b, outRank, 1, false);
    const skip = project ? conv(x, outRank, 1, false) : x;
    return addRelu(c, skip, name);
  };
  let x = bottleneck('X', 'A', 'S1');
  x = bottleneck(x, 'A', 'S2');
  // two-branch (inception-style) block: a 1x1 branch and a 1x1->3x3 branch, summed, plus the skip
  const b1 = conv(x, 'B2', 1, true);
  const b2a = conv(x, 'A', 1, true);
  const b2 = conv(b2a, 'B2', 3, true);
  const br = addRelu(b1, b2, 'BR');
  // BR is over B2; project back to B for the skip sum
  const brp = conv(br, 'B', 1, false);
  x = addRelu(brp, x, 'S3');
  // downsample 56x56 -> 28x28
  body.push(`P[b, i, j] = max(u, v) ${x}[b, 2*i+u, 2*j+v]`);
  ch.set('P', 'B');
  sp.set('P', ['i', 'j']);
  x = bottleneck('P', 'C', 'S4', 'G');
  x = bottleneck(x, 'C', 'S5');
  return [...decl, ...body, `output ${x}`, ''].join('\n');
}
