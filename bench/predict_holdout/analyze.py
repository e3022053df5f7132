#!/usr/bin/env python3
"""analyze.py RUN_DIR: explains a `kiln predict` run on a holdout fleet.
RUN_DIR holds labels.jsonl, truth.jsonl, out/alerts.jsonl, out/score.json and (optionally) replay.jsonl.
Writes RUN_DIR/analysis.json and prints a text report:
  - every wrong episode (alerts of a node <= 24 h apart; wrong when the node does not fail in [first, last + 7 d]),
    with each alert's rule/reason/metric/labels and the truth item on that node/gpu/port that caused it;
  - every missed precursor failure (no alert of its node in [f - 7 d, f - 1 h]) with its precursor shape;
  - with replay.jsonl present: the series around each wrong episode's first alert and each missed precursor
    (increase per 6 h for counters, max per 6 h for gauges, 72 h before to 12 h after)."""
import json, os, sys, collections

H, D = 3600, 86400
FAM = [  # metric substring -> family
    ("ECC_SBE", "sbe"), ("ECC_DBE", "dbe"), ("REMAP", "remap"), ("PCIE_REPLAY", "pcie"), ("XID", "xid"),
    ("GPU_TEMP", "temp"), ("NVLINK", "nvlink"), ("node_infiniband", "ib"), ("kiln_", "kiln")]
REL = {
    "sbe": {"chronic-sbe", "sporadic-sbe", "ecc-burst", "sbe-ramp", "sbe-bursts", "sbe-steady", "remap-only"},
    "dbe": {"remap-reset", "ecc-burst"},
    "remap": {"ecc-burst", "remap-reset", "isolated-hw-xid", "remap-only", "sbe-ramp"},
    "pcie": {"chronic-pcie", "pcie-burst", "pcie-replay"},
    "xid": {"app-xid", "isolated-hw-xid", "remap-reset", "ecc-burst", "xid-sporadic", "remap-only", "sbe-ramp"},
    "temp": {"fleet-heat", "rack-heat", "hot-node", "hot-gpu", "thermal-gpu", "thermal-node", "partial-job",
             "gpu-load-offset"},
    "nvlink": {"chronic-nvlink", "nvlink-crc"},
    "ib": {"chronic-ib-symbol", "chronic-ib-remote", "cable-reseat", "rail-flap", "ib-symbol-flap", "ib-symbol-rise",
           "ib-flaps"},
}
CONTEXT = {"reboot", "rolling-upgrade-reboot", "exporter-gap"}
SHAPE_METRIC = {
    "sbe-ramp": ("DCGM_FI_DEV_ECC_SBE_VOL_TOTAL",), "sbe-bursts": ("DCGM_FI_DEV_ECC_SBE_VOL_TOTAL",),
    "sbe-steady": ("DCGM_FI_DEV_ECC_SBE_VOL_TOTAL",),
    "remap-only": ("DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", "DCGM_FI_DEV_ROW_REMAP_PENDING"),
    "pcie-replay": ("DCGM_FI_DEV_PCIE_REPLAY_COUNTER",), "thermal-gpu": ("DCGM_FI_DEV_GPU_TEMP",),
    "thermal-node": ("DCGM_FI_DEV_GPU_TEMP",), "nvlink-crc": ("DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL",),
    "xid-sporadic": ("DCGM_FI_DEV_XID_ERRORS",),
    "ib-symbol-flap": ("node_infiniband_symbol_error_total", "node_infiniband_link_downed_total"),
    "ib-symbol-rise": ("node_infiniband_symbol_error_total",), "ib-flaps": ("node_infiniband_link_downed_total",),
}


def jl(path):
    if not os.path.exists(path):
        return []
    return [json.loads(l) for l in open(path) if l.strip()]


def family(metric):
    for sub, fam in FAM:
        if sub in (metric or ""):
            return fam
    return None


def alert_metric(a):
    ev = a.get("evidence") or {}
    if isinstance(ev, dict) and ev.get("metric"):
        return ev["metric"]
    blob = json.dumps(a)
    for sub, _ in FAM:
        i = blob.find(sub)
        if i >= 0:
            j = i
            while j > 0 and (blob[j - 1].isalnum() or blob[j - 1] == "_"):
                j -= 1
            k = i
            while k < len(blob) and (blob[k].isalnum() or blob[k] == "_"):
                k += 1
            return blob[j:k]
    return None


