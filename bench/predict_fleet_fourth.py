#!/usr/bin/env python3
"""Fourth, independently written synthetic GPU-fleet generator for `kiln predict`.

Written only from issue 27 (replay format, failure modes, precursors, confounders,
scoring rule) and public field knowledge; the author did not read Kiln's predictor,
its tests, its docs or the other three generators.  Python 3 standard library only;
the output is a pure function of (--seed, --nodes, --days, --profile).

Usage
  python3 bench/predict_fleet_fourth.py --seed S --nodes N --days D [--profile P] \
      --out replay.jsonl --labels labels.jsonl --truth truth.jsonl
Profiles: default, calm (quieter, sparser, big-fleet style), harsh (many confounders,
weak/short precursors, legacy nodes, dense sampling on a few nodes).

METHODS: every assumption and where it comes from
------------------------------------------------
A. Failure rate.
 A1  Llama 3 (Dubey et al. 2024, "The Llama 3 Herd of Models", sec. 3.3.4, Table 5):
     466 job interruptions in 54 days on 16,384 H100s, 47 planned, 419 unexpected.
     We plant only unexpected ones: 419/(54*16384) = 4.74e-4 failures per GPU-day.
 A2  At that rate a 32-node/30-day fleet sees ~3 failures, too few to score, so the
     rate is multiplied by RATE_SCALE: default 3.6x (~11 failures for 32 nodes x 30 d
     with ~224 GPUs), calm 1.6x, harsh 5x.  Own choice, the brief asks for 8-15.
 A3  Hazard is per GPU (a 4-GPU node fails half as often as an 8-GPU one) times a
     per-node "lemon" multiplier drawn from Gamma(shape 0.8, mean 1): Meta's study of
     its research clusters (Kokolis et al. 2024, "Revisiting Reliability in Large-Scale
     ML Research Clusters", arXiv 2410.21680) and Titan GPU studies (Tiwari et al.,
     HPCA 2015) find failures and errors concentrated on few nodes/cards.
 A4  Failure kind mix (gpu/ib/other) from Llama 3 Table 5: GPU-side (faulty GPU 30.1,
     HBM3 17.2, SRAM 4.5, GSP 4.1, SDC 1.4, thermal 1.4 ...) ~ 60 %, network
     switch/cable + NIC ~ 10 %, host/software/power ~ 30 %.  We use gpu .58 / ib .17 /
     other .25 (default) -- IB is boosted because small fleets have a rail-heavy
     fabric (8 HCAs per node); harsh moves weight to ib and other.
 A5  A node that fails is silent or drained until repaired; repair time lognormal,
     median 20 h, clipped to [1 h, 6 d] (own choice; Meta reports hours-to-days node
     repair loops).  After repair the node reboots; a GPU-kind failure replaces the
     GPU with p = 0.5 (new UUID label, aggregate ECC and remapped-row counters 0).
 A6  Failure process per node is Poisson over up-time; a repaired node can fail
     again (lemons do).

B. Which failures have precursors, and their shape.
 B1  The issue: about a third of failures have no precursor.  Per-kind precursor
     probabilities gpu .75, ib .75, other .35 give ~0.66 overall (default); harsh
     lowers them (~0.55).  Llama 3's "software bug", "host maintenance", "power supply"
     and "NCCL watchdog" causes have no hardware-counter precursor.
 B2  Lead time (precursor start -> failure): lognormal, median 40 h, sigma 0.9,
     clipped to [3 h, 12 d] (default).  Own choice: Lingjun/Minder/Greyhound talk
     about minutes to days of warning; we deliberately include leads shorter than the
     1 h..7 d scoring window margins and longer than 7 d.  harsh: median 20 h.
 B3  Strength k in (0,1]: weak precursors (25 % default, 45 % harsh) use k in
     [0.03, 0.2]; a weak HBM ramp may be only a handful of SBEs.
 B4  Shapes (truth "kind"):
     hbm_sbe_ramp      correctable (SBE) ECC rate grows exponentially; a few row-remap
                       events (remap pending=1, correctable remapped rows +1, XID 63);
                       sometimes XID 92 (high SBE rate).  Failure: DBE, uncorrectable
                       remapped row, XID 94/95 (or 48), sometimes remap failure (XID 64).
                       NVIDIA "GPU Memory Error Management" (row remapping on A100/H100,
                       pending until GPU reset, remap failure when a bank's spare rows
                       are exhausted); NVIDIA XID catalogue (48, 63, 64, 92, 94, 95).
     hbm_remap_pending remap pending stays 1 and correctable remapped rows creep up
                       with few SBEs, ending in remap failure (XID 64) + DBE.
     pcie_replay_burst PCIe replay counter bursts whose frequency grows toward the end,
                       then XID 79 (GPU fell off the bus); the GPU's series vanish until
                       repair.  Llama 3 "faulty GPU"; NVIDIA XID 79 guidance (check
                       PCIe link/riser).
     nvlink_crc_growth NVLink CRC flit errors rising, then XID 74.
     thermal_drift_gpu one GPU's temperature drifts 3-20 C above its peers (cold plate /
                       thermal interface; Llama 3 "GPU thermal interface + sensor"),
                       throttle bits appear near 85 C, then XID 79.
     gsp_xid_prelude   1-4 intermittent XID 119/120 (GSP RPC timeout/error), each cleared
                       by an automated GPU reset, then a final XID 119 (Llama 3 "GPU
                       system processor" 4.1 %; NVIDIA XID 119/120 notes).
     ib_symbol_growth  IB symbol errors (16-bit, saturating at 65535 per IBTA PMA
                       PortCounters) grow; link_error_recovery and port_rcv_errors
                       follow; link flaps near the end; then the link goes down
                       (link_downed +1, node_infiniband_state_id 1).  Meta/Alibaba HPN
                       (SIGCOMM'24) report degrading optics/cables flapping before death.
     ib_flap           no symbol errors, only link_downed flaps accelerating, then death
                       (transceiver failing).
     thermal_drift_node all GPUs of a node drift up (fan/CDU fault) -> node shutdown
                       (kind other).
     edac_ramp         (harsh only) host DIMM correctable errors
                       (node_edac_correctable_errors_total) rise before a kernel panic
                       (kind other).  Visible only in a node_exporter metric the issue
                       does not list: truth says "visible_in".
 B6  labels.jsonl "precursor" is true only when a precursor was planted AND some of its
     evidence (a counter/gauge change, or the temperature drift) lies inside the replay
     at least 1 h before the failure; truth keeps "precursor_planted" and "observable",
     so precursors truncated by the replay start count as no-precursor failures.
 B5  No-precursor failures: sudden XID 79, sudden DBE + XID 95 without any SBE history
     (Tiwari et al.: most DBEs are not preceded by SBEs on the same card), single XID
     119, silent GPU hang, sudden IB link death, and silent node death (kernel, PSU).

C. Confounders (healthy behaviour that fools thresholds), per node per 30 days.
 C1  ecc_burst_oneoff: a one-off SBE jump of 10..3000 (cosmic-ray / single weak cell);
     Tiwari et al.: SBE counts are heavy-tailed and mostly benign.
 C2  remap_reset_repaired: remap pending + XID 63, then GPU reset/reboot applies the
     remap and the GPU stays healthy (NVIDIA row-remapping doc: this is the designed
     repair path).
 C3  sbe_ramp_aborted: an SBE ramp like a precursor that stops after a remap + reset.
 C4  chronic_sbe / chronic_pcie / chronic_nvlink / chronic_ib_symbol: a series that is
     noisy for the whole replay on a healthy part (marginal riser, BER within IBTA
     limit); IB symbol counters may pin at 65535.
 C5  cable_reseat: maintenance reseat: link_downed +1..3, symbol burst, port errors.
 C6  switch_reboot (fleet): a rail leaf switch reboots; the same rail's port on every
     node of that scalable unit flaps at once (rail-optimised fabrics, NVIDIA DGX
     SuperPOD reference architecture).
 C7  fleet_heat (fleet): ambient +4..11 C for 6-72 h (CRAH/chiller event); Llama 3 notes
     1-2 % diurnal throughput swings from temperature, so a diurnal term is added too.
 C8  exporter_gap: a node, or just its dcgm-exporter or node_exporter, is silent 1-36 h.
 C9  reboot: planned reboot: volatile ECC/PCIe/NVLink counters, IB counters, XID gauge
     and node_boot_time_seconds change (DCGM: *_VOL_* reset on driver reload, *_AGG_*
     persist; IB sysfs counters reset when the HCA driver reloads).
 C10 driver_upgrade (fleet): rolling reboot over ~1.5 days; nodes with the
     DCGM_FI_DRIVER_VERSION label get new series identities afterwards.
 C11 uneven_job_heat: a job loads half a node's GPUs harder (+5..12 C) for 6-48 h.
 C12 app_xid: application XIDs 13/31/43/45 (NVIDIA: "user application error") that
     persist in the last-XID gauge until the next reboot.
 C13 gpu_reset_maint: a GPU reset with no fault (zeroes that GPU's volatile counters).
 C14 ib_flap_single: one isolated link_downed event.

D. Telemetry shape.
 D1  Metric names/labels of dcgm-exporter (gpu, UUID, device="nvidiaN", modelName,
     Hostname, DCGM_FI_DRIVER_VERSION) and node_exporter's infiniband collector
     (device, port; node_infiniband_*_total, node_infiniband_state_id,
     node_infiniband_physical_state_id).  Label richness varies per node ("bare",
     "uuid", "full"); note dcgm-exporter's own "device" label (nvidia3) on GPU series.
 D2  Long-term Prometheus stores (Thanos/Mimir) downsample to 5 min / 1 h, and exports
     of history are often deduplicated, so gauges are sampled every 5-30 min on 8-GPU
     nodes and 1-15 min on 4-GPU nodes (a few at 60-120 s) and counters either densely (every 15-60 min) or only
     on change (observed on a 30-60 s scrape grid), with or without a heartbeat.
 D3  Temperatures: ambient (22 C + diurnal 1.5 C + slow weather walk + heat events)
     + node inlet offset + per-GPU chassis offset (0-6 C) + load x 33-45 C + AR(1)
     noise, integers.  Jobs: lognormal ~10 h with idle gaps.
 D4  XID gauge holds the last XID until reboot/GPU reset (DCGM field docs: "value of
     the last XID error encountered").
 D5  Counters: IB symbol_error and port_rcv_errors 16-bit, link_downed and
     link_error_recovery 8-bit, all saturating (IBTA PortCounters).
 D6  Fleet layout: mostly 8-GPU nodes with 8 single-port compute HCAs (+ optional
     storage HCA), some 4-GPU nodes with 2 dual-port HCAs (ports "1" and "2");
     some nodes lack node_exporter's IB collector, some lack NVLink or aggregate ECC
     fields; harsh adds Volta-style nodes reporting page retirement
     (DCGM_FI_DEV_RETIRED_SBE/DBE/PENDING) instead of row remapping.
 D7  Start time is not midnight-aligned; every node's scrape phase differs; some
     nodes report values as floats (Prometheus API style).

E. Output order: default writes each node's series as blocks (export per series), calm
   writes each node's lines in time order, harsh shuffles series blocks within a node;
   node order is shuffled.  Extra labels (UUID, Hostname, instance, job, ...) vary.

Outputs: replay.jsonl (samples), labels.jsonl (failures: t, node, kind, precursor),
truth.jsonl (failure / precursor / confounder records with parameters).
"""
import argparse
import bisect
import json
import math
import random
import sys

