#!/usr/bin/env bash
# kiln bisect on an emulated cluster: 8 "hosts", each a network namespace with its own hostname, joined by a
# bridge; Open MPI reaches them through a launch agent (shared/netns-cluster.md). One fault per scenario:
#   healthy   nothing wrong: nobody may be accused, nothing warned
#   slow      h3's link throttled to 100 Mbit/s with tc tbf: h3 and only h3
#   two-slow  h2 and h6 throttled at once: both, and nobody else
#   oneway    only the traffic from h3 to h7 at 100 Mbit/s (htb + u32 filter: a bad path one way, as a faulty
#             spine link gives under static routing): the link h3<->h7, and neither host
#   link      h1 <-> h5 at 100 Mbit/s both ways: the link, and neither host
#   links     link and oneway at once, on one bring-up and one search (CI runs this, the two alone by hand): both
#             links, and none of the four hosts
#   cover     h1 <-> h5 at 10 Mbit/s, found by the cover stage: one matching in pairs (h1 and h5 never meet
#             there), then mpi_alltoall on the affine plane's groups (--every-pair-up-to 2 --cover-links)
#   crawl     h6 at 4 Mbit/s: one 4 MiB message takes 8 s, the pair probe cannot finish its samples in its
#             30 s step: h6, as slow (its bandwidth measured), never as hung
#   linkdown  h4's link goes down once the bisection is under way: h4 and only h4
#   hung      every kiln process on h5 freezes (SIGSTOP) as it starts: h5 and only h5
#   starved   every process on h4 runs in a cgroup capped at 5% of one CPU: h4 (its compute rate against
#             its peers', in the node stage) and only h4
#   two-slow-starved  two-slow and starved at once, on one bring-up and one search (CI runs this, the two alone
#             by hand): h2, h4 and h6, and nobody else
#   slow-run  as slow, through `kiln run --hosts --bisect`: the run fails, its report names h3
# Usage: bisect_netns.sh KILN SOURCE_DIR SCENARIO. Exit 77 (skipped) without root or namespaces. Everything it
# makes (namespaces, bridge, processes, files) is removed on exit, also on failure; traffic stays inside.
set -euo pipefail
kiln=$(readlink -f "$1") source_dir=$2 scenario=$3
hosts=8
case $scenario in
  healthy) subnet=1 culprits= ;;
  slow) subnet=2 culprits=h3 ;;
  linkdown) subnet=3 culprits=h4 ;;
  hung) subnet=4 culprits=h5 ;;
  slow-run) subnet=5 culprits=h3 ;;
  two-slow) subnet=6 culprits="h2 h6" ;;
  oneway) subnet=7 culprits="h3<->h7" ;;
  link) subnet=8 culprits="h1<->h5" ;;
  links) subnet=12 culprits="h1<->h5 h3<->h7" ;;
  starved) subnet=9 culprits=h4 ;;
  two-slow-starved) subnet=13 culprits="h2 h4 h6" ;;
  crawl) subnet=10 culprits=h6 ;;
  cover) subnet=11 culprits="h1<->h5" ;;
  *) echo "unknown scenario '$scenario'" >&2; exit 2 ;;
