#!/usr/bin/env python3
"""score.py CASE_DIR [extra kiln args...]: run kiln bisect on CASE_DIR (cluster.xml, topo.conf, truth.json), score it.
Prints one JSON line: named/required, false accusations, unresolved, rounds, wall, rss, report size, problems."""
import json
import os
import re
import shutil
import subprocess
import sys
import time

# The kiln to score: $KILN, else the build tree's.
KILN = os.environ.get("KILN", os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../build-test/apps/kiln"))


def run(case, extra):
    truth = json.load(open(os.path.join(case, "truth.json")))
    out = os.path.join(case, "out")
    shutil.rmtree(out, ignore_errors=True)
    cmd = ["/usr/bin/time", "-v", KILN, "bisect"] + truth["args"] + extra + ["--out", out, "--quiet"]
    t = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    wall = time.time() - t
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    ut = re.search(r"User time \(seconds\): ([\d.]+)", p.stderr)
    st = re.search(r"System time \(seconds\): ([\d.]+)", p.stderr)
    res = {"case": case, "n": truth["n"], "mix": truth["mix"], "topo": truth["topology"], "extra": " ".join(extra),
           "rc": p.returncode, "wall": round(wall, 2),
           "cpu": round(float(ut.group(1)) + float(st.group(1)), 2) if ut else None,
           "rss_mib": round(int(rss.group(1)) / 1024, 1) if rss else None}
    rp = os.path.join(out, "report.json")
    if not os.path.exists(rp):
        res["problems"] = ["no report: rc %d: %s" % (p.returncode, p.stderr.strip()[-400:])]
        return res
    return evaluate(case, truth, res, p.returncode)


def evaluate(case, truth, res, returncode):
    """Scores CASE/out/report.json against the truth (returncode None: not checked, a report read again)."""
    rp = os.path.join(case, "out", "report.json")
    res["report_mb"] = round(os.path.getsize(rp) / 1e6, 2)
    r = json.load(open(rp))
    b = r["bisection"]
    res["rounds"] = b["rounds_used"]
    res["tests"] = b["tests_used"]
    findings = b["findings"]
    got = []
    for f in findings:
        s = f["subject"]
        if f["kind"] in ("switch", "uplink"):
            got.append((f["kind"], s.get("switch")))
        elif f["kind"] == "link":
            got.append(("link", tuple(sorted(s["nodes"]))))
        elif f["kind"] == "node":
            got.append(("node", tuple(s["nodes"])))
        else:
            got.append((f["kind"], tuple(s.get("nodes", []))[:5], len(s.get("nodes", []))))

    def key(e):
        if e["kind"] in ("switch", "uplink"):
            return (e["kind"], e["switch"])
        return (e["kind"], tuple(sorted(e["nodes"])) if e["kind"] == "link" else tuple(e["nodes"]))

    # Uplinks no test can tell apart (gen.py's ambiguous_leaves): an unresolved finding within those leaves' nodes
    # is the honest answer; it stands for their uplinks, and so does naming any of them.
    amb = truth.get("ambiguous_leaves") or []
    amb_nodes = {m for lf in amb for m in (truth.get("leaves") or {}).get(lf, [])}
    honest = [f for f in findings if f["kind"] == "unresolved" and amb_nodes and
              len(f["subject"].get("nodes", [])) > 1 and set(f["subject"]["nodes"]) <= amb_nodes]
    if honest:
        got = [g for g in got if not (g[0] == "unresolved" and len(g) == 3 and g[2] > 1 and set(g[1]) <= amb_nodes)]
    if honest or any(("uplink", lf) in got for lf in amb):
        got += [("uplink", lf) for lf in amb if ("uplink", lf) in {(e["kind"], e.get("switch")) for e in truth["required"]}]
    res["ambiguous"] = bool(amb)
    gotset = set(got)
    named, missed = 0, []
    allowed = set()
    for e in truth["required"]:
        ks = [key(e)] + [key(a) for a in e.get("alternatives", [])]
        allowed.update(ks)
        if any(k in gotset for k in ks):
            named += 1
        else:
            missed.append(key(e))
    for e in truth["optional_nodes"] + truth["optional_links"]:
        allowed.add(key(e))
    allowed.update(("uplink", lf) for lf in amb)
    false, unresolved, wrong = [], [], []
    for g in got:
        if g[0] == "unresolved":
            unresolved.append(g)
        elif g not in allowed:
            false.append(g)
    res["named"] = f"{named}/{len(truth['required'])}"
    res["missed"] = [list(map(str, m)) for m in missed]
    res["false"] = [list(map(str, x)) for x in false]
    res["unresolved"] = [str(u) for u in unresolved]
    # kiln bisect exits 1 when it names or leaves anything open, 0 for a healthy cluster; 2/3 or a signal is a bug here.
    want_rc = 1 if findings else 0
    if returncode is not None and returncode != want_rc:
        res["problems"] = res.get("problems", []) + [f"exit code {returncode}, expected {want_rc}"]
    res["ok"] = not missed and not false and not unresolved and not res.get("problems")
    return res


if __name__ == "__main__":
    r = run(sys.argv[1], sys.argv[2:])
    print(json.dumps(r))
