# ruff: noqa: F811  (pytest fixtures imported from netns_fixtures are parameters here)
"""``laggproto lacp`` end to end: the Handbook's commands through the real ``ifconfig``, against real peers.

Namespace A runs our lagg (``fxp0``, ``fxp1``); namespace B holds the other ends (``lp0``, ``lp1``)
and the partner: Open vSwitch's LACP bond, our own lacp lagg, or nobody.  Status texts are compared
exactly (FreeBSD 14, spec §4.5/§5.5) with the values only the run knows (MACs, ifindexes, keys)
filled in; OVS's own reports say what it heard from us.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.integration.netns import Netns
from tests.integration.netns_fixtures import PEER_ADDR, PING, PY, LaggLab, lab_registry, require_tools  # noqa: F401
from tests.integration.ovs import SYSTEM_ID, OvsBond
from tests.integration.test_cli_netns import ifconfig, ok

pytestmark = pytest.mark.netns

OUR_ADDR = "198.18.0.3"
AGGREGATED = "1c<ACTIVE,COLLECTING,DISTRIBUTING>"
IN_SYNC = "3d<ACTIVITY,AGGREGATION,SYNC,COLLECTING,DISTRIBUTING>"
IN_SYNC_FAST = "3f<ACTIVITY,TIMEOUT,AGGREGATION,SYNC,COLLECTING,DISTRIBUTING>"
OVS_SEES_US = "activity aggregation synchronized collecting distributing"
IFM_10G_LR = 18  # a veth reports 10 Gb/s: FreeBSD's speed class in the key (spec §4.3)
#: OVS as a partner: system priority 65534, the fixed system id, key 1.
OVS_PEER_ID = f"FFFE,{SYSTEM_ID.upper().replace(':', '-')},0001"


@pytest.fixture
def lacp_lab(lab_registry: Any) -> Iterator[LaggLab]:
    lab = LaggLab(lab_registry, bridge=False)
    try:
        yield lab
    finally:
        lab.close()


@pytest.fixture
def ovs(lacp_lab: LaggLab) -> Iterator[Callable[..., OvsBond]]:
    require_tools("ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl", "ovs-appctl", "ethtool")
    # A veth leaves TCP checksums and segmentation to its receiver, where a NIC would finish them in
    # hardware; OVS reads the wire raw (AF_PACKET without a vnet header) and would forward unfinished
    # frames.  So our ports finish them in software, as NICs do (spec linux-mapping §8.5).
    for port in ("fxp0", "fxp1"):
        lacp_lab.a.exec("ethtool", "-K", port, "tx", "off", "tso", "off", "gso", "off")
    bonds: list[OvsBond] = []

    def start(**kw: Any) -> OvsBond:
        bond = OvsBond(lacp_lab.b.name, ["lp0", "lp1"], address=f"{PEER_ADDR}/24", **kw)
        bonds.append(bond)
        return bond

    yield start
    for bond in bonds:
        bond.close()


# -- helpers ----------------------------------------------------------------------------------------


def handbook(ns: Netns, ports: tuple[str, str], addr: str) -> None:
    """Handbook Example 31.1, word for word (our addresses)."""
    for port in ports:
        ok(ns, port, "up")
    ok(ns, "lagg0", "create")
    ok(ns, "lagg0", "up", "laggproto", "lacp", "laggport", ports[0], "laggport", ports[1], f"{addr}/24")


def port_lines(text: str) -> dict[str, str]:
    """``laggport: NAME flags=X`` lines of a status text -> {NAME: X} (the -v ``state=`` cut off)."""
    out = {}
    for line in text.splitlines():
        if line.startswith("\tlaggport: "):
            words = line.split()
            out[words[1]] = words[2].removeprefix("flags=")
    return out


def wait_ports(ns: Netns, want: dict[str, str], timeout: float = 10.0) -> str:
    """Poll ``ifconfig lagg0`` until the ports show ``want``; returns that status text.

    Also waits for lagg0's carrier to follow (``LOWER_UP`` and ``status:``): the kernel shows a
    carrier change of the TAP a moment after laggd made it.
    """
    carrier = AGGREGATED in want.values()
    deadline = time.monotonic() + timeout
    while True:
        text = ok(ns, "lagg0")
        settled = ("LOWER_UP" in text.split("\n", 1)[0]) is carrier and ("\tstatus: active\n" in text) is carrier
        if port_lines(text) == want and settled:
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"ports {port_lines(text)}, wanted {want}:\n{text}")
        time.sleep(0.05)


def lacp_id(priority: int, mac: str, key: int, port_priority: int, port: int) -> str:
    return f"({priority:04X},{mac.upper().replace(':', '-')},{key:04X},{port_priority:04X},{port:04X})"


def our_key(ns: Netns) -> int:
    """FreeBSD's key of an aggregatable 10 Gb/s port: speed class | lagg ifindex << 5."""
    return IFM_10G_LR | ((int(ns.link("lagg0")["ifindex"]) << 5) & 0x7FE0)


