# ruff: noqa: F811  (pytest fixtures imported from netns_fixtures are parameters here)
"""laggd lifecycle: create/destroy restoring ports exactly, kill -9 recovery, FreeBSD errors."""

from __future__ import annotations

import errno
import os
import signal
import time
from typing import Any

import pytest

from tests.integration.netns import NetnsRegistry, run
from tests.integration.netns_fixtures import LaggLab, lab, lab_registry  # noqa: F401

pytestmark = pytest.mark.netns

MASTER_ACTIVE, ACTIVE = 5, 4


def snapshot(lab: LaggLab, *names: str) -> dict[str, Any]:
    """What destroy must give back: link attributes, addresses, IPv6 sysctls (no counters)."""
    out: dict[str, Any] = {}
    for n in names:
        link = lab.link_json(n)
        keep = ("ifname", "ifindex", "flags", "mtu", "address", "operstate", "promiscuity", "allmulti")
        out[n] = {k: link.get(k) for k in keep}
        out[n]["addrs"] = sorted(
            (a["family"], a["local"], a["prefixlen"]) for a in lab.a.addrs(n) if a.get("scope") != "link"
        )
        out[n]["disable_ipv6"] = lab.a.sysctl(f"net.ipv6.conf.{n}.disable_ipv6")
    return out


def test_create_then_status_of_an_empty_lagg(lab: LaggLab) -> None:
    lab.api("create")
    link = lab.link_json("lagg0")
    assert link["mtu"] == 1500
    assert "UP" not in link["flags"]
    assert link["linkinfo"]["info_kind"] == "tun"
    assert int(link["address"].split(":")[0], 16) & 0x02  # Linux refuses 00:..:00: a local random MAC
    st = lab.api("observe")
    assert (st["proto"], st["ports"], st["hash"], st["options"], st["active_ports"]) == ("failover", [], 7, 4, 0)
    assert lab.api("is_lagg") is True
    assert lab.api("is_lagg", "fxp0") is False
    assert lab.api("names") == ["lagg0"]
    err = lab.api_raw("create")["error"]
    assert (err["errno"], err["op"], err["text"]) == (errno.EEXIST, "SIOCIFCREATE2", "SIOCIFCREATE2: File exists")
    err = lab.api_raw("create", "fxp0")["error"]
    assert err["errno"] == errno.EEXIST


def test_destroy_gives_every_port_back_exactly(lab_registry: NetnsRegistry) -> None:
    lab = LaggLab(lab_registry, ipv6=True)
    try:
        lab.a.ip("link", "set", "fxp1", "mtu", "1400")  # the lagg will force 1500 on it
        lab.a.ip("addr", "add", "198.18.1.1/24", "dev", "fxp1")
        lab.a.wait_operstate("fxp0", "fxp1")
        time.sleep(0.3)  # IPv6 link-local addresses settle
        before = snapshot(lab, "fxp0", "fxp1")
        lab.lagg("failover")
        during = snapshot(lab, "fxp0", "fxp1")
        assert during["fxp1"]["mtu"] == 1500
        assert during["fxp1"]["address"] == before["fxp0"]["address"]
        assert "NOARP" in during["fxp0"]["flags"]
        assert during["fxp0"]["disable_ipv6"] == "1"
        assert lab.a.exec("nft", "list", "tables").stdout.strip() != ""
        lab.api("destroy")
        after = snapshot(lab, "fxp0", "fxp1")
        assert after == before
        assert lab.a.exec("nft", "list", "ruleset").stdout.strip() == ""
        assert run(["ip", "-n", lab.a.name, "link", "show", "lagg0"], check=False).returncode != 0
        assert lab.api("names") == []
        assert lab.api("is_lagg") is False
        assert not [f for f in os.listdir(lab.rundir) if f.startswith("lagg0")]
        err = lab.api_raw("observe")["error"]
        assert err["type"] == "DaemonError"
    finally:
        lab.close()


def test_kill_9_recovery_keeps_ports_protocol_and_addresses(lab: LaggLab) -> None:
    lab.lagg("roundrobin", rr_limit=3)
    lab.wait_ping()
    before = lab.api("observe")
    pid = lab.daemon_pid()
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.1)
    # the TAP is persistent: it and its address outlive the daemon
    assert [a["local"] for a in lab.a.addrs("lagg0") if a["family"] == "inet"] == ["198.18.0.1"]
    assert lab.api("is_lagg") is True
    after = lab.api("observe")  # restarts laggd from the record
    assert after == before
    assert lab.daemon_pid() != pid
    lab.wait_ping()
    assert lab.ping(20, 0.005)["received"] == 20
    # apply after a second kill also works
    os.kill(lab.daemon_pid(), signal.SIGKILL)
    assert lab.api("apply", arg={"proto": "failover", "ports": ["fxp0", "fxp1"]}) == []
    assert lab.flags() == [["fxp0", MASTER_ACTIVE], ["fxp1", 0]]