esac
cgroup=
if [ "$scenario" = starved ] || [ "$scenario" = two-slow-starved ]; then
  [ -d /sys/fs/cgroup/cpu ] || { echo "SKIPPED: needs the cgroup v1 cpu controller"; exit 77; }
  cgroup=/sys/fs/cgroup/cpu/kiln-starved-$$
  for stale in /sys/fs/cgroup/cpu/kiln-starved-*; do  # left by a run killed before its cleanup
    [ -d "$stale" ] && ! kill -0 "${stale##*-}" 2>/dev/null || continue
    for pid in $(cat "$stale/cgroup.procs" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    sleep 0.5
    rmdir "$stale" 2>/dev/null || true
  done
fi
if [ "$(id -u)" != 0 ] || ! ip netns add kiln-probe-$$ 2>/dev/null; then
  echo "SKIPPED: needs root and network namespaces"; exit 77
fi
ip netns del kiln-probe-$$

# A tag (short: interface names have 15 characters at most) and a /24 that nothing here uses, after reaping
# what a test killed before its cleanup left behind.
source "$source_dir/tests/support/netns_lease.sh"
netns_lease kb $((200 + subnet)) $hosts
tag=$lease_tag net=$lease_net
work=$(mktemp -d /tmp/kiln-netns-XXXXXX)
cleanup() {
  local rc=$?
  set +e
  if [ "$rc" != 0 ] && [ -d "$work/out/trials" ]; then  # the launcher's own words on trials that did not pass, for CI
    local shown=0
    for log in $(find "$work/out/trials" -name launcher.log | sort); do
      grep -q ': PASSED' "$log" && continue
      echo "---- $log"; tail -40 "$log"
      shown=$((shown + 1)); [ "$shown" -ge 5 ] && break
    done
  fi
  netns_remove "$tag" $hosts
  netns_release
  if [ -n "$cgroup" ] && [ -d "$cgroup" ]; then
    for pid in $(cat "$cgroup/cgroup.procs" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    sleep 0.5
    rmdir "$cgroup" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

ip link add "${tag}br" type bridge
ip addr add "$net.254/24" dev "${tag}br"
ip link set "${tag}br" up
{
  echo "127.0.0.1 localhost $(hostname)"
  for i in $(seq 1 $hosts); do echo "$net.$((i + 1)) h$i"; done
} > "$work/hosts"
echo "nameserver 127.0.0.1" > "$work/resolv.conf"
: > "$work/hostfile"
for i in $(seq 1 $hosts); do
  ns="${tag}h$i"
  ip netns add "$ns"
  ip link add "${tag}v$i" type veth peer name veth0 netns "$ns"
  ip link set "${tag}v$i" master "${tag}br" up
  ip -n "$ns" addr add "$net.$((i + 1))/24" dev veth0
  ip -n "$ns" link set veth0 up
  ip -n "$ns" link set lo up
  echo "h$i" >> "$work/hostfile"
done

# On the hung host, kiln is replaced (in that host's own mount namespace) by a copy that freezes as it starts.
cp "$kiln" "$work/kiln-real"
printf '#!/bin/sh\n"%s" "$@" &\nkill -STOP $!\nwait $!\n' "$work/kiln-real" > "$work/kiln-frozen"
chmod +x "$work/kiln-frozen"
hang_host=
[ "$scenario" = hung ] && hang_host=h5
starved_host=
if [ -n "$cgroup" ]; then
  starved_host=h4
  mkdir "$cgroup"
  echo 100000 > "$cgroup/cpu.cfs_period_us"
  echo 5000 > "$cgroup/cpu.cfs_quota_us"
fi

# Open MPI's rsh agent: run the command inside the host's namespace, under the host's own hostname.
cat > "$work/agent" <<AGENT
#!/bin/sh
host="\${1#*@}"
shift
if [ "\$host" = "$hang_host" ]; then
  exec ip netns exec "${tag}\$host" unshare --uts --mount sh -c 'mount --bind "$work/kiln-frozen" "$kiln"; hostname "\$1"; shift; exec sh -c "\$*"' agent "\$host" "\$@"
fi
if [ "\$host" = "$starved_host" ]; then
  echo \$\$ > "$cgroup/cgroup.procs"
fi
# nsenter, not ip netns exec: that one remounts /sys, and the host's cgroups (a CPU quota's bookkeeping) go.
exec unshare --uts nsenter --net="/run/netns/${tag}\$host" sh -c 'hostname "\$1"; shift; exec sh -c "\$*"' agent "\$host" "\$@"
AGENT
chmod +x "$work/agent"

slow_host() {  # both directions of host $1's link, at $2 (default 100mbit)
  local rate=${2:-100mbit}
  ip netns exec "${tag}$1" tc qdisc add dev veth0 root tbf rate "$rate" burst 64kb latency 400ms
  tc qdisc add dev "${tag}v${1#h}" root tbf rate "$rate" burst 64kb latency 400ms
}
slow_path() {  # only what host $1 sends to host $2, at $3 (default 100mbit)
  local ns="${tag}$1" dst="$net.$(( ${2#h} + 1 ))" rate=${3:-100mbit}
  ip netns exec "$ns" tc qdisc add dev veth0 root handle 1: htb default 10 2>/dev/null
  ip netns exec "$ns" tc class add dev veth0 parent 1: classid 1:10 htb rate 10gbit 2>/dev/null
  ip netns exec "$ns" tc class add dev veth0 parent 1: classid 1:20 htb rate "$rate" 2>/dev/null
  ip netns exec "$ns" tc filter add dev veth0 parent 1: protocol ip prio 1 u32 match ip dst "$dst/32" flowid 1:20
}
case $scenario in
  slow|slow-run) slow_host h3 ;;
  two-slow|two-slow-starved) slow_host h2; slow_host h6 ;;
  crawl) slow_host h6 4mbit ;;
  oneway) slow_path h3 h7 ;;
  link) slow_path h1 h5; slow_path h5 h1 ;;
  links) slow_path h1 h5; slow_path h5 h1; slow_path h3 h7 ;;
  cover) slow_path h1 h5 10mbit; slow_path h5 h1 10mbit ;;
