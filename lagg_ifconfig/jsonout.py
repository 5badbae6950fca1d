"""``--libxo json``: the status as a JSON document (architecture D18).

The document is built from the same ``InterfaceState`` values as the text,
with FreeBSD's words as keys::

    {"lagg-ifconfig": {"version": 1, "interface": [{"name": "lagg0", ...}]}}

Conventions (libxo's, and ours on top):

* a bit set is ``{"value": <int>, "names": [<FreeBSD 14 names of the set bits>]}``;
* MAC addresses are lower-case and colon-separated whatever ``-f`` says; LACP
  ids are objects, not FreeBSD's bracketed strings;
* a field that the text would not print (no description, no media) is left out
  rather than set to ``null``; lists that are empty are kept (``"groups": []``);
* the lagg block adds ``backend`` and ``deviations`` (D13: approximations are
  reported here, never in the FreeBSD text);
* configuring commands add ``applied``, ``port_errors`` and ``notices`` at the
  top (beside ``interface``).  Within a version, fields are only ever added.

``dumps`` gives libxo's two encodings: ``json`` (one compact line) and
``json,pretty`` (indented).  Only the standard library is used.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from lagg_ifconfig.errors import PortError
from lagg_ifconfig.model import (
    LACP_ONLY_OPTIONS,
    Address,
    HashLayer,
    InterfaceState,
    LacpId,
    LaggProto,
    LaggStatus,
    PortStatus,
)
from lagg_ifconfig.status import (
    BIT_TABLES,
    RenderOptions,
    bit_names,
    family_matches,
    format_ether,
    inet_netmask,
)

__all__ = ["SCHEMA_VERSION", "TOP_KEY", "document", "dumps", "interface_object"]

#: The document's top-level key and its version (fields are only added within a version).
TOP_KEY = "lagg-ifconfig"
SCHEMA_VERSION = 1

JsonObject = dict[str, Any]

_HASH_WORDS = ((HashLayer.L2, "l2"), (HashLayer.L3, "l3"), (HashLayer.L4, "l4"))


def _bits(value: int, table: str) -> JsonObject:
    return {"value": int(value), "names": bit_names(int(value), BIT_TABLES[table])}


def _mac(mac: str | None) -> str | None:
    return None if mac is None else format_ether(mac)


def _lacp_id(lacp_id: LacpId) -> JsonObject:
    system = bytes(lacp_id.system[:6]).ljust(6, b"\0")
    return {
        "system_priority": lacp_id.system_priority,
        "system": ":".join(f"{b:02x}" for b in system),
        "key": lacp_id.key,
        "port_priority": lacp_id.port_priority,
        "port": lacp_id.port,
    }


def _address(a: Address) -> JsonObject:
    obj: JsonObject = {"address": a.address, "prefixlen": a.prefixlen}
    if a.family == "inet":
        obj["netmask"] = f"0x{inet_netmask(a.prefixlen):08x}"
        if a.broadcast is not None:
            obj["broadcast"] = a.broadcast
    if a.peer is not None:
        obj["destination"] = a.peer
    if a.scope_id:
        obj["scopeid"] = a.scope_id
    if a.flags:
        obj["flags"] = list(a.flags)
    return obj


def _port(lagg: LaggStatus, port: PortStatus) -> JsonObject:
    obj: JsonObject = {"name": port.name, "ifindex": port.ifindex, "flags": _bits(port.flags, "laggport")}
    if lagg.proto is LaggProto.LACP and port.lacp is not None:
        obj["state"] = _bits(port.lacp.actor_state, "state")
        obj["actor"] = _lacp_id(port.lacp.actor)
        obj["partner"] = _lacp_id(port.lacp.partner)
        obj["partner_state"] = _bits(port.lacp.partner_state, "state")
    return obj


def _lagg(lagg: LaggStatus) -> JsonObject:
    # As in the text: LACP options exist only on a lacp lagg (the kernel reports them from LACP state).
    options = lagg.options if lagg.proto is LaggProto.LACP else lagg.options & ~LACP_ONLY_OPTIONS
    obj: JsonObject = {
        "laggproto": lagg.proto.value,
        "lagghash": [word for bit, word in _HASH_WORDS if lagg.hash & bit],
        "lagg_options": {
            "flags": _bits(options, "lagg_options"),
            "flowid_shift": lagg.flowid_shift,
        },
        "lagg_statistics": {"active_ports": lagg.active_ports, "flapping": lagg.flapping},
    }
    if lagg.proto is LaggProto.ROUNDROBIN:
        obj["lagg_options"]["rr_limit"] = max(1, lagg.rr_limit)
    if lagg.proto is LaggProto.LACP:
        actor, partner = lagg.lag_id if lagg.lag_id is not None else (LacpId.zero(), LacpId.zero())
        obj["lag_id"] = {"actor": _lacp_id(actor), "partner": _lacp_id(partner)}
    obj["laggport"] = [_port(lagg, p) for p in lagg.ports]
    obj["backend"] = lagg.backend
    obj["deviations"] = list(lagg.deviations)
    return obj


def interface_object(state: InterfaceState) -> JsonObject:
    """One element of ``interface``: the observed state under FreeBSD's words."""
    obj: JsonObject = {
        "name": state.name,
        "index": state.index,
        "flags": _bits(state.flags, "flags"),
        "metric": state.metric,
        "mtu": state.mtu,
    }
    optional: Mapping[str, object] = {
        "description": state.description,
        "options": None if state.options is None else _bits(state.options, "options"),
        "ether": _mac(state.lladdr) if state.link_type == "ether" else None,
        "lladdr": state.lladdr if state.link_type not in {"ether", "loopback", "none"} else None,
        "hwaddr": _mac(state.hwaddr),
    }
    obj.update({k: v for k, v in optional.items() if v is not None})
    obj["inet"] = [_address(a) for a in state.addresses if a.family == "inet"]
    obj["inet6"] = [_address(a) for a in state.addresses if a.family == "inet6"]
    obj["groups"] = [g for g in state.groups if g != "all"]
    tail: Mapping[str, object] = {
        "media": state.media,
        "status": state.status,
        "nd6": None if state.nd6 is None else _bits(state.nd6, "nd6"),
        "laggdev": state.master,
        "speed_mbps": state.speed_mbps,
        "netns": state.netns,
    }
    obj.update({k: v for k, v in tail.items() if v is not None})
    if state.lagg is not None:
        obj.update(_lagg(state.lagg))
    return obj


