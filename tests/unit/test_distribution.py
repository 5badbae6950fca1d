"""distribution: FreeBSD's link_active, port flags, per-protocol tx/rx, the FNV-1 hash."""

from __future__ import annotations

import struct

import pytest

from lagg_ifconfig.distribution import (
    BROADCAST,
    DROP,
    FrameHasher,
    PortMap,
    PortState,
    fnv1_32,
    frame_hash,
    link_active,
    port_flags,
)
from lagg_ifconfig.model import HashLayer, LaggProto, PortFlag

L2, L3, L4 = HashLayer.L2, HashLayer.L3, HashLayer.L4
ALL = L2 | L3 | L4
VNET = 10


def ports(*active: bool) -> list[PortState]:
    return [PortState(ifindex=i + 2, active=a) for i, a in enumerate(active)]


def fnv(data: bytes, h: int) -> int:
    """Reference FNV-1 written from the definition (multiply by the prime, then xor)."""
    for b in data:
        h = (h * 0x01000193) % (1 << 32)
        h ^= b
    return h


DST = bytes.fromhex("020000000002")
SRC = bytes.fromhex("020000000001")


def ipv4_tcp(
    src: str = "198.18.0.1", dst: str = "198.18.0.2", sport: int = 1234, dport: int = 80, frag: int = 0
) -> bytes:
    ip = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 40, 1, frag, 64, 6, 0, bytes(map(int, src.split("."))),
        bytes(map(int, dst.split("."))),
    )  # fmt: skip
    return DST + SRC + b"\x08\x00" + ip + struct.pack("!HH", sport, dport) + bytes(16)


def with_vnet(frame: bytes) -> bytes:
    return bytes(VNET) + frame


class TestFnv:
    def test_known_vector(self) -> None:
        # FNV-1 32 of "a" with the standard offset basis 0x811c9dc5 is 0x050c5d7e.
        assert fnv1_32(b"a", 0, 1, 0x811C9DC5) == 0x050C5D7E

    def test_matches_reference(self) -> None:
        data = bytes(range(40))
        assert fnv1_32(data, 3, 30, 12345) == fnv(data[3:30], 12345)


class TestFrameHash:
    def test_l2_hashes_source_then_destination(self) -> None:
        f = ipv4_tcp()
        assert frame_hash(f, 0, L2, 7) == fnv(SRC + DST, 7)

    def test_l3_hashes_ipv4_addresses(self) -> None:
        f = ipv4_tcp()
        assert frame_hash(f, 0, L3, 7) == fnv(bytes([198, 18, 0, 1, 198, 18, 0, 2]), 7)

    def test_l4_hashes_ports(self) -> None:
        f = ipv4_tcp(sport=0x1234, dport=0x0050)
        assert frame_hash(f, 0, L4, 7) == fnv(b"\x12\x34\x00\x50", 7)

    def test_all_layers_in_order(self) -> None:
        f = ipv4_tcp()
        want = fnv(SRC + DST + bytes([198, 18, 0, 1, 198, 18, 0, 2]) + f[34:38], 99)
        assert frame_hash(f, 0, ALL, 99) == want

    def test_fragment_has_no_ports(self) -> None:
        f = ipv4_tcp(frag=0x2000)  # MF
        assert frame_hash(f, 0, ALL, 1) == frame_hash(f, 0, L2 | L3, 1)

    def test_vlan_tag_hashed_with_l2(self) -> None:
        inner = ipv4_tcp()
        tagged = inner[:12] + b"\x81\x00\x00\x05" + inner[12:]
        assert frame_hash(tagged, 0, L2, 3) == fnv(SRC + DST + b"\x00\x05", 3)
        assert frame_hash(tagged, 0, L3, 3) == frame_hash(inner, 0, L3, 3)

    def test_ipv6_l3_and_flow_label(self) -> None:
        src6, dst6 = bytes(range(16)), bytes(range(16, 32))
        ip6 = struct.pack("!I", 0x6012345) + struct.pack("!HBB", 0, 6, 64) + src6 + dst6
        f = DST + SRC + b"\x86\xdd" + ip6
        assert frame_hash(f, 0, L3, 5) == fnv(src6 + dst6, 5)
        assert frame_hash(f, 0, L4, 5) == fnv(b"\x00\x01\x23\x45", 5)

    def test_offset_is_respected(self) -> None:
        f = ipv4_tcp()
        assert frame_hash(with_vnet(f), VNET, ALL, 11) == frame_hash(f, 0, ALL, 11)

    @pytest.mark.parametrize("n", [0, 5, 13, 14, 20, 33, 36])
    def test_truncated_frames_do_not_fail(self, n: int) -> None:
        frame_hash(ipv4_tcp()[:n], 0, ALL, 1)

    def test_hasher_equals_frame_hash(self) -> None:
        h = FrameHasher(ALL, 0xDEADBEEF)
        for sport in range(50):
            f = with_vnet(ipv4_tcp(sport=sport))
            assert h(f, VNET) == frame_hash(f, VNET, ALL, 0xDEADBEEF)
            assert h(f, VNET) == frame_hash(f, VNET, ALL, 0xDEADBEEF)  # memoised


