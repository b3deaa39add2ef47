// Hugging Face style config.json -> ModelSpec: one normalised description of the model, whatever
// each family calls its fields (hidden_size / n_embd / d_model, intermediate_size / ffn_dim / n_inner / d_ff).
// Errors name the file and the field: `llama-2-7b.json: field "num_attention_heads": expected a positive integer, got "32x"`.
import { z } from 'zod';
import type { DType } from '../ir';
import type { Activation, NormKind } from './layers';

export const FAMILIES = ['llama', 'mistral', 'mixtral', 'opt', 'gpt2', 'bert', 't5'] as const;
export type Family = (typeof FAMILIES)[number];

export interface ModelSpec {
  family: Family;
  /** for reports: the file stem or _name_or_path */
  name: string;
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediate: number;
  layers: number;
  vocab: number;
  norm: NormKind;
  normEps: number;
  postNorm: boolean;
  act: Activation;
  bias: boolean;
  /** rotary base; absent when the family has no rotary embeddings */
  ropeTheta?: number;
  /** learned absolute positions: table rows, and the row of position 0 (OPT starts at 2) */
  positions?: { rows: number; offset: number };
  /** BERT token-type embeddings (every token is type 0) */
  tokenTypes?: number;
  /** BERT: LayerNorm right after the embeddings */
  embedNorm: boolean;
  finalNorm: boolean;
  lmHead: 'tied' | 'separate' | 'none';
  /** OPT: embeddings of this width, projected to and from the hidden size when it differs */
  embedDim?: number;
  /** decoder-only families mask future keys; encoders (BERT, T5 encoder) do not */
  causal: boolean;
  /** scores divided by sqrt(head dim); T5 does not */
  scale: boolean;
  /** Mistral sliding-window attention: each token sees the last `slidingWindow` positions */
  slidingWindow?: number;
  /** T5: relative position bias added to the scores (an input, see docs/MODELS.md) */
  scoreBias: boolean;
  /** torch_dtype when given, else fp32 */
  dtype: DType;
  /** the phases the family has: encoders have no decode */
  decode: boolean;
  /** T5: decode runs the decoder stack (this many layers) with cross-attention to the encoder output */
  decoderLayers?: number;
  /** Mixtral: a sparse mixture of `experts` SwiGLU MLPs per layer, `topK` of them active per token */
  moe?: { experts: number; topK: number };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const posInt = z.number({ error: 'expected a positive integer' }).int({ error: 'expected a positive integer' }).positive({ error: 'expected a positive integer' });
const posNum = z.number({ error: 'expected a positive number' }).positive({ error: 'expected a positive number' });
const bool = z.boolean({ error: 'expected true or false' });
const dtypeField = z.enum(['float32', 'float16', 'bfloat16'], { error: 'expected one of float32, float16, bfloat16' }).optional();

const llamaSchema = z.object({
  hidden_size: posInt,
  intermediate_size: posInt,
  num_hidden_layers: posInt,
  num_attention_heads: posInt,
  num_key_value_heads: posInt.optional(),
  head_dim: posInt.nullish(),
  vocab_size: posInt,
  rms_norm_eps: posNum.optional(),
  rope_theta: posNum.optional(),
  hidden_act: z.enum(['silu'], { error: 'expected "silu" (SwiGLU)' }).optional(),
  tie_word_embeddings: bool.optional(),
  attention_bias: bool.optional(),
  sliding_window: posInt.nullish(),
  torch_dtype: dtypeField,
  num_local_experts: posInt.optional(),
  num_experts_per_tok: posInt.optional(),
});
const optSchema = z.object({
  hidden_size: posInt,
  ffn_dim: posInt,
  num_hidden_layers: posInt,
  num_attention_heads: posInt,
  vocab_size: posInt,
  max_position_embeddings: posInt,
  word_embed_proj_dim: posInt.optional(),
  do_layer_norm_before: z.literal(true, { error: 'expected true (post-norm OPT-350m is not supported)' }).optional(),
  activation_function: z.enum(['relu', 'gelu'], { error: 'expected "relu" or "gelu"' }).optional(),
  enable_bias: bool.optional(),
  torch_dtype: dtypeField,
});
const gpt2Schema = z.object({
  n_embd: posInt,
  n_layer: posInt,
  n_head: posInt,
  n_inner: posInt.nullish(),
  n_positions: posInt,
  vocab_size: posInt,
  activation_function: z.enum(['gelu_new', 'gelu', 'relu', 'gelu_pytorch_tanh'], { error: 'expected "gelu_new", "gelu", "gelu_pytorch_tanh" or "relu"' }).optional(),
  layer_norm_epsilon: posNum.optional(),
  torch_dtype: dtypeField,
});
const bertSchema = z.object({
  hidden_size: posInt,
  intermediate_size: posInt,
  num_hidden_layers: posInt,
  num_attention_heads: posInt,
  vocab_size: posInt,
  max_position_embeddings: posInt,
  type_vocab_size: posInt.optional(),
  hidden_act: z.enum(['gelu', 'relu', 'gelu_new'], { error: 'expected "gelu", "gelu_new" or "relu"' }).optional(),
  layer_norm_eps: posNum.optional(),
  torch_dtype: dtypeField,
});
const t5Schema = z.object({
  d_model: posInt,
  d_kv: posInt,
  d_ff: posInt,
  num_layers: posInt,
  num_decoder_layers: posInt.nullish(),
  num_heads: posInt,
  vocab_size: posInt,
  feed_forward_proj: z.enum(['relu', 'gated-gelu'], { error: 'expected "relu" or "gated-gelu"' }).optional(),
  layer_norm_epsilon: posNum.optional(),
  torch_dtype: dtypeField,
});

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  return JSON.stringify(v) ?? String(v);
}

