#!/usr/bin/env python3
"""Which false alarms `kiln predict` raised on a synthetic fleet, and why: every wrong episode (scoring rule of
issue 27) with the rules that fired in it, the devices, and the confounders that the generator put on that node
and device around it (DIR/confounders.jsonl from bench/predict_fleet.py). Also counts wrong episodes by rule.
  predict_false_alarms.py FLEET_DIR PREDICT_OUT_DIR [--quiet]   (one line per wrong episode, then counts; --quiet: a
  short line per wrong episode)
"""
import collections, json, os, sys

DAY = 86400


def lines(path):
    with open(path) as f:
        return [json.loads(x) for x in f if x.strip()]


def main():
    fleet, out = sys.argv[1], sys.argv[2]
    quiet = "--quiet" in sys.argv
    score = json.load(open(os.path.join(out, "score.json")))
    alerts = lines(os.path.join(out, "alerts.jsonl"))
    truth = lines(os.path.join(fleet, "confounders.jsonl"))
    counts = collections.Counter()
    for e in score["episodes"]:
        if e["right"]:
            continue
        inside = [a for a in alerts if a["node"] == e["node"] and e["first"] <= a["t"] <= e["last"]]
        rules = sorted({a["rule"] for a in inside})
        devices = sorted({",".join("%s=%s" % kv for kv in sorted(a.get("labels", {}).items())) for a in inside})
        near = sorted({c["kind"] for c in truth if c["node"] == e["node"]
                       and (c["device"] in devices or c["device"] == "")
                       and (c["t"] is None or e["first"] - 3 * DAY <= c["t"] <= e["last"])})
        counts[(" ".join(rules), " ".join(near) or "-")] += 1
        if quiet:
            print("rules %-20s confounders %s" % (" ".join(rules), " ".join(near) or "-"))
        else:
            print("wrong %s %d..%d (%d alerts) rules %s devices %s confounders %s | %s" % (
                e["node"], e["first"], e["last"], e["alerts"], rules, devices, near or "-", inside[0]["reason"]))
    for (rules, near), n in ([] if quiet else counts.most_common()):
        print("count %3d  rules %-20s confounders %s" % (n, rules, near))


if __name__ == "__main__":
    main()