def nd6_tail(text: str) -> list[str]:
    """The nd6 line depends on the namespace's sysctls (spec §5.2): taken as printed."""
    return [line for line in text.splitlines() if line.startswith("\tnd6 options=")]


def plain_status(mac: str, ports: dict[str, str], status: str, text: str) -> str:
    head = (
        "1008843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST,LOWER_UP>"
        if status == "active"
        else "8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST>"
    )
    lines = [
        f"lagg0: flags={head} metric 0 mtu 1500",
        f"\tether {mac}",
        f"\tinet {OUR_ADDR} netmask 0xffffff00 broadcast 198.18.0.255",
        "\tlaggproto lacp lagghash l2,l3,l4",
        *(f"\tlaggport: {name} flags={flags}" for name, flags in ports.items()),
        "\tgroups: lagg",
        "\tmedia: Ethernet autoselect",
        f"\tstatus: {status}",
        *nd6_tail(text),
    ]
    return "\n".join(lines) + "\n"


def verbose_block(
    *,
    options: str,
    active: int,
    lag_id: tuple[str, str],
    ports: list[tuple[str, str, str, str, str]],
) -> str:
    """The -v lines from ``laggproto`` to the last port (spec §5.3): (name, flags, state, actor, partner)."""
    lines = [
        "\tlaggproto lacp lagghash l2,l3,l4",
        "\tlagg options:",
        f"\t\tflags={options}",
        "\t\tflowid_shift: 16",
        "\tlagg statistics:",
        f"\t\tactive ports: {active}",
        "\t\tflapping: 0",
        f"\tlag id: [{lag_id[0]},",
        f"\t\t {lag_id[1]}]",
    ]
    for name, flags, state, actor, partner in ports:
        lines += [f"\tlaggport: {name} flags={flags} state={state}", f"\t\t[{actor},", f"\t\t {partner}]"]
    return "\n".join(lines) + "\n"


def lagg_block(text: str) -> str:
    """A -v status text from the ``laggproto`` line through the last ``laggport`` block."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("\tlaggproto "))
    end = next(i for i, line in enumerate(lines) if line.startswith("\tgroups: "))
    return "\n".join(lines[start:end]) + "\n"


def partner_states(ns: Netns) -> list[int]:
    """Each port's partner state as ``--libxo json`` reports it."""
    doc = json.loads(ok(ns, "--libxo", "json", "lagg0"))
    return [port["partner_state"]["value"] for port in doc["lagg-ifconfig"]["interface"][0]["laggport"]]


def ping_during(lab: LaggLab, cut: Callable[[], None], count: int = 400) -> dict[str, Any]:
    """~200 echo requests a second while ``cut`` runs; the icmp_ping.py result."""
    pinger = lab.a.spawn(PY, PING, PEER_ADDR, str(count), "0.005", "1", stdout=subprocess.PIPE)
    time.sleep(0.5)
    cut()
    out, _ = pinger.communicate(timeout=30)
    result: dict[str, Any] = json.loads(out)
    return result


