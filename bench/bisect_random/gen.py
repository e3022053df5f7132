#!/usr/bin/env python3
"""Random simulated clusters for `kiln bisect --simulate`, with ground truth beside each case.

gen.py OUTDIR SEED [--n N] [--mix MIX] [--topo yes|no]   -> OUTDIR/cluster.xml, [topo.conf], truth.json

truth.json:
  required: findings a correct search must make ({kind: node|link|switch|uplink, nodes|switch})
  optional_nodes / optional_links / optional_switches: faults that are masked by another fault (a link whose end
      is a slow node, a node under a slow switch...): naming them is fine, not naming them is fine
  allowed_nodes: nodes that may be accused without being "false" (the optional ones + required ones)
  args: extra kiln args (--topology, --sensitivity)
"""
import json
import os
import random
import sys

SIZES = [17, 50, 97, 200, 232, 333, 1000, 2500, 5000]
PREFIXES = ["node", "gpu", "n", "a100-", "r07c", "dgx.", "cn_", "host"]
LEAF_PREFIXES = ["leaf", "ib-leaf-", "sw", "L", "rack"]
LEAF_SIZES = [8, 16, 18, 20, 32, 36]
MIXES = ["healthy", "1node", "nodes+hung", "scale+nodes", "1link", "links", "link_on_slow_end", "node+link",
         "switch", "uplink", "uplink+link_out", "uplink+link_in", "uplink+node_in", "switch+node_other",
         "switch+uplink", "two_in_leaf", "everything", "small_leaf_node", "scale+link"]
# Mixes added after the first report (selected only with --mix, so that the old seeds make the same cases).
NEW_MIXES = ["uplink+link_in_diluted", "scale_half", "two_links_same_end", "tree_combo", "two_uplinks",
             "two_switches", "crash+nodes", "flapping", "scale+hung+link", "uplink+node_other"]
TOPO_MIXES = {"uplink+link_in_diluted", "tree_combo", "two_uplinks", "two_switches", "uplink+node_other",
              "switch", "uplink", "uplink+link_out", "uplink+link_in", "uplink+node_in", "switch+node_other",
              "switch+uplink", "two_in_leaf", "small_leaf_node"}


def hostlist(prefix, width, idx):
    """Slurm hostlist of prefix+zero-padded indices (sorted ranges); plain comma list when prefix ends in a digit."""
    idx = sorted(idx)
    if not idx:
        return ""
    if prefix and prefix[-1].isdigit():
        return ",".join(f"{prefix}{i:0{width}d}" for i in idx)
    parts, start, prev = [], idx[0], idx[0]
    for i in idx[1:] + [None]:
        if i is not None and i == prev + 1:
            prev = i
            continue
        parts.append(f"{start:0{width}d}" if start == prev else f"{start:0{width}d}-{prev:0{width}d}")
        if i is not None:
            start = prev = i
    return f"{prefix}[{','.join(parts)}]"


