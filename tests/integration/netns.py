"""Network namespaces for integration tests: create, populate, enter, clean up.

Theory of operation
-------------------
Every integration test works inside network namespaces *it* creates, so it
never touches the host's interfaces and tests can run in parallel.  A
:class:`NetnsRegistry` is the single owner of everything a test creates:

* :meth:`NetnsRegistry.create` makes a namespace with a unique name
  (``<prefix><8 hex digits>``, 10 characters by default), brings its ``lo``
  up and, unless ``ipv6=True``, switches IPv6 off (``all`` and ``default``
  ``disable_ipv6=1``: no link-local addresses, no router solicitations), as
  the lab's ``netns-pair.sh`` does.
* :meth:`NetnsRegistry.veth` adds a veth pair with any names (``fxp0``,
  ``bge0``...) directly inside one or two namespaces (never in the caller's),
  optionally sets both ends up and waits for operstate UP: the kernel reports
  carrier at once but operstate about a second later (lab README, pitfalls).
* :meth:`Netns.spawn` starts a long-running process inside a namespace and
  registers its PID; :meth:`NetnsRegistry.close` terminates exactly those
  PIDs (SIGTERM, then SIGKILL after a grace period), never anything found by
  name, and then deletes the namespaces (their veths go with them).

Reading and changing state from *outside* the code under test goes through
``ip -n NS`` (an independent tool): :meth:`Netns.ip_json` returns the parsed
``ip -j`` output.  To run code under test *inside* a namespace in this very
process, use ``with ns.entered():`` — it moves the calling thread into the
namespace with setns(2) (through ctypes: Python 3.11 has no ``os.setns``) and
back afterwards.  Sockets opened inside stay bound to the namespace;
``/proc/sys/net`` follows the thread's namespace; ``/sys`` does not (it shows
the namespace ``/sys`` was mounted in), so code under test must not rely on it.

Prerequisites (root, ``ip``) are checked by :func:`require_netns`: with
``CI=true`` a missing one *fails* the test, elsewhere it skips it.

Typical use (the fixtures live in ``conftest.py``)::

    def test_mtu(netns_registry: NetnsRegistry) -> None:
        ns = netns_registry.create()
        netns_registry.veth(ns, "bge0", ns, "bge1")
        ns.ip("link", "set", "bge0", "mtu", "9000")
        assert ns.link("bge0")["mtu"] == 9000
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

__all__ = ["Netns", "NetnsRegistry", "require_netns"]

CLONE_NEWNET = 0x40000000
NETNS_RUN_DIR = "/run/netns"
#: How long ``close`` waits for a spawned process after SIGTERM.
TERM_GRACE_S = 3.0

_libc: ctypes.CDLL | None = None


def _setns(fd: int) -> None:
    """setns(fd, CLONE_NEWNET) for the calling thread (ctypes; 3.11 has no os.setns)."""
    global _libc  # noqa: PLW0603 - loaded once, on first use
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), "setns")


def require_netns() -> None:
    """Fail (CI=true) or skip (elsewhere) unless namespaces can be made here."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root")
    if shutil.which("ip") is None:
        missing.append("iproute2 (ip)")
    if not missing:
        return
    reason = "network-namespace tests need " + " and ".join(missing)
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " (CI=true: a skip would be a failure)")
    pytest.skip(reason)


