"""The sans-IO LACP machine, driven through ``LinkPair`` (two systems, cables, a fake clock)."""

from __future__ import annotations

import itertools
import math

import pytest

from lagg_ifconfig.errors import LacpUsageError
from lagg_ifconfig.lacp import (
    AGGREGATE_WAIT_TIME,
    ActorChanged,
    ActorConfig,
    LacpEnabled,
    LacpPdu,
    LacpSystem,
    LinkState,
    MarkerPdu,
    MarkerTlv,
    PduReceived,
    PortAdded,
    PortEnabled,
    PortRemoved,
    SetCollecting,
    SetDistributing,
    Transmit,
    compose_key,
    decode,
    encode,
)
from lagg_ifconfig.lacp.machine import TRACE_LENGTH
from lagg_ifconfig.model import LacpId, LacpPortInfo, LacpState, PortFlag
from tests.lacp_harness import SYSTEM_A, SYSTEM_B, LinkPair
from tests.unit.test_lacp_pdu import VECTORS, load_vector

S = LacpState
IN_SYNC_FAST = S.ACTIVITY | S.TIMEOUT | S.AGGREGATION | S.SYNC | S.COLLECTING | S.DISTRIBUTING  # 0x3f
IN_SYNC_SLOW = IN_SYNC_FAST & ~S.TIMEOUT  # 0x3d
STRICT_DEFAULT = LacpId(0xFFFF, bytes(6), 0, 0xFFFF, 0)
KEY_1G_LAGG10 = 11 | (10 << 5)
KEY_1G_LAGG20 = 11 | (20 << 5)


def converged(lp: LinkPair, ports: range | None = None) -> bool:
    indices = ports if ports is not None else range(lp.n_ports)
    return all(
        lp.snap(side).port(name).mux_state == "DISTRIBUTING"
        for side, prefix in (("a", "fxp"), ("b", "lp"))
        for name in (f"{prefix}{i}" for i in indices)
    )


def started(ports: int = 2, **kwargs: object) -> LinkPair:
    lp = LinkPair(ports, **kwargs)  # type: ignore[arg-type]
    lp.start()
    lp.run_until(lambda: converged(lp), timeout=3.0)
    return lp


def transitions(lp: LinkPair, side: str, machine: str, port: str) -> list[tuple[float, str, str]]:
    return [
        (t.now - 1000.0, t.old, t.new)
        for t in lp.system(side).trace
        if t.machine == machine and t.port == port and t.old != t.new
    ]


# ------------------------------------------------------------------ convergence


def test_both_sides_distribute_within_3s_on_fast_timers() -> None:
    # GIVEN two laggs with fast timeout, two cables, links up
    lp = LinkPair(2, fast=True)
    # WHEN both come up
    lp.start()
    took = lp.run_until(lambda: converged(lp), timeout=3.0)
    # THEN every port of both sides distributes in one exchange: with every port selected there
    # is nothing to wait for (no aggregate wait)
    assert took <= 0.1
    # and within the second the last LACPDU (held by the 3-per-second limit) tells the partner
    lp.advance(1.0)
    for side, me, peer, my_key, peer_key in (
        ("a", SYSTEM_A, SYSTEM_B, KEY_1G_LAGG10, KEY_1G_LAGG20),
        ("b", SYSTEM_B, SYSTEM_A, KEY_1G_LAGG20, KEY_1G_LAGG10),
    ):
        status = lp.snap(side)
        assert status.active_ports == 2
        assert status.flapping == 0
        assert status.link_up
        assert status.lag_id == (LacpId(0x8000, me, my_key, 0, 0), LacpId(0x8000, peer, peer_key, 0, 0))
        for number, port in enumerate(status.ports, start=3):
            assert port.actor_state == IN_SYNC_FAST
            assert port.partner_state == IN_SYNC_FAST
            assert port.flags == PortFlag.ACTIVE | PortFlag.COLLECTING | PortFlag.DISTRIBUTING
            assert (port.rx_state, port.mux_state, port.periodic_state) == (
                "CURRENT",
                "DISTRIBUTING",
                "FAST_PERIODIC",
            )
            assert status.port_info(port.name) == LacpPortInfo(
                IN_SYNC_FAST,
                LacpId(0x8000, me, my_key, 0x8000, number),
                LacpId(0x8000, peer, peer_key, 0x8000, number),
                IN_SYNC_FAST,
            )
        # the datapath was told the same, link state last
        assert lp.link_up[side] is True
        assert [e.action for e in lp.actions(side, LinkState)] == [LinkState(False), LinkState(True)]
    assert all(lp.collecting.values())
    assert all(lp.distributing.values())
    assert len(lp.collecting) == len(lp.distributing) == 4


