"""Fixtures for the laggd integration tests: two namespaces, a peer bridge, the client API.

Topology (``LaggLab``; member ifindexes 10, 11, ... and peers 40, 41, ...)::

    ns A (ours)                         ns B (peer)
    fxp0  <-------- veth -------->  lp0 \\
    fxp1  <-------- veth -------->  lp1  +- br0 198.18.0.2/24
    lagg0 (made by the test through the userspace API, 198.18.0.1/24)

The peer bridges its ports, so any port of the lagg reaches it.  Everything runs in the
namespaces; addresses only from 198.18.0.0/15.  ``LaggLab.close`` first ends the ``laggd``
processes that our API calls started in namespace A (found through their pid files in A's run
directory, i.e. only processes of our namespaces) and removes that directory, then the
registry deletes the namespaces and ends the processes it spawned (by PID).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.netns import Netns, NetnsRegistry, require_netns, run

HERE = Path(__file__).resolve().parent
API = str(HERE / "laggd_api.py")
PING = str(HERE / "icmp_ping.py")
PY = sys.executable
LAGG_ADDR = "198.18.0.1"
PEER_ADDR = "198.18.0.2"
RUN_ROOT = "/run/lagg_ifconfig"


def require_tools(*tools: str) -> None:
    """Fail (CI=true) or skip unless the tools exist."""
    missing = [t for t in tools if shutil.which(t) is None]
    if not missing:
        return
    reason = "laggd tests need " + ", ".join(missing)
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " (CI=true: a skip would be a failure)")
    pytest.skip(reason)


def ns_inode(ns: Netns) -> int:
    return os.stat(f"/run/netns/{ns.name}").st_ino


class LaggLab:
    """Namespace A with fxp0/fxp1, namespace B bridging their peers; helpers around the API."""

    def __init__(self, registry: NetnsRegistry, *, ipv6: bool = False, ports: int = 2, bridge: bool = True) -> None:
        self.registry = registry
        self.a = registry.create(ipv6=ipv6)
        self.b = registry.create()
        names = [f"fxp{i}" for i in range(ports)]
        for i, n in enumerate(names):
            # Distinct ifindexes on the two ends: linkwatch then treats carrier changes as urgent
            # (a veth whose peer has its own ifindex number is delayed up to 1 s, like a NIC).
            ours = ["ip", "link", "add", n, "index", str(10 + i), "netns", self.a.name]
            run([*ours, "type", "veth", "peer", "name", f"lp{i}", "index", str(40 + i), "netns", self.b.name])
            self.a.ip("link", "set", n, "up")
            self.b.ip("link", "set", f"lp{i}", "up")
        if bridge:
            self.b.ip("link", "add", "br0", "type", "bridge", "forward_delay", "0")
            for i in range(ports):
                self.b.ip("link", "set", f"lp{i}", "master", "br0")
            self.b.ip("link", "set", "br0", "up")
            self.b.ip("addr", "add", f"{PEER_ADDR}/24", "dev", "br0")
        self.a.wait_operstate(*names)
        self.b.wait_operstate(*(f"lp{i}" for i in range(ports)))
        self.rundir = f"{RUN_ROOT}/ns-{ns_inode(self.a)}"

    # -- API ------------------------------------------------------------------------------------

    def api(self, op: str, name: str = "lagg0", arg: Any = None, ns: Netns | None = None) -> Any:
        """Call the userspace API inside namespace A; returns ``result`` or raises on an error reply."""
        out = self.api_raw(op, name, arg, ns)
        if not out["ok"]:
            raise AssertionError(f"{op} {name}: {out['error']}")
        return out["result"]

    def api_raw(self, op: str, name: str = "lagg0", arg: Any = None, ns: Netns | None = None) -> Any:
        argv = [PY, API, op, name] + ([json.dumps(arg)] if arg is not None else [])
        proc = (ns or self.a).exec(*argv, check=False)
        assert proc.returncode == 0, f"{op} crashed: {proc.stderr}"
        assert "Traceback" not in proc.stderr, proc.stderr
        return json.loads(proc.stdout)

    def lagg(self, proto: str = "failover", ports: tuple[str, ...] = ("fxp0", "fxp1"), **kw: Any) -> None:
        """Create lagg0 with ``proto`` and ``ports``, up, 198.18.0.1/24."""
        self.api("create")
        assert self.api("apply", arg={"proto": proto, "ports": list(ports), **kw}) == []
        self.a.ip("link", "set", "lagg0", "up")
        self.a.ip("addr", "add", f"{LAGG_ADDR}/24", "dev", "lagg0")

    def flags(self, name: str = "lagg0") -> list[list[Any]]:
        st = self.api("observe", name)
        return [[p[0], p[1]] for p in st["ports"]]

    def wait_flags(self, want: list[list[Any]], timeout: float = 3.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            got = self.flags()
            if got == want:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"flags {got}, wanted {want}")
            time.sleep(0.02)

    def daemon_pid(self, name: str = "lagg0") -> int:
        with open(f"{self.rundir}/{name}.pid") as f:
            return int(f.read().strip())

    # -- traffic --------------------------------------------------------------------------------

    def ping(
        self, count: int = 20, interval: float = 0.01, *, src: Netns | None = None, dst: str = PEER_ADDR
    ) -> dict[str, Any]:
        proc = (src or self.a).exec(PY, PING, dst, str(count), str(interval), "0.5")
        result: dict[str, Any] = json.loads(proc.stdout)
        return result

    def wait_ping(self, timeout: float = 5.0) -> None:
        """Until one echo round-trip works (bridge learning, ARP)."""
        deadline = time.monotonic() + timeout
        while self.ping(1, 0.01)["received"] != 1:
            if time.monotonic() > deadline:
                raise AssertionError("no ping through lagg0")

    def iperf(self, seconds: float = 2.0, *, reverse: bool = False, streams: int = 1) -> float:
        """iperf3 from A to B (or B to A with ``reverse``); returns received Gbit/s."""
        server = self.b.spawn("iperf3", "-s", "-1", "-B", PEER_ADDR, stdout=subprocess.DEVNULL)
        time.sleep(0.3)
        argv = ["iperf3", "-c", PEER_ADDR, "-t", str(seconds), "-J", "-P", str(streams)]
        if reverse:
            argv.append("-R")
        proc = self.a.exec(*argv, check=False)
        server.wait(10)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
        end = json.loads(proc.stdout)["end"]
        return float(end["sum_received"]["bits_per_second"]) / 1e9

    def link_json(self, name: str) -> dict[str, Any]:
        return self.a.link(name)

    def tx_packets(self, name: str) -> int:
        (obj,) = json.loads(run(["ip", "-n", self.a.name, "-j", "-s", "link", "show", "dev", name]).stdout)
        return int(obj["stats64"]["tx"]["packets"])

    # -- cleanup --------------------------------------------------------------------------------

    def close(self) -> None:
        """End the laggd processes started in namespaces A and B; remove their run directories."""
        for ns in (self.a, self.b):
            rundir = f"{RUN_ROOT}/ns-{ns_inode(ns)}"
            for pidfile in glob.glob(f"{rundir}/*.pid"):
                with contextlib.suppress(OSError, ValueError):
                    with open(pidfile) as f:
                        pid = int(f.read().strip())
                    if _in_namespace(pid, ns):
                        os.kill(pid, signal.SIGKILL)
                        _wait_gone(pid)
            shutil.rmtree(rundir, ignore_errors=True)


def _in_namespace(pid: int, ns: Netns) -> bool:
    try:
        return os.stat(f"/proc/{pid}/ns/net").st_ino == ns_inode(ns)
    except OSError:
        return False


def _wait_gone(pid: int, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/status") as f:
                if any(line.startswith("State:") and "Z" in line.split()[1] for line in f):
                    return
        except OSError:
            return
        time.sleep(0.01)


@pytest.fixture
def lab_registry() -> Iterator[NetnsRegistry]:
    require_netns()
    require_tools("nft", "iperf3")
    with NetnsRegistry(prefix="ld") as registry:
        yield registry


@pytest.fixture
def lab(lab_registry: NetnsRegistry) -> Iterator[LaggLab]:
    lab = LaggLab(lab_registry)
    try:
        yield lab
    finally:
        lab.close()
