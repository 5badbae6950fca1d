"""control: the laggd protocol round-trips and rejects malformed input."""

from __future__ import annotations

import json

import pytest

from lagg_ifconfig import control
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

STATUS = LaggStatus(
    proto=LaggProto.FAILOVER,
    hash=HashLayer.L2 | HashLayer.L4,
    options=LaggOption.USE_NUMA,
    flowid_shift=16,
    rr_limit=0,
    ports=(
        PortStatus("fxp0", 2, PortFlag.MASTER | PortFlag.ACTIVE),
        PortStatus(
            "fxp1",
            3,
            PortFlag(0),
            LacpPortInfo(LacpState.ACTIVITY, LacpId(0x8000, bytes(6), 1, 2, 3), LacpId.zero()),
        ),
    ),
    active_ports=2,
    lag_id=(LacpId(1, b"\x02" * 6, 3, 0, 0), LacpId.zero()),
    backend="userspace",
)

REQUESTS: list[control.Request] = [
    control.Hello(1),
    control.Hello(2, (1, 2)),
    control.Observe(3),
    control.Apply(4, LaggConfig(LaggProto.ROUNDROBIN, ("fxp0", "fxp1"), HashLayer.L3, rr_limit=5)),
    control.Apply(5, LaggConfig(), base_generation=7),
    control.SetMtu(6, 9000),
    control.SetLladdr(7, "02:00:00:00:00:01"),
    control.Destroy(8),
]
REPLIES: list[control.Reply] = [
    control.HelloReply(1, 1, 1234, "lagg0"),
    control.StateReply(2, STATUS, 9),
    control.ApplyReply(3, (PortError("lagg0", "lo", "SIOCSLAGGPORT", 93),), 10),
    control.Done(4),
    control.ErrorReply(5, "BackendError", 22, "ioctl SIOCSIFMTU (set mtu)", "lagg0", ""),
]


@pytest.mark.parametrize("msg", REQUESTS, ids=lambda m: type(m).__name__)
def test_request_round_trip(msg: control.Request) -> None:
    got = control.decode_request(control.encode(msg))
    assert type(got) is type(msg)
    assert got == msg


@pytest.mark.parametrize("msg", REPLIES, ids=lambda m: type(m).__name__)
def test_reply_round_trip(msg: control.Reply) -> None:
    got = control.decode_reply(control.encode(msg))
    assert type(got) is type(msg)
    assert got == msg


def test_wire_form() -> None:
    obj = json.loads(control.encode(control.SetMtu(7, 1400)))
    assert obj == {"v": 1, "id": 7, "op": "set_mtu", "mtu": 1400}


def test_unknown_fields_are_ignored() -> None:
    data = json.dumps({"v": 1, "id": 1, "op": "observe", "future": [1, 2]}).encode()
    assert control.decode_request(data) == control.Observe(1)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json",
        b"[]",
        b'{"v": 2, "id": 1, "op": "observe"}',
        b'{"v": 1, "op": "observe"}',
        b'{"v": 1, "id": 1, "op": "frobnicate"}',
        b'{"v": 1, "id": 1, "op": "set_mtu", "mtu": "big"}',
        b'{"v": 1, "id": 1, "op": "apply", "config": {"proto": "fec"}}',
        b'{"v": 1, "id": true, "op": "observe"}',
        b"\xff\xfe",
    ],
)
def test_malformed_requests(data: bytes) -> None:
    with pytest.raises(control.ControlProtocolError):
        control.decode_request(data)


def test_too_long() -> None:
    with pytest.raises(control.ControlProtocolError):
        control.decode_request(b" " * (control.MAX_MESSAGE + 1))


def test_message_version() -> None:
    assert control.message_version(b'{"v": 3}') == 3
    assert control.message_version(b"junk") is None


def test_requests_are_not_replies() -> None:
    with pytest.raises(control.ControlProtocolError):
        control.decode_reply(control.encode(control.Observe(1)))
