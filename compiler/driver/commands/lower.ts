// `tessera lower --model FILE.json --phase prefill|decode --batch B --seq S [--kv L] [--layers N] [--wbits N --group G] [--sparsity N:M] [-o out.ein]`:
// lowers a Hugging Face style config.json to a cascade (.ein text), for `tessera analyze` and the later stages.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { buildModel, ConfigError, parseModelConfig, type LowerOptions, type Phase } from '../../graph';
import { quantizeCascade, QuantizeError } from '../../graph/quantize';
import { pruneCascade } from '../../graph/sparsity';
import { DTYPE_BITS, DTYPES, isLowBitDType, printCascade, type Cascade, type DType } from '../../ir';
import { UserError } from '../user-error';

export interface LowerCliOptions {
  model: string;
  phase: string;
  batch: string;
  seq?: string;
  kv?: string;
  layers?: string;
  passes: string;
  tile?: string;
  dtype?: string;
  output?: string;
  maxLayers?: string;
  wbits?: string;
  group?: string;
  kvBits?: string;
  kvGroup?: string;
  kvResidual?: string;
  sparsity?: string;
}

/** Deepest model `lower` builds without --max-layers (the largest published decoders have about 130). */
export const DEFAULT_MAX_LAYERS = 1024;

function positiveInt(flag: string, v: string | undefined, fallback?: number): number {
  if (v === undefined) {
    if (fallback !== undefined) return fallback;
    throw new UserError(`${flag} is required`);
  }
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < 1) throw new UserError(`${flag} must be a positive integer, got "${v}"`);
  return n;
}

/** Reads the config and lowers it; every problem with the user's input is a UserError. */
export function lowerFromCli(o: LowerCliOptions): Cascade {
  let text: string;
  try {
    text = readFileSync(o.model, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read ${o.model}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const batch = positiveInt('--batch', o.batch, 1);
  let phase: Phase;
  if (o.phase === 'prefill') phase = { kind: 'prefill', batch, seq: positiveInt('--seq', o.seq) };
  else if (o.phase === 'decode') phase = { kind: 'decode', batch, kvLen: positiveInt('--kv', o.kv), ...(o.seq !== undefined ? { encLen: positiveInt('--seq', o.seq) } : {}) };
  else throw new UserError(`--phase must be prefill or decode, got "${o.phase}"`);
  const opts: LowerOptions = {};
  if (o.layers !== undefined) opts.layers = positiveInt('--layers', o.layers);
  const passes = Number(o.passes);
  if (passes !== 1 && passes !== 2 && passes !== 3) throw new UserError(`--passes must be 1, 2 or 3, got "${o.passes}"`);
  opts.passes = passes;
  if (o.tile !== undefined) opts.tile = positiveInt('--tile', o.tile);
  if (o.dtype !== undefined) {
    if (!(DTYPES as readonly string[]).includes(o.dtype)) throw new UserError(`--dtype must be one of ${DTYPES.join(', ')}, got "${o.dtype}"`);
    if (isLowBitDType(o.dtype as DType))
      throw new UserError(`--dtype ${o.dtype} would hold every tensor, norms and activations too, in ${DTYPE_BITS[o.dtype as DType]} bits; for weight-only quantisation write --wbits ${Math.min(8, DTYPE_BITS[o.dtype as DType])} --group 128 (and --kv-bits for the KV cache)`);
    opts.dtype = o.dtype as DType;
  }
  try {
    const spec = parseModelConfig(text, basename(o.model), basename(o.model).replace(/\.json$/, ''));
    checkLayers(spec.layers + (spec.decoderLayers ?? 0), opts.layers, o.maxLayers);
    return quantizeFromCli(pruneFromCli(buildModel(spec, phase, opts), o), o);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof QuantizeError) throw new UserError(e.message);
    throw e;
  }
}

/** --sparsity N:M: the pruning transform (compiler/graph/sparsity.ts), before quantisation so W_Q inherits it. */
function pruneFromCli(c: Cascade, o: LowerCliOptions): Cascade {
  if (o.sparsity === undefined) return c;
  const m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(o.sparsity);
  if (!m) throw new UserError(`--sparsity must be N:M, two integers (keep N of every M weights along the contracted rank, e.g. 8:16), got "${o.sparsity}"`);
  const q = pruneCascade(c, { n: Number(m[1]), m: Number(m[2]) });
  for (const n of q.notes) process.stderr.write(`prune: ${n}\n`);
  return q.cascade;
}

/** --wbits/--group/--kv-bits/--kv-group/--kv-residual: the quantisation transform (compiler/graph/quantize.ts). */
function quantizeFromCli(c: Cascade, o: LowerCliOptions): Cascade {
  const given = [o.wbits, o.kvBits].some((x) => x !== undefined);
  if (!given) {
    const stray = (['group', 'kvGroup', 'kvResidual'] as const).find((k) => o[k] !== undefined);
    if (stray) throw new UserError(`--${stray.replace(/[A-Z]/g, (x) => `-${x.toLowerCase()}`)} needs --wbits or --kv-bits`);
    return c;
  }
  if (o.kvBits === undefined && (o.kvGroup !== undefined || o.kvResidual !== undefined)) throw new UserError('--kv-group and --kv-residual need --kv-bits');
  if (o.wbits === undefined && o.group !== undefined) throw new UserError('--group needs --wbits');
  const int = (flag: string, v: string | undefined, lo = 1) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^\s*\d+\s*$/.test(v) || n < lo) throw new UserError(`${flag} must be an integer${lo === 0 ? '' : ' of at least 1'}, got "${v}"`);
    return n;
  };
  const q = quantizeCascade(c, {
    ...(o.wbits !== undefined ? { wbits: int('--wbits', o.wbits)! } : {}),
    ...(o.group !== undefined ? { group: int('--group', o.group)! } : {}),
    ...(o.kvBits !== undefined ? { kvBits: int('--kv-bits', o.kvBits)! } : {}),
    ...(o.kvGroup !== undefined ? { kvGroup: int('--kv-group', o.kvGroup)! } : {}),
    ...(o.kvResidual !== undefined ? { kvResidual: int('--kv-residual', o.kvResidual, 0)! } : {}),
  });
  for (const n of q.notes) process.stderr.write(`quantise: ${n}\n`);
  return q.cascade;
}

