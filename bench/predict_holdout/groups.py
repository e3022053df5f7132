#!/usr/bin/env python3
"""groups.py OUTDIR: wrong episodes of all runs grouped by cause family, with counts, distinct series, and up to 3
examples per group (from different runs), plus reproduction commands; misses grouped by precursor shape."""
import json, glob, os, sys, collections, datetime

out = sys.argv[1]
H = 3600


def group(cause, rule):
    c = cause.split(":")[0]
    if c in ("partial-job", "gpu-load-offset", "temp-load-change"):
        return "T1 temperature: GPU vs its node's peers under changing load (%s)" % c
    if c in ("hot-node", "hot-gpu"):
        return "T2 temperature: static hot node / hot GPU"
    if c in ("fleet-heat", "rack-heat"):
        return "T3 temperature: fleet-wide or rack heat"
    if c in ("chronic-ib-symbol", "chronic-ib-remote"):
        return "C1 chronic IB port errors (%s)" % cause.split(":")[-1]
    if c == "chronic-pcie":
        return "C2 chronic PCIe replays (%s)" % cause.split(":")[-1]
    if c in ("chronic-sbe", "sporadic-sbe"):
        return "C3 chronic / sporadic correctable ECC (%s)" % (cause.split(":")[-1] if ":" in cause else "sporadic")
    if c == "chronic-nvlink":
        return "C4 chronic NVLink CRC (%s)" % cause.split(":")[-1]
    if c in ("rail-flap", "cable-reseat"):
        return "N1 rail flap / cable reseat"
    if c.startswith("post-failure"):
        return "F1 after the failure (drain / repaired part)"
    return "X other: " + cause


def iso(t):
    return datetime.datetime.utcfromtimestamp(t).strftime("%Y-%m-%d %H:%M")


G = collections.defaultdict(list)
misses = collections.defaultdict(list)
for f in sorted(glob.glob(os.path.join(out, "*-s*", "analysis.json"))):
    run = os.path.basename(os.path.dirname(f))
    prof, seed = run.rsplit("-s", 1)
    a = json.load(open(f))
    for w in a["wrong"]:
        G[group(w["cause"], w["rule"])].append((prof, int(seed), w))
    for m in a["misses"]:
        misses[m["shape"]].append((prof, int(seed), m))
for g in sorted(G):
    items = G[g]
    byprof = collections.Counter(p for p, s, w in items)
    rules = collections.Counter(w["rule"] for p, s, w in items)
    series = collections.Counter((p, s, w["node"], json.dumps(w["alerts"][0]["labels"], sort_keys=True)) for p, s, w in items)
    print("## %s: %d wrong episodes %s; first-alert rules %s; %d distinct series/nodes (max %d episodes from one)" % (
        g, len(items), dict(byprof), dict(rules), len(series), max(series.values())))
    seen = set()
    shown = 0
    for p, s, w in sorted(items, key=lambda x: (x[0], x[1])):
        if (p, s) in seen or "series" not in w:
            continue
        seen.add((p, s))
        a = w["alerts"][0]
        lab = a["labels"] or {}
        sel = " ".join("--%s %s" % (k, lab[k]) for k in ("gpu", "device", "port") if k in lab and not (
            k == "device" and "gpu" in lab))
        print("- %s seed %d, %s %s: episode %s .. %s (%d alerts), rule %s, cause %s" % (
            p, s, w["node"], lab, iso(w["first"]), iso(w["last"]), w["n_alerts"], a["rule"], a["cause"]))
        print("  reason: %s" % a["reason"])
        if a["truth"]:
            tr = {k: v for k, v in a["truth"].items() if k not in ("type", "node")}
            print("  truth: %s" % json.dumps(tr)[:300])
        if a["context"]:
            print("  context: %s" % "; ".join(a["context"]))
        print("  %s per 6 h, 72 h before | 12 h after the first alert (t=%d): %s" % (
            a["metric"], w["first"], w["series"]))
        print("  reproduce: bench/predict_holdout/repro.sh %s %d /tmp/r && grep '\"%s\"' /tmp/r/out/alerts.jsonl | grep %d; "
              "python3 bench/predict_holdout/series.py /tmp/r/replay.jsonl %s %s %s --at %d" % (
                  p, s, w["node"], w["first"], w["node"], a["metric"], sel, w["first"]))
        shown += 1
        if shown == 3:
            break
    print()
print("## misses by precursor shape")
for shape in sorted(misses, key=lambda k: -len(misses[k])):
    print("### %s: %d missed" % (shape, len(misses[shape])))
    for p, s, m in misses[shape]:
        tr = m["truth"] or {}
        params = {k: v for k, v in tr.items() if k not in ("type", "node", "kind", "failure_t", "failure_kind", "start",
                                                          "end")}
        print("- %s seed %d, %s failure %s (t=%d) %s; alerts near (h from failure, rule): %s" % (
            p, s, m["node"], iso(m["t"]), m["t"], json.dumps(params), [(x[0], x[1]) for x in m["nearby_alerts"]][:6]))
        for met, ser in (m.get("series") or {}).items():
            print("    %s per 6 h up to the failure | after: %s" % (met, ser))
