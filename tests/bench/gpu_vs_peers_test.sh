#!/usr/bin/env bash
# bench/gpu_vs_peers.sh and its table: the table reads the H200's real peer output exactly, marks what is missing,
# and the whole script runs on a machine without a GPU or any peer (everything skipped, exit 0).
# Usage: gpu_vs_peers_test.sh KILN SOURCE_DIR
set -euo pipefail
kiln=$1 src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
row() { grep -E "^$1 " "$2" || fail "no row '$1' in $2"; }

# 1. The H200 fixture: Kiln's deep report and the peers' raw output of the same call.
mkdir -p "$work/h200/kiln"
cp "$src/tests/fixtures/real/h200-x1-deep.json" "$work/h200/kiln/report.json"
cp "$src"/tests/fixtures/peers/h200-2026-11-26/*.log "$work/h200/"
python3 "$src/bench/gpu_peer_table.py" "$work/h200" > "$work/h200.txt"
cat "$work/h200.txt"
row "HBM read" "$work/h200.txt" | grep -Eq " 3879\.5 +3886\.4 +4533\.4 +0\.856  BabelStream dot$" || fail "HBM read row"
# nvbandwidth's device_local_copy (2083.42, the copy counted once) doubled beats BabelStream's 4011.6.
row "HBM copy" "$work/h200.txt" | grep -q "4166.8  0.955  nvbandwidth device_local_copy x2" || fail "HBM copy row"
row "tf32 GEMM sustained" "$work/h200.txt" | grep -q " 356.2  0.981  gpu-burn -tc" || fail "gpu-burn -tc row"
row "fp32 GEMM sustained" "$work/h200.txt" | grep -q " 49.1  1.039  gpu-burn" || fail "gpu-burn fp32 row"
# Both bidirectional halves summed: 49.70 + 51.21.
row "PCIe bidirectional" "$work/h200.txt" | grep -q " 100.9  0.962  nvbandwidth, both directions" || fail "bidir row"
row "bf16 GEMM burst" "$work/h200.txt" | grep -q "not found" || fail "a missing peer is not marked"
grep -q "rows below 0.97 of the best peer: 5" "$work/h200.txt" || fail "shortfall count"

# 2. A truncated log and a broken torch.json are read as missing, not as a crash.
mkdir -p "$work/broken/kiln"
head -c 100 "$src/tests/fixtures/real/h200-x1-deep.json" > "$work/broken/kiln/report.json" || true
echo '{"gemm_bf16' > "$work/broken/torch.json"
head -3 "$src/tests/fixtures/peers/h200-2026-11-26/babelstream.log" > "$work/broken/babelstream.log"
python3 "$src/bench/gpu_peer_table.py" "$work/broken" > "$work/broken.txt" 2>&1 && status=0 || status=$?
cat "$work/broken.txt"
[ "$status" = 2 ] || fail "an unreadable report should exit 2, got $status"
grep -q "report.json" "$work/broken.txt" || fail "the unreadable report is not named"

# 3. The whole script here: no GPU, no peers on PATH.
PATH=/usr/bin:/bin bash "$src/bench/gpu_vs_peers.sh" --kiln "$kiln" --out "$work/run" > "$work/run.txt" 2> "$work/run.err"
cat "$work/run.err" "$work/run.txt"
grep -q "BabelStream (cuda-stream) not found: skipped" "$work/run.err" || fail "skipped BabelStream not said"
grep -q "gpu-burn (gpu_burn) not found: skipped" "$work/run.err" || fail "skipped gpu-burn not said"
[ -f "$work/run/kiln/report.json" ] || fail "kiln wrote no report"
grep -q "rows below 0.97 of the best peer: 0" "$work/run.txt" || fail "nothing measured yet a shortfall"
echo PASS
