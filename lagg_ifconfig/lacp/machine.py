"""The sans-IO LACP machine (IEEE 802.1AX-2008 clause 5.4, with FreeBSD's choices).

Theory of operation
-------------------
``LacpSystem`` is the whole LACP of one lagg, as a value that changes only when
it is told something.  It never reads a clock, a socket or a random source:

* ``handle(event, now)`` feeds it one fact: a port was added or removed, a
  port's link went up or down, the lagg went up or down, a frame arrived, the
  actor's identity or options changed;
* ``poll(now)`` lets it act: expired timers become events, then the Selection
  Logic, the Mux, the Periodic and the Transmit machines run, in that fixed
  order (FreeBSD's ``lacp_tick``), and it returns the actions the caller must
  perform: ``Transmit`` a frame, ``SetCollecting``/``SetDistributing`` on a
  port, ``LinkState`` of the lagg;
* ``next_deadline()`` says when ``poll`` must run next if nothing happens
  before (``None``: no timer is running).

Call ``poll`` after every ``handle``; ``now`` is any monotonic clock in
seconds and must never go back.

Each port runs the 802.1AX machines, each a method over a transition table
``dict[tuple[State, Event], State]`` in which an unlisted pair means "no
change": Receive (``_rx``), Periodic Transmission (``_periodic``), Mux
(``_mux``, the *independent control* variant: collecting and distributing are
enabled in two steps) and Transmit (``_tx``, NTT debounced: any number of
reasons to transmit in one ``poll`` give one LACPDU, at most three per second
per port).  Level-triggered conditions (``port_enabled``, ``Selected``,
``Partner.Synchronization``...) are turned into events by ``_*_condition``
helpers, global conditions first, and each machine loops until no transition
applies ("the mux drains").  Entry actions carry the standard's names
(``record_pdu``, ``record_default``, ``update_selected``,
``update_default_selected``, ``update_ntt``, ``choose_matched``) with its
pseudo-code in a comment above each.

FreeBSD's choices (spec §4): system id (0x8000, lagg MAC); port id (0x8000,
ifindex); the key from the speed and the lagg's ifindex, ``0x8000|ifindex``
for a port that is not aggregatable (link down or half duplex); always
active; ``lacp_fast_timeout`` sets TIMEOUT in the actor state; strict mode's
partner defaults (state 0, priorities 0xFFFF); a DEFAULTED port is never
selected (MAIN); the active aggregator has the greatest total speed
(``selection.py``); ``flapping`` counts DISTRIBUTING -> COLLECTING.

Mapping of the events onto 802.1AX variables: ``port_enabled`` is "link up
and lagg up" (``PortEnabled`` and ``LacpEnabled``); the per-port
``LACP_Enabled`` is "full duplex" (802.1AX: LACP runs on full-duplex links
only).  A lagg that is down is silent, as FreeBSD's is.

Faults: a malformed PDU, our own PDU looped back, a frame of another slow
protocol or an unexpected Marker Response are *peer* faults: counted in
``stats`` and per port, never raised.  Misuse of the API (unknown port, time
going back, bad values) raises ``LacpUsageError`` and changes nothing.

Scope cut
---------
One aggregation per lagg: ports are selected into the active aggregator only
(``selection.py``).  Marker PDUs are answered (Marker Responder), never
originated, so no "suppress distributing" wait.  No Churn Detection machines,
no STANDBY, no version-2 TLVs, administrative values fixed as in FreeBSD.

Deviations from the letter of 802.1AX, each FreeBSD's:

* a port whose Receive machine is not CURRENT is UNSELECTED (MAIN never
  selects a DEFAULTED port; the standard keeps an EXPIRED port selected);
* a disabled port forgets its partner (``lacp_port_disable``: recordDefault,
  state ``41<ACTIVITY,DEFAULTED>``), so ``port_moved`` can never be TRUE and
  is not modelled;
* DISTRIBUTING asserts NTT as the other Mux states do, so the partner sees
  the bit at once rather than a periodic interval later.

One deviation of our own: ``Ready`` also holds when every port that could
join (link up, full duplex) is already selected.  The aggregate wait (2 s)
exists to attach ports that are about to join together; with none left to
come there is nothing to wait for, so a lagg whose ports all hear the same
partner aggregates in one PDU exchange, as Open vSwitch does (bench/lacp.py).
A port that is up but has not heard its partner yet still makes the others
wait the full 2 s.

FreeBSD's own strict-mode quirk, setting the partner's SYNC bit whenever the
partner's view of us matches even if the partner does not claim SYNC, is not
copied: recordPDU follows the standard in both modes (strict mode selects
the partner defaults only).
"""

from __future__ import annotations

import enum
import math
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Final

from lagg_ifconfig.errors import LacpUsageError, PduError
from lagg_ifconfig.lacp.pdu import LacpPdu, MarkerPdu, MarkerTlv, UnknownSubtypeError, decode, encode
from lagg_ifconfig.lacp.selection import AggregatorId, Candidate, choose_aggregator
from lagg_ifconfig.model import LAGG_MAX_PORTS, LacpId, LacpPortInfo, LacpState, PortFlag

__all__ = [
    "AGGREGATE_WAIT_TIME",
    "FAST_PERIODIC_TIME",
    "LACP_PORT_PRIORITY",
    "LACP_SYSTEM_PRIORITY",
    "LONG_TIMEOUT_TIME",
    "MAX_TX_PER_PERIOD",
    "SHORT_TIMEOUT_TIME",
    "SLOW_PERIODIC_TIME",
    "ActorChanged",
    "ActorConfig",
    "LacpAction",
    "LacpEnabled",
    "LacpEvent",
    "LacpPortStatus",
    "LacpStats",
    "LacpStatus",
    "LacpSystem",
    "LinkState",
    "MuxState",
    "PduReceived",
    "PeriodicState",
    "PortAdded",
    "PortEnabled",
    "PortRemoved",
    "RxState",
    "Selected",
    "SetCollecting",
    "SetDistributing",
    "Transition",
    "Transmit",
    "compose_key",
    "speed_class",
]

# --------------------------------------------------------------------------- constants
#: 802.1AX 5.4.4 timer values, seconds (spec §4.2).
FAST_PERIODIC_TIME: Final = 1.0
SLOW_PERIODIC_TIME: Final = 30.0
SHORT_TIMEOUT_TIME: Final = 3.0
LONG_TIMEOUT_TIME: Final = 90.0
AGGREGATE_WAIT_TIME: Final = 2.0
#: At most this many LACPDUs per port in any FAST_PERIODIC_TIME (802.1AX 5.4.16).
MAX_TX_PER_PERIOD: Final = 3
#: Marker Responses per port per second; the Slow Protocols budget is 10 frames/s (802.3 57A.3).
MAX_MARKER_RESPONSES_PER_SECOND: Final = 5
#: FreeBSD's fixed actor priorities (lagg.4 BUGS).
LACP_SYSTEM_PRIORITY: Final = 0x8000
LACP_PORT_PRIORITY: Final = 0x8000
#: Length of ``LacpSystem.trace``.
TRACE_LENGTH: Final = 512

_ZERO_MAC: Final = bytes(6)
_IFM_UNKNOWN: Final = 25


def _ifm_x(subtype: int) -> int:
    """FreeBSD's IFM_X(): extended Ethernet media subtypes spill into option bits 11-14."""
    return (subtype & 0x1F) | ((subtype & 0x1E0) << 6)


