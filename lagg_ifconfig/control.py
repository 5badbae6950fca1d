"""The laggd control protocol: frozen request/reply messages and their JSON encoding.

Theory of operation
-------------------
A client talks to one ``laggd`` over an AF_UNIX ``SOCK_SEQPACKET`` socket
(architecture D10).  Every message is one JSON object, at most
:data:`MAX_MESSAGE` bytes, of the form ``{"v": 1, "id": 7, "op": "apply", ...}``:

* ``v`` is the protocol major version.  The first request on a connection is
  ``hello``; a daemon that does not speak the client's major version answers
  with an ``error`` carrying ``EPROTONOSUPPORT``.  Within a major version
  fields are only ever added, and unknown fields are ignored on decode.
* ``id`` is chosen by the client and echoed in the reply.
* ``op`` names the message type (:data:`REQUEST_OPS`, :data:`REPLY_OPS`).

Errors travel as data (``kind``, ``errno``, ``op``, ``ifname``, ``text``) and
are re-raised on the client side as the same exception class.  ``apply``
carries the *desired* lagg settings (a :class:`~lagg_ifconfig.model.LaggConfig`),
never a plan, so resending it is harmless.

Messages are ``NamedTuple`` classes rather than frozen dataclasses: the client
imports this module on every ``ifconfig`` status call, and a NamedTuple class
costs a sixth of a dataclass to create.  Code and tests tell messages apart by
type (``isinstance``/``match``), never by tuple equality across types.

Malformed input raises :class:`ControlProtocolError`.  This module is pure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final, NamedTuple

from lagg_ifconfig.errors import PortError
from lagg_ifconfig.model import (
    HashLayer,
    LacpId,
    LacpPortInfo,
    LacpState,
    LaggConfig,
    LaggOption,
    LaggProto,
    LaggStatus,
    PortFlag,
    PortStatus,
)

__all__ = [
    "MAX_MESSAGE",
    "PROTOCOL_VERSION",
    "REPLY_OPS",
    "REQUEST_OPS",
    "Apply",
    "ApplyReply",
    "ControlProtocolError",
    "Destroy",
    "Done",
    "ErrorReply",
    "Hello",
    "HelloReply",
    "Observe",
    "Reply",
    "Request",
    "SetLladdr",
    "SetMtu",
    "StateReply",
    "config_from_json",
    "config_to_json",
    "decode_reply",
    "decode_request",
    "encode",
    "message_version",
]

PROTOCOL_VERSION: Final = 1
#: Largest message either side sends or accepts (one SEQPACKET datagram).
MAX_MESSAGE: Final = 65536


class ControlProtocolError(ValueError):
    """A message that is not valid JSON, not an object, or lacks/mistypes a field."""


# --- requests -------------------------------------------------------------------------------------


class Hello(NamedTuple):
    """First request: the client's protocol versions."""

    id: int
    versions: tuple[int, ...] = (PROTOCOL_VERSION,)


class Observe(NamedTuple):
    """Ask for the lagg's current :class:`LaggStatus`."""

    id: int


class Apply(NamedTuple):
    """Make the lagg's settings ``config``; ``base_generation`` (if set) must match the daemon's."""

    id: int
    config: LaggConfig
    base_generation: int | None = None


class SetMtu(NamedTuple):
    """``ifconfig lagg0 mtu N``: the lagg and every port (spec §3.7)."""

    id: int
    mtu: int


class SetLladdr(NamedTuple):
    """``ifconfig lagg0 ether X``: the lagg and every port (spec §3.6)."""

    id: int
    lladdr: str


class Destroy(NamedTuple):
    """Give every port back, remove the TAP and the record, exit."""

    id: int


Request = Hello | Observe | Apply | SetMtu | SetLladdr | Destroy

# --- replies --------------------------------------------------------------------------------------


class HelloReply(NamedTuple):
    """The daemon's answer to :class:`Hello`."""

    id: int
    version: int
    pid: int
    name: str


class StateReply(NamedTuple):
    """The lagg's status and the record generation it reflects."""

    id: int
    status: LaggStatus
    generation: int


