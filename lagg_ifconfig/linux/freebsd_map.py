"""Linux facts -> FreeBSD's view: flags, media, status, nd6, address words, groups, options.

Theory of operation
-------------------
``linux.rtnl`` reads links and addresses in Linux terms; this module turns
them into the shared model (``InterfaceState``, ``Address``) in FreeBSD 14
terms, so the status renderer never sees a Linux value.  It is pure: no I/O,
every input is a parameter.

Each mapping is **one table** below, and each table is a documented
decision.  Where Linux has an equivalent it is used; where it has none, the
value a FreeBSD admin would expect is chosen and the row says why:

=================  ==========================================================
``IFF_MAP``        Linux ``IFF_*`` -> FreeBSD ``IFF_*``, bit for bit, plus the
                   derived rows (RUNNING, SIMPLEX, PPROMISC, MULTICAST on lo)
``MEDIA_BY_SPEED`` ethtool speed (Mb/s) and port -> FreeBSD ifmedia subtype
                   name (``if_media.h`` IFM_SUBTYPE_ETHERNET_DESCRIPTIONS)
``ND6_MAP``        IPv6 devconf -> ``nd6 options`` bits; ``ND6_SYSCTL`` the
                   reverse, for ``inet6 [-]ifdisabled`` etc.
``IN6_WORDS``      ``IFA_F_*`` -> the words after ``prefixlen``
``IFCAP_BY_FEATURE`` ethtool feature names -> ``options=`` (IFCAP) bits
``LINK_TYPES``     ``ARPHRD_*`` -> the link-address line (``ether`` ...)
``GROUPS_BY_KIND`` link kind -> ``groups:`` (FreeBSD: the cloner name)
=================  ==========================================================
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Sequence

from lagg_ifconfig.linux.rtnl import IFA_F, IFF, RT_SCOPE_LINK, Addr, Link
from lagg_ifconfig.model import Address, IfFlag, InterfaceState, Nd6Flag

__all__ = [
    "ARPHRD_ETHER",
    "ARPHRD_LOOPBACK",
    "IFCAP",
    "IFCAP_BY_FEATURE",
    "IFF_MAP",
    "MEDIA_BY_SPEED",
    "ND6_SYSCTL",
    "address_from_linux",
    "freebsd_flags",
    "inet_broadcast",
    "interface_state",
    "link_type",
    "media",
    "nd6_flags",
    "options_from_features",
]

ARPHRD_ETHER = 1
ARPHRD_LOOPBACK = 772

#: Linux IFF bit -> FreeBSD IFF bit, where the meaning is the same.
#: Decisions for the rest (applied in ``freebsd_flags``):
#:
#: * RUNNING: FreeBSD's IFF_DRV_RUNNING means "the driver is initialised" (set
#:   by ``up`` whether or not a cable is in: ``em0`` up without link prints
#:   ``flags=8843<UP,...,RUNNING,...>`` and ``status: no carrier``).  Linux's
#:   IFF_RUNNING means "operstate UP", which FreeBSD shows as LOWER_UP.  So
#:   RUNNING <- Linux IFF_UP (the device is open), LOWER_UP <- IFF_LOWER_UP.
#: * SIMPLEX: every FreeBSD Ethernet driver sets it (it cannot hear its own
#:   transmissions); set for every ARPHRD_ETHER link.
#: * PROMISC/PPROMISC: Linux reports a user's ``promisc on`` as IFF_PROMISC
#:   (FreeBSD's PPROMISC, which also shows PROMISC); promiscuity > 0 without
#:   it (tcpdump) is FreeBSD's PROMISC alone.  ALLMULTI likewise from the count.
#: * MULTICAST on loopback: FreeBSD's lo0 has it, Linux's lo does not.
#: * DEBUG maps; CANTCONFIG, NEEDSEPOCH, DRV_OACTIVE, LINK0-2, MONITOR,
#:   STATICARP, STICKYARP, DYING, RENAMING never occur.
IFF_MAP: tuple[tuple[int, IfFlag], ...] = (
    (IFF.UP, IfFlag.UP),
    (IFF.BROADCAST, IfFlag.BROADCAST),
    (IFF.DEBUG, IfFlag.DEBUG),
    (IFF.LOOPBACK, IfFlag.LOOPBACK),
    (IFF.POINTOPOINT, IfFlag.POINTOPOINT),
    (IFF.UP, IfFlag.RUNNING),
    (IFF.NOARP, IfFlag.NOARP),
    (IFF.PROMISC, IfFlag.PROMISC | IfFlag.PPROMISC),
    (IFF.ALLMULTI, IfFlag.ALLMULTI),
    (IFF.MULTICAST, IfFlag.MULTICAST),
    (IFF.LOWER_UP, IfFlag.LOWER_UP),
)

#: ARPHRD type -> (link-address line type, FreeBSD flags every such interface has).
LINK_TYPES: dict[int, tuple[str, IfFlag]] = {
    ARPHRD_ETHER: ("ether", IfFlag.SIMPLEX),
    ARPHRD_LOOPBACK: ("loopback", IfFlag.MULTICAST),
}

#: Link kind -> ``groups:`` (FreeBSD puts a cloned interface in its cloner's group;
#: a plain Ethernet NIC is in no group besides ``all``, which is not printed).
GROUPS_BY_KIND: dict[str, tuple[str, ...]] = {
    "bond": ("lagg",),
    "team": ("lagg",),
    "bridge": ("bridge",),
    "vlan": ("vlan",),
    "tun": ("tun",),
    "vxlan": ("vxlan",),
    "gre": ("gre",),
    "wireguard": ("wg",),
}
LOOPBACK_GROUPS: tuple[str, ...] = ("lo",)

#: Speed (Mb/s) -> FreeBSD ifmedia subtype names for (twisted pair, direct attach, fibre),
#: from FreeBSD's IFM_SUBTYPE_ETHERNET_DESCRIPTIONS.  Linux cannot choose media, so the
#: media word is always ``autoselect`` and this is the active part in parentheses.
MEDIA_BY_SPEED: dict[int, tuple[str, str, str]] = {
    10: ("10baseT/UTP", "10baseT/UTP", "10baseFL"),
    100: ("100baseTX", "100baseTX", "100baseFX"),
    1000: ("1000baseT", "1000baseCX", "1000baseSX"),
    2500: ("2500Base-T", "2500Base-X", "2500BaseSX"),
    5000: ("5000Base-T", "5000Base-KR", "5000Base-KR"),
    10000: ("10Gbase-T", "10Gbase-Twinax", "10Gbase-SR"),
    20000: ("20GBase-KR2", "20GBase-KR2", "20GBase-KR2"),
    25000: ("25GBase-T", "25GBase-CR", "25GBase-SR"),
    40000: ("40Gbase-CR4", "40Gbase-CR4", "40Gbase-SR4"),
    50000: ("50GBase-CR2", "50GBase-CR2", "50GBase-SR2"),
    56000: ("56GBase-R4", "56GBase-R4", "56GBase-R4"),
    100000: ("100GBase-CR4", "100GBase-CR4", "100GBase-SR4"),
    200000: ("200GBase-CR4-PAM4", "200GBase-CR4-PAM4", "200GBase-SR4"),
    400000: ("400GBase-DR4", "400GBase-DR4", "400GBase-DR4"),
}
#: ethtool port -> column of MEDIA_BY_SPEED (tp 0, da 1, fibre 2; others as tp).
PORT_COLUMN = {"da": 1, "fibre": 2}


class IFCAP:
    """FreeBSD ``IFCAP_*`` bits (sys/net/if.h) used by the ``options=`` mapping."""

    RXCSUM = 0x1
    TXCSUM = 0x2
    VLAN_MTU = 0x8
    VLAN_HWTAGGING = 0x10
    JUMBO_MTU = 0x20
    VLAN_HWCSUM = 0x80
    TSO4 = 0x100
    TSO6 = 0x200
    LRO = 0x400
    VLAN_HWFILTER = 0x10000
    LINKSTATE = 0x80000
    RXCSUM_IPV6 = 0x200000
    TXCSUM_IPV6 = 0x400000
    HWSTATS = 0x800000


#: Active ethtool feature (by its stable name) -> IFCAP bits.  Read with
#: ETHTOOL_GFEATURES (cheap: 3 ioctls).  Derived bits (``options_from_features``):
#: VLAN_MTU unless the device is ``vlan-challenged``; JUMBO_MTU when max MTU > 1500;
#: LINKSTATE always (every Linux driver reports carrier changes).  VLAN_HWCSUM,
#: VLAN_HWTSO, HWSTATS: not readable through ethtool, never set.
IFCAP_BY_FEATURE: dict[str, int] = {
    "rx-checksum": IFCAP.RXCSUM | IFCAP.RXCSUM_IPV6,
    "tx-checksum-ipv4": IFCAP.TXCSUM,
    "tx-checksum-ip-generic": IFCAP.TXCSUM | IFCAP.TXCSUM_IPV6,
    "tx-checksum-ipv6": IFCAP.TXCSUM_IPV6,
    "tx-tcp-segmentation": IFCAP.TSO4,
    "tx-tcp6-segmentation": IFCAP.TSO6,
    "rx-lro": IFCAP.LRO,
    "rx-vlan-hw-parse": IFCAP.VLAN_HWTAGGING,
    "tx-vlan-hw-insert": IFCAP.VLAN_HWTAGGING,
    "rx-vlan-filter": IFCAP.VLAN_HWFILTER,
}

#: ``nd6 options`` bit <- IPv6 devconf.  Decisions:
#: PERFORMNUD always (Linux always runs NUD; FreeBSD sets it on every interface);
#: ACCEPT_RTADV <- accept_ra 2, or 1 while not forwarding (when Linux honours RAs);
#: IFDISABLED <- disable_ipv6; AUTO_LINKLOCAL <- addr_gen_mode != none;
#: NO_DAD <- accept_dad 0; NO_RADR <- accept_ra_defrtr 0.  PREFER_SOURCE,
#: DONT_SET_IFROUTE, NO_PREFER_IFACE, DEFAULTIF: no Linux equivalent, never set.
ND6_SYSCTL: dict[Nd6Flag, tuple[str, str, str]] = {
    # flag: (sysctl under net.ipv6.conf.IF, value when set, value when cleared)
    Nd6Flag.IFDISABLED: ("disable_ipv6", "1", "0"),
    Nd6Flag.ACCEPT_RTADV: ("accept_ra", "2", "0"),
    Nd6Flag.AUTO_LINKLOCAL: ("addr_gen_mode", "0", "1"),
    Nd6Flag.NO_DAD: ("accept_dad", "0", "1"),
    Nd6Flag.NO_RADR: ("accept_ra_defrtr", "0", "1"),
}

#: ``IFA_F_*`` -> FreeBSD word after ``prefixlen``, in FreeBSD's print order
#: (af_inet6.c: tentative, duplicated, deprecated, autoconf, temporary).
#: A DAD failure is ``duplicated`` and no longer ``tentative`` (FreeBSD clears it);
#: ``autoconf`` is an address the kernel made from a router advertisement
#: (IFA_PROTO = kernel_ra, or, on kernels without IFA_PROTO, a non-permanent
#: global address), and also every temporary (privacy) address, as in FreeBSD.
IN6_WORDS: tuple[tuple[int, str], ...] = (
    (IFA_F.TENTATIVE, "tentative"),
    (IFA_F.DADFAILED, "duplicated"),
    (IFA_F.DEPRECATED, "deprecated"),
    (IFA_F.TEMPORARY, "temporary"),
)
IFAPROT_KERNEL_RA = 2
FAMILY_NAMES: dict[int, str] = {int(socket.AF_INET): "inet", int(socket.AF_INET6): "inet6"}


def freebsd_flags(link: Link) -> IfFlag:
    """FreeBSD IFF bits of ``link`` (``IFF_MAP`` and its derived rows)."""
    flags = IfFlag(0)
    for linux_bit, bsd in IFF_MAP:
        if link.flags & linux_bit:
            flags |= bsd
    if link.promiscuity > 0:
        flags |= IfFlag.PROMISC
    if link.allmulti > 0:
        flags |= IfFlag.ALLMULTI
    flags |= LINK_TYPES.get(link.arphrd, ("none", IfFlag(0)))[1]
    return flags


def link_type(link: Link) -> str:
    """``"ether"``, ``"loopback"`` or ``"none"`` (selects the link-address line)."""
    return LINK_TYPES.get(link.arphrd, ("none", IfFlag(0)))[0]


def media(speed_mbps: int | None, full_duplex: bool | None, port: str | None, *, carrier: bool) -> str:
    """The text after ``media: `` for an Ethernet interface.

    ``Ethernet autoselect (10Gbase-T <full-duplex>)`` with link and a known
    speed; ``Ethernet autoselect`` otherwise (a driver without link reports
    no active media, so FreeBSD prints no parenthesised part).  An unknown
    speed between table rows uses the nearest lower row.
    """
    if not carrier or speed_mbps is None:
        return "Ethernet autoselect"
    row = MEDIA_BY_SPEED.get(speed_mbps)
    if row is None:
        lower = [s for s in MEDIA_BY_SPEED if s <= speed_mbps]
        row = MEDIA_BY_SPEED[max(lower)] if lower else MEDIA_BY_SPEED[10]
    word = row[PORT_COLUMN.get(port or "", 0)]
    duplex = {True: " <full-duplex>", False: " <half-duplex>", None: ""}[full_duplex]
    return f"Ethernet autoselect ({word}{duplex})"


def nd6_flags(link: Link) -> Nd6Flag | None:
    """``nd6 options`` of ``link``, ``None`` when it has no IPv6 state (no nd6 line)."""
    if link.inet6_conf is None:
        return None
    flags = Nd6Flag.PERFORMNUD
    accept_ra = link.inet6("accept_ra") or 0
    if accept_ra == 2 or (accept_ra == 1 and not link.inet6("forwarding")):
        flags |= Nd6Flag.ACCEPT_RTADV
    if link.inet6("disable_ipv6"):
        flags |= Nd6Flag.IFDISABLED
    if link.addr_gen_mode != 1:  # IN6_ADDR_GEN_MODE_NONE
        flags |= Nd6Flag.AUTO_LINKLOCAL
    if link.inet6("accept_dad") == 0:
        flags |= Nd6Flag.NO_DAD
    if link.inet6("accept_ra_defrtr") == 0:
        flags |= Nd6Flag.NO_RADR
    return flags


def options_from_features(features: Iterable[str] | None, link: Link) -> int | None:
    """The ``options=`` (IFCAP) value from ethtool's active features, ``None`` if unknown."""
    if features is None:
        return None
    names = set(features)
    caps = 0
    for name in names:
        caps |= IFCAP_BY_FEATURE.get(name, 0)
    if "vlan-challenged" not in names:
        caps |= IFCAP.VLAN_MTU
    if (link.max_mtu or 0) > 1500:
        caps |= IFCAP.JUMBO_MTU
    return caps | IFCAP.LINKSTATE