def where(a):
    lab = a.get("labels") or {}
    return lab.get("gpu"), lab.get("device"), lab.get("port")


def matches_place(item, gpu, dev, port):
    if "gpu" in item:
        return gpu is None or item["gpu"] == gpu
    if "device" in item:
        return dev is None or (item["device"] == dev and (port is None or item["port"] == port))
    return True  # node-wide item


def explain(alert, node_truth, fleet_truth, failures):
    t, node = alert["t"], alert["node"]
    gpu, dev, port = where(alert)
    metric = alert_metric(alert)
    fam = family(metric)
    # failure-related first
    for f in failures.get(node, []):
        back = f["t"] + (f.get("drain_h", 0) + f.get("repair_h", 0)) * H
        same = (f.get("gpu") is not None and f.get("gpu") == gpu) or (
            f.get("device") is not None and f.get("device") == dev and f.get("port") == port)
        if f["t"] <= t <= f["t"] + f.get("drain_h", 0) * H + H:
            return "post-failure:drain", f  # the failure's own evidence, seen after the label time
        if same and back <= t <= back + 2 * D:
            return "post-failure:repaired-part", f
    cands = []
    for it in node_truth.get(node, []) + fleet_truth:
        if it["type"] == "failure":
            continue
        k = it["kind"]
        if fam and k not in REL.get(fam, ()):
            continue
        if not fam and k in CONTEXT:
            continue
        s, e = it.get("start", 0), it.get("end", it.get("start", 0))
        if k in ("fleet-heat", "rack-heat"):
            ok = s - 2 * H <= t <= e + 6 * H
        elif k.startswith(("chronic", "hot-")):
            ok = s <= t <= e + 7 * D
        else:
            ok = s - 2 * H <= t <= e + 7 * D
        if not ok:
            continue
        place = matches_place(it, gpu, dev, port)
        exact = ("gpu" in it and gpu is not None) or ("device" in it and dev is not None)
        # how close in time: a one-off event in the 24 h before the alert first, then a long-lived item (chronic,
        # precursor) active at the alert, then older one-off events
        if e - s > 2 * D or it["type"] == "precursor":
            timing = (1, 0) if s <= t <= e + 6 * H else (3, abs(t - e))
        else:
            timing = (0, t - e) if e - 2 * H <= t <= e + D else (2, abs(t - e))
        cands.append((0 if (place and exact) else 1 if place else 2, timing, it))
    if cands and fam == "temp":
        order = ["thermal-gpu", "thermal-node", "partial-job", "fleet-heat", "rack-heat", "hot-gpu", "gpu-load-offset",
                 "hot-node"]
        live = []
        for c in cands:
            it = c[2]
            if c[0] == 2:
                continue
            if it["kind"] == "partial-job" and not (it["start"] <= t <= it["end"] + 6 * H):
                continue
            live.append((order.index(it["kind"]), c[0], c[1], it))
        if live:
            live.sort(key=lambda c: c[:3])
            it = live[0][3]
            return ("precursor-early:" if it["type"] == "precursor" else "") + it["kind"], it
        return "temp-load-change", None
    if cands:
        cands.sort(key=lambda c: (c[0], c[1]))
        best = cands[0]
        if best[0] < 2:
            it = best[2]
            kind = it["kind"]
            if it["type"] == "precursor":
                kind = "precursor-early:" + kind
            elif "bad_days" in it:
                kind += ":bad-day" if any(b <= t <= b + D + 18 * H for b in it["bad_days"]) else ":wander"
            return kind, it
    return "unexplained", None


def context(alert, node_truth):
    t = alert["t"]
    out = []
    for it in node_truth.get(alert["node"], []):
        if it["type"] == "confounder" and it["kind"] in CONTEXT and it["start"] - D <= t <= it["end"] + 2 * D:
            out.append("%s %+.1fh..%+.1fh" % (it["kind"], (it["start"] - t) / H, (it["end"] - t) / H))
    return out


def load_series(replay, wanted):
    """wanted: set of (node, metric). Returns {(node, metric, gpu, device, port): [(t, v)]}."""
    out = collections.defaultdict(list)
    if not wanted or not os.path.exists(replay):
        return out
    nodes = {n for n, _ in wanted}
    for line in open(replay):
        i = line.find('"node": "')
        if i < 0:
            continue
        j = line.find('"', i + 9)
        n = line[i + 9:j]
        if n not in nodes:
            continue
        k = line.find('"metric": "', j)
        m = line[k + 11:line.find('"', k + 11)]
        if (n, m) not in wanted:
            continue
        d = json.loads(line)
        lab = d.get("labels", {})
        v = d["value"]
        if isinstance(v, str):
            if v == "NaN":
                continue
            v = float(v)
        out[(n, m, lab.get("gpu"), lab.get("device"), lab.get("port"))].append((d["t"], v))
    for k in out:
        out[k].sort()
    return out


