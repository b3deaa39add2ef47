#!/usr/bin/env bash
# Starts a real single-node Slurm on this machine, for the sweep's Slurm test (test/sweep/slurm.test.ts).
#   scripts/slurm/start.sh DIR     -> configures and starts munged, slurmctld and slurmd with every path
#                                     (config, state, spool, pids, logs, munge socket) under DIR
#   SLURM_CONF=DIR/slurm.conf sbatch ...   then talks to it; scripts/slurm/stop.sh DIR stops it.
# As root it installs Debian's slurm-wlm and munge when they are missing. No systemd, no cgroups:
# proctrack/linuxproc, task/none (settings checked on Debian 12, slurm-wlm 22.05, 2 cores).
# Exit codes: 0 running; 3 cannot run here (not root and not installed: the reason is printed); 1 failed.
set -euo pipefail
dir=$(mkdir -p "${1:?usage: start.sh STATE_DIR}" && cd "$1" && pwd)
ctld_port=${SLURM_TEST_CTLD_PORT:-6817}
slurmd_port=${SLURM_TEST_SLURMD_PORT:-6818}

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "slurm-wlm and munge are not installed, and installing them needs root"
    exit 3
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq slurm-wlm munge >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq slurm-wlm munge >/dev/null; }
fi
if [ "$(id -u)" != 0 ]; then
  echo "a Slurm with SlurmUser=root and munged need root"
  exit 3
fi

# munge: the key Slurm's auth/munge signs with; a private socket so no other munged is disturbed
mkdir -p /etc/munge "$dir/munge" /var/lib/munge /var/log/munge /run/munge
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key /var/lib/munge /var/log/munge /run/munge "$dir/munge" 2>/dev/null || true
chmod 400 /etc/munge/munge.key
chmod 700 "$dir/munge"
munged --force --socket="$dir/munge/munge.socket" --pid-file="$dir/munge/munged.pid" \
  --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" 2>"$dir/munge/start.err" || { cat "$dir/munge/start.err"; exit 1; }

host=$(hostname -s)
mem=$(( $(free -m | awk '/^Mem:/ {print $2}') * 9 / 10 ))
mkdir -p "$dir/state" "$dir/spool" "$dir/log"
cat >"$dir/slurm.conf" <<CONF
ClusterName=tessera-test
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
NodeName=$host CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -c >/dev/null 2>&1 || { echo "slurmctld did not start:"; tail -5 "$dir/log/slurmctld.log" 2>/dev/null; exit 1; }
slurmd >/dev/null 2>&1 || { echo "slurmd did not start:"; tail -5 "$dir/log/slurmd.log" 2>/dev/null; exit 1; }
for _ in $(seq 1 60); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then exit 0; fi
  sleep 0.5
done
echo "the node did not become idle in 30 s:"
sinfo 2>&1 | tail -3
tail -5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" 2>/dev/null
exit 1
