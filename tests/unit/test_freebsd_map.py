"""The Linux -> FreeBSD mapping tables (pure)."""

from __future__ import annotations

import socket

import pytest

from lagg_ifconfig.linux import freebsd_map as fm
from lagg_ifconfig.linux.rtnl import IFA_F, IFF, RT_SCOPE_LINK, Addr, Link
from lagg_ifconfig.model import IfFlag, Nd6Flag

# DEVCONF array with accept_ra=1, forwarding=0, disable_ipv6=0, accept_dad=1, accept_ra_defrtr=1
DEVCONF = tuple(1 if i in (3, 17, 27) else 0 for i in range(60))
UP_ETHER = IFF.UP | IFF.BROADCAST | IFF.MULTICAST | IFF.RUNNING | IFF.LOWER_UP


def veth(**kw: object) -> Link:
    base: dict[str, object] = {
        "index": 3,
        "name": "bge0",
        "flags": UP_ETHER,
        "mtu": 1500,
        "arphrd": 1,
        "lladdr": bytes.fromhex("00055d718db8"),
        "kind": "veth",
        "operstate": "UP",
        "max_mtu": 65535,
        "inet6_conf": DEVCONF,
        "addr_gen_mode": 0,
    }
    base.update(kw)
    return Link(**base)  # type: ignore[arg-type]


def test_handbook_bge0_flags() -> None:
    # GIVEN an up Ethernet link with carrier THEN FreeBSD 14's 1008843
    assert int(fm.freebsd_flags(veth())) == 0x1008843


def test_up_without_carrier_is_running_but_not_lower_up() -> None:
    flags = fm.freebsd_flags(veth(flags=IFF.UP | IFF.BROADCAST | IFF.MULTICAST))
    assert flags == IfFlag.UP | IfFlag.BROADCAST | IfFlag.RUNNING | IfFlag.SIMPLEX | IfFlag.MULTICAST


def test_down_is_8802() -> None:
    assert int(fm.freebsd_flags(veth(flags=IFF.BROADCAST | IFF.MULTICAST))) == 0x8802


def test_loopback_is_freebsd_lo0() -> None:
    lo = Link(index=1, name="lo", flags=IFF.UP | IFF.LOOPBACK | IFF.RUNNING | IFF.LOWER_UP, mtu=65536, arphrd=772)
    assert int(fm.freebsd_flags(lo)) == 0x1008049
    state = fm.interface_state(lo, ())
    assert (state.link_type, state.groups, state.media, state.status, state.lladdr) == (
        "loopback",
        ("lo",),
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("flags", "promiscuity", "want"),
    [
        (UP_ETHER | IFF.PROMISC, 1, IfFlag.PROMISC | IfFlag.PPROMISC),
        (UP_ETHER, 1, IfFlag.PROMISC),
        (UP_ETHER, 0, IfFlag(0)),
    ],
)
def test_promisc(flags: int, promiscuity: int, want: IfFlag) -> None:
    got = fm.freebsd_flags(veth(flags=flags, promiscuity=promiscuity)) & (IfFlag.PROMISC | IfFlag.PPROMISC)
    assert got == want


def test_noarp() -> None:
    assert fm.freebsd_flags(veth(flags=UP_ETHER | IFF.NOARP)) & IfFlag.NOARP


@pytest.mark.parametrize(
    ("speed", "duplex", "port", "carrier", "text"),
    [
        (10000, True, "tp", True, "Ethernet autoselect (10Gbase-T <full-duplex>)"),
        (1000, True, "tp", True, "Ethernet autoselect (1000baseT <full-duplex>)"),
        (100, False, "tp", True, "Ethernet autoselect (100baseTX <half-duplex>)"),
        (10, True, None, True, "Ethernet autoselect (10baseT/UTP <full-duplex>)"),
        (2500, True, "tp", True, "Ethernet autoselect (2500Base-T <full-duplex>)"),
        (25000, True, "da", True, "Ethernet autoselect (25GBase-CR <full-duplex>)"),
        (10000, True, "fibre", True, "Ethernet autoselect (10Gbase-SR <full-duplex>)"),
        (100000, None, "da", True, "Ethernet autoselect (100GBase-CR4)"),
        (12000, True, "tp", True, "Ethernet autoselect (10Gbase-T <full-duplex>)"),
        (10000, True, "tp", False, "Ethernet autoselect"),
        (None, None, None, True, "Ethernet autoselect"),
    ],
)
def test_media(speed: int | None, duplex: bool | None, port: str | None, carrier: bool, text: str) -> None:
    assert fm.media(speed, duplex, port, carrier=carrier) == text