#: Speed (Mb/s) -> FreeBSD's canonical media subtype for it (lacp_compose_key).
_SPEED_CLASS: Final[dict[int, int]] = {
    10: 3,  # IFM_10_T
    100: 6,  # IFM_100_TX
    1_000: 11,  # IFM_1000_SX
    2_500: _ifm_x(36),  # IFM_2500_KX
    5_000: _ifm_x(38),  # IFM_5000_T
    10_000: 18,  # IFM_10G_LR
    20_000: _ifm_x(35),  # IFM_20G_KR2
    25_000: _ifm_x(40),  # IFM_25G_PCIE
    40_000: 27,  # IFM_40G_CR4
    50_000: _ifm_x(39),  # IFM_50G_PCIE
    56_000: _ifm_x(51),  # IFM_56G_R4
    100_000: _ifm_x(47),  # IFM_100G_CR4
    200_000: _ifm_x(103),  # IFM_200G_CR4_PAM4
    400_000: _ifm_x(113),  # IFM_400G_FR8
}


def speed_class(speed_mbps: int) -> int:
    """The media subtype FreeBSD puts in the low bits of the key (IFM_UNKNOWN if none)."""
    return _SPEED_CLASS.get(speed_mbps, _IFM_UNKNOWN)


def compose_key(speed_mbps: int, lagg_ifindex: int, port_number: int, aggregatable: bool) -> int:
    """FreeBSD's actor key (spec §4.3).

    ``speedclass | ((lagg_ifindex << 5) & 0x7fe0)`` for an aggregatable port;
    ``0x8000 | ifindex`` (a key no other port has) for one that is not.
    """
    if not aggregatable:
        return (0x8000 | port_number) & 0xFFFF
    return (speed_class(speed_mbps) | ((lagg_ifindex << 5) & 0x7FE0)) & 0xFFFF


# --------------------------------------------------------------------------- configuration
def _check_mac(what: str, value: object) -> None:
    if not isinstance(value, bytes) or len(value) != 6:
        raise LacpUsageError(f"{what} must be 6 bytes, not {value!r}")


def _check_u16(what: str, value: object, *, low: int = 0) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= 0xFFFF:
        raise LacpUsageError(f"{what} must be an integer in {low}..65535, not {value!r}")


@dataclass(frozen=True)
class ActorConfig:
    """Our side of LACP (spec §4.2, §4.3).

    ``system`` is the lagg's MAC, ``lagg_ifindex`` goes into the key; ``key``
    overrides FreeBSD's key for aggregatable ports.  ``strict`` is
    ``lacp_strict`` (partner defaults with state 0), ``fast_timeout`` is
    ``lacp_fast_timeout``.  FreeBSD is always ``active``.
    """

    system: bytes
    lagg_ifindex: int = 0
    system_priority: int = LACP_SYSTEM_PRIORITY
    port_priority: int = LACP_PORT_PRIORITY
    active: bool = True
    fast_timeout: bool = False
    strict: bool = True
    key: int | None = None

    def __post_init__(self) -> None:
        _check_mac("actor system", self.system)
        _check_u16("lagg ifindex", self.lagg_ifindex)
        _check_u16("system priority", self.system_priority)
        _check_u16("port priority", self.port_priority)
        if self.key is not None:
            _check_u16("key", self.key)


# --------------------------------------------------------------------------- events
@dataclass(frozen=True)
class PortAdded:
    """A port joins the lagg; ``port_number`` is its ifindex, ``enabled`` its link."""

    port: str
    port_number: int
    speed_mbps: int
    full_duplex: bool
    mac: bytes
    enabled: bool = False


@dataclass(frozen=True)
class PortRemoved:
    """A port leaves the lagg (``-laggport``, interface gone)."""

    port: str


@dataclass(frozen=True)
class PortEnabled:
    """A port's link went up or down; speed and duplex may come with it."""

    port: str
    enabled: bool
    speed_mbps: int | None = None
    full_duplex: bool | None = None


@dataclass(frozen=True)
class LacpEnabled:
    """The lagg went up (True) or down (False); a new ``LacpSystem`` starts down."""

    enabled: bool


@dataclass(frozen=True)
class PduReceived:
    """A Slow Protocols frame arrived on ``port`` (raw frame or already decoded)."""

    port: str
    pdu: LacpPdu | MarkerPdu | bytes


@dataclass(frozen=True)
class ActorChanged:
    """The lagg's MAC, ``lacp_fast_timeout``, ``lacp_strict`` or activity changed (None = same)."""

    system: bytes | None = None
    fast_timeout: bool | None = None
    strict: bool | None = None
    active: bool | None = None


LacpEvent = PortAdded | PortRemoved | PortEnabled | LacpEnabled | PduReceived | ActorChanged


# --------------------------------------------------------------------------- actions
@dataclass(frozen=True)
class Transmit:
    """Send ``frame`` (a whole Ethernet frame) on ``port``; ``pdu`` is what it carries."""

    port: str
    frame: bytes
    pdu: LacpPdu | MarkerPdu


@dataclass(frozen=True)
class SetCollecting:
    """Accept (or drop) frames received on ``port`` (802.1AX Enable/Disable_Collecting)."""

    port: str
    enabled: bool


@dataclass(frozen=True)
class SetDistributing:
    """Send (or stop sending) lagg traffic on ``port`` (Enable/Disable_Distributing)."""

    port: str
    enabled: bool


@dataclass(frozen=True)
class LinkState:
    """The lagg's carrier: up iff at least one port distributes in the active aggregator."""

    up: bool


LacpAction = Transmit | SetCollecting | SetDistributing | LinkState


# --------------------------------------------------------------------------- states
class RxState(enum.Enum):
    """Receive machine (802.1AX 5.4.12)."""

    INITIALIZE = enum.auto()
    PORT_DISABLED = enum.auto()
    EXPIRED = enum.auto()
    LACP_DISABLED = enum.auto()
    DEFAULTED = enum.auto()
    CURRENT = enum.auto()


class RxEvent(enum.Enum):
    BEGIN = enum.auto()
    UCT = enum.auto()  # unconditional transfer
    PORT_DISABLED = enum.auto()  # !port_enabled (or !LACP_Enabled while running)
    PORT_ENABLED_LACP = enum.auto()  # port_enabled && LACP_Enabled
    PORT_ENABLED_NO_LACP = enum.auto()  # port_enabled && !LACP_Enabled
    LACP_ENABLED = enum.auto()
    PDU_RECEIVED = enum.auto()
    CURRENT_WHILE_EXPIRED = enum.auto()


_RX_RUNNING: Final = (RxState.EXPIRED, RxState.DEFAULTED, RxState.CURRENT)

