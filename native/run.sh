#!/usr/bin/env bash
# Runs the whole measurement harness on a GPU machine (about 5 minutes on an H100; hard limit 20).
# Writes native/measurements/<gpu>-<date>.json. Needs python3 with torch and an NVIDIA driver; nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
exec timeout 20m python3 native/harness/measure.py --out native/measurements "$@"