def test_status_follows_carrier() -> None:
    assert fm.interface_state(veth(), ()).status == "active"
    assert fm.interface_state(veth(flags=IFF.UP | IFF.BROADCAST), ()).status == "no carrier"


@pytest.mark.parametrize(
    ("changes", "want"),
    [
        ({}, Nd6Flag.PERFORMNUD | Nd6Flag.ACCEPT_RTADV | Nd6Flag.AUTO_LINKLOCAL),
        ({26: 1}, Nd6Flag.PERFORMNUD | Nd6Flag.ACCEPT_RTADV | Nd6Flag.IFDISABLED | Nd6Flag.AUTO_LINKLOCAL),
        ({3: 0}, Nd6Flag.PERFORMNUD | Nd6Flag.AUTO_LINKLOCAL),
        ({0: 1}, Nd6Flag.PERFORMNUD | Nd6Flag.AUTO_LINKLOCAL),  # forwarding: RAs ignored
        ({0: 1, 3: 2}, Nd6Flag.PERFORMNUD | Nd6Flag.ACCEPT_RTADV | Nd6Flag.AUTO_LINKLOCAL),
        (
            {27: 0, 17: 0},
            Nd6Flag.PERFORMNUD | Nd6Flag.ACCEPT_RTADV | Nd6Flag.AUTO_LINKLOCAL | Nd6Flag.NO_DAD | Nd6Flag.NO_RADR,
        ),
    ],
)
def test_nd6(changes: dict[int, int], want: Nd6Flag) -> None:
    conf = tuple(changes.get(i, v) for i, v in enumerate(DEVCONF))
    assert fm.nd6_flags(veth(inet6_conf=conf)) == want


def test_nd6_rc_default_29() -> None:
    conf = tuple(1 if i == 26 else v for i, v in enumerate(DEVCONF))
    conf = tuple(0 if i == 3 else v for i, v in enumerate(conf))
    assert int(fm.nd6_flags(veth(inet6_conf=conf)) or 0) == 0x29


def test_nd6_absent_without_ipv6_and_without_auto_linklocal() -> None:
    assert fm.nd6_flags(veth(inet6_conf=None)) is None
    flags = fm.nd6_flags(veth(addr_gen_mode=1))
    assert flags is not None
    assert not flags & Nd6Flag.AUTO_LINKLOCAL


def test_nd6_sysctl_table_round_trips() -> None:
    # GIVEN each settable flag WHEN its sysctl gets the "set" value THEN nd6_flags reports it
    index = {"disable_ipv6": 26, "accept_ra": 3, "accept_dad": 27, "accept_ra_defrtr": 17}
    for flag, (key, on, off) in fm.ND6_SYSCTL.items():
        for value, expect in ((on, True), (off, False)):
            if key == "addr_gen_mode":
                link = veth(addr_gen_mode=int(value))
            else:
                link = veth(inet6_conf=tuple(int(value) if i == index[key] else v for i, v in enumerate(DEVCONF)))
            assert bool((fm.nd6_flags(link) or 0) & flag) is expect, (flag, value)


def v6(address: str, flags: int, *, scope: int = 0, proto: int | None = None) -> Addr:
    return Addr(index=3, family=socket.AF_INET6, address=address, prefixlen=64, flags=flags, scope=scope, proto=proto)