class TestLinkActive:
    def test_start_active(self) -> None:
        assert link_active(ports(True, True), 1) == 1

    def test_next_port(self) -> None:
        assert link_active(ports(False, True, True), 0) == 1

    def test_from_head(self) -> None:
        assert link_active(ports(True, False, False), 2) == 0
        assert link_active(ports(False, False, True, False), 3) == 2

    def test_none(self) -> None:
        assert link_active(ports(False, False), 0) == -1
        assert link_active([], 0) == -1

    def test_no_start_searches_from_head(self) -> None:
        assert link_active(ports(False, True), -1) == 1


class TestPortFlags:
    def test_failover(self) -> None:
        assert port_flags(LaggProto.FAILOVER, ports(True, True), 0) == (PortFlag.MASTER | PortFlag.ACTIVE, 0)

    def test_failover_master_down(self) -> None:
        assert port_flags(LaggProto.FAILOVER, ports(False, True), 0) == (PortFlag.MASTER, PortFlag.ACTIVE)

    def test_failover_primary_not_lowest_ifindex(self) -> None:
        assert port_flags(LaggProto.FAILOVER, ports(True, True), 1) == (0, PortFlag.MASTER | PortFlag.ACTIVE)

    @pytest.mark.parametrize("proto", [LaggProto.ROUNDROBIN, LaggProto.LOADBALANCE, LaggProto.BROADCAST])
    def test_active_ports(self, proto: LaggProto) -> None:
        assert port_flags(proto, ports(True, False), 0) == (PortFlag.ACTIVE, 0)

    def test_none(self) -> None:
        assert port_flags(LaggProto.NONE, ports(True, True), 0) == (0, 0)

    def test_lacp(self) -> None:
        states = [PortState(2, True, True, True), PortState(3, True, False, False)]
        flags = port_flags(LaggProto.LACP, states, 0)
        assert flags == (PortFlag.ACTIVE | PortFlag.COLLECTING | PortFlag.DISTRIBUTING, 0)


class TestPortMap:
    frame = with_vnet(ipv4_tcp())

    def test_failover_tx_and_rx(self) -> None:
        pm = PortMap(LaggProto.FAILOVER, ports(True, True), primary=0)
        assert pm.tx_port(self.frame, VNET) == 0
        assert pm.rx_ok == [True, False]
        assert pm.link_up

    def test_failover_preemption_and_rx_from_active(self) -> None:
        pm = PortMap(LaggProto.FAILOVER, ports(False, True), primary=0)
        assert pm.tx_port(self.frame, VNET) == 1
        assert pm.rx_ok == [True, True]  # the primary always; the active port while the primary is down

    def test_failover_all_down(self) -> None:
        pm = PortMap(LaggProto.FAILOVER, ports(False, False), primary=0)
        assert pm.tx_port(self.frame, VNET) == DROP
        assert pm.rx_ok == [True, True]
        assert not pm.link_up

    def test_roundrobin_stride(self) -> None:
        pm = PortMap(LaggProto.ROUNDROBIN, ports(True, True, True), rr_stride=2)
        got = [pm.tx_port(self.frame, VNET) for _ in range(8)]
        assert got == [0, 0, 1, 1, 2, 2, 0, 0]

    def test_roundrobin_skips_inactive(self) -> None:
        pm = PortMap(LaggProto.ROUNDROBIN, ports(True, False, True))
        assert [pm.tx_port(self.frame, VNET) for _ in range(3)] == [0, 2, 2]

    def test_loadbalance_uses_hash_modulo_count(self) -> None:
        hasher = FrameHasher(ALL, 42)
        pm = PortMap(LaggProto.LOADBALANCE, ports(True, True, True), hasher=hasher)
        assert pm.tx_port(self.frame, VNET) == frame_hash(self.frame, VNET, ALL, 42) % 3

    def test_broadcast(self) -> None:
        pm = PortMap(LaggProto.BROADCAST, ports(True, False, True))
        assert pm.tx_port(self.frame, VNET) == BROADCAST
        assert pm.broadcast_ports == (0, 2)
        assert PortMap(LaggProto.BROADCAST, ports(False)).tx_port(self.frame, VNET) == DROP

    def test_none_passes_nothing(self) -> None:
        pm = PortMap(LaggProto.NONE, ports(True, True))
        assert pm.tx_port(self.frame, VNET) == DROP
        assert pm.rx_ok == [False, False]

    def test_lacp_without_distributing_ports(self) -> None:
        pm = PortMap(LaggProto.LACP, ports(True, True))
        assert pm.tx_port(self.frame, VNET) == DROP
        assert not pm.link_up
        assert pm.rx_ok == [False, False]

    def test_lacp_distributing(self) -> None:
        states = [PortState(2, True, True, True), PortState(3, True, True, False)]
        pm = PortMap(LaggProto.LACP, states, hasher=FrameHasher(ALL, 1))
        assert pm.tx_port(self.frame, VNET) == 0
        assert pm.rx_ok == [True, True]
        assert pm.link_up

    def test_empty(self) -> None:
        for proto in LaggProto:
            assert PortMap(proto, []).tx_port(self.frame, VNET) == DROP

    def test_sequence_carried_over(self) -> None:
        pm = PortMap(LaggProto.ROUNDROBIN, ports(True, True))
        pm.tx_port(self.frame, VNET)
        pm2 = PortMap(LaggProto.ROUNDROBIN, ports(True, True))
        pm2.reset_sequence(pm.sequence)
        assert pm2.tx_port(self.frame, VNET) == 1
