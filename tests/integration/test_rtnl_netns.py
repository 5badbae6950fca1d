"""``linux.rtnl`` / ``linux.ethtool`` on real veths in private namespaces, checked with ``ip -j``.

Every write is applied with :class:`Rtnl` and read back by ``ip -j -d`` (an
independent tool); every read is compared field by field with ``ip -j -d``.
"""

from __future__ import annotations

import errno
import socket
import time
from collections.abc import Iterator

import pytest

from lagg_ifconfig.linux import ethtool
from lagg_ifconfig.linux.freebsd_map import interface_state
from lagg_ifconfig.linux.rtnl import IFF, Link, Rtnl, RtnlError
from lagg_ifconfig.model import IfFlag, Nd6Flag
from tests.integration.netns import Netns, NetnsRegistry

pytestmark = pytest.mark.netns


@pytest.fixture
def ns(netns_registry: NetnsRegistry) -> Netns:
    """A namespace with IPv6 on (DAD off), veths fxp0<->fxp1 and bge0<->bge1, all up."""
    ns = netns_registry.create(ipv6=True)
    ns.sysctl("net.ipv6.conf.default.accept_dad", "0")
    netns_registry.veth(ns, "fxp0", ns, "fxp1")
    netns_registry.veth(ns, "bge0", ns, "bge1")
    return ns


@pytest.fixture
def rt(ns: Netns) -> Iterator[Rtnl]:
    with ns.entered():
        r = Rtnl()
    with r:
        yield r


def _mac(raw: bytes | None) -> str | None:
    return ":".join(f"{b:02x}" for b in raw) if raw is not None else None


def _index(rt: Rtnl, name: str) -> int:
    link = rt.link(name)
    assert link is not None
    return link.index


# -- reads --------------------------------------------------------------------------------------


def test_links_match_ip_json_field_by_field(ns: Netns, rt: Rtnl) -> None:
    ns.ip("link", "set", "bge0", "alias", "uplink")
    ours = {lk.name: lk for lk in rt.links()}
    theirs = ns.ip_json("link", "show")
    assert list(ours) == [o["ifname"] for o in theirs]  # kernel order
    for obj in theirs:
        link = ours[obj["ifname"]]
        assert link.index == obj["ifindex"]
        assert link.mtu == obj["mtu"]
        assert _mac(link.lladdr) == obj["address"]
        assert link.operstate == obj["operstate"]
        assert link.kind == obj.get("linkinfo", {}).get("info_kind", "")
        assert link.ifalias == obj.get("ifalias", "")
        assert link.min_mtu == obj.get("min_mtu", 0)
        assert link.max_mtu == obj.get("max_mtu", 0)
        assert link.promiscuity == obj["promiscuity"]
        assert bool(link.flags & IFF.UP) == ("UP" in obj["flags"])
        assert bool(link.flags & IFF.LOWER_UP) == ("LOWER_UP" in obj["flags"])
        if obj["ifname"] != "lo":
            peer = {"fxp0": "fxp1", "fxp1": "fxp0", "bge0": "bge1", "bge1": "bge0"}[obj["ifname"]]
            assert link.parent == ours[peer].index


def test_single_link_reads(ns: Netns, rt: Rtnl) -> None:
    obj = ns.link("bge0")
    link = rt.link("bge0")
    assert link is not None
    assert link == rt.link_by_index(obj["ifindex"])
    assert link.name == "bge0"
    assert rt.link("fxp9") is None
    assert rt.link("x" * 20) is None
    assert rt.link_by_index(99999) is None


def test_addresses_match_ip_json(ns: Netns, rt: Rtnl) -> None:
    ns.ip("addr", "add", "198.18.0.15/24", "brd", "+", "dev", "bge0")
    ns.ip("addr", "add", "198.18.0.16/32", "dev", "bge0")
    ns.ip("addr", "add", "2001:db8::1/64", "dev", "bge0")
    ns.ip("addr", "add", "198.18.1.1/24", "dev", "fxp0")
    bge0 = _index(rt, "bge0")
    ours = {(a.address, a.prefixlen, a.broadcast) for a in rt.addresses(bge0)}
    theirs = {(a["local"], a["prefixlen"], a.get("broadcast")) for a in ns.addrs("bge0")}
    assert ours == theirs
    assert all(a.index == bge0 for a in rt.addresses(bge0))
    everything = {(a.index, a.address) for a in rt.addresses()}
    assert (_index(rt, "fxp0"), "198.18.1.1") in everything
    # inet before inet6 in a dump, kernel order inside
    families = [a.family for a in rt.addresses(bge0)]
    assert families == sorted(families)


def test_dump_is_fast(rt: Rtnl) -> None:
    rt.links()
    t0 = time.perf_counter()
    for _ in range(20):
        rt.links()
        rt.addresses()
    per_dump_ms = (time.perf_counter() - t0) / 20 * 1000
    assert per_dump_ms < 3.0