function parseWith<T>(schema: z.ZodType<T>, raw: Record<string, unknown>, file: string): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const field = i.path.map(String).join('.');
    return `${file}: field "${field}": ${i.message}, got ${describe(raw[String(i.path[0])])}`;
  });
  throw new ConfigError(lines.join('\n'));
}

const TORCH_DTYPE: Record<string, DType> = { float32: 'fp32', float16: 'fp16', bfloat16: 'bf16' };

/** What every family's reader shares: the family, the model's name, the file (for messages), and two checks. */
interface FamilyContext {
  family: Family;
  name: string;
  file: string;
  /** hidden / heads, refused when it does not divide */
  divides: (field: string, heads: number, hidden: number, headsField: string) => number;
  /** the element type a torch_dtype names (fp32 when absent) */
  dt: (d: string | undefined) => DType;
}

/** Parses config.json text. `file` is used in messages (e.g. the path the user gave). */
export function parseModelConfig(text: string, file = 'config.json', nameHint?: string): ModelSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file}: not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${file}: expected a JSON object with the model's configuration`);
  const obj = raw as Record<string, unknown>;
  const mt = obj['model_type'];
  if (typeof mt !== 'string') throw new ConfigError(`${file}: field "model_type": expected one of ${FAMILIES.join(', ')}, got ${describe(mt)}`);
  if (!(FAMILIES as readonly string[]).includes(mt)) throw new ConfigError(`${file}: field "model_type": unsupported model type ${JSON.stringify(mt)}; supported: ${FAMILIES.join(', ')}`);
  const family = mt as Family;
  const x: FamilyContext = {
    family,
    name: nameHint ?? (typeof obj['_name_or_path'] === 'string' ? (obj['_name_or_path'] as string) : family),
    file,
    divides: (field, heads, hidden, headsField) => {
      if (hidden % heads !== 0) throw new ConfigError(`${file}: field "${field}": ${hidden} is not divisible by ${headsField} = ${heads}`);
      return hidden / heads;
    },
    dt: (d) => (d ? TORCH_DTYPE[d]! : 'fp32'),
  };
  return FAMILY_READERS[family](obj, x);
}