_RX_TABLE: Final[dict[tuple[RxState, RxEvent], RxState]] = {
    **{(s, RxEvent.BEGIN): RxState.INITIALIZE for s in RxState},
    **{(s, RxEvent.PORT_DISABLED): RxState.PORT_DISABLED for s in (*_RX_RUNNING, RxState.LACP_DISABLED)},
    (RxState.INITIALIZE, RxEvent.UCT): RxState.PORT_DISABLED,
    (RxState.PORT_DISABLED, RxEvent.PORT_ENABLED_LACP): RxState.EXPIRED,
    (RxState.PORT_DISABLED, RxEvent.PORT_ENABLED_NO_LACP): RxState.LACP_DISABLED,
    (RxState.LACP_DISABLED, RxEvent.LACP_ENABLED): RxState.PORT_DISABLED,
    (RxState.EXPIRED, RxEvent.PDU_RECEIVED): RxState.CURRENT,
    (RxState.EXPIRED, RxEvent.CURRENT_WHILE_EXPIRED): RxState.DEFAULTED,
    (RxState.DEFAULTED, RxEvent.PDU_RECEIVED): RxState.CURRENT,
    (RxState.CURRENT, RxEvent.PDU_RECEIVED): RxState.CURRENT,
    (RxState.CURRENT, RxEvent.CURRENT_WHILE_EXPIRED): RxState.EXPIRED,
}


class PeriodicState(enum.Enum):
    """Periodic Transmission machine (802.1AX 5.4.13)."""

    NO_PERIODIC = enum.auto()
    FAST_PERIODIC = enum.auto()
    SLOW_PERIODIC = enum.auto()
    PERIODIC_TX = enum.auto()


class PeriodicEvent(enum.Enum):
    NO_PERIODIC = enum.auto()  # BEGIN || !LACP_Enabled || !port_enabled || both passive
    UCT = enum.auto()
    PERIODIC_TIMER_EXPIRED = enum.auto()
    PARTNER_SHORT_TIMEOUT = enum.auto()
    PARTNER_LONG_TIMEOUT = enum.auto()


_PERIODIC_TABLE: Final[dict[tuple[PeriodicState, PeriodicEvent], PeriodicState]] = {
    **{
        (s, PeriodicEvent.NO_PERIODIC): PeriodicState.NO_PERIODIC
        for s in PeriodicState
        if s is not PeriodicState.NO_PERIODIC
    },
    (PeriodicState.NO_PERIODIC, PeriodicEvent.UCT): PeriodicState.FAST_PERIODIC,
    (PeriodicState.FAST_PERIODIC, PeriodicEvent.PERIODIC_TIMER_EXPIRED): PeriodicState.PERIODIC_TX,
    (PeriodicState.FAST_PERIODIC, PeriodicEvent.PARTNER_LONG_TIMEOUT): PeriodicState.SLOW_PERIODIC,
    (PeriodicState.SLOW_PERIODIC, PeriodicEvent.PERIODIC_TIMER_EXPIRED): PeriodicState.PERIODIC_TX,
    (PeriodicState.SLOW_PERIODIC, PeriodicEvent.PARTNER_SHORT_TIMEOUT): PeriodicState.PERIODIC_TX,
    (PeriodicState.PERIODIC_TX, PeriodicEvent.PARTNER_SHORT_TIMEOUT): PeriodicState.FAST_PERIODIC,
    (PeriodicState.PERIODIC_TX, PeriodicEvent.PARTNER_LONG_TIMEOUT): PeriodicState.SLOW_PERIODIC,
}


class MuxState(enum.Enum):
    """Mux machine, independent control (802.1AX 5.4.15, Figure 5-15)."""

    DETACHED = enum.auto()
    WAITING = enum.auto()
    ATTACHED = enum.auto()
    COLLECTING = enum.auto()
    DISTRIBUTING = enum.auto()


class MuxEvent(enum.Enum):
    UNSELECTED = enum.auto()
    STANDBY = enum.auto()
    PARTNER_OUT_OF_SYNC = enum.auto()
    PARTNER_NOT_COLLECTING = enum.auto()
    SELECTED = enum.auto()
    READY = enum.auto()  # Selected == SELECTED && Ready
    PARTNER_IN_SYNC = enum.auto()  # Selected == SELECTED && Partner.Sync
    PARTNER_COLLECTING = enum.auto()  # ... && Partner.Collecting


_MUX_TABLE: Final[dict[tuple[MuxState, MuxEvent], MuxState]] = {
    (MuxState.DETACHED, MuxEvent.SELECTED): MuxState.WAITING,
    (MuxState.DETACHED, MuxEvent.STANDBY): MuxState.WAITING,
    (MuxState.WAITING, MuxEvent.UNSELECTED): MuxState.DETACHED,
    (MuxState.WAITING, MuxEvent.READY): MuxState.ATTACHED,
    (MuxState.ATTACHED, MuxEvent.UNSELECTED): MuxState.DETACHED,
    (MuxState.ATTACHED, MuxEvent.STANDBY): MuxState.DETACHED,
    (MuxState.ATTACHED, MuxEvent.PARTNER_IN_SYNC): MuxState.COLLECTING,
    (MuxState.COLLECTING, MuxEvent.UNSELECTED): MuxState.ATTACHED,
    (MuxState.COLLECTING, MuxEvent.STANDBY): MuxState.ATTACHED,
    (MuxState.COLLECTING, MuxEvent.PARTNER_OUT_OF_SYNC): MuxState.ATTACHED,
    (MuxState.COLLECTING, MuxEvent.PARTNER_COLLECTING): MuxState.DISTRIBUTING,
    (MuxState.DISTRIBUTING, MuxEvent.UNSELECTED): MuxState.COLLECTING,
    (MuxState.DISTRIBUTING, MuxEvent.STANDBY): MuxState.COLLECTING,
    (MuxState.DISTRIBUTING, MuxEvent.PARTNER_OUT_OF_SYNC): MuxState.COLLECTING,
    (MuxState.DISTRIBUTING, MuxEvent.PARTNER_NOT_COLLECTING): MuxState.COLLECTING,
}

_MUX_ATTACHED: Final = (MuxState.ATTACHED, MuxState.COLLECTING, MuxState.DISTRIBUTING)


class Selected(enum.Enum):
    """802.1AX ``Selected`` variable."""

    UNSELECTED = enum.auto()
    SELECTED = enum.auto()
    STANDBY = enum.auto()


#: Bits compared by update_Selected / update_Default_Selected / choose_matched.
_SELECTED_BITS: Final = LacpState.AGGREGATION
#: Bits compared by update_NTT.
_NTT_BITS: Final = LacpState.ACTIVITY | LacpState.TIMEOUT | LacpState.SYNC | LacpState.AGGREGATION
#: Partner admin state of non-strict ("optimistic") mode (spec §4.4).
_OPTIMISTIC_STATE: Final = LacpState.SYNC | LacpState.AGGREGATION | LacpState.COLLECTING | LacpState.DISTRIBUTING
#: Partner admin id in both modes: priorities 0xFFFF, the rest zero (spec §4.5).
_PARTNER_ADMIN: Final = LacpId(0xFFFF, _ZERO_MAC, 0, 0xFFFF, 0)


# --------------------------------------------------------------------------- read-only values
@dataclass(frozen=True)
class Transition:
    """One entry of ``LacpSystem.trace``: ``machine`` of ``port`` went ``old`` -> ``new`` on ``event``."""

    now: float
    machine: str
    port: str
    old: str
    event: str
    new: str


@dataclass(frozen=True)
class LacpStats:
    """Counters of the whole system; peer faults end up here, never as exceptions."""

    lacpdus_rx: int = 0
    lacpdus_tx: int = 0
    markers_rx: int = 0
    marker_responses_tx: int = 0
    marker_responses_dropped: int = 0
    unexpected_marker_responses: int = 0
    bad_pdus: int = 0
    unknown_subtype: int = 0
    looped_back: int = 0
    ignored: int = 0
    tx_rate_limited: int = 0