DAY = 86400
HOUR = 3600
LLAMA3_RATE = 419.0 / (54 * 16384)  # unexpected interruptions per GPU-day

PROFILES = {
    "default": dict(
        rate_scale=3.6, frac_4gpu=0.25, frac_legacy=0.0,
        kind_mix=(("gpu", 0.58), ("ib", 0.17), ("other", 0.25)),
        p_precursor={"gpu": 0.75, "ib": 0.75, "other": 0.35},
        lead_median_h=40.0, lead_sigma=0.9, lead_min_h=3.0, lead_max_h=288.0,
        weak_frac=0.25,
        gpu_shapes=(("hbm_sbe_ramp", 0.30), ("hbm_remap_pending", 0.14),
                    ("pcie_replay_burst", 0.20), ("nvlink_crc_growth", 0.10),
                    ("thermal_drift_gpu", 0.10), ("gsp_xid_prelude", 0.16)),
        ib_shapes=(("ib_symbol_growth", 0.55), ("ib_flap", 0.45)),
        other_shapes=(("thermal_drift_node", 1.0),),
        conf_scale=1.0, fleet_heat=0.8, switch_reboot=1.2, driver_upgrade=0.6,
        pipelines=(  # (weight, gauge_step, counter_mode, counter_step, heartbeat)
            (0.47, 600, "change", 30, 12 * HOUR),
            (0.25, 900, "change", 60, None),
            (0.10, 300, "dense", 3600, None),
            (0.13, 300, "change", 30, 2 * HOUR),
            (0.05, 60, "change", 15, None),
        ),
        label_styles=(("bare", 0.55), ("uuid", 0.3), ("full", 0.15)),
        p_float=0.15, p_no_node_exporter=0.05, p_no_ib_collector=0.08,
        p_no_nvlink=0.2, p_no_agg=0.3, p_throttle=0.5,
        order="series",
    ),
    "calm": dict(
        rate_scale=1.6, frac_4gpu=0.1, frac_legacy=0.0,
        kind_mix=(("gpu", 0.62), ("ib", 0.12), ("other", 0.26)),
        p_precursor={"gpu": 0.8, "ib": 0.8, "other": 0.3},
        lead_median_h=60.0, lead_sigma=0.7, lead_min_h=6.0, lead_max_h=240.0,
        weak_frac=0.15,
        gpu_shapes=(("hbm_sbe_ramp", 0.35), ("hbm_remap_pending", 0.15),
                    ("pcie_replay_burst", 0.25), ("nvlink_crc_growth", 0.10),
                    ("thermal_drift_gpu", 0.05), ("gsp_xid_prelude", 0.10)),
        ib_shapes=(("ib_symbol_growth", 0.7), ("ib_flap", 0.3)),
        other_shapes=(("thermal_drift_node", 1.0),),
        conf_scale=0.5, fleet_heat=0.5, switch_reboot=0.5, driver_upgrade=0.3,
        pipelines=(
            (0.6, 900, "change", 60, 12 * HOUR),
            (0.4, 1800, "change", 60, None),
        ),
        label_styles=(("bare", 0.7), ("uuid", 0.3)),
        p_float=0.0, p_no_node_exporter=0.0, p_no_ib_collector=0.03,
        p_no_nvlink=0.1, p_no_agg=0.5, p_throttle=0.3,
        order="time",
    ),
    "harsh": dict(
        rate_scale=5.0, frac_4gpu=0.3, g8_steps=((600, 0.1), (900, 0.35), (1800, 0.55)), frac_legacy=0.4,  # legacy = share of 4-GPU nodes
        kind_mix=(("gpu", 0.50), ("ib", 0.25), ("other", 0.25)),
        p_precursor={"gpu": 0.65, "ib": 0.65, "other": 0.35},
        lead_median_h=20.0, lead_sigma=1.1, lead_min_h=2.0, lead_max_h=300.0,
        weak_frac=0.45,
        gpu_shapes=(("hbm_sbe_ramp", 0.25), ("hbm_remap_pending", 0.12),
                    ("pcie_replay_burst", 0.20), ("nvlink_crc_growth", 0.10),
                    ("thermal_drift_gpu", 0.13), ("gsp_xid_prelude", 0.20)),
        ib_shapes=(("ib_symbol_growth", 0.45), ("ib_flap", 0.55)),
        other_shapes=(("thermal_drift_node", 0.6), ("edac_ramp", 0.4)),
        conf_scale=2.5, fleet_heat=1.5, switch_reboot=3.0, driver_upgrade=1.0,
        pipelines=(
            (0.35, 600, "change", 30, None),
            (0.15, 300, "dense", 3600, None),
            (0.30, 900, "change", 60, 4 * HOUR),
            (0.15, 120, "change", 15, None),
            (0.05, 60, "change", 15, 1 * HOUR),
        ),
        label_styles=(("bare", 0.4), ("uuid", 0.4), ("full", 0.2)),
        p_float=0.3, p_no_node_exporter=0.06, p_no_ib_collector=0.12,
        p_no_nvlink=0.3, p_no_agg=0.3, p_throttle=0.7,
        order="shuffled",
    ),
}

