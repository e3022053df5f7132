#!/usr/bin/env python3
"""A third, independently written fleet generator for `kiln predict` (issue 27): a hold-out fleet that Kiln was
not tuned on. Python 3 standard library only.

  bench/predict_fleet_holdout.py --seed 1 --nodes 32 --days 30 --profile balanced \
      --out replay.jsonl --labels failures.jsonl --truth truth.jsonl

Written from the text of issue 27 (sections 2-4), the "replay format" and "scoring" sections of docs/predict.md and
public field knowledge only; it deliberately makes choices that a first generator would not.

Outputs
  --out     the replay, JSON Lines {"t","node","metric","labels","value"}. Lines are grouped per series (an export per
            series), series in a shuffled order per node, not sorted by time.
  --labels  one line per failure {"t","node","kind": "gpu|ib|other","precursor": true|false}.
  --truth   one line per planted item: {"type":"failure",...}, {"type":"precursor",...} (node, gpu or device/port,
            kind = precursor shape, start, end = failure time, lead_h, parameters) and {"type":"confounder",...}
            (node or "*", gpu or device/port, kind, start, end, parameters).

ASSUMPTIONS (each one a choice; sources are public and quoted from memory)
Fleet
  A1  Nodes are 8-GPU H100 SXM servers named like `h100-r07-u22` (rack 07, rack unit 22); 4 nodes per rack, racks
      not numbered from 1; the list of nodes is shuffled.
  A2  Each node has 8 single-port compute HCAs mlx5_0..mlx5_7 (port "1", rail-optimised: rail k of every node goes to
      leaf k); about half the nodes (all in profile `network`) also have a storage HCA mlx5_8 (dual port "1","2" in
      `network`, single port otherwise).
  A3  Failure rate: Llama 3 (Dubey et al. 2024, "The Llama 3 Herd of Models", sec. 3.3.4): 466 interruptions in 54
      days on 16,384 GPUs = 0.0043 per 8-GPU node-day; multiplied by 3 so a 32-node, 30-day fleet has ~12 failures.
      Failures are a Poisson process per node; a node is down for repair after a failure and may fail again later
      (a precursor then starts after that repair; with less than 6 h between them the failure has none).
  A4  Failure kinds (Llama 3 table 5: faulty GPU 30 %, HBM3 17 %, GPU SRAM / GSP / NVLink a few %, network switch or
      cable 8 %, NIC 2 %, host maintenance / software / PSU / SSD the rest): gpu 62 %, ib 12 %, other 26 %
      (`network`: gpu 40 %, ib 42 %, other 18 %).
  A5  Share with a precursor: gpu ~70 %, ib ~70 %, other ~20 % (so a third to half of all failures come with none);
      `noisy` lower (60/60/15), `network` (65/75/20). A failure labelled with a precursor has one planted;
      a planted precursor may still be weak, start before the replay, or be cut by an exporter gap or a reboot.
  A6  Leads (precursor start to failure) are log-uniform in [6 h, 10 d] (shape-specific bounds inside that range).
Failure and repair
  A7  A gpu/ib failure shows its terminal evidence (a hardware XID, a DBE, a downed link) 0-5 min before the label
      time; the node keeps exporting for 15 min - 3 h (drain), then is silent for a repair of 4 h - 5 d (log-normal,
      median 20 h) and comes back rebooted (all volatile counters 0). An `other` failure (PSU, kernel panic, host)
      silences the node at the label time.
  A8  After a GPU repair the GPU is replaced (new UUID, AGG and remapped-row counts 0) half the time, else reset.
Precursor shapes (gpu unless said)
  P1  sbe-ramp: correctable ECC rate grows exponentially from ~0.1/h to 20-2000/h; half the time 1-2 correctable
      row remaps (pending = 1, XID 63) in the last third; ends in XID 48 + DBE (or XID 95).
  P2  sbe-bursts: 2-6 SBE bursts of 30-3000 errors each, 6 h - 3 d apart; quiet in between; ends XID 48/94/95.
  P3  sbe-steady: SBE rate rising linearly from 0 to 3-200/h (Poisson); ends XID 48.
  P4  remap-only: 2-8 correctable/uncorrectable row remaps (pending 1, XID 63) with almost no SBE; ends in
      ROW_REMAP_FAILURE = 1 and XID 64.
  P5  pcie-replay: 3-15 PCIe replay bursts (5-1000 each) more frequent towards the end plus a rising trickle; ends
      XID 79 (GPU fell off the bus; its temperature reads NaN until the drain).
  P6  thermal-gpu: one GPU's temperature under load drifts up by 8-20 C (thermal interface); ends XID 79 or nothing.
  P7  thermal-node: all 8 GPUs drift up 5-12 C (fan / cold-plate loop); kind `other`; the node just goes silent.
  P8  nvlink-crc: NVLink CRC flit errors ramp 0.1/h -> 10-1000/h; ends XID 74 (nodes that export NVLink only).
  P9  xid-sporadic: 2-5 XID 119 (GSP timeouts) over the lead; ends XID 119 then 79. (The XID gauge holds the last
      XID, so a repeated 119 is only visible when an application XID came in between.)
  P10 ib-symbol-flap (ib): symbol errors ramp 0.2/h -> 20-2000/h and 2-10 link flaps (link_downed +1,
      link_error_recovery +1) more frequent towards the end; ends with the link down for good.
  P11 ib-symbol-rise (ib): symbol errors rise linearly 0 -> 5-500/h, no flap.
  P12 ib-flaps (ib): 2-8 flaps each with a small symbol burst (0-50), nothing in between.
Confounders (benign; nothing fails because of them)
  C1  chronic-sbe: 3 % of GPUs (`noisy` 10 %) have correctable ECC for the whole replay at a median 1-100/day whose
      rate wanders day to day (AR(1) on the log, sigma 0.6/day), over-dispersed within a day (gamma-Poisson, shape
      0.3) with 4 % of days x5-x30 (listed as `bad_days` in the truth item; the same model is used for every chronic
      series below). Plus 10 % (20 %) of GPUs with rare single SBEs (0.1/day).
  C2  ecc-burst: one-off burst of 5-3000 SBEs in an hour or two on a healthy GPU, 40 % with a correctable remap
      (pending 1 and XID 63, sometimes 92); half of the remapped ones get a GPU reset 6-72 h later.
  C3  remap-reset: one DBE with an uncorrectable remap (XID 94, pending 1) repaired by a GPU reset 0.5-24 h later.
  C4  chronic-pcie (2 %/6 % of GPUs, bursty, 1-50/day) and one-off pcie bursts; chronic-nvlink (2 %/5 %).
  C5  chronic-ib-symbol: 5 % (12 %, `network` 15 %) of ports with symbol errors at a median 3-300/day (same
      wandering model), port_errors_received ~ 10-50 % of them; a few ports saturate the 16-bit PMA counter at 65535
      (link_downed and link_error_recovery are 8-bit: 255; local_link_integrity 4-bit: 15). A few ports have chronic
      remote physical errors.
  C6  cable-reseat: link_downed +1..2, link_error_recovery +0..2, a symbol burst of 5-2000; half of the reseats go to
      a chronic port and then end its chronic errors 60 % of the time.
  C7  rail-flap: a leaf switch reboot: link_downed +1 on rail k of every node at once (0-1 / 1-2 / 2-3 a replay).
  C8  fleet-heat: inlet +3-8 C on all nodes for 6-36 h (1 / 2 / 1 a replay); rack-heat: one rack +5-12 C for
      4-48 h (0.03 / 0.06 / 0.03 per rack-day). hot-node (+4-8 C, 10 % of nodes), hot-gpu (+5-10 C, 3 %).
  C9  Temperature = inlet (20 C + rack position 0-4 C + diurnal +-1 C + heat events) + idle rise (~10 C, sd 1.5)
      + load x load rise (~42 C, sd 4 between GPUs: the spread between a node's GPUs grows with load) + noise,
      softly saturating above 86 C (throttling). Jobs alternate busy (log-normal, median 10 h, up to 5 d, load
      0.6-1) and idle (70 % short ~1 h, 30 % long ~8 h) periods; 15 % of jobs (30 % noisy, 10 % network) use only
      some of the 8 GPUs (shared cluster), so a GPU can idle at ~32 C next to busy ones at ~70 C. Truth has a
      `partial-job` item per such job and a `gpu-load-offset` item per GPU whose load rise is >= 3 C off the node's.
  C10 reboot: planned reboots (0.03 / 0.06 / 0.03 per node-day, 8-40 min) and a rolling driver upgrade (p 0.5 / 1 /
      0.5) that reboots every node within 36 h and changes DCGM_FI_DRIVER_VERSION. A reboot zeroes VOL ECC, PCIe,
      NVLink, IB counters, the XID gauge and pending remaps; AGG ECC and remapped-row counts persist.
  C11 exporter-gap: dcgm-exporter and/or node_exporter silent 1-30 h (0.02 / 0.05 / 0.02 per node-day); counters
      keep counting, so the first sample after the gap carries the whole gap's increment.
  C12 app-xid: application XIDs 13, 31, 43, 45 at 0.1 / 0.3 / 0.1 per node-day; isolated-hw-xid: a lone hardware
      XID 63, 74, 92 or 119 on a healthy GPU at 0.003 / 0.008 / 0.003 per node-day.
Export
  E1  Temperatures (gauges) are sampled every 3600 s (1800 s in `noisy`); counters every 7200 s on "dense" nodes
      (30 % / 15 % / 30 % of the nodes) and only when they change on the others (a first sample at the start, then
      a sample at a scrape where the value differs). Each node scrapes at its own offset of 0-59 s.
  E2  Labels are dcgm-exporter's real set (gpu, UUID, device "nvidiaN", modelName, Hostname, DCGM_FI_DRIVER_VERSION,
      pci_bus_id; plus container/namespace/pod while a job runs in `noisy`, where Hostname is the exporter pod's
      name) and node_exporter's (device, port, instance, job). Values are numbers, or strings ("12") on half the
      nodes of `noisy`; a GPU that fell off the bus reports "NaN" temperatures until the drain.
  E3  Some nodes (30 %) also export DCGM_FI_DEV_ECC_*_AGG_TOTAL; 50 % export
      DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL.
Profiles: balanced (as above), noisy (more chronic series, bursts, gaps, reboots, k8s labels, string values, fewer
precursors), network (IB-heavy failures, more chronic IB ports, reseats and rail flaps).
Ablations (not the default fleet): --whole-node-jobs (every job heats all 8 GPUs; every random draw, hence every
other sample, label and truth item except `partial-job`, stays the same) and --mild-chronic (chronic benign series
near-Poisson, gamma shape 5, daily wander sigma 0.25, no bad days; later random draws shift, so it is another fleet).
"""
import argparse, bisect, json, math, random, sys

