#!/usr/bin/env bash
# What `kiln watch` costs (issue 27 item 6: <= 0.01 of a core, <= 50 MB RSS at a 1 s interval on a node with a few
# IB ports, and at the default interval on an 8-GPU node): runs it at INTERVAL for SECONDS on a fake sysfs of PORTS
# ports whose nine error counters all change every second (the worst case: every reading writes every series), two
# EDAC memory controllers with four chip-select rows each whose counters change every second too, and
# with GPUS > 0 on the fake NVML (FAKE_NVML=path of libkiln_fake_nvml.so, built with the tests) whose GPUs' counters
# all change every second too, then SIGTERM. Prints CPU seconds per hour, the share of a core and peak RSS
# (/usr/bin/time). The fake NVML reads a small file at every call: its cost per call is not a real driver's (an
# ioctl into the kernel module), so a GPU number from it is not a real GPU's. By hand, never a timed test:
#   [FAKE_NVML=.../libkiln_fake_nvml.so] bench/predict_watch_cost.sh KILN [SECONDS] [PORTS] [INTERVAL] [GPUS]
set -euo pipefail
kiln=${1:?usage: predict_watch_cost.sh KILN [SECONDS] [PORTS] [INTERVAL] [GPUS]}
seconds=${2:-300}
ports=${3:-4}
interval=${4:-1s}
gpus=${5:-0}
if [ "$gpus" -gt 0 ] && [ ! -f "${FAKE_NVML:-}" ]; then
  echo "predict_watch_cost.sh: GPUS=$gpus needs FAKE_NVML=path of libkiln_fake_nvml.so (build-test/tests/)" >&2
  exit 2
fi
work=$(mktemp -d)
writer=
trap '[ -n "$writer" ] && kill "$writer" 2>/dev/null; rm -rf "$work"' EXIT
counters="symbol_error link_downed port_rcv_errors link_error_recovery local_link_integrity_errors
excessive_buffer_overrun_errors port_rcv_remote_physical_errors port_rcv_switch_relay_errors port_xmit_discards"
gpu_keys="temperature power_mw sm_clock throttle ecc_sbe_volatile ecc_dbe_volatile ecc_dbe_aggregate
remapped_correctable remapped_uncorrectable remap_pending remap_failed pcie_replay pcie_width"
for ((p = 0; p < ports; ++p)); do
  mkdir -p "$work/sys/class/infiniband/mlx5_$p/ports/1/counters"
done
edac_rows=""
for mc in 0 1; do
  edac_rows="$edac_rows $work/sys/devices/system/edac/mc/mc$mc"
  for row in 0 1 2 3; do edac_rows="$edac_rows $work/sys/devices/system/edac/mc/mc$mc/csrow$row"; done
done
for d in $edac_rows; do mkdir -p "$d"; done
(  # every second, every counter of every port and GPU grows (the GPUs' state written whole, then renamed)
  n=0
  while true; do
    n=$((n + 1))
    for ((p = 0; p < ports; ++p)); do
      for c in $counters; do echo "$n" >"$work/sys/class/infiniband/mlx5_$p/ports/1/counters/$c"; done
    done
    for d in $edac_rows; do echo "$n" >"$d/ce_count"; echo "$n" >"$d/ue_count"; done
    if [ "$gpus" -gt 0 ]; then
      {
        echo "devices $gpus"
        for ((g = 0; g < gpus; ++g)); do
          for k in $gpu_keys; do echo "gpu $g $k $n"; done
        done
      } >"$work/nvml.new"
      mv "$work/nvml.new" "$work/nvml"
    fi
    sleep 1
  done
) &
writer=$!
sleep 1
library=libnvidia-ml-absent.so
[ "$gpus" -gt 0 ] && library=$FAKE_NVML
KILN_SYSFS_ROOT="$work/sys" KILN_NVML_LIBRARY=$library KILN_FAKE_NVML_STATE="$work/nvml" \
  /usr/bin/time -f "%U %S %M" -o "$work/time" "$kiln" watch --out "$work/out" --interval "$interval" >"$work/log" 2>&1 &
watcher=$!
sleep "$seconds"
pkill -TERM -P "$watcher" || true  # the kiln under /usr/bin/time, by its parent's id
wait "$watcher" || true
read -r user sys rss_kb <"$work/time"
python3 - "$user" "$sys" "$rss_kb" "$seconds" "$ports" "$(wc -l <"$work/out/samples.jsonl")" "$(cat "$work/log")" \
  "$interval" "$gpus" <<'PY'
import re, sys
user, sys_, rss, seconds, ports, lines, log = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
interval, gpus = sys.argv[8], int(sys.argv[9])
unit = {"ms": 1e-3, "s": 1, "m": 60, "h": 3600}
m = re.fullmatch(r"([0-9.]+)(ms|s|m|h)?", interval)
every = float(m.group(1)) * unit[m.group(2) or "s"]
cpu = user + sys_
print("kiln watch, interval %s, %d fake GPUs x 13 counters, %d ports x 9 counters and 20 EDAC counters, all "
      "changing every second, %.0f s: %s" % (interval, gpus, ports, seconds, log.strip()))
readings = int(re.search(r"(\d+) readings", log).group(1))
per = cpu / readings  # start-up included; a loaded machine stretches the interval: cost per reading, then per hour
print("CPU %.2f s (user %.2f, sys %.2f) for %d readings = %.2f ms a reading (start-up included) = %.1f CPU s per hour "
      "at %s = %.4f of a core (budget 0.01); peak RSS %.1f MB (budget 50); %d lines written" % (
    cpu, user, sys_, readings, per * 1e3, per * 3600 / every, interval, per / every, rss / 1024, lines))
PY