class ApplyReply(NamedTuple):
    """Result of :class:`Apply`: the per-port failures (FreeBSD goes on after each)."""

    id: int
    port_errors: tuple[PortError, ...]
    generation: int


class Done(NamedTuple):
    """A request without a result succeeded."""

    id: int


class ErrorReply(NamedTuple):
    """A request failed; ``kind`` names the exception class to raise on the client side."""

    id: int
    kind: str
    errno: int
    op: str = ""
    ifname: str = ""
    text: str = ""


Reply = HelloReply | StateReply | ApplyReply | Done | ErrorReply

REQUEST_OPS: Final[Mapping[str, type]] = {
    "hello": Hello,
    "observe": Observe,
    "apply": Apply,
    "set_mtu": SetMtu,
    "set_lladdr": SetLladdr,
    "destroy": Destroy,
}
REPLY_OPS: Final[Mapping[str, type]] = {
    "hello_reply": HelloReply,
    "state": StateReply,
    "apply_reply": ApplyReply,
    "done": Done,
    "error": ErrorReply,
}
_OP_OF: Final[Mapping[type, str]] = {cls: op for table in (REQUEST_OPS, REPLY_OPS) for op, cls in table.items()}

# --- value codecs ---------------------------------------------------------------------------------


def _config_to_json(config: LaggConfig) -> dict[str, Any]:
    return {
        "proto": config.proto.value,
        "ports": list(config.ports),
        "hash": int(config.hash),
        "options": int(config.options),
        "flowid_shift": config.flowid_shift,
        "rr_limit": config.rr_limit,
        "laggtype": config.laggtype,
    }


def _config_from_json(obj: object) -> LaggConfig:
    d = _mapping(obj, "config")
    return LaggConfig(
        proto=_proto(d.get("proto", LaggProto.FAILOVER.value)),
        ports=tuple(_str(p, "ports[]") for p in _list(d.get("ports", []), "ports")),
        hash=HashLayer(_int(d.get("hash", 7), "hash") & 0x7),
        options=LaggOption(_int(d.get("options", int(LaggOption.USE_NUMA)), "options")),
        flowid_shift=_int(d.get("flowid_shift", 16), "flowid_shift"),
        rr_limit=_int(d.get("rr_limit", 0), "rr_limit"),
        laggtype=_str(d.get("laggtype", "ethernet"), "laggtype"),
    )


def _lacp_id_to_json(lid: LacpId) -> list[Any]:
    return [lid.system_priority, lid.system.hex(), lid.key, lid.port_priority, lid.port]


def _lacp_id_from_json(obj: object) -> LacpId:
    items = _list(obj, "lacp id")
    if len(items) != 5:
        raise ControlProtocolError("lacp id needs 5 fields")
    try:
        system = bytes.fromhex(_str(items[1], "system"))
    except ValueError as exc:
        raise ControlProtocolError("bad lacp system id") from exc
    return LacpId(
        _int(items[0], "system_priority"), system, _int(items[2], "key"), _int(items[3], "port_priority"),
        _int(items[4], "port"),
    )  # fmt: skip


def _status_to_json(status: LaggStatus) -> dict[str, Any]:
    ports = []
    for p in status.ports:
        port: dict[str, Any] = {"name": p.name, "ifindex": p.ifindex, "flags": int(p.flags)}
        if p.lacp is not None:
            port["lacp"] = {
                "actor_state": int(p.lacp.actor_state),
                "actor": _lacp_id_to_json(p.lacp.actor),
                "partner": _lacp_id_to_json(p.lacp.partner),
                "partner_state": int(p.lacp.partner_state),
            }
        ports.append(port)
    out: dict[str, Any] = {
        "proto": status.proto.value,
        "hash": int(status.hash),
        "options": int(status.options),
        "flowid_shift": status.flowid_shift,
        "rr_limit": status.rr_limit,
        "ports": ports,
        "active_ports": status.active_ports,
        "flapping": status.flapping,
        "backend": status.backend,
        "deviations": list(status.deviations),
        "counters": dict(status.counters),
    }
    if status.lag_id is not None:
        out["lag_id"] = [_lacp_id_to_json(status.lag_id[0]), _lacp_id_to_json(status.lag_id[1])]
    return out


