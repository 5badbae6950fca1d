"""LACPDU and Marker PDU codec (802.1AX-2008 5.4.2 and 5.5.3; 802.3 Annex 57A).

Theory of operation
-------------------
A Slow Protocols frame is an Ethernet frame to 01:80:c2:00:00:02 with EtherType
0x8809.  Its first payload octet, the *subtype*, tells LACP (1) from the Marker
protocol (2); the second is the protocol *version* (1).  Both PDUs are fixed
layouts of TLVs padded with reserved octets to 110 octets, so the whole frame
without FCS is 124 octets (spec §4.2).

Each layout is a table of ``(802.1AX field name, struct code)`` in wire order
(``LACPDU_FIELDS``, ``MARKER_FIELDS``).  One ``struct.Struct`` is compiled from
each table; ``encode`` fills it from the frozen PDU value plus the constants of
the table (``_LACP_CONSTANTS``), ``decode`` unpacks it into a name -> value
mapping, checks the constants and builds the value.  Field names are the
standard's (``actor_system_priority``, ``collector_max_delay``, ...), so tests
address fields by name, never by offset.

Receiver leniency (802.1AX asks receivers not to validate reserved fields and to
read a later version as their own):

* reserved octets are ignored, whatever they hold;
* a version above 1 is accepted and read as version 1: the actor, partner and
  collector TLVs keep their version-1 place and size, and whatever follows the
  collector TLV (version-2 TLVs, then the terminator) is not looked at;
* trailing octets after the 124 (padding added by a NIC, a captured FCS) are
  ignored, and a frame cut inside the final reserved area (but holding every
  TLV through the terminator) is accepted as if zero-padded;
* the destination address is not checked (802.1AX-2014 allows other group
  addresses), the EtherType is.

What is rejected, with ``PduError`` (the LACP machine counts it, never raises):
too short for the TLVs, EtherType not 0x8809, a subtype other than 1 or 2
(``UnknownSubtypeError``, e.g. OAM), version 0, a wrong TLV type or length in a
version-1 PDU (or in the fixed TLVs of a later version).

Scope cut: no 802.1AX-2014 version-2 TLVs are produced or parsed; Marker PDUs
are decoded and encoded, but this package only answers them (see
``machine.py``).
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from lagg_ifconfig.errors import PduError
from lagg_ifconfig.model import LacpId, LacpState

__all__ = [
    "ETHERTYPE_SLOW",
    "ETH_HEADER_LEN",
    "LACPDU_FIELDS",
    "LACP_SUBTYPE",
    "MARKER_FIELDS",
    "MARKER_SUBTYPE",
    "PDU_FRAME_LEN",
    "SLOW_PROTOCOLS_MAC",
    "LacpPdu",
    "MarkerPdu",
    "MarkerTlv",
    "UnknownSubtypeError",
    "decode",
    "encode",
    "format_mac",
]

#: Destination of every Slow Protocols frame (802.3 Annex 57A).
SLOW_PROTOCOLS_MAC: Final = bytes.fromhex("0180c2000002")
ETHERTYPE_SLOW: Final = 0x8809
LACP_SUBTYPE: Final = 1
MARKER_SUBTYPE: Final = 2
ETH_HEADER_LEN: Final = 14
#: LACPDU and Marker PDU frames, Ethernet header included, FCS excluded.
PDU_FRAME_LEN: Final = 124

_ETH = struct.Struct(">6s6sH")


class UnknownSubtypeError(PduError):
    """A Slow Protocols frame of another protocol (OAM, OSSP, ...): not ours, counted apart."""

    def __init__(self, subtype: int) -> None:
        super().__init__(f"slow protocols subtype {subtype} is neither LACP nor Marker")
        self.subtype = subtype


# --------------------------------------------------------------------------- layouts
#: LACPDU, 802.1AX-2008 Figure 5-10, after the Ethernet header; wire order.
LACPDU_FIELDS: Final[tuple[tuple[str, str], ...]] = (
    ("subtype", "B"),
    ("version_number", "B"),
    ("tlv_type_actor_information", "B"),
    ("actor_information_length", "B"),
    ("actor_system_priority", "H"),
    ("actor_system", "6s"),
    ("actor_key", "H"),
    ("actor_port_priority", "H"),
    ("actor_port", "H"),
    ("actor_state", "B"),
    ("actor_reserved", "3s"),
    ("tlv_type_partner_information", "B"),
    ("partner_information_length", "B"),
    ("partner_system_priority", "H"),
    ("partner_system", "6s"),
    ("partner_key", "H"),
    ("partner_port_priority", "H"),
    ("partner_port", "H"),
    ("partner_state", "B"),
    ("partner_reserved", "3s"),
    ("tlv_type_collector_information", "B"),
    ("collector_information_length", "B"),
    ("collector_max_delay", "H"),
    ("collector_reserved", "12s"),
    ("tlv_type_terminator", "B"),
    ("terminator_length", "B"),
    ("reserved", "50s"),
)

#: Marker PDU, 802.1AX-2008 Figure 5-21, after the Ethernet header; wire order.
MARKER_FIELDS: Final[tuple[tuple[str, str], ...]] = (
    ("subtype", "B"),
    ("version_number", "B"),
    ("tlv_type_marker", "B"),
    ("marker_information_length", "B"),
    ("requester_port", "H"),
    ("requester_system", "6s"),
    ("requester_transaction_id", "I"),
    ("pad", "2s"),
    ("tlv_type_terminator", "B"),
    ("terminator_length", "B"),
    ("reserved", "90s"),
)

#: TLV headers every LACPDU carries (checked on receipt, written on encode).
_LACP_CONSTANTS: Final[Mapping[str, int]] = {
    "tlv_type_actor_information": 1,
    "actor_information_length": 20,
    "tlv_type_partner_information": 2,
    "partner_information_length": 20,
    "tlv_type_collector_information": 3,
    "collector_information_length": 16,
    "tlv_type_terminator": 0,
    "terminator_length": 0,
}
#: Constants a version > 1 LACPDU may place differently (more TLVs before the terminator).
_LACP_V1_ONLY: Final = frozenset({"tlv_type_terminator", "terminator_length"})

_MARKER_CONSTANTS: Final[Mapping[str, int]] = {
    "marker_information_length": 16,
    "tlv_type_terminator": 0,
    "terminator_length": 0,
}
_MARKER_V1_ONLY: Final = frozenset({"tlv_type_terminator", "terminator_length"})


def _compile(fields: tuple[tuple[str, str], ...]) -> struct.Struct:
    return struct.Struct(">" + "".join(code for _, code in fields))


_LACP_STRUCT: Final = _compile(LACPDU_FIELDS)
_MARKER_STRUCT: Final = _compile(MARKER_FIELDS)
assert _LACP_STRUCT.size == _MARKER_STRUCT.size == PDU_FRAME_LEN - ETH_HEADER_LEN

#: Octets a receiver needs: every TLV through the terminator (the rest is reserved).
_LACP_MIN_BODY: Final = _LACP_STRUCT.size - 50
_MARKER_MIN_BODY: Final = _MARKER_STRUCT.size - 90


# --------------------------------------------------------------------------- values
def format_mac(mac: bytes) -> str:
    """``aa:bb:cc:dd:ee:ff``, for messages and annotations."""
    return mac.hex(":")


def _check_uint(name: str, value: int, bits: int) -> None:
    if not 0 <= value < (1 << bits):
        raise ValueError(f"{name}={value!r} does not fit in {bits} bits")


def _check_mac(name: str, value: bytes) -> None:
    if not isinstance(value, bytes) or len(value) != 6:
        raise ValueError(f"{name} must be 6 bytes, not {value!r}")


@dataclass(frozen=True)
class LacpPdu:
    """One LACPDU; fields in wire order, named as in 802.1AX.

    ``version_number`` is kept as received (> 1 is read as version 1); it is
    written back on ``encode``.  Reserved octets are not kept: they are zero on
    transmission and ignored on receipt.
    """

    actor_system_priority: int
    actor_system: bytes
    actor_key: int
    actor_port_priority: int
    actor_port: int
    actor_state: LacpState
    partner_system_priority: int = 0
    partner_system: bytes = bytes(6)
    partner_key: int = 0
    partner_port_priority: int = 0
    partner_port: int = 0
    partner_state: LacpState = LacpState(0)
    collector_max_delay: int = 0
    version_number: int = 1

    def __post_init__(self) -> None:
        for side in ("actor", "partner"):
            _check_uint(f"{side}_system_priority", getattr(self, f"{side}_system_priority"), 16)
            _check_mac(f"{side}_system", getattr(self, f"{side}_system"))
            _check_uint(f"{side}_key", getattr(self, f"{side}_key"), 16)
            _check_uint(f"{side}_port_priority", getattr(self, f"{side}_port_priority"), 16)
            _check_uint(f"{side}_port", getattr(self, f"{side}_port"), 16)
            _check_uint(f"{side}_state", int(getattr(self, f"{side}_state")), 8)
        _check_uint("collector_max_delay", self.collector_max_delay, 16)
        _check_uint("version_number", self.version_number, 8)

    @property
    def actor(self) -> LacpId:
        """The sender's (system priority, system, key, port priority, port)."""
        return LacpId(
            self.actor_system_priority,
            self.actor_system,
            self.actor_key,
            self.actor_port_priority,
            self.actor_port,
        )

    @property
    def partner(self) -> LacpId:
        """What the sender believes about us."""
        return LacpId(
            self.partner_system_priority,
            self.partner_system,
            self.partner_key,
            self.partner_port_priority,
            self.partner_port,
        )