HOUR = 3600
DAY = 86400
T0 = 1769904000  # 2026-02-01T00:00:00Z

PROFILES = {
    "balanced": dict(step_temp=3600, step_ctr=7200, dense=0.30, kinds=(0.62, 0.12, 0.26), prec=(0.70, 0.70, 0.20),
                     chronic_sbe=0.03, sporadic_sbe=0.10, ecc_burst=0.008, remap_reset=0.004, chronic_pcie=0.02,
                     pcie_burst=0.005, chronic_nvl=0.02, chronic_ib=0.05, reseat=0.005, rail_flaps=(0, 1), partial=0.15,
                     fleet_heat=(1, 1), rack_heat=0.03, gaps=0.02, reboots=0.03, rolling=0.5, hw_xid=0.003,
                     app_xid=0.1, k8s=False, strval=0.0, storage_dual=False, storage_frac=0.5),
    "noisy": dict(step_temp=1800, step_ctr=7200, dense=0.15, kinds=(0.62, 0.12, 0.26), prec=(0.60, 0.60, 0.15),
                  chronic_sbe=0.10, sporadic_sbe=0.20, ecc_burst=0.02, remap_reset=0.01, chronic_pcie=0.06,
                  pcie_burst=0.015, chronic_nvl=0.05, chronic_ib=0.12, reseat=0.01, rail_flaps=(1, 2), partial=0.30,
                  fleet_heat=(2, 2), rack_heat=0.06, gaps=0.05, reboots=0.06, rolling=1.0, hw_xid=0.008,
                  app_xid=0.3, k8s=True, strval=0.5, storage_dual=False, storage_frac=0.5),
    "network": dict(step_temp=3600, step_ctr=7200, dense=0.30, kinds=(0.40, 0.42, 0.18), prec=(0.65, 0.75, 0.20),
                    chronic_sbe=0.03, sporadic_sbe=0.10, ecc_burst=0.006, remap_reset=0.003, chronic_pcie=0.02,
                    pcie_burst=0.005, chronic_nvl=0.02, chronic_ib=0.15, reseat=0.02, rail_flaps=(2, 3), partial=0.10,
                    fleet_heat=(1, 1), rack_heat=0.03, gaps=0.02, reboots=0.03, rolling=0.5, hw_xid=0.003,
                    app_xid=0.1, k8s=False, strval=0.0, storage_dual=True, storage_frac=1.0),
}
FAIL_RATE = 466.0 / 54.0 / (16384 / 8) * 3.0  # per node-day

