"""jsonout: the D18 document and libxo's two encodings, golden-tested byte for byte."""

from __future__ import annotations

import errno
import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from lagg_ifconfig.errors import PortError
from lagg_ifconfig.jsonout import SCHEMA_VERSION, TOP_KEY, document, dumps, interface_object
from lagg_ifconfig.model import Address
from lagg_ifconfig.status import RenderOptions
from tests.unit import status_cases as sc

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "json"

CONFIGURE_ERRORS = (PortError("lagg0", "fxp9", "SIOCSLAGGPORT", errno.EINVAL),)

JSON_CASES = {
    "failover.json": dumps(document([sc.FAILOVER]), pretty=False),
    "lacp_verbose.pretty.json": dumps(document([sc.LACP], RenderOptions(verbose=True)), pretty=True),
    "all.json": dumps(document([sc.LO0, sc.VETH_UP, sc.PORT_FXP1, sc.LACP_LONELY, sc.ROUNDROBIN]), pretty=False),
    "configure.pretty.json": dumps(
        document(
            [sc.FAILOVER],
            applied=True,
            port_errors=CONFIGURE_ERRORS,
            notices=["lagghash l2 is approximated by xmit_hash_policy layer2"],
        ),
        pretty=True,
    ),
}


@pytest.mark.parametrize("name", sorted(JSON_CASES))
def test_json_golden(name: str) -> None:
    path = GOLDEN / name
    text = JSON_CASES[name]
    if os.environ.get("LAGG_GOLDEN_UPDATE") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
    assert text == path.read_bytes().decode()


def test_compact_is_one_line_and_pretty_indents() -> None:
    doc = document([sc.FAILOVER])
    compact = dumps(doc, pretty=False)
    pretty = dumps(doc, pretty=True)
    assert compact.count("\n") == 1
    assert compact.endswith("}\n")
    assert pretty.startswith('{\n  "lagg-ifconfig": {\n    "version": 1,\n')
    assert json.loads(compact) == json.loads(pretty) == doc


def test_document_shape() -> None:
    doc = document([sc.FAILOVER])
    body = doc[TOP_KEY]
    assert body["version"] == SCHEMA_VERSION == 1
    assert "applied" not in body
    (iface,) = body["interface"]
    assert iface["flags"] == {
        "value": 0x1008843,
        "names": ["UP", "BROADCAST", "RUNNING", "SIMPLEX", "MULTICAST", "LOWER_UP"],
    }
    assert iface["ether"] == "00:05:5d:71:8d:b8"
    assert iface["laggproto"] == "failover"
    assert iface["lagghash"] == ["l2", "l3", "l4"]
    assert iface["laggport"][0]["flags"] == {"value": 5, "names": ["MASTER", "ACTIVE"]}
    assert "lag_id" not in iface


def test_macs_are_lower_case_colon_whatever_the_input() -> None:
    obj = interface_object(sc.BGE0_HANDBOOK)
    assert obj["ether"] == "00:21:70:da:ae:37"


def test_lacp_ids_are_objects() -> None:
    obj = interface_object(sc.LACP)
    assert obj["lag_id"]["actor"] == {
        "system_priority": 0x8000,
        "system": "00:05:5d:71:8d:b8",
        "key": 0x146,
        "port_priority": 0,
        "port": 0,
    }
    port = obj["laggport"][0]
    assert port["state"]["names"] == ["ACTIVITY", "AGGREGATION", "SYNC", "COLLECTING", "DISTRIBUTING"]
    assert port["partner"]["port"] == 0x101


def test_lonely_lacp_lag_id_is_zero() -> None:
    obj = interface_object(sc.LACP_LONELY)
    assert obj["lag_id"]["partner"]["system"] == "00:00:00:00:00:00"


def test_family_filter_applies_to_interfaces() -> None:
    doc = document([sc.LO0, sc.VETH_UP, sc.LAGG_EMPTY], RenderOptions(family="ether"))
    assert [i["name"] for i in doc[TOP_KEY]["interface"]] == ["bge0", "lagg0"]


def test_configure_fields() -> None:
    body = document([], applied=False, port_errors=CONFIGURE_ERRORS)[TOP_KEY]
    assert body["applied"] is False
    assert body["port_errors"] == [
        {
            "lagg": "lagg0",
            "port": "fxp9",
            "op": "SIOCSLAGGPORT",
            "errno": errno.EINVAL,
            "message": "lagg0 fxp9: SIOCSLAGGPORT: Invalid argument",
        }
    ]
    assert body["notices"] == []


def test_absent_fields_are_left_out_and_empty_lists_kept() -> None:
    obj = interface_object(sc.LO0)
    assert "ether" not in obj
    assert "description" not in obj
    assert "media" not in obj
    assert obj["groups"] == ["lo"]
    assert obj["inet"] == [{"address": "127.0.0.1", "prefixlen": 8, "netmask": "0xff000000"}]
    assert obj["inet6"][1] == {"address": "fe80::1", "prefixlen": 64, "scopeid": 1}


def test_non_ethernet_link_address() -> None:
    obj = interface_object(replace(sc.VETH_UP, link_type="infiniband", lladdr="80:00:00:48"))
    assert obj["lladdr"] == "80:00:00:48"
    assert "ether" not in obj


def test_point_to_point_destination() -> None:
    obj = interface_object(replace(sc.VETH_UP, addresses=(Address("inet", "10.9.0.1", 32, peer="10.9.0.2"),)))
    assert obj["inet"] == [{"address": "10.9.0.1", "prefixlen": 32, "netmask": "0xffffffff", "destination": "10.9.0.2"}]


def test_non_ascii_description_is_kept_as_utf8() -> None:
    text = dumps(document([replace(sc.VETH_UP, description="liaison montante é")]))
    assert "montante é" in text
