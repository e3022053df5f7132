"""What a kiln bisect report concluded, named and printed alike by the namespace and Slurm scenario checks
(tests/netns/bisect_netns.sh, tests/slurm/bisect_slurm_check.py)."""


def finding_name(finding):
    """"h3" for a node, "h1<->h5" for a link (ends sorted), the nodes joined so for any other finding."""
    nodes = finding["subject"]["nodes"]
    return nodes[0] if finding["kind"] == "node" else "<->".join(sorted(nodes))


def print_rounds(bisection):
    """Each round's stage, trial count and conclusion, with the values of the trials that did not pass."""
    for r in bisection["rounds"]:
        print(f"  round {r['index']} {r['stage']}: {len(r['trials'])} trial(s): {r['conclusion']}")
        failed = [f'{t.get("nodes")}: {t["value"]:.3g}' for t in r["trials"]
                  if t.get("outcome") not in (None, "pass") and t.get("value") is not None]
        if failed:
            print("    failed with:", ", ".join(failed))