@pytest.mark.parametrize(
    ("addr", "words"),
    [
        (v6("2001:db8::1", IFA_F.PERMANENT), ()),
        (v6("2001:db8::1", IFA_F.PERMANENT | IFA_F.TENTATIVE), ("tentative",)),
        (v6("2001:db8::1", IFA_F.PERMANENT | IFA_F.TENTATIVE | IFA_F.DADFAILED), ("duplicated",)),
        (v6("2001:db8::1", IFA_F.PERMANENT | IFA_F.DEPRECATED), ("deprecated",)),
        (v6("2001:db8::5", IFA_F.MANAGETEMPADDR, proto=2), ("autoconf",)),
        (v6("2001:db8::5", IFA_F.MANAGETEMPADDR), ("autoconf",)),
        (v6("2001:db8::9", IFA_F.TEMPORARY), ("autoconf", "temporary")),
        (v6("2001:db8::9", IFA_F.TEMPORARY | IFA_F.DEPRECATED), ("deprecated", "autoconf", "temporary")),
        (v6("fe80::1", IFA_F.PERMANENT, scope=RT_SCOPE_LINK, proto=3), ()),
    ],
)
def test_inet6_words(addr: Addr, words: tuple[str, ...]) -> None:
    assert fm.address_from_linux(addr).flags == words


def test_link_local_scope_id_and_inet_first() -> None:
    addrs = [
        v6("fe80::1", IFA_F.PERMANENT, scope=RT_SCOPE_LINK),
        Addr(index=3, family=socket.AF_INET, address="198.18.0.15", prefixlen=24, broadcast="198.18.0.255"),
        Addr(index=9, family=socket.AF_INET, address="198.18.1.1", prefixlen=24),
    ]
    state = fm.interface_state(veth(), addrs)
    assert [(a.family, a.address, a.scope_id, a.broadcast) for a in state.addresses] == [
        ("inet", "198.18.0.15", 0, "198.18.0.255"),
        ("inet6", "fe80::1", 3, None),
    ]


def test_interface_state_fields() -> None:
    state = fm.interface_state(
        veth(ifalias="uplink", perm_lladdr=bytes.fromhex("00055d000001")),
        (),
        speed=10000,
        duplex=True,
        port="tp",
        features={"rx-checksum", "tx-checksum-ip-generic", "tx-tcp-segmentation", "rx-vlan-hw-parse"},
    )
    assert state.lladdr == "00:05:5d:71:8d:b8"
    assert state.hwaddr == "00:05:5d:00:00:01"
    assert state.description == "uplink"
    assert state.media == "Ethernet autoselect (10Gbase-T <full-duplex>)"
    assert state.groups == ()
    assert state.lagg is None
    assert state.options == (
        fm.IFCAP.RXCSUM
        | fm.IFCAP.RXCSUM_IPV6
        | fm.IFCAP.TXCSUM
        | fm.IFCAP.TXCSUM_IPV6
        | fm.IFCAP.TSO4
        | fm.IFCAP.VLAN_HWTAGGING
        | fm.IFCAP.VLAN_MTU
        | fm.IFCAP.JUMBO_MTU
        | fm.IFCAP.LINKSTATE
    )


def test_hwaddr_hidden_when_equal_and_groups_by_kind() -> None:
    state = fm.interface_state(veth(perm_lladdr=bytes.fromhex("00055d718db8"), kind="bond"), ())
    assert state.hwaddr is None
    assert state.groups == ("lagg",)
    assert state.options is None


def test_vlan_challenged_has_no_vlan_mtu() -> None:
    caps = fm.options_from_features({"vlan-challenged"}, veth(max_mtu=1500)) or 0
    assert not caps & fm.IFCAP.VLAN_MTU
    assert not caps & fm.IFCAP.JUMBO_MTU


@pytest.mark.parametrize(
    ("addr", "plen", "bcast"),
    [("198.18.0.15", 24, "198.18.0.255"), ("198.18.0.15", 16, "198.18.255.255"), ("198.18.0.15", 31, None)],
)
def test_inet_broadcast(addr: str, plen: int, bcast: str | None) -> None:
    assert fm.inet_broadcast(addr, plen) == bcast


def test_non_ethernet_link_has_no_link_line_or_media() -> None:
    tun = Link(index=5, name="tun0", flags=IFF.UP | IFF.POINTOPOINT | IFF.NOARP, mtu=1500, arphrd=65534, kind="tun")
    state = fm.interface_state(tun, ())
    assert (state.link_type, state.media, state.status, state.groups) == ("none", None, None, ("tun",))
    assert not state.flags & IfFlag.SIMPLEX