def inet_broadcast(address: str, prefixlen: int) -> str | None:
    """FreeBSD's default broadcast for an IPv4 address (``None`` for /31 and /32)."""
    if prefixlen >= 31:
        return None
    raw = int.from_bytes(socket.inet_aton(address), "big")
    host = (1 << (32 - prefixlen)) - 1
    return socket.inet_ntoa((raw | host).to_bytes(4, "big"))


def _in6_words(addr: Addr) -> tuple[str, ...]:
    words = [w for bit, w in IN6_WORDS if addr.flags & bit]
    if "duplicated" in words and "tentative" in words:
        words.remove("tentative")
    from_ra = addr.proto == IFAPROT_KERNEL_RA or (
        addr.proto is None and not addr.flags & IFA_F.PERMANENT and addr.scope != RT_SCOPE_LINK
    )
    if from_ra or addr.flags & IFA_F.TEMPORARY:
        words.insert(len(words) - (1 if "temporary" in words else 0), "autoconf")
    return tuple(words)


def address_from_linux(addr: Addr) -> Address:
    """The model's :class:`~lagg_ifconfig.model.Address` for one Linux address."""
    if addr.family == socket.AF_INET6:
        return Address(
            family="inet6",
            address=addr.address,
            prefixlen=addr.prefixlen,
            peer=addr.peer,
            scope_id=addr.index if addr.scope == RT_SCOPE_LINK else 0,
            flags=_in6_words(addr),
        )
    return Address(
        family=FAMILY_NAMES.get(addr.family, str(addr.family)),
        address=addr.address,
        prefixlen=addr.prefixlen,
        broadcast=addr.broadcast,
        peer=addr.peer,
    )


