"""In-memory network for the sans-IO LACP machine: FakeClock, Cable, LinkPair.

Two ``LacpSystem`` s, ``a`` (ports ``fxp0``, ``fxp1``, ...) and ``b`` (ports
``lp0``, ``lp1``, ...), joined by one ``Cable`` per port pair.  Nothing sleeps:
``advance(seconds)`` jumps the one ``FakeClock`` from deadline to deadline
(both systems' ``next_deadline()`` and frames in flight), and after every step
``pump()`` polls both systems and delivers frames until both are quiet.

A cable carries raw frames (so every delivery goes through ``pdu.decode``) and
can be ``cut()`` (frames lost both ways, the link stays up: a silent partner),
``restore()`` d, told to ``drop_next(n)`` frames or to ``delay`` them.

The pair records every action (``log``), the times of every LACPDU sent per
port (``lacpdu_times``) and what the datapath was told (``collecting``,
``distributing``, ``link_up``), so tests can check the actions against
``snapshot()``.  ``tx_hook`` is called for each LACPDU transmitted.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from lagg_ifconfig.lacp import (
    ActorConfig,
    LacpAction,
    LacpEnabled,
    LacpEvent,
    LacpPdu,
    LacpStatus,
    LacpSystem,
    LinkState,
    PduReceived,
    PortAdded,
    PortRemoved,
    SetCollecting,
    SetDistributing,
    Transmit,
)

SYSTEM_A = bytes.fromhex("00055d718db8")
SYSTEM_B = bytes.fromhex("000e83aabbcc")
SIDES = ("a", "b")


class FakeClock:
    """Seconds, starting at an arbitrary non-zero time; moves only when told."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def advance(self, seconds: float) -> None:
        assert seconds >= 0
        self.now += seconds


@dataclass(order=True)
class _InFlight:
    deliver_at: float
    seq: int
    side: str = field(compare=False)  # receiving side
    port: str = field(compare=False)
    frame: bytes = field(compare=False)


class Cable:
    """A point-to-point link between port ``a_port`` of ``a`` and ``b_port`` of ``b``."""

    def __init__(self, a_port: str, b_port: str) -> None:
        self.a_port = a_port
        self.b_port = b_port
        self.is_cut = False
        self.delay = 0.0
        self.drop_pending = 0
        self.carried = 0
        self.dropped = 0

    def cut(self) -> None:
        self.is_cut = True

    def restore(self) -> None:
        self.is_cut = False

    def drop_next(self, count: int = 1) -> None:
        self.drop_pending += count

    def far_end(self, side: str) -> tuple[str, str]:
        return ("b", self.b_port) if side == "a" else ("a", self.a_port)

    def accepts(self) -> bool:
        """Should the next frame get through (consumes one ``drop_next``)?"""
        if self.is_cut:
            self.dropped += 1
            return False
        if self.drop_pending:
            self.drop_pending -= 1
            self.dropped += 1
            return False
        self.carried += 1
        return True


@dataclass(frozen=True)
class Logged:
    now: float
    side: str
    action: LacpAction


def port_name(side: str, index: int) -> str:
    return f"fxp{index}" if side == "a" else f"lp{index}"