/** The reader of each model_type. */
const FAMILY_READERS: Record<Family, (obj: Record<string, unknown>, x: FamilyContext) => ModelSpec> = {
  llama: llamaSpec,
  mistral: llamaSpec,
  mixtral: llamaSpec,
  opt: optSpec,
  gpt2: gpt2Spec,
  bert: bertSpec,
  t5: t5Spec,
};

/** LLaMA, Mistral and Mixtral (RMSNorm, RoPE, GQA, SwiGLU; Mixtral's experts). */
function llamaSpec(obj: Record<string, unknown>, x: FamilyContext): ModelSpec {
  const { family, name, file, divides, dt } = x;
  const c = parseWith(llamaSchema, obj, file);
  const experts = c.num_local_experts;
  const topK = c.num_experts_per_tok;
  if (family === 'mixtral' && (experts === undefined || topK === undefined)) throw new ConfigError(`${file}: field "${experts === undefined ? 'num_local_experts' : 'num_experts_per_tok'}": a mixtral model needs num_local_experts and num_experts_per_tok`);
  if (experts !== undefined && topK !== undefined && topK > experts) throw new ConfigError(`${file}: field "num_experts_per_tok": ${topK} is more than num_local_experts = ${experts}`);
  const kv = c.num_key_value_heads ?? c.num_attention_heads;
  if (c.num_attention_heads % kv !== 0) throw new ConfigError(`${file}: field "num_key_value_heads": ${kv} does not divide num_attention_heads = ${c.num_attention_heads}`);
  const headDim = c.head_dim ?? divides('hidden_size', c.num_attention_heads, c.hidden_size, 'num_attention_heads');
  if (headDim % 2 !== 0) throw new ConfigError(`${file}: field "hidden_size": the head dim ${headDim} must be even for rotary embeddings`);
  if (c.attention_bias) throw new ConfigError(`${file}: field "attention_bias": attention biases in ${family} models are not supported`);
  return {
    family,
    name,
    hidden: c.hidden_size,
    heads: c.num_attention_heads,
    kvHeads: kv,
    headDim,
    intermediate: c.intermediate_size,
    layers: c.num_hidden_layers,
    vocab: c.vocab_size,
    norm: 'rms',
    normEps: c.rms_norm_eps ?? 1e-6,
    postNorm: false,
    act: 'swiglu',
    bias: false,
    ropeTheta: c.rope_theta ?? 10000,
    embedNorm: false,
    finalNorm: true,
    lmHead: c.tie_word_embeddings ? 'tied' : 'separate',
    causal: true,
    scale: true,
    ...(c.sliding_window ? { slidingWindow: c.sliding_window } : {}),
    ...(experts !== undefined && topK !== undefined ? { moe: { experts, topK } } : {}),
    scoreBias: false,
    dtype: dt(c.torch_dtype),
    decode: true,
  };
}

/** OPT (LayerNorm, learned positions offset by 2, ReLU, optional projection of the embeddings). */
function optSpec(obj: Record<string, unknown>, x: FamilyContext): ModelSpec {
  const { family, name, file, divides, dt } = x;
  const c = parseWith(optSchema, obj, file);
  const proj = c.word_embed_proj_dim ?? c.hidden_size;
  return {
    family,
    name,
    hidden: c.hidden_size,
    heads: c.num_attention_heads,
    kvHeads: c.num_attention_heads,
    headDim: divides('hidden_size', c.num_attention_heads, c.hidden_size, 'num_attention_heads'),
    intermediate: c.ffn_dim,
    layers: c.num_hidden_layers,
    vocab: c.vocab_size,
    norm: 'layer',
    normEps: 1e-5,
    postNorm: false,
    act: c.activation_function ?? 'relu',
    bias: c.enable_bias ?? true,
    // OPT's learned positions are offset by 2 rows (OPTLearnedPositionalEmbedding)
    positions: { rows: c.max_position_embeddings + 2, offset: 2 },
    embedNorm: false,
    finalNorm: true,
    lmHead: 'tied',
    ...(proj !== c.hidden_size ? { embedDim: proj } : {}),
    causal: true,
    scale: true,
    scoreBias: false,
    dtype: dt(c.torch_dtype),
    decode: true,
  };
}