def test_aggregate_wait_holds_while_a_port_could_still_join() -> None:
    # GIVEN two laggs whose second cable carries nothing (link up, a port that may join later)
    lp = LinkPair(2, fast=True)
    lp.cable(1).cut()
    lp.start()
    # WHEN fxp0 hears its partner, it waits the aggregate wait (2 s) for fxp1 before attaching
    took = lp.run_until(lambda: lp.snap("a").port("fxp0").distributing, timeout=5.0)
    assert took == pytest.approx(AGGREGATE_WAIT_TIME, abs=0.1)
    assert not lp.snap("a").port("fxp1").selected


def test_slow_timers_converge_and_send_every_30s() -> None:
    lp = started(2, fast=False)
    assert lp.snap("a").port("fxp0").actor_state == IN_SYNC_SLOW
    t0 = lp.now
    lp.advance(95)
    sent = [t - t0 for t in lp.lacpdu_times[("a", "fxp0")] if t > t0]
    # the LACPDU held by the rate limit at 1 s, then one every 30 s
    assert sent == pytest.approx([1.0, 30.0, 60.0, 90.0], abs=0.1)
    assert all(b - a == pytest.approx(30.0) for a, b in itertools.pairwise(sent[1:]))
    assert converged(lp)


def test_active_and_passive_converge_two_passive_stay_silent() -> None:
    lp = LinkPair(2, b_config=ActorConfig(SYSTEM_B, lagg_ifindex=20, fast_timeout=True, active=False))
    lp.start()
    lp.run_until(lambda: converged(lp), timeout=3.0)
    assert LacpState.ACTIVITY not in lp.snap("b").port("lp0").actor_state

    quiet = LinkPair(
        2,
        a_config=ActorConfig(SYSTEM_A, lagg_ifindex=10, active=False),
        b_config=ActorConfig(SYSTEM_B, lagg_ifindex=20, active=False),
    )
    quiet.start()
    quiet.advance(100)
    assert quiet.lacpdu_times == {}
    assert quiet.snap("a").port("fxp0").periodic_state == "NO_PERIODIC"


# ------------------------------------------------------------------ partner loss


def test_cut_port_expires_after_3s_then_defaults_after_3_more() -> None:
    lp = started(2)
    lp.advance(0.5)
    last_rx = max(t.now for t in lp.a.trace if t.machine == "rx" and t.port == "fxp0") - 1000.0
    # WHEN the cable of fxp0 goes silent (the link stays up)
    lp.cable(0).cut()
    lp.advance(10)
    # THEN fxp0 is EXPIRED 3 s after the last LACPDU, and DEFAULTED 3 s later
    rx = [(t, new) for t, old, new in transitions(lp, "a", "rx", "fxp0") if t > last_rx]
    assert rx == [(last_rx + 3.0, "EXPIRED"), (last_rx + 6.0, "DEFAULTED")]
    port = lp.snap("a").port("fxp0")
    assert port.actor_state == S.ACTIVITY | S.TIMEOUT | S.AGGREGATION | S.DEFAULTED  # 0x47
    assert (port.partner, port.partner_state) == (STRICT_DEFAULT, S(0))
    assert not port.selected
    assert port.flags == PortFlag(0)
    # the other port carries on alone; its loss counted one flap
    status = lp.snap("a")
    assert status.port("fxp1").mux_state == "DISTRIBUTING"
    assert (status.active_ports, status.flapping, status.link_up) == (1, 1, True)
    assert lp.distributing[("a", "fxp0")] is False
    assert lp.collecting[("a", "fxp0")] is False


