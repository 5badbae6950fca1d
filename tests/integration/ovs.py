"""Open vSwitch as a real LACP partner, in a namespace of ours (userspace datapath, no kernel module).

``OvsBond(netns, members, ...)`` starts ``ovsdb-server`` and ``ovs-vswitchd`` in the namespace named
``netns`` as children of the caller (``close`` ends them by PID), all state in a private directory;
bridge ``ovsbr`` (``datapath_type=netdev``: its internal port is a TAP, its members are opened with
AF_PACKET) with bond ``bond0`` over ``members`` (none: ``add_bond`` adds it later).  The system id is fixed
(:data:`SYSTEM_ID`) so status texts can be compared exactly.

The peer namespace's kernel also sees frames on the members (the netdev datapath taps them with
AF_PACKET), so ``arp_ignore=1`` stops it answering ARP for the bridge's address from a member.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass

from tests.integration.netns import run

SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
SYSTEM_ID = "02:00:00:00:0b:01"
BRIDGE = "ovsbr"
BOND = "bond0"


@dataclass(frozen=True)
class OvsMember:
    """One member as ``lacp/show``, ``lacp/show-stats`` and ``bond/show`` report it."""

    name: str
    status: str  # "current attached", "expired attached", "defaulted detached" ...
    enabled: bool
    port_id: int
    port_priority: int
    partner_sys_id: str
    partner_key: int
    partner_port_id: int
    partner_state: str
    rx_bad_pdus: int


class OvsBond:
    """An OVS bond in namespace ``netns`` (see the module docstring); ``close`` stops both daemons."""

    def __init__(
        self,
        netns: str,
        members: Sequence[str],
        *,
        lacp: str = "active",
        lacp_time: str = "fast",
        address: str | None = None,
        system_id: str = SYSTEM_ID,
    ) -> None:
        self.netns = netns
        self.dir = tempfile.mkdtemp(prefix="lagg-ovs-")
        self.env = {
            **os.environ,
            **{f"OVS_{k}DIR": self.dir for k in ("RUN", "LOG", "DB", "SYSCONF")},
            "OVS_PKGDATADIR": "/usr/share/openvswitch",
        }
        self.db = f"unix:{self.dir}/db.sock"
        self.procs: list[subprocess.Popen[bytes]] = []
        run(["ip", "netns", "exec", netns, "sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1"])
        run(["ovsdb-tool", "create", f"{self.dir}/conf.db", SCHEMA])
        self._spawn(
            "ovsdb-server", f"{self.dir}/conf.db", f"--remote=punix:{self.dir}/db.sock",
            f"--unixctl={self.dir}/ovsdb-server.ctl", "-vconsole:off", f"--log-file={self.dir}/ovsdb-server.log",
        )  # fmt: skip
        self._wait_file(f"{self.dir}/db.sock")
        self.vsctl("--no-wait", "init")
        self._spawn(
            "ovs-vswitchd", self.db, f"--unixctl={self.dir}/ovs-vswitchd.ctl", "-vconsole:off",
            f"--log-file={self.dir}/ovs-vswitchd.log",
        )  # fmt: skip
        self._wait_file(f"{self.dir}/ovs-vswitchd.ctl")
        # Without --no-wait, ovs-vsctl returns once ovs-vswitchd has applied the change.
        self.vsctl("add-br", BRIDGE, "--", "set", "bridge", BRIDGE, "datapath_type=netdev")
        self.lacp, self.lacp_time, self.system_id = lacp, lacp_time, system_id
        if members:
            self.add_bond(members)
        if address is not None:
            run(["ip", "-n", netns, "addr", "add", address, "dev", BRIDGE])
            run(["ip", "-n", netns, "link", "set", BRIDGE, "up"])

    def add_bond(self, members: Sequence[str]) -> None:
        """The LACP bond over ``members`` (returns once ovs-vswitchd has applied it)."""
        self.vsctl(
            "add-bond", BRIDGE, BOND, *members, f"lacp={self.lacp}", "bond_mode=balance-tcp",
            f"other_config:lacp-time={self.lacp_time}", f"other_config:lacp-system-id={self.system_id}",
        )  # fmt: skip

    def _spawn(self, *argv: str) -> None:
        proc = subprocess.Popen(
            ["ip", "netns", "exec", self.netns, *argv],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.procs.append(proc)

    def _wait_file(self, path: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not os.path.exists(path):
            for proc in self.procs:
                if proc.poll() is not None:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    raise AssertionError(f"{proc.args!r} ended ({proc.returncode}): {err}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{path} did not appear in {timeout} s")
            time.sleep(0.02)

    def vsctl(self, *args: str) -> str:
        return run(["ovs-vsctl", f"--db={self.db}", "--timeout=20", *args]).stdout

    def appctl(self, *args: str) -> str:
        return run(["ovs-appctl", "-t", f"{self.dir}/ovs-vswitchd.ctl", *args]).stdout

    def members(self) -> dict[str, OvsMember]:
        """Every member's LACP verdict, what OVS heard from us, and its bad-PDU count."""
        lacp = _sections(self.appctl("lacp/show", BOND), r"^member: (\S+): (.*)$")
        stats = _sections(self.appctl("lacp/show-stats", BOND), r"^member: (\S+):()$")
        enabled = dict(re.findall(r"^member (\S+): (enabled|disabled)$", self.appctl("bond/show", BOND), re.M))
        out = {}
        for name, (status, fields) in lacp.items():
            out[name] = OvsMember(
                name=name,
                status=status,
                enabled=enabled.get(name) == "enabled",
                port_id=int(fields["port_id"]),
                port_priority=int(fields["port_priority"]),
                partner_sys_id=fields["partner sys_id"],
                partner_key=int(fields["partner key"]),
                partner_port_id=int(fields["partner port_id"]),
                partner_state=fields["partner state"],
                rx_bad_pdus=int(stats[name][1]["RX Bad PDUs"]),
            )
        return out

    def wait_enabled(self, count: int, timeout: float = 10.0) -> dict[str, OvsMember]:
        deadline = time.monotonic() + timeout
        while True:
            members = self.members()
            if sum(m.enabled for m in members.values()) >= count:
                return members
            if time.monotonic() > deadline:
                raise AssertionError(f"OVS: {members}")
            time.sleep(0.05)

    def close(self) -> None:
        """Stop ovs-vswitchd, then ovsdb-server (our children, by PID); remove the state."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if proc.stderr is not None:
                proc.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def _sections(text: str, header: str) -> dict[str, tuple[str, dict[str, str]]]:
    """``member: NAME: ...`` blocks of an appctl report -> {NAME: (rest of header, {field: value})}."""
    out: dict[str, tuple[str, dict[str, str]]] = {}
    fields: dict[str, str] = {}
    for line in text.splitlines():
        m = re.match(header, line)
        if m:
            fields = {}
            out[m.group(1)] = (m.group(2), fields)
        elif ":" in line and out:
            key, _, value = line.strip().partition(":")
            fields.setdefault(key, value.strip())
    return out
