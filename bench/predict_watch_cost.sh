#!/usr/bin/env bash
# What `kiln watch` costs (issue 27 item 6: <= 0.01 of a core, <= 50 MB RSS at a 1 s interval on a node with a few
# IB ports): runs it at --interval 1s for SECONDS on a fake sysfs of PORTS ports whose nine error counters all
# change every second (the worst case: every reading writes every series), without NVML, then SIGTERM. Prints CPU
# seconds per hour, the share of a core and peak RSS (/usr/bin/time). By hand, never a timed test:
#   bench/predict_watch_cost.sh KILN [SECONDS] [PORTS]
set -euo pipefail
kiln=${1:?usage: predict_watch_cost.sh KILN [SECONDS] [PORTS]}
seconds=${2:-300}
ports=${3:-4}
work=$(mktemp -d)
writer=
trap '[ -n "$writer" ] && kill "$writer" 2>/dev/null; rm -rf "$work"' EXIT
counters="symbol_error link_downed port_rcv_errors link_error_recovery local_link_integrity_errors
excessive_buffer_overrun_errors port_rcv_remote_physical_errors port_rcv_switch_relay_errors port_xmit_discards"
for ((p = 0; p < ports; ++p)); do
  mkdir -p "$work/sys/class/infiniband/mlx5_$p/ports/1/counters"
done
(  # every second, every counter of every port grows
  n=0
  while true; do
    n=$((n + 1))
    for ((p = 0; p < ports; ++p)); do
      for c in $counters; do echo "$n" >"$work/sys/class/infiniband/mlx5_$p/ports/1/counters/$c"; done
    done
    sleep 1
  done
) &
writer=$!
sleep 1
KILN_SYSFS_ROOT="$work/sys" KILN_NVML_LIBRARY=libnvidia-ml-absent.so \
  /usr/bin/time -f "%U %S %M" -o "$work/time" "$kiln" watch --out "$work/out" --interval 1s >"$work/log" 2>&1 &
watcher=$!
sleep "$seconds"
pkill -TERM -P "$watcher" || true  # the kiln under /usr/bin/time, by its parent's id
wait "$watcher" || true
read -r user sys rss_kb <"$work/time"
python3 - "$user" "$sys" "$rss_kb" "$seconds" "$ports" "$(wc -l <"$work/out/samples.jsonl")" "$(cat "$work/log")" <<'PY'
import sys
user, sys_, rss, seconds, ports, lines, log = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
cpu = user + sys_
print("kiln watch, interval 1s, %d ports x 9 counters all changing every second, %.0f s: %s" % (ports, seconds, log.strip()))
import re
readings = int(re.search(r"(\d+) readings", log).group(1))
per = cpu / readings  # a loaded machine stretches the interval: cost per reading, then per hour at 1 s
print("CPU %.2f s (user %.2f, sys %.2f) for %d readings = %.2f ms a reading = %.1f CPU s per hour at 1 s = %.4f of a core"
      " (budget 0.01); peak RSS %.1f MB (budget 50); %d lines written" % (
    cpu, user, sys_, readings, per * 1e3, per * 3600, per, rss / 1024, lines))
PY