/** GPT-2 (LayerNorm, learned positions, GELU). */
function gpt2Spec(obj: Record<string, unknown>, x: FamilyContext): ModelSpec {
  const { family, name, file, divides, dt } = x;
  const c = parseWith(gpt2Schema, obj, file);
  const act = c.activation_function ?? 'gelu_new';
  return {
    family,
    name,
    hidden: c.n_embd,
    heads: c.n_head,
    kvHeads: c.n_head,
    headDim: divides('n_embd', c.n_head, c.n_embd, 'n_head'),
    intermediate: c.n_inner ?? 4 * c.n_embd,
    layers: c.n_layer,
    vocab: c.vocab_size,
    norm: 'layer',
    normEps: c.layer_norm_epsilon ?? 1e-5,
    postNorm: false,
    act: act === 'gelu_new' || act === 'gelu_pytorch_tanh' ? 'gelu_tanh' : act,
    bias: true,
    positions: { rows: c.n_positions, offset: 0 },
    embedNorm: false,
    finalNorm: true,
    lmHead: 'tied',
    causal: true,
    scale: true,
    scoreBias: false,
    dtype: dt(c.torch_dtype),
    decode: true,
  };
}

/** BERT (post-norm encoder, token types, no LM head). */
function bertSpec(obj: Record<string, unknown>, x: FamilyContext): ModelSpec {
  const { family, name, file, divides, dt } = x;
  const c = parseWith(bertSchema, obj, file);
  const act = c.hidden_act ?? 'gelu';
  return {
    family,
    name,
    hidden: c.hidden_size,
    heads: c.num_attention_heads,
    kvHeads: c.num_attention_heads,
    headDim: divides('hidden_size', c.num_attention_heads, c.hidden_size, 'num_attention_heads'),
    intermediate: c.intermediate_size,
    layers: c.num_hidden_layers,
    vocab: c.vocab_size,
    norm: 'layer',
    normEps: c.layer_norm_eps ?? 1e-12,
    postNorm: true,
    act: act === 'gelu_new' ? 'gelu_tanh' : act,
    bias: true,
    positions: { rows: c.max_position_embeddings, offset: 0 },
    tokenTypes: c.type_vocab_size ?? 2,
    embedNorm: true,
    finalNorm: false,
    lmHead: 'none',
    causal: false,
    scale: true,
    scoreBias: false,
    dtype: dt(c.torch_dtype),
    decode: false,
  };
}

/** T5 (RMSNorm, relative position bias, encoder-decoder). */
function t5Spec(obj: Record<string, unknown>, x: FamilyContext): ModelSpec {
  const { family, name, file, dt } = x;
  const c = parseWith(t5Schema, obj, file);
  return {
    family,
    name,
    hidden: c.d_model,
    heads: c.num_heads,
    kvHeads: c.num_heads,
    headDim: c.d_kv,
    intermediate: c.d_ff,
    layers: c.num_layers,
    vocab: c.vocab_size,
    norm: 'rms',
    normEps: c.layer_norm_epsilon ?? 1e-6,
    postNorm: false,
    act: c.feed_forward_proj === 'gated-gelu' ? 'geglu' : 'relu',
    bias: false,
    embedNorm: false,
    finalNorm: true,
    lmHead: 'none',
    causal: false,
    scale: false,
    scoreBias: true,
    dtype: dt(c.torch_dtype),
    decode: true,
    decoderLayers: c.num_decoder_layers ?? c.num_layers,
  };
}
