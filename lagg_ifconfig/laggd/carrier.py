"""rtnetlink link monitor: which interfaces changed, as soon as the kernel says so.

Theory of operation
-------------------
A raw ``NETLINK_ROUTE`` socket bound to ``RTMGRP_LINK`` sits in laggd's epoll
set.  Each ``RTM_NEWLINK``/``RTM_DELLINK`` carries an ``ifinfomsg`` (index and
flags, including ``IFF_LOWER_UP`` = carrier) and attributes (name, address,
MTU).  :meth:`LinkMonitor.read` turns a batch into :class:`LinkEvent` values;
the runtime then *re-reads* the carrier of every member with an ethtool ioctl
(the event may be stale by the time it is read) and rebuilds its port map at
once, so a failover switch follows the kernel's event within the same loop
iteration.  A slow poll in the runtime covers lost events (ENOBUFS on an
overrun socket is treated as "everything may have changed").

Linkwatch sends urgent events at once only for stacked devices (veth,
VLANs); a plain NIC's carrier news may come up to ~1 s late (spec §8.6).
"""

from __future__ import annotations

import errno
import socket
import struct
from dataclasses import dataclass
from typing import Final

from lagg_ifconfig.laggd import sockopts as so

__all__ = ["LinkEvent", "LinkMonitor", "get_link", "parse_link_messages"]

_NLMSGHDR: Final = struct.Struct("=IHHII")
_IFINFOMSG: Final = struct.Struct("=BxHiII")
_RTATTR: Final = struct.Struct("=HH")
_NLMSG_ERROR: Final = 2
_NLMSG_DONE: Final = 3
_IFLA_MASTER: Final = 10
_IFLA_LINKINFO: Final = 18
_IFLA_INFO_KIND: Final = 1


def _info_kind(val: bytes) -> str:
    a = 0
    while a + _RTATTR.size <= len(val):
        alen, atype = _RTATTR.unpack_from(val, a)
        if alen < _RTATTR.size:
            break
        if atype & 0x3FFF == _IFLA_INFO_KIND:
            return val[a + _RTATTR.size : a + alen].rstrip(b"\0").decode(errors="replace")
        a += (alen + 3) & ~3
    return ""


@dataclass(frozen=True)
class LinkEvent:
    """One link message: ``deleted`` for RTM_DELLINK."""

    ifindex: int
    flags: int
    deleted: bool
    name: str = ""
    address: bytes = b""
    mtu: int = 0
    master: int = 0
    kind: str = ""

    @property
    def carrier(self) -> bool:
        return bool(self.flags & so.IFF_LOWER_UP)


class LinkMonitor:
    """A non-blocking rtnetlink socket subscribed to link events."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_NONBLOCK, so.NETLINK_ROUTE)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sock.bind((0, so.RTMGRP_LINK))
        self._buf = bytearray(1 << 16)
        self.overruns = 0

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        self.sock.close()

    def read(self) -> tuple[list[LinkEvent], bool]:
        """Drain the socket: (events, overrun).  ``overrun`` means events were lost."""
        events: list[LinkEvent] = []
        overrun = False
        while True:
            try:
                n = self.sock.recv_into(self._buf)
            except BlockingIOError:
                break
            except OSError as exc:
                if exc.errno == errno.ENOBUFS:
                    overrun = True
                    self.overruns += 1
                    continue
                raise
            events.extend(parse_link_messages(memoryview(self._buf)[:n]))
        return events, overrun


def parse_link_messages(data: memoryview | bytes) -> list[LinkEvent]:
    """RTM_NEWLINK/RTM_DELLINK messages in one netlink datagram (others skipped)."""
    out: list[LinkEvent] = []
    off = 0
    end = len(data)
    while off + _NLMSGHDR.size <= end:
        length, mtype, _flags, _seq, _pid = _NLMSGHDR.unpack_from(data, off)
        if length < _NLMSGHDR.size or off + length > end:
            break
        if mtype in (so.RTM_NEWLINK, so.RTM_DELLINK) and length >= _NLMSGHDR.size + _IFINFOMSG.size:
            body = off + _NLMSGHDR.size
            _fam, _type, index, flags, _change = _IFINFOMSG.unpack_from(data, body)
            name, address, mtu, master, kind = "", b"", 0, 0, ""
            a = body + _IFINFOMSG.size
            stop = off + length
            while a + _RTATTR.size <= stop:
                alen, atype = _RTATTR.unpack_from(data, a)
                if alen < _RTATTR.size:
                    break
                val = bytes(data[a + _RTATTR.size : a + alen])
                atype &= 0x3FFF
                if atype == so.IFLA_IFNAME:
                    name = val.rstrip(b"\0").decode(errors="replace")
                elif atype == so.IFLA_ADDRESS:
                    address = val
                elif atype == so.IFLA_MTU and len(val) >= 4:
                    mtu = struct.unpack_from("=I", val)[0]
                elif atype == _IFLA_MASTER and len(val) >= 4:
                    master = struct.unpack_from("=I", val)[0]
                elif atype == _IFLA_LINKINFO:
                    kind = _info_kind(val)
                a += (alen + 3) & ~3
            out.append(LinkEvent(index, flags, mtype == so.RTM_DELLINK, name, address, mtu, master, kind))
        off += (length + 3) & ~3
    return out


def get_link(name: str) -> LinkEvent | None:
    """RTM_GETLINK for one interface by name (None if absent): flags, address, MTU."""
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, so.NETLINK_ROUTE) as s:
        s.bind((0, 0))
        nm = name.encode() + b"\0"
        attr = _RTATTR.pack(_RTATTR.size + len(nm), so.IFLA_IFNAME) + nm
        attr += b"\0" * ((-len(attr)) % 4)
        body = _IFINFOMSG.pack(0, 0, 0, 0, 0) + attr
        nl_request = 0x1
        rtm_getlink = 18
        msg = _NLMSGHDR.pack(_NLMSGHDR.size + len(body), rtm_getlink, nl_request, 1, 0) + body
        s.send(msg)
        data = s.recv(1 << 16)
    mtype = _NLMSGHDR.unpack_from(data)[1]
    if mtype == _NLMSG_ERROR:
        return None
    events = parse_link_messages(data)
    return events[0] if events else None