def test_expired_port_shows_expired_and_asks_for_fast_pdus() -> None:
    lp = started(2, fast=False)
    lp.cable(1).cut()
    lp.advance(91)  # long timeout: 90 s
    port = lp.snap("a").port("fxp1")
    assert port.rx_state == "EXPIRED"
    assert S.EXPIRED in port.actor_state
    assert S.TIMEOUT in port.partner_state
    assert S.SYNC not in port.partner_state
    assert port.periodic_state == "FAST_PERIODIC"


def test_restored_cable_aggregates_again() -> None:
    lp = started(2)
    lp.cable(0).cut()
    lp.advance(10)
    lp.cable(0).restore()
    # both ends are DEFAULTED and send every 30 s: recovery waits for the next PDU
    took = lp.run_until(lambda: converged(lp), timeout=35.0)
    assert took <= 33.0
    assert lp.snap("a").active_ports == 2


def test_strict_mode_silent_partner_never_aggregates() -> None:
    # GIVEN a lagg whose partner never speaks (the far lagg stays down)
    lp = LinkPair(2, fast=True, strict=True)
    lp.start(enable=("a",))
    lp.advance(100)
    # THEN no port is selected or distributing, the lagg has no carrier and no lag id
    status = lp.snap("a")
    assert status.active_ports == 0
    assert status.lag_id is None
    assert not status.link_up
    for port in status.ports:
        assert port.rx_state == "DEFAULTED"
        assert not port.selected
        assert port.flags == PortFlag(0)
        assert port.actor_state == S.ACTIVITY | S.TIMEOUT | S.AGGREGATION | S.DEFAULTED
        assert (port.partner, port.partner_state) == (STRICT_DEFAULT, S(0))
    assert [e.action for e in lp.actions("a", LinkState)] == [LinkState(False)]
    assert not lp.actions("a", SetCollecting)
    assert not lp.actions("a", SetDistributing)
    # fast PDUs while EXPIRED (the partner's timeout is taken as short), then every 30 s
    sent = [round(t - 1000.0, 6) for t in lp.lacpdu_times[("a", "fxp0")]]
    assert sent == [0.0, 1.0, 2.0, 3.0, 33.0, 63.0, 93.0]
    # the silent side ignored them: its lagg is down
    assert lp.b.stats.ignored == lp.b.stats.lacpdus_rx > 0


def test_optimistic_mode_still_never_selects_a_defaulted_port() -> None:
    lp = LinkPair(2, fast=True, strict=False)
    lp.start(enable=("a",))
    lp.advance(10)
    port = lp.snap("a").port("fxp0")
    assert port.partner_state == S.SYNC | S.AGGREGATION | S.COLLECTING | S.DISTRIBUTING
    assert port.rx_state == "DEFAULTED"
    assert not port.selected
    assert lp.snap("a").active_ports == 0


def test_strict_flip_rerecords_defaults() -> None:
    lp = LinkPair(1, fast=True)
    lp.start(enable=("a",))
    lp.advance(10)
    lp.handle("a", ActorChanged(strict=False))
    assert lp.snap("a").port("fxp0").partner_state == S.SYNC | S.AGGREGATION | S.COLLECTING | S.DISTRIBUTING
    lp.handle("a", ActorChanged(strict=True))
    assert lp.snap("a").port("fxp0").partner_state == S(0)


# ------------------------------------------------------------------ keys and selection


def test_key_mismatch_on_one_port_leaves_it_out() -> None:
    # GIVEN the second port pair runs at 100 Mb/s: its key differs from the 1 Gb/s pair's
    lp = LinkPair(2, fast=True, speeds=[1000, 100])
    lp.start()
    lp.run_until(lambda: converged(lp, range(1)), timeout=3.0)
    lp.advance(10)
    for side, name in (("a", "fxp1"), ("b", "lp1")):
        status = lp.snap(side)
        port = status.port(name)
        # THEN it hears its partner but is not aggregated: another aggregator, not the active one
        assert port.rx_state == "CURRENT"
        assert not port.selected
        assert port.mux_state == "DETACHED"
        assert port.flags == PortFlag(0)
        assert status.active_ports == 1
    assert lp.snap("a").port("fxp1").actor.key == compose_key(100, 10, 4, True) == 0x146
    assert lp.snap("a").port("fxp0").actor.key == 0x14B