@dataclass(frozen=True)
class LacpPortStatus:
    """One port as ``snapshot`` saw it: ids, state bits, machine states, timers, counters."""

    name: str
    port_number: int
    enabled: bool
    full_duplex: bool
    speed_mbps: int
    actor: LacpId
    actor_state: LacpState
    partner: LacpId
    partner_state: LacpState
    selected: bool
    active: bool
    rx_state: str
    mux_state: str
    periodic_state: str
    ntt: bool
    current_while: float | None
    periodic_timer: float | None
    wait_while: float | None
    lacpdus_rx: int
    lacpdus_tx: int
    markers_rx: int
    marker_responses_tx: int
    bad_pdus: int

    @property
    def collecting(self) -> bool:
        return LacpState.COLLECTING in self.actor_state

    @property
    def distributing(self) -> bool:
        return LacpState.DISTRIBUTING in self.actor_state

    @property
    def flags(self) -> PortFlag:
        """``laggport: ... flags=`` bits (spec §3.2): ACTIVE, COLLECTING, DISTRIBUTING."""
        flags = PortFlag(0)
        if self.active:
            flags |= PortFlag.ACTIVE
        if self.collecting:
            flags |= PortFlag.COLLECTING
        if self.distributing:
            flags |= PortFlag.DISTRIBUTING
        return flags

    def info(self) -> LacpPortInfo:
        return LacpPortInfo(self.actor_state, self.actor, self.partner, self.partner_state)


@dataclass(frozen=True)
class LacpStatus:
    """What ``ifconfig -v`` and a live view need (spec §4.5, §5.3); ports in addition order."""

    lag_id: tuple[LacpId, LacpId] | None
    active_ports: int
    flapping: int
    lacp_enabled: bool
    link_up: bool
    ports: tuple[LacpPortStatus, ...]
    stats: LacpStats

    def port(self, name: str) -> LacpPortStatus:
        for port in self.ports:
            if port.name == name:
                return port
        raise KeyError(name)

    def port_info(self, name: str) -> LacpPortInfo:
        """``model.LacpPortInfo`` of ``name`` for the status renderer."""
        return self.port(name).info()


# --------------------------------------------------------------------------- per-port state
class _Port:
    """Mutable per-port variables of 802.1AX 5.4.7/5.4.9; never leaves this module."""

    def __init__(self, event: PortAdded) -> None:
        self.name = event.port
        self.number = event.port_number
        self.mac = event.mac
        self.speed = event.speed_mbps
        self.full_duplex = event.full_duplex
        self.link_up = event.enabled
        self.key = 0
        self.state = LacpState(0)  # Actor_Oper_Port_State
        self.partner = _PARTNER_ADMIN  # Partner_Oper_* ids
        self.partner_state = LacpState(0)  # Partner_Oper_Port_State
        self.selected = Selected.UNSELECTED
        self.rx = RxState.INITIALIZE
        self.mux = MuxState.DETACHED
        self.periodic = PeriodicState.NO_PERIODIC
        self.current_while: float | None = None
        self.periodic_timer: float | None = None
        self.wait_while: float | None = None
        self.ready_n = False
        self.ntt = False
        self.collecting_on = False  # what the datapath was last told
        self.distributing_on = False
        self.tx_times: deque[float] = deque()
        self.marker_times: deque[float] = deque()
        self.lacpdus_rx = 0
        self.lacpdus_tx = 0
        self.markers_rx = 0
        self.marker_responses_tx = 0
        self.bad_pdus = 0

    @property
    def aggregatable(self) -> bool:
        """FreeBSD: Ethernet, full duplex and link up (spec §4.3)."""
        return self.link_up and self.full_duplex


def _window_allows(times: deque[float], now: float, limit: int) -> bool:
    """At most ``limit`` entries in any [t, t + 1 s): drop old ones, then check room."""
    while times and now >= times[0] + FAST_PERIODIC_TIME:
        times.popleft()
    return len(times) < limit


