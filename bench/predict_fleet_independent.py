#!/usr/bin/env python3
"""predict_fleet_independent.py: an independent labelled GPU-fleet replay generator for `kiln predict`.

Written without reading Kiln's generator or rules. Replay: JSON Lines of dcgm-exporter / node_exporter samples
{"t","node","metric","labels","value"}; labels: {"t","node","kind","precursor",...extra}. A side file
(truth.jsonl) lists every planted precursor and confounder, for the analysis of false alarms and misses.

Field knowledge used (my reading, not Kiln's):
- NVIDIA row remapping (A100/H100): a correctable or uncorrectable ECC error on HBM marks a row for remapping;
  the remap is *pending* until the next GPU reset (ROW_REMAP_PENDING=1), XID 63 logs a remap, XID 64 a remap
  failure (ROW_REMAP_FAILURE=1, RMA). Remapped-row counts and AGG ECC counters are kept in the InfoROM and survive
  reboots; VOL counters reset when the driver reloads. XID 48 = DBE, XID 94/95 = contained/uncontained ECC,
  XID 92 = high single-bit ECC rate, XID 79 = GPU fell off the bus (often preceded by PCIe replays / AER),
  XID 74 = NVLink error, XID 119/120 = GSP errors (no precursor), XID 13/31/43/45 = application faults.
- InfiniBand PMA counters: symbol_error is 16-bit and saturates at 65535, link_downed 8-bit (255);
  admins clear them (perfquery -x); a marginal cable shows growing symbol errors and link_error_recovery before
  link flaps (link_downed) and a dead link; a reseat gives one burst.
- Meta Llama 3 (466 interruptions / 54 days / 16k GPUs, 419 unexpected: 30 % faulty GPU, 17 % HBM3,
  13 % software, 8 % network switch/cable, 8 % host maintenance, 4.5 % SRAM, 4 % GSP, 1.7 % NIC ...).
"""
import argparse, bisect, json, math, random, sys, uuid

T0 = 1767225600  # 2026-01-01T00:00:00Z
H = 3600
D = 86400

SBE_V, SBE_A = "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", "DCGM_FI_DEV_ECC_SBE_AGG_TOTAL"
DBE_V, DBE_A = "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", "DCGM_FI_DEV_ECC_DBE_AGG_TOTAL"
PEND, RFAIL = "DCGM_FI_DEV_ROW_REMAP_PENDING", "DCGM_FI_DEV_ROW_REMAP_FAILURE"
CROWS, UROWS = "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS"
PCIE, XID, TEMP = "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", "DCGM_FI_DEV_XID_ERRORS", "DCGM_FI_DEV_GPU_TEMP"
NVL = "DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL"  # real dcgm-exporter field; not in Kiln's list
POWER = "DCGM_FI_DEV_POWER_USAGE"
SYM, LDOWN = "node_infiniband_symbol_error_total", "node_infiniband_link_downed_total"
RCVERR, LER = "node_infiniband_port_errors_received_total", "node_infiniband_link_error_recovery_total"
LLI = "node_infiniband_local_link_integrity_errors_total"
RPHY = "node_infiniband_port_receive_remote_physical_errors_total"

GPU_COUNTERS = [SBE_V, SBE_A, DBE_V, DBE_A, CROWS, UROWS, PCIE, NVL]
GPU_GAUGES = [PEND, RFAIL, XID]
IB_COUNTERS = [SYM, LDOWN, RCVERR, LER, LLI, RPHY]
RESET_AT_REBOOT = {SBE_V, DBE_V, PCIE, NVL, XID, PEND} | set(IB_COUNTERS)
PERSIST = {SBE_A, DBE_A, CROWS, UROWS, RFAIL}
SATURATE = {SYM: 65535, LDOWN: 255, LER: 255, LLI: 65535, RCVERR: 65535, RPHY: 65535}

