"""Hypothesis properties of distribution: hash stability, rr stride, failover choice."""

from __future__ import annotations

import struct

from hypothesis import given
from hypothesis import strategies as st

from lagg_ifconfig.distribution import (
    DROP,
    FrameHasher,
    PortMap,
    PortState,
    frame_hash,
    link_active,
    port_flags,
)
from lagg_ifconfig.model import HashLayer, LaggProto, PortFlag

VNET = 10
layers_st = st.integers(min_value=0, max_value=7).map(HashLayer)
key_st = st.integers(min_value=0, max_value=0xFFFFFFFF)
states_st = st.lists(st.booleans(), min_size=0, max_size=32).map(
    lambda act: [PortState(ifindex=i + 2, active=a) for i, a in enumerate(act)]
)


@st.composite
def ipv4_frames(draw: st.DrawFn) -> bytes:
    macs = draw(st.binary(min_size=12, max_size=12))
    addrs = draw(st.binary(min_size=8, max_size=8))
    proto = draw(st.sampled_from([6, 17, 132, 1]))
    frag = draw(st.sampled_from([0, 0, 0x2000, 0x0010]))
    l4 = draw(st.binary(min_size=4, max_size=20))
    ip = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(l4), draw(st.integers(0, 0xFFFF)), frag, 64, proto, 0)
    return macs + b"\x08\x00" + ip + addrs + l4


any_frames = st.one_of(ipv4_frames(), st.binary(max_size=120))


@given(any_frames, layers_st, key_st)
def test_hash_is_deterministic_and_32_bit(frame: bytes, layers: HashLayer, key: int) -> None:
    h = frame_hash(frame, 0, layers, key)
    assert h == frame_hash(frame, 0, layers, key)
    assert 0 <= h <= 0xFFFFFFFF


@given(any_frames, layers_st, key_st)
def test_memoised_hasher_always_agrees(frame: bytes, layers: HashLayer, key: int) -> None:
    hasher = FrameHasher(layers, key)
    buf = bytes(VNET) + frame
    assert hasher(buf, VNET) == frame_hash(buf, VNET, layers, key)
    assert hasher(buf, VNET) == frame_hash(frame, 0, layers, key)


@given(ipv4_frames(), key_st, st.integers(0, 0xFFFF))
def test_ip_id_and_ttl_never_change_the_hash(frame: bytes, key: int, ip_id: int) -> None:
    other = bytearray(frame)
    struct.pack_into("!H", other, 18, ip_id)
    other[22] = 1  # TTL
    assert frame_hash(bytes(other), 0, HashLayer(7), key) == frame_hash(frame, 0, HashLayer(7), key)


@given(ipv4_frames(), key_st)
def test_no_layers_hash_is_the_key(frame: bytes, key: int) -> None:
    assert frame_hash(frame, 0, HashLayer(0), key) == key


@given(states_st, st.integers(min_value=-1, max_value=33))
def test_link_active_returns_an_active_port_or_none(states: list[PortState], start: int) -> None:
    i = link_active(states, start)
    if any(p.active for p in states):
        assert 0 <= i < len(states)
        assert states[i].active
        if 0 <= start < len(states) and states[start].active:
            assert i == start
    else:
        assert i == -1


@given(states_st, st.integers(min_value=1, max_value=8), st.integers(min_value=0, max_value=200))
def test_roundrobin_stride_and_order(states: list[PortState], stride: int, n: int) -> None:
    pm = PortMap(LaggProto.ROUNDROBIN, states, rr_stride=stride)
    frame = bytes(64)
    for seq in range(n):
        got = pm.tx_port(frame, VNET)
        if not states:
            assert got == DROP
        else:
            assert got == link_active(states, (seq // stride) % len(states))


@given(states_st, st.data())
def test_failover_exactly_one_master_and_at_most_one_active(states: list[PortState], data: st.DataObject) -> None:
    if not states:
        return
    primary = data.draw(st.integers(0, len(states) - 1))
    flags = port_flags(LaggProto.FAILOVER, states, primary)
    assert [bool(f & PortFlag.MASTER) for f in flags].count(True) == 1
    assert flags[primary] & PortFlag.MASTER
    actives = [i for i, f in enumerate(flags) if f & PortFlag.ACTIVE]
    assert len(actives) == (1 if any(p.active for p in states) else 0)
    pm = PortMap(LaggProto.FAILOVER, states, primary=primary)
    assert pm.tx_port(bytes(64), VNET) == (actives[0] if actives else DROP)
    if states[primary].active:  # pre-emption: the primary carries traffic whenever it can
        assert actives == [primary]
        assert pm.rx_ok == [i == primary for i in range(len(states))]


@given(states_st, key_st, st.lists(ipv4_frames(), min_size=1, max_size=10))
def test_loadbalance_picks_active_ports_stably(states: list[PortState], key: int, frames: list[bytes]) -> None:
    hasher = FrameHasher(HashLayer(7), key)
    pm = PortMap(LaggProto.LOADBALANCE, states, hasher=hasher)
    for f in frames:
        buf = bytes(VNET) + f
        i = pm.tx_port(buf, VNET)
        if any(p.active for p in states):
            assert states[i].active
            assert i == pm.tx_port(buf, VNET)
        else:
            assert i == DROP
