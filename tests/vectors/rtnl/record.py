"""Record real kernel rtnetlink replies for ``tests/unit/test_rtnl_codec.py``.

Run as root: ``python -m tests.vectors.rtnl.record``.  It makes a throw-away
namespace with a veth pair ``bge0``/``bge1`` (IPv6 on, DAD off so addresses
are stable), sets known state, and writes each reply datagram as hex
(``*.hex``) next to ``expected.json``: the same state as ``ip -j -d`` sees it.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

from lagg_ifconfig.linux import rtnl
from tests.integration.netns import NetnsRegistry

HERE = Path(__file__).parent


def _raw(r: rtnl.Rtnl, kind: int, flags: int, body: bytes) -> bytes:
    r._send(kind, flags, body)
    out = b""
    while True:
        data = r.sock.recv(1 << 16)
        out += data
        kinds = [k for k, _f, _s, _b in rtnl.iter_messages(data)]
        if rtnl.NLMSG_DONE in kinds or rtnl.NLMSG_ERROR in kinds or not flags & rtnl.NLM_F_DUMP:
            return out


def main() -> None:
    with NetnsRegistry(prefix="rec") as reg:
        ns = reg.create(ipv6=True)
        ns.sysctl("net.ipv6.conf.default.accept_dad", "0")
        reg.veth(ns, "bge0", ns, "bge1")
        ns.ip("link", "set", "bge0", "address", "02:00:00:00:00:15", "mtu", "9000", "alias", "uplink")
        ns.ip("addr", "add", "198.18.0.15/24", "brd", "+", "dev", "bge0")
        ns.ip("addr", "add", "198.18.0.16/24", "dev", "bge0")
        ns.ip("addr", "add", "2001:db8::1/64", "dev", "bge0")
        with ns.entered():
            r = rtnl.Rtnl()
        vectors = {
            "link_dump": _raw(r, rtnl.RTM_GETLINK, rtnl.NLM_F_DUMP, rtnl.encode_ifinfo() + rtnl.EXT_MASK_ATTR),
            "addr_dump": _raw(r, rtnl.RTM_GETADDR, rtnl.NLM_F_DUMP, rtnl.IFADDRMSG.pack(0, 0, 0, 0, 0)),
            "error_eexist": _raw(
                r,
                rtnl.RTM_NEWADDR,
                rtnl.NLM_F_ACK | rtnl.NLM_F_CREATE | rtnl.NLM_F_EXCL,
                rtnl.IFADDRMSG.pack(socket.AF_INET, 24, 0, 0, ns.link("bge0")["ifindex"])
                + rtnl.encode_attr(rtnl.IFA_LOCAL, socket.inet_aton("198.18.0.15")),
            ),
            "error_mtu_extack": _raw(
                r,
                rtnl.RTM_SETLINK,
                rtnl.NLM_F_ACK,
                rtnl.encode_ifinfo(ns.link("bge0")["ifindex"]) + rtnl.encode_attr(rtnl.IFLA_MTU, rtnl.U32.pack(70000)),
            ),
        }
        r.close()
        for name, data in vectors.items():
            (HERE / f"{name}.hex").write_text(data.hex() + "\n")
        expected = {"links": ns.ip_json("link", "show"), "addrs": ns.ip_json("addr", "show")}
        (HERE / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
