"""The interface model: FreeBSD's names and bit values, desired config, observed state.

Everything here is a frozen value shared between modules (house rule 4).  The
bit-flag classes carry FreeBSD's printed names as member names, and each has a
``BITS`` table in print order, so ``status.format_bits`` needs no branches.

Desired state (``InterfaceConfig``/``LaggConfig``) is what ``config.fold``
computes from commands; observed state (``InterfaceState``/``LaggStatus``) is
what a backend reads back.  Status text and JSON are rendered only from the
observed state.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_FLOWID_SHIFT",
    "DEFAULT_HASH",
    "LAGG_MAX_PORTS",
    "PROTO_BY_NAME",
    "Address",
    "HashLayer",
    "IfFlag",
    "InterfaceConfig",
    "InterfaceState",
    "LacpId",
    "LacpPortInfo",
    "LacpState",
    "LaggConfig",
    "LaggOption",
    "LaggProto",
    "LaggStatus",
    "Nd6Flag",
    "PortFlag",
    "PortStatus",
    "default_lagg_options",
]


class LaggProto(enum.Enum):
    """lagg(4) protocols; the value is the name FreeBSD 14 prints."""

    FAILOVER = "failover"
    LACP = "lacp"
    LOADBALANCE = "loadbalance"
    ROUNDROBIN = "roundrobin"
    BROADCAST = "broadcast"
    NONE = "none"


#: Words ``laggproto`` accepts, in FreeBSD 14's table order, plus the
#: Handbook's ``fec`` (FreeBSD <= 10: identical to loadbalance).
PROTO_BY_NAME: dict[str, LaggProto] = {
    "failover": LaggProto.FAILOVER,
    "lacp": LaggProto.LACP,
    "loadbalance": LaggProto.LOADBALANCE,
    "roundrobin": LaggProto.ROUNDROBIN,
    "broadcast": LaggProto.BROADCAST,
    "none": LaggProto.NONE,
    "default": LaggProto.FAILOVER,
    "fec": LaggProto.LOADBALANCE,
}


class HashLayer(enum.IntFlag):
    """``lagghash`` bits (spec §3.3); printed lower-case in this order."""

    L2 = 0x1
    L3 = 0x2
    L4 = 0x4


DEFAULT_HASH = HashLayer.L2 | HashLayer.L3 | HashLayer.L4
DEFAULT_FLOWID_SHIFT = 16
LAGG_MAX_PORTS = 32


class LaggOption(enum.IntFlag):
    """``ro_opts`` bits (spec §3.3), FreeBSD 14 names."""

    USE_FLOWID = 0x001
    USE_NUMA = 0x004
    LACP_STRICT = 0x010
    LACP_TXTEST = 0x020
    LACP_RXTEST = 0x040
    LACP_FAST_TIMO = 0x080


#: Options only the lacp protocol accepts (others: SIOCSLAGGOPTS EINVAL).
LACP_ONLY_OPTIONS = LaggOption.LACP_STRICT | LaggOption.LACP_TXTEST | LaggOption.LACP_RXTEST | LaggOption.LACP_FAST_TIMO


def default_lagg_options(proto: LaggProto) -> LaggOption:
    """Options of a new lagg / a protocol just set: USE_NUMA, plus LACP_STRICT for lacp (spec §3.3)."""
    opts = LaggOption.USE_NUMA
    if proto is LaggProto.LACP:
        opts |= LaggOption.LACP_STRICT
    return opts


class PortFlag(enum.IntFlag):
    """``laggport: X flags=`` bits (spec §3.2)."""

    MASTER = 0x01
    STACK = 0x02
    ACTIVE = 0x04
    COLLECTING = 0x08
    DISTRIBUTING = 0x10


class LacpState(enum.IntFlag):
    """802.1AX actor/partner state bits, FreeBSD's names (spec §4.1)."""

    ACTIVITY = 0x01
    TIMEOUT = 0x02
    AGGREGATION = 0x04
    SYNC = 0x08
    COLLECTING = 0x10
    DISTRIBUTING = 0x20
    DEFAULTED = 0x40
    EXPIRED = 0x80


class IfFlag(enum.IntFlag):
    """FreeBSD ``IFF_*`` values as printed by FreeBSD 14 (netlink names)."""

    UP = 0x1
    BROADCAST = 0x2
    DEBUG = 0x4
    LOOPBACK = 0x8
    POINTOPOINT = 0x10
    NEEDSEPOCH = 0x20
    RUNNING = 0x40
    NOARP = 0x80
    PROMISC = 0x100
    ALLMULTI = 0x200
    DRV_OACTIVE = 0x400
    SIMPLEX = 0x800
    LINK0 = 0x1000
    LINK1 = 0x2000
    LINK2 = 0x4000
    MULTICAST = 0x8000
    CANTCONFIG = 0x10000
    PPROMISC = 0x20000
    MONITOR = 0x40000
    STATICARP = 0x80000
    STICKYARP = 0x100000
    DYING = 0x200000
    RENAMING = 0x400000
    PALLMULTI = 0x800000
    LOWER_UP = 0x1000000