class MarkerTlv(enum.IntEnum):
    """Marker PDU TLV types (802.1AX-2008 5.5.3.3)."""

    INFORMATION = 1
    RESPONSE = 2


@dataclass(frozen=True)
class MarkerPdu:
    """One Marker Information or Marker Response PDU (802.1AX-2008 5.5.3.3)."""

    tlv_type: MarkerTlv
    requester_port: int
    requester_system: bytes
    requester_transaction_id: int
    version_number: int = 1

    def __post_init__(self) -> None:
        _check_uint("requester_port", self.requester_port, 16)
        _check_mac("requester_system", self.requester_system)
        _check_uint("requester_transaction_id", self.requester_transaction_id, 32)
        _check_uint("version_number", self.version_number, 8)

    def response(self) -> MarkerPdu:
        """The Marker Response to this Marker Information: the requester fields copied."""
        return MarkerPdu(
            MarkerTlv.RESPONSE,
            self.requester_port,
            self.requester_system,
            self.requester_transaction_id,
        )


# --------------------------------------------------------------------------- encode
def encode(pdu: LacpPdu | MarkerPdu, src: bytes, dst: bytes = SLOW_PROTOCOLS_MAC) -> bytes:
    """The whole Ethernet frame (124 octets, no FCS) carrying ``pdu``, sent from ``src``."""
    _check_mac("src", src)
    _check_mac("dst", dst)
    header = _ETH.pack(dst, src, ETHERTYPE_SLOW)
    if isinstance(pdu, LacpPdu):
        values: dict[str, object] = dict(_LACP_CONSTANTS)
        values.update(
            subtype=LACP_SUBTYPE,
            version_number=pdu.version_number,
            actor_system_priority=pdu.actor_system_priority,
            actor_system=pdu.actor_system,
            actor_key=pdu.actor_key,
            actor_port_priority=pdu.actor_port_priority,
            actor_port=pdu.actor_port,
            actor_state=int(pdu.actor_state),
            partner_system_priority=pdu.partner_system_priority,
            partner_system=pdu.partner_system,
            partner_key=pdu.partner_key,
            partner_port_priority=pdu.partner_port_priority,
            partner_port=pdu.partner_port,
            partner_state=int(pdu.partner_state),
            collector_max_delay=pdu.collector_max_delay,
        )
        return header + _LACP_STRUCT.pack(*(values.get(name, b"") for name, _ in LACPDU_FIELDS))
    if isinstance(pdu, MarkerPdu):
        values = dict(_MARKER_CONSTANTS)
        values.update(
            subtype=MARKER_SUBTYPE,
            version_number=pdu.version_number,
            tlv_type_marker=int(pdu.tlv_type),
            requester_port=pdu.requester_port,
            requester_system=pdu.requester_system,
            requester_transaction_id=pdu.requester_transaction_id,
        )
        return header + _MARKER_STRUCT.pack(*(values.get(name, b"") for name, _ in MARKER_FIELDS))
    raise TypeError(f"cannot encode {type(pdu).__name__}")


