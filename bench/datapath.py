"""Throughput of the userspace lagg datapath against kernel baselines measured in the same run.

Topology (namespaces made here, 198.18.0.0/15 only)::

    A: lagg0 (fxp0, fxp1) 198.18.0.1  ==veth==>  B: lp0, lp1 in bridge br0 198.18.0.2
    A: dv0 198.18.2.1                 --veth-->  B: dv0p 198.18.2.2            (direct baseline)
    A: bv0 198.18.4.1                 --veth-->  B: bv0p in bridge br1 198.18.4.2 (bridged baseline)
    A: lagg1 (fxp2, fxp3), idle                                  (RSS with 2 laggs x 2 ports)

Rounds interleave the candidates; each figure is the median over rounds.  Printed: Gbit/s,
ratios to the direct veth (the issue's targets) and to the bridged path (the same peer
bridge, a kernel veth instead of TAP + Python), the hash cost (loadbalance vs failover, one
flow), the per-frame cost with GSO/TSO off (laggd CPU seconds per frame forwarded), 64-byte
UDP frames/s, and laggd's RSS.

    python bench/datapath.py [--quick] [--rounds N] [--seconds S] [--rss-seconds S] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.lablib import Lab, Ns, cpu_seconds, median, rss_mb

TARGETS = {
    "up_1flow": (0.85, 0.70),
    "down_1flow": (0.90, 0.75),
    "flows_4": (0.50, 0.30),
}


def iperf(lab: Lab, a: Ns, b: Ns, server: str, seconds: float, *, reverse: bool = False, streams: int = 1,
          udp64: bool = False) -> float:  # fmt: skip
    """Received Gbit/s (or frames/s for ``udp64``)."""
    srv = lab.spawn(b, "iperf3", "-s", "-1", "-B", server, stdout=open(os.devnull, "w"))  # noqa: SIM115
    time.sleep(0.25)
    argv = ["iperf3", "-c", server, "-t", str(seconds), "-J", "-P", str(streams)]
    if reverse:
        argv.append("-R")
    if udp64:
        argv += ["-u", "-l", "64", "-b", "0"]
    out = json.loads(a.exec(*argv, check=False) or "{}")
    srv.wait(15)
    end = out.get("end", {})
    if udp64:
        s = end.get("sum", {})
        return float(s.get("packets", 0) - s.get("lost_packets", 0)) / seconds
    return float(end.get("sum_received", {}).get("bits_per_second", 0.0)) / 1e9


def link_packets(ns: Ns, *links: str) -> int:
    total = 0
    for link in links:
        (obj,) = json.loads(ns.ip("-j", "-s", "link", "show", "dev", link))
        total += int(obj["stats64"]["tx"]["packets"]) + int(obj["stats64"]["rx"]["packets"])
    return total


def setup(lab: Lab) -> tuple[Ns, Ns]:
    a, b = lab.ns("a"), lab.ns("b")
    for i in range(4):
        lab.veth(a, f"fxp{i}", b, f"lp{i}", 10 + i)
    b.ip("link", "add", "br0", "type", "bridge", "forward_delay", "0")
    for i in range(2):
        b.ip("link", "set", f"lp{i}", "master", "br0")
    b.ip("link", "set", "br0", "up")
    b.ip("addr", "add", "198.18.0.2/24", "dev", "br0")
    lab.veth(a, "dv0", b, "dv0p", 20, addr=("198.18.2.1/24", "198.18.2.2/24"))
    lab.veth(a, "bv0", b, "bv0p", 21)
    a.ip("addr", "add", "198.18.4.1/24", "dev", "bv0")
    b.ip("link", "add", "br1", "type", "bridge", "forward_delay", "0")
    b.ip("link", "set", "bv0p", "master", "br1")
    b.ip("link", "set", "br1", "up")
    b.ip("addr", "add", "198.18.4.2/24", "dev", "br1")
    lab.wait_up(a, "fxp0", "fxp1", "fxp2", "fxp3", "dv0", "bv0")
    lab.api(a, "create")
    lab.api(a, "apply", arg={"proto": "failover", "ports": ["fxp0", "fxp1"]})
    a.ip("link", "set", "lagg0", "up")
    a.ip("addr", "add", "198.18.0.1/24", "dev", "lagg0")
    lab.api(a, "create", "lagg1")
    lab.api(a, "apply", "lagg1", {"proto": "loadbalance", "ports": ["fxp2", "fxp3"]})
    a.ip("link", "set", "lagg1", "up")
    lab.wait_up(a, "lagg0")
    for dst in ("198.18.0.2", "198.18.2.2", "198.18.4.2"):
        deadline = time.monotonic() + 10
        while a.exec("python3", "-c", PING1, dst, check=False).strip() != "ok":
            if time.monotonic() > deadline:
                raise RuntimeError(f"no path to {dst}")
    return a, b


PING1 = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
try:
    s.connect((sys.argv[1], 5201)); s.send(b"x"); s.recv(10)
except ConnectionRefusedError:
    print("ok")
except OSError:
    print("no")
"""


