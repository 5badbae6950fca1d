"""Interface states and options for the status golden files (``tests/golden/``).

Each ``Case`` names its golden file; ``test_status.py`` renders the state and
compares the bytes.  The states mirror the spec's worked examples (§5.5) and
the Handbook's samples; comments say where each comes from.

To regenerate after a deliberate change: ``LAGG_GOLDEN_UPDATE=1 pytest
tests/unit/test_status.py``, then review every diff by eye against the spec.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from lagg_ifconfig.model import (
    DEFAULT_HASH,
    Address,
    IfFlag,
    InterfaceState,
    LacpId,
    LacpPortInfo,
    LacpState,
    LaggOption,
    LaggProto,
    LaggStatus,
    Nd6Flag,
    PortFlag,
    PortStatus,
)
from lagg_ifconfig.status import RenderOptions

F = IfFlag
UP_ETHER = F.UP | F.BROADCAST | F.RUNNING | F.SIMPLEX | F.MULTICAST  # 8843
UP_LINK = UP_ETHER | F.LOWER_UP  # 1008843
DOWN_ETHER = F.BROADCAST | F.SIMPLEX | F.MULTICAST  # 8802
ND6_DEFAULT = Nd6Flag.PERFORMNUD | Nd6Flag.AUTO_LINKLOCAL  # 21
ND6_NETIF = ND6_DEFAULT | Nd6Flag.IFDISABLED  # 29
LAGG_MAC = "00:05:5d:71:8d:b8"
LAGG_MAC_BYTES = bytes.fromhex("00055d718db8")
SWITCH_MAC = bytes.fromhex("000e83aabbcc")
ACTIVE_LACP = PortFlag.ACTIVE | PortFlag.COLLECTING | PortFlag.DISTRIBUTING  # 1c
AGGREGATED = (
    LacpState.ACTIVITY | LacpState.AGGREGATION | LacpState.SYNC | LacpState.COLLECTING | LacpState.DISTRIBUTING
)  # 3d


@dataclass(frozen=True)
class Case:
    golden: str  # path under tests/golden/
    state: InterfaceState
    opts: RenderOptions


def _lagg_state(lagg: LaggStatus, **changes: Any) -> InterfaceState:
    base = InterfaceState(
        name="lagg0",
        index=5,
        flags=UP_LINK,
        mtu=1500,
        lladdr=LAGG_MAC,
        kind="lagg",
        options=0x8,
        addresses=(Address("inet", "10.0.0.15", 24, broadcast="10.0.0.255"),),
        groups=("lagg",),
        media="Ethernet autoselect",
        status="active",
        nd6=ND6_NETIF,
        lagg=lagg,
    )
    return replace(base, **changes)


def _failover(ports: tuple[PortStatus, ...], active: int = 2) -> LaggStatus:
    return LaggStatus(
        proto=LaggProto.FAILOVER,
        hash=DEFAULT_HASH,
        options=LaggOption.USE_NUMA,
        flowid_shift=16,
        rr_limit=0,
        ports=ports,
        active_ports=active,
    )


#: spec §5.5: ``ifconfig lagg0 up laggproto failover laggport fxp0 laggport fxp1 10.0.0.15/24``.
FAILOVER_LAGG = _failover(
    (PortStatus("fxp0", 2, PortFlag.MASTER | PortFlag.ACTIVE), PortStatus("fxp1", 3, PortFlag(0)))
)
FAILOVER = _lagg_state(FAILOVER_LAGG)

#: The Handbook's failover sample (FreeBSD <= 9 era): no groups, no nd6 line.
FAILOVER_HANDBOOK = replace(FAILOVER, flags=UP_ETHER, groups=(), nd6=None)

#: The Handbook's LACP sample: both ports aggregated, no address shown.
LACP_HANDBOOK = replace(
    FAILOVER_HANDBOOK,
    addresses=(),
    lagg=replace(
        FAILOVER_LAGG,
        proto=LaggProto.LACP,
        ports=(PortStatus("fxp0", 3, ACTIVE_LACP), PortStatus("fxp1", 4, ACTIVE_LACP)),
    ),
)

#: Failover with fxp0's link lost: MASTER stays on fxp0, ACTIVE moves to fxp1 (spec §3.2).
FAILOVER_MASTER_LOST = replace(
    FAILOVER,
    lagg=_failover(
        (PortStatus("fxp0", 2, PortFlag.MASTER), PortStatus("fxp1", 3, PortFlag.ACTIVE)),
        active=1,
    ),
)

#: ``ifconfig lagg0 create up``: no ports, MAC all zeros, no carrier, no LOWER_UP.
LAGG_EMPTY = _lagg_state(
    _failover((), active=0),
    flags=UP_ETHER,
    lladdr="00:00:00:00:00:00",
    options=None,
    addresses=(),
    status="no carrier",
    nd6=ND6_DEFAULT,
)


def _lacp_port(name: str, index: int, partner_port: int) -> PortStatus:
    return PortStatus(
        name,
        index,
        ACTIVE_LACP,
        LacpPortInfo(
            actor_state=AGGREGATED,
            actor=LacpId(0x8000, LAGG_MAC_BYTES, 0x146, 0x8000, index),
            partner=LacpId(0x8000, SWITCH_MAC, 0x1, 0x8000, partner_port),
            partner_state=AGGREGATED,
        ),
    )


#: spec §5.5: ``ifconfig -v lagg0``, lacp, both ports aggregated with a switch.
LACP_LAGG = LaggStatus(
    proto=LaggProto.LACP,
    hash=DEFAULT_HASH,
    options=LaggOption.USE_NUMA | LaggOption.LACP_STRICT,
    flowid_shift=16,
    rr_limit=0,
    ports=(_lacp_port("fxp0", 3, 0x101), _lacp_port("fxp1", 4, 0x102)),
    active_ports=2,
    lag_id=(LacpId(0x8000, LAGG_MAC_BYTES, 0x146, 0, 0), LacpId(0x8000, SWITCH_MAC, 0x1, 0, 0)),
    backend="userspace",
)
LACP = _lagg_state(LACP_LAGG, addresses=(Address("inet", "10.0.0.3", 24, broadcast="10.0.0.255"),))

_DEFAULTED = LacpState.ACTIVITY | LacpState.AGGREGATION | LacpState.DEFAULTED  # 45


def _lacp_lonely(name: str, index: int) -> PortStatus:
    return PortStatus(
        name,
        index,
        PortFlag(0),
        LacpPortInfo(
            actor_state=_DEFAULTED,
            actor=LacpId(0x8000, LAGG_MAC_BYTES, 0x146, 0x8000, index),
            partner=LacpId(0xFFFF, bytes(6), 0, 0xFFFF, 0),  # strict-mode admin defaults (spec §4.5)
        ),
    )


#: lacp without a partner (spec §4.4): no port selected, ``lag id`` all zeros, link down.
LACP_LONELY = replace(
    LACP,
    flags=UP_ETHER,
    status="no carrier",
    lagg=replace(
        LACP_LAGG,
        ports=(_lacp_lonely("fxp0", 3), _lacp_lonely("fxp1", 4)),
        active_ports=0,
        lag_id=None,
    ),
)

#: roundrobin with ``rr_limit 100``; both ports up.
ROUNDROBIN = _lagg_state(
    LaggStatus(
        proto=LaggProto.ROUNDROBIN,
        hash=DEFAULT_HASH,
        options=LaggOption.USE_NUMA,
        flowid_shift=16,
        rr_limit=100,
        ports=(PortStatus("fxp0", 2, PortFlag.ACTIVE), PortStatus("fxp1", 3, PortFlag.ACTIVE)),
        active_ports=2,
    )
)

#: The Handbook's ``ifconfig bge0`` sample (wireless failover example), as equivalent data.
BGE0_HANDBOOK = InterfaceState(
    name="bge0",
    index=2,
    flags=UP_LINK,
    mtu=1500,
    lladdr="00:21:70:DA:AE:37",  # normalised to lower case on output
    options=0x19B,
    addresses=(Address("inet6", "fe80::221:70ff:feda:ae37", 64, scope_id=2),),
    media="Ethernet autoselect (1000baseT <full-duplex>)",
    status="active",
    nd6=ND6_NETIF,
)

#: A veth-like NIC after the issue's commands: description, inet, inet6 (link-local listed first
#: by the kernel: FreeBSD 14 sorts inet before inet6).
VETH_UP = InterfaceState(
    name="bge0",
    index=2,
    flags=UP_LINK,
    mtu=1500,
    lladdr="00:21:70:da:ae:37",
    description="uplink",
    addresses=(
        Address("inet6", "fe80::221:70ff:feda:ae37", 64, scope_id=2),
        Address("inet", "198.18.0.15", 24, broadcast="198.18.0.255"),
        Address("inet", "198.18.0.16", 32),
        Address("inet6", "2001:db8::1", 64, flags=("tentative",)),
    ),
    media="Ethernet autoselect (10Gbase-T <full-duplex>)",
    status="active",
    nd6=ND6_DEFAULT,
    speed_mbps=10000,
)

#: ``ifconfig bge0 down`` with the peer gone: no UP/RUNNING/LOWER_UP, no carrier.
VETH_DOWN = replace(
    VETH_UP,
    flags=DOWN_ETHER,
    description=None,
    addresses=(Address("inet6", "fe80::221:70ff:feda:ae37", 64, scope_id=2),),
    media="Ethernet autoselect",
    status="no carrier",
    speed_mbps=None,
)

#: lo0 in FreeBSD's form (no link line, no media/status).
LO0 = InterfaceState(
    name="lo0",
    index=1,
    flags=F.UP | F.LOOPBACK | F.RUNNING | F.MULTICAST | F.LOWER_UP,
    mtu=16384,
    link_type="loopback",
    addresses=(
        Address("inet", "127.0.0.1", 8),
        Address("inet6", "::1", 128),
        Address("inet6", "fe80::1", 64, scope_id=1),
    ),
    groups=("lo",),
    nd6=ND6_DEFAULT,
)

#: A lagg port: MAC rewritten to the lagg's, so FreeBSD 12+ shows the hardware address.
PORT_FXP1 = InterfaceState(
    name="fxp1",
    index=3,
    flags=UP_LINK,
    mtu=1500,
    lladdr=LAGG_MAC,
    hwaddr="00:05:5d:71:8d:b9",
    media="Ethernet autoselect (100baseTX <full-duplex>)",
    status="active",
    master="lagg0",
)

V14 = RenderOptions()
V14V = RenderOptions(verbose=True)
V10 = RenderOptions(dialect="V10")
V10V = RenderOptions(dialect="V10", verbose=True)
V9 = RenderOptions(dialect="V9")

CASES: tuple[Case, ...] = (
    Case("V14/failover.txt", FAILOVER, V14),
    Case("V14/failover_verbose.txt", FAILOVER, V14V),
    Case("V12/failover.txt", FAILOVER, RenderOptions(dialect="V12")),
    Case("V10/failover.txt", FAILOVER, V10),
    Case("V10/failover_verbose.txt", FAILOVER, V10V),
    Case("V9/failover_handbook.txt", FAILOVER_HANDBOOK, V9),
    Case("V9/lacp_handbook.txt", LACP_HANDBOOK, V9),
    Case("V14/failover_master_lost.txt", FAILOVER_MASTER_LOST, V14),
    Case("V14/lagg_empty.txt", LAGG_EMPTY, V14),
    Case("V14/lacp.txt", LACP, V14),
    Case("V14/lacp_verbose.txt", LACP, V14V),
    Case("V10/lacp_verbose.txt", LACP, V10V),
    Case("V9/lacp_verbose.txt", LACP, RenderOptions(dialect="V9", verbose=True)),
    Case("V14/lacp_not_negotiated.txt", LACP_LONELY, V14),
    Case("V14/lacp_not_negotiated_verbose.txt", LACP_LONELY, V14V),
    Case("V14/roundrobin_verbose.txt", ROUNDROBIN, V14V),
    Case("V10/bge0_handbook.txt", BGE0_HANDBOOK, V10),
    Case("V14/bge0_handbook.txt", BGE0_HANDBOOK, V14),
    Case("V14/veth_up.txt", VETH_UP, V14),
    Case("V14/veth_down.txt", VETH_DOWN, V14),
    Case("V14/veth_up_inet.txt", VETH_UP, RenderOptions(family="inet")),
    Case("V14/veth_up_inet6.txt", VETH_UP, RenderOptions(family="inet6")),
    Case("V14/veth_up_ether.txt", VETH_UP, RenderOptions(family="ether")),
    Case("V14/veth_up_cidr_dash.txt", VETH_UP, RenderOptions(formats={"inet": "cidr", "ether": "dash"})),
    Case(
        "V14/veth_up_dotted_inet6cidr.txt",
        VETH_UP,
        RenderOptions(formats={"inet": "dotted", "ether": "dotted", "inet6": "cidr"}),
    ),
    Case("V10/veth_up.txt", VETH_UP, V10V),
    Case("V14/lo0.txt", LO0, V14),
    Case("V10/lo0.txt", LO0, V10V),
    Case("V14/port_fxp1.txt", PORT_FXP1, V14),
    Case("MAIN/lacp_verbose.txt", LACP, RenderOptions(dialect="MAIN", verbose=True)),
)