# failure modes: (kind, p_precursor)
MODES = {
    "hbm": ("gpu", 0.85), "bus": ("gpu", 0.75), "sram": ("gpu", 0.8), "ib": ("ib", 0.8),
    "thermal": ("gpu", 0.85), "nvlink": ("gpu", 0.6), "nic": ("ib", 0.0), "gsp": ("gpu", 0.0),
    "software": ("other", 0.0), "host": ("other", 0.0),
}
MIXES = {  # weights of failure modes
    "llama": {"hbm": 17, "bus": 16, "sram": 5, "ib": 8, "thermal": 3, "nvlink": 5, "nic": 2, "gsp": 8,
              "software": 13, "host": 8},
    "hw": {"hbm": 30, "bus": 20, "sram": 8, "ib": 6, "thermal": 4, "nvlink": 4, "nic": 2, "gsp": 8,
           "software": 10, "host": 8},
    "net": {"hbm": 8, "bus": 8, "sram": 2, "ib": 30, "thermal": 6, "nvlink": 3, "nic": 8, "gsp": 5,
            "software": 15, "host": 10},
}
NOISE = {"low": 0.5, "med": 1.0, "high": 2.0, "insane": 4.0}
HW_XIDS = [48, 63, 64, 74, 79, 92, 94, 95]
APP_XIDS = [13, 31, 43, 45]


def poisson(rng, lam):
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    L, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p < L:
            return k
        k += 1


def loguni(rng, a, b):
    return math.exp(rng.uniform(math.log(a), math.log(b)))


class Node:
    def __init__(self, idx, rng, t_end, dense_frac, strval_frac):
        self.idx = idx
        rack, pos = idx // 8, idx % 8
        self.rack = rack
        self.name = f"gpu-{chr(97 + rack % 26)}{rack // 26 * 8 + pos + 1:02d}.dc{2 + rack // 52}"
        self.dense = rng.random() < dense_frac
        self.interval = rng.choice([600, 900]) if self.dense else rng.choice([60, 300, 900])
        self.phase = rng.randrange(self.interval)
        self.hb = 0 if self.dense else rng.choice([0, 6 * 3600, 6 * 3600, 12 * 3600, 24 * 3600])
        self.temp_every = self.interval if self.dense else rng.choice([900, 1800, 3600])
        self.strval = rng.random() < strval_frac
        self.full_labels = rng.random() < 0.3
        self.model = rng.choice(["NVIDIA H100 80GB HBM3", "NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-80GB"])
        self.uuids = [str(uuid.UUID(int=rng.getrandbits(128))).upper() for _ in range(8)]
        self.ports = [(f"mlx5_{i}", "1") for i in range(8)] + ([("mlx5_8", "1")] if rng.random() < 0.5 else [])
        self.ops = {}  # (metric, key) -> list of (t, op, v)   op: 'inc' | 'set'
        self.resets = []  # (t, what, arg): 'reboot', 'ibclear', 'gpureplace' g
        self.silent = []  # (a, b)
        self.temp_base = [rng.uniform(28, 38) for _ in range(8)]
        self.temp_gain = [rng.uniform(28, 42) for _ in range(8)]
        self.temp_drift = []  # (g or None, a, b, deg)
        self.init = {}  # AGG / rows initial values
        for g in range(8):
            if rng.random() < 0.25:
                self.init[(SBE_A, g)] = int(loguni(rng, 1, 20000))
            if rng.random() < 0.05:
                self.init[(CROWS, g)] = rng.randint(1, 4)
            if rng.random() < 0.02:
                self.init[(DBE_A, g)] = rng.randint(1, 3)
                self.init[(UROWS, g)] = rng.randint(1, 2)
        # job load: list of (start, busy)
        self.load_t, self.load_v = [], []
        t = T0 - rng.uniform(0, 10 * H)
        busy = rng.random() < 0.85
        while t < t_end:
            self.load_t.append(t)
            self.load_v.append(busy)
            t += loguni(rng, 2 * H, 48 * H) if busy else loguni(rng, 0.2 * H, 8 * H)
            busy = not busy
        self.busy_power = rng.uniform(550, 690)

    def op(self, metric, key, t, kind, v):
        self.ops.setdefault((metric, key), []).append((t, kind, v))

    def inc(self, metric, key, t, v):
        if v > 0:
            self.op(metric, key, t, "inc", v)

    def setg(self, metric, key, t, v):
        self.op(metric, key, t, "set", v)

    def ecc_sbe(self, g, t, n):
        self.inc(SBE_V, g, t, n)
        self.inc(SBE_A, g, t, n)

    def ecc_dbe(self, g, t, n):
        self.inc(DBE_V, g, t, n)
        self.inc(DBE_A, g, t, n)

    def remap(self, g, t, uncorr=False):
        self.inc(UROWS if uncorr else CROWS, g, t, 1)
        self.setg(PEND, g, t, 1)
        self.setg(XID, g, t, 63)

    def is_silent(self, t):
        for a, b in self.silent:
            if a <= t < b:
                return True
        return False

    def busy(self, t):
        i = bisect.bisect_right(self.load_t, t) - 1
        return self.load_v[i] if i >= 0 else True


