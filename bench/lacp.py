"""Time to aggregate: from both ends configured until every port is DISTRIBUTING at both ends.

Pairs, each on two fresh namespaces joined by two veth pairs (fxp0-lp0, fxp1-lp1), in one run:

* ours <-> ours: ``ifconfig lagg0 up laggproto lacp laggport ...`` at both ends;
* ours <-> OVS: our lagg against Open vSwitch 3.1's LACP bond (userspace datapath, fast rate);
* OVS <-> OVS: the baseline, two OVS bonds.

The clock starts when the second end's configuration command has returned (``ifconfig`` or
``ovs-vsctl add-bond``, which returns once ovs-vswitchd applied it).  Our end is done when both
its ports show DISTRIBUTING (status polled through the control socket every 5 ms by a process in
the namespace; CLOCK_MONOTONIC is the same in every namespace), an OVS end when ``bond/show``
shows both members enabled (polled every 10 ms).

    python bench/lacp.py [--rounds N] [--json FILE]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.lablib import PY, Lab, Ns, median
from tests.integration.ovs import BOND, OvsBond

IFCONFIG = str(Path(PY).with_name("ifconfig"))
PORTS = {"a": ("fxp0", "fxp1"), "b": ("lp0", "lp1")}
TIMEOUT_S = 15.0

#: Prints CLOCK_MONOTONIC when lagg0's ports all distribute (run inside the namespace).
WATCH_OURS = r"""
import sys, time
from lagg_ifconfig.backends import userspace
deadline = time.monotonic() + float(sys.argv[1])
while time.monotonic() < deadline:
    try:
        st = userspace.observe("lagg0")
    except Exception:
        st = None
    if st is not None and len(st.ports) == 2 and all(int(p.flags) & 0x10 for p in st.ports):
        print(time.monotonic())
        break
    time.sleep(0.005)
"""


def configure_ours(ns: Ns, side: str) -> None:
    for port in PORTS[side]:
        ns.exec(IFCONFIG, port, "up")
    ns.exec(IFCONFIG, "lagg0", "create")
    first, second = PORTS[side]
    ns.exec(IFCONFIG, "lagg0", "up", "laggproto", "lacp", "laggport", first, "laggport", second)


def watch_ours(lab: Lab, ns: Ns) -> Callable[[], float]:
    proc = lab.spawn(ns, PY, "-c", WATCH_OURS, str(TIMEOUT_S), stdout=subprocess.PIPE)

    def done() -> float:
        out, _ = proc.communicate(timeout=TIMEOUT_S + 5)
        return float(out) if out.strip() else float("nan")

    return done


def ovs_done(bond: OvsBond) -> float:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if bond.appctl("bond/show", BOND).count(": enabled\n") >= 2:
            return time.monotonic()
        time.sleep(0.01)
    return float("nan")


def one_round(kind: str) -> float:
    """Seconds from both ends configured to both ends distributing on both ports."""
    lab = Lab("bl")
    bonds: list[OvsBond] = []
    try:
        a, b = lab.ns("a"), lab.ns("b")
        for i, (ours, peer) in enumerate(zip(PORTS["a"], PORTS["b"], strict=True)):
            lab.veth(a, ours, b, peer, 10 + i)
        lab.wait_up(a, *PORTS["a"])
        ends = {"a": a, "b": b}
        ovs_sides = {"ours-ours": (), "ours-ovs": ("b",), "ovs-ovs": ("a", "b")}[kind]
        for side in ovs_sides:  # OVS daemons first: their start-up is not LACP time
            bonds.append(OvsBond(ends[side].name, [], system_id=f"02:00:00:00:0b:0{len(bonds) + 1}"))
        watchers: list[Callable[[], float]] = []
        for side in ("a", "b"):
            if side in ovs_sides:
                bond = bonds[ovs_sides.index(side)]
                bond.add_bond(PORTS[side])
                watchers.append(functools.partial(ovs_done, bond))
            else:
                watcher = watch_ours(lab, ends[side])
                configure_ours(ends[side], side)
                watchers.append(watcher)
        start = time.monotonic()
        return max(w() for w in watchers) - start
    finally:
        for bond in bonds:
            bond.close()
        lab.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json", help="write the figures here too")
    args = ap.parse_args()
    kinds = ("ours-ours", "ours-ovs", "ovs-ovs")
    times: dict[str, list[float]] = {k: [] for k in kinds}
    for _ in range(args.rounds):  # interleaved, so drift of the machine hits every pair alike
        for kind in kinds:
            times[kind].append(one_round(kind))
    base = median(times["ovs-ovs"])
    print(f"time to DISTRIBUTING at both ends, {args.rounds} rounds (median, min-max), OVS<->OVS as baseline")
    for kind in kinds:
        t = times[kind]
        print(
            f"  {kind:10s} {median(t):6.3f} s  ({min(t):.3f}-{max(t):.3f})  ratio to OVS<->OVS {median(t) / base:5.2f}x"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(times, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
