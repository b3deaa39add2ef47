"""Measure GEMM and attention kernels on an NVIDIA GPU with PyTorch and CUDA events.

Usage (on a GPU machine; see native/run.sh and docs/GPU.md):
  python3 native/harness/measure.py --out native/measurements [--runs 25] [--warmup 5] [--only gemm|attention]
  python3 native/harness/measure.py --list        # print the protocol's cases as JSON (no torch needed)

Each case: warm-up runs, then >= 20 timed runs, each between two CUDA events with L2 flushed before
it, and the median recorded. Needs only torch (and the NVIDIA driver); triton/cudnn versions are
recorded when present.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import record  # noqa: E402
import shapes  # noqa: E402

L2_FLUSH_BYTES = 256 * 1024 * 1024


class HarnessError(Exception):
    pass


def require_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        raise HarnessError("PyTorch is not installed: the harness runs on a GPU machine with torch (see docs/GPU.md)")
    import torch

    if not torch.cuda.is_available():
        raise HarnessError("torch sees no CUDA device: run the harness on a machine with an NVIDIA GPU")
    return torch


def nvidia_smi_fields():
    fields = ["name", "driver_version", "clocks.sm", "clocks.mem", "clocks.max.sm", "clocks.max.mem", "power.limit", "memory.total"]
    try:
        out = subprocess.run(
            ["nvidia-smi", f"--query-gpu={','.join(fields)}", "--format=csv,noheader,nounits", "-i", "0"],
            capture_output=True, text=True, timeout=30, check=True,
        ).stdout.strip().split(", ")
        return dict(zip(fields, out))
    except (OSError, subprocess.SubprocessError):
        return {}


def number_or_none(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def provenance(torch, args):
    props = torch.cuda.get_device_properties(0)
    smi = nvidia_smi_fields()
    sw = {"cuda": str(torch.version.cuda), "torch": torch.__version__, "python": platform.python_version()}
    try:
        import triton

        sw["triton"] = triton.__version__
    except ImportError:
        sw["triton"] = None
    sw["cudnn"] = str(torch.backends.cudnn.version())
    try:
        nvcc = subprocess.run(["nvcc", "--version"], capture_output=True, text=True, timeout=30).stdout
        sw["nvcc"] = nvcc.strip().splitlines()[-1] if nvcc.strip() else None
    except OSError:
        sw["nvcc"] = None
    return {
        "kind": "measured",
        "synthetic": False,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "gpu": {
            "name": props.name,
            "smCount": props.multi_processor_count,
            "computeCapability": f"{props.major}.{props.minor}",
            "driver": smi.get("driver_version") or "unknown (nvidia-smi unavailable)",
            "memoryBytes": props.total_memory,
            "clocks": {
                "smMHz": number_or_none(smi.get("clocks.sm")),
                "memMHz": number_or_none(smi.get("clocks.mem")),
                "maxSmMHz": number_or_none(smi.get("clocks.max.sm")),
                "maxMemMHz": number_or_none(smi.get("clocks.max.mem")),
            },
            "powerLimitWatts": number_or_none(smi.get("power.limit")),
        },
        "software": sw,
        "timing": {
            "method": "cuda-events",
            "warmupRuns": args.warmup,
            "timedRuns": args.runs,
            "statistic": "median",
            "l2FlushBytes": L2_FLUSH_BYTES,
        },
        "host": {"hostname": platform.node(), "platform": platform.platform()},
    }


def time_kernel(torch, fn, warmup, runs, flush):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(runs)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(runs)]
    for i in range(runs):
        flush.zero_()  # evict L2 so every run starts cold, as a kernel in a real model would
        starts[i].record()
        fn()
        ends[i].record()
    torch.cuda.synchronize()
    return record.median([s.elapsed_time(e) * 1e-3 for s, e in zip(starts, ends)])


def gemm_fn(torch, case):
    m, n, k = case["m"], case["n"], case["k"]
    dev = "cuda"
    if case["dtype"] == "bf16":
        a = torch.randn(m, k, device=dev, dtype=torch.bfloat16)
        b = torch.randn(k, n, device=dev, dtype=torch.bfloat16)
        return lambda: torch.matmul(a, b)
    # fp8: A row-major, B column-major, per-tensor scales, bf16 output (what an fp8 linear layer does)
    a = torch.randn(m, k, device=dev).to(torch.float8_e4m3fn)
    b = torch.randn(n, k, device=dev).to(torch.float8_e4m3fn).t()
    one = torch.ones((), device=dev, dtype=torch.float32)

    def run():
        r = torch._scaled_mm(a, b, scale_a=one, scale_b=one, out_dtype=torch.bfloat16)
        return r[0] if isinstance(r, tuple) else r  # older torch returned (out, amax)

    return run


def attention_fn(torch, case):
    import torch.nn.functional as F

    b, h, sq, skv, d = case["batch"], case["heads"], case["seqQ"], case["seqKV"], case["headDim"]
    q = torch.randn(b, h, sq, d, device="cuda", dtype=torch.bfloat16)
    k = torch.randn(b, h, skv, d, device="cuda", dtype=torch.bfloat16)
    v = torch.randn(b, h, skv, d, device="cuda", dtype=torch.bfloat16)
    try:
        from torch.nn.attention import SDPBackend, sdpa_kernel

        ctx = lambda: sdpa_kernel(SDPBackend.FLASH_ATTENTION)  # noqa: E731
    except ImportError:
        ctx = lambda: torch.backends.cuda.sdp_kernel(enable_flash=True, enable_math=False, enable_mem_efficient=False)  # noqa: E731

    def run():
        with ctx():
            return F.scaled_dot_product_attention(q, k, v, is_causal=case["causal"])

    return run


def supports_fp8(torch):
    return torch.cuda.get_device_capability(0) >= (8, 9) and hasattr(torch, "_scaled_mm") and hasattr(torch, "float8_e4m3fn")


def measure(args):
    torch = require_torch()
    prov = provenance(torch, args)
    cases = shapes.all_cases()
    if args.only:
        cases = [c for c in cases if c["kind"] == args.only]
    flush = torch.empty(L2_FLUSH_BYTES // 4, device="cuda", dtype=torch.float32)
    fp8 = supports_fp8(torch)
    records, skipped = [], []
    t0 = time.time()
    for i, case in enumerate(cases):
        reason = None
        if case["kind"] == "gemm" and case["dtype"] == "fp8e4m3":
            reason = "this GPU or torch has no fp8 _scaled_mm" if not fp8 else shapes.fp8_unsupported_reason(case)
        if reason:
            skipped.append({"id": case["id"], "reason": reason})
            continue
        try:
            fn = gemm_fn(torch, case) if case["kind"] == "gemm" else attention_fn(torch, case)
            seconds = time_kernel(torch, fn, args.warmup, args.runs, flush)
            records.append({**case, "timeSeconds": seconds})
        except Exception as e:  # a kernel the library rejects is recorded, not fatal
            skipped.append({"id": case["id"], "reason": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"})
        finally:
            torch.cuda.empty_cache()
        print(f"[{i + 1}/{len(cases)}] {case['id']} ({time.time() - t0:.0f} s)", file=sys.stderr)
    doc = record.build_file(prov, records, skipped)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, record.measurement_filename(prov["gpu"]["name"], prov["date"]))
    with open(path, "w") as f:
        f.write(record.dumps(doc))
    print(path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "measurements"))
    p.add_argument("--runs", type=int, default=25)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--only", choices=["gemm", "attention"])
    p.add_argument("--list", action="store_true", help="print the cases as JSON and exit (no torch needed)")
    args = p.parse_args(argv)
    if args.list:
        print(json.dumps(shapes.all_cases(), indent=1))
        return 0
    if args.runs < 20:
        print("error: the protocol asks for the median of at least 20 runs (--runs >= 20)", file=sys.stderr)
        return 1
    try:
        measure(args)
    except HarnessError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