# -- against Open vSwitch --------------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "rate"), [("active", "fast"), ("passive", "fast"), ("active", "slow")])
def test_handbook_lacp_aggregates_with_open_vswitch(
    lacp_lab: LaggLab, ovs: Callable[..., OvsBond], mode: str, rate: str
) -> None:
    lab = lacp_lab
    bond = ovs(lacp=mode, lacp_time=rate)
    handbook(lab.a, ("fxp0", "fxp1"), OUR_ADDR)
    text = wait_ports(lab.a, {"fxp0": AGGREGATED, "fxp1": AGGREGATED})
    mac = lab.a.link("lagg0")["address"]
    assert text == plain_status(mac, {"fxp0": AGGREGATED, "fxp1": AGGREGATED}, "active", text)

    members = bond.wait_enabled(2)
    key = our_key(lab.a)
    for lp, ifindex in (("lp0", 10), ("lp1", 11)):
        m = members[lp]
        assert (m.status, m.enabled, m.rx_bad_pdus) == ("current attached", True, 0), m
        assert (m.partner_sys_id, m.partner_key, m.partner_port_id) == (mac, key, ifindex)
        assert m.partner_state == OVS_SEES_US

    verbose = ok(lab.a, "-v", "lagg0")
    ours = lacp_id(0x8000, mac, key, 0, 0)
    assert lagg_block(verbose) == verbose_block(
        options="14<USE_NUMA,LACP_STRICT>",
        active=2,
        lag_id=(ours, f"({OVS_PEER_ID},0000,0000)"),
        ports=[
            (
                name,
                AGGREGATED,
                IN_SYNC,
                lacp_id(0x8000, mac, key, 0x8000, ifindex),
                f"({OVS_PEER_ID},FFFF,{members[lp].port_id:04X})",
            )
            for name, lp, ifindex in (("fxp0", "lp0", 10), ("fxp1", "lp1", 11))
        ],
    )

    lab.wait_ping()
    r = lab.ping(100, 0.002)
    assert (r["received"], r["duplicates"]) == (100, 0)
    assert lab.iperf(1) > 0.1
    assert lab.iperf(1, reverse=True) > 0.1


def test_pulled_link_moves_traffic_to_the_other_port(lacp_lab: LaggLab, ovs: Callable[..., OvsBond]) -> None:
    lab = lacp_lab
    bond = ovs()
    handbook(lab.a, ("fxp0", "fxp1"), OUR_ADDR)
    wait_ports(lab.a, {"fxp0": AGGREGATED, "fxp1": AGGREGATED})
    bond.wait_enabled(2)
    lab.wait_ping()

    def pull() -> None:
        lab.b.ip("link", "set", "lp0", "down")
        # A lost link leaves at once: no PDU timeout to wait for (spec §4.4).
        wait_ports(lab.a, {"fxp0": "0<>", "fxp1": AGGREGATED}, timeout=1.0)

    r = ping_during(lab, pull)
    assert r["sent"] == 400
    assert len(r["lost"]) <= 6, r["lost"]
    assert r["duplicates"] == 0
    assert "\t\tactive ports: 1\n" in ok(lab.a, "-v", "lagg0")
    assert ifconfig(lab.a, "lagg0").stdout.count("status: active") == 1

    lab.b.ip("link", "set", "lp0", "up")
    wait_ports(lab.a, {"fxp0": AGGREGATED, "fxp1": AGGREGATED})
    r = lab.ping(50, 0.002)
    assert (r["received"], r["duplicates"]) == (50, 0)


