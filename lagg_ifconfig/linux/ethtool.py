"""Link speed, duplex, port and offload features through the SIOCETHTOOL ioctl.

Theory of operation
-------------------
The legacy ethtool ioctl is answered by every driver that implements the
ethtool ops, needs no generic-netlink family lookup, and works in the
network namespace of the socket it is issued on (an ``AF_INET`` datagram
socket opened by the caller's thread; ``/sys`` is never read, since it
shows the namespace it was mounted in).  A request is a ``struct ifreq``
whose ``ifr_data`` points at a command buffer; the buffer is an
``array.array`` so its address can be given to the kernel without ctypes.

* :func:`link_settings`: ``ETHTOOL_GLINKSETTINGS`` in its two-step handshake
  (the first call returns the negative number of link-mode words, the second
  the settings); ``ETHTOOL_GSET`` when a driver only knows the legacy call.
  veth answers 10000 Mb/s, full duplex, twisted pair.
* :func:`features`: the names of the active offload features
  (``ETHTOOL_GSSET_INFO`` + ``ETHTOOL_GSTRINGS`` for the names, which are
  stable, unlike the bit positions; ``ETHTOOL_GFEATURES`` for the values).

Both return ``None`` when the interface does not answer (no ethtool ops, or
gone); they never raise for that.
"""

from __future__ import annotations

import array
import errno
import fcntl
import socket
import struct
from dataclasses import dataclass

__all__ = ["LinkSettings", "features", "link_settings", "speed_duplex"]

SIOCETHTOOL = 0x8946
ETHTOOL_GSET = 0x01
ETHTOOL_GSTRINGS = 0x1B
ETHTOOL_GSSET_INFO = 0x37
ETHTOOL_GFEATURES = 0x3A
ETHTOOL_GLINKSETTINGS = 0x4C
ETH_SS_FEATURES = 4
ETH_GSTRING_LEN = 32

SPEED_UNKNOWN = 0xFFFFFFFF
DUPLEX_HALF, DUPLEX_FULL = 0, 1
#: ``PORT_*`` values (uapi/linux/ethtool.h) -> short names used by ``freebsd_map``.
PORT_NAMES = {0: "tp", 1: "aui", 2: "bnc", 3: "mii", 4: "fibre", 5: "da", 0xEF: "none", 0xFF: "other"}

IFREQ = struct.Struct("16sP16x")  # ifr_name, ifr_data, rest of the union
# struct ethtool_link_settings: cmd, speed, duplex, port, phy_address, autoneg, mdio_support,
# eth_tp_mdix, eth_tp_mdix_ctrl, link_mode_masks_nwords (s8), transceiver, master_slave_cfg,
# master_slave_state, rate_matching, reserved[7]; then 3 * nwords u32 of link modes.
LINK_SETTINGS = struct.Struct("=IIBBBBBBBbBBBB28x")
# struct ethtool_cmd: cmd, supported, advertising, speed, duplex, port, phy_address, transceiver,
# autoneg, mdio_support, maxtxpkt, maxrxpkt, speed_hi, eth_tp_mdix, eth_tp_mdix_ctrl,
# lp_advertising, reserved[2]
ETHTOOL_CMD = struct.Struct("=IIIHBBBBBBIIHBBI8x")
SSET_INFO = struct.Struct("=IIQI")  # cmd, reserved, sset_mask, data[1]
GFEATURES_HEAD = struct.Struct("=II")  # cmd, size (blocks)
FEATURE_BLOCK = struct.Struct("=IIII")  # available, requested, active, never_changed


@dataclass(frozen=True)
class LinkSettings:
    """What the driver reports: speed in Mb/s, duplex, port type (``"tp"``, ``"fibre"``, ``"da"``...)."""

    speed_mbps: int | None
    full_duplex: bool | None
    port: str | None
    autoneg: bool | None = None


def _ioctl(sock: socket.socket, ifname: str, buf: array.array[int]) -> None:
    addr, _ = buf.buffer_info()
    fcntl.ioctl(sock.fileno(), SIOCETHTOOL, IFREQ.pack(ifname.encode(), addr))


def _buffer(data: bytes) -> array.array[int]:
    return array.array("B", data)


def _open(sock: socket.socket | None) -> socket.socket:
    return sock if sock is not None else socket.socket(socket.AF_INET, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)


