"""CLI latency: ``ifconfig bge0`` (status) and a simple change, against iproute2 in the same run.

Prints the median wall time of each command over N interleaved rounds, the baseline measured in
the same run (``ip -d -j link show bge0``, ``ip link set bge0 up``), and the ratio.  Targets
(issue 3): status <= 30 ms, a simple change <= 50 ms.  Runs in its own network namespace
(veth bge0, addresses from 198.18.0.0/15).  ``--quick`` does a few rounds, for CI.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

IFCONFIG = str(Path(sys.executable).with_name("ifconfig"))


def timed(argv: Sequence[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(rounds: int) -> dict[str, list[float]]:
    cases = {
        "ifconfig bge0": [IFCONFIG, "bge0"],
        "ip -d -j link show bge0": ["ip", "-d", "-j", "link", "show", "bge0"],
        "ifconfig bge0 up": [IFCONFIG, "bge0", "up"],
        "ip link set bge0 up": ["ip", "link", "set", "bge0", "up"],
        "ifconfig bge0 inet 198.18.0.15/24": [IFCONFIG, "bge0", "inet", "198.18.0.15/24"],
        "ifconfig -a": [IFCONFIG, "-a"],
    }
    results: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, argv in cases.items():  # interleaved, so load changes hit every case alike
            results[name].append(timed(argv))
    return results


def report(results: dict[str, list[float]]) -> None:
    med = {name: statistics.median(values) * 1000 for name, values in results.items()}
    pairs = (
        ("ifconfig bge0", "ip -d -j link show bge0", 30.0),
        ("ifconfig bge0 up", "ip link set bge0 up", 50.0),
        ("ifconfig bge0 inet 198.18.0.15/24", "ip link set bge0 up", 50.0),
    )
    print(f"{'command':40} {'median ms':>10} {'baseline ms':>12} {'ratio':>7} {'target ms':>10}")
    for ours, base, target in pairs:
        print(f"{ours:40} {med[ours]:10.1f} {med[base]:12.1f} {med[ours] / med[base]:7.2f} {target:10.0f}")
    print(f"{'ifconfig -a':40} {med['ifconfig -a']:10.1f}")
    n = len(next(iter(results.values())))
    print(f"(medians of {n} interleaved rounds; baselines from the same run)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few rounds (CI smoke run)")
    parser.add_argument("--rounds", type=int, default=41)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    rounds = 5 if args.quick else args.rounds
    if args.inside:
        report(measure(rounds))
        return 0
    ns = f"bench{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "-n", ns, "link", "add", "bge0", "type", "veth", "peer", "name", "bge1"], check=True)
        subprocess.run(["ip", "-n", ns, "link", "set", "bge1", "up"], check=True)
        cmd = [
            "ip",
            "netns",
            "exec",
            ns,
            sys.executable,
            os.path.abspath(__file__),
            "--inside",
            "--rounds",
            str(rounds),
        ]
        return subprocess.run(cmd, check=False).returncode
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)


if __name__ == "__main__":
    sys.exit(main())