def test_sigterm_detaches_and_keeps_the_lagg(lab: LaggLab) -> None:
    lab.lagg("failover")
    pid = lab.daemon_pid()
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 3
    while lab.api("is_lagg") and os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        with open(f"/proc/{pid}/status") as f:
            if "zombie" in f.read():
                break
        time.sleep(0.02)
    assert "lagg0" in [x["ifname"] for x in lab.a.ip_json("link", "show")]
    assert lab.flags() == [["fxp0", MASTER_ACTIVE], ["fxp1", 0]]


def test_port_errors_are_freebsd_errnos_in_kernel_order(lab: LaggLab) -> None:
    lab.api("create")
    lab.api("create", "lagg1")
    assert lab.api("apply", "lagg1", {"proto": "failover", "ports": ["fxp1"]}) == []
    errors = lab.api(
        "apply", arg={"proto": "failover", "ports": ["fxp0", "nosuch0", "lo", "lagg0", "lagg1", "fxp1", ""]}
    )
    assert errors == [
        ["nosuch0", "SIOCSLAGGPORT", errno.EINVAL, "lagg0 nosuch0: SIOCSLAGGPORT: Invalid argument"],
        ["lo", "SIOCSLAGGPORT", errno.EPROTONOSUPPORT, "lagg0 lo: SIOCSLAGGPORT: Protocol not supported"],
        ["lagg0", "SIOCSLAGGPORT", errno.EINVAL, "lagg0 lagg0: SIOCSLAGGPORT: Invalid argument"],
        ["lagg1", "SIOCSLAGGPORT", errno.EINVAL, "lagg0 lagg1: SIOCSLAGGPORT: Invalid argument"],
        ["fxp1", "SIOCSLAGGPORT", errno.EBUSY, "lagg0 fxp1: SIOCSLAGGPORT: Device busy"],
        ["", "SIOCSLAGGPORT", errno.EINVAL, "lagg0 : SIOCSLAGGPORT: Invalid argument"],
    ]
    # the rest went on: fxp0 is a port
    assert lab.flags() == [["fxp0", MASTER_ACTIVE]]
    assert lab.flags("lagg1") == [["fxp1", MASTER_ACTIVE]]
    lab.api("destroy", "lagg1")


def test_33rd_port_is_enospc(lab: LaggLab) -> None:
    lab.api("create")
    names = [f"v{i}" for i in range(33)]
    script = "".join(f"link add {n} type veth peer name {n}p\n" for n in names)
    run(["ip", "-n", lab.a.name, "-batch", "-"], input=script)
    errors = lab.api("apply", arg={"proto": "failover", "ports": names})
    assert errors == [["v32", "SIOCSLAGGPORT", errno.ENOSPC, "lagg0 v32: SIOCSLAGGPORT: No space left on device"]]
    assert len(lab.api("observe")["ports"]) == 32


def test_mtu_rules(lab: LaggLab) -> None:
    lab.a.ip("link", "set", "fxp0", "mtu", "1400")
    lab.lagg("failover")
    # the first port gives its MTU to the lagg; the second is forced to it
    assert lab.link_json("lagg0")["mtu"] == 1400
    assert lab.link_json("fxp1")["mtu"] == 1400
    lab.api("set_mtu", arg=1450)
    assert [lab.link_json(n)["mtu"] for n in ("lagg0", "fxp0", "fxp1")] == [1450, 1450, 1450]
    err = lab.api_raw("set_mtu", arg=70000)["error"]
    assert (err["errno"], err["text"]) == (errno.EINVAL, "ioctl SIOCSIFMTU (set mtu): Invalid argument")
    assert [lab.link_json(n)["mtu"] for n in ("lagg0", "fxp0", "fxp1")] == [1450, 1450, 1450]


def test_lladdr_rules(lab: LaggLab) -> None:
    fxp1_mac = lab.link_json("fxp1")["address"]
    lab.lagg("failover")
    lab.api("set_lladdr", arg="02:00:00:00:00:aa")
    assert {lab.link_json(n)["address"] for n in ("lagg0", "fxp0", "fxp1")} == {"02:00:00:00:00:aa"}
    # a MAC set on lagg0 directly (ip link, like the CLI's netlink path) reaches the ports too
    lab.a.ip("link", "set", "lagg0", "address", "02:00:00:00:00:bb")
    deadline = time.monotonic() + 2
    while lab.link_json("fxp1")["address"] != "02:00:00:00:00:bb" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert {lab.link_json(n)["address"] for n in ("lagg0", "fxp0", "fxp1")} == {"02:00:00:00:00:bb"}
    # removing the primary: the lagg takes the new primary's original MAC (spec §3.5)
    assert lab.api("apply", arg={"proto": "failover", "ports": ["fxp1"]}) == []
    assert lab.link_json("lagg0")["address"] == fxp1_mac
    assert lab.link_json("fxp1")["address"] == fxp1_mac
    assert lab.flags() == [["fxp1", MASTER_ACTIVE]]


def test_lagg_in_another_namespace_is_separate(lab: LaggLab) -> None:
    lab.api("create")
    assert lab.api("names", ns=lab.b) == []
    assert lab.api("is_lagg", ns=lab.b) is False
    err = lab.api_raw("observe", ns=lab.b)["error"]
    assert err["type"] == "DaemonError"
