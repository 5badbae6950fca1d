"""Properties of status.render, format_bits and jsonout over generated interface states."""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from lagg_ifconfig.errors import UsageError
from lagg_ifconfig.jsonout import TOP_KEY, document, dumps
from lagg_ifconfig.model import (
    Address,
    HashLayer,
    IfFlag,
    InterfaceState,
    LacpId,
    LacpPortInfo,
    LacpState,
    LaggOption,
    LaggProto,
    LaggStatus,
    Nd6Flag,
    PortFlag,
    PortStatus,
)
from lagg_ifconfig.status import (
    BIT_TABLES,
    DIALECTS,
    FORMAT_CHOICES,
    RenderOptions,
    format_bits,
    format_lacp_id,
    parse_bits,
    parse_formats,
    render,
)

u32 = st.integers(min_value=0, max_value=2**32 - 1)
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-", min_size=1, max_size=15)
texts = st.text(max_size=40)
macs = st.one_of(
    st.binary(min_size=6, max_size=6).map(lambda b: ":".join(f"{x:02x}" for x in b)),
    st.binary(min_size=6, max_size=6).map(lambda b: "-".join(f"{x:02X}" for x in b)),
    texts,
)

addresses = st.builds(
    Address,
    family=st.sampled_from(["inet", "inet6", "link", "bogus"]),
    address=texts,
    prefixlen=st.integers(min_value=-5, max_value=140),
    broadcast=st.none() | texts,
    peer=st.none() | texts,
    scope_id=st.integers(min_value=0, max_value=2**32 - 1),
    flags=st.lists(st.sampled_from(["tentative", "deprecated", "autoconf", "anycast", "x"]), max_size=3).map(tuple),
)

lacp_ids = st.builds(
    LacpId,
    system_priority=st.integers(min_value=-1, max_value=2**17),
    system=st.binary(max_size=8),
    key=st.integers(min_value=0, max_value=2**17),
    port_priority=st.integers(min_value=0, max_value=2**16),
    port=st.integers(min_value=0, max_value=2**16),
)

ports = st.builds(
    PortStatus,
    name=names,
    ifindex=st.integers(min_value=1, max_value=10_000),
    flags=st.integers(min_value=0, max_value=0xFF).map(PortFlag),
    lacp=st.none()
    | st.builds(
        LacpPortInfo,
        actor_state=st.integers(min_value=0, max_value=0xFF).map(LacpState),
        actor=lacp_ids,
        partner=lacp_ids,
        partner_state=st.integers(min_value=0, max_value=0xFF).map(LacpState),
    ),
)

laggs = st.builds(
    LaggStatus,
    proto=st.sampled_from(list(LaggProto)),
    hash=st.integers(min_value=0, max_value=7).map(HashLayer),
    options=st.integers(min_value=0, max_value=0x1FF).map(LaggOption),
    flowid_shift=st.integers(min_value=0, max_value=31),
    rr_limit=st.integers(min_value=0, max_value=2**32 - 1),
    ports=st.lists(ports, max_size=4).map(tuple),
    active_ports=st.integers(min_value=0, max_value=32),
    flapping=st.integers(min_value=0, max_value=2**32 - 1),
    lag_id=st.none() | st.tuples(lacp_ids, lacp_ids),
    backend=st.sampled_from(["", "userspace", "bonding", "teamd"]),
    deviations=st.lists(texts, max_size=2).map(tuple),
)

extras = st.lists(
    st.tuples(st.sampled_from(["capabilities", "supported_media", "drivername", "other"]), texts),
    max_size=4,
).map(tuple)

states = st.builds(
    InterfaceState,
    name=names,
    index=st.integers(min_value=1, max_value=10_000),
    flags=u32.map(IfFlag),
    mtu=st.integers(min_value=0, max_value=65535),
    metric=st.integers(min_value=0, max_value=100),
    link_type=st.sampled_from(["ether", "loopback", "none", "infiniband"]),
    lladdr=st.none() | macs,
    hwaddr=st.none() | macs,
    description=st.none() | texts,
    options=st.none() | st.integers(min_value=0, max_value=2**40),
    addresses=st.lists(addresses, max_size=4).map(tuple),
    groups=st.lists(names, max_size=3).map(tuple),
    media=st.none() | texts,
    status=st.none() | st.sampled_from(["active", "no carrier"]),
    nd6=st.none() | st.integers(min_value=0, max_value=0xFFFF).map(Nd6Flag),
    master=st.none() | names,
    lagg=st.none() | laggs,
    extra=extras,
)

