"""Shared helpers for the laggd benchmarks: namespaces, veths, the userspace API, cleanup.

Everything runs in namespaces this module creates (prefix + random suffix) with addresses from
198.18.0.0/15; ``Lab.close`` ends only the processes it started (and the laggd processes
living in its own namespaces) and deletes the namespaces.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
API = str(ROOT / "tests" / "integration" / "laggd_api.py")
PY = sys.executable
RUN_ROOT = "/run/lagg_ifconfig"


def sh(argv: Sequence[str], *, check: bool = True, input: str | None = None) -> str:
    proc = subprocess.run(list(argv), capture_output=True, text=True, check=False, input=input)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {proc.stderr.strip()}")
    return proc.stdout


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


class Ns:
    def __init__(self, name: str) -> None:
        self.name = name
        sh(["ip", "netns", "add", name])
        self.exec("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
        self.ip("link", "set", "lo", "up")

    def exec(self, *argv: str, check: bool = True) -> str:
        return sh(["ip", "netns", "exec", self.name, *argv], check=check)

    def ip(self, *args: str) -> str:
        return sh(["ip", "-n", self.name, *args])

    def popen(self, *argv: str, **kw: Any) -> subprocess.Popen[str]:
        return subprocess.Popen(["ip", "netns", "exec", self.name, *argv], text=True, **kw)

    @property
    def inode(self) -> int:
        return os.stat(f"/run/netns/{self.name}").st_ino


class Lab:
    """Namespaces, veths and laggs for one benchmark run."""

    def __init__(self, prefix: str) -> None:
        self.prefix = f"{prefix}{secrets.token_hex(3)}"
        self.namespaces: list[Ns] = []
        self.procs: list[subprocess.Popen[str]] = []

    def ns(self, tag: str) -> Ns:
        ns = Ns(f"{self.prefix}{tag}")
        self.namespaces.append(ns)
        return ns

    def veth(self, a: Ns, name: str, b: Ns, peer: str, index: int, *, addr: tuple[str, str] | None = None) -> None:
        """A veth pair with distinct ifindexes (urgent linkwatch events), both ends up."""
        ours = ["ip", "link", "add", name, "index", str(index), "netns", a.name]
        sh([*ours, "type", "veth", "peer", "name", peer, "index", str(index + 100), "netns", b.name])
        a.ip("link", "set", name, "up")
        b.ip("link", "set", peer, "up")
        if addr:
            a.ip("addr", "add", addr[0], "dev", name)
            b.ip("addr", "add", addr[1], "dev", peer)

    def api(self, ns: Ns, op: str, name: str = "lagg0", arg: Any = None) -> Any:
        argv = [PY, API, op, name] + ([json.dumps(arg)] if arg is not None else [])
        out = json.loads(ns.exec(*argv))
        if not out["ok"]:
            raise RuntimeError(f"{op}: {out['error']}")
        return out["result"]

    def laggd_pid(self, ns: Ns, name: str = "lagg0") -> int:
        with open(f"{RUN_ROOT}/ns-{ns.inode}/{name}.pid") as f:
            return int(f.read())

    def spawn(self, ns: Ns, *argv: str, **kw: Any) -> subprocess.Popen[str]:
        p = ns.popen(*argv, **kw)
        self.procs.append(p)
        return p

    def wait_up(self, ns: Ns, *links: str, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        for link in links:
            while json.loads(ns.ip("-j", "link", "show", link))[0]["operstate"] != "UP":
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{link} not up")
                time.sleep(0.05)

    def close(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(3)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        for ns in self.namespaces:
            rundir = f"{RUN_ROOT}/ns-{ns.inode}" if os.path.exists(f"/run/netns/{ns.name}") else ""
            for pidfile in glob.glob(f"{rundir}/*.pid") if rundir else []:
                with contextlib.suppress(OSError, ValueError):
                    with open(pidfile) as f:
                        pid = int(f.read())
                    if os.stat(f"/proc/{pid}/ns/net").st_ino == ns.inode:
                        os.kill(pid, signal.SIGKILL)
            if rundir:
                shutil.rmtree(rundir, ignore_errors=True)
        time.sleep(0.1)
        for ns in reversed(self.namespaces):
            sh(["ip", "netns", "del", ns.name], check=False)


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")