class Nd6Flag(enum.IntFlag):
    """``nd6 options=`` bits (spec §5.2)."""

    PERFORMNUD = 0x1
    ACCEPT_RTADV = 0x2
    PREFER_SOURCE = 0x4
    IFDISABLED = 0x8
    DONT_SET_IFROUTE = 0x10
    AUTO_LINKLOCAL = 0x20
    NO_RADR = 0x40
    NO_PREFER_IFACE = 0x80
    NO_DAD = 0x100
    DEFAULTIF = 0x8000


@dataclass(frozen=True)
class Address:
    """One interface address.

    ``family`` is ``"inet"`` or ``"inet6"``; ``address`` the text form without
    prefix; ``broadcast`` only for inet; ``scope_id`` (ifindex) for IPv6
    link-local; ``flags`` the FreeBSD words printed after ``prefixlen``
    (``tentative``, ``deprecated``, ``duplicated``, ``autoconf``...).
    """

    family: str
    address: str
    prefixlen: int
    broadcast: str | None = None
    peer: str | None = None
    scope_id: int = 0
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class LacpId:
    """An LACP (system priority, system MAC, key, port priority, port) tuple (spec §4.5).

    ``system`` is six bytes; the aggregator id in ``lag id:`` has port
    priority and port number 0.
    """

    system_priority: int
    system: bytes
    key: int
    port_priority: int
    port: int

    @classmethod
    def zero(cls) -> LacpId:
        return cls(0, bytes(6), 0, 0, 0)


@dataclass(frozen=True)
class LacpPortInfo:
    """Per-port LACP facts for ``ifconfig -v`` (actor state and both ids)."""

    actor_state: LacpState
    actor: LacpId
    partner: LacpId
    partner_state: LacpState = LacpState(0)


@dataclass(frozen=True)
class LaggConfig:
    """Desired lagg settings.

    ``ports`` are in the order they were added (failover's primary is the
    first); status prints them in ascending ifindex instead (spec §3.4 step 12).
    ``rr_limit`` 0 means "not set" (stride 1).
    """

    proto: LaggProto = LaggProto.FAILOVER
    ports: tuple[str, ...] = ()
    hash: HashLayer = DEFAULT_HASH
    options: LaggOption = LaggOption.USE_NUMA
    flowid_shift: int = DEFAULT_FLOWID_SHIFT
    rr_limit: int = 0
    laggtype: str = "ethernet"


@dataclass(frozen=True)
class InterfaceConfig:
    """What the user wants an interface to be (``None`` = leave as is)."""

    name: str
    up: bool | None = None
    mtu: int | None = None
    lladdr: str | None = None
    description: str | None = None
    metric: int | None = None
    addresses: tuple[Address, ...] = ()
    nd6_set: Nd6Flag = Nd6Flag(0)
    nd6_clear: Nd6Flag = Nd6Flag(0)
    lagg: LaggConfig | None = None


@dataclass(frozen=True)
class PortStatus:
    """One ``laggport:`` line."""

    name: str
    ifindex: int
    flags: PortFlag
    lacp: LacpPortInfo | None = None


@dataclass(frozen=True)
class LaggStatus:
    """The lagg block of ``ifconfig lagg0`` (spec §5.3); ports in print order."""

    proto: LaggProto
    hash: HashLayer
    options: LaggOption
    flowid_shift: int
    rr_limit: int
    ports: tuple[PortStatus, ...]
    active_ports: int
    flapping: int = 0
    lag_id: tuple[LacpId, LacpId] | None = None
    backend: str = ""
    deviations: tuple[str, ...] = ()
    #: Backend counters (frames, drops, LACP PDUs ...) by name, sorted; never printed as FreeBSD text.
    counters: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class InterfaceState:
    """An interface as observed, already in FreeBSD's terms.

    ``flags`` are FreeBSD IFF bits (the mapping from Linux lives in
    ``linux.rtnl``); ``media`` is the text after ``media: `` (``None`` = no
    media line), ``status`` the text after ``status: `` (``None`` = no line);
    ``link_type`` is ``"ether"``, ``"loopback"`` or ``"none"`` and selects the
    link-address line.
    """

    name: str
    index: int
    flags: IfFlag
    mtu: int
    metric: int = 0
    link_type: str = "ether"
    lladdr: str | None = None
    hwaddr: str | None = None
    kind: str = ""
    description: str | None = None
    options: int | None = None
    addresses: tuple[Address, ...] = ()
    groups: tuple[str, ...] = ()
    media: str | None = None
    status: str | None = None
    nd6: Nd6Flag | None = None
    master: str | None = None
    speed_mbps: int | None = None
    lagg: LaggStatus | None = None
    netns: str | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())