/** Refuses, before building anything, a model deeper than the limit (work and memory grow with layers). */
function checkLayers(modelLayers: number, asked: number | undefined, flag: string | undefined): void {
  const max = flag === undefined ? DEFAULT_MAX_LAYERS : positiveInt('--max-layers', flag);
  const layers = Math.min(modelLayers, asked ?? Infinity);
  if (layers > max)
    throw new UserError(`the model has ${modelLayers.toLocaleString('en-US')} layers; lowering more than ${max.toLocaleString('en-US')} is refused (about ${(layers * 30).toLocaleString('en-US')} einsums); raise the limit with --max-layers, or lower the first N blocks with --layers N`);
}

function writeEin(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new UserError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

export function register(program: Command): void {
  program
    .command('lower')
    .description('lower a Hugging Face style config.json (llama, mistral, opt, gpt2, bert, t5) to a cascade (.ein)')
    .requiredOption('--model <file>', 'config.json of the model')
    .option('--phase <phase>', 'prefill or decode', 'prefill')
    .option('--batch <n>', 'batch size', '1')
    .option('--seq <n>', 'prefill: sequence length; t5 decode: the encoder length')
    .option('--kv <n>', 'decode: KV cache length (the new token is at this position)')
    .option('--layers <n>', 'lower only the first N blocks')
    .option('--max-layers <n>', `refuse models deeper than this (default ${DEFAULT_MAX_LAYERS})`)
    .option('--passes <n>', 'attention softmax form: 3, 2 or 1 pass', '3')
    .option('--tile <n>', 'key tile size M0 for the 2- and 1-pass forms', '64')
    .option('--dtype <dt>', "element type (default: the config's torch_dtype, else fp32)")
    .option('--wbits <n>', 'weight-only quantisation: int<n> weights (1-8) with an fp16 scale per group; norms, embedding and LM head stay')
    .option('--group <g>', 'weights per quantisation group, along the contracted rank (default 128)')
    .option('--kv-bits <n>', 'KIVI KV-cache quantisation (decode): uint<n> keys per channel, values per token')
    .option('--kv-group <g>', 'KV quantisation group (default 32)')
    .option('--kv-residual <r>', 'most recent tokens kept in fp16 (default 128)')
    .option('--sparsity <N:M>', 'N:M weight pruning: of every M weights along the contracted rank keep the N largest (M a power of two, N < M); the weights --wbits would quantise')
    .option('-o, --output <file>', 'write the .ein here ("-" or absent: stdout)')
    .option('--json', 'print what was made as JSON (docs/schema/lower.schema.json); the .ein text in it when there is no -o file')
    .action((o: LowerCliOptions & { json?: boolean }) => {
      const c = lowerFromCli(o);
      const text = printCascade(c);
      const toFile = o.output !== undefined && o.output !== '-';
      if (o.json) {
        if (toFile) writeEin(o.output!, text);
        const doc = { model: o.model, phase: o.phase, name: c.name ?? '', einsums: c.einsums.length, tensors: c.tensors.length, output: toFile ? o.output! : null, ein: toFile ? null : text };
        process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
      } else if (!toFile) process.stdout.write(text);
      else {
        writeEin(o.output!, text);
        process.stderr.write(`wrote ${o.output}: ${c.einsums.length} einsums, ${c.tensors.length} tensors (${c.name ?? ''})\n`);
      }
    });
}
