#!/usr/bin/env python3
"""docs/baselines.md's per-SKU floor tables and summary table say what baselines/ holds (issue 28 item 6).

Each row `| `series` | F x R = V | ...` of the tables under "H200" and "H100" must name a fraction rule of that
baseline with that fraction and reference, and V must be F x R to the digits shown; every measured fraction rule
of the baseline must have its row. The summary rows (`| h200-sxm-141gb | GEMM ... | 0.90 x a / b ... |`) are
checked the same way. Usage: baselines_doc_test.py SOURCE_DIR
"""
import re
import sys
import xml.etree.ElementTree as ET

src = sys.argv[1]
doc = open(f"{src}/docs/baselines.md", encoding="utf-8").read()
failures = []


def rules(sku):
    root = ET.parse(f"{src}/baselines/{sku}.xml").getroot()
    out = {}
    for e in root.iter("expect"):
        if e.get("rule") != "fraction":
            continue
        series = e.get("metric") + (f"{{{e.get('labels')}}}" if e.get("labels") else "")
        out[series] = (float(e.get("fraction")), float(e.get("reference")))
    return out


def close(shown, value):
    """`shown` (as the doc prints it) equals `value` to the digits shown."""
    digits = len(shown.split(".")[1]) if "." in shown else 0
    return abs(float(shown) - value) <= 0.5 * 10 ** -digits + 1e-9 * abs(value)


# The per-SKU tables: header "| series | floor | <report> ..." after a heading naming the GPU.
sections = {"h200-sxm-141gb": "h200-x1-peers", "h100-sxm5-80gb": "h100-x1"}
for sku, first_report in sections.items():
    expected = rules(sku)
    header = f"| series | floor | {first_report} |"
    start = doc.find(header)
    if start < 0:
        failures.append(f"docs/baselines.md has no table of {sku} (header '{header}')")
        continue
    seen = set()
    for line in doc[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        series = cells[0].strip("`").replace("type=", "type=")
        m = re.fullmatch(r"([0-9.]+) x ([0-9.]+) = ([0-9.]+)", cells[1])
        if not m:
            failures.append(f"{sku}: row {series}: floor '{cells[1]}' is not 'F x R = V'")
            continue
        fraction, reference, floor = m.groups()
        seen.add(series)
        if series not in expected:
            failures.append(f"{sku}: docs/baselines.md lists {series}, which baselines/{sku}.xml has no fraction rule for")
            continue
        f, r = expected[series]
        if float(fraction) != f or float(reference) != r:
            failures.append(f"{sku}: {series}: the doc says {fraction} x {reference}, baselines/{sku}.xml {f} x {r}")
        if not close(floor, f * r):
            failures.append(f"{sku}: {series}: the doc's floor {floor} is not {f} x {r} = {f * r:.4g}")
    for series in sorted(set(expected) - seen):
        failures.append(f"{sku}: baselines/{sku}.xml's {series} has no row in docs/baselines.md")

    # The summary table: "| sku | WHAT a / b | F x r1 / r2 GB/s | ..." rows, references in the baseline's order.
    for line in doc.splitlines():
        if not line.startswith(f"| {sku} |"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        m = re.fullmatch(r"([0-9.]+) x ([0-9.]+(?: / [0-9.]+)*) (?:TFLOPS|GB/s)", cells[2])
        if not m:
            continue
        f = float(m.group(1))
        refs = [float(x) for x in m.group(2).split(" / ")]
        kind = cells[1]
        names = kind.split(" ", 1)[1].split(" / ") if " " in kind else []
        prefix = {"GEMM": "gpu.stress.tflops{type=", "HBM": "hbm.", "PCIe": "pcie."}[kind.split(" ")[0]]
        for name, ref in zip(names, refs):
            series = (f"{prefix}{name}}}" if prefix.endswith("=") else f"{prefix}{name.lower()}_bw")
            if series not in expected:
                failures.append(f"{sku}: summary row '{kind}' names {series}, not in baselines/{sku}.xml")
            elif expected[series] != (f, ref):
                failures.append(f"{sku}: summary row '{kind}': {series} {f} x {ref}, the baseline {expected[series]}")

if failures:
    print("\n".join("FAIL: " + f for f in failures))
    sys.exit(1)
print("PASS: docs/baselines.md's tables match baselines/")