def _mac(raw: bytes | None) -> str | None:
    return ":".join(f"{b:02x}" for b in raw) if raw else None


def interface_state(
    link: Link,
    addrs: Sequence[Addr],
    *,
    speed: int | None = None,
    duplex: bool | None = None,
    port: str | None = None,
    features: Iterable[str] | None = None,
    master_name: str | None = None,
    netns: str | None = None,
) -> InterfaceState:
    """The FreeBSD view of one link (its lagg block is left ``None`` for the lagg code).

    Addresses are ordered as FreeBSD 14 prints them: inet before inet6, kernel
    order inside a family.  ``hwaddr`` is the permanent MAC when it differs
    from the current one (FreeBSD 14 prints it only then).
    """
    ltype = link_type(link)
    ether = link.arphrd == ARPHRD_ETHER
    own = [a for a in addrs if a.index == link.index and a.family in FAMILY_NAMES]
    own.sort(key=lambda a: a.family != socket.AF_INET)  # stable: kernel order within a family
    lladdr = _mac(link.lladdr) if ether else None
    perm = _mac(link.perm_lladdr)
    carrier = bool(link.flags & IFF.LOWER_UP)
    if link.arphrd == ARPHRD_LOOPBACK:
        groups = LOOPBACK_GROUPS
    else:
        groups = GROUPS_BY_KIND.get(link.kind, ())
    return InterfaceState(
        name=link.name,
        index=link.index,
        flags=freebsd_flags(link),
        mtu=link.mtu,
        link_type=ltype,
        lladdr=lladdr,
        hwaddr=perm if ether and perm and perm != lladdr else None,
        kind=link.kind,
        description=link.ifalias or None,
        options=options_from_features(features, link) if ether else None,
        addresses=tuple(address_from_linux(a) for a in own),
        groups=groups,
        media=media(speed, duplex, port, carrier=carrier) if ether else None,
        status=("active" if carrier else "no carrier") if ether else None,
        nd6=nd6_flags(link),
        master=master_name,
        speed_mbps=speed,
        netns=netns,
    )
