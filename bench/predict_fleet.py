#!/usr/bin/env python3
"""A synthetic GPU fleet for `kiln predict`: samples in the replay format and the failures they lead to.

Every assumption and its source is in docs/predict.md ("The synthetic fleet"). Deterministic for a seed.
  predict_fleet.py --seed 7 --nodes 64 --days 30 --out DIR   writes DIR/samples.jsonl, DIR/failures.jsonl and
  DIR/confounders.jsonl (which node got which confounder: for the false-alarm breakdown, never read by kiln)
"""
import argparse, json, math, os, random

T0 = 1767225600  # 2026-01-01 UTC
HOUR, DAY = 3600, 86400
GPUS, PORTS = 8, 4
# Llama 3 (Meta, 2024): 466 interruptions in 54 days on 16,384 GPUs = 2,048 nodes -> per node and day:
FAILURES_PER_NODE_DAY = 466 / 54 / 2048
MIXES = {  # share of failures by mode; "none" fails without any precursor (about a third in the field)
    "field": {"hbm": 0.22, "pcie": 0.12, "ib": 0.18, "cooling": 0.10, "none": 0.38},
    "gpu-heavy": {"hbm": 0.40, "pcie": 0.20, "ib": 0.05, "cooling": 0.05, "none": 0.30},
    "ib-heavy": {"hbm": 0.10, "pcie": 0.05, "ib": 0.45, "cooling": 0.05, "none": 0.35},
}


def poisson(rng, lam):
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


class Node:
    def __init__(self, name, rng):
        self.name = name
        self.events = {}      # (metric, labels-tuple) -> [(t, increment)] for counters, [(t, value)] for gauges
        self.silent = []      # [(from, to)]
        self.reboots = []     # times counters reset
        self.temp_extra = {}  # gpu -> [(from, to, degrees at from, degrees at to)]
        self.dense = rng.random() < 0.25  # this exporter samples every counter each hour, not only on change
        self.truth = []       # the confounders it got: {"node", "kind", "device", "t"} (confounders.jsonl)

    def note(self, kind, labels, t=None):
        self.truth.append({"node": self.name, "kind": kind, "device": ",".join("%s=%s" % kv for kv in labels),
                           "t": None if t is None else int(t)})

    def add(self, metric, labels, t, amount):
        self.events.setdefault((metric, labels), []).append((int(t), amount))


def gpu(g):
    return (("gpu", str(g)),)


def port(p):
    return (("device", "mlx5_%d" % p), ("port", "1"))