def run(args: argparse.Namespace) -> dict[str, Any]:
    lab = Lab("bd")
    results: dict[str, list[float]] = {}

    def add(key: str, value: float) -> None:
        results.setdefault(key, []).append(value)

    try:
        a, b = setup(lab)
        pid = lab.laggd_pid(a)
        secs = args.seconds
        for _ in range(args.rounds):
            add("direct_up", iperf(lab, a, b, "198.18.2.2", secs))
            add("lagg_up", iperf(lab, a, b, "198.18.0.2", secs))
            add("bridged_up", iperf(lab, a, b, "198.18.4.2", secs))
            add("direct_down", iperf(lab, a, b, "198.18.2.2", secs, reverse=True))
            c0 = cpu_seconds(pid)
            add("lagg_down", iperf(lab, a, b, "198.18.0.2", secs, reverse=True))
            add("laggd_cores_down", (cpu_seconds(pid) - c0) / (secs + 0.3))
            add("bridged_down", iperf(lab, a, b, "198.18.4.2", secs, reverse=True))
            add("direct_4", iperf(lab, a, b, "198.18.2.2", secs, streams=4))
            add("lagg_4", iperf(lab, a, b, "198.18.0.2", secs, streams=4))
            # hash cost: the same single flow with loadbalance (one hash per frame) vs failover
            lab.api(a, "apply", arg={"proto": "loadbalance", "ports": ["fxp0", "fxp1"]})
            add("lb_up", iperf(lab, a, b, "198.18.0.2", secs))
            lab.api(a, "apply", arg={"proto": "failover", "ports": ["fxp0", "fxp1"]})
            add("fixed_up", iperf(lab, a, b, "198.18.0.2", secs))
        # per-frame cost without GSO/TSO: MTU-sized frames both ways through laggd
        a.exec("ethtool", "-K", "lagg0", "tso", "off", "gso", "off")
        for dev in ("br0", "lp0", "lp1"):
            b.exec("ethtool", "-K", dev, "tso", "off", "gso", "off", "gro", "off", check=False)
        f0, c0 = link_packets(a, "fxp0", "fxp1"), cpu_seconds(pid)
        add("plain_up", iperf(lab, a, b, "198.18.0.2", secs))
        frames, cpu = link_packets(a, "fxp0", "fxp1") - f0, cpu_seconds(pid) - c0
        add("plain_fps", frames / (secs + 0.3))
        add("plain_us_per_frame", cpu / frames * 1e6 if frames else float("nan"))
        add("udp64_lagg_pps", iperf(lab, a, b, "198.18.0.2", min(secs, 2.0), udp64=True))
        add("udp64_direct_pps", iperf(lab, a, b, "198.18.2.2", min(secs, 2.0), udp64=True))
        a.exec("ethtool", "-K", "lagg0", "tso", "on", "gso", "on")
        # RSS of both daemons (2 laggs x 2 ports), optionally under load for a while
        pids = [pid, lab.laggd_pid(a, "lagg1")]
        add("rss_mb_start", sum(rss_mb(p) for p in pids))
        end = time.monotonic() + args.rss_seconds
        while time.monotonic() < end:
            iperf(lab, a, b, "198.18.0.2", min(10.0, max(1.0, end - time.monotonic())))
            add("rss_mb_samples", sum(rss_mb(p) for p in pids))
        add("rss_mb_end", sum(rss_mb(p) for p in pids))
    finally:
        lab.close()
    return results


def report(raw: dict[str, list[float]]) -> None:
    m = {k: median(v) for k, v in raw.items()}

    def line(name: str, ours: str, base: str, target: str = "") -> None:
        if ours in m and base in m and m[base]:
            r = m[ours] / m[base]
            print(f"{name:34s} {m[ours]:8.2f} vs {m[base]:8.2f} Gbit/s  ratio {r:5.2f}  {target}")

    print("metric                               lagg       baseline         ratio  target (stretch/must)")
    line("1 flow upload / direct veth", "lagg_up", "direct_up", "0.85/0.70")
    line("1 flow upload / bridged", "lagg_up", "bridged_up")
    line("1 flow download / direct veth", "lagg_down", "direct_down", "0.90/0.75")
    line("1 flow download / bridged", "lagg_down", "bridged_down")
    line("4 flows / direct veth", "lagg_4", "direct_4", "0.50/0.30")
    if "lb_up" in m and "fixed_up" in m and m["fixed_up"]:
        cost = 1 - m["lb_up"] / m["fixed_up"]
        print(f"{'loadbalance hash vs fixed port':34s} {m['lb_up']:8.2f} vs {m['fixed_up']:8.2f} Gbit/s  "
              f"cost {cost * 100:5.1f} %  target <= 5 %")  # fmt: skip
    if "plain_us_per_frame" in m:
        print(f"{'per-frame cost, no GSO/TSO':34s} {m['plain_us_per_frame']:8.2f} us/frame "
              f"({m['plain_fps'] / 1000:.0f}k frames/s, {m['plain_up']:.2f} Gbit/s)  target <= 3 us")  # fmt: skip
    if "udp64_lagg_pps" in m:
        print(f"{'64-byte UDP frames/s':34s} {m['udp64_lagg_pps'] / 1000:8.0f}k vs "
              f"{m['udp64_direct_pps'] / 1000:8.0f}k direct")  # fmt: skip
    if "laggd_cores_down" in m:
        print(f"{'laggd cores during download':34s} {m['laggd_cores_down']:8.2f}")
    if "rss_mb_end" in m:
        samples = raw.get("rss_mb_samples", [])
        print(f"{'laggd RSS, 2 laggs x 2 ports':34s} {m['rss_mb_start']:8.1f} MB at start, "
              f"{m['rss_mb_end']:.1f} MB at end ({len(samples)} samples under load)  target <= 50 MB")  # fmt: skip
    print("OVS userspace bond: not run by this script (ovs-vswitchd needs its own database setup)")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="CI smoke run: 1 round of 1 s")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=4.0)
    p.add_argument("--rss-seconds", type=float, default=0.0, help="keep traffic going this long, sampling RSS")
    p.add_argument("--json", help="save the raw figures here")
    args = p.parse_args()
    if args.quick:
        args.rounds, args.seconds = 1, 1.0
    if os.geteuid() != 0:
        print("bench/datapath.py: needs root (network namespaces)", file=sys.stderr)
        return 1
    raw = run(args)
    report(raw)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(raw, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