class Fleet:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.t_end = T0 + int(a.days * D)
        self.nz = NOISE[a.noise]
        self.nodes = [Node(i, self.rng, self.t_end, a.dense, a.strvals) for i in range(a.nodes)]
        self.labels, self.truth = [], []
        self.ambient = []  # (node set or None, a, b, deg)

    # -- helpers --
    def rate_events(self, n, metric, key, a, b, r0, r1, p=1.0, chunk=H, counts=None):
        """hourly Poisson counts with rate r0 -> r1 (per hour) shaped ^p across [a,b]."""
        rng = self.rng
        t, total = a, 0
        while t < b:
            f = (t - a) / max(1, b - a)
            r = r0 + (r1 - r0) * (f ** p)
            k = poisson(rng, r * min(chunk, b - t) / H)
            if k:
                tt = t + rng.uniform(0, min(chunk, b - t))
                if counts:
                    for m in counts:
                        n.inc(m, key, tt, k)
                else:
                    n.inc(metric, key, tt, k)
                total += k
            t += chunk
        return total

    def rand_node_time(self, lo=0.0):
        n = self.rng.choice(self.nodes)
        t = self.rng.uniform(T0 + lo, self.t_end)
        return n, t

    def reboot(self, n, t, down):
        n.silent.append((t, t + down))
        n.resets.append((t + down, "reboot", None))

    # -- failures --
    def failures(self):
        rng, a = self.rng, self.a
        mix = MIXES[a.mix]
        modes, w = list(mix), list(mix.values())
        # Llama 3: 419 unexpected interruptions / 54 days / 2048 nodes ~ 0.0038 per node-day
        lam = 0.0038 * a.nodes * a.days * a.fail_mult
        nf = poisson(rng, lam)
        busy = {}
        for _ in range(nf):
            for _try in range(20):
                n = rng.choice(self.nodes)
                tf = rng.uniform(T0 + 1.5 * D, self.t_end - 2 * H)
                if all(abs(tf - x) > 12 * D for x in busy.get(n.idx, [])):
                    break
            else:
                continue
            busy.setdefault(n.idx, []).append(tf)
            mode = rng.choices(modes, w)[0]
            self.fail(n, tf, mode)

    def fail(self, n, tf, mode):
        rng = self.rng
        kind, pp = MODES[mode]
        has = rng.random() < pp
        lead = min(loguni(rng, 6 * H, 240 * H), tf - T0 - 0.5 * D)
        a = tf - lead
        g = rng.randrange(8)
        dev, port = rng.choice(n.ports)
        rec = {"t": int(tf), "node": n.name, "kind": kind, "precursor": has, "mode": mode, "gpu": g,
               "lead_h": round(lead / H, 1) if has else 0}
        shape = None
        if mode == "thermal" and rng.random() < 0.3:
            rec["kind"] = "other"
        if has:
            shape = rng.choice(["ramp", "burst", "steady"])
            if mode == "hbm":
                shape = rng.choice(["ramp", "burst", "steady", "remap"])
                if shape == "ramp":
                    self.rate_events(n, None, g, a, tf, loguni(rng, 0.1, 2), loguni(rng, 10, 400),
                                     rng.uniform(1, 3), counts=[SBE_V, SBE_A])
                elif shape == "burst":
                    k = rng.randint(3, 10)
                    for i in range(k):
                        u = 1 - (1 - rng.random()) ** 2  # denser towards failure
                        n.ecc_sbe(g, a + u * lead, int(loguni(rng, 10, 2000)))
                elif shape == "steady":
                    r = loguni(rng, 1, 40)
                    self.rate_events(n, None, g, a, tf, r, r, counts=[SBE_V, SBE_A])
                else:  # remap-dominated (H100: few visible SBE, rows remapped)
                    for i in range(rng.randint(1, 3)):
                        n.remap(g, a + rng.uniform(0.05, 0.9) * lead)
                    self.rate_events(n, None, g, a, tf, 0.1, 0.6, counts=[SBE_V, SBE_A])
                if shape != "remap" and rng.random() < 0.5:
                    n.remap(g, a + rng.uniform(0.5, 0.9) * lead)
            elif mode == "sram":
                for i in range(rng.randint(2, 5)):
                    n.setg(XID, g, a + rng.uniform(0.05, 0.95) * lead, 92)
                self.rate_events(n, None, g, a, tf, 0.5, loguni(rng, 5, 100), 2, counts=[SBE_V, SBE_A])
            elif mode == "bus":
                if shape == "ramp":
                    self.rate_events(n, PCIE, g, a, tf, loguni(rng, 0.05, 1), loguni(rng, 5, 300), rng.uniform(1, 3))
                elif shape == "burst":
                    for i in range(rng.randint(3, 12)):
                        u = 1 - (1 - rng.random()) ** 2
                        n.inc(PCIE, g, a + u * lead, int(loguni(rng, 20, 5000)))
                else:
                    r = loguni(rng, 2, 60)
                    self.rate_events(n, PCIE, g, a, tf, r, r)
            elif mode == "ib":
                key = (dev, port)
                if shape == "ramp":
                    self.rate_events(n, None, key, a, tf, loguni(rng, 0.2, 5), loguni(rng, 50, 5000),
                                     rng.uniform(1, 3), counts=[SYM, RCVERR])
                elif shape == "burst":
                    for i in range(rng.randint(3, 10)):
                        u = 1 - (1 - rng.random()) ** 2
                        t = a + u * lead
                        k = int(loguni(rng, 20, 3000))
                        n.inc(SYM, key, t, k)
                        n.inc(RCVERR, key, t, k // 3)
                else:
                    r = loguni(rng, 5, 200)
                    self.rate_events(n, None, key, a, tf, r, r, counts=[SYM, RCVERR])
                for i in range(rng.randint(0, 4)):
                    n.inc(LER, key, a + rng.uniform(0.3, 1) * lead, 1)
                for i in range(rng.choice([0, 1, 1, 2, 3])):
                    n.inc(LDOWN, key, a + rng.uniform(0.5, 1) * lead, 1)
                rec["device"], rec["port"] = dev, port
            elif mode == "thermal":
                allg = rng.random() < 0.3
                n.temp_drift.append((None if allg else g, a, tf, rng.uniform(14, 28)))
                shape = "drift-node" if allg else "drift-gpu"
            elif mode == "nvlink":
                self.rate_events(n, NVL, g, a, tf, 0.5, loguni(rng, 20, 2000), 2)
                for i in range(rng.randint(1, 3)):
                    n.setg(XID, g, a + rng.uniform(0.1, 0.95) * lead, 74)
            # a reboot in the middle of the precursor: the fault persists, the VOL counters restart
            if rng.random() < self.a.mid_reboot and lead > 24 * H and mode not in ("thermal",):
                tr = a + rng.uniform(0.3, 0.7) * lead
                self.reboot(n, tr, rng.uniform(300, 1800))
                rec["mid_reboot"] = int(tr)
            rec["shape"] = shape
            self.truth.append({"what": "precursor", "node": n.name, "mode": mode, "shape": shape, "a": int(a),
                               "b": int(tf), "gpu": g, "port": f"{dev}/{port}"})
        # the failure itself
        if mode in ("hbm",):
            n.ecc_dbe(g, tf, rng.randint(1, 3))
            n.inc(UROWS, g, tf, 1)
            n.setg(XID, g, tf, rng.choice([48, 94, 95]))
            if rng.random() < 0.3:
                n.setg(RFAIL, g, tf + 60, 1)
                n.setg(XID, g, tf + 60, 64)
        elif mode == "sram":
            n.ecc_dbe(g, tf, 1)
            n.setg(XID, g, tf, rng.choice([48, 95]))
        elif mode in ("bus", "thermal"):
            n.setg(XID, g, tf, 79)
        elif mode == "nvlink":
            n.setg(XID, g, tf, 74)
        elif mode in ("ib", "nic"):
            n.inc(LDOWN, (dev, port), tf, 1)
        elif mode == "gsp":
            n.setg(XID, g, tf, rng.choice([119, 120]))
        elif mode == "software" and rng.random() < 0.5:
            n.setg(XID, g, tf, rng.choice([13, 31, 43]))
        # repair: node silent, back after a reboot; GPU replaced sometimes
        down = min(loguni(rng, 1 * H, 72 * H), self.t_end - tf)
        n.silent.append((tf + rng.uniform(120, 1200), tf + down))
        n.resets.append((tf + down, "reboot", None))
        if kind == "gpu" and rng.random() < 0.5:
            n.resets.append((tf + down, "gpureplace", g))
            rec["replaced"] = True
        self.labels.append(rec)

    # -- confounders --
    def confounders(self):
        rng, nz, a = self.rng, self.nz, self.a
        nd = a.nodes * a.days
        T = self.truth
        for n in self.nodes:
            for g in range(8):
                if rng.random() < 0.03 * nz * a.chronic_mult:  # chronic benign correctable ECC
                    r = loguni(rng, 0.05, 5)
                    self.rate_events(n, None, g, T0, self.t_end, r, r, chunk=H, counts=[SBE_V, SBE_A])
                    T.append({"what": "chronic_sbe", "node": n.name, "gpu": g, "rate_h": round(r, 3)})
                if rng.random() < 0.02 * nz * a.chronic_mult:  # chronic PCIe replays (marginal riser)
                    r = loguni(rng, 0.05, 5)
                    self.rate_events(n, PCIE, g, T0, self.t_end, r, r)
                    T.append({"what": "chronic_pcie", "node": n.name, "gpu": g, "rate_h": round(r, 3)})
            for dev, port in n.ports:
                if rng.random() < 0.02 * nz * a.chronic_mult:  # marginal link, BER within spec
                    r = loguni(rng, 0.5, 100)
                    self.rate_events(n, None, (dev, port), T0, self.t_end, r, r, chunk=2 * H, counts=[SYM])
                    T.append({"what": "chronic_sym", "node": n.name, "port": f"{dev}/{port}", "rate_h": round(r, 2)})
        for _ in range(poisson(rng, 0.010 * nz * nd)):  # one-off ECC burst
            n, t = self.rand_node_time()
            g = rng.randrange(8)
            n.ecc_sbe(g, t, int(loguni(rng, 20, 5000)))
            rm = rng.random() < 0.3
            if rm:
                n.remap(g, t + 60)
            T.append({"what": "ecc_burst", "node": n.name, "gpu": g, "t": int(t), "remap": rm})
        for _ in range(poisson(rng, 0.004 * nz * nd)):  # remap that the next reset repairs
            n, t = self.rand_node_time()
            g = rng.randrange(8)
            n.ecc_sbe(g, t - rng.uniform(0, 600), rng.randint(1, 4))
            n.remap(g, t)
            self.reboot(n, t + loguni(rng, 2 * H, 72 * H), rng.uniform(300, 1200))
            T.append({"what": "remap_repaired", "node": n.name, "gpu": g, "t": int(t)})
        for _ in range(poisson(rng, 0.001 * nz * nd)):  # contained ECC (XID 94), app killed, GPU fine
            n, t = self.rand_node_time()
            g = rng.randrange(8)
            n.ecc_dbe(g, t, 1)
            n.setg(XID, g, t, 94)
            n.remap(g, t + 30, uncorr=True)
            self.reboot(n, t + loguni(rng, 1 * H, 48 * H), rng.uniform(300, 1200))
            T.append({"what": "contained_dbe", "node": n.name, "gpu": g, "t": int(t)})
        for _ in range(poisson(rng, 0.3 * nz * nd)):  # application XIDs
            n, t = self.rand_node_time()
            n.setg(XID, rng.randrange(8), t, rng.choice(APP_XIDS))
        for _ in range(poisson(rng, 0.005 * nz * nd)):  # one-off PCIe replay burst (AER storm)
            n, t = self.rand_node_time()
            g = rng.randrange(8)
            n.inc(PCIE, g, t, int(loguni(rng, 50, 3000)))
            T.append({"what": "pcie_burst", "node": n.name, "gpu": g, "t": int(t)})
        for _ in range(poisson(rng, 0.005 * nz * nd)):  # cable reseat
            n, t = self.rand_node_time()
            key = rng.choice(n.ports)
            n.inc(SYM, key, t, int(loguni(rng, 10, 5000)))
            n.inc(LDOWN, key, t + 30, rng.randint(1, 3))
            n.inc(LER, key, t + 30, rng.randint(0, 2))
            if rng.random() < 0.4:
                n.inc(SYM, key, t + rng.uniform(600, 5400), int(loguni(rng, 5, 500)))
            T.append({"what": "reseat", "node": n.name, "port": "/".join(key), "t": int(t)})
        for _ in range(poisson(rng, a.preempt * nz * nd)):  # precursor that a repair ended (no failure)
            n, t = self.rand_node_time(lo=2 * D)
            dur = loguni(rng, 12 * H, 96 * H)
            if rng.random() < 0.5:
                g = rng.randrange(8)
                self.rate_events(n, None, g, t - dur, t, 0.2, loguni(rng, 10, 200), 2, counts=[SBE_V, SBE_A])
                self.reboot(n, t, rng.uniform(600, 3 * H))
                n.resets.append((t + 3 * H, "gpureplace", g))
                T.append({"what": "preempted_hbm", "node": n.name, "gpu": g, "a": int(t - dur), "b": int(t)})
            else:
                key = rng.choice(n.ports)
                self.rate_events(n, None, key, t - dur, t, 0.5, loguni(rng, 50, 2000), 2, counts=[SYM])
                n.inc(LDOWN, key, t, 1)
                n.resets.append((t + 60, "ibclear", None))
                T.append({"what": "preempted_ib", "node": n.name, "port": "/".join(key), "a": int(t - dur), "b": int(t)})
        for _ in range(poisson(rng, 0.03 * nz * nd)):  # exporter gap
            n, t = self.rand_node_time()
            g = loguni(rng, 0.5 * H, 30 * H)
            n.silent.append((t, t + g))
            T.append({"what": "gap", "node": n.name, "a": int(t), "b": int(t + g)})
        for _ in range(poisson(rng, 0.03 * nz * nd)):  # unplanned reboot
            n, t = self.rand_node_time()
            self.reboot(n, t, rng.uniform(180, 1800))
            T.append({"what": "reboot", "node": n.name, "t": int(t)})
        for _ in range(poisson(rng, 0.004 * nz * nd)):  # admin clears IB counters
            n, t = self.rand_node_time()
            n.resets.append((t, "ibclear", None))
        if a.days >= 14:  # rolling kernel update: every node reboots once in a 2-day window
            w = rng.uniform(T0 + 5 * D, self.t_end - 3 * D)
            for n in self.nodes:
                t = w + rng.uniform(0, 2 * D)
                self.reboot(n, t, rng.uniform(300, 1500))
            T.append({"what": "rolling_reboot", "t": int(w)})
        for _ in range(poisson(rng, a.days / 20 * nz)):  # fleet-wide heat
            t = rng.uniform(T0, self.t_end)
            dd = rng.uniform(4, 12)
            self.ambient.append((None, t, t + loguni(rng, 6 * H, 48 * H), dd))
            T.append({"what": "fleet_heat", "t": int(t), "deg": round(dd, 1)})
        nr = max(1, a.nodes // 8)
        for _ in range(poisson(rng, a.days / 15 * nz)):  # one rack's cooling (CRAH/CDU) fails
            r = rng.randrange(nr)
            t = rng.uniform(T0, self.t_end)
            dd = rng.uniform(8, 18)
            self.ambient.append(({r}, t, t + loguni(rng, 12 * H, 96 * H), dd))
            T.append({"what": "rack_heat", "rack": r, "t": int(t), "deg": round(dd, 1)})

    # -- temperatures --
    def temp(self, n, g, t):
        v = n.temp_base[g] + (n.temp_gain[g] if n.busy(t) else 0)
        for racks, a, b, d in self.ambient:
            if a <= t < b and (racks is None or n.rack in racks):
                ramp = min(1.0, (t - a) / (3 * H), (b - t) / (3 * H))
                v += d * ramp
        for gg, a, b, d in n.temp_drift:
            if a <= t < b and (gg is None or gg == g):
                v += d * (t - a) / (b - a)
        return min(97, int(round(v + self.rng.gauss(0, 1.2))))

    # -- series values --
    def series(self, n):
        """per series: (metric, key, [(t, value)]) change points, counters reset at reboots."""
        out = []
        resets = sorted(n.resets)
        keys = [(m, g) for g in range(8) for m in GPU_COUNTERS + GPU_GAUGES] + \
               [(m, p) for p in n.ports for m in IB_COUNTERS]
        for m, key in keys:
            ops = sorted(n.ops.get((m, key), []))
            v = n.init.get((m, key), 0)
            pts = [(T0 - 1, v)]
            rs = []
            for t, what, arg in resets:
                if what == "reboot" and m in RESET_AT_REBOOT:
                    rs.append(t)
                elif what == "ibclear" and m in IB_COUNTERS:
                    rs.append(t)
                elif what == "gpureplace" and isinstance(key, int) and arg == key:
                    rs.append(t)
            i = j = 0
            while i < len(ops) or j < len(rs):
                if j < len(rs) and (i >= len(ops) or rs[j] <= ops[i][0]):
                    v = 0
                    pts.append((rs[j], v))
                    j += 1
                else:
                    t, kind, x = ops[i]
                    if kind == "inc":
                        v = min(v + x, SATURATE.get(m, 1 << 62))
                    else:
                        v = x
                    pts.append((t, v))
                    i += 1
            out.append((m, key, pts))
        return out

    def labels_of(self, n, m, key):
        if isinstance(key, int):
            lab = {"gpu": str(key), "UUID": "GPU-" + n.uuids[key].lower()}
            if n.full_labels:
                lab.update({"device": f"nvidia{key}", "modelName": n.model, "Hostname": n.name,
                            "DCGM_FI_DRIVER_VERSION": "550.90.07", "pci_bus_id": f"00000000:{0x18 + 16 * key:02X}:00.0"})
            return lab
        return {"device": key[0], "port": key[1], "instance": n.name + ":9100", "job": "node"}

    def write(self, out):
        nl = 0
        rng = self.rng
        for n in self.nodes:
            lines = []
            I = n.interval

            def tick(t):  # the scrape that first shows a change at t
                k = math.ceil((t - T0 - n.phase) / I)
                return T0 + n.phase + max(0, k) * I

            sil = sorted(n.silent)

            def silent(t):
                for a, b in sil:
                    if a <= t < b:
                        return True
                    if a > t:
                        break
                return False

            def fmt(v):
                if n.strval:
                    return '"%s"' % v
                return str(v)

            def emit(t, m, lab, v):
                lines.append('{"t": %d, "node": %s, "metric": "%s", "labels": %s, "value": %s}\n'
                             % (t, json.dumps(n.name), m, lab, fmt(v)))

            ser = self.series(n)
            gaps_end = [b for a, b in sil]
            if n.dense:
                ticks = range(T0 + n.phase, self.t_end, I)
                for m, key, pts in ser:
                    lab = json.dumps(self.labels_of(n, m, key))
                    ts = [p[0] for p in pts]
                    for t in ticks:
                        if silent(t):
                            continue
                        k = bisect.bisect_right(ts, t) - 1
                        emit(t, m, lab, pts[k][1])
            else:
                for m, key, pts in ser:
                    lab = json.dumps(self.labels_of(n, m, key))
                    ts = [p[0] for p in pts]
                    want = set()
                    for t, v in pts:
                        want.add(tick(max(t, T0)))
                    want.add(tick(T0))
                    if n.hb:
                        want.update(range(tick(T0), self.t_end, n.hb - n.hb % I if n.hb >= I else I))
                    for b in gaps_end:  # first scrape after a gap writes every series
                        want.add(tick(b))
                    last = None
                    for t in sorted(want):
                        if t >= self.t_end:
                            break
                        while silent(t):  # a change during a gap shows at the first scrape after it
                            for a, b in sil:
                                if a <= t < b:
                                    t = tick(b)
                        if t >= self.t_end:
                            break
                        k = bisect.bisect_right(ts, t) - 1
                        v = pts[k][1]
                        if last is not None and last == (t, v):
                            continue
                        last = (t, v)
                        emit(t, m, lab, v)
            # temperature and power (power: an unknown metric, costs a parse)
            for g in range(8):
                lab = json.dumps(self.labels_of(n, TEMP, g))
                for t in range(T0 + n.phase, self.t_end, n.temp_every):
                    if silent(t):
                        continue
                    emit(t, TEMP, lab, self.temp(n, g, t))
                    if n.dense:
                        emit(t, POWER, lab, round(n.busy_power * (1 if n.busy(t) else 0.12) + rng.gauss(0, 8), 3))
            if self.a.shuffle:
                rng.shuffle(lines)
            else:
                lines.sort(key=lambda s: int(s[6:s.index(",")]))
            out.writelines(lines)
            nl += len(lines)
        return nl


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--nodes", type=int, default=64)
    ap.add_argument("--days", type=float, default=30)
    ap.add_argument("--mix", choices=sorted(MIXES), default="llama")
    ap.add_argument("--noise", choices=sorted(NOISE), default="med")
    ap.add_argument("--fail-mult", type=float, default=3.0, help="x Llama-3 failure rate (2: more failures a run)")
    ap.add_argument("--dense", type=float, default=0.06, help="fraction of nodes scraped densely")
    ap.add_argument("--strvals", type=float, default=0.1, help="fraction of nodes with string values")
    ap.add_argument("--mid-reboot", type=float, default=0.2, help="P(reboot inside a >24 h precursor)")
    ap.add_argument("--preempt", type=float, default=0.001, help="per node-day: precursor ended by a repair")
    ap.add_argument("--shuffle", action="store_true", help="lines in random order within a node")
    ap.add_argument("--out", required=True, help="replay .jsonl")
    ap.add_argument("--labels", required=True)
    ap.add_argument("--truth", help="side file: planted precursors and confounders")
    ap.add_argument("--chronic-mult", type=float, default=1.0, help="x the share of chronic benign series")
    ap.add_argument("--busy-only", action="store_true", help="no idle periods (GPU temperatures never drop to idle)")
    ap.add_argument("--lean", action="store_true", help="on-change only, no heartbeats, hourly temperature (~3M lines for 256 x 60 d)")
    a = ap.parse_args()
    if a.lean:
        a.dense, a.strvals = 0.0, 0.0
    f = Fleet(a)
    if a.busy_only:
        for n in f.nodes:
            n.load_v = [True] * len(n.load_v)
    if a.lean:
        for n in f.nodes:
            n.hb, n.temp_every, n.full_labels = 0, 3600, False
    f.failures()
    f.confounders()
    with open(a.out, "w") as o:
        nl = f.write(o)
    with open(a.labels, "w") as o:
        for r in sorted(f.labels, key=lambda r: r["t"]):
            o.write(json.dumps(r) + "\n")
    if a.truth:
        with open(a.truth, "w") as o:
            for r in f.truth:
                o.write(json.dumps(r) + "\n")
    npre = sum(1 for r in f.labels if r["precursor"])
    print(f"nodes={a.nodes} days={a.days} lines={nl} failures={len(f.labels)} with_precursor={npre}", file=sys.stderr)


if __name__ == "__main__":
    main()
