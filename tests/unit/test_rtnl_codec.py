"""The rtnetlink codec against real kernel replies (``tests/vectors/rtnl``, see ``record.py``)."""

from __future__ import annotations

import errno
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from lagg_ifconfig.linux import rtnl

VECTORS = Path(__file__).parent.parent / "vectors" / "rtnl"
EXPECTED: dict[str, Any] = json.loads((VECTORS / "expected.json").read_text())


def _vector(name: str) -> bytes:
    return bytes.fromhex((VECTORS / f"{name}.hex").read_text().strip())


def _bodies(name: str, kind: int) -> list[bytes]:
    return [body for k, _f, _s, body in rtnl.iter_messages(_vector(name)) if k == kind]


def _mac(raw: bytes | None) -> str | None:
    return ":".join(f"{b:02x}" for b in raw) if raw is not None else None


LINKS = [rtnl.decode_link(b) for b in _bodies("link_dump", rtnl.RTM_NEWLINK)]
ADDRS = [rtnl.decode_addr(b) for b in _bodies("addr_dump", rtnl.RTM_NEWADDR)]


def test_link_dump_has_every_link_in_kernel_order() -> None:
    assert [(lk.index, lk.name) for lk in LINKS] == [(o["ifindex"], o["ifname"]) for o in EXPECTED["links"]]


def test_link_dump_ends_with_done() -> None:
    kinds = [k for k, _f, _s, _b in rtnl.iter_messages(_vector("link_dump"))]
    assert kinds[-1] == rtnl.NLMSG_DONE


@pytest.mark.parametrize("obj", EXPECTED["links"], ids=lambda o: o["ifname"])
def test_link_fields_match_ip_json(obj: dict[str, Any]) -> None:
    link = next(lk for lk in LINKS if lk.index == obj["ifindex"])
    assert link.mtu == obj["mtu"]
    assert _mac(link.lladdr) == obj["address"]
    assert _mac(link.broadcast) == obj["broadcast"]
    assert link.operstate == obj["operstate"]
    assert link.kind == obj.get("linkinfo", {}).get("info_kind", "")
    assert link.min_mtu == obj.get("min_mtu", 0)
    assert link.max_mtu == obj.get("max_mtu", 0)
    assert link.promiscuity == obj["promiscuity"]
    assert link.ifalias == obj.get("ifalias", "")
    assert link.arphrd == {"ether": 1, "loopback": 772}[obj["link_type"]]
    names = {
        "UP": rtnl.IFF.UP,
        "BROADCAST": rtnl.IFF.BROADCAST,
        "LOOPBACK": rtnl.IFF.LOOPBACK,
        "MULTICAST": rtnl.IFF.MULTICAST,
        "LOWER_UP": rtnl.IFF.LOWER_UP,
        "NOARP": rtnl.IFF.NOARP,
    }
    assert {n for n, bit in names.items() if link.flags & bit} == set(obj["flags"])


def test_link_devconf_is_decoded() -> None:
    bge0 = next(lk for lk in LINKS if lk.name == "bge0")
    assert bge0.inet6("disable_ipv6") == 0
    assert bge0.inet6("accept_dad") == 0  # the recorder turned DAD off
    assert bge0.addr_gen_mode == 0
    assert bge0.inet("forwarding") == 0


def test_address_dump_matches_ip_json() -> None:
    want = sorted(
        (o["ifindex"], a["local"], a["prefixlen"], a.get("broadcast"))
        for o in EXPECTED["addrs"]
        for a in o["addr_info"]
    )
    got = sorted((a.index, a.address, a.prefixlen, a.broadcast) for a in ADDRS)
    assert got == want


