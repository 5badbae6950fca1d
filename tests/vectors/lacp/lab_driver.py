"""Run ``LacpSystem`` on real interfaces over AF_PACKET: the lab partner of the captures.

    ip netns exec lx1a .venv/bin/python tests/vectors/lacp/lab_driver.py fxp0,fxp1 7 fast

Not a test and not part of the package (which does no I/O): a thirty-line
event loop, kept to show how ``captures/*.pcapng`` were made (see
``make_vectors.py``) and as a sketch of what ``laggd`` does.  Prints every
action with the time since start, then each port's final state.  Run it only
in a namespace of your own.
"""

from __future__ import annotations

import select
import socket
import struct
import sys
import time

from lagg_ifconfig.lacp import (
    ActorConfig,
    LacpAction,
    LacpEnabled,
    LacpSystem,
    PduReceived,
    PortAdded,
    Transmit,
)

ETH_P_SLOW = 0x8809
SOL_PACKET, PACKET_ADD_MEMBERSHIP, PACKET_MR_MULTICAST = 263, 1, 0
SLOW_PROTOCOLS_MAC = bytes.fromhex("0180c2000002")


def main(argv: list[str]) -> int:
    names, duration, rate = argv[0].split(","), float(argv[1]), argv[2]
    lacp = LacpSystem(ActorConfig(system=bytes.fromhex("020000000a01"), lagg_ifindex=10, fast_timeout=rate == "fast"))
    start = time.monotonic()
    socks: dict[str, socket.socket] = {}
    for name in names:
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_SLOW))
        sock.bind((name, ETH_P_SLOW))
        index = socket.if_nametoindex(name)
        mreq = struct.pack("iHH8s", index, PACKET_MR_MULTICAST, 6, SLOW_PROTOCOLS_MAC)
        sock.setsockopt(SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq)
        socks[name] = sock
        mac = sock.getsockname()[4]
        lacp.handle(PortAdded(name, index, 10_000, True, mac, enabled=True), time.monotonic())
    lacp.handle(LacpEnabled(True), time.monotonic())
    by_fd = {sock.fileno(): name for name, sock in socks.items()}

    def perform(actions: list[LacpAction]) -> None:
        for action in actions:
            if isinstance(action, Transmit):
                socks[action.port].send(action.frame)
            print(f"{time.monotonic() - start:7.3f} {action}", flush=True)

    end = start + duration
    while (now := time.monotonic()) < end:
        perform(lacp.poll(now))
        deadline = min(lacp.next_deadline() or end, end)
        ready, _, _ = select.select(list(by_fd), [], [], max(0.0, deadline - time.monotonic()))
        for fd in ready:
            name = by_fd[fd]
            data, address = socks[name].recvfrom(2048)
            if address[2] != socket.PACKET_OUTGOING:
                lacp.handle(PduReceived(name, data), time.monotonic())
    for port in lacp.snapshot().ports:
        print(port.name, f"{port.actor_state:#x}", f"{port.partner_state:#x}", port.rx_state, port.mux_state)
    print(lacp.stats)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
