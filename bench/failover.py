"""Failover time of a userspace failover lagg at 1 kpps both ways, with frames lost counted.

Topology: namespace A has lagg0 (failover: fxp0 primary, fxp1) at 198.18.0.1 and a process
sending one UDP datagram per millisecond to 198.18.0.2 (static ARP entry) while counting
the datagrams it receives.  Namespace B has the two peers lp0, lp1 with no bridge: a peer
process reads our datagrams on both with AF_PACKET, answers 1 kpps towards lagg0 on the
port where it last heard us (a learning switch), and cuts lp0 (admin down: fxp0 loses
carrier) then restores it.  Switch time = the first datagram on the other port minus the cut
(or the restore, for failback), measured in the peer process with one clock.

    python bench/failover.py [--quick] [--trials N] [--json FILE]

The kernel bonding baseline needs the VM kit (shared/lab/vm); it is not run here.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.lablib import PY, Lab, median

PEER_MAC = "02:00:00:00:00:02"

OURS = r"""
import json, select, socket, struct, sys, time
dur = float(sys.argv[1])
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rx.bind(("198.18.0.1", 9999))
rx.setblocking(False)
got = set()
start = time.monotonic()
seq = 0
while True:
    now = time.monotonic()
    if now - start > dur:
        break
    if now >= start + seq / 1000:
        tx.sendto(struct.pack("!I", seq), ("198.18.0.2", 9998))
        seq += 1
    r, _, _ = select.select([rx], [], [], max(0, start + seq / 1000 - time.monotonic()))
    while r:
        try:
            data = rx.recv(64)
        except BlockingIOError:
            break
        got.add(struct.unpack_from("!I", data)[0])
print(json.dumps({"sent": seq, "got": sorted(got)}))
"""

PEER = r"""
import fcntl, json, select, socket, struct, sys, time
lagg_mac = bytes.fromhex(sys.argv[1].replace(":", ""))
trials, gap = int(sys.argv[2]), float(sys.argv[3])
me = bytes.fromhex("020000000002")
socks = {}
for name in ("lp0", "lp1"):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    s.bind((name, 0x0800))
    s.setblocking(False)
    socks[name] = s
ctl = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
def set_up(name, up):
    ifr = struct.pack("16sH14x", name.encode(), 0)
    flags = struct.unpack_from("H", fcntl.ioctl(ctl, 0x8913, ifr), 16)[0]
    flags = flags | 1 if up else flags & ~1
    fcntl.ioctl(ctl, 0x8914, struct.pack("16sH14x", name.encode(), flags))
def csum(h):
    s = sum(struct.unpack("!10H", h)); s = (s >> 16) + (s & 0xFFFF); s += s >> 16
    return ~s & 0xFFFF
def frame(seq):
    udp = struct.pack("!HHHH", 9998, 9999, 12, 0) + struct.pack("!I", seq)
    src, dst = socket.inet_aton("198.18.0.2"), socket.inet_aton("198.18.0.1")
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return lagg_mac + me + b"\x08\x00" + ip + udp
last_port = "lp0"
seen = {}      # seq -> (port, time)
events = []    # (kind, time)
start = time.monotonic()
plan = []
t = 0.5
for _ in range(trials):
    plan.append((start + t, "cut")); t += gap
    plan.append((start + t, "restore")); t += gap
end = start + t + 0.3
seq = 0
while True:
    now = time.monotonic()
    if now > end:
        break
    if plan and now >= plan[0][0]:
        kind = plan.pop(0)[1]
        set_up("lp0", kind == "restore")
        events.append((kind, time.monotonic()))
    if now >= start + seq / 1000:
        try:
            socks[last_port].send(frame(seq))
        except OSError:
            pass
        seq += 1
    r, _, _ = select.select(list(socks.values()), [], [], 0.0005)
    for name, s in socks.items():
        while True:
            try:
                data = s.recv(2048)
            except (BlockingIOError, OSError):
                break
            if len(data) >= 46 and data[23] == 17 and data[36:38] == b"\x27\x0e":
                n = struct.unpack_from("!I", data, 42)[0]
                seen.setdefault(n, (name, time.monotonic()))
                last_port = name
