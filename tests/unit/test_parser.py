"""The word parser: commands built per keyword table, FreeBSD's error texts exactly."""

from __future__ import annotations

import pytest

from lagg_ifconfig.errors import ArgSyntaxError, ConfigError, LaggError
from lagg_ifconfig.model import HashLayer, LaggOption, LaggProto, Nd6Flag
from lagg_ifconfig.syntax.commands import (
    AddPort,
    AddressChange,
    Create,
    DelPort,
    Destroy,
    SetDescription,
    SetHash,
    SetLladdr,
    SetMtu,
    SetNd6,
    SetOption,
    SetProto,
    SetRrLimit,
    SetUp,
)
from lagg_ifconfig.syntax.parser import REGISTRY, parse_words, render_words


def test_handbook_lacp_line_parses_to_commands_in_order_with_the_address_last() -> None:
    inv = parse_words("lagg0", "up laggproto lacp laggport fxp0 laggport fxp1 10.0.0.3/24".split())
    assert inv.commands == (
        SetUp(True),
        SetProto(LaggProto.LACP),
        AddPort("fxp0"),
        AddPort("fxp1"),
        AddressChange("inet", "10.0.0.3", 24, "set"),
    )


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("inet 198.18.0.15/24", AddressChange("inet", "198.18.0.15", 24, "set")),
        ("198.18.0.15 netmask 0xffffff00", AddressChange("inet", "198.18.0.15", 24, "set")),
        ("inet 198.18.0.15 netmask 255.255.255.0", AddressChange("inet", "198.18.0.15", 24, "set")),
        ("alias 198.18.0.16/32", AddressChange("inet", "198.18.0.16", 32, "add")),
        ("198.18.0.16 -alias", AddressChange("inet", "198.18.0.16", None, "delete")),
        ("inet6 2001:db8::1/64", AddressChange("inet6", "2001:db8::1", 64, "set")),
        ("inet6 2001:DB8:0::1 -alias", AddressChange("inet6", "2001:db8::1", None, "delete")),
        ("inet6 2001:db8::1 prefixlen 48 alias", AddressChange("inet6", "2001:db8::1", 48, "add")),
        (
            "inet 10.1 broadcast 10.255.255.255",
            AddressChange("inet", "10.0.0.1", None, "set", "10.255.255.255"),
        ),
    ],
)
def test_address_forms(words: str, expected: AddressChange) -> None:
    assert parse_words("bge0", words.split()).commands == (expected,)


@pytest.mark.parametrize("family_word", ["ether", "lladdr", "link"])
def test_link_address_forms(family_word: str) -> None:
    inv = parse_words("iwn0", [family_word, "00:21:70:DA:AE:37"])
    assert inv.commands == (SetLladdr("00:21:70:da:ae:37"),)
    assert inv.family == "link"


def test_create_with_laggtype_then_configuration() -> None:
    inv = parse_words("lagg0", ["create", "laggtype", "ethernet", "up"])
    assert inv.commands == (Create("ethernet"), SetUp(True))
    assert inv.creates


def test_name_only_is_a_status_query_and_family_filters() -> None:
    assert parse_words("bge0", []).is_status_query
    inv = parse_words("bge0", ["inet6"])
    assert inv.is_status_query
    assert inv.family == "inet6"


def test_lagg_keywords_and_negations() -> None:
    words = "lagghash l4,l2 -laggport fxp1 rr_limit 3 -use_numa lacp_fast_timeout destroy".split()
    assert parse_words("lagg0", words).commands == (
        SetHash(HashLayer.L2 | HashLayer.L4),
        DelPort("fxp1"),
        SetRrLimit(3),
        SetOption(LaggOption.USE_NUMA, on=False),
        SetOption(LaggOption.LACP_FAST_TIMO, on=True),
        Destroy(),
    )


def test_fec_is_loadbalance_as_in_the_handbook() -> None:
    assert parse_words("lagg0", ["laggproto", "fec"]).commands == (SetProto(LaggProto.LOADBALANCE),)


def test_misc_keywords() -> None:
    inv = parse_words("bge0", ["mtu", "9000", "description", "uplink", "down"])
    assert inv.commands == (SetMtu(9000), SetDescription("uplink"), SetUp(False))


def test_nd6_keyword_anywhere() -> None:
    assert parse_words("bge0", ["inet6", "ifdisabled"]).commands == (SetNd6(Nd6Flag.IFDISABLED, True),)


@pytest.mark.parametrize(
    ("words", "error_type", "message"),
    [
        ("laggproto", ArgSyntaxError, "'laggproto' requires argument"),
        ("laggproto bogus", ConfigError, "Invalid aggregation protocol: bogus"),
        ("laggproto LACP", ConfigError, "Invalid aggregation protocol: LACP"),
        ("lagghash l5", ConfigError, "Invalid lagghash option: l5"),
        ("lagghash l2,", ConfigError, "Invalid lagghash option: "),
        ("lagghash", ArgSyntaxError, "'lagghash' requires argument"),
        ("rr_limit 0", ConfigError, "Invalid round-robin stride: 0"),
        ("flowid_shift 32", ConfigError, "Invalid flowid_shift option: 32"),
        ("flowid_shift -1", ConfigError, "Invalid flowid_shift option: -1"),
        ("foo", ArgSyntaxError, "foo: bad value"),
        ("198.18.0.1/33", ArgSyntaxError, "198.18.0.1/33: bad value (width too large)"),
        ("198.18.0.1/x", ArgSyntaxError, "198.18.0.1/x: bad value (width invalid)"),
        ("inet6 2001:db8::1/129", ArgSyntaxError, "129: bad value"),
        ("inet6 zz::1", ArgSyntaxError, "zz::1: bad value"),
        ("ether 00:11:22", ArgSyntaxError, "malformed link-level address"),
        ("ether 00:11:22:33:44:55 netmask 1", ArgSyntaxError, "can't set link-level netmask or broadcast"),
        ("create laggtype token", ConfigError, "invalid lagg type: token"),
        ("mtu", ArgSyntaxError, "'mtu' requires argument"),
        ("up laggtype ethernet", ArgSyntaxError, "laggtype: bad value"),
    ],
)
def test_errors_are_freebsd_texts(words: str, error_type: type[LaggError], message: str) -> None:
    with pytest.raises(error_type) as caught:
        parse_words("lagg0", words.split())
    assert str(caught.value) == message


def test_requires_argument_error_names_the_word_position() -> None:
    with pytest.raises(ArgSyntaxError) as caught:
        parse_words("lagg0", ["up", "laggport"])
    assert caught.value.word_index == 1


def test_every_lagg_keyword_of_the_issue_is_registered() -> None:
    for word in (
        "laggproto laggport -laggport lagghash lacp_fast_timeout -lacp_fast_timeout lacp_strict -lacp_strict "
        "rr_limit use_flowid -use_flowid flowid_shift use_numa -use_numa"
    ).split():
        assert word in REGISTRY


def test_render_words_round_trips_the_handbook_line() -> None:
    inv = parse_words("lagg0", "up laggproto failover laggport fxp0 laggport fxp1 198.18.0.15/24".split())
    assert parse_words("lagg0", list(render_words(inv))).commands == inv.commands