def _status_from_json(obj: object) -> LaggStatus:
    d = _mapping(obj, "status")
    ports = []
    for item in _list(d.get("ports", []), "ports"):
        p = _mapping(item, "port")
        lacp = None
        if "lacp" in p:
            lp = _mapping(p["lacp"], "lacp")
            lacp = LacpPortInfo(
                actor_state=LacpState(_int(lp.get("actor_state", 0), "actor_state") & 0xFF),
                actor=_lacp_id_from_json(lp.get("actor")),
                partner=_lacp_id_from_json(lp.get("partner")),
                partner_state=LacpState(_int(lp.get("partner_state", 0), "partner_state") & 0xFF),
            )
        ports.append(
            PortStatus(
                name=_str(p.get("name"), "name"),
                ifindex=_int(p.get("ifindex"), "ifindex"),
                flags=PortFlag(_int(p.get("flags", 0), "flags") & 0x1F),
                lacp=lacp,
            )
        )
    lag_id = None
    if d.get("lag_id") is not None:
        pair = _list(d["lag_id"], "lag_id")
        if len(pair) != 2:
            raise ControlProtocolError("lag_id needs 2 ids")
        lag_id = (_lacp_id_from_json(pair[0]), _lacp_id_from_json(pair[1]))
    return LaggStatus(
        proto=_proto(d.get("proto")),
        hash=HashLayer(_int(d.get("hash", 7), "hash") & 0x7),
        options=LaggOption(_int(d.get("options", 0), "options")),
        flowid_shift=_int(d.get("flowid_shift", 16), "flowid_shift"),
        rr_limit=_int(d.get("rr_limit", 0), "rr_limit"),
        ports=tuple(ports),
        active_ports=_int(d.get("active_ports", 0), "active_ports"),
        flapping=_int(d.get("flapping", 0), "flapping"),
        lag_id=lag_id,
        backend=_str(d.get("backend", ""), "backend"),
        deviations=tuple(_str(x, "deviations[]") for x in _list(d.get("deviations", []), "deviations")),
        counters=tuple(sorted((k, _int(v, k)) for k, v in _mapping(d.get("counters", {}), "counters").items())),
    )


def _port_error_to_json(pe: PortError) -> dict[str, Any]:
    return {"lagg": pe.lagg, "port": pe.port, "op": pe.op, "errno": pe.errno}


def _port_error_from_json(obj: object) -> PortError:
    d = _mapping(obj, "port error")
    return PortError(
        _str(d.get("lagg"), "lagg"), _str(d.get("port"), "port"), _str(d.get("op"), "op"),
        _int(d.get("errno"), "errno"),
    )  # fmt: skip


# --- field checks ---------------------------------------------------------------------------------


def _mapping(obj: object, what: str) -> Mapping[str, Any]:
    if not isinstance(obj, dict):
        raise ControlProtocolError(f"{what}: expected an object")
    return obj


def _list(obj: object, what: str) -> list[Any]:
    if not isinstance(obj, list):
        raise ControlProtocolError(f"{what}: expected a list")
    return obj


def _int(obj: object, what: str) -> int:
    if not isinstance(obj, int) or isinstance(obj, bool):
        raise ControlProtocolError(f"{what}: expected an integer")
    return obj


def _str(obj: object, what: str) -> str:
    if not isinstance(obj, str):
        raise ControlProtocolError(f"{what}: expected a string")
    return obj


def _proto(obj: object) -> LaggProto:
    try:
        return LaggProto(_str(obj, "proto"))
    except ValueError as exc:
        raise ControlProtocolError(f"unknown protocol {obj!r}") from exc


# --- encode / decode ------------------------------------------------------------------------------


