#!/usr/bin/env bash
# Stops what scripts/slurm/start.sh DIR started, by the pids in its pid files (slurmd, slurmctld, munged).
dir=${1:?usage: stop.sh STATE_DIR}
for f in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
  if [ -s "$f" ]; then
    pid=$(cat "$f")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
done
exit 0