print(json.dumps({"sent": seq, "seen": seen, "events": events}))
"""


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="CI smoke run: 2 trials")
    p.add_argument("--trials", type=int, default=10)
    p.add_argument("--gap", type=float, default=0.4, help="seconds between cut and restore")
    p.add_argument("--json")
    args = p.parse_args()
    if args.quick:
        args.trials = 2
    if os.geteuid() != 0:
        print("bench/failover.py: needs root (network namespaces)", file=sys.stderr)
        return 1
    lab = Lab("bf")
    try:
        a, b = lab.ns("a"), lab.ns("b")
        lab.veth(a, "fxp0", b, "lp0", 10)
        lab.veth(a, "fxp1", b, "lp1", 11)
        lab.wait_up(a, "fxp0", "fxp1")
        lab.api(a, "create")
        lab.api(a, "apply", arg={"proto": "failover", "ports": ["fxp0", "fxp1"]})
        a.ip("link", "set", "lagg0", "up")
        a.ip("addr", "add", "198.18.0.1/24", "dev", "lagg0")
        a.ip("neigh", "replace", "198.18.0.2", "lladdr", PEER_MAC, "dev", "lagg0")
        lab.wait_up(a, "lagg0")
        mac = json.loads(a.ip("-j", "link", "show", "lagg0"))[0]["address"]
        duration = 0.5 + args.trials * 2 * args.gap + 0.3
        peer = lab.spawn(b, PY, "-c", PEER, mac, str(args.trials), str(args.gap), stdout=subprocess.PIPE)
        ours = lab.spawn(a, PY, "-c", OURS, str(duration), stdout=subprocess.PIPE)
        out_peer, _ = peer.communicate(timeout=duration + 20)
        out_ours, _ = ours.communicate(timeout=duration + 20)
    finally:
        lab.close()
    pr, orr = json.loads(out_peer), json.loads(out_ours)
    seen = {int(k): (v[0], v[1]) for k, v in pr["seen"].items()}
    results: dict[str, list[float]] = {"failover_ms": [], "failback_ms": [], "lost_to_peer": [], "lost_from_peer": []}
    got = set(orr["got"])
    events = pr["events"]
    for i, (kind, t) in enumerate(events):
        want = "lp1" if kind == "cut" else "lp0"
        firsts = [ts for port, ts in seen.values() if port == want and ts >= t]
        if firsts:
            results["failover_ms" if kind == "cut" else "failback_ms"].append((min(firsts) - t) * 1000)
        t_next = events[i + 1][1] if i + 1 < len(events) else t + 0.4
        # frames lost around this event: our seqs (1 per ms since our start) the peer never saw
        window = [s for s, (_p, ts) in seen.items() if t - 0.05 <= ts <= t_next]
        if window:
            lo, hi = min(window), max(window)
            results["lost_to_peer"].append(sum(1 for s in range(lo, hi) if s not in seen))
    # frames from the peer that never arrived (whole run, minus the first/last 50 ms)
    total = pr["sent"]
    results["lost_from_peer"].append(sum(1 for s in range(50, max(50, total - 50)) if s not in got))
    print(f"trials: {args.trials} cut/restore pairs at 1 kpps both ways (veth, urgent linkwatch)")
    for key, label in (("failover_ms", "failover switch (carrier lost)"), ("failback_ms", "failback (carrier back)")):
        v = results[key]
        if v:
            print(f"{label:32s} median {median(v):7.2f} ms  max {max(v):7.2f} ms  n={len(v)}   target <= 1 ms median")
    v = results["lost_to_peer"]
    print(f"{'frames lost lagg0 -> peer':32s} median {median(v):5.1f} per event  max {max(v) if v else 0}  "
          f"target 0 median")  # fmt: skip
    print(f"{'frames lost peer -> lagg0':32s} {results['lost_from_peer'][0]} of {total} over the whole run")
    print("kernel bonding baseline: needs the VM kit (shared/lab/vm), not run here; spec reference ~50 ms")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