def ramp_counter(rng, node, metric, labels, start, end, rate_from, rate_to, size=(1, 1)):
    """Events whose hourly rate grows linearly from rate_from to rate_to over [start, end)."""
    hours = max(1, int((end - start) // HOUR))
    for h in range(hours):
        rate = rate_from + (rate_to - rate_from) * h / hours
        for _ in range(poisson(rng, rate)):
            node.add(metric, labels, start + h * HOUR + rng.randrange(HOUR), rng.randint(*size))


def precursor(rng, node, mode, t_fail, strength):
    lead = rng.uniform(1.5, 6.0) * DAY
    start = t_fail - lead
    if mode == "hbm":
        g = gpu(rng.randrange(GPUS))
        ramp_counter(rng, node, "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", g, start, t_fail, 0.3 * strength, 4 * strength, (1, 4))
        pending_at = start + rng.uniform(0.3, 0.7) * lead
        node.add("DCGM_FI_DEV_ROW_REMAP_PENDING", g, pending_at, 1)
        node.add("DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", g, pending_at + rng.uniform(0, 6 * HOUR), 1)
        if rng.random() < 0.5:
            node.add("DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", g, t_fail - rng.uniform(2, 20) * HOUR, 1)
            node.add("DCGM_FI_DEV_XID_ERRORS", g, t_fail - rng.uniform(1, 10) * HOUR, 48)
    elif mode == "pcie":
        g = gpu(rng.randrange(GPUS))
        t, gap = start, 8 * HOUR
        while t < t_fail:
            node.add("DCGM_FI_DEV_PCIE_REPLAY_COUNTER", g, t, int(rng.randint(10, 200) * strength) + 1)
            gap = max(1.5 * HOUR, gap * 0.85)
            t += rng.uniform(0.5, 1.5) * gap
        node.add("DCGM_FI_DEV_XID_ERRORS", g, t_fail, 79)
    elif mode == "ib":
        p = port(rng.randrange(PORTS))
        ramp_counter(rng, node, "node_infiniband_symbol_error_total", p, start, t_fail, 1 * strength, 40 * strength, (1, 20))
        for _ in range(rng.randint(1, 4)):
            node.add("node_infiniband_link_downed_total", p, t_fail - rng.uniform(2, 48) * HOUR, 1)
        node.add("node_infiniband_link_downed_total", p, t_fail, 1)
    elif mode == "cooling":
        g = rng.randrange(GPUS)
        node.temp_extra.setdefault(g, []).append((start, t_fail, 0.0, rng.uniform(10, 22) * strength))


def confounders(rng, node, days, k):
    span = days * DAY  # k scales every confounder's rate
    for g in range(GPUS):
        if rng.random() < 0.05 * k:  # a GPU with a chronic trickle of correctable errors that never fails
            node.note("ecc_trickle", gpu(g))
            ramp_counter(rng, node, "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", gpu(g), T0, T0 + span, 0.1, 0.1, (1, 2))
        if rng.random() < 0.05 * k:  # a harmless trickle of PCIe replays
            node.note("pcie_trickle", gpu(g))
            ramp_counter(rng, node, "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", gpu(g), T0, T0 + span, 0.05, 0.05, (1, 3))
        for _ in range(poisson(rng, days * 0.003 * k)):  # one-off ECC burst (a cosmic ray, a bad job)
            t = T0 + rng.uniform(0, span)
            node.note("ecc_burst", gpu(g), t)
            node.add("DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", gpu(g), t, rng.randint(5, 500))
        for _ in range(poisson(rng, days * 0.001 * k)):  # a remap that the next reset repairs
            t = T0 + rng.uniform(0, span)
            node.note("repaired_remap", gpu(g), t)
            node.add("DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", gpu(g), t, rng.randint(2, 30))
            node.add("DCGM_FI_DEV_ROW_REMAP_PENDING", gpu(g), t, 1)
            node.reboots.append(t + rng.uniform(1, 12) * HOUR)
        for _ in range(poisson(rng, days * 0.002 * k)):  # application XIDs (13, 31, 43): not the hardware
            node.add("DCGM_FI_DEV_XID_ERRORS", gpu(g), T0 + rng.uniform(0, span), rng.choice([13, 31, 43]))
    for p in range(PORTS):
        if rng.random() < 0.08 * k:  # a port with a low steady rate of symbol errors
            node.note("ib_trickle", port(p))
            ramp_counter(rng, node, "node_infiniband_symbol_error_total", port(p), T0, T0 + span, 0.3, 0.3, (1, 5))
        for _ in range(poisson(rng, days * 0.003 * k)):  # a cable reseat: the link drops, a burst of errors
            t = T0 + rng.uniform(0, span)
            node.note("reseat", port(p), t)
            node.add("node_infiniband_link_downed_total", port(p), t, 1)
            node.add("node_infiniband_symbol_error_total", port(p), t + rng.uniform(0, 1800), rng.randint(10, 2000))
    for _ in range(poisson(rng, days * 0.02 * k)):  # exporter gaps
        t = T0 + rng.uniform(0, span)
        node.note("gap", (), t)
        node.silent.append((t, t + rng.uniform(2, 12) * HOUR))
    for _ in range(poisson(rng, days * 0.01 * k)):  # reboots
        t = T0 + rng.uniform(0, span)
        node.note("reboot", (), t)
        node.reboots.append(t)


def is_silent(node, t):
    return any(a <= t < b for a, b in node.silent)


def counter_lines(node, key, events, end, out):
    metric, labels = key
    gauge = metric in ("DCGM_FI_DEV_ROW_REMAP_PENDING", "DCGM_FI_DEV_XID_ERRORS")
    resets = sorted(node.reboots)
    events = sorted(events)
    polls = set(range(T0, end, 4 * HOUR if node.dense else DAY))  # keep-alive (or dense) samples
    polls.update(t - t % 60 + 60 for t, _ in events)  # on change: the next minute's poll
    polls.update(int(r) + 60 for r in resets)
    value, i, r = 0, 0, 0
    for t in sorted(polls):
        if t >= end:
            break
        while r < len(resets) and resets[r] <= t:
            if not (gauge and metric.endswith("XID_ERRORS")):
                value = 0
            r += 1
        while i < len(events) and events[i][0] < t:
            value = events[i][1] if gauge else value + events[i][1]
            i += 1
        if not is_silent(node, t):
            out.append((t, node.name, metric, dict(labels), value))


def temperature_lines(rng, node, end, interval, heat, out):
    offsets = [rng.gauss(0, 2) for _ in range(GPUS)]
    load, next_switch = 0, T0
    for t in range(T0 + rng.randrange(interval), end, interval):
        if t >= next_switch:
            load = rng.choice([0, 1, 1, 1])
            next_switch = t + rng.uniform(1, 24) * HOUR
        if is_silent(node, t):
            continue
        base = (38 if load == 0 else 68) + sum(d for a, b, d in heat if a <= t < b)
        for g in range(GPUS):
            extra = sum(x0 + (x1 - x0) * (t - a) / (b - a) for a, b, x0, x1 in node.temp_extra.get(g, []) if a <= t < b)
            out.append((t, node.name, "DCGM_FI_DEV_GPU_TEMP", {"gpu": str(g)}, round(base + offsets[g] + extra + rng.gauss(0, 1.5))))


def fleet(args):
    rng = random.Random(args.seed)
    end = T0 + args.days * DAY
    mix = MIXES[args.mix]
    nodes = [Node("gn%04d" % i, rng) for i in range(args.nodes)]
    heat = []  # fleet-wide heat: a hot day in the hall
    for _ in range(poisson(rng, args.days / 10)):
        t = T0 + rng.uniform(0, args.days * DAY)
        heat.append((t, t + rng.uniform(12, 36) * HOUR, rng.uniform(5, 10)))
    failures = []
    for node in nodes:
        confounders(rng, node, args.days, args.noise_scale)
        t = T0 + rng.expovariate(FAILURES_PER_NODE_DAY * args.failure_scale) * DAY
        while t < end:
            mode = rng.choices(list(mix), weights=list(mix.values()))[0]
            strength = 0.3 if rng.random() < 0.15 else 1.0  # some precursors are faint
            if mode != "none" and t - T0 > 7 * DAY:
                precursor(rng, node, mode, t, strength)
            elif mode != "none":
                mode = "none"  # too early for a precursor inside the replay
            kind = {"hbm": "gpu", "pcie": "gpu", "cooling": "gpu", "ib": "ib"}.get(mode, rng.choice(["gpu", "ib", "other"]))
            failures.append({"t": int(t), "node": node.name, "kind": kind, "precursor": mode != "none", "mode": mode})
            down = rng.uniform(4, 48) * HOUR
            node.silent.append((t, t + down))
            node.reboots.append(t + down)
            t += down + rng.expovariate(FAILURES_PER_NODE_DAY * args.failure_scale) * DAY
    return nodes, heat, failures, end


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--nodes", type=int, default=64)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--mix", choices=sorted(MIXES), default="field")
    parser.add_argument("--failure-scale", type=float, default=3.0, help="times the Llama 3 failure rate")
    parser.add_argument("--noise-scale", type=float, default=1.0, help="times every confounder's rate")
    parser.add_argument("--temp-interval", type=int, default=1800, help="seconds between temperature samples")
    parser.add_argument("--order", choices=["time", "series", "shuffle"], default="series")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    nodes, heat, failures, end = fleet(args)
    rng = random.Random(args.seed * 7919 + 1)
    lines = []
    for node in nodes:
        for key, events in sorted(node.events.items()):
            counter_lines(node, key, events, end, lines)
        temperature_lines(rng, node, end, args.temp_interval, heat, lines)
        lines.append((T0, node.name, "DCGM_FI_DEV_SM_CLOCK", {"gpu": "0"}, 1980))  # unknown to the predictor
    if args.order == "time":
        lines.sort(key=lambda x: x[0])
    elif args.order == "shuffle":
        rng.shuffle(lines)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "samples.jsonl"), "w") as f:
        for t, name, metric, labels, value in lines:
            f.write(json.dumps({"t": t, "node": name, "metric": metric, "labels": labels, "value": value}) + "\n")
    with open(os.path.join(args.out, "failures.jsonl"), "w") as f:
        for failure in sorted(failures, key=lambda x: x["t"]):
            f.write(json.dumps(failure) + "\n")
    with open(os.path.join(args.out, "confounders.jsonl"), "w") as f:  # the truth, for bench/predict_false_alarms.py
        for node in nodes:
            for item in node.truth:
                f.write(json.dumps(item) + "\n")
    print("%d samples, %d failures (%d with precursors)" % (len(lines), len(failures), sum(f["precursor"] for f in failures)))


if __name__ == "__main__":
    main()
