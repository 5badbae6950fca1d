"""Frame distribution for a userspace lagg: which port sends, which port may receive.

Theory of operation
-------------------
FreeBSD's lagg(4) keeps its ports in a list sorted by ascending ifindex
(spec freebsd-lagg §3.4 step 12); every protocol decision is an index into
that list:

* ``link_active(start)`` (§3.11): ``start`` if it is PORTACTIVE, else the
  next port in the list if it is, else the first PORTACTIVE port from the head,
  else none.  A :class:`PortMap` precomputes ``link_active(i)`` for every
  ``i`` whenever a port's state changes, so the per-frame path is one list
  lookup.
* failover: transmit on ``link_active(primary)``; receive from the primary,
  or, while the primary is not PORTACTIVE, from the current active port.
  The primary (MASTER) is the first port added and never moves while it is a
  member; only ACTIVE moves (pre-emption).
* roundrobin: port ``link_active((seq // stride) % count)``, ``seq`` counting
  every transmitted frame; receive from any port.
* loadbalance: port ``link_active(hash % count)``; receive from any port.
* broadcast: a copy on every PORTACTIVE port; receive from any port.
* lacp: ``hash % len(distributing)`` over the distributing ports; receive
  only on collecting ports (the LACP machine decides both).
* none: nothing passes.

The hash is FreeBSD MAIN's ``m_ether_tcpip_hash`` (§3.12): FNV-1 32-bit,
seeded with a per-lagg random key that the caller passes in, over source and
destination MAC (L2), the 802.1Q tag (L2), IPv4/IPv6 source and destination
(L3), IPv4 TCP/UDP/SCTP ports of unfragmented packets or the IPv6 flow label
(L4).  :func:`frame_hash` is that function.  :class:`FrameHasher` memoises it
for the common untagged IPv4 (IHL 5) and IPv6 frames, keyed by exactly the
fields the hash reads (one ``struct.unpack_from`` and one dict lookup), so the
result is always identical to :func:`frame_hash`.

Frames are addressed as ``(buffer, offset)``: the userspace datapath keeps a
10-byte virtio-net header in front of each Ethernet header, so the Ethernet
header starts at ``offset`` 10.  Nothing here does I/O.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from lagg_ifconfig.model import HashLayer, LaggProto, PortFlag

__all__ = [
    "BROADCAST",
    "DROP",
    "FNV1_32_PRIME",
    "FrameHasher",
    "PortMap",
    "PortState",
    "fnv1_32",
    "frame_hash",
    "link_active",
    "port_flags",
]

FNV1_32_PRIME: Final = 16777619
_MASK32: Final = 0xFFFFFFFF

#: :meth:`PortMap.tx_port` result: send nothing.
DROP: Final = -1
#: :meth:`PortMap.tx_port` result: send a copy on each of :attr:`PortMap.broadcast_ports`.
BROADCAST: Final = -2

_ETHERTYPE_IP: Final = 0x0800
_ETHERTYPE_IPV6: Final = 0x86DD
_ETHERTYPE_VLAN: Final = 0x8100
_L4_PROTOS: Final = frozenset({6, 17, 132})  # TCP, UDP, SCTP
_IP_FRAG_MASK: Final = 0x3FFF  # IP_MF | IP_OFFMASK
_HASH_CACHE_MAX: Final = 4096

# macs(12) etype(2) vhl(1) tos,len,id(5) off(2) ttl(1) proto(1) sum(2) src+dst(8) ports(4) = 38
_V4_KEY: Final = struct.Struct("!12sHB5xHxB2x8s4s")
# macs(12) etype(2) vtc_flow(4) plen,nxt,hlim(4) src+dst(32) = 54
_V6_KEY: Final = struct.Struct("!12sHI4x32s")


def fnv1_32(data: bytes | bytearray | memoryview, start: int, end: int, h: int) -> int:
    """FNV-1 (multiply, then xor) over ``data[start:end]``, continuing from ``h``."""
    for i in range(start, end):
        h = ((h * FNV1_32_PRIME) & _MASK32) ^ data[i]
    return h


def frame_hash(buf: bytes | bytearray | memoryview, off: int, layers: HashLayer, key: int) -> int:
    """FreeBSD's ``m_ether_tcpip_hash`` of the Ethernet frame at ``buf[off:]`` (spec §3.12).

    Short or truncated headers end the hash where they start, as FreeBSD's
    ``m_ether_tcpip_hash_gethdr`` returning NULL does.
    """
    end = len(buf)
    h = key & _MASK32
    if end - off < 14:
        return h
    l2 = bool(layers & HashLayer.L2)
    if l2:
        h = fnv1_32(buf, off + 6, off + 12, h)  # ether_shost
        h = fnv1_32(buf, off, off + 6, h)  # ether_dhost
    etype = (buf[off + 12] << 8) | buf[off + 13]
    p = off + 14
    if etype == _ETHERTYPE_VLAN:
        if end - p < 4:
            return h
        if l2:
            h = fnv1_32(buf, p, p + 2, h)  # evl_tag
        etype = (buf[p + 2] << 8) | buf[p + 3]
        p += 4
    if etype == _ETHERTYPE_IP:
        if end - p < 20:
            return h
        if layers & HashLayer.L3:
            h = fnv1_32(buf, p + 12, p + 20, h)  # ip_src, ip_dst
        if layers & HashLayer.L4 and buf[p + 9] in _L4_PROTOS:
            if ((buf[p + 6] << 8) | buf[p + 7]) & _IP_FRAG_MASK:
                return h
            q = p + ((buf[p] & 0x0F) << 2)
            if end - q < 4:
                return h
            h = fnv1_32(buf, q, q + 4, h)  # source and destination port
    elif etype == _ETHERTYPE_IPV6:
        if end - p < 40:
            return h
        if layers & HashLayer.L3:
            h = fnv1_32(buf, p + 8, p + 40, h)  # ip6_src, ip6_dst
        if layers & HashLayer.L4:
            # ip6_flow & IPV6_FLOWLABEL_MASK, as the four bytes in memory (network order)
            h = ((h * FNV1_32_PRIME) & _MASK32) ^ 0
            h = ((h * FNV1_32_PRIME) & _MASK32) ^ (buf[p + 1] & 0x0F)
            h = fnv1_32(buf, p + 2, p + 4, h)
    return h


class FrameHasher:
    """:func:`frame_hash` for one lagg (fixed layers and key), memoised per flow.

    The memo key is exactly the set of header fields the hash reads for an
    untagged IPv4 frame with a 20-byte header, or an untagged IPv6 frame; any
    other frame is hashed directly.  The memo is bounded (cleared when full).
    """

    __slots__ = ("_cache", "key", "layers")

    def __init__(self, layers: HashLayer, key: int) -> None:
        self.layers = layers
        self.key = key & _MASK32
        self._cache: dict[object, int] = {}

    def __call__(self, buf: bytes | bytearray | memoryview, off: int) -> int:
        n = len(buf) - off
        if n >= 54 and buf[off + 12] == 0x86 and buf[off + 13] == 0xDD:
            k: object = _V6_KEY.unpack_from(buf, off)
        elif n >= 38 and buf[off + 12] == 0x08 and buf[off + 13] == 0x00 and buf[off + 14] == 0x45:
            k = _V4_KEY.unpack_from(buf, off)
        else:
            return frame_hash(buf, off, self.layers, self.key)
        cache = self._cache
        h = cache.get(k)
        if h is None:
            if len(cache) >= _HASH_CACHE_MAX:
                cache.clear()
            h = cache[k] = frame_hash(buf, off, self.layers, self.key)
        return h


@dataclass(frozen=True)
class PortState:
    """What distribution needs to know about one port (list order = ascending ifindex).

    ``active`` is FreeBSD's PORTACTIVE: link up and administratively up.
    ``collecting``/``distributing`` matter for lacp only (set by the LACP machine).
    """

    ifindex: int
    active: bool
    collecting: bool = False
    distributing: bool = False


def link_active(ports: Sequence[PortState], start: int) -> int:
    """FreeBSD's ``lagg_link_active`` (spec §3.11): an index into ``ports``, or -1.

    A ``start`` outside the list (no primary) searches from the head.
    """
    count = len(ports)
    if 0 <= start < count:
        if ports[start].active:
            return start
        nxt = start + 1
        if nxt < count and ports[nxt].active:
            return nxt
    for i, port in enumerate(ports):
        if port.active:
            return i
    return -1


def port_flags(proto: LaggProto, ports: Sequence[PortState], primary: int) -> tuple[PortFlag, ...]:
    """``laggport: ... flags=`` for each port (spec §3.2); ``primary`` is an index or -1."""
    none = PortFlag(0)
    if proto is LaggProto.FAILOVER:
        active = link_active(ports, primary)
        return tuple(
            (PortFlag.MASTER if i == primary else none) | (PortFlag.ACTIVE if i == active else none)
            for i in range(len(ports))
        )
    if proto is LaggProto.LACP:
        return tuple(
            (PortFlag.ACTIVE if p.collecting or p.distributing else none)
            | (PortFlag.COLLECTING if p.collecting else none)
            | (PortFlag.DISTRIBUTING if p.distributing else none)
            for p in ports
        )
    if proto is LaggProto.NONE:
        return tuple(none for _ in ports)
    return tuple(PortFlag.ACTIVE if p.active else none for p in ports)


class PortMap:
    """Per-frame decisions for one lagg's current port states.

    Build a new one (cheap) whenever a port or its state changes; the
    :class:`FrameHasher` (and its memo) is passed in so it survives rebuilds.
    The per-frame methods do one or two list lookups and no allocation beyond
    the hash memo key.
    """

    __slots__ = (
        "_active_from",
        "_count",
        "_hasher",
        "_seq",
        "_stride",
        "_tx_fixed",
        "active_count",
        "broadcast_ports",
        "distributing",
        "link_up",
        "mode",
        "primary",
        "proto",
        "rx_ok",
    )

    def __init__(
        self,
        proto: LaggProto,
        ports: Sequence[PortState],
        *,
        primary: int = -1,
        hasher: FrameHasher | None = None,
        rr_stride: int = 1,
    ) -> None:
        self.proto = proto
        self.primary = primary
        self._count = count = len(ports)
        self._hasher = hasher or FrameHasher(HashLayer(0), 0)
        self._stride = max(1, rr_stride)
        self._seq = 0
        self._active_from = [link_active(ports, i) for i in range(count)]
        self.active_count = sum(1 for p in ports if p.active)
        self.broadcast_ports: tuple[int, ...] = ()
        self.distributing: tuple[int, ...] = ()
        self._tx_fixed = DROP
        rx_any = [True] * count
        if proto is LaggProto.FAILOVER:
            self.mode = "fixed"
            active = link_active(ports, primary)
            self._tx_fixed = active
            # lagg_fail_input: the primary always; while the primary is not
            # PORTACTIVE also the active port (or any port when none is active).
            primary_up = 0 <= primary < count and ports[primary].active
            self.rx_ok = [i == primary or (not primary_up and active in (-1, i)) for i in range(count)]
            self.link_up = active >= 0
        elif proto is LaggProto.ROUNDROBIN:
            self.mode = "rr"
            self.rx_ok = rx_any
            self.link_up = self.active_count > 0
        elif proto is LaggProto.LOADBALANCE:
            self.mode = "hash"
            self.rx_ok = rx_any
            self.link_up = self.active_count > 0
        elif proto is LaggProto.BROADCAST:
            self.mode = "broadcast"
            self.broadcast_ports = tuple(i for i, p in enumerate(ports) if p.active)
            self._tx_fixed = BROADCAST if self.broadcast_ports else DROP
            self.rx_ok = rx_any
            self.link_up = self.active_count > 0
        elif proto is LaggProto.LACP:
            self.mode = "lacp"
            self.distributing = tuple(i for i, p in enumerate(ports) if p.distributing)
            self.rx_ok = [p.collecting for p in ports]
            self.link_up = bool(self.distributing)
        else:  # NONE
            self.mode = "fixed"
            self.rx_ok = [False] * count
            self.link_up = self.active_count > 0

    def tx_port(self, buf: bytes | bytearray | memoryview, off: int) -> int:
        """The port index for the frame at ``buf[off:]``, or :data:`DROP` / :data:`BROADCAST`."""
        mode = self.mode
        if mode in {"fixed", "broadcast"}:
            return self._tx_fixed
        if self._count == 0:
            return DROP
        if mode == "hash":
            return self._active_from[self._hasher(buf, off) % self._count]
        if mode == "rr":
            seq = self._seq
            self._seq = seq + 1
            return self._active_from[(seq // self._stride) % self._count]
        dist = self.distributing  # lacp
        if not dist:
            return DROP
        return dist[self._hasher(buf, off) % len(dist)]

    def reset_sequence(self, seq: int) -> None:
        """Carry the round-robin counter over from the previous map (FreeBSD keeps ``sc_seq``)."""
        self._seq = seq

    @property
    def sequence(self) -> int:
        """The round-robin counter (frames sent so far)."""
        return self._seq