def test_fast_timeout_is_asked_for_and_a_silent_partner_ages_out(
    lacp_lab: LaggLab, ovs: Callable[..., OvsBond]
) -> None:
    lab = lacp_lab
    # OVS itself asks for slow PDUs; ours asks for fast ones from the start.  (A change later on
    # takes effect with the partner's next PDU: OVS keeps its running 30 s period until then.)
    bond = ovs(lacp_time="slow")
    for port in ("fxp0", "fxp1"):
        ok(lab.a, port, "up")
    ok(lab.a, "lagg0", "create")
    ok(
        lab.a,
        "lagg0",
        "up",
        "laggproto",
        "lacp",
        "lacp_fast_timeout",
        "laggport",
        "fxp0",
        "laggport",
        "fxp1",
        OUR_ADDR + "/24",
    )
    wait_ports(lab.a, {"fxp0": AGGREGATED, "fxp1": AGGREGATED})
    verbose = ok(lab.a, "-v", "lagg0")
    assert "\t\tflags=94<USE_NUMA,LACP_STRICT,LACP_FAST_TIMO>\n" in verbose
    assert verbose.count(f" state={IN_SYNC_FAST}\n") == 2
    members = bond.wait_enabled(2)
    assert {m.partner_state for m in members.values()} == {"activity timeout " + OVS_SEES_US.removeprefix("activity ")}

    # OVS stops (the links stay up): with the short timeout, 3 s without PDUs and the ports leave.
    bond.close()
    started = time.monotonic()
    text = wait_ports(lab.a, {"fxp0": "0<>", "fxp1": "0<>"}, timeout=6.0)
    assert time.monotonic() - started >= 2.0  # not at once: the partner aged out
    assert "\tstatus: no carrier\n" in text
    assert lab.ping(3, 0.05)["received"] == 0
    # A further 3 s on, the partner is forgotten: DEFAULTED, strict mode's partner defaults.
    time.sleep(3.5)
    verbose = ok(lab.a, "-v", "lagg0")
    assert verbose.count(" state=47<ACTIVITY,TIMEOUT,AGGREGATION,DEFAULTED>\n") == 2
    assert verbose.count("\t\t (FFFF,00-00-00-00-00-00,0000,FFFF,0000)]\n") == 2


# -- against ourselves ------------------------------------------------------------------------------