def test_partner_key_mismatch_on_one_port() -> None:
    lp = LinkPair(2, fast=True, speeds=[1000, 1000], b_speeds=[1000, 100])
    lp.start()
    lp.run_until(lambda: converged(lp, range(1)), timeout=3.0)
    lp.advance(10)
    assert lp.snap("a").port("fxp1").partner.key != lp.snap("a").port("fxp0").partner.key
    assert not lp.snap("a").port("fxp1").selected
    assert not lp.snap("b").port("lp1").selected
    assert lp.snap("a").active_ports == lp.snap("b").active_ports == 1


def test_greatest_total_speed_wins() -> None:
    # three pairs: one 10G, two 1G; 2 Gb/s together lose to 10 Gb/s alone
    lp = LinkPair(3, fast=True, speeds=[1000, 10_000, 1000])
    lp.start()
    lp.run_until(lambda: converged(lp, range(1, 2)), timeout=3.0)
    lp.advance(5)
    status = lp.snap("a")
    assert [p.selected for p in status.ports] == [False, True, False]
    assert status.lag_id is not None
    assert status.lag_id[0].key == compose_key(10_000, 10, 4, True)


@pytest.mark.parametrize(
    ("speed", "aggregatable", "key"),
    [
        (100, True, 0x146),  # the Handbook's 0x146: 100 Mb/s, lagg if_index 10
        (1000, True, 0x14B),
        (10_000, True, 0x152),
        (10, True, 0x143),
        (2500, True, 0x804 | 0x140),  # IFM_X(36): extended subtype bits
        (123, True, 25 | 0x140),  # unknown speed: IFM_UNKNOWN
        (1000, False, 0x8003),  # not aggregatable: 0x8000 | port if_index
    ],
)
def test_compose_key(speed: int, aggregatable: bool, key: int) -> None:
    assert compose_key(speed, 10, 3, aggregatable) == key


# ------------------------------------------------------------------ options


def test_fast_timeout_off_and_on() -> None:
    lp = started(2, fast=True)
    # WHEN lagg a drops lacp_fast_timeout
    lp.handle("a", ActorChanged(fast_timeout=False))
    lp.advance(1)
    a0, b0 = lp.snap("a").port("fxp0"), lp.snap("b").port("lp0")
    # THEN a advertises a long timeout, b answers with slow PDUs, nothing breaks
    assert a0.actor_state == IN_SYNC_SLOW
    assert b0.partner_state == IN_SYNC_SLOW
    assert b0.periodic_state == "SLOW_PERIODIC"
    t0 = lp.now
    lp.advance(60)
    b_sent = [t for t in lp.lacpdu_times[("b", "lp0")] if t > t0]
    a_sent = [t for t in lp.lacpdu_times[("a", "fxp0")] if t > t0]
    assert len(b_sent) == 2
    assert len(a_sent) >= 59
    a0 = lp.snap("a").port("fxp0")
    assert a0.current_while is not None
    assert a0.current_while - b_sent[-1] == pytest.approx(90.0)
    assert converged(lp)
    # WHEN it is switched on again, b goes back to fast at once
    lp.handle("a", ActorChanged(fast_timeout=True))
    assert lp.snap("b").port("lp0").periodic_state == "FAST_PERIODIC"
    assert lp.lacpdu_times[("b", "lp0")][-1] == lp.now
    assert lp.snap("a").port("fxp0").actor_state == IN_SYNC_FAST
    assert converged(lp)


def test_system_mac_change_forms_the_aggregation_again() -> None:
    lp = started(2)
    new_mac = bytes.fromhex("02aabbccddee")
    lp.handle("a", ActorChanged(system=new_mac))
    took = lp.run_until(lambda: converged(lp) and lp.snap("b").port("lp0").partner.system == new_mac, timeout=4.0)
    assert took <= 3.0
    lag_id = lp.snap("b").lag_id
    assert lag_id is not None
    assert lag_id[1].system == new_mac


# ------------------------------------------------------------------ links, lagg, ports