def make(rng, n=None, mix=None, topo=None):
    n = n or rng.choice(SIZES)
    mix = mix or rng.choice(MIXES)
    if topo is None:
        topo = mix in TOPO_MIXES or rng.random() < 0.4
    if mix in TOPO_MIXES:
        topo = True
    prefix = rng.choice(PREFIXES)
    width = len(str(n - 1))
    name = lambda i: f"{prefix}{i:0{width}d}"
    # topology
    leaves, leaf_of = [], {}
    topo_text = None
    if topo:
        lp = rng.choice(LEAF_PREFIXES)
        ls = rng.choice(LEAF_SIZES)
        order = list(range(n))
        layout = rng.choice(["contiguous", "contiguous", "interleaved", "shuffled"])
        if layout == "shuffled":
            rng.shuffle(order)
        unplaced = 0
        if rng.random() < 0.3:
            unplaced = rng.randint(1, max(1, n // 20))
        placed = order[:n - unplaced]
        nleaves = (len(placed) + ls - 1) // ls
        if nleaves < 3 and n >= 9:  # keep >= 3 leaves (uplink of one of two leaves == the other's)
            ls = max(2, len(placed) // 3)
            nleaves = (len(placed) + ls - 1) // ls
        for k in range(nleaves):
            if layout == "interleaved":
                members = placed[k::nleaves]
            else:
                members = placed[k * ls:(k + 1) * ls]
            leaves.append((f"{lp}{k}", members))
            for m in members:
                leaf_of[m] = k
        lines = [f"# {n} nodes, {nleaves} leaves of {ls} ({layout}), {unplaced} node(s) under no leaf"]
        for k, (ln, members) in enumerate(leaves):
            # the hostlist in pieces sometimes, LinkSpeed sometimes
            extra = " LinkSpeed=100" if rng.random() < 0.3 else ""
            lines.append(f"SwitchName={ln} Nodes={hostlist(prefix, width, members)}{extra}")
        spines = max(1, nleaves // 16)
        for s in range(spines):
            ks = list(range(s, nleaves, spines))
            lines.append(f"SwitchName=spine{s} Switches=" + ",".join(leaves[k][0] for k in ks))
        lines.append("SwitchName=core Switches=" + ",".join(f"spine{s}" for s in range(spines)))
        topo_text = "\n".join(lines) + "\n"

    faults = []  # (xml attrs dict)
    used = set()

    def pick_node(exclude_leaves=(), in_leaf=None):
        for _ in range(10000):
            if in_leaf is not None:
                i = rng.choice(leaves[in_leaf][1])
            else:
                i = rng.randrange(n)
            if i in used:
                continue
            if leaf_of.get(i, -1) in exclude_leaves:
                continue
            used.add(i)
            return i
        raise RuntimeError("no node")

    def big_leaf(minsize=4, exclude=()):
        c = [k for k, (_, m) in enumerate(leaves) if len(m) >= minsize and k not in exclude]
        return rng.choice(c) if c else None

    sw_leaves = set()
    up_leaves = set()

    def add_node(kind="slow_node", **kw):
        i = pick_node(**kw)
        a = {"kind": kind, "node": name(i)}
        if kind == "slow_node" and rng.random() < 0.15:
            a["alone"] = "true"
        faults.append(a)
        return i

    def add_scale(**kw):
        i = pick_node(**kw)
        mg = rng.choice([max(3, n // 8), max(3, n // 4), max(3, n // 2)])
        faults.append({"kind": "slow_node", "node": name(i), "min_group": str(mg)})
        return i

    def add_link(a=None, b=None, max_group="random", **kw):
        a = pick_node(**kw) if a is None else a
        b = pick_node() if b is None else b
        at = {"kind": "slow_link", "a": name(a), "b": name(b)}
        if max_group == "random":
            max_group = rng.choice([None, None, 16, 24, 32, 48, 64])
        if max_group:
            at["max_group"] = str(max_group)
        faults.append(at)
        return a, b

    if mix == "healthy":
        pass
    elif mix == "1node":
        add_node()
    elif mix == "nodes+hung":
        for _ in range(rng.randint(1, 3)):
            add_node()
        add_node("hung_node")
    elif mix == "scale+nodes":
        for _ in range(rng.randint(0, 3)):
            add_node()
        add_scale()
        if rng.random() < 0.5:
            add_node("hung_node")
    elif mix == "1link":
        add_link()
    elif mix == "links":
        for _ in range(rng.randint(2, 3)):
            add_link()
    elif mix == "link_on_slow_end":
        s = add_node()
        add_link(a=s)
        if rng.random() < 0.5:
            add_link()
    elif mix == "node+link":
        add_node()
        add_link()
    elif mix == "scale+link":
        add_scale()
        add_link()
    elif mix == "switch":
        k = big_leaf(2)
        sw_leaves.add(k)
        faults.append({"kind": "slow_switch", "switch": leaves[k][0]})
    elif mix == "uplink":
        k = big_leaf(2)
        up_leaves.add(k)
        faults.append({"kind": "slow_uplink", "switch": leaves[k][0]})
    elif mix == "uplink+link_out":
        k = big_leaf(2)
        up_leaves.add(k)
        faults.append({"kind": "slow_uplink", "switch": leaves[k][0]})
        a = pick_node(in_leaf=k)
        add_link(a=a, exclude_leaves=())
        add_link(exclude_leaves=(k,))  # an independent link elsewhere
    elif mix == "uplink+link_in":
        k = big_leaf(4)
        up_leaves.add(k)
        faults.append({"kind": "slow_uplink", "switch": leaves[k][0]})
        add_link(a=pick_node(in_leaf=k), b=pick_node(in_leaf=k))
    elif mix == "uplink+node_in":
        k = big_leaf(4)
        up_leaves.add(k)
        faults.append({"kind": "slow_uplink", "switch": leaves[k][0]})
        add_node(in_leaf=k)
    elif mix == "switch+node_other":
        k = big_leaf(2)
        sw_leaves.add(k)
        faults.append({"kind": "slow_switch", "switch": leaves[k][0]})
        add_node(exclude_leaves=(k,))
        if rng.random() < 0.5:
            add_link(exclude_leaves=(k,))
    elif mix == "switch+uplink":
        k = big_leaf(2)
        k2 = big_leaf(2, exclude=(k,))
        sw_leaves.add(k)
        up_leaves.add(k2)
        faults.append({"kind": "slow_switch", "switch": leaves[k][0]})
        faults.append({"kind": "slow_uplink", "switch": leaves[k2][0]})
    elif mix == "two_in_leaf":
        k = big_leaf(4)
        add_node(in_leaf=k)
        if rng.random() < 0.5:
            add_node(in_leaf=k)
        else:
            add_link(a=pick_node(in_leaf=k), b=pick_node(in_leaf=k))
    elif mix == "small_leaf_node":
        # a small leaf (the partly filled last one): a slow node in it
        k = min(range(len(leaves)), key=lambda k: len(leaves[k][1]))
        if len(leaves[k][1]) < 1:
            k = big_leaf(1)
        add_node(in_leaf=k)
    elif mix == "everything":
        for _ in range(rng.randint(0, 3)):
            add_node()
        if rng.random() < 0.6:
            add_scale()
        if rng.random() < 0.6:
            add_node("hung_node")
        for _ in range(rng.randint(1, 3)):
            add_link()
        if leaves and rng.random() < 0.5:
            k = big_leaf(2)
            sw_leaves.add(k)
            faults.append({"kind": "slow_switch", "switch": leaves[k][0]})
        if leaves and rng.random() < 0.5:
            k2 = big_leaf(2, exclude=tuple(sw_leaves))
            if k2 is not None:
                up_leaves.add(k2)
                faults.append({"kind": "slow_uplink", "switch": leaves[k2][0]})
    elif mix == "uplink+link_in_diluted":
        k = big_leaf(4)
        up_leaves.add(k)
        faults.append({"kind": "slow_uplink", "switch": leaves[k][0]})
        add_link(a=pick_node(in_leaf=k), b=pick_node(in_leaf=k), max_group=rng.choice([4, 8, 16]))
    elif mix == "scale_half":
        i = pick_node()
        faults.append({"kind": "slow_node", "node": name(i), "min_group": str(max(3, rng.choice([n // 2, (n + 1) // 2, n // 2 + 1, int(n * 0.45)])))})
        if rng.random() < 0.5:
            add_node()
    elif mix == "two_links_same_end":
        a = pick_node()
        mg = rng.choice([None, 16, 32])
        add_link(a=a, max_group=mg)
        add_link(a=a, max_group=mg)
        if rng.random() < 0.5:
            add_link(max_group=mg)
    elif mix == "tree_combo":  # the 4,096-node mix at other sizes
        k = big_leaf(2)
        up_leaves.add(k)
        faults.append({"kind": "slow_uplink", "switch": leaves[k][0]})
        k2 = big_leaf(2, exclude=(k,))
        if k2 is not None:
            sw_leaves.add(k2)
            faults.append({"kind": "slow_switch", "switch": leaves[k2][0]})
        add_link(exclude_leaves=(k, k2))
        add_node(exclude_leaves=(k, k2))
        if rng.random() < 0.5:
            add_node("hung_node", exclude_leaves=(k, k2))
    elif mix == "two_uplinks":
        k = big_leaf(2)
        k2 = big_leaf(2, exclude=(k,))
        up_leaves.update({k, k2})
        for kk in (k, k2):
            faults.append({"kind": "slow_uplink", "switch": leaves[kk][0]})
        if rng.random() < 0.5:
            add_node(exclude_leaves=(k, k2))
    elif mix == "two_switches":
        k = big_leaf(2)
        k2 = big_leaf(2, exclude=(k,))
        sw_leaves.update({k, k2})
        for kk in (k, k2):
            faults.append({"kind": "slow_switch", "switch": leaves[kk][0]})
        if rng.random() < 0.5:
            add_link(exclude_leaves=(k, k2))
    elif mix == "crash+nodes":
        add_node("crash_node")
        for _ in range(rng.randint(0, 2)):
            add_node()
        if rng.random() < 0.5:
            add_link()
    elif mix == "flapping":
        i = pick_node()
        faults.append({"kind": "flapping_node", "node": name(i), "probability": str(rng.choice([0.7, 0.9, 1.0]))})
        if rng.random() < 0.5:
            add_node()
    elif mix == "scale+hung+link":
        add_scale()
        add_node("hung_node")
        add_link()
    elif mix == "uplink+node_other":
        k = big_leaf(2)
        up_leaves.add(k)
        faults.append({"kind": "slow_uplink", "switch": leaves[k][0]})
        for _ in range(rng.randint(1, 3)):
            add_node(exclude_leaves=(k,))
    else:
        raise SystemExit("unknown mix " + mix)

    # ground truth with masking
    idx = {name(i): i for i in range(n)}
    slow_always = set()  # nodes that fail every test of >= 2 nodes they are in (link through them invisible)
    bad_nodes = {}
    for f in faults:
        if f["kind"] in ("slow_node", "hung_node", "crash_node", "flapping_node"):
            i = idx[f["node"]]
            bad_nodes[i] = f
            if f["kind"] in ("hung_node", "crash_node") or int(f.get("min_group", 2)) <= 2 and f["kind"] == "slow_node":
                slow_always.add(i)
    required, opt_nodes, opt_links, opt_sw = [], [], [], []
    for f in faults:
        k = f["kind"]
        if k in ("slow_node", "hung_node", "crash_node", "flapping_node"):
            i = idx[f["node"]]
            lf = leaf_of.get(i, -1)
            masked = k in ("slow_node", "flapping_node") and lf in sw_leaves and f.get("alone") != "true"
            (opt_nodes if masked else required).append({"kind": "node", "nodes": [f["node"]], "fault": k})
        elif k == "slow_link":
            a, b = idx[f["a"]], idx[f["b"]]
            la, lb = leaf_of.get(a, -1), leaf_of.get(b, -1)
            masked = (a in slow_always or b in slow_always or la in sw_leaves or lb in sw_leaves or
                      (la != lb and (la in up_leaves or lb in up_leaves)))
            ent = {"kind": "link", "nodes": sorted([f["a"], f["b"]]), "max_group": f.get("max_group")}
            (opt_links if masked else required).append(ent)
        elif k in ("slow_switch", "slow_uplink"):
            kk = "switch" if k == "slow_switch" else "uplink"
            lid = [j for j, (ln, _) in enumerate(leaves) if ln == f["switch"]][0]
            ent = {"kind": kk, "switch": f["switch"]}
            if len(leaves[lid][1]) == 1:  # one node under it: indistinguishable from a slow node
                ent["alternatives"] = [{"kind": "node", "nodes": [name(leaves[lid][1][0])]},
                                       {"kind": "switch" if kk == "uplink" else "uplink", "switch": f["switch"]}]
            required.append(ent)
    affected = sorted({name(m) for k in (sw_leaves | up_leaves) for m in leaves[k][1]})
    # Uplinks no test can tell apart: every node is under a leaf, and of the leaves without a slow switch at most one
    # has a fine uplink, so all traffic between them is slow, whichever of them is at fault. The honest answer is one
    # unresolved finding over those leaves' nodes, or naming them.
    plain = [k for k, (_, m) in enumerate(leaves) if m and k not in sw_leaves]
    ambiguous = bool(up_leaves) and len(leaf_of) == n and len(set(plain) - up_leaves) <= 1
    attrs = {"name": f"adv-{mix}-{n}", "nodes": str(n), "prefix": prefix, "seed": str(rng.randint(0, 10**6))}
    xml = ['<?xml version="1.0"?>', f"<!-- mix {mix}, {n} nodes, topology {bool(topo)} -->",
           "<cluster " + " ".join(f'{k}="{v}"' for k, v in attrs.items()) + ">"]
    for f in faults:
        xml.append("  <fault " + " ".join(f'{k}="{v}"' for k, v in f.items()) + "/>")
    xml.append("</cluster>")
    truth = {"n": n, "mix": mix, "topology": bool(topo), "faults": faults, "required": required,
             "ambiguous_leaves": [leaves[k][0] for k in plain] if ambiguous else [],
             "optional_nodes": opt_nodes, "optional_links": opt_links, "affected": affected,
             "leaves": {ln: [name(m) for m in mem] for ln, mem in leaves} if len(leaves) < 400 else None}
    return "\n".join(xml) + "\n", topo_text, truth


def main():
    out, seed = sys.argv[1], int(sys.argv[2])
    kw = {}
    a = sys.argv[3:]
    for i in range(0, len(a), 2):
        if a[i] == "--n":
            kw["n"] = int(a[i + 1])
        elif a[i] == "--mix":
            kw["mix"] = a[i + 1]
        elif a[i] == "--topo":
            kw["topo"] = a[i + 1] == "yes"
    rng = random.Random(seed)
    xml, topo, truth = make(rng, **kw)
    os.makedirs(out, exist_ok=True)
    open(os.path.join(out, "cluster.xml"), "w").write(xml)
    args = ["--simulate", os.path.join(out, "cluster.xml")]
    if topo:
        open(os.path.join(out, "topo.conf"), "w").write(topo)
        args += ["--topology", os.path.join(out, "topo.conf")]
    truth["args"] = args
    truth["seed"] = seed
    json.dump(truth, open(os.path.join(out, "truth.json"), "w"), indent=1)
    print(out)


if __name__ == "__main__":
    main()
