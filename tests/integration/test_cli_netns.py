"""The installed ``ifconfig`` program on real veths in our own namespaces, read back with ``ip -j``.

Every change is made by the program under test and checked by iproute2 (an independent tool);
status text and errors are compared exactly; a failing command must leave ``ip -j`` identical.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.integration.netns import Netns, NetnsRegistry

IFCONFIG = str(Path(sys.executable).with_name("ifconfig"))
MAC = "00:21:70:da:ae:37"


def ifconfig(ns: Netns, *words: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([IFCONFIG, "-j", ns.name, *words], text=True, capture_output=True, check=False)


def ok(ns: Netns, *words: str) -> str:
    result = ifconfig(ns, *words)
    assert (result.returncode, result.stderr) == (0, ""), words
    return result.stdout


@pytest.fixture
def bge0(netns_registry: NetnsRegistry) -> Netns:
    ns = netns_registry.create()
    netns_registry.veth(ns, "bge0", ns, "bge1")
    ns.ip("link", "set", "bge0", "down")
    return ns


def snapshot(ns: Netns) -> tuple[Any, Any]:
    return ns.ip_json("-d", "link", "show"), ns.ip_json("addr", "show")


def test_up_down(bge0: Netns) -> None:
    ok(bge0, "bge0", "up")
    assert "UP" in bge0.link("bge0")["flags"]
    ok(bge0, "bge0", "down")
    assert "UP" not in bge0.link("bge0")["flags"]


@pytest.mark.parametrize(
    "words",
    [
        ("inet", "198.18.0.15/24"),
        ("198.18.0.15", "netmask", "0xffffff00"),
        ("inet", "198.18.0.15", "netmask", "255.255.255.0"),
    ],
)
def test_inet_address_forms_set_address_broadcast_and_up(bge0: Netns, words: tuple[str, ...]) -> None:
    ok(bge0, "bge0", *words)
    [addr] = [a for a in bge0.addrs("bge0") if a["family"] == "inet"]
    assert (addr["local"], addr["prefixlen"], addr["broadcast"]) == ("198.18.0.15", 24, "198.18.0.255")
    assert "UP" in bge0.link("bge0")["flags"]  # an inet address marks an Ethernet interface up


def test_alias_and_minus_alias_and_replacement_of_the_first_address(bge0: Netns) -> None:
    ok(bge0, "bge0", "inet", "198.18.0.15/24")
    ok(bge0, "bge0", "alias", "198.18.0.16/32")
    assert [a["local"] for a in bge0.addrs("bge0") if a["family"] == "inet"] == ["198.18.0.15", "198.18.0.16"]
    ok(bge0, "bge0", "-alias", "198.18.0.16")
    ok(bge0, "bge0", "inet", "198.18.0.20/24")
    assert [a["local"] for a in bge0.addrs("bge0") if a["family"] == "inet"] == ["198.18.0.20"]


def test_link_address_mtu_description(bge0: Netns) -> None:
    for word in ("ether", "lladdr", "link"):
        ok(bge0, "bge0", word, MAC)
        assert bge0.link("bge0")["address"] == MAC
        bge0.ip("link", "set", "bge0", "address", "02:00:00:00:00:01")
    ok(bge0, "bge0", "mtu", "9000")
    ok(bge0, "bge0", "description", "uplink")
    link = bge0.link("bge0")
    assert (link["mtu"], link["ifalias"]) == (9000, "uplink")
    ok(bge0, "bge0", "-description")
    assert "ifalias" not in bge0.link("bge0")


def test_inet6_add_and_delete(netns_registry: NetnsRegistry) -> None:
    ns = netns_registry.create(ipv6=True)
    netns_registry.veth(ns, "bge0", ns, "bge1")
    ok(ns, "bge0", "inet6", "2001:db8::1/64")
    assert any(a["local"] == "2001:db8::1" and a["prefixlen"] == 64 for a in ns.addrs("bge0"))
    ok(ns, "bge0", "inet6", "2001:db8::1", "-alias")
    assert not any(a["local"] == "2001:db8::1" for a in ns.addrs("bge0"))
    ok(ns, "bge0", "inet6", "ifdisabled")
    assert ns.sysctl("net.ipv6.conf.bge0.disable_ipv6") == "1"


def test_status_text_is_freebsd_14s(bge0: Netns) -> None:
    bge0.ip("link", "set", "bge0", "address", MAC)
    ok(bge0, "bge0", "inet", "198.18.0.15/24", "mtu", "9000", "description", "uplink", "up")
    bge0.wait_operstate("bge0")
    assert ok(bge0, "bge0") == (
        "bge0: flags=1008843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST,LOWER_UP> metric 0 mtu 9000\n"
        "\tdescription: uplink\n"
        f"\tether {MAC}\n"
        "\tinet 198.18.0.15 netmask 0xffffff00 broadcast 198.18.0.255\n"
        "\tmedia: Ethernet autoselect (10Gbase-T <full-duplex>)\n"
        "\tstatus: active\n"
        "\tnd6 options=2b<PERFORMNUD,ACCEPT_RTADV,IFDISABLED,AUTO_LINKLOCAL>\n"  # Linux accept_ra=1
    )
    assert ok(bge0, "-f", "inet:cidr,ether:dash", "bge0", "inet") == (
        "bge0: flags=1008843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST,LOWER_UP> metric 0 mtu 9000\n"
        "\tdescription: uplink\n"
        "\tinet 198.18.0.15/24 broadcast 198.18.0.255\n"
    )


def test_listing_options(bge0: Netns) -> None:
    ok(bge0, "bge0", "up")
    assert ok(bge0, "-l") == "lo bge1 bge0\n"
    assert ok(bge0, "-l", "-u") == "lo bge1 bge0\n"
    ok(bge0, "bge0", "down")
    assert ok(bge0, "-l", "-d") == "bge0\n"
    assert ok(bge0, "-a", "-d").startswith("bge0: flags=")
    assert ok(bge0, "-g", "lagg") == ""


def test_json_output(bge0: Netns) -> None:
    import json

    doc = json.loads(ok(bge0, "--libxo", "json", "bge0"))
    [iface] = doc["lagg-ifconfig"]["interface"]
    assert iface["name"] == "bge0"
    assert iface["flags"]["names"] == ["BROADCAST", "SIMPLEX", "MULTICAST"]


@pytest.mark.parametrize(
    ("words", "stderr"),
    [
        (("fxp9", "up"), "ifconfig: interface fxp9 does not exist\n"),
        (("bge0", "laggproto", "bogus"), "ifconfig: Invalid aggregation protocol: bogus\n"),
        (("bge0", "laggproto"), "ifconfig: 'laggproto' requires argument\n"),
        (("bge0", "lagghash", "l5"), "ifconfig: Invalid lagghash option: l5\n"),
        (("bge0", "laggproto", "lacp"), "ifconfig: SIOCSLAGG: Invalid argument\n"),
        (("bge0", "-alias", "198.18.9.9"), "ifconfig: ioctl (SIOCDIFADDR): Can't assign requested address\n"),
        (("bge0", "nosuchword"), "ifconfig: nosuchword: bad value\n"),
    ],
)
def test_errors_are_freebsd_texts_and_change_nothing(bge0: Netns, words: tuple[str, ...], stderr: str) -> None:
    before = snapshot(bge0)
    result = ifconfig(bge0, *words)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", stderr)
    assert snapshot(bge0) == before


def test_a_command_failing_part_way_is_rolled_back(bge0: Netns) -> None:
    before = snapshot(bge0)
    # The MTU and the address apply, then the kernel refuses a description longer than
    # IFALIASZ (256): both must be put back.
    result = ifconfig(bge0, "bge0", "mtu", "1400", "198.18.0.15/24", "description", "x" * 300)
    assert result.returncode == 1
    assert result.stderr == "ifconfig: ioctl (set descr): File name too long\n"
    assert snapshot(bge0) == before


def test_ether_is_an_address_family_only_after_the_name(bge0: Netns) -> None:
    result = ifconfig(bge0, "bge0", "mtu", "1400", "ether", MAC)
    assert (result.returncode, result.stderr) == (1, "ifconfig: ether: bad value\n")


def test_usage_errors(bge0: Netns) -> None:
    result = ifconfig(bge0, "-l", "-a")
    assert result.returncode == 1
    assert result.stderr.startswith("usage: ifconfig")
    result = subprocess.run([IFCONFIG, "-j", "nosuchnetns", "-l"], text=True, capture_output=True, check=False)
    assert (result.returncode, result.stderr) == (1, 'ifconfig: jail "nosuchnetns" not found\n')


def test_help_and_no_traceback_for_odd_input(bge0: Netns) -> None:
    assert ok(bge0, "--help").startswith("lagg-ifconfig:")
    result = ifconfig(bge0, "bge0", "\xff\u2603", "mtu")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