def test_ethtool_veth_is_10g_full(ns: Netns) -> None:
    with ns.entered():
        assert ethtool.speed_duplex("bge0") == (10000, True, "tp")
        feats = ethtool.features("bge0")
        assert ethtool.speed_duplex("nope0") == (None, None, None)
    assert feats is not None
    assert "rx-checksum" in feats
    on = {
        line.split(":")[0].strip()
        for line in ns.exec("ethtool", "-k", "bge0").stdout.splitlines()[1:]
        if line.split(":")[1].strip().startswith("on")
    }
    assert "tx-checksum-ip-generic" in on
    assert {"rx-checksum", "tx-checksum-ip-generic", "tx-tcp-segmentation"} <= feats


def test_status_of_a_handbook_interface(ns: Netns, rt: Rtnl) -> None:
    ns.ip("addr", "add", "198.18.0.15/24", "brd", "+", "dev", "bge0")
    link = rt.link("bge0")
    assert link is not None
    state = interface_state(link, rt.addresses(link.index), speed=10000, duplex=True, port="tp")
    assert int(state.flags) == 0x1008843
    assert state.lladdr == ns.link("bge0")["address"]
    assert state.media == "Ethernet autoselect (10Gbase-T <full-duplex>)"
    assert state.status == "active"
    assert state.nd6 is not None
    assert state.nd6 & Nd6Flag.PERFORMNUD
    assert state.nd6 & Nd6Flag.NO_DAD  # the fixture switched DAD off
    assert next((a.family, a.address, a.broadcast) for a in state.addresses) == (
        "inet",
        "198.18.0.15",
        "198.18.0.255",
    )


# -- link writes --------------------------------------------------------------------------------


def test_down_and_up(ns: Netns, rt: Rtnl) -> None:
    i = _index(rt, "bge0")
    rt.set_link(i, up=False)
    assert "UP" not in ns.link("bge0")["flags"]
    rt.set_link(i, up=True)
    assert "UP" in ns.link("bge0")["flags"]
    ns.wait_operstate("bge0")


def test_mtu_lladdr_description_name(ns: Netns, rt: Rtnl) -> None:
    i = _index(rt, "bge0")
    rt.set_link(i, mtu=9000, lladdr=bytes.fromhex("00217 0daae37".replace(" ", "")), ifalias="uplink")
    obj = ns.link("bge0")
    assert (obj["mtu"], obj["address"], obj["ifalias"]) == (9000, "00:21:70:da:ae:37", "uplink")
    rt.set_link(i, ifalias="")
    assert "ifalias" not in ns.link("bge0")
    rt.set_link(i, up=False)
    rt.set_link(i, ifname="em0")
    assert ns.link("em0")["ifindex"] == i


def test_arp_and_promisc(ns: Netns, rt: Rtnl) -> None:
    i = _index(rt, "bge0")
    rt.set_link(i, arp=False, promisc=True)
    flags = ns.link("bge0")["flags"]
    assert "NOARP" in flags
    assert "PROMISC" in flags
    link = rt.link("bge0")
    assert link is not None
    assert interface_state(link, ()).flags & (IfFlag.NOARP | IfFlag.PPROMISC | IfFlag.PROMISC)
    rt.set_link(i, arp=True, promisc=False)
    flags = ns.link("bge0")["flags"]
    assert "NOARP" not in flags
    assert "PROMISC" not in flags


@pytest.mark.parametrize(
    ("kwargs", "code", "text"),
    [
        ({"mtu": 70000}, errno.EINVAL, "ioctl SIOCSIFMTU (set mtu): Invalid argument"),
        ({"mtu": 10}, errno.EINVAL, "ioctl SIOCSIFMTU (set mtu): Invalid argument"),
        (
            {"lladdr": b"\x01\x02\x03\x04\x05\x06"},
            errno.EADDRNOTAVAIL,
            "ioctl (set lladdr): Can't assign requested address",
        ),
        ({"ifname": "fxp0"}, errno.EEXIST, "ioctl SIOCSIFNAME (set name): File exists"),
    ],
)
def test_link_errors(ns: Netns, rt: Rtnl, kwargs: dict[str, object], code: int, text: str) -> None:
    before = ns.link("bge0")
    with pytest.raises(RtnlError) as info:
        rt.set_link(_index(rt, "bge0"), **kwargs)  # type: ignore[arg-type]
    assert (info.value.errno, str(info.value)) == (code, text)
    after = ns.link("bge0")
    assert (after["mtu"], after["address"], after["ifname"]) == (before["mtu"], before["address"], "bge0")


def test_mtu_error_keeps_extack(rt: Rtnl) -> None:
    with pytest.raises(RtnlError) as info:
        rt.set_link(_index(rt, "bge0"), mtu=70000)
    assert "mtu" in info.value.extack


def test_vanished_interface_is_no_such_interface(rt: Rtnl) -> None:
    with pytest.raises(RtnlError) as info:
        rt.set_link(99999, up=True)
    assert (info.value.errno, str(info.value)) == (errno.ENXIO, "up: no such interface")


def test_del_link(ns: Netns, rt: Rtnl) -> None:
    rt.del_link(_index(rt, "fxp0"))
    names = [o["ifname"] for o in ns.ip_json("link", "show")]
    assert "fxp0" not in names
    assert "fxp1" not in names  # a veth goes with its peer