esac

mpi_args="--mca plm_rsh_agent $work/agent --mca plm_rsh_no_tree_spawn 1 --mca pml ob1 --mca btl tcp,self"
mpi_args+=" --mca btl_tcp_if_include $net.0/24 --mca oob_tcp_if_include $net.0/24 --mca osc ^ucx"
mpi_args+=" --mca oob_tcp_keepalive_time 5 --mca oob_tcp_keepalive_intvl 2 --mca oob_tcp_keepalive_probes 3"
out="$work/out"
started=$(date +%s)
suite="$source_dir/tests/fixtures/suites/bisect_netns.xml"
baseline="$source_dir/tests/fixtures/baselines/netns.xml"
slack=20  # seconds a trial may take to launch beyond its steps' timeouts (--launch-slack)
if [ "$scenario" = linkdown ] || [ "$scenario" = hung ]; then
  # These two wait out trials that never end (h4's pairs and h4 alone once its link is down: 4 trials; h5's node
  # trial and its confirmation: 2), each until its steps' timeouts plus the slack. Shorter here: health and node
  # steps 10 s, the pair step 15 s (the crawl scenario's 4 Mbit/s link needs the shared 30 s), slack 10 s, so a node
  # trial may take 30 s and a pair trial 25 s. Healthy trials (launch and steps) took 3-5 s on an idle machine and
  # at most 13.4 s (node) and 10.7 s (pair) at load 20 on 2 cores (docs/measurements.md): a trial past its time
  # is retested before anyone is accused, and these limits stay twice the slowest seen under that load.
  sed -e 's|<step probe="health" timeout="15s"/>|<step probe="health" timeout="10s"/>|' \
      -e 's|<step probe="host_compute" timeout="15s">|<step probe="host_compute" timeout="10s">|' \
      -e 's|<step probe="mpi_link" timeout="30s">|<step probe="mpi_link" timeout="15s">|' "$suite" > "$work/suite.xml"
  [ "$(grep -c -e 'probe="health" timeout="10s"' -e 'probe="host_compute" timeout="10s"' \
       -e 'probe="mpi_link" timeout="15s"' "$work/suite.xml")" = 3 ] || { echo "FAIL: the step timeouts were not set"; exit 1; }
  suite=$work/suite.xml slack=10
fi
if [ "$scenario" = slow-run ]; then
  command=("$kiln" run --hosts "$work/hostfile" --bisect --suite "$suite" --baseline "$baseline" --mpirun-args "$mpi_args")
elif [ "$scenario" = cover ]; then
  # One matching in pairs (h1 and h5 never meet there), then the all-to-all on the affine plane's groups of 3.
  command=("$kiln" bisect --hosts "$work/hostfile" --probe mpi_alltoall --baseline "$baseline"
           --suite "$source_dir/tests/fixtures/suites/bisect_netns_alltoall.xml"
           --launcher mpirun --launcher-args "$mpi_args" --launch-slack 20 --every-pair-up-to 2 --cover-links)