def test_link_down_and_up() -> None:
    lp = started(2, fast=False)
    lp.handle("a", PortEnabled("fxp0", False))
    port = lp.snap("a").port("fxp0")
    # FreeBSD: link down is "not aggregatable", key 0x8000|ifindex, partner forgotten: 41<ACTIVITY,DEFAULTED>
    assert port.actor_state == S.ACTIVITY | S.DEFAULTED
    assert port.actor.key == 0x8003
    assert (port.rx_state, port.mux_state) == ("PORT_DISABLED", "DETACHED")
    assert lp.distributing[("a", "fxp0")] is False
    assert lp.snap("a").active_ports == 1
    assert lp.snap("a").flapping == 1
    # link back: EXPIRED (fast PDUs asked for), then aggregated again after the 2 s wait
    lp.handle("a", PortEnabled("fxp0", True))
    assert lp.snap("a").port("fxp0").rx_state in {"EXPIRED", "CURRENT"}
    took = lp.run_until(lambda: converged(lp), timeout=5.0)
    assert took <= 3.0


def test_half_duplex_port_is_lacp_disabled() -> None:
    system = LacpSystem(ActorConfig(SYSTEM_A, lagg_ifindex=10))
    system.handle(PortAdded("fxp0", 3, 100, False, bytes(5) + b"\x01", enabled=True), 0.0)
    system.handle(LacpEnabled(True), 0.0)
    actions = system.poll(0.0)
    port = system.snapshot().port("fxp0")
    assert port.rx_state == "LACP_DISABLED"
    assert port.actor.key == 0x8003
    assert S.AGGREGATION not in port.actor_state
    assert actions == [LinkState(False)]  # no LACPDU on a half-duplex link
    system.handle(PortEnabled("fxp0", True, full_duplex=True), 1.0)
    assert system.snapshot().port("fxp0").rx_state == "EXPIRED"
    assert any(isinstance(a, Transmit) for a in system.poll(1.0))


def test_lagg_down_goes_quiet() -> None:
    lp = started(2)
    lp.handle("a", LacpEnabled(False))
    status = lp.snap("a")
    assert not status.link_up
    assert status.active_ports == 0
    assert not status.lacp_enabled
    assert lp.link_up["a"] is False
    assert not any(lp.distributing[("a", p)] for p in ("fxp0", "fxp1"))
    before = sum(len(v) for k, v in lp.lacpdu_times.items() if k[0] == "a")
    lp.advance(10)
    assert sum(len(v) for k, v in lp.lacpdu_times.items() if k[0] == "a") == before
    assert all(p.rx_state == "DEFAULTED" for p in lp.snap("b").ports)
    # and up again
    lp.handle("a", LacpEnabled(True))
    lp.run_until(lambda: converged(lp), timeout=35.0)


def test_port_removed_turns_its_datapath_off() -> None:
    lp = started(2)
    lp.remove_port("a", 1)
    assert [e.action for e in lp.log[-4:] if e.side == "a" and not isinstance(e.action, Transmit)] == [
        SetDistributing("fxp1", False),
        SetCollecting("fxp1", False),
    ]
    assert [p.name for p in lp.snap("a").ports] == ["fxp0"]
    assert lp.snap("a").active_ports == 1
    lp.advance(10)
    assert lp.snap("b").active_ports == 1
    # added again, it joins again
    lp.add_port("a", 1)
    lp.run_until(lambda: converged(lp), timeout=35.0)


# ------------------------------------------------------------------ markers, faults


def test_marker_information_is_answered_on_the_same_port() -> None:
    lp = started(2)
    requester = bytes.fromhex("000e83aabbcc")
    info = MarkerPdu(MarkerTlv.INFORMATION, 0x101, requester, 0xCAFE)
    lp.a.handle(PduReceived("fxp1", encode(info, requester)), lp.now)
    actions = lp.a.poll(lp.now)
    assert len(actions) == 1
    (reply,) = actions
    assert isinstance(reply, Transmit)
    assert reply.port == "fxp1"
    assert reply.pdu == MarkerPdu(MarkerTlv.RESPONSE, 0x101, requester, 0xCAFE)
    assert decode(reply.frame) == reply.pdu
    assert reply.frame[6:12] == bytes([2, 0, 0, 0, 0, 1])  # fxp1's own MAC
    # a flood is answered five times a second at most; responses we never asked for are counted
    for _ in range(7):
        lp.a.handle(PduReceived("fxp0", info), lp.now)
    lp.a.handle(PduReceived("fxp0", info.response()), lp.now)
    assert sum(isinstance(a, Transmit) for a in lp.a.poll(lp.now)) <= 5 + 1
    stats = lp.a.stats
    assert stats.markers_rx == 9
    assert stats.marker_responses_tx == 6
    assert stats.marker_responses_dropped == 2
    assert stats.unexpected_marker_responses == 1
    assert converged(lp)