def encode(msg: Request | Reply) -> bytes:
    """One message as compact UTF-8 JSON (at most :data:`MAX_MESSAGE` bytes)."""
    body: dict[str, Any] = {"v": PROTOCOL_VERSION, "id": msg.id, "op": _OP_OF[type(msg)]}
    match msg:
        case Hello(versions=versions):
            body["versions"] = list(versions)
        case Apply(config=config, base_generation=base):
            body["config"] = _config_to_json(config)
            body["base_generation"] = base
        case SetMtu(mtu=mtu):
            body["mtu"] = mtu
        case SetLladdr(lladdr=lladdr):
            body["lladdr"] = lladdr
        case HelloReply(version=version, pid=pid, name=name):
            body.update(version=version, pid=pid, name=name)
        case StateReply(status=status, generation=generation):
            body.update(status=_status_to_json(status), generation=generation)
        case ApplyReply(port_errors=errors, generation=generation):
            body.update(port_errors=[_port_error_to_json(e) for e in errors], generation=generation)
        case ErrorReply(kind=kind, errno=code, op=op, ifname=ifname, text=text):
            # "op" names the message type; the failed operation travels as "error_op"
            body.update(kind=kind, errno=code, error_op=op, ifname=ifname, text=text)
        case _:
            pass
    data = json.dumps(body, separators=(",", ":")).encode()
    if len(data) > MAX_MESSAGE:
        raise ControlProtocolError("message too long")
    return data


def _parse(data: bytes, table: Mapping[str, type]) -> tuple[Mapping[str, Any], type]:
    if len(data) > MAX_MESSAGE:
        raise ControlProtocolError("message too long")
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ControlProtocolError(f"not JSON: {exc}") from exc
    d = _mapping(obj, "message")
    version = _int(d.get("v"), "v")
    if version != PROTOCOL_VERSION:
        raise ControlProtocolError(f"unsupported protocol version {version}")
    _int(d.get("id"), "id")
    op = _str(d.get("op"), "op")
    cls = table.get(op)
    if cls is None:
        raise ControlProtocolError(f"unknown op {op!r}")
    return d, cls


def message_version(data: bytes) -> int | None:
    """The ``v`` field of a raw message, or None (to answer a foreign major version politely)."""
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None
    v = obj.get("v") if isinstance(obj, dict) else None
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def decode_request(data: bytes) -> Request:
    """Parse a client request; raises :class:`ControlProtocolError`."""
    d, cls = _parse(data, REQUEST_OPS)
    mid = d["id"]
    if cls is Hello:
        versions = tuple(_int(v, "versions[]") for v in _list(d.get("versions", [1]), "versions"))
        return Hello(mid, versions)
    if cls is Observe:
        return Observe(mid)
    if cls is Apply:
        base = d.get("base_generation")
        return Apply(mid, _config_from_json(d.get("config")), None if base is None else _int(base, "base"))
    if cls is SetMtu:
        return SetMtu(mid, _int(d.get("mtu"), "mtu"))
    if cls is SetLladdr:
        return SetLladdr(mid, _str(d.get("lladdr"), "lladdr"))
    return Destroy(mid)


def decode_reply(data: bytes) -> Reply:
    """Parse a daemon reply; raises :class:`ControlProtocolError`."""
    d, cls = _parse(data, REPLY_OPS)
    mid = d["id"]
    if cls is HelloReply:
        return HelloReply(
            mid, _int(d.get("version"), "version"), _int(d.get("pid"), "pid"), _str(d.get("name"), "name")
        )
    if cls is StateReply:
        return StateReply(mid, _status_from_json(d.get("status")), _int(d.get("generation", 0), "generation"))
    if cls is ApplyReply:
        errors = tuple(_port_error_from_json(e) for e in _list(d.get("port_errors", []), "port_errors"))
        return ApplyReply(mid, errors, _int(d.get("generation", 0), "generation"))
    if cls is Done:
        return Done(mid)
    return ErrorReply(
        mid, _str(d.get("kind", "BackendError"), "kind"), _int(d.get("errno", 0), "errno"),
        _str(d.get("error_op", ""), "error_op"), _str(d.get("ifname", ""), "ifname"), _str(d.get("text", ""), "text"),
    )  # fmt: skip


def config_to_json(config: LaggConfig) -> dict[str, Any]:
    """A :class:`LaggConfig` as JSON data (shared with :mod:`lagg_ifconfig.record`)."""
    return _config_to_json(config)


def config_from_json(obj: object) -> LaggConfig:
    """The inverse of :func:`config_to_json`; raises :class:`ControlProtocolError`."""
    return _config_from_json(obj)