# --------------------------------------------------------------------------- decode
def _unpack(
    layout: tuple[tuple[str, str], ...], packer: struct.Struct, body: bytes, minimum: int, what: str
) -> dict[str, object]:
    if len(body) < minimum:
        raise PduError(f"truncated {what}: {len(body)} octets after the Ethernet header, need {minimum}")
    body = body[: packer.size].ljust(packer.size, b"\0")
    return dict(zip((name for name, _ in layout), packer.unpack(body), strict=True))


def _check_constants(
    fields: Mapping[str, object], constants: Mapping[str, int], v1_only: frozenset[str], what: str
) -> None:
    version = fields["version_number"]
    for name, want in constants.items():
        if version != 1 and name in v1_only:
            continue
        got = fields[name]
        if got != want:
            raise PduError(f"{what}: {name} is {got}, expected {want}")


def _int(fields: Mapping[str, object], name: str) -> int:
    value = fields[name]
    assert isinstance(value, int)
    return value


def _mac(fields: Mapping[str, object], name: str) -> bytes:
    value = fields[name]
    assert isinstance(value, bytes)
    return value


def decode(frame: bytes | bytearray | memoryview) -> LacpPdu | MarkerPdu:
    """Parse a Slow Protocols Ethernet frame (from the destination MAC on).

    Raises ``PduError`` for anything a receiver must discard (see the module
    docstring), ``UnknownSubtypeError`` for frames of other slow protocols.
    """
    data = bytes(frame)
    if len(data) < ETH_HEADER_LEN + 2:
        raise PduError(f"truncated frame: {len(data)} octets")
    _dst, _src, ethertype = _ETH.unpack_from(data)
    if ethertype != ETHERTYPE_SLOW:
        raise PduError(f"EtherType 0x{ethertype:04x} is not Slow Protocols (0x8809)")
    body = data[ETH_HEADER_LEN:]
    subtype, version = body[0], body[1]
    if subtype not in (LACP_SUBTYPE, MARKER_SUBTYPE):
        raise UnknownSubtypeError(subtype)
    if version == 0:
        raise PduError("version number 0")
    if subtype == LACP_SUBTYPE:
        f = _unpack(LACPDU_FIELDS, _LACP_STRUCT, body, _LACP_MIN_BODY, "LACPDU")
        _check_constants(f, _LACP_CONSTANTS, _LACP_V1_ONLY, "LACPDU")
        return LacpPdu(
            actor_system_priority=_int(f, "actor_system_priority"),
            actor_system=_mac(f, "actor_system"),
            actor_key=_int(f, "actor_key"),
            actor_port_priority=_int(f, "actor_port_priority"),
            actor_port=_int(f, "actor_port"),
            actor_state=LacpState(_int(f, "actor_state")),
            partner_system_priority=_int(f, "partner_system_priority"),
            partner_system=_mac(f, "partner_system"),
            partner_key=_int(f, "partner_key"),
            partner_port_priority=_int(f, "partner_port_priority"),
            partner_port=_int(f, "partner_port"),
            partner_state=LacpState(_int(f, "partner_state")),
            collector_max_delay=_int(f, "collector_max_delay"),
            version_number=version,
        )
    f = _unpack(MARKER_FIELDS, _MARKER_STRUCT, body, _MARKER_MIN_BODY, "Marker PDU")
    _check_constants(f, _MARKER_CONSTANTS, _MARKER_V1_ONLY, "Marker PDU")
    tlv = _int(f, "tlv_type_marker")
    if tlv not in (MarkerTlv.INFORMATION, MarkerTlv.RESPONSE):
        raise PduError(f"Marker PDU: tlv_type_marker is {tlv}, expected 1 or 2")
    return MarkerPdu(
        tlv_type=MarkerTlv(tlv),
        requester_port=_int(f, "requester_port"),
        requester_system=_mac(f, "requester_system"),
        requester_transaction_id=_int(f, "requester_transaction_id"),
        version_number=version,
    )