GPU_SHAPES = [("sbe-ramp", 0.20), ("sbe-bursts", 0.15), ("sbe-steady", 0.10), ("remap-only", 0.12),
              ("pcie-replay", 0.13), ("thermal-gpu", 0.10), ("nvlink-crc", 0.08), ("xid-sporadic", 0.12)]
IB_SHAPES = [("ib-symbol-flap", 0.5), ("ib-symbol-rise", 0.3), ("ib-flaps", 0.2)]
LEADS = {  # hours (min, max), log-uniform
    "sbe-ramp": (6, 240), "sbe-bursts": (24, 240), "sbe-steady": (12, 240), "remap-only": (24, 240),
    "pcie-replay": (6, 168), "thermal-gpu": (24, 240), "thermal-node": (12, 168), "nvlink-crc": (6, 168),
    "xid-sporadic": (12, 240), "ib-symbol-flap": (6, 240), "ib-symbol-rise": (24, 240), "ib-flaps": (24, 240),
}
CAPS = {"node_infiniband_symbol_error_total": 65535, "node_infiniband_link_downed_total": 255,
        "node_infiniband_port_errors_received_total": 65535, "node_infiniband_link_error_recovery_total": 255,
        "node_infiniband_local_link_integrity_errors_total": 15,
        "node_infiniband_port_receive_remote_physical_errors_total": 65535}
IB_METRICS = list(CAPS)
INF = float("inf")


def pick(rng, weighted):
    x = rng.random() * sum(w for _, w in weighted)
    for name, w in weighted:
        x -= w
        if x <= 0:
            return name
    return weighted[-1][0]


def loguniform(rng, a, b):
    return math.exp(rng.uniform(math.log(a), math.log(b)))


def poisson(rng, lam):
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def negbin(rng, mean, shape):
    """Gamma-Poisson: over-dispersed counts with the given mean."""
    if mean <= 0:
        return 0
    return poisson(rng, rng.gammavariate(shape, mean / shape))


class Node:
    def __init__(self, name, rack, pos):
        self.name, self.rack, self.pos = name, rack, pos
        self.down = []          # (a, b): both exporters silent, node off or drained for repair
        self.gap = {"dcgm": [], "node": []}  # exporter silent, node running
        self.resets = []        # node reboot completion times (volatile counters 0)
        self.gpu_resets = [[] for _ in range(8)]
        self.replaced = [[] for _ in range(8)]
        self.ev = {}            # (metric, key) -> [(t, inc)] counters / [(t, value)] gauges
        self.drifts = []        # (gpu or -1, start, end, amp)
        self.nan_temp = []      # (gpu, a, b)
        self.dead_ports = []    # (port key, t) counters frozen after t (until repair reset)
        self.upgrade_t = None

    def add(self, metric, key, t, v):
        self.ev.setdefault((metric, key), []).append((t, v))


def in_intervals(t, intervals):
    for a, b in intervals:
        if a <= t < b:
            return True
    return False


def heat(t, events):
    total = 0.0
    for a, b, amp in events:
        if a - HOUR < t < b + 2 * HOUR:
            if t < a:
                total += amp * (t - (a - HOUR)) / HOUR
            elif t <= b:
                total += amp
            else:
                total += amp * (1 - (t - b) / (2 * HOUR))
    return total


