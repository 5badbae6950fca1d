"""status.render and its helpers: golden files (exact bytes) and the rules behind them."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from lagg_ifconfig.errors import UsageError
from lagg_ifconfig.model import (
    Address,
    IfFlag,
    InterfaceState,
    LacpId,
    LacpState,
    LaggOption,
    LaggProto,
    PortFlag,
)
from lagg_ifconfig.status import (
    DIALECTS,
    RenderOptions,
    family_matches,
    format_bits,
    format_ether,
    format_lacp_id,
    format_lacp_peer,
    list_line,
    parse_bits,
    parse_formats,
    render,
)
from tests.unit import status_cases as sc

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


# ---------------------------------------------------------------- golden files


@pytest.mark.parametrize("case", sc.CASES, ids=[c.golden for c in sc.CASES])
def test_golden(case: sc.Case) -> None:
    # GIVEN a state and options WHEN rendered THEN the bytes equal the golden file
    path = GOLDEN / case.golden
    text = render(case.state, case.opts)
    if os.environ.get("LAGG_GOLDEN_UPDATE") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())
    assert text == path.read_bytes().decode()


def test_every_golden_file_has_a_case() -> None:
    used = {c.golden for c in sc.CASES}
    on_disk = {str(p.relative_to(GOLDEN)) for p in GOLDEN.glob("V*/*.txt")}
    on_disk |= {str(p.relative_to(GOLDEN)) for p in GOLDEN.glob("MAIN/*.txt")}
    assert on_disk == used


def test_spec_failover_example_v14_exactly() -> None:
    # spec §5.5, written out here as well so the golden file cannot drift silently
    assert render(sc.FAILOVER) == (
        "lagg0: flags=1008843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST,LOWER_UP> metric 0 mtu 1500\n"
        "\toptions=8<VLAN_MTU>\n"
        "\tether 00:05:5d:71:8d:b8\n"
        "\tinet 10.0.0.15 netmask 0xffffff00 broadcast 10.0.0.255\n"
        "\tlaggproto failover lagghash l2,l3,l4\n"
        "\tlaggport: fxp0 flags=5<MASTER,ACTIVE>\n"
        "\tlaggport: fxp1 flags=0<>\n"
        "\tgroups: lagg\n"
        "\tmedia: Ethernet autoselect\n"
        "\tstatus: active\n"
        "\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>\n"
    )


def test_spec_failover_example_v10_has_trailing_space_and_old_order() -> None:
    assert render(sc.FAILOVER, sc.V10) == (
        "lagg0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500\n"
        "\toptions=8<VLAN_MTU>\n"
        "\tether 00:05:5d:71:8d:b8\n"
        "\tinet 10.0.0.15 netmask 0xffffff00 broadcast 10.0.0.255 \n"
        "\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>\n"
        "\tmedia: Ethernet autoselect\n"
        "\tstatus: active\n"
        "\tlaggproto failover lagghash l2,l3,l4\n"
        "\tlaggport: fxp0 flags=5<MASTER,ACTIVE>\n"
        "\tlaggport: fxp1 flags=0<>\n"
    )


def test_spec_lacp_verbose_block_exactly() -> None:
    text = render(sc.LACP, sc.V14V)
    block = (
        "\tlaggproto lacp lagghash l2,l3,l4\n"
        "\tlagg options:\n"
        "\t\tflags=14<USE_NUMA,LACP_STRICT>\n"
        "\t\tflowid_shift: 16\n"
        "\tlagg statistics:\n"
        "\t\tactive ports: 2\n"
        "\t\tflapping: 0\n"
        "\tlag id: [(8000,00-05-5D-71-8D-B8,0146,0000,0000),\n"
        "\t\t (8000,00-0E-83-AA-BB-CC,0001,0000,0000)]\n"
        "\tlaggport: fxp0 flags=1c<ACTIVE,COLLECTING,DISTRIBUTING> "
        "state=3d<ACTIVITY,AGGREGATION,SYNC,COLLECTING,DISTRIBUTING>\n"
        "\t\t[(8000,00-05-5D-71-8D-B8,0146,8000,0003),\n"
        "\t\t (8000,00-0E-83-AA-BB-CC,0001,8000,0101)]\n"
        "\tlaggport: fxp1 flags=1c<ACTIVE,COLLECTING,DISTRIBUTING> "
        "state=3d<ACTIVITY,AGGREGATION,SYNC,COLLECTING,DISTRIBUTING>\n"
        "\t\t[(8000,00-05-5D-71-8D-B8,0146,8000,0004),\n"
        "\t\t (8000,00-0E-83-AA-BB-CC,0001,8000,0102)]\n"
        "\tgroups: lagg\n"
    )
    assert block in text


HANDBOOK_FAILOVER = (
    "lagg0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500\n"
    "\toptions=8<VLAN_MTU>\n"
    "\tether 00:05:5d:71:8d:b8\n"
    "\tinet 10.0.0.15 netmask 0xffffff00 broadcast 10.0.0.255\n"
    "\tmedia: Ethernet autoselect\n"
    "\tstatus: active\n"
    "\tlaggproto failover\n"
    "\tlaggport: fxp1 flags=0<>\n"
    "\tlaggport: fxp0 flags=5<MASTER,ACTIVE>\n"
)


def test_handbook_failover_sample_from_equivalent_data() -> None:
    # The Handbook's screen (tabs for its 8-space indent) is the V9 dialect's output.
    assert render(sc.FAILOVER_HANDBOOK, sc.V9) == HANDBOOK_FAILOVER


def test_handbook_bge0_sample_v10_and_what_v14_changes() -> None:
    v10 = render(sc.BGE0_HANDBOOK, sc.V10)
    v14 = render(sc.BGE0_HANDBOOK)
    assert v10.splitlines()[3] == "\tinet6 fe80::221:70ff:feda:ae37%bge0 prefixlen 64 scopeid 0x2 "
    # V14: LOWER_UP in the flags, no trailing space, nd6 after media/status
    assert v14.splitlines()[0].startswith("bge0: flags=1008843<")
    assert v14.splitlines()[3] == "\tinet6 fe80::221:70ff:feda:ae37%bge0 prefixlen 64 scopeid 0x2"
    assert v14.splitlines()[-1].startswith("\tnd6 options=")


# ---------------------------------------------------------------- bits


@pytest.mark.parametrize(
    ("value", "style", "expected"),
    [
        (0x8843, "printb", "8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST>"),
        (0, "printb", "0<>"),
        (0, "netlink", "0"),
        (0x1008843, "netlink", "1008843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST,LOWER_UP>"),
        (0x2000001, "netlink", "2000001<UP,IFF_25>"),
        (0x2000001, "printb", "2000001<UP>"),
    ],
)
def test_format_bits_styles(value: int, style: str, expected: str) -> None:
    assert format_bits(value, IfFlag, style=style) == expected


def test_format_bits_accepts_tables_and_mappings() -> None:
    assert format_bits(5, {1: "MASTER", 4: "ACTIVE"}) == "5<MASTER,ACTIVE>"
    assert format_bits(0x1C, ((4, "ACTIVE"), (8, "COLLECTING"), (16, "DISTRIBUTING"))) == (
        "1c<ACTIVE,COLLECTING,DISTRIBUTING>"
    )


def test_format_bits_rejects_unknown_style() -> None:
    with pytest.raises(ValueError, match="unknown bit style"):
        format_bits(1, IfFlag, style="bogus")


def test_parse_bits_inverts_format_bits() -> None:
    text = format_bits(int(PortFlag.MASTER | PortFlag.ACTIVE), PortFlag)
    assert parse_bits(text, PortFlag) == 5
    assert parse_bits("0<>", PortFlag) == 0
    assert parse_bits("0", PortFlag) == 0


# ---------------------------------------------------------------- LACP ids


def test_format_lacp_id_upper_hex_and_dashed_mac() -> None:
    lacp_id = LacpId(0x8000, bytes.fromhex("00055d718db8"), 0x146, 0x8000, 3)
    assert format_lacp_id(lacp_id) == "(8000,00-05-5D-71-8D-B8,0146,8000,0003)"
    assert format_lacp_id(LacpId.zero()) == "(0000,00-00-00-00-00-00,0000,0000,0000)"


def test_format_lacp_peer_separator() -> None:
    zero = LacpId.zero()
    assert format_lacp_peer(zero, zero) == (
        "[(0000,00-00-00-00-00-00,0000,0000,0000),\n\t\t (0000,00-00-00-00-00-00,0000,0000,0000)]"
    )


# ---------------------------------------------------------------- -f formats


def test_parse_formats_later_entries_win() -> None:
    assert parse_formats("inet:cidr,ether:dash,inet:dotted") == {"inet": "dotted", "ether": "dash"}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("inet", "invalid format specification: inet"),
        ("inet:", "invalid format specification: inet:"),
        ("bogus:cidr", "unknown type in format specification: bogus:cidr"),
        ("inet:slash", "unknown inet format in format specification: inet:slash"),
    ],
)
def test_parse_formats_strict_errors(spec: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_formats(spec)
    assert str(info.value) == message
    assert info.value.show_usage


def test_parse_formats_lenient_is_freebsds_behaviour() -> None:
    warnings: list[str] = []
    result = parse_formats("inet,ether:dash,bogus:x,inet6:slash", strict=False, warnings=warnings)
    assert result == {"ether": "dash"}
    assert warnings == ["Skipping invalid format specification: inet"]


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("default", "00:05:5d:71:8d:b8"),
        ("colon", "00:05:5d:71:8d:b8"),
        ("dash", "00-05-5d-71-8d-b8"),
        ("dotted", "0005.5d71.8db8"),
    ],
)
def test_format_ether(fmt: str, expected: str) -> None:
    assert format_ether("00:05:5D:71:8d:B8", fmt) == expected


def test_format_ether_leaves_non_mac_alone() -> None:
    assert format_ether("80:00:00:48:fe") == "80:00:00:48:fe"
    assert format_ether("zz:00:00:00:00:00") == "zz:00:00:00:00:00"


def test_formats_ignored_by_v10() -> None:
    opts = RenderOptions(dialect="V10", formats={"inet": "cidr"})
    assert "netmask 0xffffff00" in render(sc.FAILOVER, opts)


def test_inet_hex_format_is_the_default() -> None:
    hex_opts = RenderOptions(formats={"inet": "hex"})
    assert render(sc.FAILOVER, hex_opts) == render(sc.FAILOVER)


# ---------------------------------------------------------------- options


def test_render_options_validation() -> None:
    with pytest.raises(ValueError, match="unknown dialect"):
        RenderOptions(dialect="V8")
    with pytest.raises(ValueError, match="unknown address family"):
        RenderOptions(family="ipx")


def test_render_options_formats_are_a_frozen_copy() -> None:
    formats = {"inet": "cidr"}
    opts = RenderOptions(formats=formats)
    formats["inet"] = "dotted"
    assert opts.formats == {"inet": "cidr"}
    with pytest.raises(TypeError):
        opts.formats["inet"] = "dotted"  # type: ignore[index]


def test_dialects_offered() -> None:
    assert set(DIALECTS) == {"V9", "V10", "V12", "V14", "MAIN"}


# ---------------------------------------------------------------- family filter


def test_v14_prints_nothing_for_an_interface_without_the_family() -> None:
    assert render(sc.LAGG_EMPTY, RenderOptions(family="inet")) == ""
    assert render(sc.LO0, RenderOptions(family="ether")) == ""


def test_v10_prints_the_header_even_without_the_family() -> None:
    text = render(sc.LAGG_EMPTY, RenderOptions(dialect="V10", family="inet"))
    assert text == "lagg0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500\n"


@pytest.mark.parametrize(
    ("family", "lo0", "veth"),
    [(None, True, True), ("inet", True, True), ("ether", False, True), ("link", False, True)],
)
def test_family_matches(family: str | None, lo0: bool, veth: bool) -> None:
    assert family_matches(sc.LO0, family) is lo0
    assert family_matches(sc.VETH_UP, family) is veth


# ---------------------------------------------------------------- line rules


def test_hwaddr_rules_per_dialect() -> None:
    same = replace(sc.PORT_FXP1, hwaddr=sc.PORT_FXP1.lladdr)
    assert "hwaddr" in render(sc.PORT_FXP1)
    assert "hwaddr" not in render(same)
    # 10.4 prints it whenever the driver reports a non-zero address, even an equal one
    assert "\thwaddr 00:05:5d:71:8d:b8\n" in render(same, sc.V10)
    assert "hwaddr" not in render(replace(same, hwaddr="00:00:00:00:00:00"), sc.V10)
    assert "hwaddr" not in render(sc.PORT_FXP1, sc.V9)


def test_hwaddr_follows_ether_format() -> None:
    text = render(sc.PORT_FXP1, RenderOptions(formats={"ether": "dash"}))
    assert "\thwaddr 00-05-5d-71-8d-b9\n" in text


def test_non_ethernet_link_address_prints_lladdr() -> None:
    state = replace(sc.VETH_UP, link_type="infiniband", lladdr="80:00:00:48:fe:80")
    assert "\tlladdr 80:00:00:48:fe:80\n" in render(state)


def test_point_to_point_inet() -> None:
    state = InterfaceState(
        name="tun0",
        index=7,
        flags=IfFlag.UP | IfFlag.POINTOPOINT | IfFlag.RUNNING | IfFlag.MULTICAST,
        mtu=1500,
        link_type="none",
        addresses=(
            Address("inet", "10.9.0.1", 32, peer="10.9.0.2"),
            Address("inet6", "2001:db8::1", 128, peer="2001:db8::2"),
        ),
    )
    assert render(state) == (
        "tun0: flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST> metric 0 mtu 1500\n"
        "\tinet 10.9.0.1 --> 10.9.0.2 netmask 0xffffffff\n"
        "\tinet6 2001:db8::1 --> 2001:db8::2 prefixlen 128\n"
    )
    assert "\tinet 10.9.0.1 --> 10.9.0.2 netmask 0xffffffff \n" in render(state, sc.V10)


def test_inet_without_broadcast_flag_has_no_broadcast() -> None:
    assert "\tinet 127.0.0.1 netmask 0xff000000\n" in render(sc.LO0)
    assert "\tinet 127.0.0.1 netmask 0xff000000 \n" in render(sc.LO0, sc.V10)


def test_description_empty_is_not_printed() -> None:
    assert "description" not in render(replace(sc.VETH_UP, description=""))


def test_drivername() -> None:
    assert "drivername" not in render(sc.VETH_UP, sc.V14V)
    assert render(sc.VETH_UP, RenderOptions(show_drivername=True)).endswith("\tdrivername: bge0\n")
    main_v = RenderOptions(dialect="MAIN", verbose=True)
    assert render(sc.VETH_UP, main_v).endswith("\tdrivername: bge0\n")
    named = replace(sc.VETH_UP, extra=(("drivername", "em0"),))
    assert render(named, main_v).endswith("\tdrivername: em0\n")


def test_media_list_option() -> None:
    state = replace(
        sc.VETH_UP,
        options=0x8,
        extra=(
            ("capabilities", "0x1b"),
            ("supported_media", "autoselect"),
            ("supported_media", "1000baseT mediaopt full-duplex"),
        ),
    )
    text = render(state, RenderOptions(media_list=True))
    assert "\toptions=8<VLAN_MTU>\n\tcapabilities=1b<RXCSUM,TXCSUM,VLAN_MTU,VLAN_HWTAGGING>\n" in text
    assert text.endswith(
        "\tmedia: Ethernet autoselect (10Gbase-T <full-duplex>)\n"
        "\tstatus: active\n"
        "\tsupported media:\n"
        "\t\tmedia autoselect\n"
        "\t\tmedia 1000baseT mediaopt full-duplex\n"
        "\tnd6 options=21<PERFORMNUD,AUTO_LINKLOCAL>\n"
    )
    assert "capabilities" not in render(state)


def test_options_line_rules() -> None:
    zero = replace(sc.VETH_UP, options=0)
    assert "\toptions=0\n" in render(zero)
    assert "\toptions=" not in render(zero, sc.V10)
    unnamed = replace(sc.VETH_UP, options=1 << 40 | 1)
    assert "\toptions=1<RXCSUM,IFCAPS_40>\n" in render(unnamed)


def test_lacp_only_options_hidden_for_other_protocols() -> None:
    lagg = replace(sc.FAILOVER_LAGG, options=LaggOption.USE_NUMA | LaggOption.LACP_STRICT)
    text = render(replace(sc.FAILOVER, lagg=lagg), sc.V14V)
    assert "\t\tflags=4<USE_NUMA>\n" in text


def test_v10_has_no_broadcast_protocol() -> None:
    lagg = replace(sc.FAILOVER_LAGG, proto=LaggProto.BROADCAST)
    state = replace(sc.FAILOVER, lagg=lagg)
    assert "\tlaggproto <unknown> lagghash l2,l3,l4\n" in render(state, sc.V10)
    assert "\tlaggproto broadcast lagghash l2,l3,l4\n" in render(state)


def test_lacp_port_without_lacp_info_prints_zeros() -> None:
    port = replace(sc.LACP_LAGG.ports[0], lacp=None)
    state = replace(sc.LACP, lagg=replace(sc.LACP_LAGG, ports=(port,)))
    text = render(state, sc.V14V)
    assert "\tlaggport: fxp0 flags=1c<ACTIVE,COLLECTING,DISTRIBUTING> state=0<>\n" in text
    assert "\t\t[(0000,00-00-00-00-00-00,0000,0000,0000),\n\t\t (0000," in text


def test_v9_lacp_state_is_upper_hex_without_names() -> None:
    text = render(sc.LACP, RenderOptions(dialect="V9", verbose=True))
    assert " state=3D\n" in text
    assert "lagg options" not in text


def test_groups_all_is_hidden() -> None:
    assert "groups" not in render(replace(sc.VETH_UP, groups=("all",)))
    assert "\tgroups: lo\n" in render(replace(sc.LO0, groups=("all", "lo")))


def test_inet6_flags_in_freebsd_order() -> None:
    state = replace(
        sc.VETH_UP,
        addresses=(Address("inet6", "2001:db8::5", 64, flags=("autoconf", "deprecated", "weird", "tentative")),),
    )
    assert "\tinet6 2001:db8::5 prefixlen 64 tentative deprecated autoconf weird\n" in render(state)


def test_lacp_state_bits_match_spec_names() -> None:
    assert format_bits(0x45, LacpState) == "45<ACTIVITY,AGGREGATION,DEFAULTED>"
    assert format_bits(0x85, LacpState) == "85<ACTIVITY,AGGREGATION,EXPIRED>"


def test_list_line() -> None:
    assert list_line(["lo0", "fxp0", "fxp1", "lagg0"]) == "lo0 fxp0 fxp1 lagg0\n"
    assert list_line([]) == "\n"