def test_peer_faults_are_counted_never_raised() -> None:
    lp = started(2)
    good = encode(decode(encode(MarkerPdu(MarkerTlv.INFORMATION, 1, SYSTEM_B, 1), SYSTEM_B)), SYSTEM_B)
    bad_tlv = good[:14] + b"\x01\x01\x01\x13" + good[18:]  # LACPDU, actor length 19
    oam = good[:14] + b"\x03" + good[15:]
    looped = LacpPdu(0x8000, SYSTEM_A, KEY_1G_LAGG10, 0x8000, 4, IN_SYNC_FAST)
    before = lp.snap("a")
    for pdu in (b"", b"\x01" * 20, bad_tlv, oam, encode(looped, SYSTEM_A), looped):
        lp.a.handle(PduReceived("fxp0", pdu), lp.now)
    lp.pump()
    stats = lp.a.stats
    assert (stats.bad_pdus, stats.unknown_subtype, stats.looped_back) == (3, 1, 2)
    assert lp.snap("a").port("fxp0").bad_pdus == 3
    after = lp.snap("a")
    assert [p.actor_state for p in after.ports] == [p.actor_state for p in before.ports]
    assert any(t.event.startswith("bad PDU: ") for t in lp.a.trace)


def test_usage_errors_change_nothing() -> None:
    lp = started(2)
    before = lp.snap("a")
    trace = len(lp.a.trace)
    mac = bytes(6)
    bad_calls: list[tuple[object, float]] = [
        (PortRemoved("nope"), lp.now),
        (PortEnabled("nope", True), lp.now),
        (PduReceived("nope", b""), lp.now),
        (PortAdded("fxp0", 99, 1000, True, mac), lp.now),  # name taken
        (PortAdded("fxp9", 3, 1000, True, mac), lp.now),  # ifindex taken
        (PortAdded("fxp9", 0, 1000, True, mac), lp.now),  # port number 0
        (PortAdded("fxp9", 9, 1000, True, b"\x01"), lp.now),  # bad MAC
        (PortAdded("fxp9", 9, -1, True, mac), lp.now),  # bad speed
        (PortAdded("", 9, 1000, True, mac), lp.now),
        (PortAdded("fxp9", 9, 1000, None, mac), lp.now),  # type: ignore[arg-type]
        (PortAdded("fxp9", 9, None, True, mac), lp.now),  # type: ignore[arg-type]
        (PortEnabled("fxp0", 1), lp.now),  # type: ignore[arg-type]
        (PortEnabled("fxp0", True, speed_mbps=-5), lp.now),
        (PduReceived("fxp0", 42), lp.now),  # type: ignore[arg-type]
        (ActorChanged(system=b"\x00"), lp.now),
        (ActorChanged(strict="yes"), lp.now),  # type: ignore[arg-type]
        (LacpEnabled(1), lp.now),  # type: ignore[arg-type]
        ("not an event", lp.now),
        (LacpEnabled(True), lp.now - 1),  # time went back
        (LacpEnabled(True), math.nan),
        (LacpEnabled(True), math.inf),
    ]
    for event, now in bad_calls:
        with pytest.raises(LacpUsageError):
            lp.a.handle(event, now)  # type: ignore[arg-type]
    with pytest.raises(LacpUsageError):
        lp.a.poll(lp.now - 0.5)
    assert lp.snap("a") == before
    assert len(lp.a.trace) == trace
    with pytest.raises(LacpUsageError):
        ActorConfig(b"short")
    with pytest.raises(LacpUsageError):
        LacpSystem("config")  # type: ignore[arg-type]


