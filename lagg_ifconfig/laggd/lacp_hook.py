"""The seam where the sans-IO LACP machine plugs into laggd's runtime.

Theory of operation
-------------------
The runtime knows nothing about LACP beyond this protocol.  With
``laggproto lacp`` it creates one :class:`LacpHook` (via
:func:`make_lacp_hook`) and drives it:

* ``attach`` / ``detach`` when the protocol is set / changed away;
* ``port_added`` / ``port_removed`` / ``port_changed`` (PORTACTIVE, speed)
  and ``lagg_changed`` (lagg0 up/down or a new MAC: a new system id);
* ``pdu_received`` for every untagged Slow Protocols frame (EtherType
  0x8809) a member receives; such frames never reach lagg0;
* ``poll(now)`` whenever ``next_deadline()`` has passed (the epoll timeout is
  that deadline, so timers never depend on traffic), and after each event.

The hook acts through the :class:`LacpPorts` the runtime hands it:
``transmit`` (an Ethernet frame, sent on one member at once) and
``set_port`` (COLLECTING/DISTRIBUTING), which rebuilds the port map: the
lagg then sends on distributing ports by hash and accepts data only from
collecting ones; lagg0's carrier is up while any port distributes.

Until the LACP core (``lagg_ifconfig.lacp``) is wired in, :class:`NullLacp`
consumes PDUs and never enables a port: ``laggproto lacp`` shows
``flags=0<>`` on every port and passes no traffic, like a lagg whose partner
never answers.  Wiring it in = an adapter class implementing
:class:`LacpHook` around ``LacpSystem(actor).handle(event, now)``,
``.poll(now)`` and ``.next_deadline()``, returned by :func:`make_lacp_hook`.
"""

from __future__ import annotations

from typing import Protocol

from lagg_ifconfig.model import LacpId, LacpPortInfo

__all__ = ["LacpHook", "LacpPort", "LacpPorts", "NullLacp", "make_lacp_hook"]


class LacpPort(Protocol):
    """What a hook may read about a member (the runtime's port object)."""

    @property
    def name(self) -> str: ...
    @property
    def ifindex(self) -> int: ...
    @property
    def active(self) -> bool: ...  # PORTACTIVE: link up and IFF_UP
    @property
    def speed(self) -> int: ...  # Mb/s, 0 unknown


class LacpPorts(Protocol):
    """The runtime's actions a hook may take."""

    def transmit(self, port: LacpPort, frame: bytes) -> None: ...
    def set_port(self, port: LacpPort, *, collecting: bool, distributing: bool) -> None: ...
    @property
    def lladdr_bytes(self) -> bytes: ...
    @property
    def running(self) -> bool: ...  # lagg0 is up


class LacpHook(Protocol):
    """One lagg's LACP instance as the runtime drives it."""

    def attach(self, ports: LacpPorts, now: float) -> None: ...
    def detach(self, now: float) -> None: ...
    def port_added(self, port: LacpPort, now: float) -> None: ...
    def port_removed(self, port: LacpPort, now: float) -> None: ...
    def port_changed(self, port: LacpPort, now: float) -> None: ...
    def lagg_changed(self, now: float) -> None: ...
    def pdu_received(self, port: LacpPort, frame: bytes, now: float) -> None: ...
    def poll(self, now: float) -> None: ...
    def next_deadline(self) -> float | None: ...
    def port_info(self, port: LacpPort) -> LacpPortInfo | None: ...
    def lag_id(self) -> tuple[LacpId, LacpId] | None: ...
    def flapping(self) -> int: ...


class NullLacp:
    """Placeholder until the LACP core is wired in: consumes PDUs, never aggregates."""

    def __init__(self) -> None:
        self.pdus_received = 0

    def attach(self, ports: LacpPorts, now: float) -> None:
        del ports, now

    def detach(self, now: float) -> None:
        del now

    def port_added(self, port: LacpPort, now: float) -> None:
        del port, now

    def port_removed(self, port: LacpPort, now: float) -> None:
        del port, now

    def port_changed(self, port: LacpPort, now: float) -> None:
        del port, now

    def lagg_changed(self, now: float) -> None:
        del now

    def pdu_received(self, port: LacpPort, frame: bytes, now: float) -> None:
        del port, frame, now
        self.pdus_received += 1

    def poll(self, now: float) -> None:
        del now

    def next_deadline(self) -> float | None:
        return None

    def port_info(self, port: LacpPort) -> LacpPortInfo | None:
        del port
        return None

    def lag_id(self) -> tuple[LacpId, LacpId] | None:
        return None

    def flapping(self) -> int:
        return 0


def make_lacp_hook(*, fast_timeout: bool, strict: bool) -> LacpHook:
    """The LACP instance for a lagg switched to ``laggproto lacp``."""
    del fast_timeout, strict
    return NullLacp()
