"""The seam where the sans-IO LACP core plugs into laggd's runtime.

Theory of operation
-------------------
The runtime knows nothing about LACP beyond :class:`LacpHook`.  With
``laggproto lacp`` it creates one (via :func:`make_lacp_hook`) and drives it:

* ``attach`` / ``detach`` when the protocol is set / changed away;
* ``port_added`` / ``port_removed`` / ``port_changed`` (PORTACTIVE, speed,
  duplex) and ``lagg_changed`` (lagg0 up/down or a new MAC: a new system id);
* ``configure`` when ``lacp_fast_timeout`` or ``lacp_strict`` change;
* ``pdu_received`` for every untagged Slow Protocols frame (EtherType
  0x8809) a member receives; such frames never reach lagg0;
* ``poll(now)`` whenever ``next_deadline()`` has passed: the runtime's epoll
  timeout is that deadline, so timers never depend on traffic.

The hook acts through the :class:`LacpPorts` the runtime hands it:
``transmit`` (an Ethernet frame, sent on one member at once) and
``set_port`` (COLLECTING/DISTRIBUTING), which rebuilds the port map: the
lagg then sends on distributing ports by hash and accepts data only from
collecting ones; lagg0's carrier is up while any port distributes.

:class:`MachineHook` is the hook: each call becomes one event of
:class:`~lagg_ifconfig.lacp.LacpSystem`, followed at once by ``poll`` and the
actions it returns, so a PDU that completes an aggregation enables the port
within the same loop iteration.  The machine knows ports by their ifindex
(as text), which survives a rename.  ``now`` is clamped so that it never goes
back: the runtime reads the clock at several places per iteration.
"""

from __future__ import annotations

from typing import Protocol

from lagg_ifconfig.lacp import (
    ActorChanged,
    ActorConfig,
    LacpEnabled,
    LacpEvent,
    LacpSystem,
    PduReceived,
    PortAdded,
    PortEnabled,
    PortRemoved,
    SetCollecting,
    SetDistributing,
    Transmit,
)
from lagg_ifconfig.model import LacpId, LacpPortInfo, PortFlag

__all__ = ["LacpHook", "LacpPort", "LacpPorts", "MachineHook", "make_lacp_hook"]


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
    @property
    def full_duplex(self) -> bool: ...
    @property
    def mac(self) -> bytes: ...  # the member's own MAC: the source of its LACPDUs


class LacpPorts(Protocol):
    """The runtime's actions a hook may take, and the lagg facts it may read."""

    def transmit(self, port: LacpPort, frame: bytes) -> None: ...
    def set_port(self, port: LacpPort, *, collecting: bool, distributing: bool) -> None: ...
    @property
    def lladdr_bytes(self) -> bytes: ...
    @property
    def lagg_ifindex(self) -> int: ...
    @property
    def running(self) -> bool: ...  # lagg0 is up


class LacpHook(Protocol):
    """One lagg's LACP instance as the runtime drives it."""

    def attach(self, ports: LacpPorts, now: float) -> None: ...
    def detach(self, now: float) -> None: ...
    def configure(self, *, fast_timeout: bool, strict: bool, now: float) -> None: ...
    def port_added(self, port: LacpPort, now: float) -> None: ...
    def port_removed(self, port: LacpPort, now: float) -> None: ...
    def port_changed(self, port: LacpPort, now: float) -> None: ...
    def lagg_changed(self, now: float) -> None: ...
    def pdu_received(self, port: LacpPort, frame: bytes, now: float) -> None: ...
    def poll(self, now: float) -> None: ...
    def next_deadline(self) -> float | None: ...
    def port_status(self, port: LacpPort) -> tuple[PortFlag, LacpPortInfo] | None: ...
    def lag_id(self) -> tuple[LacpId, LacpId] | None: ...
    def flapping(self) -> int: ...
    def counters(self) -> dict[str, int]: ...


def _key(port: LacpPort) -> str:
    return str(port.ifindex)


def _port_number(ifindex: int) -> int:
    """FreeBSD's port number is the ifindex; 802.1AX has 16 bits for it (and 0 is reserved)."""
    return ifindex & 0xFFFF or 0xFFFF


