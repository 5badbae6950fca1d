# ruff: noqa: F811  (pytest fixtures imported from netns_fixtures are parameters here)
"""laggd with real traffic: each protocol, failover/failback, port changes, duplicates, floods."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from tests.integration.netns_fixtures import LAGG_ADDR, PING, PY, LaggLab, lab, lab_registry  # noqa: F401

pytestmark = pytest.mark.netns

MASTER_ACTIVE, MASTER, ACTIVE = 5, 1, 4


def test_failover_status_traffic_failover_and_failback(lab: LaggLab) -> None:
    fxp0_mac = lab.link_json("fxp0")["address"]
    lab.lagg("failover")
    st = lab.api("observe")
    assert st["proto"] == "failover"
    assert st["ports"] == [["fxp0", MASTER_ACTIVE], ["fxp1", 0]]
    assert st["active_ports"] == 2
    assert st["backend"] == "userspace"
    # FreeBSD: the lagg takes the first port's MAC, every port carries it
    assert lab.link_json("lagg0")["address"] == fxp0_mac
    assert lab.link_json("fxp1")["address"] == fxp0_mac
    lab.wait_ping()
    r = lab.ping(50, 0.005)
    assert (r["received"], r["duplicates"]) == (50, 0)
    assert lab.iperf(2) > 0.5

    # ~200 pps both ways across a carrier loss of fxp0 and its return
    pinger = lab.a.spawn(PY, PING, "198.18.0.2", "600", "0.005", "1", stdout=subprocess.PIPE)
    time.sleep(0.6)
    lab.b.ip("link", "set", "lp0", "down")
    lab.wait_flags([["fxp0", MASTER], ["fxp1", ACTIVE]])
    assert lab.api("observe")["active_ports"] == 1
    time.sleep(0.6)
    lab.b.ip("link", "set", "lp0", "up")
    lab.wait_flags([["fxp0", MASTER_ACTIVE], ["fxp1", 0]])
    out, _ = pinger.communicate(timeout=20)
    r = json.loads(out)
    assert r["sent"] == 600
    # The peer bridge relearns lagg0's MAC at each switch: a frame or two may be lost (spec §8.6).
    assert len(r["lost"]) <= 6, r["lost"]
    assert r["duplicates"] == 0


def test_failover_all_ports_down_means_no_carrier(lab: LaggLab) -> None:
    lab.lagg("failover")
    lab.a.wait_operstate("lagg0")
    lab.b.ip("link", "set", "lp0", "down")
    lab.b.ip("link", "set", "lp1", "down")
    lab.wait_flags([["fxp0", MASTER], ["fxp1", 0]])
    assert lab.api("observe")["active_ports"] == 0
    assert "NO-CARRIER" in lab.link_json("lagg0")["flags"]
    # an admin-down member is not PORTACTIVE either (FreeBSD: link up *and* IFF_UP)
    lab.b.ip("link", "set", "lp0", "up")
    lab.b.ip("link", "set", "lp1", "up")
    lab.a.ip("link", "set", "fxp0", "down")
    lab.wait_flags([["fxp0", MASTER], ["fxp1", ACTIVE]])


@pytest.mark.parametrize("proto", ["loadbalance", "roundrobin", "broadcast"])
def test_protocol_carries_traffic(lab: LaggLab, proto: str) -> None:
    lab.lagg(proto)
    assert lab.flags() == [["fxp0", ACTIVE], ["fxp1", ACTIVE]]
    lab.wait_ping()
    before = [lab.tx_packets("fxp0"), lab.tx_packets("fxp1")]
    r = lab.ping(100, 0.002)
    assert r["received"] == 100
    # broadcast sends each request on both ports; the peer answers each copy
    assert r["duplicates"] == (100 if proto == "broadcast" else 0)
    after = [lab.tx_packets("fxp0"), lab.tx_packets("fxp1")]
    sent = [a - b for a, b in zip(after, before, strict=True)]
    if proto == "roundrobin":
        assert min(sent) >= 45, sent  # both ports, alternately
    if proto == "broadcast":
        assert min(sent) >= 100, sent
    assert lab.iperf(2) > 0.3


def test_roundrobin_rr_limit(lab: LaggLab) -> None:
    lab.lagg("roundrobin", rr_limit=4)
    st = lab.api("observe")
    assert st["rr_limit"] == 4
    lab.wait_ping()
    r = lab.ping(40, 0.002)
    assert r["received"] == 40


def test_loadbalance_spreads_flows_over_ports(lab: LaggLab) -> None:
    """l4 hash: UDP flows from consecutive source ports land on both ports, each flow on one.

    (TCP would not show it: Linux gives connect() even ephemeral ports, and the low bit of
    FreeBSD's FNV-1 hash is the parity of the hashed bytes, so %2 puts them all on one port,
    as FreeBSD's lagg would.)
    """
    lab.lagg("loadbalance", hash=4)
    lab.wait_ping()
    before = [lab.tx_packets("fxp0"), lab.tx_packets("fxp1")]
    lab.a.exec(PY, "-c", UDP_FLOWS, "198.18.0.2", "30000", "16", "20")
    after = [lab.tx_packets("fxp0"), lab.tx_packets("fxp1")]
    sent = [a - b for a, b in zip(after, before, strict=True)]
    assert min(sent) >= 100, sent
    assert sum(sent) >= 320
    assert sum(sent) % 20 == 0 or sum(sent) < 340, sent  # whole flows per port (plus stray ARP)
    assert lab.api("observe")["hash"] == 4
    assert lab.iperf(2, streams=4) > 0.3


def test_none_passes_nothing(lab: LaggLab) -> None:
    lab.lagg("none")
    assert lab.flags() == [["fxp0", 0], ["fxp1", 0]]
    r = lab.ping(10, 0.01)
    assert r["received"] == 0


def test_lacp_without_partner_passes_nothing(lab: LaggLab) -> None:
    lab.lagg("lacp")
    assert lab.flags() == [["fxp0", 0], ["fxp1", 0]]
    assert lab.api("observe")["active_ports"] == 0
    assert lab.ping(5, 0.01)["received"] == 0
    assert "NO-CARRIER" in lab.link_json("lagg0")["flags"]


def test_frames_reach_the_host_stack_exactly_once(lab: LaggLab) -> None:
    """Members carry lagg0's MAC; the nftables ingress drop keeps their host stack blind.

    failover, so that the lagg itself takes frames from one port only (the peer bridge floods
    broadcasts to both ports; rr/lb/broadcast laggs accept from every port, as FreeBSD's do).
    """
    lab.lagg("failover")
    lab.wait_ping()
    r = lab.ping(100, 0.002, src=lab.b, dst=LAGG_ADDR)
    assert (r["received"], r["duplicates"]) == (100, 0)
    arp = lab.b.exec(PY, "-c", ARP_PROBE, "br0", LAGG_ADDR)
    replies = json.loads(arp.stdout)
    # one reply per request, all from lagg0's MAC, none from a member
    assert replies["requests"] == 5
    assert replies["replies"] == 5, replies
    assert set(replies["senders"]) == {lab.link_json("lagg0")["address"]}
    ruleset = lab.a.exec("nft", "list", "ruleset").stdout
    assert 'device "fxp0"' in ruleset
    assert 'device "fxp1"' in ruleset
    # Contrast: without the drop, the member's own stack answers too (duplicate replies).
    lab.a.exec("nft", "delete", "table", "netdev", "lagg_ifconfig_lagg0")
    r = lab.ping(20, 0.005, src=lab.b, dst=LAGG_ADDR)
    assert r["duplicates"] > 0, r


def test_flood_of_malformed_frames_does_not_kill_laggd(lab: LaggLab) -> None:
    lab.lagg("loadbalance")
    lab.wait_ping()
    pid = lab.daemon_pid()
    mac = lab.link_json("lagg0")["address"]
    lab.b.exec(PY, "-c", FLOOD, "lp0", mac, "20000")
    lab.b.exec(PY, "-c", FLOOD, "lp1", mac, "20000")
    assert lab.daemon_pid() == pid
    with open(f"/proc/{pid}/status") as f:
        assert "zombie" not in f.read()
    lab.wait_ping()
    assert lab.ping(20, 0.005)["received"] == 20


def test_port_add_and_remove_under_traffic(lab: LaggLab) -> None:
    lab.lagg("loadbalance")
    lab.wait_ping()
    pinger = lab.a.spawn(PY, PING, "198.18.0.2", "400", "0.005", "1", stdout=subprocess.PIPE)
    time.sleep(0.3)
    assert lab.api("apply", arg={"proto": "loadbalance", "ports": ["fxp0"]}) == []
    assert lab.flags() == [["fxp0", ACTIVE]]
    time.sleep(0.3)
    assert lab.api("apply", arg={"proto": "loadbalance", "ports": ["fxp0", "fxp1"]}) == []
    assert lab.flags() == [["fxp0", ACTIVE], ["fxp1", ACTIVE]]
    time.sleep(0.3)
    assert lab.api("apply", arg={"proto": "loadbalance", "ports": ["fxp1"]}) == []
    out, _ = pinger.communicate(timeout=20)
    r = json.loads(out)
    assert r["sent"] == 400
    assert len(r["lost"]) <= 10, r["lost"]
    # fxp0 left: it has its own MAC back; the lagg took fxp1's original MAC (new primary)
    st = lab.api("observe")
    assert st["ports"] == [["fxp1", ACTIVE]]
    assert lab.link_json("fxp0")["address"] != lab.link_json("lagg0")["address"]
    lab.wait_ping()


def test_departing_member_is_removed(lab: LaggLab) -> None:
    lab.lagg("failover")
    lab.a.ip("link", "del", "fxp0")
    lab.wait_flags([["fxp1", MASTER_ACTIVE]])
    lab.wait_ping()


ARP_PROBE = r"""
import json, socket, struct, sys, time, fcntl
ifname, target = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind((ifname, 0x0806))
s.settimeout(0.2)
mac = s.getsockname()[4]
ip = socket.inet_aton("198.18.0.2")
tip = socket.inet_aton(target)
req = b"\xff" * 6 + mac + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + ip + bytes(6) + tip
replies, senders = 0, set()
for _ in range(5):
    s.send(req)
    end = time.monotonic() + 0.2
    while time.monotonic() < end:
        try:
            data = s.recv(2048)
        except socket.timeout:
            break
        is_reply = data[12:14] == b"\x08\x06" and struct.unpack_from("!H", data, 20)[0] == 2
        if is_reply and data[28:32] == tip:
            replies += 1
            senders.add(":".join(f"{b:02x}" for b in data[22:28]))
print(json.dumps({"requests": 5, "replies": replies, "senders": sorted(senders)}))
"""

FLOOD = r"""
import os, random, socket, sys
ifname, mac, n = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", "")), int(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
rnd = random.Random(4)
kinds = [b"\x08\x00", b"\x86\xdd", b"\x81\x00", b"\x88\x09", b"\x08\x06", b"\xff\xff"]
for i in range(n):
    dst = mac if i % 3 else b"\xff" * 6
    body = bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(0, 120)))
    frame = dst + b"\x02\x00\x00\xba\xad\x01" + rnd.choice(kinds) + body
    try:
        s.send(frame)
    except OSError:
        pass
"""

UDP_FLOWS = r"""
import socket, sys
dst, first, flows, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for port in range(first, first + flows):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    for _ in range(per):
        s.sendto(b"x" * 64, (dst, 9))
    s.close()
"""
