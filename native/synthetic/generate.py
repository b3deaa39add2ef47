"""Generate a SYNTHETIC H100 (or A100) measurement file for building and testing the GPU model without a GPU.

    python3 native/synthetic/generate.py [--seed 1] [--date 2026-11-22] [--out native/measurements]
    python3 native/synthetic/generate.py --params native/synthetic/a100-params.json

The timings come from a formula written independently of sim/gpu (smooth maximum of compute and
memory time, split-K below one wave, a K-pipeline ramp, a head-dim and sequence ramp for attention)
times seeded log-normal noise. The file says synthetic: true in its provenance, and its GPU name says
SYNTHETIC: it is test data, never a measurement of a real GPU. Same seed -> byte-identical file.
"""
import argparse
import json
import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "harness"))
import record  # noqa: E402
import shapes  # noqa: E402

IN_BYTES = {"bf16": 2, "fp8e4m3": 1}


def cdiv(a, b):
    return -(-a // b)


def smooth_max(a, b, p):
    return (a**p + b**p) ** (1.0 / p)


def gemm_seconds(P, c):
    g = P["gemm"]
    m, n, k, dt = c["m"], c["n"], c["k"], c["dtype"]
    tiles = cdiv(m, g["tileM"]) * cdiv(n, g["tileN"])
    sms = P["smCount"]
    if tiles < sms:  # below one wave a library splits K to fill the GPU
        tiles *= max(1, min(sms // tiles, cdiv(k, g["splitKChunk"])))
    wave_eff = tiles / (sms * cdiv(tiles, sms))
    k_eff = k / (k + g["kRampElements"])
    flops = 2.0 * m * n * k
    t_comp = flops / (P["peakFlopsPerSecond"][dt] * g["achievable"][dt] * wave_eff * k_eff)
    bytes_ = (m * k + k * n) * IN_BYTES[dt] + m * n * 2
    t_mem = bytes_ / (P["hbmBytesPerSecond"] * g["hbmEfficiency"])
    return g["launchSeconds"] + smooth_max(t_comp, t_mem, g["smoothMaxPower"])


def attention_seconds(P, c):
    a = P["attention"]
    b, h, sq, skv, d = c["batch"], c["heads"], c["seqQ"], c["seqKV"], c["headDim"]
    sms = P["smCount"]
    if sq == 1:  # decode: streams K and V once; split over KV chunks to fill the GPU
        bytes_ = 2 * b * h * skv * d * 2 + 2 * b * h * d * 2
        ctas = b * h * cdiv(skv, a["decodeSplitKV"])
        fill = min(1.0, ctas / (2.0 * sms)) ** 0.5
        return a["launchSeconds"] + bytes_ / (P["hbmBytesPerSecond"] * a["decodeHbmEfficiency"] * fill)
    nq = cdiv(sq, a["blockQ"])
    nk = cdiv(skv, a["blockKV"])
    blocks = nq * nk if not c["causal"] else sum(min(nk, cdiv((i + 1) * a["blockQ"], a["blockKV"])) for i in range(nq))
    flops = 4.0 * b * h * d * a["blockQ"] * a["blockKV"] * blocks
    ctas = b * h * nq
    wave_eff = ctas / (sms * cdiv(ctas, sms))
    frac = a["achievablePeak"] * d / (d + a["headDimHalf"]) * skv / (skv + a["seqRamp"])
    return a["launchSeconds"] + flops / (P["peakFlopsPerSecond"]["bf16"] * frac * (0.5 + 0.5 * wave_eff))


def generate(params, seed, date):
    rng = random.Random(seed)
    records, skipped = [], []
    for c in shapes.all_cases():
        reason = shapes.fp8_unsupported_reason(c) if c["kind"] == "gemm" else None
        if c["kind"] == "gemm" and c["dtype"] not in params["peakFlopsPerSecond"]:
            reason = f"no {c['dtype']} on this GPU"  # what the harness records on an A100
        if reason:
            skipped.append({"id": c["id"], "reason": reason})
            continue
        t = gemm_seconds(params, c) if c["kind"] == "gemm" else attention_seconds(params, c)
        t *= math.exp(rng.gauss(0.0, params["noiseSigma"]))
        records.append({**c, "timeSeconds": float(f"{t:.6e}")})
    prov = {
        "kind": "synthetic",
        "synthetic": True,
        "generator": f"native/synthetic/generate.py --seed {seed} (independent formula + log-normal noise sigma {params['noiseSigma']}; NOT a measurement)",
        "date": date,
        "gpu": {
            "name": f"SYNTHETIC {params['gpuName']}",
            "smCount": params["smCount"],
            "computeCapability": params.get("computeCapability", "9.0"),
            "driver": "synthetic",
            "clocks": {"smMHz": None, "memMHz": None},
            "powerLimitWatts": None,
        },
        "software": {"cuda": "synthetic", "torch": "synthetic"},
        "timing": {"method": "synthetic formula, no timing", "warmupRuns": 0, "timedRuns": 20, "statistic": "median"},
    }
    return record.build_file(prov, records, skipped)


def main(argv=None):
    p = argparse.ArgumentParser(description="Generate a SYNTHETIC GPU measurement file (test data, not a measurement)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--date", default="2026-11-22")
    p.add_argument("--params", default=os.path.join(HERE, "h100-params.json"))
    p.add_argument("--out", default=os.path.join(HERE, "..", "measurements"))
    p.add_argument("--stdout", action="store_true")
    args = p.parse_args(argv)
    with open(args.params) as f:
        params = json.load(f)
    doc = generate(params, args.seed, args.date)
    text = record.dumps(doc)
    if args.stdout:
        sys.stdout.write(text)
        return 0
    path = os.path.join(args.out, record.measurement_filename(params["gpuName"], args.date, synthetic=True))
    with open(path, "w") as f:
        f.write(text)
    print(os.path.relpath(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
