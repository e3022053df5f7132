#!/usr/bin/env python3
"""summarize.py RESULTS.jsonl [RESULTS.jsonl ...]: cases fully right / total, by mix and by what went wrong.

What went wrong, per case (a case may show several): crash (no report), exit code, missed <kind>, false <kind>,
unresolved. Markdown tables on stdout."""
import collections
import json
import sys


def load(paths):
    rows = {}
    for p in paths:
        for line in open(p):
            r = json.loads(line)
            rows[r["seed"]] = r  # the last line of a seed counts
    return list(rows.values())


def problems(r):
    out = set()
    for p in r.get("problems") or []:
        out.add("crash (no report)" if p.startswith("no report") else "exit code")
    for m in r.get("missed") or []:
        out.add("missed " + m[0])
    for f in r.get("false") or []:
        out.add("false " + f[0])
    if r.get("unresolved"):
        out.add("unresolved")
    return out


def main():
    rows = load(sys.argv[1:])
    by_mix = collections.defaultdict(lambda: [0, 0])
    cls = collections.Counter()
    for r in rows:
        by_mix[r["mix"]][1] += 1
        by_mix[r["mix"]][0] += 1 if r.get("ok") else 0
        for p in problems(r):
            cls[p] += 1
    ok = sum(1 for r in rows if r.get("ok"))
    print(f"{ok}/{len(rows)} fully right")
    print("\n| mix | right / cases |\n|---|---|")
    for mix in sorted(by_mix):
        print(f"| {mix} | {by_mix[mix][0]}/{by_mix[mix][1]} |")
    print("\n| what went wrong | cases |\n|---|---|")
    for k, v in cls.most_common():
        print(f"| {k} | {v} |")


if __name__ == "__main__":
    main()