else
  command=("$kiln" bisect --hosts "$work/hostfile" --probe mpi_allreduce --suite "$suite" --baseline "$baseline"
           --launcher mpirun --launcher-args "$mpi_args" --launch-slack "$slack")
fi
# Fake hostnames never reach DNS: a private /etc/hosts and resolv.conf in a mount namespace of our own.
unshare --mount sh -c 'mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/resolv.conf && shift 2 && exec "$@"' \
  sh "$work/hosts" "$work/resolv.conf" "${command[@]}" --out "$out" --cluster "netns-$scenario" > "$work/bisect.log" 2>&1 &
bisect=$!
if [ "$scenario" = linkdown ]; then
  # Mid-run: once the node stage is over and the pair rounds have started.
  for _ in $(seq 1 600); do [ -d "$out/trials/round0001" ] && break; sleep 0.2; done
  ip -n "${tag}h4" link set veth0 down
  echo "h4's link down after $(( $(date +%s) - started ))s"
fi
status=0
wait "$bisect" || status=$?
elapsed=$(( $(date +%s) - started ))
cat "$work/bisect.log"
echo "kiln bisect exit $status after ${elapsed}s"

python3 - "$out/report.json" "$culprits" "$status" "$scenario" "$source_dir/tests/support" <<'CHECK'
import json, sys
path, culprits, status, scenario = sys.argv[1], sys.argv[2].split(), int(sys.argv[3]), sys.argv[4]
sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, sys.argv[5])
from bisect_report import finding_name, print_rounds
report = json.load(open(path))
b = report["bisection"]
accused = sorted(finding_name(f) for f in b["findings"] if f["kind"] != "unresolved")
unresolved = [f["reason"] for f in b["findings"] if f["kind"] == "unresolved"]
print_rounds(b)
print("pair coverage:", b["pair_coverage"]["text"])
# Against the step timeouts: how long the trials that passed took (launch included), and those that did not.
slowest = {}
for t in (t for r in b["rounds"] for t in r["trials"] if t.get("outcome") == "pass" and "trials" not in t):
    slowest[t.get("kind", "?")] = max(slowest.get(t.get("kind", "?"), 0), t["seconds"])
others = [f'{t.get("nodes")} {t.get("outcome")} {t["seconds"]:.1f}s' for r in b["rounds"] for t in r["trials"]
          if t.get("outcome") != "pass"]
print("slowest passing trial:", ", ".join(f"{k} {v:.1f}s" for k, v in slowest.items()), "; others:", others)
node_values = [f'{t.get("nodes")}={t["value"]:.3g}' for t in b["rounds"][0]["trials"] if t.get("value") is not None]
print("node stage values:", " ".join(node_values))
print("accused:", accused, "unresolved:", unresolved)
assert accused == sorted(culprits), f"accused {accused}, expected {sorted(culprits)}"
assert not unresolved, f"unresolved: {unresolved}"
if scenario not in ("linkdown", "hung"):  # a slow node or link is slow, never hung
    hangs = [(r["index"], t.get("nodes")) for r in b["rounds"] for t in r["trials"] if t.get("outcome") == "hang"]
    assert not hangs, f"trials reported as hung: {hangs}"
assert status == (1 if culprits else 0), f"exit {status}"
# A bisection is no acceptance: a healthy cluster is a partial pass (exit 0), never "accepted".
assert report["summary"]["outcome"] == ("fail" if culprits else "partial"), report["summary"]["outcome"]
warned = [v for v in report["verdicts"] if v["outcome"] == "warn"]
assert not warned, f"warnings: {warned}"
failing = {s["subject"]["nodes"][0] for s in report["summary"]["failing_subjects"] if s["subject"]["kind"] == "node"}
assert failing == {c for c in culprits if "<->" not in c}, f"failing nodes in the summary: {failing}"
failing_links = {"<->".join(sorted(s["subject"]["nodes"])) for s in report["summary"]["failing_subjects"]
                 if s["subject"]["kind"] == "pair"}
assert {c for c in culprits if "<->" in c} <= failing_links, f"failing pairs in the summary: {failing_links}"
CHECK
echo "PASS: $scenario: accused exactly [${culprits}] in ${elapsed}s"
