#!/usr/bin/env bash
# The batch script `kiln schedule --kind slurm` writes, run by a real Slurm on this one machine: munged,
# slurmctld and one slurmd on 127.0.0.1 (private config, state and sockets in a temporary folder; SLURM_CONF
# always set, so no Slurm command looks for a DNS SRV record). The sweep must run under srun, write its
# report and add it to the history. Usage: sweep_slurm.sh KILN SOURCE_DIR. Exit 77 (skipped) without root or
# Slurm (Debian: slurm-wlm, munge). Everything it starts is stopped on exit, also on failure.
set -euo pipefail
kiln=$(readlink -f "$1") source_dir=$(readlink -f "$2")
for program in munged slurmctld slurmd sbatch sinfo; do
  command -v "$program" >/dev/null || { echo "SKIPPED: $program is not installed"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "SKIPPED: needs root"; exit 77; }

work=$(mktemp -d /tmp/kiln-slurm-XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  set +e
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  sleep 1
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  if [ "${keep:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for log in "$work"/*.log; do echo "== $log"; tail -20 "$log"; done; keep=0; exit 1; }

node=$(hostname)
port=$((20000 + RANDOM % 20000))
mkdir -m 700 "$work/munge"
mkdir -p "$work/state" "$work/spool" "$work/schedule" "$work/reports"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge.sock" --pid-file="$work/munged.pid" \
  --log-file="$work/munged.log" --seed-file="$work/munge/seed" --foreground > "$work/munged.out.log" 2>&1 &
pids+=($!)

cat > "$work/slurm.conf" <<CONF
ClusterName=kilntest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$work/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"
for _ in $(seq 1 50); do [ -S "$work/munge.sock" ] && break; sleep 0.1; done
slurmctld -D -i -f "$SLURM_CONF" > "$work/slurmctld.out.log" 2>&1 &
pids+=($!)
slurmd -D -N "$node" -f "$SLURM_CONF" > "$work/slurmd.out.log" 2>&1 &
pids+=($!)
ready=
for _ in $(seq 1 60); do
  state=$(sinfo -h -N -o '%T' 2>/dev/null | head -1 || true)
  [ "$state" = idle ] && { ready=1; break; }
  sleep 1
done
[ -n "$ready" ] || fail "the Slurm node did not become idle (state '${state:-none}')"

"$kiln" schedule --kind slurm --out "$work/schedule" --reports "$work/reports" --history "$work/history.db" \
  --nodes 1 --time 00:10:00 --suite "$source_dir/tests/fixtures/suites/burnin_small.xml" \
  --baseline "$source_dir/tests/fixtures/baselines/emulated.xml" --cluster slurm-test
status=0
timeout 300 sbatch --wait "$work/schedule/kiln-sweep.sbatch" || status=$?
cat "$work"/reports/kiln-sweep-*.log 2>/dev/null || true
[ "$status" = 0 ] || fail "sbatch --wait exited $status"
report=$(ls "$work"/reports/*/report.json 2>/dev/null | head -1)
[ -n "$report" ] || fail "the sweep wrote no report"
python3 - "$report" <<'CHECK'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["run"]["launcher"] == "srun", r["run"]["launcher"]
# A sweep of burnin_small judges less than an acceptance: a partial pass, exit 0.
assert r["summary"]["outcome"] in ("pass", "partial") and r["summary"]["exit_code"] == 0, r["summary"]
print("report:", r["cluster"]["name"], r["run"]["launcher"], r["summary"]["outcome"])
CHECK
"$kiln" history --db "$work/history.db" | tail -1
[ "$("$kiln" history --db "$work/history.db" --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["series"]))')" -gt 0 ] \
  || fail "the history holds no series"
echo "PASS: the scheduled Slurm sweep ran under srun and reached the history"