class Fleet:
    def __init__(self, seed, n_nodes, days, profile):
        self.p = PROFILES[profile]
        self.profile = profile
        self.rng = random.Random("holdout-%d-%s" % (seed, profile))
        self.days = days
        self.t_end = T0 + days * DAY
        self.truth = []
        self.labels = []
        rng = self.rng
        n_racks = (n_nodes + 3) // 4
        racks = sorted(rng.sample(range(1, 48), n_racks))
        self.nodes = []
        for r in racks:
            for u in sorted(rng.sample([6, 14, 22, 30, 38], 4)):
                if len(self.nodes) < n_nodes:
                    self.nodes.append(Node("h100-r%02d-u%02d" % (r, u), r, u))
        rng.shuffle(self.nodes)

    # ------------------------------------------------------------------------------------------------------------
    def conf(self, node, kind, start, end, **kw):
        d = {"type": "confounder", "kind": kind, "node": node, "start": int(start), "end": int(end)}
        d.update(kw)
        self.truth.append(d)

    def build(self):
        rng, p = self.rng, self.p
        # fleet-level events
        self.fleet_heat = []
        for _ in range(rng.randint(*p["fleet_heat"])):
            a = T0 + rng.uniform(1, self.days - 2) * DAY
            b = a + rng.uniform(6, 36) * HOUR
            amp = rng.uniform(3, 8)
            self.fleet_heat.append((a, b, amp))
            self.conf("*", "fleet-heat", a, b, amp=round(amp, 1))
        self.rack_heat = {}
        for r in sorted({n.rack for n in self.nodes}):
            evs = []
            t = T0
            while True:
                t += rng.expovariate(p["rack_heat"]) * DAY
                if t >= self.t_end:
                    break
                b = t + rng.uniform(4, 48) * HOUR
                amp = rng.uniform(5, 12)
                evs.append((t, b, amp))
                for n in self.nodes:
                    if n.rack == r:
                        self.conf(n.name, "rack-heat", t, b, rack=r, amp=round(amp, 1))
            self.rack_heat[r] = evs
        self.rolling = None
        if rng.random() < p["rolling"]:
            self.rolling = T0 + rng.uniform(3, self.days - 4) * DAY
        self.rail_flaps = []
        for _ in range(rng.randint(*p["rail_flaps"])):
            self.rail_flaps.append((T0 + rng.uniform(0.5, self.days - 0.5) * DAY, rng.randrange(8)))
        dense = set(n.name for n in rng.sample(self.nodes, int(round(p["dense"] * len(self.nodes)))))
        for node in self.nodes:
            node.dense = node.name in dense
            self.build_node(node, random.Random(rng.getrandbits(64)))
        self.truth.sort(key=lambda d: (d["start"] if "start" in d else d["t"], d["node"]))
        self.labels.sort(key=lambda d: (d["t"], d["node"]))

    # ------------------------------------------------------------------------------------------------------------
    def build_node(self, node, rng):
        p = self.p
        node.agg = rng.random() < 0.3
        node.nvlink = rng.random() < 0.5
        node.strval = rng.random() < p["strval"]
        node.k8s = p["k8s"]
        node.offset = rng.randrange(60)
        node.ports = [("mlx5_%d" % i, "1") for i in range(8)]
        if rng.random() < p["storage_frac"]:
            node.ports.append(("mlx5_8", "1"))
            if p["storage_dual"]:
                node.ports.append(("mlx5_8", "2"))
        node.inlet = 20 + node.pos / 38 * 4  # higher in the rack: warmer inlet
        node.hot = 0.0
        if rng.random() < 0.10:
            node.hot = rng.uniform(4, 8)
            self.conf(node.name, "hot-node", T0, self.t_end, amp=round(node.hot, 1))
        node.idle = [rng.gauss(10, 1.5) for _ in range(8)]
        node.rise = [rng.gauss(42, 4) for _ in range(8)]
        node.gpu_hot = [0.0] * 8
        mi, mr = sorted(node.idle)[4], sorted(node.rise)[4]
        for g in range(8):
            if abs(node.rise[g] - mr) >= 3:
                self.conf(node.name, "gpu-load-offset", T0, self.t_end, gpu=str(g),
                          idle_vs_node=round(node.idle[g] - mi, 1), load_vs_node=round(node.rise[g] - mr, 1))
        for g in range(8):
            if rng.random() < 0.03:
                node.gpu_hot[g] = rng.uniform(5, 10)
                self.conf(node.name, "hot-gpu", T0, self.t_end, gpu=str(g), amp=round(node.gpu_hot[g], 1))
        node.uuid = [["GPU-%08x-%04x-%04x-%04x-%012x" % tuple(rng.getrandbits(b) for b in (32, 16, 16, 16, 48))]
                     for _ in range(8)]
        node.pci = ["00000000:%02X:00.0" % b for b in (0x18, 0x2A, 0x3A, 0x5D, 0x9A, 0xAB, 0xBA, 0xDB)]
        node.driver = ["535.161.08", "550.90.07"]

        # ---- failures, repairs
        t = T0
        fails = []
        while True:
            t += rng.expovariate(FAIL_RATE) * DAY
            if t >= self.t_end - HOUR:
                break
            if t < T0 + 6 * HOUR:
                continue
            kind = pick(rng, list(zip(("gpu", "ib", "other"), p["kinds"])))
            drain = 0 if kind == "other" else rng.uniform(0.25, 3) * HOUR
            repair = min(max(math.exp(rng.gauss(math.log(20), 0.8)), 4), 120) * HOUR
            fails.append((t, kind, drain, repair))
            node.down.append((t + drain, t + drain + repair))
            node.resets.append(t + drain + repair)
            t = t + drain + repair
        # ---- planned reboots
        t = T0
        while True:
            t += rng.expovariate(p["reboots"]) * DAY
            if t >= self.t_end:
                break
            if in_intervals(t, node.down):
                continue
            d = rng.uniform(8, 40) * 60
            node.down.append((t, t + d))
            node.resets.append(t + d)
            self.conf(node.name, "reboot", t, t + d)
        if self.rolling is not None:
            t = self.rolling + rng.uniform(0, 36) * HOUR
            if not in_intervals(t, node.down):
                d = rng.uniform(8, 30) * 60
                node.down.append((t, t + d))
                node.resets.append(t + d)
                node.upgrade_t = t + d
                self.conf(node.name, "rolling-upgrade-reboot", t, t + d)
        node.down.sort()
        node.resets.sort()
        # ---- exporter gaps
        t = T0
        while True:
            t += rng.expovariate(p["gaps"]) * DAY
            if t >= self.t_end:
                break
            d = loguniform(rng, 1, 30) * HOUR
            which = pick(rng, [("dcgm", 0.4), ("node", 0.3), ("both", 0.3)])
            for w in (("dcgm", "node") if which == "both" else (which,)):
                node.gap[w].append((t, t + d))
            self.conf(node.name, "exporter-gap", t, t + d, exporter=which)

        self.jobs(node, rng)
        self.baseline(node, rng)
        prev_end = T0 - 30 * DAY
        for f in fails:
            self.failure(node, rng, *f, prev_end=prev_end)
            prev_end = f[0] + f[2] + f[3]
        # rail flaps
        for t, rail in self.rail_flaps:
            key = ("mlx5_%d" % rail, "1")
            node.add("node_infiniband_link_downed_total", key, t + rng.uniform(0, 90), 1)
            if rng.random() < 0.5:
                node.add("node_infiniband_link_error_recovery_total", key, t + rng.uniform(0, 90), 1)
            s = rng.randrange(0, 20)
            if s:
                node.add("node_infiniband_symbol_error_total", key, t + rng.uniform(0, 120), s)
            self.conf(node.name, "rail-flap", t, t + 120, device=key[0], port=key[1])
        self.finish(node)

    # ------------------------------------------------------------------------------------------------------------
    def jobs(self, node, rng):
        node.job_start, node.job = [], []
        t = T0 - rng.uniform(0, 10) * HOUR
        jid = rng.randrange(10000, 99999)
        while t < self.t_end:
            busy = min(math.exp(rng.gauss(math.log(10), 1.0)), 120) * HOUR
            mask = 0xFF if rng.random() >= self.p["partial"] else sum(
                1 << g for g in rng.sample(range(8), rng.randint(1, 7)))
            heat_mask = 0xFF if self.p.get("whole_node_jobs") else mask  # the GPUs that run hot
            if heat_mask != 0xFF and t + busy > T0:
                self.conf(node.name, "partial-job", max(t, T0), min(t + busy, self.t_end),
                          gpus=[str(g) for g in range(8) if mask >> g & 1])
            node.job_start.append(t)
            node.job.append((t + busy, mask, rng.uniform(0.6, 1.0), "train-%d" % jid, heat_mask))
            jid += rng.randint(1, 400)
            t += busy
            t += (rng.expovariate(1.0) if rng.random() < 0.7 else rng.expovariate(1 / 8.0)) * HOUR

    def job_at(self, node, t):
        i = bisect.bisect_right(node.job_start, t) - 1
        if i >= 0 and t < node.job[i][0]:
            return node.job[i]
        return None

    def chronic(self, rng, node, metric, key, start, end, median_day, shape=0.3, burst_p=0.04, share=None):
        """Over-dispersed counts with a wandering daily rate; share: [(metric2, fraction)] counted along."""
        mild = self.p.get("mild_chronic")
        if mild:  # ablation: a near-Poisson chronic series with a slowly wandering rate and no bad days
            rng = random.Random(rng.getrandbits(64))
            shape, burst_p = 5.0, 0.0
        mu = math.log(median_day)
        x = mu + rng.gauss(0, 0.5) * (0.5 if mild else 1)
        t = start
        bad = []
        while t < end:
            x = mu + 0.7 * (x - mu) + rng.gauss(0, 0.25 if mild else 0.6)
            rate = math.exp(x)
            if rng.random() < burst_p:
                rate *= rng.uniform(5, 30)
                bad.append(int(t))
            for h in range(24):
                th = t + h * HOUR
                if th >= end:
                    break
                n = negbin(rng, rate / 24, shape)
                if n:
                    tt = th + rng.uniform(0, HOUR)
                    node.add(metric, key, tt, n)
                    for m2, frac in share or ():
                        k = sum(1 for _ in range(min(n, 200)) if rng.random() < frac) * max(1, n // 200)
                        if k:
                            node.add(m2, key, tt, k)
            t += DAY
        return bad

    def rate_counts(self, rng, node, metric, key, start, end, rate_fn, share=None):
        """Poisson counts per hour with the hourly rate rate_fn(fraction of [start, end])."""
        t = max(start, T0 - DAY)
        while t < end:
            lam = rate_fn((t - start) / max(end - start, 1))
            n = poisson(rng, lam)
            if n:
                tt = t + rng.uniform(0, HOUR)
                if tt < end:
                    node.add(metric, key, tt, n)
                    for m2, frac in share or ():
                        k = int(n * frac * rng.uniform(0.5, 1.5))
                        if k:
                            node.add(m2, key, tt, k)
            t += HOUR

    def xid(self, node, g, t, code):
        node.add("DCGM_FI_DEV_XID_ERRORS", str(g), t, code)

    def sbe(self, node, g, t, n):
        node.add("DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", str(g), t, n)

    def dbe(self, node, g, t, n=1):
        node.add("DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", str(g), t, n)

    def remap(self, node, g, t, uncorrectable=False):
        node.add("DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS" if uncorrectable else
                 "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", str(g), t, 1)
        node.add("DCGM_FI_DEV_ROW_REMAP_PENDING", str(g), t, 1)

    # ------------------------------------------------------------------------------------------------------------
    def baseline(self, node, rng):
        p, name, end = self.p, node.name, self.t_end
        for g in range(8):
            gs = str(g)
            if rng.random() < p["chronic_sbe"]:
                med = loguniform(rng, 1, 100)
                bad = self.chronic(rng, node, "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", gs, T0, end, med)
                self.conf(name, "chronic-sbe", T0, end, gpu=gs, median_per_day=round(med, 1), bad_days=bad)
            if rng.random() < p["sporadic_sbe"]:
                t = T0
                while True:
                    t += rng.expovariate(0.1) * DAY
                    if t >= end:
                        break
                    self.sbe(node, g, t, rng.randint(1, 3))
                    self.conf(name, "sporadic-sbe", t, t, gpu=gs)
            if rng.random() < p["chronic_pcie"]:
                med = loguniform(rng, 1, 50)
                bad = self.chronic(rng, node, "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", gs, T0, end, med, shape=0.2)
                self.conf(name, "chronic-pcie", T0, end, gpu=gs, median_per_day=round(med, 1), bad_days=bad)
            if node.nvlink and rng.random() < p["chronic_nvl"]:
                med = loguniform(rng, 1, 100)
                bad = self.chronic(rng, node, "DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL", gs, T0, end, med)
                self.conf(name, "chronic-nvlink", T0, end, gpu=gs, median_per_day=round(med, 1), bad_days=bad)
        chronic_ports = []
        for key in node.ports:
            if rng.random() < p["chronic_ib"]:
                chronic_ports.append(key)
        # cable reseats (half go to a chronic port, which they may cure)
        reseats = []
        t = T0
        while True:
            t += rng.expovariate(p["reseat"]) * DAY
            if t >= end:
                break
            key = rng.choice(chronic_ports) if chronic_ports and rng.random() < 0.5 else rng.choice(node.ports)
            reseats.append((t, key))
        for key in chronic_ports:
            med = loguniform(rng, 3, 300)
            stop = end
            for t, k in reseats:
                if k == key and rng.random() < 0.6:
                    stop = min(stop, t)
            bad = self.chronic(rng, node, "node_infiniband_symbol_error_total", key, T0, stop, med,
                               share=[("node_infiniband_port_errors_received_total", rng.uniform(0.1, 0.5))])
            self.conf(name, "chronic-ib-symbol", T0, stop, device=key[0], port=key[1], median_per_day=round(med, 1),
                      bad_days=bad)
        for key in node.ports:
            if rng.random() < 0.02:
                med = loguniform(rng, 1, 30)
                bad = self.chronic(rng, node, "node_infiniband_port_receive_remote_physical_errors_total", key, T0, end,
                                   med)
                self.conf(name, "chronic-ib-remote", T0, end, device=key[0], port=key[1], median_per_day=round(med, 1),
                          bad_days=bad)
        for t, key in reseats:
            node.add("node_infiniband_link_downed_total", key, t, rng.randint(1, 2))
            r = rng.randint(0, 2)
            if r:
                node.add("node_infiniband_link_error_recovery_total", key, t + 5, r)
            s = int(loguniform(rng, 5, 2000))
            node.add("node_infiniband_symbol_error_total", key, t + rng.uniform(0, 600), s)
            if rng.random() < 0.5:
                node.add("node_infiniband_port_errors_received_total", key, t + rng.uniform(0, 600),
                         rng.randint(1, max(1, s // 5)))
            self.conf(name, "cable-reseat", t, t + 600, device=key[0], port=key[1], symbols=s)
        # one-off ECC bursts
        t = T0
        while True:
            t += rng.expovariate(p["ecc_burst"]) * DAY
            if t >= end:
                break
            g = rng.randrange(8)
            n = int(loguniform(rng, 5, 3000))
            k = rng.randint(1, 4)
            for i in range(k):
                self.sbe(node, g, t + rng.uniform(0, 2 * HOUR), max(1, n // k))
            remap = rng.random() < 0.4
            extra = {}
            if remap:
                tr = t + rng.uniform(0, 2 * HOUR)
                self.remap(node, g, tr)
                self.xid(node, g, tr, 63)
                if n > 500 and rng.random() < 0.5:
                    self.xid(node, g, tr + 60, 92)
                if rng.random() < 0.5:
                    rt = tr + rng.uniform(6, 72) * HOUR
                    node.gpu_resets[g].append(rt)
                    extra["gpu_reset"] = int(rt)
            self.conf(name, "ecc-burst", t, t + 2 * HOUR, gpu=str(g), sbe=n, remap=remap, **extra)
        # remaps a reset repairs
        t = T0
        while True:
            t += rng.expovariate(p["remap_reset"]) * DAY
            if t >= end:
                break
            g = rng.randrange(8)
            self.dbe(node, g, t)
            self.remap(node, g, t, uncorrectable=True)
            self.xid(node, g, t, 94)
            if rng.random() < 0.6:
                self.xid(node, g, t + rng.uniform(5, 60), 45)
            rt = t + rng.uniform(0.5, 24) * HOUR
            node.gpu_resets[g].append(rt)
            self.conf(name, "remap-reset", t, rt, gpu=str(g))
        # one-off PCIe bursts
        t = T0
        while True:
            t += rng.expovariate(p["pcie_burst"]) * DAY
            if t >= end:
                break
            g = rng.randrange(8)
            n = int(loguniform(rng, 5, 500))
            node.add("DCGM_FI_DEV_PCIE_REPLAY_COUNTER", str(g), t, n)
            self.conf(name, "pcie-burst", t, t + HOUR, gpu=str(g), replays=n)
        # XIDs
        t = T0
        while True:
            t += rng.expovariate(p["app_xid"]) * DAY
            if t >= end:
                break
            job = self.job_at(node, t)
            gpus = [g for g in range(8) if job and job[1] >> g & 1] or [rng.randrange(8)]
            code = pick(rng, [(13, 0.3), (31, 0.35), (43, 0.2), (45, 0.15)])
            for g in (gpus if code in (43, 45) and rng.random() < 0.5 else [rng.choice(gpus)]):
                self.xid(node, g, t + rng.uniform(0, 30), code)
            self.conf(name, "app-xid", t, t, xid=code)
        t = T0
        while True:
            t += rng.expovariate(p["hw_xid"]) * DAY
            if t >= end:
                break
            g = rng.randrange(8)
            code = pick(rng, [(63, 0.3), (74, 0.25), (92, 0.2), (119, 0.25)])
            self.xid(node, g, t, code)
            if code == 63:
                self.remap(node, g, t)
            self.conf(name, "isolated-hw-xid", t, t, gpu=str(g), xid=code)

    # ------------------------------------------------------------------------------------------------------------
    def failure(self, node, rng, f, kind, drain, repair, prev_end):
        p = self.p
        has_prec = rng.random() < p["prec"][("gpu", "ib", "other").index(kind)]
        room = f - prev_end - HOUR  # a precursor starts after the previous repair of this node
        if room < 6 * HOUR:
            has_prec = False
        shape = None
        if has_prec:
            if kind == "gpu":
                shape = pick(rng, GPU_SHAPES)
                if shape == "nvlink-crc" and not node.nvlink:
                    shape = "pcie-replay"
            elif kind == "ib":
                shape = pick(rng, IB_SHAPES)
            else:
                shape = "thermal-node"
        g = rng.randrange(8)
        key = rng.choice(node.ports[:8])
        tx = f - rng.uniform(0, 300)  # terminal evidence
        terminal = ""
        item = {"type": "precursor", "node": node.name, "kind": shape, "failure_t": int(f), "failure_kind": kind}
        if shape:
            lo, hi = LEADS[shape]
            lead = min(loguniform(rng, lo, hi) * HOUR, room)
            s = f - lead
            item.update(start=int(s), end=int(f), lead_h=round(lead / HOUR, 1))
            if kind == "ib":
                item.update(device=key[0], port=key[1])
            elif shape != "thermal-node":
                item["gpu"] = str(g)
        if shape == "sbe-ramp":
            r0, r1 = rng.uniform(0.05, 0.3), loguniform(rng, 20, 2000)
            self.rate_counts(rng, node, "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", str(g), s, tx,
                             lambda x: r0 * (r1 / r0) ** x)
            if rng.random() < 0.5:
                for _ in range(rng.randint(1, 2)):
                    tr = s + lead * rng.uniform(0.67, 0.98)
                    self.remap(node, g, tr)
                    self.xid(node, g, tr, 63)
            item["rate_end_per_h"] = round(r1, 1)
        elif shape == "sbe-bursts":
            n = rng.randint(2, 6)
            times = sorted(s + lead * rng.uniform(0, 0.95) for _ in range(n))
            sizes = []
            for tb in times:
                z = int(loguniform(rng, 30, 3000))
                sizes.append(z)
                for i in range(rng.randint(1, 3)):
                    self.sbe(node, g, tb + rng.uniform(0, 1.5 * HOUR), max(1, z // 2))
            item["bursts"] = [[int(a), b] for a, b in zip(times, sizes)]
        elif shape == "sbe-steady":
            r1 = loguniform(rng, 3, 200)
            self.rate_counts(rng, node, "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", str(g), s, tx, lambda x: r1 * x)
            item["rate_end_per_h"] = round(r1, 1)
        elif shape == "remap-only":
            n = rng.randint(2, 8)
            for _ in range(n):
                tr = s + lead * rng.uniform(0, 0.97)
                self.remap(node, g, tr, uncorrectable=rng.random() < 0.3)
                self.xid(node, g, tr, 63)
                if rng.random() < 0.3:
                    self.sbe(node, g, tr + rng.uniform(0, 600), rng.randint(1, 4))
            item["remaps"] = n
        elif shape == "pcie-replay":
            n = rng.randint(3, 15)
            for _ in range(n):
                tb = s + lead * math.sqrt(rng.random()) * 0.98
                node.add("DCGM_FI_DEV_PCIE_REPLAY_COUNTER", str(g), tb, int(loguniform(rng, 5, 1000)))
            tr = rng.uniform(0.5, 5)
            self.rate_counts(rng, node, "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", str(g), s, tx, lambda x: tr * x)
            item["bursts"] = n
        elif shape == "thermal-gpu":
            amp = rng.uniform(8, 20)
            node.drifts.append((g, s, f, amp))
            item["amp_c"] = round(amp, 1)
        elif shape == "thermal-node":
            amp = rng.uniform(5, 12)
            node.drifts.append((-1, s, f, amp))
            item["amp_c"] = round(amp, 1)
        elif shape == "nvlink-crc":
            r0, r1 = 0.1, loguniform(rng, 10, 1000)
            self.rate_counts(rng, node, "DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL", str(g), s, tx,
                             lambda x: r0 * (r1 / r0) ** x)
            item["rate_end_per_h"] = round(r1, 1)
        elif shape == "xid-sporadic":
            n = rng.randint(2, 5)
            for _ in range(n):
                self.xid(node, g, s + lead * rng.uniform(0, 0.97), 119)
            item["xids"] = n
        elif shape == "ib-symbol-flap":
            r0, r1 = 0.2, loguniform(rng, 20, 2000)
            self.rate_counts(rng, node, "node_infiniband_symbol_error_total", key, s, tx,
                             lambda x: r0 * (r1 / r0) ** x,
                             share=[("node_infiniband_port_errors_received_total", 0.2)])
            n = rng.randint(2, 10)
            for _ in range(n):
                tb = s + lead * math.sqrt(rng.random()) * 0.98
                node.add("node_infiniband_link_downed_total", key, tb, 1)
                node.add("node_infiniband_link_error_recovery_total", key, tb + 2, 1)
                node.add("node_infiniband_symbol_error_total", key, tb + 5, rng.randint(10, 200))
            item.update(rate_end_per_h=round(r1, 1), flaps=n)
        elif shape == "ib-symbol-rise":
            r1 = loguniform(rng, 5, 500)
            self.rate_counts(rng, node, "node_infiniband_symbol_error_total", key, s, tx, lambda x: r1 * x,
                             share=[("node_infiniband_port_errors_received_total", 0.15)])
            item["rate_end_per_h"] = round(r1, 1)
        elif shape == "ib-flaps":
            n = rng.randint(2, 8)
            for _ in range(n):
                tb = s + lead * rng.uniform(0, 0.97)
                node.add("node_infiniband_link_downed_total", key, tb, 1)
                z = rng.randint(0, 50)
                if z:
                    node.add("node_infiniband_symbol_error_total", key, tb + 5, z)
            item["flaps"] = n
        if shape:
            self.truth.append(item)
        # terminal evidence
        if kind == "gpu":
            if shape in ("sbe-ramp", "sbe-bursts", "sbe-steady"):
                code = pick(rng, [(48, 0.6), (95, 0.2), (94, 0.2)])
                self.dbe(node, g, tx, rng.randint(1, 3))
                self.xid(node, g, tx, code)
                if code == 48 and rng.random() < 0.5:
                    self.remap(node, g, tx, uncorrectable=True)
            elif shape == "remap-only":
                node.add("DCGM_FI_DEV_ROW_REMAP_FAILURE", str(g), tx, 1)
                code = 64
                self.xid(node, g, tx, 64)
            elif shape in ("pcie-replay", "thermal-gpu"):
                code = 79 if shape == "pcie-replay" or rng.random() < 0.6 else 0
            elif shape == "nvlink-crc":
                code = 74
            elif shape == "xid-sporadic":
                self.xid(node, g, tx - 60, 119)
                code = 79
            else:
                code = pick(rng, [(79, 0.3), (48, 0.15), (119, 0.15), (95, 0.1), (74, 0.1), (0, 0.2)])
                if code in (48, 95):
                    self.dbe(node, g, tx)
            if code:
                self.xid(node, g, tx, code)
                if rng.random() < 0.5:
                    self.xid(node, g, tx + rng.uniform(1, 60), 45)
            if code == 79:
                node.nan_temp.append((g, tx, f + drain))
            terminal = "xid %d" % code if code else "none"
            if rng.random() < 0.5:
                node.replaced[g].append(f + drain + repair)
        elif kind == "ib":
            node.add("node_infiniband_link_downed_total", key, tx, 1)
            node.add("node_infiniband_symbol_error_total", key, tx - 30, rng.randint(0, 500))
            node.dead_ports.append((key, tx + 10))
            terminal = "link down %s/%s" % key
        else:
            terminal = "silent"
        self.labels.append({"t": int(f), "node": node.name, "kind": kind, "precursor": bool(shape)})
        d = {"type": "failure", "node": node.name, "t": int(f), "kind": kind, "precursor": shape,
             "terminal": terminal, "drain_h": round(drain / HOUR, 2), "repair_h": round(repair / HOUR, 1)}
        if kind == "gpu":
            d["gpu"] = str(g)
        elif kind == "ib":
            d.update(device=key[0], port=key[1])
        self.truth.append(d)

    # ------------------------------------------------------------------------------------------------------------
    def finish(self, node):
        """Drop events while the node is off, on dead ports, and after a failed GPU's terminal time."""
        dead = {}
        for key, t in node.dead_ports:
            # until the next reset after t
            i = bisect.bisect_right(node.resets, t)
            dead.setdefault(key, []).append((t, node.resets[i] if i < len(node.resets) else INF))
        for k in list(node.ev):
            metric, key = k
            evs = sorted(e for e in node.ev[k] if not in_intervals(e[0], node.down) and T0 - DAY < e[0] < self.t_end)
            if isinstance(key, tuple) and key in dead:
                evs = [e for e in evs if not in_intervals(e[0], dead[key])]
            node.ev[k] = evs

    # ------------------------------------------------------------------------------------------------------------
    def grid(self, node, step, exporter):
        out = []
        t = T0 + node.offset
        down = sorted(node.down + node.gap[exporter])
        i = 0
        while t < self.t_end:
            while i < len(down) and down[i][1] <= t:
                i += 1
            ok = True
            for a, b in down[i:i + 4]:
                if a <= t < b:
                    ok = False
                    break
                if a > t:
                    break
            if ok:
                out.append(t)
            t += step
        return out

    def gpu_labels(self, node, g, t, cache):
        u = bisect.bisect_right(node.replaced[g], t)
        drv = 1 if node.upgrade_t is not None and t >= node.upgrade_t else 0
        pod = ""
        if node.k8s:
            job = self.job_at(node, t)
            if job and job[1] >> g & 1:
                pod = job[3]
        ck = (g, u, drv, pod)
        s = cache.get(ck)
        if s is None:
            uuid = node.uuid[g]
            while len(uuid) <= u:
                uuid.append("GPU-%08x-%04x-%04x-%04x-%012x" % tuple(
                    random.Random("%s%d%d" % (node.name, g, len(uuid))).getrandbits(b) for b in (32, 16, 16, 16, 48)))
            code = sum(map(ord, node.name))
            host = ("nvidia-dcgm-exporter-%05x" % (code * 7919 % 0xFFFFF)) if node.k8s else node.name
            lab = {"gpu": str(g), "UUID": uuid[u], "device": "nvidia%d" % g, "modelName": "NVIDIA H100 80GB HBM3",
                   "Hostname": host, "DCGM_FI_DRIVER_VERSION": node.driver[drv], "pci_bus_id": node.pci[g]}
            if pod:
                lab.update(container="pytorch", namespace="research", pod=pod + "-worker-%d" % (code % 64))
            s = json.dumps(lab)
            cache[ck] = s
        return s

    def temp(self, node, g, t, rng):
        inlet = node.inlet + node.hot + math.sin(2 * math.pi * (t % DAY) / DAY - 2.0) \
            + heat(t, self.fleet_heat) + heat(t, self.rack_heat[node.rack])
        job = self.job_at(node, t)
        load = job[2] if job and job[4] >> g & 1 else 0.0
        v = inlet + node.idle[g] + node.gpu_hot[g] + load * node.rise[g] + rng.gauss(0, 1.2)
        for dg, a, b, amp in node.drifts:
            if (dg == g or dg == -1) and a <= t <= b:
                v += amp * (t - a) / (b - a) * (0.3 + 0.7 * load)
        if v > 86:  # clocks throttle: the temperature saturates
            v = 86 + (v - 86) * 0.35
        return int(round(v))

    def emit(self, node, out, rng):
        p = self.p
        q = (lambda v: '"%d"' % v) if node.strval else (lambda v: "%d" % v)
        lines_by_series = []
        cache = {}
        gt = self.grid(node, p["step_temp"], "dcgm")
        gc = self.grid(node, p["step_ctr"], "dcgm")
        nc = self.grid(node, p["step_ctr"], "node")
        name = node.name
        head = '{"t": %d, "node": "' + name + '", "metric": "%s", "labels": %s, "value": %s}\n'
        for g in range(8):
            gs = str(g)
            buf = []
            for t in gt:
                nan = any(ng == g and a <= t < b for ng, a, b in node.nan_temp)
                buf.append(head % (t, "DCGM_FI_DEV_GPU_TEMP", self.gpu_labels(node, g, t, cache),
                                   '"NaN"' if nan else q(self.temp(node, g, t, rng))))
            lines_by_series.append(buf)
            vol_resets = sorted(node.resets + node.gpu_resets[g] + node.replaced[g])
            series = [("DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", "c", vol_resets, 0),
                      ("DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", "c", vol_resets, 0),
                      ("DCGM_FI_DEV_ROW_REMAP_PENDING", "g", vol_resets, 0),
                      ("DCGM_FI_DEV_ROW_REMAP_FAILURE", "g", node.replaced[g] + [], 0),
                      ("DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", "c", node.replaced[g], 0),
                      ("DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS", "c", node.replaced[g], 0),
                      ("DCGM_FI_DEV_PCIE_REPLAY_COUNTER", "c", vol_resets, 0),
                      ("DCGM_FI_DEV_XID_ERRORS", "g", vol_resets, 0)]
            if node.agg:
                series += [("DCGM_FI_DEV_ECC_SBE_AGG_TOTAL", "c", node.replaced[g], "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL"),
                           ("DCGM_FI_DEV_ECC_DBE_AGG_TOTAL", "c", node.replaced[g], "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL")]
            if node.nvlink:
                series.append(("DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL", "c", vol_resets, 0))
            for metric, typ, resets, src in series:
                evs = node.ev.get((src or metric, gs), [])
                if metric == "DCGM_FI_DEV_ROW_REMAP_FAILURE":
                    # a repair (reboot after the failure) clears it
                    resets = sorted(node.resets)
                vals = sweep(evs, resets, gc, typ, INF)
                lines_by_series.append(self.render(head, metric, vals, gc, node, q,
                                                   lambda t, g=g: self.gpu_labels(node, g, t, cache)))
        for key in node.ports:
            lab = json.dumps({"device": key[0], "port": key[1], "instance": name + ":9100", "job": "node"})
            for metric in IB_METRICS:
                vals = sweep(node.ev.get((metric, key), []), node.resets, nc, "c", CAPS[metric])
                lines_by_series.append(self.render(head, metric, vals, nc, node, q, lambda t, s=lab: s))
        rng.shuffle(lines_by_series)
        n = 0
        for buf in lines_by_series:
            out.writelines(buf)
            n += len(buf)
        return n

    def render(self, head, metric, vals, times, node, q, labfn):
        buf = []
        last = None
        for t, v in zip(times, vals):
            if node.dense or v != last:
                buf.append(head % (t, metric, labfn(t), q(v)))
                last = v
        return buf

    def write(self, out_path, labels_path, truth_path):
        n = 0
        with open(out_path, "w") as out:
            for node in self.nodes:
                n += self.emit(node, out, random.Random(self.rng.getrandbits(64)))
        with open(labels_path, "w") as f:
            for d in self.labels:
                f.write(json.dumps(d) + "\n")
        with open(truth_path, "w") as f:
            for d in self.truth:
                f.write(json.dumps(d) + "\n")
        return n


def sweep(events, resets, times, typ, cap):
    """Value of a counter ("c": sum of increments since the last reset, capped) or a gauge ("g": last value since
    the last reset, else 0) at each time in times (ascending)."""
    out = []
    i = j = 0
    v = 0
    ne, nr = len(events), len(resets)
    for s in times:
        while True:
            te = events[i][0] if i < ne else INF
            tr = resets[j] if j < nr else INF
            if te > s and tr > s:
                break
            if tr <= te:
                v = 0
                j += 1
            else:
                v = min(cap, v + events[i][1]) if typ == "c" else events[i][1]
                i += 1
        out.append(v)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--nodes", type=int, default=32)
    ap.add_argument("--days", type=float, default=30)
    ap.add_argument("--profile", choices=sorted(PROFILES), default="balanced")
    ap.add_argument("--out", required=True)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--whole-node-jobs", action="store_true",
                    help="ablation: every job uses all 8 GPUs (the same fleet otherwise: same random draws)")
    ap.add_argument("--mild-chronic", action="store_true",
                    help="ablation: chronic benign series near-Poisson (gamma shape 5), daily wander sigma 0.25, "
                    "no bad days (another fleet: later random draws shift)")
    a = ap.parse_args()
    if a.mild_chronic:
        PROFILES[a.profile]["mild_chronic"] = True
    if a.whole_node_jobs:
        PROFILES[a.profile]["whole_node_jobs"] = True
    fleet = Fleet(a.seed, a.nodes, a.days, a.profile)
    fleet.build()
    n = fleet.write(a.out, a.labels, a.truth)
    nprec = sum(1 for d in fleet.labels if d["precursor"])
    print("holdout fleet: profile %s seed %d, %d nodes x %g days: %d samples, %d failures (%d with a precursor), "
          "%d truth items" % (a.profile, a.seed, a.nodes, a.days, n, len(fleet.labels), nprec, len(fleet.truth)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