def _decode(speed: int, duplex: int, port: int, autoneg: int) -> LinkSettings:
    return LinkSettings(
        speed_mbps=None if speed in (0, SPEED_UNKNOWN, 0xFFFF) else speed,
        full_duplex={DUPLEX_FULL: True, DUPLEX_HALF: False}.get(duplex),
        port=PORT_NAMES.get(port),
        autoneg=bool(autoneg),
    )


def _glinksettings(s: socket.socket, ifname: str) -> LinkSettings | None:
    """The two-step ETHTOOL_GLINKSETTINGS; ``None`` when the driver only answers ETHTOOL_GSET."""
    buf = _buffer(LINK_SETTINGS.pack(ETHTOOL_GLINKSETTINGS, *([0] * 13)))
    _ioctl(s, ifname, buf)
    nwords = -LINK_SETTINGS.unpack_from(buf)[9]
    if nwords <= 0:
        return None
    head = LINK_SETTINGS.pack(ETHTOOL_GLINKSETTINGS, *([0] * 8), nwords, 0, 0, 0, 0)
    buf = _buffer(head + bytes(3 * 4 * nwords))
    _ioctl(s, ifname, buf)
    f = LINK_SETTINGS.unpack_from(buf)
    return _decode(f[1], f[2], f[3], f[5])


def _gset(s: socket.socket, ifname: str) -> LinkSettings:
    buf = _buffer(ETHTOOL_CMD.pack(ETHTOOL_GSET, *([0] * 15)))
    _ioctl(s, ifname, buf)
    g = ETHTOOL_CMD.unpack_from(buf)
    return _decode(g[3] | (g[12] << 16), g[4], g[5], g[8])


def link_settings(ifname: str, sock: socket.socket | None = None) -> LinkSettings | None:
    """Speed, duplex and port of ``ifname``, or ``None`` if it has no ethtool link settings."""
    s = _open(sock)
    try:
        try:
            found = _glinksettings(s, ifname)
        except OSError as exc:
            if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
                return None
            found = None
        return found if found is not None else _gset(s, ifname)
    except OSError:
        return None
    finally:
        if sock is None:
            s.close()


def features(ifname: str, sock: socket.socket | None = None) -> frozenset[str] | None:
    """Names of the active features (``"rx-checksum"``, ``"tx-tcp-segmentation"``...), or ``None``."""
    s = _open(sock)
    try:
        buf = _buffer(SSET_INFO.pack(ETHTOOL_GSSET_INFO, 0, 1 << ETH_SS_FEATURES, 0))
        _ioctl(s, ifname, buf)
        _cmd, _res, mask, count = SSET_INFO.unpack_from(buf)
        if not mask & (1 << ETH_SS_FEATURES) or count == 0:
            return None
        names_buf = _buffer(
            struct.pack("=III", ETHTOOL_GSTRINGS, ETH_SS_FEATURES, count) + bytes(count * ETH_GSTRING_LEN)
        )
        _ioctl(s, ifname, names_buf)
        raw = names_buf.tobytes()[12:]
        names = [raw[i * ETH_GSTRING_LEN : (i + 1) * ETH_GSTRING_LEN].split(b"\0", 1)[0].decode() for i in range(count)]
        blocks = (count + 31) // 32
        feat_buf = _buffer(GFEATURES_HEAD.pack(ETHTOOL_GFEATURES, blocks) + bytes(blocks * FEATURE_BLOCK.size))
        _ioctl(s, ifname, feat_buf)
        active = [
            FEATURE_BLOCK.unpack_from(feat_buf, GFEATURES_HEAD.size + i * FEATURE_BLOCK.size)[2] for i in range(blocks)
        ]
        return frozenset(n for i, n in enumerate(names) if n and active[i // 32] >> (i % 32) & 1)
    except OSError:
        return None
    finally:
        if sock is None:
            s.close()


def speed_duplex(ifname: str, sock: socket.socket | None = None) -> tuple[int | None, bool | None, str | None]:
    """``(speed_mbps, full_duplex, port)`` of ``ifname``; all ``None`` when unknown."""
    found = link_settings(ifname, sock)
    if found is None:
        return None, None, None
    return found.speed_mbps, found.full_duplex, found.port
