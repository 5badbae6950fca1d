"""Interface ioctls laggd needs (flags, MTU, MAC, ethtool link and speed), namespace-safe.

All calls go through one ``AF_INET``/``SOCK_DGRAM`` socket opened in the
daemon's network namespace, so nothing depends on which namespace ``/sys``
was mounted in.  Errors are ``OSError`` with the kernel's errno.
"""

from __future__ import annotations

import fcntl
import socket
import struct
from typing import Final

from lagg_ifconfig.laggd import sockopts as so

__all__ = ["IfCtl", "format_mac", "parse_mac"]

_IFREQ: Final = struct.Struct("16s16s")
_ETHTOOL_VALUE: Final = struct.Struct("=II")
_LINK_SETTINGS_HDR: Final = struct.Struct("=IIBBBBBBBbBBBB28x")  # 48 bytes
_ARPHRD_ETHER: Final = 1
_DUPLEX_HALF: Final = 0x00


def parse_mac(text: str) -> bytes:
    """``aa:bb:cc:dd:ee:ff`` -> 6 bytes (ValueError if malformed)."""
    parts = text.split(":")
    if len(parts) != 6:
        raise ValueError(f"bad MAC address {text!r}")
    return bytes(int(p, 16) for p in parts)


def format_mac(raw: bytes) -> str:
    """6 bytes -> ``aa:bb:cc:dd:ee:ff``."""
    return ":".join(f"{b:02x}" for b in raw[:6])


class IfCtl:
    """ioctl helpers bound to one control socket."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def close(self) -> None:
        self.sock.close()

    def _ioctl(self, req: int, name: str, payload: bytes = b"") -> bytes:
        ifr = _IFREQ.pack(name.encode(), payload)
        return fcntl.ioctl(self.sock.fileno(), req, ifr)[16:]

    def ifindex(self, name: str) -> int:
        """The ifindex of ``name`` (ENODEV if absent)."""
        return int(struct.unpack_from("=i", self._ioctl(so.SIOCGIFINDEX, name))[0])

    def exists(self, name: str) -> bool:
        try:
            self.ifindex(name)
        except OSError:
            return False
        return True

    def flags(self, name: str) -> int:
        """IFF_* flags (low 16 bits: IFF_LOWER_UP is not included; use :meth:`link`)."""
        return int(struct.unpack_from("=H", self._ioctl(so.SIOCGIFFLAGS, name))[0])

    def set_flags(self, name: str, flags: int) -> None:
        self._ioctl(so.SIOCSIFFLAGS, name, struct.pack("=H", flags & 0xFFFF))

    def change_flags(self, name: str, set_bits: int = 0, clear_bits: int = 0) -> int:
        """Set/clear flag bits; returns the previous flags."""
        old = self.flags(name)
        new = (old | set_bits) & ~clear_bits
        if new != old:
            self.set_flags(name, new)
        return old

    def mtu(self, name: str) -> int:
        return int(struct.unpack_from("=i", self._ioctl(so.SIOCGIFMTU, name))[0])

    def set_mtu(self, name: str, mtu: int) -> None:
        self._ioctl(so.SIOCSIFMTU, name, struct.pack("=i", mtu))

    def hwaddr(self, name: str) -> tuple[int, bytes]:
        """(ARPHRD type, 6-byte address)."""
        out = self._ioctl(so.SIOCGIFHWADDR, name)
        family = struct.unpack_from("=H", out)[0]
        return int(family), bytes(out[2:8])

    def mac(self, name: str) -> str:
        return format_mac(self.hwaddr(name)[1])

    def is_ether(self, name: str) -> bool:
        return self.hwaddr(name)[0] == _ARPHRD_ETHER

    def set_mac(self, name: str, mac: str) -> None:
        self._ioctl(so.SIOCSIFHWADDR, name, struct.pack("=H6s", _ARPHRD_ETHER, parse_mac(mac)))

    def _ethtool(self, name: str, data: bytearray) -> bytearray:
        addr = _ctypes_addr(data)
        ifr = struct.pack("=16sQ8x", name.encode(), addr)
        fcntl.ioctl(self.sock.fileno(), so.SIOCETHTOOL, ifr)
        return data

    def link(self, name: str) -> bool:
        """ETHTOOL_GLINK: the carrier as the driver reports it (``netif_carrier_ok`` for veth/TAP).

        Devices without ethtool support fall back to IFF_RUNNING.
        """
        data = bytearray(_ETHTOOL_VALUE.pack(so.ETHTOOL_GLINK, 0))
        try:
            self._ethtool(name, data)
        except OSError:
            return bool(self.flags(name) & so.IFF_RUNNING)
        return bool(_ETHTOOL_VALUE.unpack(data)[1])

    def _link_settings(self, name: str) -> bytearray | None:
        hdr = bytearray(_LINK_SETTINGS_HDR.size)
        _LINK_SETTINGS_HDR.pack_into(hdr, 0, so.ETHTOOL_GLINKSETTINGS, *([0] * 13))
        try:
            self._ethtool(name, hdr)
        except OSError:
            return None
        nwords = -_LINK_SETTINGS_HDR.unpack(hdr)[9]
        if nwords <= 0:
            return None
        data = bytearray(_LINK_SETTINGS_HDR.size + 3 * 4 * nwords)
        _LINK_SETTINGS_HDR.pack_into(data, 0, so.ETHTOOL_GLINKSETTINGS, 0, 0, 0, 0, 0, 0, 0, 0, nwords, 0, 0, 0, 0)
        try:
            self._ethtool(name, data)
        except OSError:
            return None
        return data

    def media(self, name: str) -> tuple[int, bool]:
        """Link speed in Mb/s (0 when unknown) and whether the link is full duplex.

        Only an explicit half duplex counts as half: a driver that does not say (veth, TAP)
        is taken as full, as Linux bonding's 802.3ad does.
        """
        data = self._link_settings(name)
        if data is None:
            return 0, True
        speed = int(_LINK_SETTINGS_HDR.unpack_from(data)[1])
        return (0 if speed in (0, 0xFFFFFFFF) else speed), data[8] != _DUPLEX_HALF

    def set_speed(self, name: str, mbps: int) -> bool:
        """Set the reported speed (TAP: tun's ``set_link_ksettings``); False if unsupported."""
        data = self._link_settings(name)
        if data is None:
            return False
        struct.pack_into("=II", data, 0, so.ETHTOOL_SLINKSETTINGS, mbps if mbps > 0 else 0xFFFFFFFF)
        data[8] = 0x01 if mbps > 0 else 0xFF  # duplex full / unknown
        try:
            self._ethtool(name, data)
        except OSError:
            return False
        return True


def _ctypes_addr(buf: bytearray) -> int:
    import ctypes  # noqa: PLC0415 - only for ethtool calls (setup path)

    return ctypes.addressof(ctypes.c_char.from_buffer(buf))
