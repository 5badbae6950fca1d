"""rcconf: the sh-assignment parser, layering, get_if_var and the netif plan (spec §6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lagg_ifconfig import rcconf
from lagg_ifconfig.errors import RcConfError
from lagg_ifconfig.rcconf import (
    DefaultRoute,
    Dhcp,
    FlushAddresses,
    Hostapd,
    Ifconfig,
    Message,
    ShowStatus,
    Warning,
    Wpa,
)

SEED_LACP = """\
ifconfig_fxp0="up"
ifconfig_fxp1="up"
cloned_interfaces="lagg0"
ifconfig_lagg0="laggproto lacp laggport fxp0 laggport fxp1 10.0.0.3/24"
"""

SEED_FAILOVER = """\
ifconfig_fxp0="up"
ifconfig_fxp1="up"
cloned_interfaces="lagg0"
ifconfig_lagg0="laggproto failover laggport fxp0 laggport fxp1 10.0.0.15/24"
"""

SEED_WIRELESS = """\
ifconfig_bge0="up"
ifconfig_iwn0="ether 00:21:70:da:ae:37"
wlans_iwn0="wlan0"
ifconfig_wlan0="WPA"
cloned_interfaces="lagg0"
ifconfig_lagg0="laggproto failover laggport bge0 laggport wlan0 DHCP"
"""


def conf(text: str, filename: str = "/etc/rc.conf") -> rcconf.RcConf:
    return rcconf.merge([rcconf.parse(text, filename)])


def values(text: str) -> dict[str, str]:
    return rcconf.parse(text, "f").values()


def problems(text: str) -> list[str]:
    return [str(p) for p in rcconf.parse(text, "/etc/rc.conf").problems]


def plan(text: str, interfaces: list[str], **kwargs: object) -> str:
    return rcconf.format_script(rcconf.script(conf(text), interfaces, **kwargs))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Parser: quoting, escapes, expansion
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('a="up"', "up"),
        ("a='up'", "up"),
        ("a=up", "up"),
        ("a=", ""),
        ('a=""', ""),
        ("a=x#y", "x#y"),
        ('a="x" # comment', "x"),
        ("a='it''s'", "its"),
        ("a='$HOME \\n'", "$HOME \\n"),
        ('a="a\\b"', "a\\b"),
        ('a="\\$x \\" \\\\ \\`"', '$x " \\ `'),
        ("a=\\$x\\ y", "$x y"),
        ('a="one\ntwo"', "one\ntwo"),
        ("a=abc\\\ndef", "abcdef"),
        ('a="abc\\\ndef"', "abcdef"),
        ("a='abc\\\ndef'", "abc\\\ndef"),
        ('a="cost $"', "cost $"),
        ("a=\"x\"'y'z", "xyz"),
        ("a=${unset-def}", "def"),
        ('a="${unset:-a b}"', "a b"),
        ("a=$", "$"),
    ],
)
def test_values_are_unquoted_as_sh_does(text: str, expected: str) -> None:
    # GIVEN one assignment WHEN parsed and evaluated THEN sh's value results
    assert values(text + "\n")["a"] == expected


def test_expansion_uses_previous_assignments_and_defaults_layer() -> None:
    text = 'b=1 c="${b}x" d=${zz-def} e="${b:-q}" f=${empty-set} g=${empty:-unset} h=$nope\nempty=\n'
    result = values(text)
    assert (result["c"], result["d"], result["e"], result["h"]) == ("1x", "def", "1", "")
    # `empty` is assigned after f and g: at their time it was unset
    assert (result["f"], result["g"]) == ("set", "unset")
    rc = conf('x="${network_interfaces} lo0"\n')
    assert rc.get("x") == "auto lo0"


def test_set_but_empty_differs_from_unset() -> None:
    result = values("e=\na=${e-d} b=${e:-d} c=${e+p} d=${e:+p} f=${u+p}\n")
    assert [result[k] for k in "abcdf"] == ["", "d", "p", "", ""]


def test_several_assignments_on_one_line_and_locations() -> None:
    text = "# head\n\nx=1 y='two'  # c\nz=\"multi\nline\"\nw=3\n"
    parsed = rcconf.parse(text, "/etc/rc.conf")
    assert [(a.name, a.lineno, a.alone) for a in parsed.assignments] == [
        ("x", 3, False),
        ("y", 3, False),
        ("z", 4, True),
        ("w", 6, True),
    ]
    y = parsed.assignments[1]
    assert text[y.value_start : y.value_end] == "'two'"
    assert y.origin == "/etc/rc.conf:3"
    assert parsed.problems == ()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("y=$(date)", "command substitution $(...) is not supported"),
        ("y=`date`", "command substitution `...` is not supported"),
        ('y="a $(reboot) b"', "command substitution $(...) is not supported"),
        ("y=$((1+2))", "arithmetic expansion $((...)) is not supported"),
        ("y=$1", "special parameter $1 is not supported"),
        ("y=${x%y}", "unsupported parameter expansion ${x%y}"),
        ("y=${x:=y}", "unsupported parameter expansion ${x:=y}"),
        ("export X=1", "'export' is not supported: only variable assignments are read"),
        (". /etc/other.conf", "'.': sourcing other files is not supported"),
        ("source /etc/other.conf", "'source': sourcing other files is not supported"),
        ("if [ -f x ]; then", "'if' (shell control structure) is not supported"),
        ("for i in a b; do", "'for' (shell control structure) is not supported"),
        ("case $x in", "'case' (shell control structure) is not supported"),
        ("fn() { echo hi; }", "function definitions are not supported"),
        ("a=1; b=2", "';' separated commands are not supported"),
        ("a=1 && b=2", "'&&' is not supported: only variable assignments are read"),
        ("a=1 | cat", "'|' is not supported: only variable assignments are read"),
        ("a=1 > /tmp/x", "redirection '>' is not supported"),
        ("a=(1 2)", "'(' (subshells, arrays) is not supported"),
        ("a=1 reboot", "command 'reboot' after assignments is never run"),
        ("reboot", "'reboot' is not a variable assignment (commands are never run)"),
        ("a+=1", "'+=' is not sh syntax"),
        ("a='open", "unterminated single quote"),
        ('a="open', "unterminated double quote"),
    ],
)
def test_unsupported_lines_are_reported_never_run(line: str, message: str) -> None:
    # GIVEN a good line, the bad one, another good line
    parsed = rcconf.parse(f"before=1\n{line}\nafter=2\n", "/etc/rc.conf")
    # THEN the problem is located and the good assignments survive
    assert [str(p) for p in parsed.problems] == [f"/etc/rc.conf:2: {message}"]
    assert [a.name for a in parsed.assignments] == ["before", "after"]
    assert isinstance(parsed.problems[0], RcConfError)
    assert parsed.problems[0].lineno == 2


def test_comment_does_not_continue_and_quotes_span_lines() -> None:
    parsed = rcconf.parse("# note \\\na=1\nb='x\n# not a comment'\n", "f")
    assert parsed.values() == {"a": "1", "b": "x\n# not a comment"}


# ---------------------------------------------------------------------------
# eval-style word splitting
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("laggproto lacp laggport fxp0", ("laggproto", "lacp", "laggport", "fxp0")),
        ("description 'my lagg'", ("description", "my lagg")),
        ('description "a \\"b\\""', ("description", 'a "b"')),
        ("inet $addr", ("inet", "10.0.0.1", "netmask", "255.0.0.0")),
        ('inet "$addr"', ("inet", "10.0.0.1 netmask 255.0.0.0")),
        ("x$empty y", ("x", "y")),
        ("$empty", ()),
        ('""', ("",)),
        ("up # comment", ("up",)),
        ("a\\ b", ("a b",)),
    ],
)
def test_split_words_like_eval(text: str, words: tuple[str, ...]) -> None:
    env = {"addr": "10.0.0.1 netmask 255.0.0.0", "empty": ""}
    assert rcconf.split_words(text, env) == words


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("up; reboot", "';' separated commands are not supported"),
        ("up $(reboot)", "command substitution $(...) is not supported"),
        ("up `reboot`", "command substitution `...` is not supported"),
        ("up | cat", "'|' is not supported: only variable assignments are read"),
    ],
)
def test_split_words_refuses_what_would_run_commands(text: str, message: str) -> None:
    with pytest.raises(RcConfError) as info:
        rcconf.split_words(text, {}, filename="/etc/rc.conf", lineno=7)
    assert str(info.value) == f"/etc/rc.conf:7: {message}"


# ---------------------------------------------------------------------------
# Layering and lookups
# ---------------------------------------------------------------------------


def test_defaults_then_files_later_wins_with_provenance() -> None:
    first = rcconf.parse('hostname="a"\nifconfig_em0="up"\n', "/etc/rc.conf")
    second = rcconf.parse('hostname="b"\n', "/etc/rc.conf.local")
    rc = rcconf.merge([first, second])
    assert rc.get("hostname") == "b"
    assert rc.variable("hostname") == rcconf.Variable("hostname", "b", "/etc/rc.conf.local:1")
    assert rc.variable("ifconfig_em0") == rcconf.Variable("ifconfig_em0", "up", "/etc/rc.conf:2")
    assert rc.variable("network_interfaces") == rcconf.Variable("network_interfaces", "auto", "/etc/defaults/rc.conf")
    assert rc.files == ("/etc/rc.conf", "/etc/rc.conf.local")
    assert rc.get("nonexistent") is None


def test_checkyesno() -> None:
    assert [rcconf.checkyesno(v) for v in ("YES", "on", "1", "TrUe", "NO", "off", "0", "maybe", None)] == [
        True,
        True,
        True,
        True,
        False,
        False,
        False,
        None,
        None,
    ]


def write(root: Path, path: str, text: str) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def test_load_follows_rc_conf_files_twice_and_rc_conf_d(tmp_path: Path) -> None:
    # GIVEN rc.conf that adds a file to rc_conf_files, and rc.conf.d entries
    write(tmp_path, "/etc/rc.conf", 'a="rc"\nrc_conf_files="/etc/rc.conf /etc/extra.conf"\n')
    write(tmp_path, "/etc/rc.conf.local", 'b="local"\n')
    write(tmp_path, "/etc/extra.conf", 'a="extra"\n')
    write(tmp_path, "/etc/rc.conf.d/network", 'c="network"\n')
    write(tmp_path, "/etc/rc.conf.d/netif/10-x", 'd="netif-10"\n')
    write(tmp_path, "/etc/rc.conf.d/netif/20-y", 'd="netif-20"\nc="netif"\n')
    write(tmp_path, "/usr/local/etc/rc.conf.d/netif", 'e="local-netif"\n')
    # WHEN loaded
    rc = rcconf.load(root=str(tmp_path))
    # THEN the first loop's list was fixed, the second picked up extra.conf
    assert rc.files == (
        "/etc/rc.conf",
        "/etc/rc.conf.local",
        "/etc/extra.conf",
        "/etc/rc.conf.d/network",
        "/etc/rc.conf.d/netif/10-x",
        "/etc/rc.conf.d/netif/20-y",
        "/usr/local/etc/rc.conf.d/netif",
    )
    assert [rc.get(n) for n in "abcde"] == ["extra", "local", "netif", "netif-20", "local-netif"]


def test_load_explicit_paths_only(tmp_path: Path) -> None:
    write(tmp_path, "/a.conf", 'x="1"\ny=$(date)\n')
    write(tmp_path, "/etc/rc.conf", 'x="2"\n')
    rc = rcconf.load([str(tmp_path / "a.conf"), str(tmp_path / "missing.conf")])
    assert rc.get("x") == "1"
    assert [str(p) for p in rc.problems] == [f"{tmp_path / 'a.conf'}:2: command substitution $(...) is not supported"]


def test_nothing_can_run_commands() -> None:
    # The module has no way to run anything: no process, os or shell imports
    source = Path(rcconf.__file__).read_text()
    for forbidden in ("subprocess", "import os", "os.system", "eval(", "exec("):
        assert forbidden not in source
    assert source.count(".read_text(") == 1  # the one read, in _read_text


@pytest.mark.parametrize(
    ("ifname", "var", "expected"),
    [
        ("em0", "ifconfig_IF", "up"),
        ("em0.101", "ifconfig_IF", "vlan"),
        ("a-b/c+d", "ifconfig_IF_descr", "punct"),
        ("em0", "ifconfig_IF_ipv6", "set-empty-stays-empty"),
        ("em1", "ifconfig_IF", "fallback"),
    ],
)
def test_get_if_var(ifname: str, var: str, expected: str) -> None:
    rc = conf('ifconfig_em0="up"\nifconfig_em0_101="vlan"\nifconfig_a_b_c_d_descr="punct"\nifconfig_em0_ipv6=""\n')
    value = rcconf.get_if_var(rc, ifname, var, "fallback")
    assert (value if value else "set-empty-stays-empty") == expected


def test_ifconfig_default_and_pseudo_words() -> None:
    rc = conf('ifconfig_DEFAULT="SYNCDHCP"\nifconfig_em0="up DHCP vnet myjail Wpa hostAP NoAuto mtu 9000"\n')
    assert rcconf.ifconfig_getargs(rc, "em0") == ["up", "mtu", "9000"]
    assert rcconf.ifconfig_getargs(rc, "em1") == []
    assert rcconf.ifconfig_getargs(rc, "em1", "ipv6") == []
    assert rcconf.mangle("em0.101") == "em0_101"


# ---------------------------------------------------------------------------
# The netif plan: the Handbook examples (spec §6.5)
# ---------------------------------------------------------------------------


def test_handbook_lacp_exact_steps() -> None:
    steps = rcconf.script(conf(SEED_LACP), ["lo0", "fxp0", "fxp1"])
    assert steps == (
        Ifconfig(("lagg0", "create"), "/etc/rc.conf:3 cloned_interfaces"),
        Message("Created clone interfaces: lagg0."),
        Ifconfig(("lo0", "up"), "rc.d/netif lo0"),
        Ifconfig(("lo0", "inet", "127.0.0.1/8", "alias"), "rc.d/netif lo0"),
        Ifconfig(("fxp0", "inet6", "ifdisabled"), "/etc/defaults/rc.conf ipv6_activate_all_interfaces"),
        Ifconfig(("fxp0", "up"), "/etc/rc.conf:1 ifconfig_fxp0"),
        Ifconfig(("fxp0", "up"), "/etc/rc.conf:1 ifconfig_fxp0"),
        Ifconfig(("fxp1", "inet6", "ifdisabled"), "/etc/defaults/rc.conf ipv6_activate_all_interfaces"),
        Ifconfig(("fxp1", "up"), "/etc/rc.conf:2 ifconfig_fxp1"),
        Ifconfig(("fxp1", "up"), "/etc/rc.conf:2 ifconfig_fxp1"),
        Ifconfig(("lagg0", "inet6", "ifdisabled"), "/etc/defaults/rc.conf ipv6_activate_all_interfaces"),
        Ifconfig(
            ("lagg0", "laggproto", "lacp", "laggport", "fxp0", "laggport", "fxp1", "10.0.0.3/24"),
            "/etc/rc.conf:4 ifconfig_lagg0",
        ),
        Ifconfig(("lagg0", "up"), "/etc/rc.conf:4 ifconfig_lagg0"),
        Message("Starting Network: lo0 fxp0 fxp1 lagg0."),
        ShowStatus("lo0"),
        ShowStatus("fxp0"),
        ShowStatus("fxp1"),
        ShowStatus("lagg0"),
    )


def test_handbook_failover_script() -> None:
    assert plan(SEED_FAILOVER, ["lo0", "fxp0", "fxp1"]) == (
        "ifconfig lagg0 create\n"
        "# Created clone interfaces: lagg0.\n"
        "ifconfig lo0 up\n"
        "ifconfig lo0 inet 127.0.0.1/8 alias\n"
        "ifconfig fxp0 inet6 ifdisabled\n"
        "ifconfig fxp0 up\n"
        "ifconfig fxp0 up\n"
        "ifconfig fxp1 inet6 ifdisabled\n"
        "ifconfig fxp1 up\n"
        "ifconfig fxp1 up\n"
        "ifconfig lagg0 inet6 ifdisabled\n"
        "ifconfig lagg0 laggproto failover laggport fxp0 laggport fxp1 10.0.0.15/24\n"
        "ifconfig lagg0 up\n"
        "# Starting Network: lo0 fxp0 fxp1 lagg0.\n"
        "ifconfig lo0\n"
        "ifconfig fxp0\n"
        "ifconfig fxp1\n"
        "ifconfig lagg0\n"
    )


def test_handbook_ethernet_and_wireless_failover() -> None:
    steps = rcconf.script(conf(SEED_WIRELESS), ["lo0", "bge0", "iwn0"])
    assert rcconf.format_script(steps) == (
        "ifconfig wlan0 create wlandev iwn0\n"
        "# Created wlan(4) interfaces: wlan0.\n"
        "ifconfig lagg0 create\n"
        "# Created clone interfaces: lagg0.\n"
        "ifconfig lo0 up\n"
        "ifconfig lo0 inet 127.0.0.1/8 alias\n"
        "ifconfig bge0 inet6 ifdisabled\n"
        "ifconfig bge0 up\n"
        "ifconfig bge0 up\n"
        "ifconfig iwn0 ether 00:21:70:da:ae:37\n"
        "ifconfig iwn0 up\n"
        "ifconfig wlan0 inet6 ifdisabled\n"
        "/etc/rc.d/wpa_supplicant start wlan0\n"
        "ifconfig lagg0 inet6 ifdisabled\n"
        "ifconfig lagg0 laggproto failover laggport bge0 laggport wlan0\n"
        "ifconfig lagg0 up\n"
        "service dhclient quietstart lagg0  # when the link comes up (devd)\n"
        "# Starting Network: lo0 bge0 iwn0 wlan0 lagg0.\n"
        "ifconfig lo0\n"
        "ifconfig bge0\n"
        "ifconfig iwn0\n"
        "ifconfig wlan0\n"
        "ifconfig lagg0\n"
    )
    assert Wpa("wlan0") in steps
    assert Dhcp("lagg0", synchronous=False) in steps


def test_synchronous_dhcp_and_syncdhcp() -> None:
    text = SEED_WIRELESS + 'synchronous_dhclient="YES"\nifconfig_em0="SYNCDHCP"\nifconfig_em1="NOSYNCDHCP"\n'
    steps = rcconf.script(conf(text), ["lo0", "bge0", "iwn0", "em0", "em1"])
    dhcp = [s for s in steps if isinstance(s, Dhcp)]
    assert dhcp == [Dhcp("em0", True), Dhcp("em1", False), Dhcp("lagg0", True)]
    # DHCP alone still brings the interface up, before the client
    em1 = [rcconf.format_script([s]) for s in steps if isinstance(s, Ifconfig) and s.words[0] == "em1"]
    assert em1 == ["ifconfig em1 inet6 ifdisabled\n", "ifconfig em1 up\n"]


def test_dhcp_ignored_for_loopback_and_noafif() -> None:
    steps = rcconf.script(conf('ifconfig_lo0="DHCP"\nifconfig_iwn0="DHCP"\n'), ["lo0", "iwn0"])
    assert not [s for s in steps if isinstance(s, Dhcp)]
    # lo0 with ifconfig_lo0 set gets no automatic 127.0.0.1
    assert Ifconfig(("lo0", "inet", "127.0.0.1/8", "alias"), "rc.d/netif lo0") not in steps


def test_noauto_lo0_first_and_hostap() -> None:
    text = 'ifconfig_em1="NOAUTO up"\nifconfig_wlan1="HOSTAP"\n'
    steps = rcconf.script(conf(text), ["em0", "em1", "lo0", "wlan1"])
    assert Message("Starting Network: lo0 em0 wlan1.") in steps
    assert Hostapd("wlan1") in steps
    assert not [s for s in steps if isinstance(s, Ifconfig) and s.words[0] == "em1"]


def test_explicit_network_interfaces_and_epair() -> None:
    text = 'network_interfaces="em0"\ncloned_interfaces="epair0 lagg0:sticky"\ncreate_args_lagg0="laggproto lacp"\n'
    steps = rcconf.script(conf(text), ["em0", "lo0"])
    assert steps[:3] == (
        Ifconfig(("epair0", "create"), "/etc/rc.conf:2 cloned_interfaces"),
        Ifconfig(("lagg0", "create", "laggproto", "lacp"), "/etc/rc.conf:2 cloned_interfaces"),
        Message("Created clone interfaces: epair0a epair0b lagg0."),
    )
    assert Message("Starting Network: lo0 em0 epair0a epair0b lagg0.") in steps


def test_existing_clones_are_not_created_again() -> None:
    steps = rcconf.script(conf(SEED_LACP), ["lo0", "fxp0", "fxp1", "lagg0"])
    assert not [s for s in steps if isinstance(s, Message) and s.text.startswith("Created")]


def test_ipv6_activate_all_interfaces_and_ipv6_config() -> None:
    text = (
        'ipv6_activate_all_interfaces="YES"\n'
        'ifconfig_em0_ipv6="inet6 2001:db8::1 prefixlen 64"\n'
        'ifconfig_em1_ipv6="2001:db8:1::1/64 accept_rtadv"\n'
    )
    assert plan(text, ["lo0", "em0", "em1"]).splitlines()[:12] == [
        "ifconfig lo0 inet6 -ifdisabled",
        "ifconfig lo0 up",
        "ifconfig lo0 inet 127.0.0.1/8 alias",
        "ifconfig em0 inet6 -ifdisabled",
        "ifconfig em0 inet6 -ifdisabled",
        "ifconfig em0 inet6 2001:db8::1 prefixlen 64",
        "ifconfig em0 up",
        "ifconfig em1 inet6 -ifdisabled",
        '# WARNING: $ifconfig_em1_ipv6 needs leading "inet6" keyword for an IPv6 address.',
        "ifconfig em1 inet6 -ifdisabled",
        "ifconfig em1 inet6 2001:db8:1::1/64 accept_rtadv",
        "ifconfig em1 up",
    ]
    assert "ifconfig em1 inet6 accept_rtadv up" in plan(text, ["lo0", "em0", "em1"])


def test_eval_interprets_quotes_a_second_time() -> None:
    text = 'ifconfig_em0="inet 192.0.2.1/24 description \'uplink  one\'"\nifconfig_em0_descr="a   b"\n'
    steps = rcconf.script(conf(text), ["em0"])
    assert (
        Ifconfig(("em0", "inet", "192.0.2.1/24", "description", "uplink one"), "/etc/rc.conf:1 ifconfig_em0") in steps
    )
    assert Ifconfig(("em0", "description", "a b"), "/etc/rc.conf:2 ifconfig_em0_descr") in steps


def test_dangerous_ifconfig_value_is_a_warning_not_a_step() -> None:
    steps = rcconf.script(conf('ifconfig_em0="up; reboot"\n'), ["em0"])
    assert (
        Warning("$ifconfig_em0: ';' separated commands are not supported; not run", "/etc/rc.conf:1 ifconfig_em0")
        in steps
    )
    assert not [s for s in steps if isinstance(s, Ifconfig) and "reboot" in s.words]


def test_aliases_numeric_order_ranges_and_warnings() -> None:
    text = (
        'ifconfig_em0="inet 10.0.0.1/24"\n'
        'ifconfig_em0_alias10="inet 10.0.0.10/32"\n'
        'ifconfig_em0_alias2="10.0.0.2/32"\n'
        'ifconfig_em0_alias0="inet 192.168.1.1-3/24"\n'
        'ifconfig_em0_aliases="inet 10.9.9.9/32 inet6 2001:db8::5/64"\n'
        'ipv4_addrs_em0="172.16.0.1/16"\n'
        'ifconfig_em0_ipv6="inet6 2001:db8::1/64"\n'
        'ifconfig_em0_alias3="inet6 2001:db8::a-c/64"\n'
    )
    lines = [line for line in plan(text, ["em0"]).splitlines() if "alias" in line]
    assert lines == [
        '# WARNING: $ifconfig_em0_alias2 needs leading "inet" keyword for an IPv4 address.',
        "ifconfig em0 inet 10.9.9.9/32 alias",
        "ifconfig em0 inet 192.168.1.1/24 alias",
        "ifconfig em0 inet 192.168.1.2/32 alias",
        "ifconfig em0 inet 192.168.1.3/32 alias",
        "ifconfig em0 inet 10.0.0.2/32 alias",
        "ifconfig em0 inet 10.0.0.10/32 alias",
        "ifconfig em0 inet 172.16.0.1/16 alias",
        "ifconfig em0 inet6 2001:db8::5/64 alias",
        "ifconfig em0 inet6 2001:db8::000a/64 alias",
        "ifconfig em0 inet6 2001:db8::000b/64 alias",
        "ifconfig em0 inet6 2001:db8::000c/64 alias",
    ]


def test_empty_alias_stops_and_gap_does_not() -> None:
    text = 'ifconfig_em0_alias0="inet 10.0.0.1/32"\nifconfig_em0_alias2="inet 10.0.0.2/32"\n'
    assert "10.0.0.2/32 alias" in plan(text, ["em0"])
    stopped = text + 'ifconfig_em0_alias1=""\n'
    assert "10.0.0.2/32 alias" not in plan(stopped, ["em0"])


def test_range_is_capped_by_netif_ipexpand_max() -> None:
    text = 'netif_ipexpand_max="2"\nifconfig_em0_alias0="inet 10.0.0.1-9"\n'
    out = plan(text, ["em0"])
    assert [line for line in out.splitlines() if line.endswith(" alias")] == [
        "ifconfig em0 inet 10.0.0.1/32 alias",
        "ifconfig em0 inet 10.0.0.2/32 alias",
        "ifconfig em0 inet 10.0.0.3/32 alias",
        "ifconfig em0 inet 10.0.0.4/32 alias",
    ]
    assert (
        "# WARNING: Range specification is too large (10.0.0.1-10.0.0.9).  "
        "10.0.0.1-10.0.0.4 was processed.  Increase $netif_ipexpand_max in rc.conf.\n"
    ) in out


def test_rename_vlans_and_default_route() -> None:
    text = (
        'ifconfig_em0_name="net0"\n'
        'ifconfig_net0="up"\n'
        'vlans_net0="101 vlan7"\n'
        'create_args_vlan7="vlan 7"\n'
        'ifconfig_net0_101="inet 10.1.0.1/24"\n'
        'ifconfig_vlan7="NOAUTO"\n'
        'defaultrouter="10.1.0.254"\n'
    )
    steps = rcconf.script(conf(text), ["lo0", "em0"])
    words = [s.words for s in steps if isinstance(s, Ifconfig)]
    assert ("em0", "name", "net0") in words
    assert words.index(("net0.101", "create")) < words.index(("net0.101", "inet", "10.1.0.1/24"))
    assert ("vlan7", "create", "vlandev", "net0", "vlan", "7") in words
    assert not [w for w in words if w[0] == "vlan7" and w[1] != "create"]
    assert steps[-1] == DefaultRoute("10.1.0.254", "/etc/rc.conf:7 defaultrouter")


def test_ifaces_filter_restricts_every_phase() -> None:
    steps = rcconf.script(conf(SEED_WIRELESS), ["lo0", "bge0", "iwn0"], ifaces_filter=["lagg0"])
    assert rcconf.format_script(steps).splitlines()[:4] == [
        "ifconfig lagg0 create",
        "# Created clone interfaces: lagg0.",
        "ifconfig lagg0 inet6 ifdisabled",
        "ifconfig lagg0 laggproto failover laggport bge0 laggport wlan0",
    ]


def test_rc_startmsgs_off_hides_status() -> None:
    steps = rcconf.script(conf(SEED_LACP + 'rc_startmsgs="NO"\n'), ["lo0", "fxp0", "fxp1"])
    assert not [s for s in steps if isinstance(s, ShowStatus | Message) and "Starting" in str(s)]


def test_bad_yes_no_value_warns() -> None:
    steps = rcconf.script(conf('synchronous_dhclient="maybe"\nifconfig_em0="DHCP"\n'), ["em0"])
    assert (
        Warning("$synchronous_dhclient is not set properly - see rc.conf(5).", "/etc/rc.conf:1 synchronous_dhclient")
        in steps
    )


def test_stop_sequence_keeps_sticky_clones() -> None:
    text = SEED_WIRELESS.replace('cloned_interfaces="lagg0"', 'cloned_interfaces="lagg0 lagg1:sticky"')
    steps = rcconf.script(conf(text), ["lo0", "bge0", "iwn0", "wlan0", "lagg0", "lagg1"], action="stop")
    assert rcconf.format_script(steps) == (
        "# delete the remaining inet6 addresses of lo0\n"
        "# delete the remaining inet addresses of lo0\n"
        "ifconfig lo0 down\n"
        "# delete the remaining inet addresses of bge0\n"
        "ifconfig bge0 down\n"
        "ifconfig iwn0 down\n"
        "# delete the remaining inet addresses of wlan0\n"
        "/etc/rc.d/wpa_supplicant stop wlan0\n"
        "ifconfig wlan0 down\n"
        "# delete the remaining inet addresses of lagg0\n"
        "/etc/rc.d/dhclient stop lagg0\n"
        "ifconfig lagg0 down\n"
        "# delete the remaining inet addresses of lagg1\n"
        "ifconfig lagg1 down\n"
        "# Stopping Network: lo0 bge0 iwn0 wlan0 lagg0 lagg1.\n"
        "ifconfig lo0\n"
        "ifconfig bge0\n"
        "ifconfig iwn0\n"
        "ifconfig wlan0\n"
        "ifconfig lagg0\n"
        "ifconfig lagg1\n"
        "ifconfig -n wlan0 destroy\n"
        "# Destroyed wlan(4) interfaces: wlan0.\n"
        "ifconfig -n lagg0 destroy\n"
        "# Destroyed clone interfaces: lagg0.\n"
    )
    assert FlushAddresses("lagg0", "inet") in steps


def test_stop_global_sticky_and_nosticky_and_missing() -> None:
    text = 'network_interfaces="em0 em9"\ncloned_interfaces="lagg0 lagg1:nosticky"\ncloned_interfaces_sticky="YES"\n'
    steps = rcconf.script(conf(text), ["lo0", "em0", "lagg0", "lagg1"], action="stop")
    assert Warning("em9 does not exist.  Skipped.", "rc.d/netif") in steps
    assert steps[-1] == Message("Destroyed clone interfaces: lagg1.")


def test_format_script_quotes_words() -> None:
    steps: list[rcconf.BootStep] = [
        Ifconfig(("em0", "description", "it's here"), "x"),
        DefaultRoute("10.0.0.1"),
        Hostapd("wlan0", "stop"),
        Dhcp("em0", synchronous=True),
        Warning("careful"),
    ]
    assert rcconf.format_script(steps) == (
        "ifconfig em0 description 'it'\"'\"'s here'\n"
        "route add default 10.0.0.1\n"
        "/etc/rc.d/hostapd stop wlan0\n"
        "/etc/rc.d/dhclient start em0\n"
        "# WARNING: careful\n"
    )
    assert rcconf.format_script([]) == ""


def test_handbook_blocks_parse_cleanly() -> None:
    # The three rc.conf blocks of the Handbook's lagg section (copied above)
    for block in (SEED_LACP, SEED_FAILOVER, SEED_WIRELESS):
        parsed = rcconf.parse(block, "rc.conf")
        assert parsed.problems == ()
        assert len(parsed.assignments) == len(block.splitlines())


def test_tabs_are_kept_and_offsets_exact() -> None:
    text = 'a="x\ty"\t# c\nb=\t\n'
    parsed = rcconf.parse(text, "f")
    assert parsed.values() == {"a": "x\ty", "b": ""}
    first = parsed.assignments[0]
    assert text[first.value_start : first.value_end] == '"x\ty"'
    assert rcconf.split_words("a\tb '\t'", {}) == ("a", "b", "\t")