# -- address writes -----------------------------------------------------------------------------


def _v4(ns: Netns, name: str) -> list[tuple[str, int, str | None]]:
    return [(a["local"], a["prefixlen"], a.get("broadcast")) for a in ns.addrs(name) if a["family"] == "inet"]


def test_add_alias_delete_inet(ns: Netns, rt: Rtnl) -> None:
    i = _index(rt, "bge0")
    rt.add_address(i, socket.AF_INET, "198.18.0.15", 24, broadcast="198.18.0.255")
    rt.add_address(i, socket.AF_INET, "198.18.0.16", 32)
    assert _v4(ns, "bge0") == [("198.18.0.15", 24, "198.18.0.255"), ("198.18.0.16", 32, None)]
    rt.del_address(i, socket.AF_INET, "198.18.0.16", 32)
    assert _v4(ns, "bge0") == [("198.18.0.15", 24, "198.18.0.255")]


def test_add_existing_is_eexist_and_delete_missing_is_eaddrnotavail(ns: Netns, rt: Rtnl) -> None:
    i = _index(rt, "bge0")
    rt.add_address(i, socket.AF_INET, "198.18.0.15", 24)
    with pytest.raises(RtnlError) as info:
        rt.add_address(i, socket.AF_INET, "198.18.0.15", 24)
    assert (info.value.errno, str(info.value)) == (errno.EEXIST, "ioctl (SIOCAIFADDR): File exists")
    rt.add_address(i, socket.AF_INET, "198.18.0.15", 24, replace=True)  # no error, no duplicate
    assert _v4(ns, "bge0") == [("198.18.0.15", 24, None)]
    with pytest.raises(RtnlError) as info:
        rt.del_address(i, socket.AF_INET, "198.18.0.99", 24)
    assert (info.value.errno, str(info.value)) == (
        errno.EADDRNOTAVAIL,
        "ioctl (SIOCDIFADDR): Can't assign requested address",
    )


def test_delete_primary_keeps_secondaries(ns: Netns, rt: Rtnl) -> None:
    # FreeBSD: deleting the first address leaves the aliases; Linux would drop secondaries.
    i = _index(rt, "bge0")
    rt.add_address(i, socket.AF_INET, "198.18.0.15", 24)
    rt.add_address(i, socket.AF_INET, "198.18.0.16", 24)
    rt.del_address(i, socket.AF_INET, "198.18.0.15", 24)
    assert [a for a, _p, _b in _v4(ns, "bge0")] == ["198.18.0.16"]
    assert ns.sysctl("net.ipv4.conf.bge0.promote_secondaries") == "1"  # set in the socket's namespace


def test_inet6_add_delete_without_prefixlen(ns: Netns, rt: Rtnl) -> None:
    i = _index(rt, "bge0")
    rt.add_address(i, socket.AF_INET6, "2001:db8::1", 64)
    got = [(a["local"], a["prefixlen"]) for a in ns.addrs("bge0") if a["family"] == "inet6" and a["scope"] == "global"]
    assert got == [("2001:db8::1", 64)]
    rt.del_address(i, socket.AF_INET6, "2001:db8::1")
    assert not [a for a in ns.addrs("bge0") if a["family"] == "inet6" and a["scope"] == "global"]


def test_point_to_point_peer(ns: Netns, rt: Rtnl) -> None:
    i = _index(rt, "bge0")
    rt.add_address(i, socket.AF_INET, "198.18.0.1", 32, peer="198.18.0.2")
    (a,) = ns.addrs("bge0")[:1]
    assert (a["local"], a.get("address")) == ("198.18.0.1", "198.18.0.2")
    (ours,) = [x for x in rt.addresses(i) if x.family == socket.AF_INET]
    assert (ours.address, ours.peer) == ("198.18.0.1", "198.18.0.2")


# -- IPv6 settings (nd6 flags) ------------------------------------------------------------------


def test_ifdisabled_round_trip(ns: Netns, rt: Rtnl) -> None:
    with ns.entered():
        Rtnl.set_inet6_conf("bge0", "disable_ipv6", 1)
    assert ns.sysctl("net.ipv6.conf.bge0.disable_ipv6") == "1"
    link = rt.link("bge0")
    assert isinstance(link, Link)
    assert interface_state(link, ()).nd6 is not None
    assert (interface_state(link, ()).nd6 or 0) & Nd6Flag.IFDISABLED
    with ns.entered():
        Rtnl.set_inet6_conf("bge0", "disable_ipv6", 0)
    assert ns.sysctl("net.ipv6.conf.bge0.disable_ipv6") == "0"


def test_inet6_conf_on_missing_interface(ns: Netns) -> None:
    with ns.entered(), pytest.raises(RtnlError) as info:
        Rtnl.set_inet6_conf("fxp9", "disable_ipv6", 1)
    assert info.value.op == "ioctl(SIOCSIFINFO_IN6)"
    assert info.value.errno == errno.ENOENT
