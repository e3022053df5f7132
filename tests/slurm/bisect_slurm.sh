#!/usr/bin/env bash
# kiln bisect through srun on a real multi-node Slurm: 4 hosts, each a network namespace with its own slurmd
# (../shared/netns-cluster.md), one controller on the bridge. Inside an allocation (salloc -N 4) every trial runs
# as a job step on the trial's nodes. The cases share one bring-up, one after the other, each with its own fault:
#   node  h3's link throttled to 100 Mbit/s (tc tbf), kiln left to choose srun on its own: h3 and only h3
#   link  only the traffic between h1 and h3 at 100 Mbit/s, both ways (htb + u32 on the destination), both
#         hosts at full speed with everyone else; `--launcher srun`: the link h1<->h3, neither host, as mpirun
#         finds it (tests/netns/bisect_netns.sh link)
# Each case checks the report (the culprit named, nobody else, nothing hung or unresolved), and that its trials
# really were srun job steps: every trial's own report says srun, and each node's slurmd launched exactly as many
# steps of the case's job as trials ran on that node.
# Usage: bisect_slurm.sh KILN SOURCE_DIR [CASE...] (default: node link). Exit 77 (skipped) without root,
# namespaces or Slurm. Everything it starts is stopped and removed on exit, also on failure; no name reaches DNS
# (a private /etc/hosts and resolv.conf; SLURM_CONF always set).
set -euo pipefail
kiln=$(readlink -f "$1") source_dir=$(readlink -f "$2")
cases=("${@:3}")
[ ${#cases[@]} -gt 0 ] || cases=(node link)
for case in "${cases[@]}"; do
  case $case in node|link) ;; *) echo "unknown case '$case' (node, link)" >&2; exit 2 ;; esac
done
for program in munged slurmctld slurmd salloc srun sinfo; do
  command -v "$program" >/dev/null || { echo "SKIPPED: $program is not installed"; exit 77; }
done
if [ "$(id -u)" != 0 ] || ! ip netns add kiln-probe-$$ 2>/dev/null; then
  echo "SKIPPED: needs root and network namespaces"; exit 77
fi
ip netns del kiln-probe-$$