formats = st.dictionaries(
    st.sampled_from(sorted(FORMAT_CHOICES)),
    st.sampled_from(sorted({f for fs in FORMAT_CHOICES.values() for f in fs})),
    max_size=4,
)

options = st.builds(
    RenderOptions,
    verbose=st.booleans(),
    family=st.sampled_from([None, "inet", "inet6", "link", "ether", "lladdr"]),
    formats=formats,
    dialect=st.sampled_from(sorted(DIALECTS)),
    show_drivername=st.booleans(),
    media_list=st.booleans(),
)


@given(states, options)
@settings(max_examples=300)
def test_render_never_raises_and_is_line_shaped(state: InterfaceState, opts: RenderOptions) -> None:
    text = render(state, opts)
    if not text:
        assert opts.family is not None
        return
    assert text.endswith("\n")
    first, *rest = text.split("\n")[:-1]
    assert first.startswith(f"{state.name}: flags=")
    # every further line is indented with a tab, except where a free-text field
    # (description, media, an address) itself contained a newline
    free_text = any("\n" in text for text in _strings(dataclasses.asdict(state)))
    if not free_text:
        assert all(line.startswith("\t") for line in rest)


def _strings(value: object) -> list[str]:
    """Every string inside a (nested) asdict() value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _strings(v)]
    return []


@given(states)
def test_default_options_are_v14(state: InterfaceState) -> None:
    assert render(state) == render(state, RenderOptions(dialect="V14"))


FLAG_CLASSES: list[type[enum.IntFlag]] = [IfFlag, PortFlag, LacpState, LaggOption, Nd6Flag, HashLayer]


@given(st.sampled_from(FLAG_CLASSES), u32)
def test_format_bits_round_trips_named_bits(cls: type[enum.IntFlag], value: int) -> None:
    named = 0
    for member in cls:
        named |= int(member.value)
    text = format_bits(value, cls)
    assert text.startswith(f"{value:x}<")
    assert text.endswith(">")
    assert parse_bits(text, cls) == value & named


@given(st.sampled_from(sorted(BIT_TABLES)), st.integers(min_value=0, max_value=2**40))
def test_netlink_style_round_trips_every_bit(table: str, value: int) -> None:
    text = format_bits(value, BIT_TABLES[table], style="netlink", unnamed="X")
    assert parse_bits(text, BIT_TABLES[table], unnamed="X") == value
    assert ("<" in text) == (value != 0)


@given(lacp_ids)
def test_lacp_id_shape(lacp_id: LacpId) -> None:
    pattern = r"\([0-9A-F]{4},([0-9A-F]{2}-){5}[0-9A-F]{2},[0-9A-F]{4},[0-9A-F]{4},[0-9A-F]{4}\)"
    assert re.fullmatch(pattern, format_lacp_id(lacp_id))


@given(st.lists(states, max_size=3), st.booleans(), st.none() | st.booleans())
def test_json_parses_back(items: list[InterfaceState], pretty: bool, applied: bool | None) -> None:
    doc = document(items, applied=applied)
    text = dumps(doc, pretty=pretty)
    assert text.endswith("\n")
    assert json.loads(text) == doc
    assert len(doc[TOP_KEY]["interface"]) == len(items)


@given(texts)
def test_parse_formats_lenient_never_raises(spec: str) -> None:
    warnings: list[str] = []
    result = parse_formats(spec, strict=False, warnings=warnings)
    for kind, fmt in result.items():
        assert fmt in FORMAT_CHOICES[kind]
    assert all(w.startswith("Skipping invalid format specification: ") for w in warnings)


@given(texts)
def test_parse_formats_strict_raises_only_usage_errors(spec: str) -> None:
    with contextlib.suppress(UsageError):
        parse_formats(spec)