# per node per 30 days, multiplied by conf_scale
CONF_RATES = (
    ("ecc_burst_oneoff", 0.12), ("remap_reset_repaired", 0.05), ("sbe_ramp_aborted", 0.03),
    ("chronic_sbe", 0.08), ("chronic_pcie", 0.06), ("chronic_nvlink", 0.04),
    ("chronic_ib_symbol", 0.10), ("cable_reseat", 0.06), ("ib_flap_single", 0.10),
    ("exporter_gap", 0.35), ("reboot", 0.5), ("uneven_job_heat", 0.25),
    ("app_xid", 0.8), ("gpu_reset_maint", 0.1),
)

M_TEMP = "DCGM_FI_DEV_GPU_TEMP"
M_SBE_V = "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL"
M_DBE_V = "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL"
M_SBE_A = "DCGM_FI_DEV_ECC_SBE_AGG_TOTAL"
M_DBE_A = "DCGM_FI_DEV_ECC_DBE_AGG_TOTAL"
M_PEND = "DCGM_FI_DEV_ROW_REMAP_PENDING"
M_RFAIL = "DCGM_FI_DEV_ROW_REMAP_FAILURE"
M_CROWS = "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS"
M_UROWS = "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS"
M_RET_S = "DCGM_FI_DEV_RETIRED_SBE"
M_RET_D = "DCGM_FI_DEV_RETIRED_DBE"
M_RET_P = "DCGM_FI_DEV_RETIRED_PENDING"
M_PCIE = "DCGM_FI_DEV_PCIE_REPLAY_COUNTER"
M_XID = "DCGM_FI_DEV_XID_ERRORS"
M_NVL = "DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL"
M_THR = "DCGM_FI_DEV_CLOCK_THROTTLE_REASONS"
I_SYM = "node_infiniband_symbol_error_total"
I_DOWN = "node_infiniband_link_downed_total"
I_RCV = "node_infiniband_port_errors_received_total"
I_REC = "node_infiniband_link_error_recovery_total"
I_STATE = "node_infiniband_state_id"
I_PHYS = "node_infiniband_physical_state_id"
N_BOOT = "node_boot_time_seconds"
N_EDAC = "node_edac_correctable_errors_total"

# reset class per metric: vol = node boot + GPU reset + GPU replace; persist = replace
GPU_RESET_CLASS = {
    M_SBE_V: "vol", M_DBE_V: "vol", M_PCIE: "vol", M_NVL: "vol", M_XID: "vol",
    M_PEND: "vol", M_RET_P: "vol",
    M_SBE_A: "persist", M_DBE_A: "persist", M_RFAIL: "persist", M_CROWS: "persist",
    M_UROWS: "persist", M_RET_S: "persist", M_RET_D: "persist",
}
IB_CAP = {I_SYM: 65535, I_RCV: 65535, I_DOWN: 255, I_REC: 255}


def wchoice(rng, pairs):
    tot = sum(w for _, w in pairs)
    x = rng.random() * tot
    for v, w in pairs:
        x -= w
        if x <= 0:
            return v
    return pairs[-1][0]


def poisson(rng, lam):
    if lam <= 0:
        return 0
    if lam < 30:
        lim = math.exp(-lam)
        k, p = 0, 1.0
        while True:
            p *= rng.random()
            if p <= lim:
                return k
            k += 1
    return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))


def loguniform(rng, a, b):
    return math.exp(rng.uniform(math.log(a), math.log(b)))


def merge_intervals(iv):
    iv = sorted(iv)
    out = []
    for a, b in iv:
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1][1] = b
        else:
            out.append([a, b])
    return out