# Inside a private mount namespace from here on: /etc/hosts and resolv.conf of our own.
if [ -z "${KILN_SLURM_PRIVATE:-}" ]; then
  # Not under /tmp: each emulated node gets a /tmp of its own (Slurm's PMIx plugin makes the same directory
  # name there on every node of a step), while the trials' folders must be seen by all.
  work=$(mktemp -d /var/tmp/kiln-slurm-bisect-XXXXXX)
  chmod 755 "$work"
  # A tag and a /24 that nothing here uses, after reaping what a test killed before its cleanup left.
  source "$source_dir/tests/support/netns_lease.sh"
  netns_lease ks 230 4
  export KILN_SLURM_TAG=$lease_tag KILN_SLURM_NET=$lease_net
  net=$lease_net
  {
    echo "127.0.0.1 localhost $(hostname)"
    for i in 1 2 3 4; do echo "$net.$((i + 1)) h$i"; done
  } > "$work/hosts"
  echo "nameserver 127.0.0.1" > "$work/resolv.conf"
  status=0
  KILN_SLURM_PRIVATE=$work unshare --mount sh -c 'mount --bind "$1/hosts" /etc/hosts && mount --bind "$1/resolv.conf" /etc/resolv.conf && shift && exec "$@"' \
    sh "$work" bash "$0" "$@" || status=$?
  if [ -n "${KILN_KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
  netns_remove "$lease_tag" 4
  netns_release
  exit $status
fi

work=$KILN_SLURM_PRIVATE
net=$KILN_SLURM_NET tag=$KILN_SLURM_TAG
source "$source_dir/tests/support/netns_lease.sh"
pids=()
cleanup() {
  set +e
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  sleep 1
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  netns_remove "$tag" 4
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for log in "$work"/*.log; do echo "== $log"; tail -8 "$log"; done; exit 1; }

ip link add "${tag}br" type bridge
ip addr add "$net.254/24" dev "${tag}br"
ip link set "${tag}br" up
for i in 1 2 3 4; do
  ns="${tag}h$i"
  ip netns add "$ns"
  ip link add "${tag}v$i" type veth peer name veth0 netns "$ns"
  ip link set "${tag}v$i" master "${tag}br" up
  ip -n "$ns" addr add "$net.$((i + 1))/24" dev veth0
  ip -n "$ns" link set veth0 up
  ip -n "$ns" link set lo up
done
port=$((20000 + RANDOM % 20000))
mkdir -m 700 "$work/munge"
mkdir -p "$work/state" "$work/out"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
munged --force --key-file="$work/munge/munge.key" --socket="$work/munge.sock" --pid-file="$work/munged.pid" \
  --log-file="$work/munged.log" --seed-file="$work/munge/seed" --foreground > "$work/munged.out.log" 2>&1 &
pids+=($!)
cat > "$work/slurm.conf" <<CONF
ClusterName=kilnbisect
SlurmctldHost=$(hostname)($net.254)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$work/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/state
# The same path on every node, each its own folder (its private /tmp): the PMIx plugin names a remote
# node's stepd socket by this path without expanding %n, so a per-node name would not be found.
SlurmdSpoolDir=/tmp/slurmd-spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd-%n.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
ReturnToService=2
SlurmdTimeout=30
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=h[1-4] NodeAddr=$net.[2-5] CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF="$work/slurm.conf"
for _ in $(seq 1 50); do [ -S "$work/munge.sock" ] && break; sleep 0.1; done
slurmctld -D -i -f "$SLURM_CONF" > "$work/slurmctld.out.log" 2>&1 &
pids+=($!)
for i in 1 2 3 4; do
  mkdir -p "$work/tmp-h$i/slurmd-spool"
  unshare --mount --uts nsenter --net="/run/netns/${tag}h$i" \
    sh -c "mount --bind $work/tmp-h$i /tmp && hostname h$i && exec slurmd -D -N h$i -f $SLURM_CONF" \
    > "$work/slurmd-h$i.out.log" 2>&1 &
  pids+=($!)
done
ready=
for _ in $(seq 1 60); do
  idle=$(timeout 5 sinfo -h -N -o '%T' 2>/dev/null | grep -c '^idle' || true)
  [ "$idle" = 4 ] && { ready=1; break; }
  sleep 1
done
[ -n "$ready" ] || fail "the 4 Slurm nodes did not become idle ($(timeout 5 sinfo -h -N -o '%N %T' 2>&1 | tr '\n' ' '))"

printf 'h1\nh2\nh3\nh4\n' > "$work/hostfile"
# The nodes see a /tmp of their own: the binary and the files they read live in the shared work folder.
cp "$kiln" "$work/kiln"
cp "$source_dir/tests/fixtures/suites/bisect_netns.xml" "$source_dir/tests/fixtures/baselines/netns.xml" "$work/"
# Open MPI inside srun steps: TCP over the bridge only (srun passes the environment on).
export OMPI_MCA_pml=ob1 OMPI_MCA_btl=tcp,self OMPI_MCA_btl_tcp_if_include=$net.0/24 OMPI_MCA_oob_tcp_if_include=$net.0/24 \
  OMPI_MCA_osc=^ucx

slow_host() {  # both directions of host $1's link
  ip netns exec "${tag}$1" tc qdisc add dev veth0 root tbf rate 100mbit burst 64kb latency 400ms
  tc qdisc add dev "${tag}v${1#h}" root tbf rate 100mbit burst 64kb latency 400ms
}
slow_path() {  # only what host $1 sends to host $2 (htb + u32 on the destination); everything else at full speed
  local ns="${tag}$1" dst="$net.$(( ${2#h} + 1 ))"
  ip netns exec "$ns" tc qdisc add dev veth0 root handle 1: htb default 10
  ip netns exec "$ns" tc class add dev veth0 parent 1: classid 1:10 htb rate 10gbit
  ip netns exec "$ns" tc class add dev veth0 parent 1: classid 1:20 htb rate 100mbit
  ip netns exec "$ns" tc filter add dev veth0 parent 1: protocol ip prio 1 u32 match ip dst "$dst/32" flowid 1:20
}
clear_faults() {
  for i in 1 2 3 4; do
    ip netns exec "${tag}h$i" tc qdisc del dev veth0 root 2>/dev/null || true
    tc qdisc del dev "${tag}v$i" root 2>/dev/null || true
  done
}

# One case on the cluster brought up above: its fault, kiln bisect in an allocation of the 4 nodes, the checks.
run_case() {
  local case=$1 launcher=() out="$work/out/$1" log="$work/bisect-$1.log" status=0 started elapsed job
  clear_faults
  case $case in
    node) slow_host h3 ;;  # kiln chooses srun on its own inside the allocation
    link) slow_path h1 h3; slow_path h3 h1; launcher=(--launcher srun) ;;
    esac
  started=$(date +%s)
  timeout 420 salloc -N 4 --time 00:07:00 "$work/kiln" bisect --hosts "$work/hostfile" --probe mpi_allreduce \
    --suite "$work/bisect_netns.xml" --baseline "$work/netns.xml" "${launcher[@]}" \
    --launcher-args "--mpi=pmix" --launch-slack 30 --out "$out" --cluster "slurm-netns-$case" > "$log" 2>&1 \
    || status=$?
  elapsed=$(( $(date +%s) - started ))
  cat "$log"
  echo "$case: kiln bisect under salloc: exit $status after ${elapsed}s"
  [ -f "$out/report.json" ] || fail "$case: no report"
  job=$(sed -n 's/^salloc: Granted job allocation \([0-9]*\)$/\1/p' "$log")
  [ -n "$job" ] || fail "$case: salloc did not say which job it was granted"
  python3 "$source_dir/tests/slurm/bisect_slurm_check.py" "$case" "$out" "$status" "$work" "$job" \
    || fail "$case: the bisection under srun concluded wrongly"
  echo "PASS: $case: kiln bisect under Slurm (srun) in ${elapsed}s"
}
for case in "${cases[@]}"; do run_case "$case"; done