def test_ipv4_secondary_and_ipv6_scope_flags() -> None:
    by_addr = {a.address: a for a in ADDRS}
    assert not by_addr["198.18.0.15"].flags & rtnl.IFA_F.SECONDARY
    assert by_addr["198.18.0.16"].flags & rtnl.IFA_F.SECONDARY
    assert by_addr["198.18.0.15"].broadcast == "198.18.0.255"
    assert by_addr["198.18.0.16"].broadcast is None
    assert by_addr["2001:db8::1"].family == socket.AF_INET6
    assert by_addr["2001:db8::1"].scope == rtnl.RT_SCOPE_UNIVERSE
    link_local = [a for a in ADDRS if a.address.startswith("fe80:")]
    assert link_local
    assert all(a.scope == rtnl.RT_SCOPE_LINK for a in link_local)


def test_eexist_error_reply() -> None:
    ((kind, flags, _seq, body),) = list(rtnl.iter_messages(_vector("error_eexist")))
    assert kind == rtnl.NLMSG_ERROR
    assert rtnl.decode_error(flags, body) == (errno.EEXIST, "ipv4: Address already assigned")


def test_extack_text_is_kept() -> None:
    ((_kind, flags, _seq, body),) = list(rtnl.iter_messages(_vector("error_mtu_extack")))
    assert rtnl.decode_error(flags, body) == (errno.EINVAL, "mtu greater than device maximum")


def test_request_encoding_is_the_kernel_layout() -> None:
    # GIVEN a single-link GET by name WHEN encoded THEN header, ifinfomsg and padded attrs follow
    body = rtnl.encode_ifinfo() + rtnl.encode_str(rtnl.IFLA_IFNAME, "bge0")
    msg = rtnl.encode_msg(rtnl.RTM_GETLINK, rtnl.NLM_F_REQUEST, 7, body)
    assert msg.hex() == (
        "2c000000"
        "1200"
        "0100"
        "07000000"
        "00000000"  # nlmsghdr: len 44, GETLINK, REQUEST, seq 7
        "00000000"
        "00000000"
        "00000000"
        "00000000"  # ifinfomsg
        "0900"
        "0300"
        "62676530"
        "00"
        "000000"  # IFLA_IFNAME "bge0\\0" + pad
    )
    ((kind, _flags, seq, back),) = list(rtnl.iter_messages(msg))
    assert (kind, seq) == (rtnl.RTM_GETLINK, 7)
    assert rtnl.parse_attrs(back, rtnl.IFINFOMSG.size) == {rtnl.IFLA_IFNAME: b"bge0\0"}


def test_truncated_input_is_ignored_not_fatal() -> None:
    data = _vector("link_dump")
    assert len(list(rtnl.iter_messages(data[:-3]))) == len(list(rtnl.iter_messages(data))) - 1
    assert rtnl.parse_attrs(b"\x08\x00\x01\x00\x01") == {}


@pytest.mark.parametrize(
    ("linux", "op", "text"),
    [
        (errno.ENODEV, "up", "up: no such interface"),
        (errno.EPERM, "down", "down: permission denied"),
        (errno.EINVAL, rtnl.OP_MTU, "ioctl SIOCSIFMTU (set mtu): Invalid argument"),
        (errno.EEXIST, rtnl.OP_ADDADDR, "ioctl (SIOCAIFADDR): File exists"),
        (errno.EADDRNOTAVAIL, rtnl.OP_DELADDR, "ioctl (SIOCDIFADDR): Can't assign requested address"),
        (errno.EBUSY, rtnl.OP_NAME, "ioctl SIOCSIFNAME (set name): Device busy"),
    ],
)
def test_errors_read_as_freebsd(linux: int, op: str, text: str) -> None:
    err = rtnl.make_error(linux, op, extack="why")
    assert str(err) == text
    assert err.extack == "why"


def test_error_survives_pickling() -> None:
    import pickle

    err = pickle.loads(pickle.dumps(rtnl.make_error(errno.EINVAL, rtnl.OP_MTU, extack="x")))
    assert (type(err), err.errno, err.op, err.extack) == (rtnl.RtnlError, errno.EINVAL, rtnl.OP_MTU, "x")