class Node:
    def __init__(self, idx, name, ngpu, legacy, rng, prof, t0):
        self.idx, self.name, self.ngpu, self.legacy = idx, name, ngpu, legacy
        self.rng = rng
        if ngpu == 8:
            self.ports = [("mlx5_%d" % i, "1") for i in range(8)]
            if rng.random() < 0.5:
                self.ports.append(("mlx5_8", "1"))  # storage/frontend HCA
        else:
            self.ports = [("mlx5_0", "1"), ("mlx5_0", "2"), ("mlx5_1", "1"), ("mlx5_1", "2")]
        self.node_exporter = rng.random() >= prof["p_no_node_exporter"]
        self.ib_collector = self.node_exporter and rng.random() >= prof["p_no_ib_collector"]
        self.nvlink = rng.random() >= prof["p_no_nvlink"] and not legacy
        self.agg = rng.random() >= prof["p_no_agg"]
        self.throttle = rng.random() < prof["p_throttle"]
        w, gs, cm, cs, hb = wchoice(rng, [((w, gs, cm, cs, hb), w) for (w, gs, cm, cs, hb) in prof["pipelines"]])
        if ngpu == 8:  # dense gauges only on small nodes (size budget)
            gs = max(gs, wchoice(rng, prof.get("g8_steps", ((600, 0.15), (900, 0.5), (1800, 0.35)))))
            if cm == "dense":
                cs = max(cs, 7200)
        self.gstep, self.cmode, self.cstep, self.hb = gs, cm, cs, hb
        self.nstep = rng.choice([15, 30, 60])  # node_exporter scrape grid
        self.nmode = rng.choice(["change"] * 7 + ["dense"])
        self.nhb = rng.choice([None, 6 * HOUR, 24 * HOUR])
        self.phase = rng.randrange(0, 60)
        self.label_style = wchoice(rng, prof["label_styles"]) if (ngpu == 8 or not legacy) else "bare"
        if gs < 300:
            self.label_style = "bare"  # size budget: fast-scraped nodes keep minimal labels
        self.ib_labels_rich = rng.random() < 0.4
        self.as_float = rng.random() < prof["p_float"]
        self.model = ("Tesla V100-SXM2-32GB" if legacy else
                      ("NVIDIA A100-SXM4-80GB" if ngpu == 4 else "NVIDIA H100 80GB HBM3"))
        self.driver = [(-1e18, "535.161.08" if not legacy else "470.223.02")]
        self.uuids = {g: [(-1e18, self.new_uuid())] for g in range(ngpu)}
        # simulation state
        self.ops = {}  # key -> list of (t, kind, x)   kind: 'i' inc, 's' set
        self.boots = []  # node reboots (t)
        self.gpu_resets = {g: [] for g in range(ngpu)}
        self.gpu_replace = {g: [] for g in range(ngpu)}
        self.downs = []  # (a, b, scope) scope in all/dcgm/node
        self.gpu_missing = {g: [] for g in range(ngpu)}
        self.port_dead = {}  # port -> list of (a, b)
        self.temp_mods = []  # (a, b, gpus|None, fn(t)->offset)
        self.boot0 = t0 - rng.randint(2 * DAY, 90 * DAY)
        self.inlet = rng.gauss(0, 1.5)
        self.gpu_off = [rng.uniform(0, 6) for _ in range(ngpu)]
        self.gpu_rise = [rng.uniform(33, 45) for _ in range(ngpu)]
        self.thr_limit = [rng.choice([85, 86, 87, 88]) for _ in range(ngpu)]
        self.hazard = rng.gammavariate(0.8, 1 / 0.8)
        self.ev = None  # evidence times recorded while planting a precursor

    def new_uuid(self):
        r = self.rng
        return "GPU-%08x-%04x-%04x-%04x-%012x" % (r.getrandbits(32), r.getrandbits(16), r.getrandbits(16),
                                                 r.getrandbits(16), r.getrandbits(48))

    # ---- primitive ops
    def op(self, key, t, kind, x):
        self.ops.setdefault(key, []).append((int(t), kind, x))
        if self.ev is not None:
            self.ev.append(int(t))

    def ginc(self, g, metric, t, n):
        if n > 0:
            self.op(("g", g, metric), t, "i", n)

    def gset(self, g, metric, t, v):
        self.op(("g", g, metric), t, "s", v)

    def iinc(self, port, metric, t, n):
        if n > 0:
            self.op(("i", port, metric), t, "i", n)

    def iset(self, port, metric, t, v):
        self.op(("i", port, metric), t, "s", v)

    def xid(self, g, t, code):
        self.gset(g, M_XID, t, code)

    def sbe(self, g, t, n):
        self.ginc(g, M_SBE_V, t, n)
        self.ginc(g, M_SBE_A, t, n)

    def remap_event(self, g, t):
        if self.legacy:
            self.ginc(g, M_RET_S, t, 1)
            self.gset(g, M_RET_P, t, 1)
        else:
            self.ginc(g, M_CROWS, t, 1)
            self.gset(g, M_PEND, t, 1)
        self.xid(g, t, 63)

    def dbe(self, g, t, n, code=None):
        self.ginc(g, M_DBE_V, t, n)
        self.ginc(g, M_DBE_A, t, n)
        if self.legacy:
            self.ginc(g, M_RET_D, t, 1)
            self.gset(g, M_RET_P, t, 1)
            self.xid(g, t, code or 48)
        else:
            self.ginc(g, M_UROWS, t, 1)
            self.xid(g, t, code or self.rng.choice([94, 95, 48]))

    def remap_fail(self, g, t):
        if not self.legacy:
            self.gset(g, M_RFAIL, t, 1)
        self.xid(g, t, 64)

    def link_down(self, port, t, dur):
        self.iinc(port, I_DOWN, t, 1)
        self.iset(port, I_STATE, t, 1)
        self.iset(port, I_PHYS, t, 2)
        self.iset(port, I_STATE, t + dur, 4)
        self.iset(port, I_PHYS, t + dur, 5)

    def gpu_reset(self, g, t):
        self.gpu_resets[g].append(int(t))

    def reboot(self, t, down_s):
        self.downs.append((int(t), int(t + down_s), "all"))
        self.boots.append(int(t + down_s))

    def hourly(self, a, b, ratefn, fn):
        """ratefn(x) (x in [0,1]) -> expected events/h; fn(t, n) applies."""
        rng = self.rng
        span = max(1, b - a)
        h = a
        while h < b:
            x = (h - a) / span
            n = poisson(rng, ratefn(x))
            if n:
                parts = 1 if n < 3 else rng.randint(1, 3)
                for i in range(parts):
                    m = n // parts + (1 if i < n % parts else 0)
                    fn(h + rng.randrange(0, HOUR), m)
            h += HOUR


