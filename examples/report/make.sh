#!/usr/bin/env bash
# Makes the example reports (run from the repository root): each command writes one self-contained page.
# test/report/browser.test.ts runs exactly these `t` lines (and checks README.md lists the same commands).
set -euo pipefail
out=${1:-examples/report/out}
mkdir -p "$out"
t() { npx tsx compiler/driver/main.ts "$@"; }
# 1. LLaMA-2-7B decode (b=1, KV 2048, all 32 layers) on h100, analytic
t lower --model data/models/llama-2-7b.json --phase decode --kv 2048 -o "$out/llama-2-7b-decode.ein"
t run "$out/llama-2-7b-decode.ein" --target h100 --json > "$out/llama-decode-h100.json"
t report "$out/llama-decode-h100.json" -o "$out/llama-decode-h100.html"
# 2. The COSMA experiment's setting: an ILP schedule of one transformer block across SN40L's SRAM, HBM and DDR at budget M_R
t schedule examples/schedule/block.ein --target sn40l --budget MR --report "$out/schedule-block-sn40l.html"
# 3. The GPU model against published H100 measurements (Vidur's LLaMA-2-7B linear layers)
t validate gpu --measurements native/measurements/published/h100-vidur-llama2-7b-linear.json --json > "$out/validate-h100.json"
t report "$out/validate-h100.json" -o "$out/validate-h100.html"
# 4. The 675-point design-space sweep of examples/dse, drawn straight from its DuckDB file
t sweep examples/dse/sweep.yaml --db "$out/dse.duckdb" --resume --quiet --report "$out/sweep-dse.html"
# All four in one page
t report "$out/llama-decode-h100.json" "$out/validate-h100.json" "$out/dse.duckdb" -o "$out/all.html"
