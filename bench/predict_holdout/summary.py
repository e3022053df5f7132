#!/usr/bin/env python3
"""summary.py OUTDIR: per profile, min/median/max over seeds of precision, recall (precursor), recall (all), median
lead, from OUTDIR/<profile>-s<seed>/out/score.json; plus pooled counts and wrong-episode causes / misses by shape
from analysis.json."""
import json, os, sys, glob, statistics, collections

out = sys.argv[1]
runs = collections.defaultdict(list)
for d in sorted(glob.glob(os.path.join(out, "*-s*"))):
    name = os.path.basename(d)
    prof, seed = name.rsplit("-s", 1)
    sp = os.path.join(d, "out", "score.json")
    if not os.path.exists(sp):
        print("%s: no score.json" % name)
        continue
    s = json.load(open(sp))
    a = json.load(open(os.path.join(d, "analysis.json"))) if os.path.exists(os.path.join(d, "analysis.json")) else {}
    runs[prof].append((int(seed), s, a))


def mmm(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "n/a"
    return "%.2f / %.2f / %.2f" % (min(xs), statistics.median(xs), max(xs))


def mmm_h(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "n/a"
    return "%.0f / %.0f / %.0f h" % (min(xs), statistics.median(xs), max(xs))


print("| profile | seeds | precision (min/med/max) | recall precursor | recall all | median lead | pooled: episodes right/total, caught/precursor failures, caught/all |")
print("|---|---|---|---|---|---|---|")
for prof in sorted(runs):
    rs = sorted(runs[prof], key=lambda r: r[0])
    er = sum(r[1].get("episodes_right", 0) for r in rs)
    et = sum(r[1].get("episodes_total", 0) for r in rs)
    cp = sum(r[1].get("caught_with_precursors", 0) for r in rs)
    fp = sum(r[1].get("failures_with_precursors", 0) for r in rs)
    ca = sum(r[1].get("caught", 0) for r in rs)
    fa = sum(r[1].get("failures", 0) for r in rs)
    print("| %s | %s | %s | %s | %s | %s | %d/%d (%.2f), %d/%d (%.2f), %d/%d (%.2f) |" % (
        prof, ",".join(str(r[0]) for r in rs), mmm([r[1].get("precision") for r in rs]),
        mmm([r[1].get("recall") for r in rs]), mmm([r[1].get("recall_all") for r in rs]),
        mmm_h([r[1].get("median_lead_hours") for r in rs]), er, et, er / et if et else 0, cp, fp,
        cp / fp if fp else 0, ca, fa, ca / fa if fa else 0))
print()
print("per run:")
for prof in sorted(runs):
    for seed, s, a in sorted(runs[prof], key=lambda r: r[0]):
        print("  %-9s seed %3d: precision %s (%s/%s episodes), recall %s (%s/%s), recall_all %s (%s/%s), median lead %s h"
              % (prof, seed, "%.3f" % s["precision"] if s.get("precision") is not None else "null",
                 s.get("episodes_right"), s.get("episodes_total"),
                 "%.3f" % s["recall"] if s.get("recall") is not None else "null", s.get("caught_with_precursors"),
                 s.get("failures_with_precursors"), "%.3f" % s["recall_all"] if s.get("recall_all") is not None
                 else "null", s.get("caught"), s.get("failures"),
                 "%.1f" % s["median_lead_hours"] if s.get("median_lead_hours") is not None else "n/a"))
print()
print("wrong episodes by (first alert's rule x truth cause), all runs:")
c = collections.Counter()
cp = collections.defaultdict(collections.Counter)
for prof in runs:
    for seed, s, a in runs[prof]:
        for w in a.get("wrong", []):
            c[(w["rule"], w["cause"])] += 1
            cp[(w["rule"], w["cause"])][prof] += 1
for k, v in c.most_common():
    print("  %4d  %-16s x %-28s %s" % (v, k[0], k[1], dict(cp[k])))
print()
print("missed precursor failures by shape (missed / with that shape), all runs:")
tot = collections.Counter()
miss = collections.Counter()
for prof in runs:
    for seed, s, a in runs[prof]:
        for m in a.get("misses", []):
            miss[m["shape"]] += 1
        for m in a.get("caught", []):
            if m.get("shape"):
                tot[m["shape"]] += 1
        for m in a.get("misses", []):
            tot[m["shape"]] += 1
for k in sorted(tot, key=lambda k: -miss[k]):
    print("  %-16s %d / %d" % (k, miss[k], tot[k]))
print()
print("what-if (pooled per profile): episodes right/total and caught precursor failures, with one rule's alerts removed")
for prof in sorted(runs):
    agg = collections.defaultdict(lambda: [0, 0, 0])
    fp = sum(r[1].get("failures_with_precursors", 0) for r in runs[prof])
    keys = set()
    for seed, s, a in runs[prof]:
        keys |= set(a.get("whatif", {}))
    for seed, s, a in runs[prof]:
        w = a.get("whatif", {})
        for k in keys:  # a rule absent from a run: removing it changes nothing there
            e, r, c = w.get(k, w.get("all", (0, 0, 0)))
            agg[k][0] += e; agg[k][1] += r; agg[k][2] += c
    for k in sorted(agg, key=lambda k: (k != "all", k)):
        e, r, c = agg[k]
        print("  %-9s %-34s precision %d/%d = %.2f, recall %d/%d = %.2f" % (prof, k, r, e, r / e if e else 0, c, fp,
                                                                          c / fp if fp else 0))
