"""A tiny ICMP echo client for the laggd tests (no ``ping`` binary needed).

``python icmp_ping.py DEST COUNT INTERVAL [TIMEOUT]`` sends COUNT echo requests, one every
INTERVAL seconds, then waits TIMEOUT seconds for stragglers, and prints one JSON object:
``{"sent": N, "received": N, "duplicates": N, "lost": [seq...], "rtt_ms": [...], "times": [...]}``
where ``times`` are (seq, send time) pairs of lost requests, so failover tests can see the gap.
"""

from __future__ import annotations

import json
import os
import select
import socket
import struct
import sys
import time


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ping(dest: str, count: int, interval: float, timeout: float = 1.0) -> dict[str, object]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident = os.getpid() & 0xFFFF
    sent_at: dict[int, float] = {}
    replies: dict[int, int] = {}
    rtts: list[float] = []
    start = time.monotonic()
    nxt = start
    seq = 0
    end = None
    while True:
        now = time.monotonic()
        if seq < count and now >= nxt:
            payload = struct.pack("!d", now) + b"laggd-test" * 4
            hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
            pkt = struct.pack("!BBHHH", 8, 0, _checksum(hdr + payload), ident, seq) + payload
            sock.sendto(pkt, (dest, 0))
            sent_at[seq] = now
            seq += 1
            nxt = start + seq * interval
            if seq == count:
                end = now + timeout
        if end is not None and now >= end:
            break
        wait = (nxt if seq < count else (end or now)) - now
        r, _, _ = select.select([sock], [], [], max(0.0, wait))
        if not r:
            continue
        data, _addr = sock.recvfrom(65536)
        ihl = (data[0] & 0x0F) * 4
        icmp_type, _code, _sum, rid, rseq = struct.unpack_from("!BBHHH", data, ihl)
        if icmp_type != 0 or rid != ident or rseq not in sent_at:
            continue
        replies[rseq] = replies.get(rseq, 0) + 1
        if replies[rseq] == 1:
            rtts.append((time.monotonic() - sent_at[rseq]) * 1000)
    lost = [s for s in range(seq) if s not in replies]
    return {
        "sent": seq,
        "received": len(replies),
        "duplicates": sum(n - 1 for n in replies.values()),
        "lost": lost,
        "rtt_ms": rtts,
    }


if __name__ == "__main__":
    a = sys.argv[1:]
    print(json.dumps(ping(a[0], int(a[1]), float(a[2]), float(a[3]) if len(a) > 3 else 1.0)))