class MachineHook:
    """:class:`LacpHook` around :class:`~lagg_ifconfig.lacp.LacpSystem` (see the module docstring)."""

    def __init__(self, *, fast_timeout: bool, strict: bool) -> None:
        self._fast_timeout = fast_timeout
        self._strict = strict
        self._ports: LacpPorts | None = None
        self._system: LacpSystem | None = None
        self._members: dict[str, LacpPort] = {}
        self._mux: dict[str, tuple[bool, bool]] = {}  # (collecting, distributing) as last told
        self._now = 0.0

    # -- driving the machine ----------------------------------------------------------------------

    def _clock(self, now: float) -> float:
        self._now = max(self._now, now)
        return self._now

    def _step(self, event: LacpEvent | None, now: float) -> None:
        """Feed ``event`` (if any), poll, and carry out the actions."""
        system, ports = self._system, self._ports
        if system is None or ports is None:
            return
        now = self._clock(now)
        if event is not None:
            system.handle(event, now)
        for action in system.poll(now):
            if isinstance(action, Transmit):
                member = self._members.get(action.port)
                if member is not None:
                    ports.transmit(member, action.frame)
            elif isinstance(action, SetCollecting):
                self._set_mux(action.port, collecting=action.enabled)
            elif isinstance(action, SetDistributing):
                self._set_mux(action.port, distributing=action.enabled)
            # LinkState needs no action: the runtime derives lagg0's carrier from the distributing ports.

    def _set_mux(self, key: str, *, collecting: bool | None = None, distributing: bool | None = None) -> None:
        """Tell the datapath what the mux machine now says for one port."""
        member, ports = self._members.get(key), self._ports
        if member is None or ports is None:
            return
        old_collecting, old_distributing = self._mux.get(key, (False, False))
        state = (
            old_collecting if collecting is None else collecting,
            old_distributing if distributing is None else distributing,
        )
        self._mux[key] = state
        ports.set_port(member, collecting=state[0], distributing=state[1])

    # -- LacpHook ---------------------------------------------------------------------------------

    def attach(self, ports: LacpPorts, now: float) -> None:
        self._ports = ports
        actor = ActorConfig(
            system=ports.lladdr_bytes,
            lagg_ifindex=ports.lagg_ifindex & 0xFFFF,
            fast_timeout=self._fast_timeout,
            strict=self._strict,
        )
        self._system = LacpSystem(actor)
        self._step(LacpEnabled(ports.running), now)

    def detach(self, now: float) -> None:
        for member in list(self._members.values()):
            self.port_removed(member, now)
        self._system = None
        self._ports = None

    def configure(self, *, fast_timeout: bool, strict: bool, now: float) -> None:
        self._fast_timeout, self._strict = fast_timeout, strict
        self._step(ActorChanged(fast_timeout=fast_timeout, strict=strict), now)

    def port_added(self, port: LacpPort, now: float) -> None:
        key = _key(port)
        if key in self._members or self._system is None:
            return
        self._members[key] = port
        event = PortAdded(key, _port_number(port.ifindex), port.speed, port.full_duplex, port.mac, port.active)
        self._step(event, now)

    def port_removed(self, port: LacpPort, now: float) -> None:
        key = _key(port)
        if key not in self._members:
            return
        self._step(PortRemoved(key), now)
        del self._members[key]
        self._mux.pop(key, None)

    def port_changed(self, port: LacpPort, now: float) -> None:
        key = _key(port)
        if key not in self._members:
            return
        self._step(PortEnabled(key, port.active, port.speed, port.full_duplex), now)

    def lagg_changed(self, now: float) -> None:
        ports = self._ports
        if ports is None:
            return
        self._step(ActorChanged(system=ports.lladdr_bytes), now)
        self._step(LacpEnabled(ports.running), now)

    def pdu_received(self, port: LacpPort, frame: bytes, now: float) -> None:
        key = _key(port)
        if key in self._members:
            self._step(PduReceived(key, frame), now)

    def poll(self, now: float) -> None:
        self._step(None, now)

    def next_deadline(self) -> float | None:
        return self._system.next_deadline() if self._system is not None else None

    # -- what status shows ------------------------------------------------------------------------

    def port_status(self, port: LacpPort) -> tuple[PortFlag, LacpPortInfo] | None:
        """``laggport:`` flags (ACTIVE = in the active aggregator) and the ``-v`` facts."""
        key = _key(port)
        if self._system is None or key not in self._members:
            return None
        status = self._system.snapshot().port(key)
        return status.flags, status.info()

    def lag_id(self) -> tuple[LacpId, LacpId] | None:
        return self._system.snapshot().lag_id if self._system is not None else None

    def flapping(self) -> int:
        return self._system.snapshot().flapping if self._system is not None else 0

    def counters(self) -> dict[str, int]:
        """The machine's counters (PDUs received and sent, bad PDUs, unknown slow protocols ...)."""
        if self._system is None:
            return {}
        stats = self._system.stats
        return {f"lacp_{name}": int(getattr(stats, name)) for name in stats.__dataclass_fields__}


def make_lacp_hook(*, fast_timeout: bool, strict: bool) -> LacpHook:
    """The LACP instance for a lagg switched to ``laggproto lacp``."""
    return MachineHook(fast_timeout=fast_timeout, strict=strict)