# --------------------------------------------------------------------------- the system
class LacpSystem:
    """All LACP state of one lagg; see the module docstring."""

    def __init__(self, actor: ActorConfig) -> None:
        if not isinstance(actor, ActorConfig):
            raise LacpUsageError(f"actor must be an ActorConfig, not {type(actor).__name__}")
        self._actor = actor
        self._lacp_up = False
        self._ports: dict[str, _Port] = {}
        self._aggregator: AggregatorId | None = None
        self._flapping = 0
        self._actions: list[LacpAction] = []
        self._reported_link: bool | None = None
        self._last_now = -math.inf
        self._trace: deque[Transition] = deque(maxlen=TRACE_LENGTH)
        self._stats: dict[str, int] = dict.fromkeys(LacpStats.__dataclass_fields__, 0)
        # LACPDU times of ports removed in the last second: a port removed and added
        # again is the same wire, and the rate limit is about the wire.
        self._recent_tx: dict[str, tuple[deque[float], float]] = {}

    # ----------------------------------------------------------------- public API
    @property
    def actor(self) -> ActorConfig:
        return self._actor

    @property
    def trace(self) -> Sequence[Transition]:
        """The last ``TRACE_LENGTH`` transitions, oldest first."""
        return tuple(self._trace)

    @property
    def stats(self) -> LacpStats:
        return LacpStats(**self._stats)

    def handle(self, event: LacpEvent, now: float) -> None:
        """Feed one event; follow with ``poll(now)``.  Misuse raises ``LacpUsageError``."""
        self._check_time(now)
        if isinstance(event, PortAdded):
            self._validate_port_added(event)
            self._last_now = now
            self._port_added(event, now)
        elif isinstance(event, PortRemoved):
            port = self._port(event.port)
            self._last_now = now
            self._port_removed(port, now)
        elif isinstance(event, PortEnabled):
            port = self._port(event.port)
            _check_bool("enabled", event.enabled)
            self._validate_media(event.speed_mbps, event.full_duplex)
            self._last_now = now
            self._port_enabled(port, event, now)
        elif isinstance(event, LacpEnabled):
            _check_bool("enabled", event.enabled)
            self._last_now = now
            self._lacp_enabled(event.enabled, now)
        elif isinstance(event, PduReceived):
            port = self._port(event.port)
            if not isinstance(event.pdu, LacpPdu | MarkerPdu | bytes | bytearray | memoryview):
                raise LacpUsageError(f"pdu must be bytes or a decoded PDU, not {type(event.pdu).__name__}")
            self._last_now = now
            self._pdu_received(port, event.pdu, now)
        elif isinstance(event, ActorChanged):
            self._validate_actor_changed(event)
            self._last_now = now
            self._actor_changed(event, now)
        else:
            raise LacpUsageError(f"not an LACP event: {event!r}")

    def poll(self, now: float) -> list[LacpAction]:
        """Run expired timers and the machines; return what the caller must do, in order."""
        self._check_time(now)
        self._last_now = now
        for port in list(self._ports.values()):
            self._run_timers(port, now)
        for _ in range(4 * (len(self._ports) + 2)):
            changed = self._selection(now)
            for port in self._ports.values():
                changed |= self._mux(port, now)
            if not changed:
                break
        for port in self._ports.values():
            self._periodic(port, None, now)
        for port in self._ports.values():
            self._tx(port, now)
        link = self._active_ports() > 0
        if link != self._reported_link:
            self._reported_link = link
            self._actions.append(LinkState(link))
        actions, self._actions = self._actions, []
        return actions

    def next_deadline(self) -> float | None:
        """The earliest time ``poll`` has work to do, or ``None`` if no timer runs."""
        deadlines: list[float] = []
        for port in self._ports.values():
            for deadline in (port.current_while, port.periodic_timer, port.wait_while):
                if deadline is not None:
                    deadlines.append(deadline)
            if port.ntt and self._can_transmit(port) and len(port.tx_times) >= MAX_TX_PER_PERIOD:
                deadlines.append(port.tx_times[0] + FAST_PERIODIC_TIME)
        return min(deadlines, default=None)

    def snapshot(self) -> LacpStatus:
        """A frozen view of everything a status renderer or live view prints."""
        active = self._active_ports() > 0
        lag_id = None
        if active and self._aggregator is not None:
            agg = self._aggregator
            lag_id = (
                LacpId(self._actor.system_priority, self._actor.system, agg.actor_key, 0, 0),
                LacpId(agg.partner_system_priority, agg.partner_system, agg.partner_key, 0, 0),
            )
        ports = tuple(
            LacpPortStatus(
                name=p.name,
                port_number=p.number,
                enabled=p.link_up,
                full_duplex=p.full_duplex,
                speed_mbps=p.speed,
                actor=self._actor_id(p),
                actor_state=p.state,
                partner=p.partner,
                partner_state=p.partner_state,
                selected=p.selected is Selected.SELECTED,
                active=active and p.selected is Selected.SELECTED,
                rx_state=p.rx.name,
                mux_state=p.mux.name,
                periodic_state=p.periodic.name,
                ntt=p.ntt,
                current_while=p.current_while,
                periodic_timer=p.periodic_timer,
                wait_while=p.wait_while,
                lacpdus_rx=p.lacpdus_rx,
                lacpdus_tx=p.lacpdus_tx,
                markers_rx=p.markers_rx,
                marker_responses_tx=p.marker_responses_tx,
                bad_pdus=p.bad_pdus,
            )
            for p in self._ports.values()
        )
        return LacpStatus(
            lag_id=lag_id,
            active_ports=self._active_ports(),
            flapping=self._flapping,
            lacp_enabled=self._lacp_up,
            link_up=bool(self._reported_link),
            ports=ports,
            stats=self.stats,
        )

    # ----------------------------------------------------------------- validation
    def _check_time(self, now: float) -> None:
        if not isinstance(now, int | float) or isinstance(now, bool) or not math.isfinite(now):
            raise LacpUsageError(f"now must be a finite number of seconds, not {now!r}")
        if now < self._last_now:
            raise LacpUsageError(f"time went back: {now} < {self._last_now}")

    def _port(self, name: str) -> _Port:
        try:
            return self._ports[name]
        except (KeyError, TypeError):
            raise LacpUsageError(f"{name!r} is not a port of this lagg") from None

    def _validate_port_added(self, event: PortAdded) -> None:
        if not isinstance(event.port, str) or not event.port:
            raise LacpUsageError(f"port name must be a non-empty string, not {event.port!r}")
        if event.port in self._ports:
            raise LacpUsageError(f"{event.port} is already a port of this lagg")
        _check_u16("port number", event.port_number, low=1)
        if any(p.number == event.port_number for p in self._ports.values()):
            raise LacpUsageError(f"port number {event.port_number} is already in use")
        if len(self._ports) >= LAGG_MAX_PORTS:
            raise LacpUsageError(f"a lagg has at most {LAGG_MAX_PORTS} ports")
        _check_mac("port MAC", event.mac)
        if event.speed_mbps is None:
            raise LacpUsageError("speed must be given (Mb/s, 0 if unknown)")
        self._validate_media(event.speed_mbps, event.full_duplex)
        _check_bool("full_duplex", event.full_duplex)
        _check_bool("enabled", event.enabled)

    @staticmethod
    def _validate_media(speed: object, duplex: object) -> None:
        if speed is not None and (not isinstance(speed, int) or isinstance(speed, bool) or speed < 0):
            raise LacpUsageError(f"speed must be a non-negative integer (Mb/s), not {speed!r}")
        if duplex is not None:
            _check_bool("full_duplex", duplex)

    @staticmethod
    def _validate_actor_changed(event: ActorChanged) -> None:
        if event.system is not None:
            _check_mac("actor system", event.system)
        for name in ("fast_timeout", "strict", "active"):
            value = getattr(event, name)
            if value is not None:
                _check_bool(name, value)

    # ----------------------------------------------------------------- event handlers
    def _port_added(self, event: PortAdded, now: float) -> None:
        port = _Port(event)
        self._recent_tx = {n: r for n, r in self._recent_tx.items() if now < r[1] + FAST_PERIODIC_TIME}
        if port.name in self._recent_tx:
            port.tx_times = self._recent_tx.pop(port.name)[0]
        self._ports[port.name] = port
        self._refresh_actor(port, now)
        self._mux_enter(port, MuxState.DETACHED, now)
        self._rx(port, RxEvent.BEGIN, now)

    def _port_removed(self, port: _Port, now: float) -> None:
        self._set_distributing(port, False)
        self._set_collecting(port, False)
        del self._ports[port.name]
        if port.tx_times:
            self._recent_tx[port.name] = (port.tx_times, port.tx_times[-1])
        self._record(now, "port", port.name, port.mux.name, "PortRemoved", "REMOVED")

    def _port_enabled(self, port: _Port, event: PortEnabled, now: float) -> None:
        port.link_up = event.enabled
        if event.speed_mbps is not None:
            port.speed = event.speed_mbps
        if event.full_duplex is not None:
            port.full_duplex = event.full_duplex
        self._refresh_actor(port, now)
        self._rx_settle(port, now)

    def _lacp_enabled(self, enabled: bool, now: float) -> None:
        if enabled == self._lacp_up:
            return
        self._lacp_up = enabled
        self._record(now, "lagg", "", str(not enabled), "LacpEnabled", str(enabled))
        for port in self._ports.values():
            self._rx_settle(port, now)

    def _actor_changed(self, event: ActorChanged, now: float) -> None:
        old = self._actor
        new = replace(
            old,
            system=old.system if event.system is None else event.system,
            fast_timeout=old.fast_timeout if event.fast_timeout is None else event.fast_timeout,
            strict=old.strict if event.strict is None else event.strict,
            active=old.active if event.active is None else event.active,
        )
        if new == old:
            return
        self._actor = new
        self._record(now, "actor", "", repr(old), "ActorChanged", repr(new))
        for port in self._ports.values():
            if new.system != old.system:
                # Our identity changed: every aggregation must be formed again.
                port.selected = Selected.UNSELECTED
                port.partner_state &= ~LacpState.SYNC
            if new.strict != old.strict and port.rx is RxState.DEFAULTED:
                self._update_default_selected(port)
                self._record_default(port)
            self._refresh_actor(port, now)
            port.ntt = True

    def _pdu_received(self, port: _Port, raw: LacpPdu | MarkerPdu | bytes, now: float) -> None:
        if isinstance(raw, LacpPdu | MarkerPdu):
            pdu: LacpPdu | MarkerPdu = raw
        else:
            try:
                pdu = decode(raw)
            except UnknownSubtypeError:
                self._stats["unknown_subtype"] += 1
                return
            except PduError as exc:
                self._stats["bad_pdus"] += 1
                port.bad_pdus += 1
                self._record(now, "rx", port.name, port.rx.name, f"bad PDU: {exc}", port.rx.name)
                return
        if isinstance(pdu, MarkerPdu):
            self._marker_received(port, pdu, now)
            return
        self._stats["lacpdus_rx"] += 1
        port.lacpdus_rx += 1
        ours = (self._actor.system_priority, self._actor.system)
        if (pdu.actor_system_priority, pdu.actor_system) == ours:
            self._stats["looped_back"] += 1
            return
        if not self._rx(port, RxEvent.PDU_RECEIVED, now, pdu):
            self._stats["ignored"] += 1

    def _marker_received(self, port: _Port, pdu: MarkerPdu, now: float) -> None:
        """Marker Responder (802.1AX 5.5.4): answer Marker Information on the same port."""
        self._stats["markers_rx"] += 1
        port.markers_rx += 1
        if pdu.tlv_type is MarkerTlv.RESPONSE:
            self._stats["unexpected_marker_responses"] += 1  # we never originate markers
            return
        if not (self._port_enabled_var(port) and port.full_duplex):
            self._stats["ignored"] += 1
            return
        if not _window_allows(port.marker_times, now, MAX_MARKER_RESPONSES_PER_SECOND):
            self._stats["marker_responses_dropped"] += 1
            return
        response = pdu.response()
        port.marker_times.append(now)
        port.marker_responses_tx += 1
        self._stats["marker_responses_tx"] += 1
        self._actions.append(Transmit(port.name, encode(response, port.mac), response))

    # ----------------------------------------------------------------- variables
    def _port_enabled_var(self, port: _Port) -> bool:
        """802.1AX ``port_enabled``: the link is up and the lagg is up."""
        return port.link_up and self._lacp_up

    def _actor_id(self, port: _Port) -> LacpId:
        return LacpId(self._actor.system_priority, self._actor.system, port.key, self._actor.port_priority, port.number)

    def _refresh_actor(self, port: _Port, now: float) -> None:
        """Actor admin bits and key from the config and the media (FreeBSD lacp_linkstate)."""
        keep = port.state & ~(LacpState.ACTIVITY | LacpState.TIMEOUT | LacpState.AGGREGATION)
        state = keep
        if self._actor.active:
            state |= LacpState.ACTIVITY
        if self._actor.fast_timeout:
            state |= LacpState.TIMEOUT
        if port.aggregatable:
            state |= LacpState.AGGREGATION
        key = compose_key(port.speed, self._actor.lagg_ifindex, port.number, port.aggregatable)
        if port.aggregatable and self._actor.key is not None:
            key = self._actor.key
        if key != port.key or (state ^ port.state) & LacpState.AGGREGATION:
            if port.selected is not Selected.UNSELECTED:
                self._record(now, "selection", port.name, port.selected.name, "actor key", "UNSELECTED")
            port.selected = Selected.UNSELECTED
        if key != port.key or state != port.state:
            port.ntt = True
        port.key = key
        port.state = state

    def _set_collecting(self, port: _Port, enabled: bool) -> None:
        if port.collecting_on != enabled:
            port.collecting_on = enabled
            self._actions.append(SetCollecting(port.name, enabled))

    def _set_distributing(self, port: _Port, enabled: bool) -> None:
        if port.distributing_on != enabled:
            port.distributing_on = enabled
            self._actions.append(SetDistributing(port.name, enabled))

    def _active_ports(self) -> int:
        return sum(
            1 for p in self._ports.values() if p.mux is MuxState.DISTRIBUTING and p.selected is Selected.SELECTED
        )

    def _record(  # noqa: PLR0917  (a trace entry is six positional facts)
        self, now: float, machine: str, port: str, old: str, event: str, new: str
    ) -> None:
        self._trace.append(Transition(now, machine, port, old, event, new))

    # ----------------------------------------------------------------- timers
    def _run_timers(self, port: _Port, now: float) -> None:
        if port.current_while is not None and now >= port.current_while:
            port.current_while = None
            self._rx(port, RxEvent.CURRENT_WHILE_EXPIRED, now)
        if port.periodic_timer is not None and now >= port.periodic_timer:
            port.periodic_timer = None
            self._periodic(port, PeriodicEvent.PERIODIC_TIMER_EXPIRED, now)
        if port.wait_while is not None and now >= port.wait_while:
            port.wait_while = None
            port.ready_n = True
            self._record(now, "mux", port.name, port.mux.name, "wait_while expired", port.mux.name)

    # ----------------------------------------------------------------- Receive machine
    def _rx(self, port: _Port, event: RxEvent, now: float, pdu: LacpPdu | None = None) -> bool:
        """One Receive machine event; True if it caused a transition."""
        new = _RX_TABLE.get((port.rx, event))
        if new is None:
            return False
        self._rx_enter(port, new, event, now, pdu)
        self._rx_settle(port, now)
        return True

    def _rx_condition(self, port: _Port) -> RxEvent | None:
        """The level-triggered condition that holds now, global ones first."""
        enabled = self._port_enabled_var(port)
        if port.rx is RxState.INITIALIZE:
            return RxEvent.UCT
        if port.rx is not RxState.PORT_DISABLED and not enabled:
            return RxEvent.PORT_DISABLED
        if port.rx is RxState.PORT_DISABLED:
            if enabled:
                return RxEvent.PORT_ENABLED_LACP if port.full_duplex else RxEvent.PORT_ENABLED_NO_LACP
            return None
        if port.rx is RxState.LACP_DISABLED:
            return RxEvent.LACP_ENABLED if port.full_duplex else None
        if not port.full_duplex:  # LACP_Enabled went FALSE while running
            return RxEvent.PORT_DISABLED
        return None

    def _rx_settle(self, port: _Port, now: float) -> None:
        for _ in range(len(RxState) * 2):
            event = self._rx_condition(port)
            new = None if event is None else _RX_TABLE.get((port.rx, event))
            if event is None or new is None:
                return
            self._rx_enter(port, new, event, now, None)

    def _rx_enter(self, port: _Port, new: RxState, event: RxEvent, now: float, pdu: LacpPdu | None) -> None:
        self._record(now, "rx", port.name, port.rx.name, event.name, new.name)
        port.rx = new
        if new not in _RX_RUNNING:
            port.current_while = None
        if new is RxState.INITIALIZE:
            # Selected = UNSELECTED; recordDefault(); Actor_Oper_Port_State.Expired = FALSE;
            # port_moved = FALSE;
            port.selected = Selected.UNSELECTED
            self._record_default(port)
            port.state &= ~LacpState.EXPIRED
        elif new is RxState.PORT_DISABLED:
            # Partner_Oper_Port_State.Synchronization = FALSE;
            # FreeBSD (lacp_port_disable) forgets the partner too: Selected = UNSELECTED;
            # recordDefault(); Partner_Oper_Port_State.Aggregation = FALSE;
            # Actor_Oper_Port_State.Expired = FALSE;  -> state=41<ACTIVITY,DEFAULTED> (spec §4.1).
            # So port_moved can never become TRUE: it is not modelled.
            port.selected = Selected.UNSELECTED
            self._record_default(port)
            port.partner_state &= ~(LacpState.SYNC | LacpState.AGGREGATION)
            port.state &= ~LacpState.EXPIRED
        elif new is RxState.EXPIRED:
            # Partner_Oper_Port_State.Synchronization = FALSE;
            # Partner_Oper_Port_State.LACP_Timeout = Short Timeout;
            # start current_while_timer(Short Timeout); Actor_Oper_Port_State.Expired = TRUE;
            port.partner_state = (port.partner_state & ~LacpState.SYNC) | LacpState.TIMEOUT
            port.current_while = now + SHORT_TIMEOUT_TIME
            port.state |= LacpState.EXPIRED
        elif new is RxState.LACP_DISABLED:
            # Selected = UNSELECTED; recordDefault(); Partner_Oper_Port_State.Aggregation = FALSE;
            # Actor_Oper_Port_State.Expired = FALSE;
            port.selected = Selected.UNSELECTED
            self._record_default(port)
            port.partner_state &= ~LacpState.AGGREGATION
            port.state &= ~LacpState.EXPIRED
        elif new is RxState.DEFAULTED:
            # update_Default_Selected(); recordDefault(); Actor_Oper_Port_State.Expired = FALSE;
            self._update_default_selected(port)
            self._record_default(port)
            port.state &= ~LacpState.EXPIRED
        elif new is RxState.CURRENT:
            # update_Selected(); update_NTT(); recordPDU();
            # start current_while_timer(Actor_Oper_Port_State.LACP_Timeout);
            # Actor_Oper_Port_State.Expired = FALSE;
            assert pdu is not None
            self._update_selected(port, pdu, now)
            self._update_ntt(port, pdu)
            self._record_pdu(port, pdu)
            timeout = LacpState.TIMEOUT in port.state
            port.current_while = now + (SHORT_TIMEOUT_TIME if timeout else LONG_TIMEOUT_TIME)
            port.state &= ~LacpState.EXPIRED

    # recordPDU: Partner_Oper_Port_Number/Priority, Partner_Oper_System/Priority,
    #   Partner_Oper_Key and Partner_Oper_Port_State := the PDU's Actor values;
    #   Actor_Oper_Port_State.Defaulted = FALSE;
    #   Partner_Oper_Port_State.Synchronization := choose_matched() (below).
    def _record_pdu(self, port: _Port, pdu: LacpPdu) -> None:
        matched = self._choose_matched(port, pdu)
        port.partner = pdu.actor
        port.partner_state = pdu.actor_state & ~LacpState.SYNC
        if matched:
            port.partner_state |= LacpState.SYNC
        port.state &= ~LacpState.DEFAULTED

    # choose_Matched (802.3ad-2000 43.4.9, folded into recordPDU by 802.1AX):
    #   Synchronization is TRUE if the partner is active, or we are active and it sees us
    #   active, AND [ (the PDU's Partner info (port, priority, system, system priority,
    #   key, Aggregation) equals our Actor operational values AND the PDU's
    #   Actor_State.Synchronization is TRUE) OR (the PDU's Actor_State.Aggregation is
    #   FALSE, an Individual link, AND its Actor_State.Synchronization is TRUE) ].
    def _choose_matched(self, port: _Port, pdu: LacpPdu) -> bool:
        activity = LacpState.ACTIVITY in pdu.actor_state or (
            LacpState.ACTIVITY in port.state and LacpState.ACTIVITY in pdu.partner_state
        )
        if not activity or LacpState.SYNC not in pdu.actor_state:
            return False
        if LacpState.AGGREGATION not in pdu.actor_state:
            return True
        return pdu.partner == self._actor_id(port) and not ((pdu.partner_state ^ port.state) & _SELECTED_BITS)

    # recordDefault: Partner_Oper_* := Partner_Admin_* (ids and state);
    #   Actor_Oper_Port_State.Defaulted = TRUE.
    #   FreeBSD: admin state 0 in strict mode, SYNC|AGGREGATION|COLLECTING|DISTRIBUTING
    #   otherwise; priorities 0xFFFF, all else zero.
    def _record_default(self, port: _Port) -> None:
        port.partner = _PARTNER_ADMIN
        port.partner_state = self._partner_admin_state()
        port.state |= LacpState.DEFAULTED

    def _partner_admin_state(self) -> LacpState:
        return LacpState(0) if self._actor.strict else _OPTIMISTIC_STATE

    # update_Selected: if the PDU's Actor values (port, port priority, system, system
    #   priority, key, Aggregation) differ from Partner_Oper_*: Selected = UNSELECTED.
    def _update_selected(self, port: _Port, pdu: LacpPdu, now: float) -> None:
        if pdu.actor != port.partner or (pdu.actor_state ^ port.partner_state) & _SELECTED_BITS:
            if port.selected is not Selected.UNSELECTED:
                self._record(now, "selection", port.name, port.selected.name, "partner changed", "UNSELECTED")
            port.selected = Selected.UNSELECTED

    # update_Default_Selected: if Partner_Admin_* (same fields as update_Selected)
    #   differ from Partner_Oper_*: Selected = UNSELECTED.
    def _update_default_selected(self, port: _Port) -> None:
        admin_state = self._partner_admin_state()
        if port.partner != _PARTNER_ADMIN or (admin_state ^ port.partner_state) & _SELECTED_BITS:
            port.selected = Selected.UNSELECTED

    # update_NTT: if the PDU's Partner values (port, port priority, system, system
    #   priority, key, and the Activity, Timeout, Synchronization, Aggregation bits)
    #   differ from our Actor operational values: NTT = TRUE.
    def _update_ntt(self, port: _Port, pdu: LacpPdu) -> None:
        if pdu.partner != self._actor_id(port) or (pdu.partner_state ^ port.state) & _NTT_BITS:
            port.ntt = True

    # ----------------------------------------------------------------- Selection Logic
    def _selection(self, now: float) -> bool:
        """Select the ports of the active aggregator; True if any ``Selected`` changed."""
        candidates = [
            Candidate(
                name=p.name,
                port_number=p.number,
                speed_mbps=p.speed,
                port_enabled=self._port_enabled_var(p),
                lacp_enabled=p.full_duplex,
                receive_current=p.rx is RxState.CURRENT,
                actor_aggregatable=LacpState.AGGREGATION in p.state,
                partner_aggregatable=LacpState.AGGREGATION in p.partner_state,
                actor_key=p.key,
                partner_system_priority=p.partner.system_priority,
                partner_system=p.partner.system,
                partner_key=p.partner.key,
            )
            for p in self._ports.values()
        ]
        chosen, reasons = choose_aggregator(candidates, self._aggregator)
        if chosen != self._aggregator:
            self._record(now, "selection", "", repr(self._aggregator), "choose_aggregator", repr(chosen))
            self._aggregator = chosen
        changed = False
        for port in self._ports.values():
            reason = reasons.get(port.name)
            if reason is not None:
                if port.selected is not Selected.UNSELECTED:
                    self._record(now, "selection", port.name, port.selected.name, reason, "UNSELECTED")
                    port.selected = Selected.UNSELECTED
                    changed = True
            elif port.selected is Selected.UNSELECTED and port.mux is MuxState.DETACHED:
                # A port is (re)selected only once its Mux has detached from the old aggregator.
                self._record(now, "selection", port.name, "UNSELECTED", "aggregator chosen", "SELECTED")
                port.selected = Selected.SELECTED
                changed = True
        return changed

    def _ready(self) -> bool:
        """802.1AX ``Ready``: every port selected to the aggregator has waited (Ready_N).

        The wait exists so that ports about to join are attached together.  When every port
        that could join (link up, full duplex) is selected already, none is left to wait for,
        so ``Ready`` holds at once: the lagg aggregates in one PDU exchange instead of 2 s.
        """
        ports = self._ports.values()
        if all(p.selected is Selected.SELECTED for p in ports if self._port_enabled_var(p) and p.full_duplex):
            return True
        return all(
            p.mux in _MUX_ATTACHED or (p.mux is MuxState.WAITING and p.ready_n)
            for p in ports
            if p.selected is Selected.SELECTED
        )

    # ----------------------------------------------------------------- Mux machine
    def _mux_conditions(self, port: _Port) -> Iterator[MuxEvent]:
        """Conditions that hold now, the ones that tear down first."""
        sync = LacpState.SYNC in port.partner_state
        collecting = LacpState.COLLECTING in port.partner_state
        if port.selected is Selected.UNSELECTED:
            yield MuxEvent.UNSELECTED
        if port.selected is Selected.STANDBY:
            yield MuxEvent.STANDBY
        if not sync:
            yield MuxEvent.PARTNER_OUT_OF_SYNC
        if not collecting:
            yield MuxEvent.PARTNER_NOT_COLLECTING
        if port.selected is Selected.SELECTED:
            yield MuxEvent.SELECTED
            if self._ready():
                yield MuxEvent.READY
            if sync:
                yield MuxEvent.PARTNER_IN_SYNC
                if collecting:
                    yield MuxEvent.PARTNER_COLLECTING

    def _mux(self, port: _Port, now: float) -> bool:
        """Drain the Mux machine of ``port``; True if it moved."""
        moved = False
        for _ in range(len(MuxState) * 2):
            step = next(
                (
                    (event, _MUX_TABLE[(port.mux, event)])
                    for event in self._mux_conditions(port)
                    if (port.mux, event) in _MUX_TABLE
                ),
                None,
            )
            if step is None:
                break
            event, new = step
            self._record(now, "mux", port.name, port.mux.name, event.name, new.name)
            if port.mux is MuxState.DISTRIBUTING and new is MuxState.COLLECTING:
                self._flapping += 1
            self._mux_enter(port, new, now)
            moved = True
        return moved

    def _mux_enter(self, port: _Port, new: MuxState, now: float) -> None:
        port.mux = new
        if new is not MuxState.WAITING:
            port.wait_while = None
        if new is MuxState.DETACHED:
            # Detach_Mux_From_Aggregator(); Actor.Sync = FALSE; Disable_Distributing();
            # Actor.Distributing = FALSE; Actor.Collecting = FALSE; Disable_Collecting();
            # NTT = TRUE;
            port.state &= ~(LacpState.SYNC | LacpState.COLLECTING | LacpState.DISTRIBUTING)
            self._set_distributing(port, False)
            self._set_collecting(port, False)
            port.ready_n = False
            port.ntt = True
        elif new is MuxState.WAITING:
            # Start wait_while_timer;
            port.wait_while = now + AGGREGATE_WAIT_TIME
            port.ready_n = False
        elif new is MuxState.ATTACHED:
            # Attach_Mux_To_Aggregator(); Actor.Sync = TRUE; Actor.Collecting = FALSE;
            # Disable_Collecting(); NTT = TRUE;
            port.state = (port.state | LacpState.SYNC) & ~(LacpState.COLLECTING | LacpState.DISTRIBUTING)
            self._set_distributing(port, False)
            self._set_collecting(port, False)
            port.ntt = True
        elif new is MuxState.COLLECTING:
            # Enable_Collecting(); Actor.Collecting = TRUE; Disable_Distributing();
            # Actor.Distributing = FALSE; NTT = TRUE;
            port.state = (port.state | LacpState.COLLECTING) & ~LacpState.DISTRIBUTING
            self._set_distributing(port, False)
            self._set_collecting(port, True)
            port.ntt = True
        elif new is MuxState.DISTRIBUTING:
            # Actor.Distributing = TRUE; Enable_Distributing();
            # (and NTT = TRUE, so the partner learns it now rather than a period later)
            port.state |= LacpState.DISTRIBUTING
            self._set_distributing(port, True)
            port.ntt = True

    # ----------------------------------------------------------------- Periodic machine
    def _periodic_condition(self, port: _Port) -> PeriodicEvent | None:
        both_passive = LacpState.ACTIVITY not in port.state and LacpState.ACTIVITY not in port.partner_state
        if not self._port_enabled_var(port) or not port.full_duplex or both_passive:
            return None if port.periodic is PeriodicState.NO_PERIODIC else PeriodicEvent.NO_PERIODIC
        if port.periodic is PeriodicState.NO_PERIODIC:
            return PeriodicEvent.UCT
        if LacpState.TIMEOUT in port.partner_state:
            return PeriodicEvent.PARTNER_SHORT_TIMEOUT
        return PeriodicEvent.PARTNER_LONG_TIMEOUT

    def _periodic(self, port: _Port, event: PeriodicEvent | None, now: float) -> None:
        """Apply ``event`` (a timer) if given, then drain the level-triggered conditions."""
        for _ in range(len(PeriodicState) * 2):
            if event is None:
                event = self._periodic_condition(port)
            new = None if event is None else _PERIODIC_TABLE.get((port.periodic, event))
            if event is None or new is None:
                return
            self._record(now, "periodic", port.name, port.periodic.name, event.name, new.name)
            port.periodic = new
            if new is PeriodicState.NO_PERIODIC:
                # Stop periodic_timer;
                port.periodic_timer = None
            elif new is PeriodicState.FAST_PERIODIC:
                # Start periodic_timer(fast_periodic_time);
                port.periodic_timer = now + FAST_PERIODIC_TIME
            elif new is PeriodicState.SLOW_PERIODIC:
                # Start periodic_timer(slow_periodic_time);
                port.periodic_timer = now + SLOW_PERIODIC_TIME
            else:
                # PERIODIC_TX: NTT = TRUE;
                port.periodic_timer = None
                port.ntt = True
            event = None

    # ----------------------------------------------------------------- Transmit machine
    def _can_transmit(self, port: _Port) -> bool:
        return self._port_enabled_var(port) and port.full_duplex and port.periodic is not PeriodicState.NO_PERIODIC

    def _tx(self, port: _Port, now: float) -> None:
        """NTT -> one LACPDU, unless three went out in the last second (NTT then waits)."""
        if not port.ntt or not self._can_transmit(port):
            return  # NTT stays pending until the port can transmit
        if not _window_allows(port.tx_times, now, MAX_TX_PER_PERIOD):
            self._stats["tx_rate_limited"] += 1
            return
        pdu = LacpPdu(
            actor_system_priority=self._actor.system_priority,
            actor_system=self._actor.system,
            actor_key=port.key,
            actor_port_priority=self._actor.port_priority,
            actor_port=port.number,
            actor_state=port.state,
            partner_system_priority=port.partner.system_priority,
            partner_system=port.partner.system,
            partner_key=port.partner.key,
            partner_port_priority=port.partner.port_priority,
            partner_port=port.partner.port,
            partner_state=port.partner_state,
        )
        port.ntt = False
        port.tx_times.append(now)
        port.lacpdus_tx += 1
        self._stats["lacpdus_tx"] += 1
        self._actions.append(Transmit(port.name, encode(pdu, port.mac), pdu))


def _check_bool(what: str, value: object) -> None:
    if not isinstance(value, bool):
        raise LacpUsageError(f"{what} must be a bool, not {value!r}")
