#!/usr/bin/env python3
"""truecatch.py OUTDIR: for every caught failure, was an alert in [f-7d, f-1h] on the precursor's own GPU/port and
metric family ("on target"), or only on other series (caught by coincidence)? Per profile."""
import json, glob, os, sys, collections
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from analyze import family, alert_metric
H, D = 3600, 86400
FAMS = {"sbe-ramp": {"sbe", "remap", "xid", "dbe"}, "sbe-bursts": {"sbe", "remap", "xid", "dbe"},
        "sbe-steady": {"sbe", "remap", "xid", "dbe"}, "remap-only": {"remap", "xid", "sbe"}, "pcie-replay": {"pcie"},
        "thermal-gpu": {"temp"}, "thermal-node": {"temp"}, "nvlink-crc": {"nvlink"}, "xid-sporadic": {"xid"},
        "ib-symbol-flap": {"ib"}, "ib-symbol-rise": {"ib"}, "ib-flaps": {"ib"}}
out = sys.argv[1]
res = collections.defaultdict(collections.Counter)
for d in sorted(glob.glob(os.path.join(out, "*-s*"))):
    prof = os.path.basename(d).rsplit("-s", 1)[0]
    alerts = [json.loads(l) for l in open(os.path.join(d, "out", "alerts.jsonl"))]
    truth = [json.loads(l) for l in open(os.path.join(d, "truth.jsonl"))]
    prec = {(t["node"], t["failure_t"]): t for t in truth if t["type"] == "precursor"}
    for l in open(os.path.join(d, "labels.jsonl")):
        f = json.loads(l)
        win = [a for a in alerts if a["node"] == f["node"] and f["t"] - 7 * D <= a["t"] <= f["t"] - H]
        p = prec.get((f["node"], f["t"]))
        key = "precursor" if f["precursor"] else "no precursor"
        res[prof][key + " failures"] += 1
        if not win:
            continue
        res[prof][key + " caught"] += 1
        if p:
            on = False
            for a in win:
                lab = a.get("labels") or {}
                fam = family(alert_metric(a))
                place = ("gpu" in p and lab.get("gpu") == p["gpu"]) or (
                    "device" in p and lab.get("device") == p["device"] and lab.get("port") == p["port"]) or (
                    "gpu" not in p and "device" not in p)
                if place and fam in FAMS[p["kind"]] and a["t"] >= p["start"] - 6 * H:
                    on = True
            res[prof]["precursor caught on target"] += on
for prof in sorted(res):
    r = res[prof]
    print("%-9s precursor failures %d: caught %d, of them on target %d (recall on target %.2f); "
          "no-precursor failures %d: caught by coincidence %d" % (
              prof, r["precursor failures"], r["precursor caught"], r["precursor caught on target"],
              r["precursor caught on target"] / max(1, r["precursor failures"]), r["no precursor failures"],
              r["no precursor caught"]))