def test_our_lacp_aggregates_with_our_own(lacp_lab: LaggLab) -> None:
    lab = lacp_lab
    handbook(lab.a, ("fxp0", "fxp1"), OUR_ADDR)
    handbook(lab.b, ("lp0", "lp1"), PEER_ADDR)
    text = wait_ports(lab.a, {"fxp0": AGGREGATED, "fxp1": AGGREGATED})
    wait_ports(lab.b, {"lp0": AGGREGATED, "lp1": AGGREGATED})
    mac, peer_mac = lab.a.link("lagg0")["address"], lab.b.link("lagg0")["address"]
    assert text == plain_status(mac, {"fxp0": AGGREGATED, "fxp1": AGGREGATED}, "active", text)
    key, peer_key = our_key(lab.a), our_key(lab.b)
    assert lagg_block(ok(lab.a, "-v", "lagg0")) == verbose_block(
        options="14<USE_NUMA,LACP_STRICT>",
        active=2,
        lag_id=(lacp_id(0x8000, mac, key, 0, 0), lacp_id(0x8000, peer_mac, peer_key, 0, 0)),
        ports=[
            (
                name,
                AGGREGATED,
                IN_SYNC,
                lacp_id(0x8000, mac, key, 0x8000, ifindex),
                lacp_id(0x8000, peer_mac, peer_key, 0x8000, peer_ifindex),
            )
            for name, ifindex, peer_ifindex in (("fxp0", 10, 40), ("fxp1", 11, 41))
        ],
    )
    # --libxo json carries the same facts
    doc = json.loads(ok(lab.a, "--libxo", "json", "-v", "lagg0"))
    (iface,) = doc["lagg-ifconfig"]["interface"]
    assert iface["lag_id"]["partner"]["system"] == peer_mac
    port = iface["laggport"][0]
    assert port["flags"] == {"value": 0x1C, "names": ["ACTIVE", "COLLECTING", "DISTRIBUTING"]}
    assert port["state"]["value"] == 0x3D
    assert port["partner"]["system"] == peer_mac
    assert port["partner_state"]["value"] == 0x3D

    lab.wait_ping()
    r = lab.ping(100, 0.002)
    assert (r["received"], r["duplicates"]) == (100, 0)
    assert lab.iperf(1, streams=4) > 0.1

    # Changing the hash and strict mode keeps the aggregation (FreeBSD: options, not a new protocol).
    ok(lab.a, "lagg0", "lagghash", "l3,l4")
    ok(lab.a, "lagg0", "-lacp_strict")
    verbose = ok(lab.a, "-v", "lagg0")
    assert "\tlaggproto lacp lagghash l3,l4\n" in verbose
    assert "\t\tflags=4<USE_NUMA>\n" in verbose
    assert port_lines(verbose) == {"fxp0": AGGREGATED, "fxp1": AGGREGATED}
    r = lab.ping(50, 0.002)
    assert (r["received"], r["duplicates"]) == (50, 0)

    # lacp_fast_timeout on a running lagg: the partner hears our TIMEOUT bit at once.
    ok(lab.a, "lagg0", "lacp_fast_timeout")
    deadline = time.monotonic() + 3
    while partner_states(lab.b) != [0x3F, 0x3F]:
        assert time.monotonic() < deadline, partner_states(lab.b)
        time.sleep(0.05)
    assert ok(lab.a, "-v", "lagg0").count(f" state={IN_SYNC_FAST}\n") == 2

    def pull() -> None:
        lab.b.ip("link", "set", "lp1", "down")
        wait_ports(lab.a, {"fxp0": AGGREGATED, "fxp1": "0<>"}, timeout=1.0)

    r = ping_during(lab, pull)
    assert len(r["lost"]) <= 6, r["lost"]
    assert r["duplicates"] == 0


def test_a_partner_that_never_answers_gives_no_aggregation(lacp_lab: LaggLab) -> None:
    lab = lacp_lab
    handbook(lab.a, ("fxp0", "fxp1"), OUR_ADDR)
    time.sleep(3.5)  # the current-while timer (3 s) runs out: the partner is defaulted
    text = ok(lab.a, "lagg0")
    mac = lab.a.link("lagg0")["address"]
    assert text == plain_status(mac, {"fxp0": "0<>", "fxp1": "0<>"}, "no carrier", text)
    key = our_key(lab.a)
    zero = "(0000,00-00-00-00-00-00,0000,0000,0000)"
    defaulted = "(FFFF,00-00-00-00-00-00,0000,FFFF,0000)"
    expected = verbose_block(
        options="14<USE_NUMA,LACP_STRICT>",
        active=0,
        lag_id=(zero, zero),
        ports=[
            ("fxp0", "0<>", "45<ACTIVITY,AGGREGATION,DEFAULTED>", lacp_id(0x8000, mac, key, 0x8000, 10), defaulted),
            ("fxp1", "0<>", "45<ACTIVITY,AGGREGATION,DEFAULTED>", lacp_id(0x8000, mac, key, 0x8000, 11), defaulted),
        ],
    )
    assert lagg_block(ok(lab.a, "-v", "lagg0")) == expected
    assert lab.ping(3, 0.05)["received"] == 0
    # Non-strict mode: FreeBSD 14 still never selects a port that has not heard a partner.
    ok(lab.a, "lagg0", "-lacp_strict")
    time.sleep(0.2)
    assert port_lines(ok(lab.a, "lagg0")) == {"fxp0": "0<>", "fxp1": "0<>"}
    assert lab.ping(3, 0.05)["received"] == 0
