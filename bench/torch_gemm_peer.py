#!/usr/bin/env python3
# PyTorch on the same GPU as Kiln, for bench/gpu_vs_peers.sh: GEMM TFLOPS at n = 8192 (burst: a short timed loop
# after a warm-up; sustained: per-second rates over SECONDS, median of the last two thirds), a device copy (bytes
# read + written) and pinned host<->device copies. Prints one JSON object. Usage: torch_gemm_peer.py [SECONDS]
#
# Sustained bf16/fp16 run twice: with torch.rand(...) * 2 - 1 in the low precision (values on a 1/128 grid, few
# mantissa bits set) and with full-mantissa values (float32 uniform numbers rounded once, as Kiln's burn fills its
# inputs). On a GPU held at its power limit the input bits change the power per FLOP and so the clock.
import json, statistics, sys, time

import torch

N = 8192
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 15.0
dev = torch.device("cuda")
out = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__}


def timed(fn, reps):
    fn()
    torch.cuda.synchronize()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(reps):
        fn()
    stop.record()
    torch.cuda.synchronize()
    return start.elapsed_time(stop) / 1e3 / reps


def inputs(dtype, full_mantissa):
    if full_mantissa:
        return [(torch.rand(N, N, device=dev) * 2 - 1).to(dtype) for _ in range(2)]
    return [torch.rand(N, N, device=dev, dtype=dtype) * 2 - 1 for _ in range(2)]


torch.backends.cuda.matmul.allow_tf32 = False
for name, dtype in [("bf16", torch.bfloat16), ("fp16", torch.float16), ("tf32", torch.float32),
                    ("fp32", torch.float32), ("fp64", torch.float64)]:
    torch.backends.cuda.matmul.allow_tf32 = name == "tf32"
    a, b = inputs(dtype, True)
    c = torch.empty(N, N, device=dev, dtype=dtype)
    reps = 40 if dtype in (torch.bfloat16, torch.float16) else 10
    out[f"gemm_{name}_burst_tflops"] = 2 * N**3 / timed(lambda: torch.matmul(a, b, out=c), reps) / 1e12
    del a, b, c
torch.backends.cuda.matmul.allow_tf32 = False

for name, dtype in [("bf16", torch.bfloat16), ("fp16", torch.float16)]:
    for full in (True, False):
        a, b = inputs(dtype, full)
        outs = [torch.empty(N, N, device=dev, dtype=dtype) for _ in range(64)]
        rates, end = [], time.time() + SECONDS
        while time.time() < end:
            start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            for c in outs * 4:
                torch.matmul(a, b, out=c)
            stop.record()
            torch.cuda.synchronize()
            rates.append(2 * N**3 * len(outs) * 4 / (start.elapsed_time(stop) / 1e3) / 1e12)
        settled = rates[len(rates) // 3:]
        key = f"gemm_{name}_sustained_{'full' if full else 'grid'}_tflops"
        out[key] = statistics.median(settled) if settled else None
        del a, b, outs

x = torch.ones(1 << 29, device=dev, dtype=torch.float64)
y = torch.empty_like(x)
out["copy_GBps_read_written"] = 2 * x.numel() * 8 / timed(lambda: y.copy_(x), 20) / 1e9
del x, y
size = 256 << 20
h = torch.empty(size, dtype=torch.uint8, pin_memory=True)
d = torch.empty(size, dtype=torch.uint8, device=dev)
out["h2d_GBps"] = size / timed(lambda: d.copy_(h, non_blocking=True), 10) / 1e9
out["d2h_GBps"] = size / timed(lambda: h.copy_(d, non_blocking=True), 10) / 1e9
print(json.dumps(out, indent=1))
