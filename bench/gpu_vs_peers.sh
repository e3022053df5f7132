#!/usr/bin/env bash
# Kiln's GPU probes beside the tools a GPU engineer compares them with, on the same GPU in one run: BabelStream
# (CUDA), nvbandwidth, gpu-burn and PyTorch, each only when found (on PATH or in --peers; never downloaded).
# Prints a table of Kiln's figure, the best peer's and their ratio; the raw outputs stay in --out.
#
# Usage: bench/gpu_vs_peers.sh [--kiln CMD] [--peers DIR] [--out DIR] [--seconds S]
#   --kiln CMD   the kiln command line (default: build/apps/kiln, else kiln on PATH); word-split, so a loader
#                prefix works: --kiln "/b/ld.so --library-path /b/lib /b/bin/kiln"
#   --peers DIR  where cuda-stream (BabelStream), nvbandwidth and gpu_burn (with compare.ptx or compare.fatbin) are
#   --out DIR    where the logs and Kiln's report go (default: a new folder under /tmp)
#   --seconds S  sustained PyTorch GEMM time per type and input (default 15); gpu-burn runs the same
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
kiln_cmd="" peers="" out="" seconds=15
while [ $# -gt 0 ]; do
  case "$1" in
    --kiln) kiln_cmd=$2; shift 2 ;;
    --peers) peers=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "gpu_vs_peers.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if [ -z "$kiln_cmd" ]; then
  if [ -x "$root/build/apps/kiln" ]; then kiln_cmd="$root/build/apps/kiln"; else kiln_cmd=$(command -v kiln || true); fi
fi
[ -n "$kiln_cmd" ] || { echo "gpu_vs_peers.sh: no kiln found: build it (scripts/build) or pass --kiln" >&2; exit 2; }
out=${out:-$(mktemp -d /tmp/kiln-gpu-vs-peers.XXXXXX)}
mkdir -p "$out" || exit 3
[ -z "$peers" ] || PATH="$PATH:$(cd "$peers" && pwd)"
read -r -a kiln <<< "$kiln_cmd"
note() { echo "gpu_vs_peers: $*" >&2; }

note "kiln: $kiln_cmd (suite bench/gpu_vs_peers.xml) -> $out/kiln"
"${kiln[@]}" run --suite "$here/gpu_vs_peers.xml" --out "$out/kiln" > "$out/kiln.log" 2>&1
note "kiln exit $? (the verdict does not matter here; the report's numbers do)"

if tool=$(command -v cuda-stream); then
  note "BabelStream: $tool"
  timeout 120 "$tool" --arraysize $((1 << 29)) --numtimes 50 > "$out/babelstream.log" 2>&1 || note "BabelStream failed (exit $?)"
else
  note "BabelStream (cuda-stream) not found: skipped"
fi
if tool=$(command -v nvbandwidth); then
  note "nvbandwidth: $tool"
  timeout 180 "$tool" -t device_local_copy host_to_device_memcpy_ce device_to_host_memcpy_ce \
    host_to_device_bidirectional_memcpy_ce device_to_host_bidirectional_memcpy_ce > "$out/nvbandwidth.log" 2>&1 ||
    note "nvbandwidth failed (exit $?)"
else
  note "nvbandwidth not found: skipped"
fi
if tool=$(command -v gpu_burn); then
  dir=$(dirname "$tool")
  compare=()
  [ -f "$dir/compare.fatbin" ] && compare=(-c compare.fatbin)
  for mode in fp32 tf32 fp64; do
    case $mode in fp32) flag=() ;; tf32) flag=(-tc) ;; fp64) flag=(-d) ;; esac
    note "gpu-burn ${flag[*]:-} ${seconds}s"
    (cd "$dir" && timeout $((seconds + 60)) ./gpu_burn "${flag[@]}" "${compare[@]}" "$seconds") 2>&1 | tr '\r' '\n' \
      > "$out/gpu_burn_$mode.log" || note "gpu-burn $mode failed"
  done
else
  note "gpu-burn (gpu_burn) not found: skipped"
fi
if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2> /dev/null; then
  note "PyTorch: $(python3 -c 'import torch; print(torch.__version__)')"
  timeout $((seconds * 4 + 120)) python3 "$here/torch_gemm_peer.py" "$seconds" > "$out/torch.json" 2> "$out/torch.err" ||
    note "PyTorch failed (exit $?): $(tail -1 "$out/torch.err")"
else
  note "PyTorch with CUDA not found: skipped"
fi
python3 "$here/gpu_peer_table.py" "$out"