def test_port_limit() -> None:
    system = LacpSystem(ActorConfig(SYSTEM_A))
    for i in range(32):
        system.handle(PortAdded(f"p{i}", i + 1, 1000, True, bytes(6)), 0.0)
    with pytest.raises(LacpUsageError, match="at most 32"):
        system.handle(PortAdded("p32", 33, 1000, True, bytes(6)), 0.0)


def test_idle_system_and_bounded_trace() -> None:
    system = LacpSystem(ActorConfig(SYSTEM_A))
    assert system.next_deadline() is None
    assert system.poll(0.0) == [LinkState(False)]
    assert system.poll(1.0) == []
    lp = started(2)
    lp.advance(600)
    assert len(lp.a.trace) == TRACE_LENGTH
    assert lp.a.next_deadline() is not None


def test_tx_rate_limit_holds_ntt() -> None:
    # GIVEN a port that has already sent three LACPDUs in this second
    lp = started(1)
    lp.advance(0.5)
    sys_a = lp.a
    for i in range(4):
        # each flip changes our actor state: NTT, and one PDU per poll
        sys_a.handle(ActorChanged(fast_timeout=i % 2 == 1), lp.now)
        lp.pump()
    times = lp.lacpdu_times[("a", "fxp0")]
    # THEN never more than three in any second; the held PDU goes out when the window opens
    assert all(later >= earlier + 1.0 for earlier, later in zip(times, times[3:], strict=False))
    assert sys_a.stats.tx_rate_limited >= 1
    deadline = sys_a.next_deadline()
    assert deadline is not None
    assert deadline <= lp.now + 1.0
    lp.advance(1.0)
    assert lp.snap("a").port("fxp0").ntt is False


def test_port_removed_and_added_again_keeps_the_rate_limit() -> None:
    # the same wire: a port re-added within a second may not send a fourth PDU in that second
    lp = started(1)
    lp.handle("a", ActorChanged(fast_timeout=False))
    lp.remove_port("a", 0)
    lp.add_port("a", 0)
    times = lp.lacpdu_times[("a", "fxp0")]
    assert all(later >= earlier + 1.0 for earlier, later in zip(times, times[3:], strict=False))
    lp.run_until(lambda: converged(lp), timeout=35.0)


def test_replaying_ovs_reproduces_our_captured_frames_byte_for_byte() -> None:
    # GIVEN the lab's side of captures/ovs-fast.pcapng: lagg MAC 02:00:00:00:0a:01, lagg
    # if_index 10, fxp0 = if_index 2 at 10 Gb/s with MAC 06:c3:e0:e2:95:30, fast timeout
    ours_first, _ = load_vector(VECTORS / "ours-fast-expired.hex")
    ours_in_sync, _ = load_vector(VECTORS / "ours-fast-in-sync.hex")
    ovs_reply, _ = load_vector(VECTORS / "ovs-fast-first-reply.hex")
    ovs_in_sync, _ = load_vector(VECTORS / "ovs-fast-in-sync.hex")
    system = LacpSystem(ActorConfig(bytes.fromhex("020000000a01"), lagg_ifindex=10, fast_timeout=True))
    system.handle(PortAdded("fxp0", 2, 10_000, True, bytes.fromhex("06c3e0e29530"), True), 0.0)
    system.handle(LacpEnabled(True), 0.0)

    def sent(now: float) -> list[bytes]:
        return [a.frame for a in system.poll(now) if isinstance(a, Transmit)]

    # THEN our first LACPDU is the captured one, to the byte
    assert sent(0.0) == [ours_first]
    # WHEN OVS answers as it did, and time passes
    system.handle(PduReceived("fxp0", ovs_reply), 0.001)
    frames = sent(0.001)
    for now in (1.0, 2.0):
        frames += sent(now)
        system.handle(PduReceived("fxp0", ovs_in_sync), now + 0.001)
        frames += sent(now + 0.001)
    # THEN the port distributes, and what it says is what the wire carried then
    assert system.snapshot().port("fxp0").mux_state == "DISTRIBUTING"
    assert frames[-1] == ours_in_sync
