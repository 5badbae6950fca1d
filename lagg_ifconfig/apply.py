"""Executing a plan on the live system, with rollback.

Each step type maps to one operation of ``System`` (a table, not a chain of
branches).  On the first failure the completed steps are undone in reverse
order (a failing undo is recorded and the rollback goes on), then
``PartialApplyError`` carries the cause and the rollback outcome (house rule
6: atomic or unwound).  Per-port failures of ``ApplyLagg`` do not stop the
plan: FreeBSD 14 warns and goes on (spec §1.4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from lagg_ifconfig import plan as p
from lagg_ifconfig.errors import BackendError, PartialApplyError, PortError
from lagg_ifconfig.model import Address, LaggConfig, Nd6Flag

__all__ = ["ApplyResult", "System", "execute"]


class System(Protocol):
    """The I/O operations a plan needs (implemented in ``lagg_ifconfig.system``)."""

    def create(self, name: str, laggtype: str | None) -> None: ...
    def destroy(self, name: str) -> None: ...
    def rename(self, name: str, new_name: str) -> None: ...
    def set_up(self, name: str, up: bool) -> None: ...
    def set_mtu(self, name: str, mtu: int, lagg: bool) -> None: ...
    def set_lladdr(self, name: str, mac: str, lagg: bool) -> None: ...
    def set_description(self, name: str, text: str) -> None: ...
    def add_address(self, name: str, address: Address) -> None: ...
    def del_address(self, name: str, address: Address) -> None: ...
    def set_nd6(self, name: str, flag: Nd6Flag, on: bool) -> None: ...
    def set_arp(self, name: str, on: bool) -> None: ...
    def set_promisc(self, name: str, on: bool) -> None: ...
    def apply_lagg(self, name: str, lagg: LaggConfig) -> tuple[PortError, ...]: ...


@dataclass(frozen=True)
class ApplyResult:
    applied: tuple[p.Step, ...]
    port_errors: tuple[PortError, ...] = ()


_OPERATIONS: dict[type, Callable[[System, Any], tuple[PortError, ...] | None]] = {
    p.CreateInterface: lambda s, st: s.create(st.name, st.laggtype),
    p.DestroyInterface: lambda s, st: s.destroy(st.name),
    p.RenameInterface: lambda s, st: s.rename(st.name, st.new_name),
    p.SetUp: lambda s, st: s.set_up(st.name, st.up),
    p.SetMtu: lambda s, st: s.set_mtu(st.name, st.mtu, st.lagg),
    p.SetLladdr: lambda s, st: s.set_lladdr(st.name, st.mac, st.lagg),
    p.SetDescription: lambda s, st: s.set_description(st.name, st.text),
    p.AddAddress: lambda s, st: s.add_address(st.name, st.address),
    p.DelAddress: lambda s, st: s.del_address(st.name, st.address),
    p.SetNd6: lambda s, st: s.set_nd6(st.name, st.flag, st.on),
    p.SetArp: lambda s, st: s.set_arp(st.name, st.on),
    p.SetPromisc: lambda s, st: s.set_promisc(st.name, st.on),
    p.ApplyLagg: lambda s, st: s.apply_lagg(st.name, st.lagg),
}


def _run(system: System, step: p.Step) -> tuple[PortError, ...]:
    return _OPERATIONS[type(step)](system, step) or ()


def execute(plan: p.Plan, system: System) -> ApplyResult:
    """Apply every step; on failure undo the completed ones in reverse and raise."""
    done: list[p.Step] = []
    port_errors: list[PortError] = []
    for step in plan.steps:
        try:
            port_errors += _run(system, step)
        except BackendError as cause:
            failures: list[str] = []
            for completed in reversed(done):
                undo = completed.undo()
                if undo is None:
                    continue
                try:
                    _run(system, undo)
                except BackendError as exc:
                    failures.append(f"{type(undo).__name__} {undo.name}: {exc}")
            raise PartialApplyError(cause, rolled_back=not failures, undo_failures=tuple(failures)) from cause
        done.append(step)
    return ApplyResult(tuple(done), tuple(port_errors))
