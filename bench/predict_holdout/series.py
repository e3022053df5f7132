#!/usr/bin/env python3
"""Print a series of a replay around a time: raw samples and increments per BIN hours.
  series.py REPLAY NODE METRIC [--gpu G | --device D --port P] [--at T] [--before-h 72] [--after-h 24] [--bin-h 6]
Counters: increment per bin (a drop = reset, counted as the value); gauges (TEMP, XID, PENDING, FAILURE): max per bin."""
import argparse, json, sys
ap = argparse.ArgumentParser()
ap.add_argument("replay"); ap.add_argument("node"); ap.add_argument("metric")
ap.add_argument("--gpu"); ap.add_argument("--device"); ap.add_argument("--port")
ap.add_argument("--at", type=float); ap.add_argument("--before-h", type=float, default=72)
ap.add_argument("--after-h", type=float, default=24); ap.add_argument("--bin-h", type=float, default=6)
ap.add_argument("--raw", action="store_true")
a = ap.parse_args()
pts = []
needle = '"node": "%s"' % a.node
for line in open(a.replay):
    if needle not in line or a.metric not in line:
        continue
    d = json.loads(line)
    if d["node"] != a.node or d["metric"] != a.metric:
        continue
    lab = d.get("labels", {})
    if a.gpu is not None and lab.get("gpu") != a.gpu: continue
    if a.device is not None and lab.get("device") != a.device: continue
    if a.port is not None and lab.get("port") != a.port: continue
    v = d["value"]
    if isinstance(v, str):
        if v == "NaN": continue
        v = float(v)
    pts.append((int(d["t"]), float(v)))
pts.sort()
gauge = any(k in a.metric for k in ("TEMP", "XID", "PENDING", "FAILURE"))
at = a.at if a.at is not None else (pts[-1][0] if pts else 0)
lo, hi = at - a.before_h * 3600, at + a.after_h * 3600
B = a.bin_h * 3600
bins = {}
prev = None
for t, v in pts:
    if gauge:
        inc = v
    else:
        inc = 0 if prev is None else (v - prev if v >= prev else v)
    prev = v
    if lo <= t <= hi:
        b = int((t - at) // B)
        if gauge: bins[b] = max(bins.get(b, -1e9), inc)
        else: bins[b] = bins.get(b, 0) + inc
        if a.raw: print("  %d (%+.1fh) %g" % (t, (t - at) / 3600, v))
nb_lo, nb_hi = int(-a.before_h * 3600 // B), int(a.after_h * 3600 // B)
out = []
for b in range(nb_lo, nb_hi + 1):
    out.append("-" if b not in bins else "%g" % bins[b])
print("%s %s %s: per %gh bins from %+gh to %+gh around %d (%s): %s" % (
    a.node, a.metric, {k: v for k, v in (("gpu", a.gpu), ("device", a.device), ("port", a.port)) if v is not None},
    a.bin_h, -a.before_h, a.after_h, at, "max" if gauge else "increase", " ".join(out)))
