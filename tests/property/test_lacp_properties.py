"""Properties of the LACP machine: a stateful model of two laggs, and a PDU fuzz.

The stateful test drives ``LinkPair`` with random operator and network events
and checks, after every step, what 802.1AX and FreeBSD promise:

* distributing => collecting => attached => selected, per port;
* all selected ports share one partner (system and key) and one actor key;
* at most three LACPDUs per port in any one-second window (checked in the
  transmit hook, as each PDU goes out);
* a port whose Receive machine is not CURRENT is not selected;
* the datapath (what the actions said) agrees with ``snapshot()``, and the
  lagg's carrier is up iff a port distributes;
* no deadline is left in the past (``poll`` never leaves work behind).

The fuzz feeds well over 100 000 mutated and random frames to ``handle``: none
may raise, each is counted exactly where ``decode`` says it belongs.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from lagg_ifconfig.errors import PduError
from lagg_ifconfig.lacp import (
    ActorChanged,
    ActorConfig,
    LacpEnabled,
    LacpPdu,
    LacpStatus,
    LacpSystem,
    MarkerPdu,
    MarkerTlv,
    PduReceived,
    PortAdded,
    PortEnabled,
    UnknownSubtypeError,
    decode,
    encode,
)
from lagg_ifconfig.model import LacpState
from tests.lacp_harness import SIDES, SYSTEM_A, SYSTEM_B, LinkPair, port_name

N_PORTS = 3
S = LacpState


def check_structure(status: LacpStatus) -> None:
    """The per-port and per-lagg invariants that hold after every ``poll``."""
    selected = [p for p in status.ports if p.selected]
    for port in status.ports:
        attached = port.mux_state in {"ATTACHED", "COLLECTING", "DISTRIBUTING"}
        if port.mux_state == "DISTRIBUTING" or S.DISTRIBUTING in port.actor_state:
            assert port.collecting, port
        if port.collecting:
            assert attached, port
            assert S.SYNC in port.actor_state, port
        if attached:
            assert port.selected, port
        if port.selected:
            assert port.rx_state == "CURRENT", port
        assert (S.SYNC in port.actor_state) == attached, port
    partners = {(p.partner.system_priority, p.partner.system, p.partner.key) for p in selected}
    assert len(partners) <= 1, partners
    assert len({p.actor.key for p in selected}) <= 1
    distributing = sum(1 for p in status.ports if p.distributing)
    assert status.active_ports == distributing
    assert (status.lag_id is not None) == (distributing > 0)


class TwoLaggs(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.lp = LinkPair(N_PORTS, fast=True)
        self.lp.tx_hook = self.on_lacpdu
        self.fast = {"a": True, "b": True}
        self.lp.start()

    def on_lacpdu(self, side: str, port: str, now: float, pdu: LacpPdu) -> None:
        times = self.lp.lacpdu_times[(side, port)]
        assert len(times) < 4 or times[-1] >= times[-4] + 1.0, (side, port, times[-4:])
        assert pdu.actor_port_priority == 0x8000
        assert pdu.actor_system_priority == 0x8000

    # ------------------------------------------------------------ network
    @rule(i=st.integers(0, N_PORTS - 1))
    def cut(self, i: int) -> None:
        self.lp.cable(i).cut()

    @rule(i=st.integers(0, N_PORTS - 1))
    def restore(self, i: int) -> None:
        self.lp.cable(i).restore()

    @rule(i=st.integers(0, N_PORTS - 1), n=st.integers(1, 3))
    def drop(self, i: int, n: int) -> None:
        self.lp.cable(i).drop_next(n)

    @rule(i=st.integers(0, N_PORTS - 1), delay=st.sampled_from([0.0, 0.01, 0.3]))
    def delay(self, i: int, delay: float) -> None:
        self.lp.cable(i).delay = delay

    @rule(seconds=st.one_of(st.sampled_from([0.25, 1.0, 2.0, 3.0, 3.5]), st.floats(0.0, 40.0)))
    def advance(self, seconds: float) -> None:
        self.lp.advance(seconds)

    # ------------------------------------------------------------ operator
    @rule(side=st.sampled_from(SIDES))
    def flip_timeout(self, side: str) -> None:
        self.fast[side] = not self.fast[side]
        self.lp.handle(side, ActorChanged(fast_timeout=self.fast[side]))

    @rule(side=st.sampled_from(SIDES), active=st.booleans())
    def set_activity(self, side: str, active: bool) -> None:
        self.lp.handle(side, ActorChanged(active=active))

    @rule(side=st.sampled_from(SIDES), i=st.integers(0, N_PORTS - 1), up=st.booleans())
    def link(self, side: str, i: int, up: bool) -> None:
        name = port_name(side, i)
        if name in self.lp.attached[side]:
            self.lp.handle(side, PortEnabled(name, up))

    @rule(side=st.sampled_from(SIDES), up=st.booleans())
    def lagg(self, side: str, up: bool) -> None:
        self.lp.handle(side, LacpEnabled(up))

    @precondition(lambda self: any(self.lp.attached[s] for s in SIDES))
    @rule(data=st.data())
    def remove_port(self, data: st.DataObject) -> None:
        side = data.draw(st.sampled_from([s for s in SIDES if self.lp.attached[s]]))
        name = data.draw(st.sampled_from(sorted(self.lp.attached[side])))
        self.lp.remove_port(side, int(name[-1]))

    @rule(side=st.sampled_from(SIDES), i=st.integers(0, N_PORTS - 1))
    def add_port(self, side: str, i: int) -> None:
        if port_name(side, i) not in self.lp.attached[side]:
            self.lp.add_port(side, i)

    # ------------------------------------------------------------ invariants
    @invariant()
    def machines_are_consistent(self) -> None:
        for side in SIDES:
            status = self.lp.snap(side)
            check_structure(status)
            for port in status.ports:
                key = (side, port.name)
                assert self.lp.distributing.get(key, False) == port.distributing
                assert self.lp.collecting.get(key, False) == port.collecting
            assert self.lp.link_up[side] == (status.active_ports > 0)
            assert status.link_up == (status.active_ports > 0)

    @invariant()
    def no_deadline_left_behind(self) -> None:
        for side in SIDES:
            deadline = self.lp.system(side).next_deadline()
            assert deadline is None or deadline > self.lp.now


TwoLaggs.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestTwoLaggs = TwoLaggs.TestCase


def test_two_healthy_laggs_stay_aggregated_for_an_hour() -> None:
    lp = LinkPair(N_PORTS, fast=True)
    lp.start()
    lp.advance(3600)
    for side in SIDES:
        status = lp.snap(side)
        check_structure(status)
        assert status.active_ports == N_PORTS
        assert status.flapping == 0
    # one PDU a second per port, after the first burst
    assert 3600 <= len(lp.lacpdu_times[("a", "fxp0")]) <= 3610


# ------------------------------------------------------------------ fuzz
VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "lacp"


def _vector(path: Path) -> bytes:
    digits = [line.split("#", 1)[0].strip() for line in path.read_text().splitlines() if not line.startswith("#")]
    return bytes.fromhex("".join(digits))


def _seeds() -> list[bytes]:
    """Valid frames: captured vectors, and PDUs that pass as our partner on fxp0."""
    partner = LacpPdu(
        actor_system_priority=0x8000,
        actor_system=SYSTEM_B,
        actor_key=0x28B,
        actor_port_priority=0x8000,
        actor_port=3,
        actor_state=S(0x3F),
        partner_system_priority=0x8000,
        partner_system=SYSTEM_A,
        partner_key=0x14B,
        partner_port_priority=0x8000,
        partner_port=3,
        partner_state=S(0x3F),
    )
    frames = [_vector(p) for p in sorted(VECTORS.glob("*.hex"))]
    frames.append(encode(partner, SYSTEM_B))
    frames.append(encode(MarkerPdu(MarkerTlv.INFORMATION, 3, SYSTEM_B, 7), SYSTEM_B))
    return frames


def _mutate(rng: random.Random, frame: bytes) -> bytes:
    data = bytearray(frame)
    choice = rng.randrange(8)
    if choice == 0:  # flip a few bits anywhere
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif choice == 1:  # truncate
        del data[rng.randrange(len(data) + 1) :]
    elif choice == 2:  # extend
        data += rng.randbytes(rng.randint(1, 64))
    elif choice == 3:  # damage a TLV header or the subtype/version
        data[rng.choice([14, 15, 16, 17, 36, 37, 56, 57, 72, 73])] = rng.randrange(256)
    elif choice == 4:  # random state bits and ids in a well-formed frame
        for offset in (18, 32, 38, 52, 20, 34, 24):
            data[offset] = rng.randrange(256)
    elif choice == 5:  # all random
        data = bytearray(rng.randbytes(rng.randint(0, 140)))
    elif choice == 6:  # another EtherType
        data[12:14] = rng.randbytes(2)
    # 7: unchanged
    return bytes(data)


def test_fuzzed_frames_never_raise_and_are_counted() -> None:
    rng = random.Random(0x8023AD)
    system = LacpSystem(ActorConfig(SYSTEM_A, lagg_ifindex=10, fast_timeout=True))
    for i, name in enumerate(("fxp0", "fxp1")):
        system.handle(PortAdded(name, 3 + i, 1000, True, bytes([2, 0, 0, 0, 0, i]), enabled=True), 0.0)
    system.handle(LacpEnabled(True), 0.0)
    seeds = _seeds()
    expected = {"bad": 0, "unknown": 0, "lacp": 0, "marker": 0}
    now = 0.0
    started = time.monotonic()
    total = 120_000
    for n in range(total):
        frame = _mutate(rng, rng.choice(seeds))
        try:
            pdu = decode(frame)
        except UnknownSubtypeError:
            expected["unknown"] += 1
        except PduError:
            expected["bad"] += 1
        else:
            expected["lacp" if isinstance(pdu, LacpPdu) else "marker"] += 1
        system.handle(PduReceived("fxp0" if n % 3 else "fxp1", frame), now)
        if n % 50 == 0:
            now += 0.05
            system.poll(now)
            if n % 5000 == 0:
                check_structure(system.snapshot())
    system.poll(now)
    check_structure(system.snapshot())
    stats = system.stats
    assert stats.bad_pdus == expected["bad"] > 10_000
    assert stats.unknown_subtype == expected["unknown"] > 1_000
    assert stats.lacpdus_rx == expected["lacp"] > 10_000
    assert stats.markers_rx == expected["marker"] > 1_000
    assert sum(expected.values()) == total
    assert sum(p.bad_pdus for p in system.snapshot().ports) == stats.bad_pdus
    assert time.monotonic() - started < 60  # a few seconds normally; generous for a busy CI box
