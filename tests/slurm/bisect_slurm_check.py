#!/usr/bin/env python3
"""Checks one case of bisect_slurm.sh: what kiln bisect concluded under Slurm, and that its trials ran as srun
job steps. Usage: bisect_slurm_check.py CASE OUT EXIT WORK JOB (OUT: kiln bisect's --out; WORK: the test's
folder, with the slurmd logs slurmd-hN.log; JOB: the allocation's job id)."""
import glob
import json
import os
import re
import sys

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from bisect_report import finding_name, print_rounds  # noqa: E402

case, out, status, work, job = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
report = json.load(open(os.path.join(out, "report.json")))
b = report["bisection"]
print_rounds(b)
assert report["run"]["launcher"] == "srun", f"report's launcher: {report['run']['launcher']}"



findings = b["findings"]
unresolved = [f for f in findings if f["kind"] == "unresolved"]
for f in unresolved:
    print(f"  unresolved: {f['subject']}: {f['reason']}")
accused = sorted(f"{f['kind']} {finding_name(f)}" for f in findings if f["kind"] != "unresolved")
print("accused:", accused)
# Healthy pair steps used to hang now and then (Slurm's PMIx plugin sent a direct-modex request to the wrong
# node; runners/launchers/srun.cpp): a slow node or link is slow, never hung, and nothing is left unresolved.
hangs = [(r["index"], t.get("nodes")) for r in b["rounds"] for t in r["trials"] if t.get("outcome") == "hang"]
assert not hangs, f"trials reported as hung: {hangs}"
assert not unresolved, f"unresolved: {[f['reason'] for f in unresolved]}"
if case == "node":
    assert accused == ["node h3"], f"accused {accused}, expected only the node h3"
else:
    assert accused == ["link h1<->h3"], f"accused {accused}, expected only the link h1<->h3"
    failing = {s["subject"]["kind"]: s["subject"]["nodes"] for s in report["summary"]["failing_subjects"]}
    assert "node" not in failing, f"a node among the failing subjects: {report['summary']['failing_subjects']}"
    assert sorted(failing.get("pair", [])) == ["h1", "h3"], f"failing subjects: {report['summary']['failing_subjects']}"
assert status == 1, f"exit {status}"

# Every trial a job step of this allocation: its own report says srun started it (kiln run reads SLURM_STEP_ID),
# and each node's slurmd launched one step of the job per trial that ran there.
trials_on = {}
reports = 0
for results in sorted(glob.glob(os.path.join(out, "trials", "round*", "results.json"))):
    for index, trial in enumerate(json.load(open(results))):
        for host in trial["hosts"]:
            trials_on[host] = trials_on.get(host, 0) + 1
        trial_report = os.path.join(os.path.dirname(results), f"trial{index:05}", "report.json")
        if trial["outcome"] in ("pass", "fail"):
            run = json.load(open(trial_report))["run"]
            assert run["launcher"] == "srun", f"{trial_report}: launcher {run['launcher']}"
            assert run["ranks"] == len(trial["hosts"]), f"{trial_report}: {run['ranks']} ranks on {trial['hosts']}"
            reports += 1
steps_on = {}
for host in trials_on:
    with open(os.path.join(work, f"slurmd-{host}.log")) as log:
        steps_on[host] = len(set(re.findall(rf"launch task StepId={job}\.(\d+) ", log.read())))
print(f"trials per node {dict(sorted(trials_on.items()))}, steps of job {job} per node "
      f"{dict(sorted(steps_on.items()))}, {reports} trial reports by srun ranks")
assert steps_on == trials_on, "job steps launched per node differ from the trials run there"
assert reports > 0, "no trial report"
