# ruff: noqa: F811  (pytest fixtures imported from other modules are parameters here)
"""Random and malformed Slow Protocols frames against a running lacp lagg (Hypothesis, real frames).

Two of our lacp laggs are aggregated (A: fxp0, fxp1; B: lp0, lp1).  Frames made by Hypothesis are
sent from B's side of the fxp1 link with a raw socket of the test's own, so they arrive on fxp1
as any frame from the wire would.  None of them is a valid LACPDU from a partner (every LACPDU is
either corrupted in a field a receiver must check, or claims to come from A itself), so none may
change any port's state.  laggd must stay up, count every frame where it belongs, and keep both
ports aggregated with the same partner.
"""

from __future__ import annotations

import os
import socket
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lagg_ifconfig.errors import PduError
from lagg_ifconfig.lacp import LacpPdu, MarkerPdu, MarkerTlv, UnknownSubtypeError, decode, encode
from lagg_ifconfig.model import LacpState
from tests.integration.netns_fixtures import PEER_ADDR, LaggLab, lab_registry  # noqa: F401
from tests.integration.test_cli_netns import ok
from tests.integration.test_lacp_interop import (
    AGGREGATED,
    OUR_ADDR,
    handbook,
    lacp_lab,  # noqa: F401
    wait_ports,
)

pytestmark = pytest.mark.netns

SLOW_MAC = bytes.fromhex("0180c2000002")
ETHER_SLOW = b"\x88\x09"
#: Offsets (in the frame) of LACPDU bytes a receiver checks: version, then the TLV types and lengths.
CHECKED_OCTETS = (15, 16, 17, 36, 37, 56, 57, 72, 73)

macs = st.binary(min_size=6, max_size=6)
u16 = st.integers(0, 0xFFFF)
states = st.integers(0, 0xFF).map(LacpState)


def lacpdus(actor_system: st.SearchStrategy[bytes], priority: st.SearchStrategy[int]) -> st.SearchStrategy[LacpPdu]:
    return st.builds(LacpPdu, priority, actor_system, u16, u16, u16, states, u16, macs, u16, u16, u16, states, u16)


@st.composite
def corrupted_lacpdus(draw: st.DrawFn) -> bytes:
    frame = bytearray(encode(draw(lacpdus(macs, u16)), draw(macs), draw(st.sampled_from([SLOW_MAC, bytes(6)]))))
    if draw(st.booleans()):
        return bytes(frame[: draw(st.integers(14, 73))])  # cut before the terminator
    offset = draw(st.sampled_from(CHECKED_OCTETS))
    frame[offset] = 0 if offset == 15 else draw(st.integers(0, 0xFF).filter(lambda v: v != frame[offset]))
    return bytes(frame)


def random_slow_frames() -> st.SearchStrategy[bytes]:
    return st.builds(
        lambda dst, src, body: dst + src + ETHER_SLOW + body,
        st.sampled_from([SLOW_MAC]) | macs,
        macs,
        st.binary(max_size=160),
    )


def markers() -> st.SearchStrategy[bytes]:
    pdu = st.builds(MarkerPdu, st.sampled_from(MarkerTlv), u16, macs, st.integers(0, 0xFFFFFFFF))
    return st.builds(encode, pdu, macs)


def classify(frame: bytes, ours: bytes) -> str:
    """The counter a frame must land in (our codec's verdict; the codec itself is checked against tshark)."""
    try:
        pdu = decode(frame)
    except UnknownSubtypeError:
        return "lacp_unknown_subtype"
    except PduError:
        return "lacp_bad_pdus"
    if isinstance(pdu, MarkerPdu):
        return "lacp_markers_rx"
    # nothing valid from elsewhere
    assert (pdu.actor_system_priority, pdu.actor_system) == (0x8000, ours), pdu
    return "lacp_looped_back"


def test_random_and_malformed_slow_frames_are_counted_and_change_nothing(lacp_lab: LaggLab) -> None:
    lab = lacp_lab
    handbook(lab.a, ("fxp0", "fxp1"), OUR_ADDR)
    handbook(lab.b, ("lp0", "lp1"), PEER_ADDR)
    wait_ports(lab.a, {"fxp0": AGGREGATED, "fxp1": AGGREGATED})
    ours = bytes.fromhex(lab.a.link("lagg0")["address"].replace(":", ""))
    before_text = ok(lab.a, "-v", "lagg0")
    before = lab.api("counters")
    pid = lab.daemon_pid()

    with lab.b.entered():
        sender = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sender.bind(("lp1", 0))
    sent: dict[str, int] = {}
    looped = lacpdus(st.just(ours), st.just(0x8000)).map(lambda pdu: encode(pdu, ours))

    @settings(max_examples=400, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(frame=st.one_of(random_slow_frames(), corrupted_lacpdus(), markers(), looped))
    def send(frame: bytes) -> None:
        kind = classify(frame, ours)
        sender.send(frame)
        sent[kind] = sent.get(kind, 0) + 1

    try:
        send()
    finally:
        sender.close()
    time.sleep(0.5)  # let laggd drain its socket

    after = lab.api("counters")
    assert lab.daemon_pid() == pid
    os.kill(pid, 0)  # still running
    for kind, count in sent.items():
        assert after[kind] - before[kind] == count, (kind, count, before, after)
    assert after["slow"] - before["slow"] >= sum(sent.values())
    assert set(sent) >= {"lacp_bad_pdus", "lacp_unknown_subtype", "lacp_markers_rx", "lacp_looped_back"}
    # Both ports stay aggregated with the same partner: the -v text is the same, line for line.
    assert ok(lab.a, "-v", "lagg0") == before_text
    r = lab.ping(20, 0.005)
    assert (r["received"], r["duplicates"]) == (20, 0)
