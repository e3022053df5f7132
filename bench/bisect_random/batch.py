#!/usr/bin/env python3
"""batch.py OUTDIR START COUNT [--sizes 16,33,...] [--mixes a,b,...] [--topo P] [--extra "--sensitivity 32"] [--only 5,9]
                [--rescore yes]

Random cases for seeds START .. START+COUNT-1: each seed picks a size, a mix and whether the cluster has a topology
(from its own random stream, so a seed always makes the same case), writes OUTDIR/s<seed>/ with gen.py and scores it
with score.py ($KILN or build-test's kiln). One JSON line per case is appended to OUTDIR/results.jsonl.
--rescore yes: no kiln run; the reports already in OUTDIR/s<seed>/out are scored again against the truth as gen.py
now writes it (to RESULTS rescored.jsonl; a crash's missing report stays a problem)."""
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402
import score  # noqa: E402

SIZES = [16, 18, 24, 33, 48, 64, 100, 128, 150, 256, 300, 512, 777, 1024, 1500, 2048, 3000]
MIXES = gen.MIXES + gen.NEW_MIXES


def main():
    out, start, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    opts = dict(zip(sys.argv[4::2], sys.argv[5::2]))
    sizes = [int(x) for x in opts["--sizes"].split(",")] if "--sizes" in opts else SIZES
    mixes = opts["--mixes"].split(",") if "--mixes" in opts else MIXES
    topo_p = float(opts.get("--topo", "0.6"))
    extra = opts.get("--extra", "").split()
    rescore = opts.get("--rescore") == "yes"
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "rescored.jsonl" if rescore else "results.jsonl"), "a") as log:
        only = {int(x) for x in opts["--only"].split(",")} if "--only" in opts else None
        for seed in range(start, start + count):
            if only is not None and seed not in only:
                continue
            pick = random.Random(seed * 7919 + 17)  # --only does not change what a seed makes
            n, mix = pick.choice(sizes), pick.choice(mixes)
            topo = mix in gen.TOPO_MIXES or pick.random() < topo_p
            case = os.path.join(out, f"s{seed}")
            try:
                xml, topo_text, truth = gen.make(random.Random(seed), n=n, mix=mix, topo=topo)
            except RuntimeError as e:  # the mix does not fit this cluster (no node left to place a fault on)
                print("skip", seed, n, mix, e, flush=True)
                continue
            os.makedirs(case, exist_ok=True)
            open(os.path.join(case, "cluster.xml"), "w").write(xml)
            args = ["--simulate", os.path.join(case, "cluster.xml")]
            if topo_text:
                open(os.path.join(case, "topo.conf"), "w").write(topo_text)
                args += ["--topology", os.path.join(case, "topo.conf")]
            truth["args"], truth["seed"] = args, seed
            json.dump(truth, open(os.path.join(case, "truth.json"), "w"), indent=1)
            try:
                if rescore:
                    res = {"case": case, "n": n, "mix": mix, "topo": bool(topo_text)}
                    if os.path.exists(os.path.join(case, "out", "report.json")):
                        res = score.evaluate(case, truth, res, None)
                    else:
                        res["problems"] = ["no report"]
                        res["ok"] = False
                else:
                    res = score.run(case, extra)
            except Exception as e:  # a timeout or a crash of the scorer: recorded, not fatal
                res = {"case": case, "n": n, "mix": mix, "problems": [repr(e)], "ok": False}
            res["seed"] = seed
            log.write(json.dumps(res) + "\n")
            log.flush()
            flag = "ok " if res.get("ok") else "BAD"
            print(flag, seed, n, mix, res.get("rounds"), res.get("missed"), res.get("false"),
                  res.get("unresolved", [])[:2], res.get("problems", ""), flush=True)


if __name__ == "__main__":
    main()