def bins(series, at, before_h=72, after_h=12, bin_h=6, gauge=False):
    if not series:
        return "(no samples)"
    res = {}
    prev = None
    for t, v in series:
        inc = v if gauge else (0 if prev is None else (v - prev if v >= prev else v))
        prev = v
        if at - before_h * H <= t <= at + after_h * H:
            b = int((t - at) // (bin_h * H))
            res[b] = max(res.get(b, -1e18), inc) if gauge else res.get(b, 0) + inc
    cells = []
    for b in range(-int(before_h // bin_h), int(after_h // bin_h) + 1):
        cells.append("-" if b not in res else "%g" % res[b])
    return " ".join(cells[:-int(after_h // bin_h) - 1]) + " | " + " ".join(cells[-int(after_h // bin_h) - 1:])


def is_gauge(metric):
    return any(k in metric for k in ("TEMP", "XID", "PENDING", "FAILURE"))


def main():
    run = sys.argv[1]
    labels = jl(os.path.join(run, "labels.jsonl"))
    truth = jl(os.path.join(run, "truth.jsonl"))
    alerts = jl(os.path.join(run, "out", "alerts.jsonl"))
    score = json.load(open(os.path.join(run, "out", "score.json"))) if os.path.exists(
        os.path.join(run, "out", "score.json")) else {}
    node_truth, fleet_truth = collections.defaultdict(list), []
    failures = collections.defaultdict(list)
    for it in truth:
        if it["node"] == "*":
            fleet_truth.append(it)
        else:
            node_truth[it["node"]].append(it)
        if it["type"] == "failure":
            failures[it["node"]].append(it)
    prec = {(it["node"], it["failure_t"]): it for it in truth if it["type"] == "precursor"}
    fail_t = collections.defaultdict(list)
    for l in labels:
        fail_t[l["node"]].append(l["t"])
    by_node = collections.defaultdict(list)
    for a in alerts:
        by_node[a["node"]].append(a)
    episodes = []
    for n, al in by_node.items():
        al.sort(key=lambda a: a["t"])
        cur = [al[0]]
        for a in al[1:]:
            if a["t"] - cur[-1]["t"] <= D:
                cur.append(a)
            else:
                episodes.append(cur)
                cur = [a]
        episodes.append(cur)
    wrong = []
    n_right = 0
    for ep in episodes:
        n, first, last = ep[0]["node"], ep[0]["t"], ep[-1]["t"]
        if any(first <= f <= last + 7 * D for f in fail_t[n]):
            n_right += 1
            continue
        items = []
        for a in ep:
            cause, it = explain(a, node_truth, fleet_truth, failures)
            items.append({"t": a["t"], "rule": a.get("rule"), "risk": a.get("risk"), "reason": a.get("reason"),
                          "metric": alert_metric(a), "labels": a.get("labels"), "evidence": a.get("evidence"),
                          "cause": cause, "truth": it, "context": context(a, node_truth)})
        wrong.append({"node": n, "first": first, "last": last, "n_alerts": len(ep), "alerts": items,
                      "cause": items[0]["cause"], "rule": items[0]["rule"]})
    misses, caught = [], []
    for l in labels:
        n, f = l["node"], l["t"]
        hit = [a["t"] for a in by_node.get(n, []) if f - 7 * D <= a["t"] <= f - H]
        p = prec.get((n, f))
        rec = {"node": n, "t": f, "kind": l["kind"], "precursor": l.get("precursor", True),
               "shape": p["kind"] if p else None, "lead_h": p.get("lead_h") if p else None, "truth": p,
               "nearby_alerts": [[round((a["t"] - f) / H, 1), a.get("rule"), alert_metric(a), a.get("labels")]
                                 for a in by_node.get(n, []) if f - 10 * D <= a["t"] <= f + 2 * D][:12]}
        if hit:
            rec["lead_alert_h"] = round((f - min(hit)) / H, 1)
            caught.append(rec)
        elif l.get("precursor", True):
            misses.append(rec)
    # what-if: the score without one rule's alerts (same scoring rule as issue 27)
    def score_of(al):
        byn = collections.defaultdict(list)
        for a in al:
            byn[a["node"]].append(a["t"])
        eps = right = 0
        for n, ts in byn.items():
            ts.sort()
            start = prev = ts[0]
            for t in ts[1:] + [None]:
                if t is not None and t - prev <= D:
                    prev = t
                    continue
                eps += 1
                right += any(start <= f <= prev + 7 * D for f in fail_t[n])
                if t is not None:
                    start = prev = t
        cp = sum(1 for l in labels if l.get("precursor", True) and any(
            l["t"] - 7 * D <= t <= l["t"] - H for t in byn.get(l["node"], [])))
        return eps, right, cp
    whatif = {}
    for r in sorted({a.get("rule") for a in alerts}):
        whatif["without " + str(r)] = score_of([a for a in alerts if a.get("rule") != r])
    whatif["without cooling+node_cooling"] = score_of([a for a in alerts if a.get("rule") not in ("cooling",
                                                                                                  "node_cooling")])
    whatif["all"] = score_of(alerts)
    # series
    replay = os.path.join(run, "replay.jsonl")
    wanted = set()
    for w in wrong:
        a = w["alerts"][0]
        if a["metric"]:
            wanted.add((w["node"], a["metric"]))
    for m in misses:
        for met in SHAPE_METRIC.get(m["shape"], ()):
            wanted.add((m["node"], met))
    ser = load_series(replay, wanted)

    def pick_series(node, metric, gpu, dev, port):
        best = None
        for (n, m, g, d, p), pts in ser.items():
            if n == node and m == metric and (gpu is None or g == gpu) and (dev is None or d == dev) and (
                    port is None or p == port):
                if best is None or len(pts) > len(best):
                    best = pts
        return best

    for w in wrong:
        a = w["alerts"][0]
        g, d, p = where(a)
        if a["metric"]:
            w["series"] = bins(pick_series(w["node"], a["metric"], g, d, p), a["t"], gauge=is_gauge(a["metric"]))
    for m in misses:
        tr = m["truth"] or {}
        m["series"] = {}
        for met in SHAPE_METRIC.get(m["shape"], ()):
            s = pick_series(m["node"], met, tr.get("gpu"), tr.get("device"), tr.get("port"))
            m["series"][met] = bins(s, m["t"], before_h=min(240, max(72, (m["lead_h"] or 0) + 24)),
                                     gauge=is_gauge(met))
    res = {"run": run, "episodes": len(episodes), "right": n_right, "wrong": wrong, "misses": misses,
           "whatif": whatif, "alert_rules": dict(collections.Counter(a.get("rule") for a in alerts)),
           "caught": caught, "score": score, "failures": len(labels),
           "with_precursor": sum(1 for l in labels if l.get("precursor", True))}
    json.dump(res, open(os.path.join(run, "analysis.json"), "w"), indent=1, default=str)
    # text
    print("run %s: %d episodes, %d right, %d wrong; %d failures (%d with a precursor), %d caught, %d precursor misses"
          % (run, len(episodes), n_right, len(wrong), len(labels), res["with_precursor"], len(caught), len(misses)))
    for w in wrong:
        a = w["alerts"][0]
        print("WRONG %s first %d last %d (%d alerts) rule=%s metric=%s labels=%s cause=%s" % (
            w["node"], w["first"], w["last"], w["n_alerts"], a["rule"], a["metric"], a["labels"], a["cause"]))
        print("   reason: %s" % a["reason"])
        if a["truth"]:
            print("   truth: %s" % json.dumps(a["truth"]))
        if a["context"]:
            print("   context: %s" % "; ".join(a["context"]))
        if "series" in w:
            print("   series (per 6h, 72h before | 12h after first alert): %s" % w["series"])
        others = collections.Counter((x["rule"], x["cause"]) for x in w["alerts"][1:])
        if others:
            print("   other alerts of the episode: %s" % dict(others))
    for m in misses:
        print("MISS %s t=%d kind=%s shape=%s lead_h=%s truth=%s" % (m["node"], m["t"], m["kind"], m["shape"],
                                                                 m["lead_h"], json.dumps(m["truth"])))
        print("   alerts near (h rel. failure, rule, metric, labels): %s" % m["nearby_alerts"])
        for met, s in m.get("series", {}).items():
            print("   %s: %s" % (met, s))


if __name__ == "__main__":
    main()
