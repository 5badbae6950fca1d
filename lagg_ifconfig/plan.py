"""``diff``: from the current and the desired config to a plan of steps, each with its undo.

Theory of operation
-------------------
Steps are frozen values naming one system change (``SetMtu("bge0", 9000)``),
never closures, so a plan can be printed (``--dry-run``), compared in tests
and executed by any backend.  Each step's ``undo`` is computed here from the
current state, so rollback needs no second look at the system.

Canonical order (architecture §2): create, rename, lagg protocol and ports,
MTU and link address, address deletions then additions, description, ND6
flags, ARP/promisc, then up/down last, so an interface comes up fully
configured.  ``destroy`` is a plan of its own (it cannot be undone).
"""

from __future__ import annotations

from dataclasses import dataclass

from lagg_ifconfig.config import Folded
from lagg_ifconfig.model import Address, InterfaceConfig, LaggConfig, Nd6Flag

__all__ = [
    "AddAddress",
    "ApplyLagg",
    "CreateInterface",
    "DelAddress",
    "DestroyInterface",
    "Plan",
    "RenameInterface",
    "SetArp",
    "SetDescription",
    "SetLladdr",
    "SetMtu",
    "SetNd6",
    "SetPromisc",
    "SetUp",
    "Step",
    "diff",
]


@dataclass(frozen=True)
class CreateInterface:
    name: str
    laggtype: str | None = None

    def undo(self) -> Step | None:
        return DestroyInterface(self.name)


@dataclass(frozen=True)
class DestroyInterface:
    name: str

    def undo(self) -> Step | None:
        return None


@dataclass(frozen=True)
class RenameInterface:
    name: str
    new_name: str

    def undo(self) -> Step | None:
        return RenameInterface(self.new_name, self.name)


@dataclass(frozen=True)
class SetUp:
    name: str
    up: bool

    def undo(self) -> Step | None:
        return SetUp(self.name, not self.up)


@dataclass(frozen=True)
class SetMtu:
    name: str
    mtu: int
    old: int
    lagg: bool = False

    def undo(self) -> Step | None:
        return SetMtu(self.name, self.old, self.mtu, self.lagg)


@dataclass(frozen=True)
class SetLladdr:
    name: str
    mac: str
    old: str
    lagg: bool = False

    def undo(self) -> Step | None:
        return SetLladdr(self.name, self.old, self.mac, self.lagg)


@dataclass(frozen=True)
class SetDescription:
    name: str
    text: str
    old: str

    def undo(self) -> Step | None:
        return SetDescription(self.name, self.old, self.text)


@dataclass(frozen=True)
class AddAddress:
    name: str
    address: Address

    def undo(self) -> Step | None:
        return DelAddress(self.name, self.address)


@dataclass(frozen=True)
class DelAddress:
    name: str
    address: Address

    def undo(self) -> Step | None:
        return AddAddress(self.name, self.address)


@dataclass(frozen=True)
class SetNd6:
    name: str
    flag: Nd6Flag
    on: bool

    def undo(self) -> Step | None:
        return SetNd6(self.name, self.flag, not self.on)


@dataclass(frozen=True)
class SetArp:
    name: str
    on: bool

    def undo(self) -> Step | None:
        return SetArp(self.name, not self.on)


@dataclass(frozen=True)
class SetPromisc:
    name: str
    on: bool

    def undo(self) -> Step | None:
        return SetPromisc(self.name, not self.on)


@dataclass(frozen=True)
class ApplyLagg:
    """Hand the desired lagg settings to the lagg backend (it diffs ports itself)."""

    name: str
    lagg: LaggConfig
    old: LaggConfig

    def undo(self) -> Step | None:
        return ApplyLagg(self.name, self.old, self.lagg)


Step = (
    CreateInterface
    | DestroyInterface
    | RenameInterface
    | SetUp
    | SetMtu
    | SetLladdr
    | SetDescription
    | AddAddress
    | DelAddress
    | SetNd6
    | SetArp
    | SetPromisc
    | ApplyLagg
)


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    #: the interface name after the plan (a rename changes it)
    final_name: str


_NO_ND6 = Nd6Flag(0)


def _address_key(address: Address) -> tuple[str, str, int]:
    return (address.family, address.address, address.prefixlen)


def diff(
    current: InterfaceConfig,
    folded: Folded,
    *,
    current_nd6: Nd6Flag = _NO_ND6,
    current_arp: bool = True,
    current_promisc: bool = False,
    exists: bool = True,
) -> Plan:
    """The steps that turn ``current`` into ``folded.config`` (``exists=False``: create first)."""
    desired = folded.config
    name = desired.name
    steps: list[Step] = []
    if folded.destroy:
        return Plan((DestroyInterface(name),), name)
    if not exists:
        steps.append(CreateInterface(name, folded.create.laggtype if folded.create else None))
    is_lagg = desired.lagg is not None
    if desired.lagg is not None and (desired.lagg != current.lagg or not exists):
        steps.append(ApplyLagg(name, desired.lagg, current.lagg or LaggConfig()))
    if desired.mtu is not None and desired.mtu != current.mtu:
        steps.append(SetMtu(name, desired.mtu, current.mtu or 0, is_lagg))
    if desired.lladdr is not None and desired.lladdr != current.lladdr:
        steps.append(SetLladdr(name, desired.lladdr, current.lladdr or "", is_lagg))
    wanted = {_address_key(a): a for a in desired.addresses}
    have = {_address_key(a): a for a in current.addresses}
    steps += [DelAddress(name, a) for key, a in have.items() if key not in wanted]
    steps += [AddAddress(name, a) for key, a in wanted.items() if key not in have]
    if desired.description is not None and desired.description != (current.description or ""):
        steps.append(SetDescription(name, desired.description, current.description or ""))
    for flag in Nd6Flag:
        if desired.nd6_set & flag and not current_nd6 & flag:
            steps.append(SetNd6(name, flag, True))
        elif desired.nd6_clear & flag and current_nd6 & flag:
            steps.append(SetNd6(name, flag, False))
    if folded.arp is not None and folded.arp != current_arp:
        steps.append(SetArp(name, folded.arp))
    if folded.promisc is not None and folded.promisc != current_promisc:
        steps.append(SetPromisc(name, folded.promisc))
    final_name = name
    if folded.rename is not None and folded.rename != name:
        steps.append(RenameInterface(name, folded.rename))
        final_name = folded.rename
    if desired.up is not None and desired.up != bool(current.up):
        steps.append(SetUp(final_name, desired.up))
    return Plan(tuple(steps), final_name)