# ------------------------------------------------------------------ precursors
def plant_precursor(node, shape, f, lead_h, k, rng, t0):
    s = int(f - lead_h * HOUR)
    rec = {"type": "precursor", "node": node.name, "kind": shape, "start": s, "end": int(f),
           "failure_t": int(f), "lead_h": round(lead_h, 2), "strength": round(k, 3),
           "weak": k < 0.25, "truncated": s < t0}
    g = rng.randrange(node.ngpu)
    port = rng.choice(node.ports)
    span = f - s
    node.ev = []
    if shape == "hbm_sbe_ramp":
        total = k * loguniform(rng, 30, 20000)
        growth = rng.uniform(1.5, 6.0)
        hours = max(1.0, span / HOUR)
        norm = total * growth / (hours * (math.exp(growth) - 1))
        node.hourly(s, f, lambda x: norm * math.exp(growth * x), lambda t, n: node.sbe(g, t, n))
        nrem = 0 if k < 0.3 else rng.randint(1, 4)
        for _ in range(nrem):
            node.remap_event(g, s + span * math.sqrt(rng.random()))
        if k > 0.5 and rng.random() < 0.3:
            node.xid(g, f - rng.uniform(0.05, 0.5) * span, 92)
        node.dbe(g, f, rng.randint(1, 3))
        if rng.random() < 0.3:
            node.remap_fail(g, f + 5)
        rec.update(gpu=str(g), total_sbe=int(total), growth=round(growth, 2), remaps=nrem)
    elif shape == "hbm_remap_pending":
        total = k * rng.uniform(0, 15)
        node.hourly(s, f, lambda x: total / max(1, span / HOUR), lambda t, n: node.sbe(g, t, n))
        nrem = 1 + (rng.randint(1, 4) if k > 0.5 else 0)
        node.remap_event(g, s)
        for _ in range(nrem - 1):
            node.remap_event(g, s + span * rng.random())
        node.remap_fail(g, f)
        node.dbe(g, f + 3, 1, code=64)
        rec.update(gpu=str(g), remaps=nrem, total_sbe=int(total))
    elif shape == "pcie_replay_burst":
        nb = max(1, int(k * rng.uniform(4, 30)))
        tot = 0
        for _ in range(nb):
            t = s + span * rng.random() ** (1 / 3.0)
            n = int(k * loguniform(rng, 5, 2000)) + 1
            tot += n
            node.ginc(g, M_PCIE, t, n)
        node.xid(g, f, 79)
        rec.update(gpu=str(g), bursts=nb, total_replays=tot)
    elif shape == "nvlink_crc_growth":
        r1 = k * loguniform(rng, 5, 500)
        node.hourly(s, f, lambda x: r1 * x ** 2, lambda t, n: node.ginc(g, M_NVL, t, n))
        node.ginc(g, M_NVL, f, rng.randint(100, 5000))
        node.xid(g, f, 74)
        rec.update(gpu=str(g), peak_rate_h=round(r1, 2))
    elif shape in ("thermal_drift_gpu", "thermal_drift_node"):
        delta = 3 + k * rng.uniform(5, 17)
        p = rng.uniform(0.6, 2.0)
        gpus = [g] if shape == "thermal_drift_gpu" else None
        node.temp_mods.append((s, f + 6 * HOUR, gpus,
                               lambda t, s=s, f=f, d=delta, p=p: d * min(1.0, max(0.0, (t - s) / (f - s))) ** p))
        if shape == "thermal_drift_gpu":
            node.xid(g, f, 79)
            rec.update(gpu=str(g))
        rec.update(delta_c=round(delta, 1), exponent=round(p, 2))
    elif shape == "gsp_xid_prelude":
        n = max(1, int(round(k * rng.uniform(1, 4))))
        ts = sorted(s + (span - HOUR) * rng.random() for _ in range(n))
        for t in ts:
            node.xid(g, t, rng.choice([119, 119, 120]))
            node.gpu_reset(g, t + rng.uniform(0.5, 3) * HOUR)
        node.xid(g, f, 119)
        rec.update(gpu=str(g), xid_events=n)
    elif shape == "ib_symbol_growth":
        r1 = k * loguniform(rng, 50, 20000)
        growth = rng.uniform(2, 6)
        frac = rng.uniform(0.05, 0.5)
        def sym(t, n):
            node.iinc(port, I_SYM, t, n)
            node.iinc(port, I_RCV, t, int(n * frac))
            if rng.random() < min(0.5, n / 2000.0):
                node.iinc(port, I_REC, t, 1)
        node.hourly(s, f, lambda x: r1 * math.exp(growth * (x - 1)), sym)
        nfl = int(k * rng.uniform(0, 6))
        for _ in range(nfl):
            node.link_down(port, s + span * rng.uniform(0.6, 0.98), rng.randint(20, 400))
        node.iinc(port, I_DOWN, f, 1)
        node.iset(port, I_STATE, f, 1)
        node.iset(port, I_PHYS, f, 3)
        rec.update(device=port[0], port=port[1], peak_rate_h=round(r1, 1), flaps=nfl)
    elif shape == "ib_flap":
        n = max(1, int(k * rng.uniform(2, 10)))
        for _ in range(n):
            t = s + span * rng.random() ** 0.5
            node.link_down(port, t, rng.randint(10, 600))
            node.iinc(port, I_REC, t, rng.randint(0, 2))
            node.iinc(port, I_SYM, t, rng.randint(0, 50))
        node.iinc(port, I_DOWN, f, 1)
        node.iset(port, I_STATE, f, 1)
        node.iset(port, I_PHYS, f, 3)
        rec.update(device=port[0], port=port[1], flaps=n)
    elif shape == "edac_ramp":
        r1 = k * loguniform(rng, 2, 200)
        node.hourly(s, f, lambda x: r1 * x ** 1.5, lambda t, n: node.op(("n", "0", N_EDAC), t, "i", n))
        rec.update(controller="0", peak_rate_h=round(r1, 2), visible_in=N_EDAC)
    ev = node.ev
    node.ev = None
    if shape.startswith("thermal_drift"):
        ev = [max(s, t0) + HOUR]  # drift is continuous: visible if it overlaps the replay
    # observable = some precursor evidence lands inside the replay and >= 1 h before the failure
    rec["observable"] = any(t0 <= t <= f - HOUR for t in ev)
    return rec


def plant_sudden(node, kind, f, rng):
    """Failure signature without precursor; returns (signature, gpu, port)."""
    g = rng.randrange(node.ngpu)
    port = rng.choice(node.ports)
    if kind == "gpu":
        sig = rng.choice(["xid79", "dbe_sudden", "xid119", "silent_hang", "xid79"])
        if sig == "xid79":
            node.xid(g, f, 79)
        elif sig == "dbe_sudden":
            node.dbe(g, f, 1, code=95)
        elif sig == "xid119":
            node.xid(g, f, 119)
        return sig, g, None
    if kind == "ib":
        node.iinc(port, I_DOWN, f, 1)
        node.iset(port, I_STATE, f, 1)
        node.iset(port, I_PHYS, f, 3)
        return "link_dead", None, port
    return rng.choice(["kernel_panic", "psu", "host_hang"]), None, None