def _port_error(error: PortError) -> JsonObject:
    return {
        "lagg": error.lagg,
        "port": error.port,
        "op": error.op,
        "errno": error.errno,
        "message": error.message(),
    }


def document(
    states: Iterable[InterfaceState],
    opts: RenderOptions | None = None,
    *,
    applied: bool | None = None,
    port_errors: Iterable[PortError] = (),
    notices: Iterable[object] = (),
) -> JsonObject:
    """The D18 document for ``states`` (in the order given).

    ``opts.family`` filters interfaces as the text does (``-a inet``); the
    other options (dialect, ``-f``, ``-v``) do not change the JSON, which is
    always complete.  ``applied`` is ``None`` for a status query; a
    configuring command passes ``True``/``False`` and its per-port errors and
    notices (anything with a useful ``str()``).
    """
    family = opts.family if opts is not None else None
    body: JsonObject = {
        "version": SCHEMA_VERSION,
        "interface": [interface_object(s) for s in states if family_matches(s, family)],
    }
    errors = [_port_error(e) for e in port_errors]
    texts = [str(n) for n in notices]
    if applied is not None or errors or texts:
        body["applied"] = applied
        body["port_errors"] = errors
        body["notices"] = texts
    return {TOP_KEY: body}


def dumps(doc: Mapping[str, Any], *, pretty: bool = False) -> str:
    """libxo's encodings: ``json`` is one compact line, ``json,pretty`` indents by two.

    Both end in a newline.
    """
    if pretty:
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n"
