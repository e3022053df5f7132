#!/usr/bin/env python3
"""The table of bench/gpu_vs_peers.sh: Kiln's figures from OUT/kiln/report.json against the peers' logs in OUT
(babelstream.log, nvbandwidth.log, gpu_burn_{fp32,tf32,fp64}.log, torch.json), each missing one marked.

Every bandwidth counts bytes read + written, STREAM's way: nvbandwidth's device_local_copy counts a copy once,
so it is doubled. Kiln reports the median of its runs; BabelStream reports the best of its runs (its own
convention), so Kiln's best is shown beside its median. Usage: gpu_peer_table.py OUT"""
import json, os, re, statistics, sys


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def kiln_figures(report):
    """{(metric, type label): (median, best)} from a Kiln report, GPU 0."""
    figures = {}
    for m in report.get("measurements", []):
        subject = m.get("subject", {})
        if subject.get("device") not in (None, "gpu0"):
            continue
        samples = m.get("samples") or []
        if not samples:
            continue
        best = max(samples) if m.get("higher_is_better", True) else min(samples)
        figures[(m["metric"], m.get("labels", {}).get("type", ""))] = (statistics.median(samples), best)
    return figures


def babelstream(text):
    rates = {}
    for name in ("Copy", "Mul", "Add", "Triad", "Dot"):
        match = re.search(rf"^{name}\s+([0-9.]+)", text or "", re.M)
        if match:
            rates[name] = float(match.group(1)) / 1000  # MB/s (10^6 bytes) -> GB/s
    return rates


def nvbandwidth(text):
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"^SUM (\S+) ([0-9.]+)", text or "", re.M)}


def gpu_burn(text):
    rates = re.findall(r"\(([0-9.]+) Gflop/s\)", text or "")
    return float(rates[-1]) / 1000 if rates else None


def main(out):
    report_path = os.path.join(out, "kiln", "report.json")
    report_text = read(report_path)
    try:
        kiln = kiln_figures(json.loads(report_text)) if report_text else {}
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as e:
        print(f"gpu_peer_table: {report_path}: not a Kiln report: {e}", file=sys.stderr)
        return 2
    stream = babelstream(read(os.path.join(out, "babelstream.log")))
    nvb = nvbandwidth(read(os.path.join(out, "nvbandwidth.log")))
    burn = {mode: gpu_burn(read(os.path.join(out, f"gpu_burn_{mode}.log"))) for mode in ("fp32", "tf32", "fp64")}
    torch_text = read(os.path.join(out, "torch.json"))
    try:
        torch = json.loads(torch_text) if torch_text else {}
    except json.JSONDecodeError:
        torch = {}

    def peers(*candidates):
        return [(name, value) for name, value in candidates if value is not None]

    bidir = None
    if "host_to_device_bidirectional_memcpy_ce" in nvb and "device_to_host_bidirectional_memcpy_ce" in nvb:
        bidir = nvb["host_to_device_bidirectional_memcpy_ce"] + nvb["device_to_host_bidirectional_memcpy_ce"]
    local_copy = nvb.get("device_local_copy")
    rows = [
        ("HBM copy", "GB/s", ("hbm.copy_bw", ""), peers(("BabelStream copy", stream.get("Copy")),
                                                       ("PyTorch copy_", torch.get("copy_GBps_read_written")),
                                                       ("nvbandwidth device_local_copy x2", local_copy and 2 * local_copy))),
        ("HBM scale", "GB/s", ("hbm.scale_bw", ""), peers(("BabelStream mul", stream.get("Mul")))),
        ("HBM add", "GB/s", ("hbm.add_bw", ""), peers(("BabelStream add", stream.get("Add")))),
        ("HBM triad", "GB/s", ("hbm.triad_bw", ""), peers(("BabelStream triad", stream.get("Triad")))),
        ("HBM read", "GB/s", ("hbm.read_bw", ""), peers(("BabelStream dot", stream.get("Dot")))),
        ("bf16 GEMM sustained", "TFLOPS", ("gpu.stress.tflops", "bf16"),
         peers(("PyTorch sustained, full-mantissa inputs", torch.get("gemm_bf16_sustained_full_tflops")))),
        ("bf16 GEMM sustained, peer on rand()*2-1", "TFLOPS", ("gpu.stress.tflops", "bf16"),
         peers(("PyTorch sustained, 1/128-grid inputs", torch.get("gemm_bf16_sustained_grid_tflops")))),
        ("fp16 GEMM sustained", "TFLOPS", ("gpu.stress.tflops", "fp16"),
         peers(("PyTorch sustained, full-mantissa inputs", torch.get("gemm_fp16_sustained_full_tflops")))),
        ("fp16 GEMM sustained, peer on rand()*2-1", "TFLOPS", ("gpu.stress.tflops", "fp16"),
         peers(("PyTorch sustained, 1/128-grid inputs", torch.get("gemm_fp16_sustained_grid_tflops")))),
        ("tf32 GEMM sustained", "TFLOPS", ("gpu.stress.tflops", "tf32"), peers(("gpu-burn -tc", burn["tf32"]))),
        ("fp32 GEMM sustained", "TFLOPS", ("gpu.stress.tflops", "fp32"), peers(("gpu-burn", burn["fp32"]))),
        ("fp64 GEMM sustained", "TFLOPS", ("gpu.stress.tflops", "fp64"), peers(("gpu-burn -d", burn["fp64"]))),
    ]
    for t in ("bf16", "fp16", "tf32", "fp32", "fp64"):
        rows.append((f"{t} GEMM burst", "TFLOPS", ("gpu.stress.burst_tflops", t),
                     peers((f"PyTorch burst", torch.get(f"gemm_{t}_burst_tflops")))))
    rows += [
        ("PCIe H2D", "GB/s", ("pcie.h2d_bw", ""), peers(("nvbandwidth", nvb.get("host_to_device_memcpy_ce")),
                                                      ("PyTorch", torch.get("h2d_GBps")))),
        ("PCIe D2H", "GB/s", ("pcie.d2h_bw", ""), peers(("nvbandwidth", nvb.get("device_to_host_memcpy_ce")),
                                                      ("PyTorch", torch.get("d2h_GBps")))),
        ("PCIe bidirectional", "GB/s", ("pcie.bidir_bw", ""), peers(("nvbandwidth, both directions", bidir))),
    ]
    print(f"{'measurement':42} {'unit':6} {'Kiln median':>11} {'Kiln best':>10} {'best peer':>10} {'ratio':>6}  peer")
    shortfalls = 0
    for label, unit, key, candidates in rows:
        median, best = kiln.get(key, (None, None))
        peer_name, peer_value = max(candidates, key=lambda c: c[1]) if candidates else ("not found", None)
        ratio = median / peer_value if median is not None and peer_value else None
        if ratio is not None and ratio < 0.97:
            shortfalls += 1
        fmt = lambda v: f"{v:.1f}" if v is not None else "-"
        print(f"{label:42} {unit:6} {fmt(median):>11} {fmt(best):>10} {fmt(peer_value):>10} "
              f"{(f'{ratio:.3f}' if ratio is not None else '-'):>6}  {peer_name}")
    if not any(key[0].startswith(("hbm.", "gpu.stress.", "pcie.")) for key in kiln):
        print("Kiln: no GPU figures (no report, or its GPU probes were skipped: see kiln.log)")
    print(f"rows below 0.97 of the best peer: {shortfalls}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: gpu_peer_table.py OUT")
    sys.exit(main(sys.argv[1]))