# ------------------------------------------------------------------ confounders
def plant_confounder(node, kind, rng, t0, t1):
    t = int(rng.uniform(t0, t1))
    g = rng.randrange(node.ngpu)
    port = rng.choice(node.ports)
    rec = {"type": "confounder", "node": node.name, "kind": kind, "start": t, "end": t}
    if kind == "ecc_burst_oneoff":
        n = int(loguniform(rng, 10, 3000))
        node.sbe(g, t, n)
        if rng.random() < 0.3:
            node.sbe(g, t + rng.randint(600, 20 * HOUR), int(n * rng.uniform(0.05, 0.5)) + 1)
        rec.update(gpu=str(g), sbe=n)
    elif kind == "remap_reset_repaired":
        node.sbe(g, t - rng.randint(0, 3600), rng.randint(0, 20))
        node.remap_event(g, t)
        dt = rng.uniform(1, 48) * HOUR
        if rng.random() < 0.5:
            node.gpu_reset(g, t + dt)
        else:
            node.reboot(t + dt, rng.randint(300, 1500))
        rec.update(gpu=str(g), end=int(t + dt))
    elif kind == "sbe_ramp_aborted":
        dur = rng.uniform(6, 96) * HOUR
        r1 = loguniform(rng, 2, 300)
        node.hourly(t, t + dur, lambda x: r1 * math.exp(3 * (x - 1)), lambda tt, n: node.sbe(g, tt, n))
        node.remap_event(g, t + dur)
        node.gpu_reset(g, t + dur + rng.uniform(0.2, 6) * HOUR)
        rec.update(gpu=str(g), end=int(t + dur), peak_rate_h=round(r1, 1))
    elif kind in ("chronic_sbe", "chronic_pcie", "chronic_nvlink", "chronic_ib_symbol"):
        if kind == "chronic_nvlink" and not node.nvlink:
            kind = "chronic_pcie"
            rec["kind"] = kind
        r = {"chronic_sbe": loguniform(rng, 0.05, 30), "chronic_pcie": loguniform(rng, 0.05, 20),
             "chronic_nvlink": loguniform(rng, 0.1, 50), "chronic_ib_symbol": loguniform(rng, 1, 500)}[kind]
        bursty = rng.random() < 0.5
        def rate(x, r=r, bursty=bursty):
            return r * (rng.expovariate(1.0) * 2 if bursty and rng.random() < 0.5 else (0 if bursty else 1))
        a, b = t0 - 10 * DAY, t1
        if kind == "chronic_sbe":
            node.hourly(a, b, rate, lambda tt, n: node.sbe(g, tt, n))
        elif kind == "chronic_pcie":
            node.hourly(a, b, rate, lambda tt, n: node.ginc(g, M_PCIE, tt, n))
        elif kind == "chronic_nvlink":
            node.hourly(a, b, rate, lambda tt, n: node.ginc(g, M_NVL, tt, n))
        else:
            frac = rng.uniform(0, 0.2)
            def f_ib(tt, n):
                node.iinc(port, I_SYM, tt, n)
                node.iinc(port, I_RCV, tt, int(n * frac))
            node.hourly(a, b, rate, f_ib)
        rec.update(start=int(a), end=int(b), rate_h=round(r, 3), bursty=bursty)
        if kind == "chronic_ib_symbol":
            rec.update(device=port[0], port=port[1])
        else:
            rec.update(gpu=str(g))
    elif kind == "cable_reseat":
        nd = rng.randint(1, 3)
        for i in range(nd):
            node.link_down(port, t + i * rng.randint(30, 900), rng.randint(30, 600))
        node.iinc(port, I_SYM, t, int(loguniform(rng, 20, 5000)))
        node.iinc(port, I_RCV, t, rng.randint(0, 200))
        node.iinc(port, I_REC, t, rng.randint(0, 2))
        rec.update(device=port[0], port=port[1], flaps=nd, end=t + HOUR)
    elif kind == "ib_flap_single":
        node.link_down(port, t, rng.randint(5, 120))
        rec.update(device=port[0], port=port[1])
    elif kind == "exporter_gap":
        dur = int(min(36, max(1, rng.lognormvariate(math.log(4), 0.9))) * HOUR)
        scope = rng.choice(["all", "all", "dcgm", "node"])
        node.downs.append((t, t + dur, scope))
        rec.update(end=t + dur, scope=scope)
    elif kind == "reboot":
        d = rng.randint(180, 2400)
        node.reboot(t, d)
        rec.update(end=t + d)
    elif kind == "uneven_job_heat":
        dur = rng.uniform(6, 48) * HOUR
        half = sorted(rng.sample(range(node.ngpu), node.ngpu // 2))
        d = rng.uniform(5, 12)
        node.temp_mods.append((t, t + dur, half, lambda tt, d=d: d))
        rec.update(end=int(t + dur), gpus=[str(x) for x in half], delta_c=round(d, 1))
    elif kind == "app_xid":
        code = rng.choice([13, 13, 31, 31, 43, 45])
        gs = [g] if rng.random() < 0.7 else list(range(node.ngpu))
        for gg in gs:
            node.xid(gg, t + rng.randint(0, 5), code)
        rec.update(gpu=str(g) if len(gs) == 1 else "all", xid=code)
    elif kind == "gpu_reset_maint":
        node.gpu_reset(g, t)
        rec.update(gpu=str(g))
    return rec


# ------------------------------------------------------------------ fleet
def build_fleet(rng, n, prof, t0):
    site = rng.choice(["iad3", "ord2", "phx1", "ams5", "tyo1"])
    nodes = []
    four = [rng.random() < prof["frac_4gpu"] for _ in range(n)]
    i8 = i4 = 0
    for i in range(n):
        nrng = random.Random("%s/node/%d" % (rng.random(), i))
        if four[i]:
            legacy = rng.random() < prof["frac_legacy"]
            name = "%s-%s%03d" % (site, "v4x" if legacy else "a4x", i4 + 1)
            i4 += 1
            nodes.append(Node(i, name, 4, legacy, nrng, prof, t0))
        else:
            rack, slot = divmod(i8, 4)
            name = "%s-r%02dh%d" % (site, rack + 3, slot + 1)
            i8 += 1
            nodes.append(Node(i, name, 8, False, nrng, prof, t0))
    return nodes


def scalable_units(nodes):
    su = {}
    n8 = [x for x in nodes if x.ngpu == 8]
    n4 = [x for x in nodes if x.ngpu == 4]
    for j, x in enumerate(n8):
        su.setdefault("su%d" % (j // 16), []).append(x)
    if n4:
        su["su4"] = n4
    return su


def generate(seed, nnodes, days, pname):
    prof = PROFILES[pname]
    rng = random.Random("kiln-fourth/%s/%d/%d/%s" % (seed, nnodes, days, pname))
    t0 = 1767225600 + rng.randrange(0, 120) * DAY + rng.randrange(0, DAY)
    t1 = t0 + int(days * DAY)
    nodes = build_fleet(rng, nnodes, prof, t0)
    truth, labels = [], []
    scale_days = days / 30.0

    # ---- failures
    for node in nodes:
        frng = random.Random("%d/fail/%s/%s" % (seed, pname, node.name))
        rate_s = LLAMA3_RATE * prof["rate_scale"] * node.ngpu * node.hazard / DAY
        t = t0
        while True:
            t += frng.expovariate(rate_s)
            if t >= t1:
                break
            f = int(t)
            kind = wchoice(frng, prof["kind_mix"])
            has_p = frng.random() < prof["p_precursor"][kind]
            rec_p = None
            if has_p:
                shapes = {"gpu": prof["gpu_shapes"], "ib": prof["ib_shapes"], "other": prof["other_shapes"]}[kind]
                if kind == "gpu" and not node.nvlink:
                    shapes = [x for x in shapes if x[0] != "nvlink_crc_growth"]
                if kind == "ib" and not node.ib_collector:
                    shapes = []
                if kind == "other" and not node.node_exporter:
                    shapes = [x for x in shapes if x[0] != "edac_ramp"]
                if not shapes:
                    has_p = False
                else:
                    shape = wchoice(frng, shapes)
                    lead = math.exp(frng.gauss(math.log(prof["lead_median_h"]), prof["lead_sigma"]))
                    lead = min(prof["lead_max_h"], max(prof["lead_min_h"], lead))
                    k = frng.uniform(0.03, 0.2) if frng.random() < prof["weak_frac"] else frng.uniform(0.3, 1.0)
                    node.rng = frng
                    rec_p = plant_precursor(node, shape, f, lead, k, frng, t0)
            sig = None
            gpu = None
            if not has_p:
                node.rng = frng
                sig, gpu, port = plant_sudden(node, kind, f, frng)
            elif rec_p.get("gpu") is not None:
                gpu = int(rec_p["gpu"])
            # downtime and repair
            repair = min(6 * DAY, max(HOUR, frng.lognormvariate(math.log(20 * HOUR), 0.9)))
            if kind == "other":
                d1 = 0
            else:
                d1 = frng.uniform(0.1, 4) * HOUR
                repair = max(repair, d1 + HOUR)
            if kind == "gpu" and gpu is not None and (sig in (None, "xid79") and
                                                      (rec_p is None or rec_p["kind"] in ("pcie_replay_burst", "thermal_drift_gpu"))):
                node.gpu_missing[gpu].append((f + 30, int(f + repair)))
            node.downs.append((int(f + d1), int(f + repair), "all"))
            node.boots.append(int(f + repair))
            replaced = False
            if kind == "gpu" and gpu is not None and frng.random() < 0.5:
                node.gpu_replace[gpu].append(int(f + repair))
                node.uuids[gpu].append((int(f + repair), node.new_uuid()))
                replaced = True
            if rec_p is not None and not rec_p["observable"]:
                has_p = False  # planted, but all of its evidence is before the replay or < 1 h ahead
            frec = {"type": "failure", "node": node.name, "t": f, "kind": kind, "precursor": has_p,
                    "precursor_planted": rec_p is not None,
                    "repair_h": round(repair / HOUR, 1)}
            if sig:
                frec["signature"] = sig
            if gpu is not None:
                frec["gpu"] = str(gpu)
                frec["gpu_replaced"] = replaced
            truth.append(frec)
            if rec_p:
                truth.append(rec_p)
            labels.append({"t": f, "node": node.name, "kind": kind, "precursor": has_p})
            t = f + repair

    # ---- per-node confounders
    for node in nodes:
        crng = random.Random("%d/conf/%s/%s" % (seed, pname, node.name))
        node.rng = crng
        for kind, r in CONF_RATES:
            lam = r * prof["conf_scale"] * scale_days
            if kind.startswith("chronic"):
                lam = r * prof["conf_scale"]  # property of a part, not of time
            if kind in ("chronic_ib_symbol", "cable_reseat", "ib_flap_single") and not node.ib_collector:
                continue
            for _ in range(poisson(crng, lam)):
                truth.append(plant_confounder(node, kind, crng, t0, t1))

    # ---- fleet-wide confounders
    frng = random.Random("%d/fleet/%s" % (seed, pname))
    heat = []
    for _ in range(poisson(frng, prof["fleet_heat"] * scale_days)):
        a = frng.uniform(t0, t1)
        dur = frng.uniform(6, 72) * HOUR
        d = frng.uniform(4, 11)
        heat.append((a, a + dur, d))
        truth.append({"type": "confounder", "node": "*", "kind": "fleet_heat", "start": int(a),
                      "end": int(a + dur), "delta_c": round(d, 1)})
    sus = scalable_units(nodes)
    for _ in range(poisson(frng, prof["switch_reboot"] * scale_days * max(1, nnodes / 32.0))):
        sname = frng.choice(sorted(sus))
        members = sus[sname]
        nrails = 8 if members[0].ngpu == 8 else 4
        rail = frng.randrange(nrails)
        a = int(frng.uniform(t0, t1))
        dur = frng.randint(120, 900)
        hit = []
        for x in members:
            if not x.ib_collector:
                continue
            port = x.ports[rail]
            x.link_down(port, a + frng.randint(0, 60), dur + frng.randint(-60, 60))
            x.iinc(port, I_SYM, a, frng.randint(0, 40))
            x.iinc(port, I_REC, a, frng.randint(0, 1))
            hit.append(x.name)
        truth.append({"type": "confounder", "node": "*", "kind": "switch_reboot", "start": a, "end": a + dur,
                      "su": sname, "rail": rail, "nodes": hit})
    if frng.random() < prof["driver_upgrade"] * min(1.0, scale_days):
        a = int(frng.uniform(t0 + 2 * DAY, t1 - 2 * DAY)) if days > 5 else t0
        for x in nodes:
            tt = int(a + frng.uniform(0, 36 * HOUR))
            x.reboot(tt, frng.randint(600, 2700))
            x.driver.append((tt, "550.90.07" if not x.legacy else "470.256.02"))
        truth.append({"type": "confounder", "node": "*", "kind": "driver_upgrade", "start": a,
                      "end": a + 36 * HOUR, "to": "550.90.07"})
    return prof, t0, t1, nodes, heat, truth, labels


# ------------------------------------------------------------------ sampling
def up_intervals(downs, t0, t1):
    out, cur = [], t0
    for a, b in merge_intervals([(max(t0, a), min(t1, b)) for a, b in downs if b > t0 and a < t1]):
        if a > cur:
            out.append((cur, a))
        cur = max(cur, b)
    if cur < t1:
        out.append((cur, t1))
    return out


def grid_first(t, step, phase):
    """first grid point >= t on grid phase + k*step"""
    return phase + -((phase - t) // step) * step


def grid_points(ups, step, phase):
    for a, b in ups:
        t = grid_first(a, step, phase)
        while t < b:
            yield t
            t += step


def next_valid(t, ups, starts, step, phase):
    i = bisect.bisect_right(starts, t) - 1
    if i >= 0 and t < ups[i][1]:
        g = grid_first(t, step, phase)
        if g < ups[i][1]:
            return g
    # in a down interval or past the last grid pt of this up: next up's first point
    j = i + 1
    while j < len(ups):
        g = grid_first(ups[j][0], step, phase)
        if g < ups[j][1]:
            return g
        j += 1
    return None


def series_samples(ops, resets, reset_val, cap, ups, mode, step, hb, phase, t0, t1):
    """ops: list (t, kind, x); resets: list of t. Returns list of (t, value)."""
    seq = [(t, 0, "r", reset_val) for t in resets] + [(t, 1, k, x) for (t, k, x) in ops]
    seq.sort(key=lambda e: (e[0], e[1]))
    if not ups:
        return []
    starts = [a for a, _ in ups]
    if mode == "dense":
        cands = list(grid_points(ups, step, phase))
        forced = None
    else:
        forced = set()
        for a, b in ups:
            g = grid_first(a, step, phase)
            if g < b:
                forced.add(g)
        if hb:
            h = grid_first(t0, hb, phase)
            while h < t1:
                g = next_valid(h, ups, starts, step, phase)
                if g is not None:
                    forced.add(g)
                h += hb
        cs = set(forced)
        for e in seq:
            if e[0] >= t1:
                break
            g = next_valid(max(e[0], t0), ups, starts, step, phase)
            if g is not None:
                cs.add(g)
        cands = sorted(cs)
    out = []
    v = reset_val
    i, n = 0, len(seq)
    last = None
    for c in cands:
        while i < n and seq[i][0] <= c:
            _, _, k, x = seq[i]
            if k == "i":
                v = v + x
                if cap is not None and v > cap:
                    v = cap
            else:
                v = x
            i += 1
        if forced is None or c in forced or v != last:
            out.append((c, v))
            last = v
    return out


def fmt_val(v, as_float):
    if as_float:
        return repr(float(v))
    if isinstance(v, float):
        return "%.6g" % v
    return str(v)


def emit_node(node, prof, t0, t1, heat, amb_fn, W):
    name = node.name
    nphase = t0 + node.phase
    all_down = [(a, b) for a, b, s in node.downs if s == "all"]
    dcgm_down = all_down + [(a, b) for a, b, s in node.downs if s == "dcgm"]
    nexp_down = all_down + [(a, b) for a, b, s in node.downs if s == "node"]
    boots = sorted(node.boots)

    def labels_for(g, t):
        st = node.label_style
        if st == "bare":
            return '{"gpu":"%d"}' % g
        u = node.uuids[g][bisect.bisect_right([x[0] for x in node.uuids[g]], t) - 1][1]
        if st == "uuid":
            return '{"gpu":"%d","UUID":"%s"}' % (g, u)
        d = node.driver[bisect.bisect_right([x[0] for x in node.driver], t) - 1][1]
        return ('{"gpu":"%d","UUID":"%s","device":"nvidia%d","modelName":"%s","Hostname":"%s",'
                '"DCGM_FI_DRIVER_VERSION":"%s"}' % (g, u, g, node.model, name, d))

    def write_series(metric, g, samples, lab_fn):
        # split consecutive lines by label (label may change over time)
        blk = []
        for t, v in samples:
            blk.append('{"t":%d,"node":"%s","metric":"%s","labels":%s,"value":%s}\n'
                       % (t, name, metric, lab_fn(t), fmt_val(v, node.as_float)))
        if blk:
            W(metric, blk, samples)

    # --- GPU counters / set-gauges
    if node.legacy:
        gmetrics = [M_SBE_V, M_DBE_V, M_RET_S, M_RET_D, M_RET_P, M_PCIE, M_XID]
    else:
        gmetrics = [M_SBE_V, M_DBE_V, M_PEND, M_RFAIL, M_CROWS, M_UROWS, M_PCIE, M_XID]
    if node.agg:
        gmetrics += [M_SBE_A, M_DBE_A]
    if node.nvlink:
        gmetrics.append(M_NVL)
    for g in range(node.ngpu):
        ups = up_intervals(dcgm_down + node.gpu_missing[g], t0, t1)
        lab = (lambda t, g=g: labels_for(g, t))
        for m in gmetrics:
            cls = GPU_RESET_CLASS[m]
            if cls == "vol":
                resets = boots + node.gpu_resets[g] + node.gpu_replace[g]
            else:
                resets = list(node.gpu_replace[g])
            ops = node.ops.get(("g", g, m), [])
            smp = series_samples(ops, resets, 0, None, ups, node.cmode, node.cstep, node.hb,
                                 nphase, t0, t1)
            write_series(m, g, smp, lab)
        # temperature (+ throttle reasons) on the gauge grid
        mods = [(a, b, fn) for (a, b, gs, fn) in node.temp_mods if gs is None or g in gs]
        trng = random.Random("%s/temp/%d" % (name, g))
        temps, thr = [], []
        ar = 0.0
        loads = node.load
        li = 0
        off = 22 + node.inlet + node.gpu_off[g]
        rise = node.gpu_rise[g]
        lim = node.thr_limit[g]
        for t in grid_points(ups, node.gstep, nphase):
            while li + 1 < len(loads) and loads[li + 1][0] <= t:
                li += 1
            ar = 0.75 * ar + trng.gauss(0, 0.9)
            T = off + amb_fn(t) + loads[li][1] * rise + ar
            for a, b, fn in mods:
                if a <= t < b:
                    T += fn(t)
            Ti = int(round(T))
            temps.append((t, Ti))
            thr.append((t, 0x40 | 0x20 if Ti >= lim else (0x20 if Ti >= lim - 3 else 0)))
        write_series(M_TEMP, g, temps, lab)
        if node.throttle:
            ch, last = [], None
            for i, (t, v) in enumerate(thr):
                if v != last or i == 0:
                    ch.append((t, v))
                    last = v
            write_series(M_THR, g, ch, lab)

    # --- node_exporter
    if not node.node_exporter:
        return
    ups = up_intervals(nexp_down, t0, t1)
    nph = t0 + (node.phase * 7) % node.nstep
    # boot time gauge
    bops = [(b, "s", b) for b in boots]
    smp = series_samples(bops, [], node.boot0, None, ups, "change", node.nstep, node.nhb or 6 * HOUR, nph, t0, t1)
    write_series(N_BOOT, None, smp, lambda t: "{}")
    if ("n", "0", N_EDAC) in node.ops or node.ib_collector:
        ops = node.ops.get(("n", "0", N_EDAC), [])
        smp = series_samples(ops, boots, 0, None, ups, "change", node.nstep, node.nhb, nph, t0, t1)
        write_series(N_EDAC, None, smp, lambda t: '{"controller":"0"}')
    if not node.ib_collector:
        return
    for port in node.ports:
        if node.ib_labels_rich:
            lab_s = '{"device":"%s","port":"%s","instance":"%s:9100","job":"node"}' % (port[0], port[1], name)
        else:
            lab_s = '{"device":"%s","port":"%s"}' % port
        for m in (I_SYM, I_DOWN, I_RCV, I_REC):
            ops = node.ops.get(("i", port, m), [])
            smp = series_samples(ops, boots, 0, IB_CAP[m], ups, node.nmode,
                                 node.nstep if node.nmode == "change" else 3600, node.nhb, nph, t0, t1)
            write_series(m, None, smp, lambda t: lab_s)
        for m, rv in ((I_STATE, 4), (I_PHYS, 5)):
            ops = node.ops.get(("i", port, m), [])
            smp = series_samples(ops, boots, rv, None, ups, "change", node.nstep, 12 * HOUR, nph, t0, t1)
            write_series(m, None, smp, lambda t: lab_s)


def make_loads(rng, t0, t1):
    segs = []
    t = t0 - rng.uniform(0, 20) * HOUR
    while t < t1:
        dur = rng.lognormvariate(math.log(10 * HOUR), 1.0)
        segs.append((t, rng.uniform(0.55, 1.0)))
        t += dur
        if rng.random() < 0.6:
            segs.append((t, rng.uniform(0.0, 0.08)))
            t += rng.lognormvariate(math.log(HOUR), 1.0)
    return segs


def make_ambient(rng, t0, t1, heat):
    nh = int((t1 - t0) / HOUR) + 3
    walk, w = [], 0.0
    for _ in range(nh):
        w = 0.97 * w + rng.gauss(0, 0.25)
        walk.append(w)
    peak = rng.uniform(13, 17) * HOUR  # afternoon peak (UTC offset unknown: random)

    def amb(t):
        x = (t - t0) / HOUR
        i = min(nh - 2, max(0, int(x)))
        fr = x - i
        v = walk[i] * (1 - fr) + walk[i + 1] * fr
        v += 1.5 * math.cos(2 * math.pi * ((t % DAY) - peak) / DAY)
        for a, b, d in heat:
            if a <= t < b:
                ramp = min(1.0, (t - a) / (2 * HOUR), (b - t) / (2 * HOUR))
                v += d * ramp
        return v
    return amb


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--nodes", type=int, default=32)
    ap.add_argument("--days", type=float, default=30)
    ap.add_argument("--profile", default="default", choices=sorted(PROFILES))
    ap.add_argument("--out", required=True)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--truth", required=True)
    a = ap.parse_args()
    prof, t0, t1, nodes, heat, truth, labels = generate(a.seed, a.nodes, a.days, a.profile)
    arng = random.Random("%d/amb/%s" % (a.seed, a.profile))
    amb = make_ambient(arng, t0, t1, heat)
    for nd in nodes:
        nd.load = make_loads(random.Random("%d/load/%s" % (a.seed, nd.name)), t0, t1)
    orng = random.Random("%d/order/%s" % (a.seed, a.profile))
    order = list(nodes)
    orng.shuffle(order)
    nlines = 0
    with open(a.out, "w") as fh:
        for nd in order:
            blocks = []
            emit_node(nd, prof, t0, t1, heat, amb, lambda m, blk, smp: blocks.append((smp, blk)))
            if prof["order"] == "time":
                lines = [ln for smp, blk in blocks for (s, ln) in zip(smp, blk)]
                keyed = sorted(((s[0], i, blk[j]) for i, (smp, blk) in enumerate(blocks)
                                for j, s in enumerate(smp)))
                fh.writelines(x[2] for x in keyed)
                nlines += len(lines)
            else:
                if prof["order"] == "shuffled":
                    orng.shuffle(blocks)
                for smp, blk in blocks:
                    fh.writelines(blk)
                    nlines += len(blk)
    with open(a.labels, "w") as fh:
        for r in sorted(labels, key=lambda r: (r["t"], r["node"])):
            fh.write(json.dumps(r, sort_keys=True) + "\n")
    with open(a.truth, "w") as fh:
        for r in sorted(truth, key=lambda r: (r.get("t", r.get("start", 0)), r["node"], r["type"])):
            fh.write(json.dumps(r, sort_keys=True) + "\n")
    sys.stderr.write("profile=%s seed=%d nodes=%d days=%g t0=%d lines=%d failures=%d (precursor %d) "
                     "confounders=%d\n" % (a.profile, a.seed, a.nodes, a.days, t0, nlines, len(labels),
                                          sum(1 for r in labels if r["precursor"]),
                                          sum(1 for r in truth if r["type"] == "confounder")))


if __name__ == "__main__":
    main()
