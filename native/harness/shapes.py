"""The shapes of the measurement protocol (REFERENCES.md, "Protocol for checking a model against a GPU").

Pure Python, no torch: the harness, the synthetic generator and the tests all read these lists,
so the shapes measured and the shapes modelled are the same by construction.
"""

# GEMM: C[M,N] = A[M,K] @ B[K,N].
SWEEP_M = [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768]
SWEEP_NK = [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768]
# Not multiples of 128: the last wave or tile is partly empty, which exposes quantisation.
ODD_M = [96, 200, 1000, 1500, 3000, 4100, 6000, 9000, 13000]
ODD_NK = [200, 1000, 3000, 5000, 9000]

# LLM projections as (name, N, K), from the Hugging Face configs in data/models:
# llama-2-7b: hidden 4096, intermediate 11008, 32 heads (MHA);
# llama-3-8b: hidden 4096, intermediate 14336, 8 KV heads of 128 (QKV N = 4096 + 2*1024).
PROJECTIONS = [
    ("llama2-7b.qkv", 12288, 4096),
    ("llama2-7b.o", 4096, 4096),
    ("llama2-7b.gate_up", 22016, 4096),
    ("llama2-7b.down", 4096, 11008),
    ("llama3-8b.qkv", 6144, 4096),
    ("llama3-8b.gate_up", 28672, 4096),
    ("llama3-8b.down", 4096, 14336),
]
PREFILL_M = [512, 2048, 8192, 16384]
DECODE_M = [1, 8, 32, 128]

GEMM_DTYPES = ["bf16", "fp8e4m3"]

# Attention: batch*seq = 16k tokens, heads*head_dim = 2048.
ATTN_TOKENS = 16384
ATTN_MODEL_DIM = 2048
ATTN_HEAD_DIMS = [64, 128, 256]
ATTN_SEQS = [512, 1024, 2048, 4096, 8192, 16384]
# Decode: one query token against a KV cache, batch x KV-length grid, 16 heads of 128.
DECODE_BATCHES = [1, 4, 16, 64]
DECODE_KV = [512, 2048, 8192, 32768]
DECODE_HEADS = 16
DECODE_HEAD_DIM = 128


def gemm_id(dtype, m, n, k):
    return f"gemm-{dtype}-m{m}-n{n}-k{k}"


def attention_id(dtype, batch, heads, seq_q, seq_kv, head_dim, causal):
    mask = "causal" if causal else "full"
    return f"attn-{dtype}-b{batch}-h{heads}-q{seq_q}-kv{seq_kv}-d{head_dim}-{mask}"


def gemm_shapes():
    """(suite, m, n, k) in protocol order, each shape once (the first suite that lists it keeps it)."""
    out = []
    seen = set()

    def add(suite, m, n, k):
        if (m, n, k) not in seen:
            seen.add((m, n, k))
            out.append((suite, m, n, k))

    for m in SWEEP_M:
        add("gemm-sweep-m", m, 12288, 12288)
    for nk in SWEEP_NK:
        add("gemm-sweep-nk", 8192, nk, nk)
    for m in ODD_M:
        add("gemm-odd", m, 12288, 12288)
    for nk in ODD_NK:
        add("gemm-odd", 8192, nk, nk)
    for _, n, k in PROJECTIONS:
        for m in PREFILL_M:
            add("gemm-llm-prefill", m, n, k)
        for m in DECODE_M:
            add("gemm-llm-decode", m, n, k)
    return out


def gemm_cases():
    """Every GEMM record to measure: dicts in the measurement-file record format (without time)."""
    return [
        {"id": gemm_id(dt, m, n, k), "kind": "gemm", "suite": suite, "dtype": dt, "m": m, "n": n, "k": k}
        for dt in GEMM_DTYPES
        for suite, m, n, k in gemm_shapes()
    ]


def attention_cases():
    out = []
    for d in ATTN_HEAD_DIMS:
        heads = ATTN_MODEL_DIM // d
        for s in ATTN_SEQS:
            for causal in (False, True):
                b = ATTN_TOKENS // s
                out.append(_attn("attn-prefill", b, heads, s, s, d, causal))
    for b in DECODE_BATCHES:
        for kv in DECODE_KV:
            out.append(_attn("attn-decode", b, DECODE_HEADS, 1, kv, DECODE_HEAD_DIM, False))
    return out


def _attn(suite, b, h, sq, skv, d, causal):
    return {
        "id": attention_id("bf16", b, h, sq, skv, d, causal),
        "kind": "attention",
        "suite": suite,
        "dtype": "bf16",
        "batch": b,
        "heads": h,
        "seqQ": sq,
        "seqKV": skv,
        "headDim": d,
        "causal": causal,
    }


def all_cases():
    return gemm_cases() + attention_cases()


def fp8_unsupported_reason(case):
    """torch._scaled_mm needs every GEMM dimension to be a multiple of 16."""
    if case["dtype"] != "fp8e4m3":
        return None
    bad = [d for d in ("m", "n", "k") if case[d] % 16 != 0]
    return f"torch._scaled_mm needs multiples of 16; {', '.join(bad)} is not" if bad else None