class LinkPair:
    """Two LACP systems and their cables; see the module docstring."""

    def __init__(
        self,
        ports: int = 2,
        *,
        fast: bool = True,
        strict: bool = True,
        speeds: Iterable[int] | None = None,
        b_speeds: Iterable[int] | None = None,
        a_config: ActorConfig | None = None,
        b_config: ActorConfig | None = None,
    ) -> None:
        self.clock = FakeClock()
        self.a = LacpSystem(a_config or ActorConfig(system=SYSTEM_A, lagg_ifindex=10, fast_timeout=fast, strict=strict))
        self.b = LacpSystem(b_config or ActorConfig(system=SYSTEM_B, lagg_ifindex=20, fast_timeout=fast, strict=strict))
        self.n_ports = ports
        a_speeds = list(speeds) if speeds is not None else [1000] * ports
        self.speeds = {"a": a_speeds, "b": list(b_speeds) if b_speeds is not None else list(a_speeds)}
        self.cables = [Cable(port_name("a", i), port_name("b", i)) for i in range(ports)]
        self.attached: dict[str, set[str]] = {"a": set(), "b": set()}
        self.log: list[Logged] = []
        self.lacpdu_times: dict[tuple[str, str], list[float]] = {}
        self.collecting: dict[tuple[str, str], bool] = {}
        self.distributing: dict[tuple[str, str], bool] = {}
        self.link_up: dict[str, bool | None] = {"a": None, "b": None}
        self.tx_hook: Callable[[str, str, float, LacpPdu], None] | None = None
        self._flight: list[_InFlight] = []
        self._seq = itertools.count()

    # ------------------------------------------------------------------ access
    @property
    def now(self) -> float:
        return self.clock.now

    def system(self, side: str) -> LacpSystem:
        return self.a if side == "a" else self.b

    def snap(self, side: str) -> LacpStatus:
        return self.system(side).snapshot()

    def cable(self, index: int) -> Cable:
        return self.cables[index]

    # ------------------------------------------------------------------ driving
    def start(self, *, enable: Iterable[str] = SIDES) -> None:
        """Add every port (link up) on both sides and bring the chosen laggs up."""
        for side in SIDES:
            for i in range(self.n_ports):
                self.add_port(side, i, pump=False)
        for side in enable:
            self.system(side).handle(LacpEnabled(True), self.now)
        self.pump()

    def add_port(self, side: str, index: int, *, pump: bool = True) -> None:
        name = port_name(side, index)
        mac = bytes([0x02, 0, 0, 0, 0 if side == "a" else 1, index])
        speed = self.speeds[side][index]
        self.system(side).handle(PortAdded(name, 3 + index, speed, True, mac, enabled=True), self.now)
        self.attached[side].add(name)
        if pump:
            self.pump()

    def remove_port(self, side: str, index: int) -> None:
        name = port_name(side, index)
        self.system(side).handle(PortRemoved(name), self.now)
        self.attached[side].discard(name)
        self.pump()

    def handle(self, side: str, event: LacpEvent) -> None:
        self.system(side).handle(event, self.now)
        self.pump()

    def pump(self) -> None:
        """Poll both systems and deliver due frames until nothing more happens now."""
        for _ in range(10_000):
            busy = False
            for side in SIDES:
                for action in self.system(side).poll(self.now):
                    busy = True
                    self._perform(side, action)
            while self._flight and self._flight[0].deliver_at <= self.now:
                busy = True
                frame = heapq.heappop(self._flight)
                if frame.port in self.attached[frame.side]:
                    self.system(frame.side).handle(PduReceived(frame.port, frame.frame), self.now)
            if not busy:
                return
        raise AssertionError("LinkPair.pump: the systems never settle")

    def next_deadline(self) -> float | None:
        candidates = [d for d in (self.a.next_deadline(), self.b.next_deadline()) if d is not None]
        if self._flight:
            candidates.append(self._flight[0].deliver_at)
        return min(candidates, default=None)

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass, stopping at every deadline on the way."""
        target = self.now + seconds
        for _ in range(100_000):
            deadline = self.next_deadline()
            if deadline is None or deadline > target:
                break
            self.clock.now = max(self.clock.now, deadline)
            self.pump()
        else:
            raise AssertionError("LinkPair.advance: deadlines never run out")
        self.clock.now = target
        self.pump()

    def run_until(self, predicate: Callable[[], bool], timeout: float) -> float:
        """Advance deadline by deadline until ``predicate()``; return the time it took."""
        start = self.now
        while not predicate():
            deadline = self.next_deadline()
            if deadline is None or deadline - start > timeout:
                raise AssertionError(f"condition not met within {timeout} s")
            self.clock.now = max(self.clock.now, deadline)
            self.pump()
        return self.now - start

    # ------------------------------------------------------------------ actions
    def _perform(self, side: str, action: LacpAction) -> None:
        self.log.append(Logged(self.now, side, action))
        if isinstance(action, Transmit):
            if isinstance(action.pdu, LacpPdu):
                self.lacpdu_times.setdefault((side, action.port), []).append(self.now)
                if self.tx_hook is not None:
                    self.tx_hook(side, action.port, self.now, action.pdu)
            index = self._index(side, action.port)
            cable = self.cables[index]
            if cable.accepts():
                far_side, far_port = cable.far_end(side)
                heapq.heappush(
                    self._flight,
                    _InFlight(self.now + cable.delay, next(self._seq), far_side, far_port, action.frame),
                )
        elif isinstance(action, SetCollecting):
            self.collecting[(side, action.port)] = action.enabled
        elif isinstance(action, SetDistributing):
            self.distributing[(side, action.port)] = action.enabled
        elif isinstance(action, LinkState):
            self.link_up[side] = action.up

    @staticmethod
    def _index(side: str, port: str) -> int:
        return int(port.removeprefix("fxp" if side == "a" else "lp"))

    def actions(self, side: str, kind: type[object]) -> list[Logged]:
        return [entry for entry in self.log if entry.side == side and isinstance(entry.action, kind)]
