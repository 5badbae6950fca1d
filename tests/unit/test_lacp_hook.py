"""The laggd LACP hook (MachineHook) between two in-memory runtimes joined by wires.

The runtimes here stand in for laggd's ``Lagg`` only as far as the hook sees it (``transmit``,
``set_port`` and the lagg facts); the real runtime is exercised on veths by the integration tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lagg_ifconfig.laggd.lacp_hook import LacpHook, LacpPort, make_lacp_hook
from lagg_ifconfig.model import LacpState, PortFlag

AGGREGATED = PortFlag.ACTIVE | PortFlag.COLLECTING | PortFlag.DISTRIBUTING


@dataclass
class Member:
    name: str
    ifindex: int
    active: bool = True
    speed: int = 10_000
    full_duplex: bool = True
    mac: bytes = b"\x02\x00\x00\x00\x00\x01"


@dataclass
class Runtime:
    """What the hook may use of laggd's runtime; frames go into ``outbox``."""

    lladdr_bytes: bytes
    lagg_ifindex: int = 4
    running: bool = True
    outbox: list[tuple[str, bytes]] = field(default_factory=list)
    told: dict[str, tuple[bool, bool]] = field(default_factory=dict)

    def transmit(self, port: LacpPort, frame: bytes) -> None:
        self.outbox.append((port.name, frame))

    def set_port(self, port: LacpPort, *, collecting: bool, distributing: bool) -> None:
        self.told[port.name] = (collecting, distributing)


def exchange(sides: list[tuple[Runtime, LacpHook, dict[str, Member]]], wires: dict[str, str], now: float) -> None:
    """Deliver every frame in flight (``wires`` maps a port name to the one at the other end)."""
    by_port = {name: (hook, members[name]) for _, hook, members in sides for name in members}
    for _ in range(20):
        moved = False
        for runtime, _, _ in sides:
            out, runtime.outbox = runtime.outbox, []
            for port, frame in out:
                hook, member = by_port[wires[port]]
                hook.pdu_received(member, frame, now)
                moved = True
        if not moved:
            return


def test_two_hooks_aggregate_and_follow_renames_time_and_detach() -> None:
    a_rt, b_rt = Runtime(bytes.fromhex("020000000a01")), Runtime(bytes.fromhex("020000000b01"), lagg_ifindex=5)
    a_ports = {"fxp0": Member("fxp0", 10), "fxp1": Member("fxp1", 11)}
    b_ports = {"lp0": Member("lp0", 40), "lp1": Member("lp1", 41)}
    wires = {"fxp0": "lp0", "lp0": "fxp0", "fxp1": "lp1", "lp1": "fxp1"}
    a, b = make_lacp_hook(fast_timeout=True, strict=True), make_lacp_hook(fast_timeout=True, strict=True)
    now = 100.0
    for hook, rt, ports in ((a, a_rt, a_ports), (b, b_rt, b_ports)):
        hook.attach(rt, now)
        for member in ports.values():
            hook.port_added(member, now)
    sides: list[tuple[Runtime, LacpHook, dict[str, Member]]] = [(a_rt, a, a_ports), (b_rt, b, b_ports)]
    for step in range(40):  # 2 s of polls every 50 ms
        t = now + step * 0.05
        exchange(sides, wires, t)
        for hook in (a, b):
            d = hook.next_deadline()
            if d is not None and d <= t:
                hook.poll(t)
    assert a_rt.told == {"fxp0": (True, True), "fxp1": (True, True)}
    status = a.port_status(a_ports["fxp0"])
    assert status is not None
    flags, info = status
    assert flags == AGGREGATED
    assert info.actor_state & LacpState.DISTRIBUTING
    assert info.partner.system == b_rt.lladdr_bytes
    assert info.actor.port == 10
    assert a.lag_id() is not None

    # a rename keeps the port (the machine knows it by ifindex)
    renamed = Member("uplink0", 10)
    assert a.port_status(renamed) == status
    # the runtime reads its clock several times per iteration: an older "now" is no error
    a.poll(now)
    # the link goes: the port leaves at once
    a_ports["fxp1"].active = False
    a.port_changed(a_ports["fxp1"], now + 2.1)
    assert a_rt.told["fxp1"] == (False, False)
    left = a.port_status(a_ports["fxp1"])
    assert left is not None
    assert left[0] == PortFlag(0)
    # counters carry the machine's statistics
    assert a.counters()["lacp_lacpdus_rx"] > 0
    assert a.counters()["lacp_bad_pdus"] == 0
    # detach turns every port off in the datapath and forgets them
    a.detach(now + 2.2)
    assert a_rt.told == {"fxp0": (False, False), "fxp1": (False, False)}
    assert a.port_status(a_ports["fxp0"]) is None
    assert a.next_deadline() is None
