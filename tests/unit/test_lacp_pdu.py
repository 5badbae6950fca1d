"""LACPDU / Marker PDU codec: real captured vectors, malformed frames, tshark's opinion."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lagg_ifconfig.errors import PduError
from lagg_ifconfig.lacp.pdu import (
    LACPDU_FIELDS,
    MARKER_FIELDS,
    PDU_FRAME_LEN,
    SLOW_PROTOCOLS_MAC,
    LacpPdu,
    MarkerPdu,
    MarkerTlv,
    UnknownSubtypeError,
    decode,
    encode,
)
from lagg_ifconfig.model import LacpId, LacpState

VECTORS = Path(__file__).resolve().parent.parent / "vectors" / "lacp"
SRC = bytes.fromhex("020000000a01")


def load_vector(path: Path) -> tuple[bytes, dict[str, str]]:
    """(frame, expected fields) from an annotated ``.hex`` file."""
    expect: dict[str, str] = {}
    digits: list[str] = []
    for line in path.read_text().splitlines():
        if line.startswith("#="):
            _, key, value = line.split()
            expect[key] = value
            continue
        digits.append(line.split("#", 1)[0].strip())
    return bytes.fromhex("".join(digits)), expect


def field_text(pdu: LacpPdu | MarkerPdu, name: str) -> str:
    value = getattr(pdu, name)
    return value.hex(":") if isinstance(value, bytes) else str(int(value))


ALL_VECTORS = sorted(VECTORS.glob("*.hex"))


def test_vectors_exist() -> None:
    names = {p.stem for p in ALL_VECTORS}
    assert {"ovs-fast-in-sync", "ovs-slow-in-sync", "ovs-passive", "ours-fast-in-sync"} <= names
    assert {"linux-bond-in-sync", "marker-information", "marker-response"} <= names


@pytest.mark.parametrize("path", ALL_VECTORS, ids=lambda p: p.stem)
def test_vector_decodes_to_expected_fields_and_reencodes_byte_exact(path: Path) -> None:
    # GIVEN a captured (or constructed) frame and tshark's reading of it
    frame, expect = load_vector(path)
    assert len(frame) == PDU_FRAME_LEN
    # WHEN we decode it
    pdu = decode(frame)
    # THEN every field matches by its 802.1AX name
    for name, value in expect.items():
        assert field_text(pdu, name) == value, name
    # AND encoding it again from the same source gives the very same bytes
    assert encode(pdu, frame[6:12], frame[0:6]) == frame


def test_ovs_in_sync_vector_fields() -> None:
    frame, _ = load_vector(VECTORS / "ovs-fast-in-sync.hex")
    pdu = decode(frame)
    assert isinstance(pdu, LacpPdu)
    assert pdu.actor == LacpId(65534, bytes.fromhex("020000000b01"), 1, 65535, 1)
    assert pdu.actor_state == (
        LacpState.ACTIVITY
        | LacpState.TIMEOUT
        | LacpState.AGGREGATION
        | LacpState.SYNC
        | LacpState.COLLECTING
        | LacpState.DISTRIBUTING
    )
    # OVS's view of us: FreeBSD's identity (0x8000, lagg MAC), key 10G + lagg ifindex 10, port = ifindex
    assert pdu.partner == LacpId(0x8000, bytes.fromhex("020000000a01"), 18 | (10 << 5), 0x8000, 2)


def test_layout_tables_are_110_octets_in_wire_order() -> None:
    sizes = {"B": 1, "H": 2, "I": 4}

    def size(code: str) -> int:
        return int(code[:-1]) if code.endswith("s") else sizes[code]

    assert sum(size(c) for _, c in LACPDU_FIELDS) == 110
    assert sum(size(c) for _, c in MARKER_FIELDS) == 110
    offsets: dict[str, int] = {}
    at = 0
    for name, code in LACPDU_FIELDS:
        offsets[name] = at
        at += size(code)
    # 802.1AX Figure 5-10 offsets (after the Ethernet header)
    assert offsets["actor_system_priority"] == 4
    assert offsets["actor_state"] == 18
    assert offsets["partner_system_priority"] == 24
    assert offsets["partner_state"] == 38
    assert offsets["collector_max_delay"] == 44
    assert offsets["tlv_type_terminator"] == 58
    assert offsets["reserved"] == 60


def sample_pdu(**changes: object) -> LacpPdu:
    values: dict[str, object] = {
        "actor_system_priority": 0x8000,
        "actor_system": SRC,
        "actor_key": 0x146,
        "actor_port_priority": 0x8000,
        "actor_port": 3,
        "actor_state": LacpState(0x3D),
        "partner_system_priority": 0x8000,
        "partner_system": bytes.fromhex("000e83aabbcc"),
        "partner_key": 1,
        "partner_port_priority": 0x8000,
        "partner_port": 0x101,
        "partner_state": LacpState(0x3D),
    }
    values.update(changes)
    return LacpPdu(**values)  # type: ignore[arg-type]


def patched(frame: bytes, offset: int, data: bytes) -> bytes:
    """``frame`` with ``data`` written at body ``offset`` (after the Ethernet header)."""
    at = 14 + offset
    return frame[:at] + data + frame[at + len(data) :]


GOOD = encode(sample_pdu(), SRC)


def test_encode_writes_ethernet_header_and_constants() -> None:
    assert GOOD[:6] == SLOW_PROTOCOLS_MAC
    assert GOOD[6:12] == SRC
    assert GOOD[12:14] == b"\x88\x09"
    assert GOOD[14:18] == bytes([1, 1, 1, 20])
    assert len(GOOD) == 124
    assert GOOD[-50:] == bytes(50)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        pytest.param(b"", "truncated frame", id="empty"),
        pytest.param(GOOD[:15], "truncated frame", id="no-version"),
        pytest.param(GOOD[:73], "truncated LACPDU", id="cut-in-terminator"),
        pytest.param(GOOD[:40], "truncated LACPDU", id="cut-in-partner"),
        pytest.param(GOOD[:12] + b"\x88\x08" + GOOD[14:], "EtherType 0x8808", id="ethertype"),
        pytest.param(patched(GOOD, 1, b"\x00"), "version number 0", id="version-0"),
        pytest.param(patched(GOOD, 2, b"\x02"), "tlv_type_actor_information is 2", id="actor-type"),
        pytest.param(patched(GOOD, 3, b"\x13"), "actor_information_length is 19", id="actor-length-19"),
        pytest.param(patched(GOOD, 22, b"\x01"), "tlv_type_partner_information is 1", id="partner-type"),
        pytest.param(patched(GOOD, 23, b"\x15"), "partner_information_length is 21", id="partner-len"),
        pytest.param(patched(GOOD, 42, b"\x00"), "tlv_type_collector_information is 0", id="coll-type"),
        pytest.param(patched(GOOD, 43, b"\x0f"), "collector_information_length is 15", id="coll-len"),
        pytest.param(patched(GOOD, 58, b"\x04"), "tlv_type_terminator is 4", id="terminator-type"),
        pytest.param(patched(GOOD, 59, b"\x02"), "terminator_length is 2", id="terminator-len"),
    ],
)
def test_malformed_lacpdus_raise_pdu_error(frame: bytes, message: str) -> None:
    with pytest.raises(PduError, match=message):
        decode(frame)


def test_foreign_subtype_is_its_own_error() -> None:
    oam = patched(GOOD, 0, b"\x03")
    with pytest.raises(UnknownSubtypeError) as info:
        decode(oam)
    assert info.value.subtype == 3
    assert isinstance(info.value, PduError)


def test_receiver_leniency() -> None:
    pdu = decode(GOOD)
    # reserved octets are ignored
    assert decode(patched(GOOD, 19, b"\xff\xff\xff")) == pdu
    assert decode(GOOD[:-50] + b"\xaa" * 50) == pdu
    # trailing octets (a captured FCS, NIC padding) are ignored
    assert decode(GOOD + b"\xde\xad\xbe\xef") == pdu
    # a frame cut inside the final reserved area still holds every TLV
    assert decode(GOOD[:74]) == pdu
    # another destination group address (802.1AX-2014 allows several)
    assert decode(bytes.fromhex("0180c200000e") + GOOD[6:]) == pdu


def test_version_2_is_read_as_version_1() -> None:
    # version 2 may carry more TLVs after the collector: the terminator moves, not a fault
    v2 = patched(patched(GOOD, 1, b"\x02"), 58, bytes([4, 4, 0xAA, 0xBB]))
    pdu = decode(v2)
    assert isinstance(pdu, LacpPdu)
    assert pdu.version_number == 2
    assert pdu.actor == sample_pdu().actor
    # but the fixed TLVs still have to be right
    with pytest.raises(PduError, match="actor_information_length"):
        decode(patched(v2, 3, b"\x13"))


def test_marker_pdus() -> None:
    info = MarkerPdu(MarkerTlv.INFORMATION, 7, bytes.fromhex("000e83aabbcc"), 0xDEADBEEF)
    frame = encode(info, SRC)
    assert len(frame) == 124
    assert frame[14:18] == bytes([2, 1, 1, 16])
    assert decode(frame) == info
    response = info.response()
    assert response == MarkerPdu(MarkerTlv.RESPONSE, 7, bytes.fromhex("000e83aabbcc"), 0xDEADBEEF)
    assert decode(encode(response, SRC)).tlv_type is MarkerTlv.RESPONSE  # type: ignore[union-attr]
    with pytest.raises(PduError, match="tlv_type_marker is 3"):
        decode(patched(frame, 2, b"\x03"))
    with pytest.raises(PduError, match="marker_information_length is 20"):
        decode(patched(frame, 3, b"\x14"))
    with pytest.raises(PduError, match="truncated Marker PDU"):
        decode(frame[:33])


def test_encode_rejects_values_that_do_not_fit() -> None:
    with pytest.raises(ValueError, match="actor_key"):
        sample_pdu(actor_key=0x10000)
    with pytest.raises(ValueError, match="partner_system"):
        sample_pdu(partner_system=b"\0" * 5)
    with pytest.raises(ValueError, match="src"):
        encode(sample_pdu(), b"\0")
    with pytest.raises(ValueError, match="requester_transaction_id"):
        MarkerPdu(MarkerTlv.INFORMATION, 1, SRC, 1 << 32)


u16 = st.integers(0, 0xFFFF)
mac = st.binary(min_size=6, max_size=6)
state = st.integers(0, 0xFF).map(LacpState)

lacpdus = st.builds(
    LacpPdu,
    actor_system_priority=u16,
    actor_system=mac,
    actor_key=u16,
    actor_port_priority=u16,
    actor_port=u16,
    actor_state=state,
    partner_system_priority=u16,
    partner_system=mac,
    partner_key=u16,
    partner_port_priority=u16,
    partner_port=u16,
    partner_state=state,
    collector_max_delay=u16,
    version_number=st.integers(1, 255),
)
markers = st.builds(
    MarkerPdu,
    tlv_type=st.sampled_from(MarkerTlv),
    requester_port=u16,
    requester_system=mac,
    requester_transaction_id=st.integers(0, 0xFFFFFFFF),
)


@given(pdu=st.one_of(lacpdus, markers), src=mac)
def test_round_trip(pdu: LacpPdu | MarkerPdu, src: bytes) -> None:
    frame = encode(pdu, src)
    assert len(frame) == 124
    assert decode(frame) == pdu


# ------------------------------------------------------------------ tshark


def write_pcap(path: Path, frames: list[bytes]) -> None:
    """A classic pcap file, link type Ethernet (1)."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for i, frame in enumerate(frames):
        out.append(struct.pack("<IIII", 1_700_000_000 + i, 0, len(frame), len(frame)))
        out.append(frame)
    path.write_bytes(b"".join(out))


