"""Regenerate the annotated byte vectors (``*.hex``) of this directory.

    .venv/bin/python tests/vectors/lacp/make_vectors.py      # needs tshark

Captured vectors come from ``captures/*.pcapng``: dumpcap on our side of two
veth pairs (lab prefix ``lx1``, namespaces ``lx1a``/``lx1b``), with Open vSwitch
3.1.0 (Debian 12, userspace datapath, ``ovs-lacp-peer.sh``, system id fixed to
02:00:00:00:0b:01) bonding ``lp0``/``lp1`` in ``lx1b`` and ``lab_driver.py``
running our ``LacpSystem`` on ``fxp0``/``fxp1`` in ``lx1a``:

* ``ovs-fast.pcapng``: OVS ``lacp-time=fast`` active, us fast;
* ``ovs-slow.pcapng``: OVS ``lacp-time=slow``, us slow;
* ``ovs-passive.pcapng``: OVS ``lacp=passive`` fast, us fast.

OVS enabled both members every time (``current,attached enabled``, "RX Bad
PDUs: 0").  The raw bytes and the expected field values (``#=`` lines) are
taken from tshark's dissection, not from our decoder, so the tests compare
our codec with an independent one.

Constructed vectors (no capture) follow Linux bonding's conventions and
802.1AX's layout; their ``#=`` lines are the values they were built from.

File format: ``#`` starts a comment; ``#= name value`` is an expected field
(integers in decimal, MACs as ``aa:bb:..``); everything else is hex digits,
one wire field per line with its 802.1AX name as a comment.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lagg_ifconfig.lacp.pdu import LACPDU_FIELDS, MARKER_FIELDS, LacpPdu, MarkerPdu, MarkerTlv, encode
from lagg_ifconfig.model import LacpState

HERE = Path(__file__).resolve().parent

#: (capture, frame number, vector name, description)
CAPTURED: tuple[tuple[str, int, str, str], ...] = (
    (
        "ovs-fast.pcapng",
        1,
        "ovs-fast-no-partner",
        "OVS's first LACPDU on a member, before it heard us: actor 0xbf (Expired, yet "
        "Sync|Collecting|Distributing), partner all zero but Timeout",
    ),
    (
        "ovs-fast.pcapng",
        4,
        "ovs-fast-first-reply",
        "OVS answering our first LACPDU: actor 0x3f, partner = us as we were (0xc7, Expired|Defaulted)",
    ),
    ("ovs-fast.pcapng", 12, "ovs-fast-in-sync", "OVS fast, both sides in sync: actor 0x3f, partner 0x3f"),
    ("ovs-slow.pcapng", 2, "ovs-slow-in-sync", "OVS lacp-time=slow: actor 0x3d (long timeout)"),
    ("ovs-passive.pcapng", 2, "ovs-passive", "OVS lacp=passive: actor 0x3e (no Activity bit)"),
    (
        "ovs-fast.pcapng",
        3,
        "ours-fast-expired",
        "our LacpSystem's first LACPDU: actor 0xc7 (Expired|Defaulted), strict partner defaults "
        "as modified by EXPIRED (Timeout set)",
    ),
    ("ovs-fast.pcapng", 11, "ours-fast-in-sync", "our LacpSystem in sync with OVS: actor 0x3f"),
)

TSHARK_FIELDS: dict[str, str] = {
    "version_number": "lacp.version",
    "actor_system_priority": "lacp.actor.sys_priority",
    "actor_system": "lacp.actor.sysid",
    "actor_key": "lacp.actor.key",
    "actor_port_priority": "lacp.actor.port_priority",
    "actor_port": "lacp.actor.port",
    "actor_state": "lacp.actor.state",
    "partner_system_priority": "lacp.partner.sys_priority",
    "partner_system": "lacp.partner.sysid",
    "partner_key": "lacp.partner.key",
    "partner_port_priority": "lacp.partner.port_priority",
    "partner_port": "lacp.partner.port",
    "partner_state": "lacp.partner.state",
    "collector_max_delay": "lacp.collector.max_delay",
}

BOND_MAC = bytes.fromhex("525400123456")
OVS_SYSTEM = bytes.fromhex("020000000b01")

#: (vector name, description, PDU, source MAC) built from the standard's layout.
CONSTRUCTED: tuple[tuple[str, str, LacpPdu | MarkerPdu, bytes], ...] = (
    (
        "linux-bond-first",
        "constructed: what a Linux 802.3ad bond sends first on a 10G port with lacp_rate fast "
        "(actor 0x47 Activity|Timeout|Aggregation|Defaulted, sys prio 65535, key 15 = "
        "10G speed index 7 << 1 | full duplex, port prio 255, port 1; partner unknown)",
        LacpPdu(
            actor_system_priority=65535,
            actor_system=BOND_MAC,
            actor_key=15,
            actor_port_priority=255,
            actor_port=1,
            actor_state=LacpState(0x47),
            partner_system_priority=65535,
            partner_key=1,
            partner_port_priority=255,
            partner_port=1,
            partner_state=LacpState(0),
        ),
        BOND_MAC,
    ),
    (
        "linux-bond-in-sync",
        "constructed: a Linux 802.3ad bond in sync with OVS (63/63 in the spec's measured trace)",
        LacpPdu(
            actor_system_priority=65535,
            actor_system=BOND_MAC,
            actor_key=15,
            actor_port_priority=255,
            actor_port=1,
            actor_state=LacpState(0x3F),
            partner_system_priority=65534,
            partner_system=OVS_SYSTEM,
            partner_key=1,
            partner_port_priority=65535,
            partner_port=1,
            partner_state=LacpState(0x3F),
        ),
        BOND_MAC,
    ),
    (
        "marker-information",
        "constructed: Marker Information PDU (802.1AX 5.5.3.3): requester port 3, transaction 0x01020304",
        MarkerPdu(MarkerTlv.INFORMATION, 3, BOND_MAC, 0x01020304),
        BOND_MAC,
    ),
    (
        "marker-response",
        "constructed: the Marker Response to marker-information, sent by port 02:00:00:00:00:00",
        MarkerPdu(MarkerTlv.RESPONSE, 3, BOND_MAC, 0x01020304),
        bytes.fromhex("020000000000"),
    ),
)


def _tshark_frame(capture: Path, number: int) -> tuple[bytes, str, dict[str, str]]:
    out = subprocess.run(
        ["tshark", "-r", str(capture), "-Y", f"frame.number=={number}", "-T", "json", "-x"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    layers = json.loads(out)[0]["_source"]["layers"]
    raw = bytes.fromhex(layers["frame_raw"][0])
    args = ["tshark", "-r", str(capture), "-Y", f"frame.number=={number}", "-T", "fields"]
    for field in ("frame.interface_name", *TSHARK_FIELDS.values()):
        args += ["-e", field]
    values = subprocess.run(args, check=True, capture_output=True, text=True).stdout.rstrip("\n").split("\t")
    interface, *rest = values
    return raw, interface, dict(zip(TSHARK_FIELDS, rest, strict=True))


def _normalise(value: str) -> str:
    if ":" in value:
        return value.lower()
    return str(int(value, 0))


def _annotated(frame: bytes) -> list[str]:
    lines = [f"{frame[0:6].hex():<32}  # destination", f"{frame[6:12].hex():<32}  # source"]
    lines.append(f"{frame[12:14].hex():<32}  # EtherType (Slow Protocols)")
    layout = LACPDU_FIELDS if frame[14] == 1 else MARKER_FIELDS
    offset = 14
    for name, code in layout:
        size = int(code[:-1] or 1) if code.endswith("s") else {"B": 1, "H": 2, "I": 4}[code]
        chunk = frame[offset : offset + size].hex()
        pieces = [chunk[i : i + 32] for i in range(0, len(chunk), 32)] or [""]
        lines.append(f"{pieces[0]:<32}  # {name}")
        lines.extend(pieces[1:])
        offset += size
    if offset < len(frame):
        lines.append(f"{frame[offset:].hex()}  # trailing octets")
    return lines


def _write(name: str, header: list[str], expect: dict[str, str], frame: bytes) -> None:
    text = [f"# {line}" for line in header]
    text += [f"#= {key} {value}" for key, value in expect.items()]
    text += _annotated(frame)
    (HERE / f"{name}.hex").write_text("\n".join(text) + "\n")


def main() -> int:
    for capture, number, name, description in CAPTURED:
        raw, interface, fields = _tshark_frame(HERE / "captures" / capture, number)
        expect = {key: _normalise(value) for key, value in fields.items()}
        header = [description, f"captured: captures/{capture} frame {number} on {interface}, {len(raw)} octets"]
        _write(name, header, expect, raw)
    for name, description, pdu, src in CONSTRUCTED:
        if isinstance(pdu, LacpPdu):
            expect = {
                key: (getattr(pdu, key).hex(":") if key.endswith("system") else str(int(getattr(pdu, key))))
                for key in TSHARK_FIELDS
            }
        else:
            expect = {
                "tlv_type": str(int(pdu.tlv_type)),
                "requester_port": str(pdu.requester_port),
                "requester_system": pdu.requester_system.hex(":"),
                "requester_transaction_id": str(pdu.requester_transaction_id),
            }
        _write(name, [description], expect, encode(pdu, src))
    return 0


if __name__ == "__main__":
    sys.exit(main())
