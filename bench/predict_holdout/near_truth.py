#!/usr/bin/env python3
"""near_truth.py OUTDIR: every wrong episode of every fleet OUTDIR/<profile>-s<seed>/ (out/score.json, out/alerts.jsonl,
truth.jsonl), with the generator's truth items on that node (and that GPU or InfiniBand port) from 7 days before the
episode to a day after it, and a count of the combinations. For generators whose truth kinds analyze.py does not know
(bench/predict_fleet_fourth.py); offsets are hours from the episode's first alert."""
import collections
import glob
import json
import os
import sys

H = 3600


def items_near(truth, node, labels, first, last):
    found = []
    for it in truth:
        if it.get("node") not in (node, "*") and node not in it.get("nodes", []):
            continue
        start = it.get("start", it.get("t"))
        end = it.get("end", start)
        if start is None or end < first - 7 * 24 * H or start > last + 24 * H:
            continue
        if "gpu" in labels and "gpu" in it and it["gpu"] != labels["gpu"]:
            continue
        device = labels.get("device", "")
        if device.startswith("mlx") and it.get("device") and it["device"] != device:
            continue
        kind = it["kind"] if it["type"] != "failure" else "FAIL:" + it.get("signature", it["kind"])
        found.append((kind, (start - first) / H, (end - first) / H))
    return found


def main(root):
    combos = collections.Counter()
    for run in sorted(glob.glob(os.path.join(root, "*-s*"))):
        score = json.load(open(os.path.join(run, "out", "score.json")))
        truth = [json.loads(line) for line in open(os.path.join(run, "truth.jsonl"))]
        alerts = [json.loads(line) for line in open(os.path.join(run, "out", "alerts.jsonl"))]
        for episode in score.get("episodes", []):
            if episode.get("right"):
                continue
            node, first, last = episode["node"], episode["first"], episode["last"]
            mine = [a for a in alerts if a["node"] == node and first <= a["t"] <= last]
            labels = mine[0].get("labels") or {}
            near = items_near(truth, node, labels, first, last)
            combos[mine[0]["rule"] + " x " + (",".join(sorted({k for k, _, _ in near})) or "none")] += 1
            print(os.path.basename(run), node, mine[0]["rule"], labels, "%d alerts over %.0f h |" % (
                len(mine), (last - first) / H), " ".join("%s[%+.0fh..%+.0fh]" % n for n in near)[:300])
    print()
    for combo, count in combos.most_common():
        print(count, combo)


if __name__ == "__main__":
    main(sys.argv[1])