def run(argv: Sequence[str], *, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` and return its result; on failure the error names the command and its stderr."""
    proc = subprocess.run(list(argv), input=input, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"command failed ({proc.returncode}): {' '.join(argv)}\nstdout: {proc.stdout}\nstderr: {proc.stderr}"
        )
    return proc


class Netns:
    """One network namespace created by a :class:`NetnsRegistry`."""

    def __init__(self, registry: NetnsRegistry, name: str) -> None:
        self.registry = registry
        self.name = name

    def __repr__(self) -> str:
        return f"Netns({self.name!r})"

    # -- commands -------------------------------------------------------------------------------

    def exec(self, *argv: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run a command inside the namespace (``ip netns exec``), wait for it, return its result."""
        return run(["ip", "netns", "exec", self.name, *argv], check=check, input=input)

    def ip(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``ip -n NS ARGS...``."""
        return run(["ip", "-n", self.name, *args], check=check)

    def ip_json(self, *args: str) -> Any:
        """``ip -n NS -j -d ARGS...`` parsed (a list of objects for ``link``/``addr`` shows)."""
        out = run(["ip", "-n", self.name, "-j", "-d", *args]).stdout
        return json.loads(out) if out.strip() else []

    def link(self, name: str) -> dict[str, Any]:
        """``ip -j -d link show dev NAME`` as one object."""
        (obj,) = self.ip_json("link", "show", "dev", name)
        assert isinstance(obj, dict)
        return obj

    def addrs(self, name: str) -> list[dict[str, Any]]:
        """The ``addr_info`` list of ``ip -j -d addr show dev NAME``."""
        (obj,) = self.ip_json("addr", "show", "dev", name)
        info = obj.get("addr_info", [])
        assert isinstance(info, list)
        return info

    def sysctl(self, key: str, value: str | None = None) -> str:
        """Read (``value`` None) or write a sysctl of this namespace (``net.ipv6.conf.fxp0.mtu``)."""
        if value is None:
            return self.exec("sysctl", "-n", key).stdout.strip()
        self.exec("sysctl", "-qw", f"{key}={value}")
        return value

    def spawn(self, *argv: str, **popen_kwargs: Any) -> subprocess.Popen[bytes]:
        """Start a long-running process inside the namespace; ``close`` ends it (by PID)."""
        proc = subprocess.Popen(["ip", "netns", "exec", self.name, *argv], **popen_kwargs)
        self.registry.processes.append(proc)
        return proc

    # -- state ----------------------------------------------------------------------------------

    def wait_operstate(self, *names: str, state: str = "UP", timeout: float = 5.0) -> None:
        """Wait until every named link reports ``operstate`` ``state`` (carrier alone is not enough)."""
        deadline = time.monotonic() + timeout
        while True:
            states = {n: self.link(n).get("operstate") for n in names}
            if all(s == state for s in states.values()):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: operstate {states} after {timeout} s, wanted {state}")
            time.sleep(0.05)

    def enable_ipv6(self, *links: str) -> None:
        """Switch IPv6 on for the namespace defaults (and for the given existing links)."""
        for conf in ("all", "default", *links):
            self.sysctl(f"net.ipv6.conf.{conf}.disable_ipv6", "0")

    @contextlib.contextmanager
    def entered(self) -> Iterator[None]:
        """Move the calling thread into this namespace for the ``with`` block, then back.

        Sockets opened inside stay in this namespace after the block.
        """
        with (
            open("/proc/thread-self/ns/net", "rb") as home,
            open(f"{NETNS_RUN_DIR}/{self.name}", "rb") as target,
        ):
            _setns(target.fileno())
            try:
                yield
            finally:
                _setns(home.fileno())


class NetnsRegistry:
    """Creates namespaces and veths, and removes all of it (and only it) at ``close``."""

    def __init__(self, prefix: str = "rt") -> None:
        if not (prefix.isalnum() and prefix.islower() and 1 <= len(prefix) <= 6):
            raise ValueError(f"prefix must be 1-6 lower-case letters/digits: {prefix!r}")
        self.prefix = prefix
        self.namespaces: list[Netns] = []
        self.processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> NetnsRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def create(self, *, ipv6: bool = False, lo_up: bool = True) -> Netns:
        """A new namespace with a unique name; IPv6 off unless ``ipv6``."""
        name = f"{self.prefix}{secrets.token_hex(4)}"
        run(["ip", "netns", "add", name])
        ns = Netns(self, name)
        self.namespaces.append(ns)
        if not ipv6:
            ns.exec("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
        if lo_up:
            ns.ip("link", "set", "lo", "up")
        return ns

    def veth(
        self,
        ns: Netns,
        name: str,
        peer_ns: Netns | None = None,
        peer_name: str | None = None,
        *,
        up: bool = True,
        wait: bool = True,
    ) -> None:
        """A veth pair ``ns:name`` <-> ``peer_ns:peer_name`` (default: same namespace / ``name`` + "p").

        With ``up`` both ends are set up; with ``wait`` too, returns once both report operstate UP.
        """
        peer_ns = peer_ns or ns
        peer_name = peer_name or f"{name}p"
        run(
            [
                "ip",
                "link",
                "add",
                name,
                "netns",
                ns.name,
                "type",
                "veth",
                "peer",
                "name",
                peer_name,
                "netns",
                peer_ns.name,
            ]
        )
        if up:
            ns.ip("link", "set", name, "up")
            peer_ns.ip("link", "set", peer_name, "up")
            if wait:
                ns.wait_operstate(name)
                peer_ns.wait_operstate(peer_name)

    def pair(
        self, names: Sequence[str], peer_names: Sequence[str] | None = None, *, ipv6: bool = False
    ) -> tuple[Netns, Netns]:
        """Two new namespaces joined by one veth pair per name (both ends up, operstate UP)."""
        a, b = self.create(ipv6=ipv6), self.create(ipv6=ipv6)
        for name, peer in zip(names, peer_names or names, strict=True):
            self.veth(a, name, b, peer, wait=False)
        a.wait_operstate(*names)
        b.wait_operstate(*(peer_names or names))
        return a, b

    def close(self) -> None:
        """End the processes we started (by PID), then delete our namespaces. Idempotent."""
        for proc in self.processes:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(TERM_GRACE_S)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.processes.clear()
        errors = []
        for ns in reversed(self.namespaces):
            if os.path.exists(f"{NETNS_RUN_DIR}/{ns.name}"):
                res = run(["ip", "netns", "del", ns.name], check=False)
                if res.returncode != 0:
                    errors.append(f"{ns.name}: {res.stderr.strip()}")
        self.namespaces.clear()
        if errors:
            raise AssertionError("namespace cleanup failed: " + "; ".join(errors))
