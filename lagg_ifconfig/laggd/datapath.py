"""The devices laggd moves frames between: lagg0 as a TAP, and one AF_PACKET socket per member.

Theory of operation
-------------------
lagg0 is a TAP opened with ``IFF_TAP|IFF_NO_PI|IFF_VNET_HDR``: each read
returns a 10-byte virtio-net header and then one Ethernet frame, which may be
a TCP super-frame of up to 64 KB (``TUNSETOFFLOAD`` announces checksum and
TSO offloads, so the stack hands over unsegmented, unchecksummed frames).
Member sockets are ``AF_PACKET``/``SOCK_RAW``/``ETH_P_ALL`` with
``PACKET_VNET_HDR`` (set before ``bind``), so they speak the same header
format in both directions: frames pass through whole, and the kernel (or the
NIC) segments and checksums after our port choice.  This is needed for
correctness, not only speed: veth and local senders produce CHECKSUM_PARTIAL
frames that only a vnet header carries across (spec linux-mapping §8.5).

``PACKET_IGNORE_OUTGOING`` keeps a member socket from reading back what we
(or the host) send on it.  Promiscuous mode and the Slow Protocols group are
socket memberships, dropped by the kernel when the socket closes, so a killed
daemon leaves no promiscuity behind.

The TAP is made persistent (``TUNSETPERSIST``): it, its addresses and routes
outlive the daemon (architecture D9); a new daemon re-attaches with the same
``TUNSETIFF`` call.  Carrier is driven with ``TUNSETCARRIER``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import socket
import struct
from typing import Final

from lagg_ifconfig.laggd import sockopts as so

__all__ = ["BUF_SIZE", "Tap", "open_member_socket"]

#: One read: vnet header + the largest GSO super-frame (64 KiB) + slack.
BUF_SIZE: Final = so.VNET_HDR_LEN + 65536 + 4096
_SOCKBUF: Final = 8 << 20


class Tap:
    """lagg0: a persistent TAP with vnet headers and TSO/checksum offloads."""

    def __init__(self, name: str, *, create: bool) -> None:
        """Open (``create``: must not exist yet) or re-attach to the persistent TAP ``name``.

        Raises OSError: EEXIST when ``create`` and an interface of that name exists.
        """
        self.name = name
        if create and _interface_exists(name):
            raise OSError(errno.EEXIST, os.strerror(errno.EEXIST), name)
        self.fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            features = struct.unpack("=I", fcntl.ioctl(self.fd, so.TUNGETFEATURES, b"\0" * 4))[0]
            self.vnet = bool(features & so.IFF_VNET_HDR)
            flags = so.IFF_TAP | so.IFF_NO_PI | (so.IFF_VNET_HDR if self.vnet else 0)
            ifr = struct.pack("=16sH22x", name.encode(), flags)
            fcntl.ioctl(self.fd, so.TUNSETIFF, ifr)
            if self.vnet:
                fcntl.ioctl(self.fd, so.TUNSETVNETHDRSZ, struct.pack("=i", so.VNET_HDR_LEN))
                offloads = so.TUN_F_CSUM | so.TUN_F_TSO4 | so.TUN_F_TSO6 | so.TUN_F_TSO_ECN
                fcntl.ioctl(self.fd, so.TUNSETOFFLOAD, offloads)
            fcntl.ioctl(self.fd, so.TUNSETPERSIST, 1)
        except OSError:
            os.close(self.fd)
            raise
        self.carrier: bool | None = None

    def fileno(self) -> int:
        return self.fd

    def set_carrier(self, on: bool) -> None:
        """``TUNSETCARRIER``: lagg0's carrier (and so ``status:``) follows the ports."""
        if on is self.carrier:
            return
        fcntl.ioctl(self.fd, so.TUNSETCARRIER, struct.pack("=I", 1 if on else 0))
        self.carrier = on

    def close(self, *, unpersist: bool = False) -> None:
        """Close the fd; with ``unpersist`` the kernel deletes the interface as it closes."""
        if self.fd < 0:
            return
        if unpersist:
            with contextlib.suppress(OSError):
                fcntl.ioctl(self.fd, so.TUNSETPERSIST, 0)
        os.close(self.fd)
        self.fd = -1


def _interface_exists(name: str) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            fcntl.ioctl(s.fileno(), so.SIOCGIFINDEX, struct.pack("=16s16x", name.encode()))
        except OSError:
            return False
    return True


def open_member_socket(name: str, ifindex: int, *, vnet: bool = True) -> socket.socket:
    """An AF_PACKET socket on member ``name``, options in the order the kernel needs (spec §8.4)."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(so.ETH_P_ALL))
    try:
        if vnet:
            s.setsockopt(so.SOL_PACKET, so.PACKET_VNET_HDR, 1)  # before bind
        s.setsockopt(so.SOL_PACKET, so.PACKET_IGNORE_OUTGOING, 1)
        for opt, fallback in ((so.SO_RCVBUFFORCE, socket.SO_RCVBUF), (so.SO_SNDBUFFORCE, socket.SO_SNDBUF)):
            try:
                s.setsockopt(socket.SOL_SOCKET, opt, _SOCKBUF)
            except OSError:
                s.setsockopt(socket.SOL_SOCKET, fallback, _SOCKBUF)
        s.bind((name, so.ETH_P_ALL))
        mreq = struct.pack("=iHH8s", ifindex, so.PACKET_MR_PROMISC, 0, b"")
        s.setsockopt(so.SOL_PACKET, so.PACKET_ADD_MEMBERSHIP, mreq)
        mreq = struct.pack("=iHH8s", ifindex, so.PACKET_MR_MULTICAST, 6, so.SLOW_PROTOCOLS_MAC)
        s.setsockopt(so.SOL_PACKET, so.PACKET_ADD_MEMBERSHIP, mreq)
        s.setblocking(False)
    except OSError:
        s.close()
        raise
    return s