def tshark_or_fail() -> str:
    tshark = shutil.which("tshark")
    if tshark is None:
        if os.environ.get("CI") == "true":
            pytest.fail("tshark is required in CI (apt-get install tshark)")
        pytest.skip("tshark not installed")
    return tshark


def test_tshark_dissects_our_pdus_without_complaint(tmp_path: Path) -> None:
    # GIVEN the PDUs our machine sends, in every state it uses, and both Marker PDUs
    tshark = tshark_or_fail()
    pdus: list[LacpPdu | MarkerPdu] = [
        sample_pdu(),
        sample_pdu(actor_state=LacpState(0xC7), partner_system=bytes(6), partner_state=LacpState(2)),
        sample_pdu(actor_state=LacpState(0x45), partner_system_priority=0xFFFF, partner_port_priority=0xFFFF),
        sample_pdu(actor_state=LacpState(0x3F), partner_state=LacpState(0x3F)),
        MarkerPdu(MarkerTlv.INFORMATION, 3, SRC, 0x01020304),
        MarkerPdu(MarkerTlv.RESPONSE, 3, SRC, 0x01020304),
    ]
    pcap = tmp_path / "ours.pcap"
    write_pcap(pcap, [encode(p, SRC) for p in pdus])
    # WHEN tshark dissects them
    verbose = subprocess.run([tshark, "-r", str(pcap), "-V"], check=True, capture_output=True, text=True).stdout
    fields = subprocess.run(
        [
            tshark,
            "-r",
            str(pcap),
            "-T",
            "fields",
            "-E",
            "separator=,",
            "-e",
            "slow.subtype",
            "-e",
            "lacp.actor.key",
            "-e",
            "lacp.actor.state",
            "-e",
            "lacp.partner.port",
            "-e",
            "_ws.expert",
            "-e",
            "_ws.malformed",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    # THEN nothing is malformed or flagged, and the fields are ours
    assert "Malformed" not in verbose
    assert "Expert Info" not in verbose
    assert verbose.count("Link Aggregation Control Protocol") == 4
    assert verbose.count("Marker Protocol") >= 2
    assert fields[0] == "0x01,326,0x3d,257,,"
    assert fields[1] == "0x01,326,0xc7,257,,"
    assert [line.split(",")[0] for line in fields] == ["0x01"] * 4 + ["0x02"] * 2
    assert all(line.endswith(",,") for line in fields)
