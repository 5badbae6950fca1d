"""``fold``: commands applied to an interface's current config, FreeBSD's rules, no I/O.

Theory of operation
-------------------
FreeBSD acts on each keyword at once, in word order, against the live
interface.  We replay the same sequence against a *copy* of the interface's
config, so every check FreeBSD makes (a LACP option on a failover lagg, an
existing address added again, ``-laggport`` of a non-member) is found before
anything changes; the plan that follows is then applied with undo.  Checks
that FreeBSD reports per port and then continues past (``laggport`` errors,
spec §1.4) are collected as ``PortError`` instead of raised.

What the world looks like is passed in (``World``): which interfaces exist,
which are laggs or lagg ports, and their link types.  Nothing here reads it.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from lagg_ifconfig.errors import BackendError, PortError
from lagg_ifconfig.model import (
    LACP_ONLY_OPTIONS,
    Address,
    InterfaceConfig,
    LaggConfig,
    LaggOption,
    LaggProto,
    default_lagg_options,
)
from lagg_ifconfig.syntax import values
from lagg_ifconfig.syntax.commands import (
    AddPort,
    AddressChange,
    Create,
    DelPort,
    Destroy,
    Invocation,
    Rename,
    SetArp,
    SetDescription,
    SetFlowidShift,
    SetHash,
    SetLladdr,
    SetMetric,
    SetMtu,
    SetNd6,
    SetOption,
    SetPromisc,
    SetProto,
    SetRrLimit,
    SetUp,
)

__all__ = ["Folded", "World", "fold"]


@dataclass(frozen=True)
class World:
    """Facts about other interfaces that FreeBSD's checks consult.

    ``link_types`` maps every existing interface to ``"ether"``,
    ``"loopback"`` or ``"none"``; ``lagg_of`` maps each lagg port to its lagg.
    """

    link_types: dict[str, str] = field(default_factory=dict)
    lagg_of: dict[str, str] = field(default_factory=dict)
    laggs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Folded:
    """The result: desired config, per-port problems, and what else to do or say."""

    config: InterfaceConfig
    port_errors: tuple[PortError, ...] = ()
    warnings: tuple[str, ...] = ()
    create: Create | None = None
    destroy: bool = False
    rename: str | None = None
    arp: bool | None = None
    promisc: bool | None = None


def _einval(op: str) -> BackendError:
    return BackendError(errno.EINVAL, op=op)


@dataclass
class _State:
    """The mutable replay state (private to ``fold``)."""

    config: InterfaceConfig
    is_lagg: bool
    link_type: str
    world: World
    port_errors: list[PortError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    create: Create | None = None
    destroy: bool = False
    rename: str | None = None
    arp: bool | None = None
    promisc: bool | None = None

    @property
    def lagg(self) -> LaggConfig:
        assert self.config.lagg is not None
        return self.config.lagg

    def set_lagg(self, lagg: LaggConfig) -> None:
        self.config = replace(self.config, lagg=lagg)


def _require_lagg(state: _State, op: str) -> LaggConfig:
    if not state.is_lagg or state.config.lagg is None:
        raise _einval(op)
    return state.lagg


def _set_proto(state: _State, cmd: SetProto) -> None:
    lagg = _require_lagg(state, "SIOCSLAGG")
    options = (lagg.options & ~LACP_ONLY_OPTIONS) | (default_lagg_options(cmd.proto) & LACP_ONLY_OPTIONS)
    # Changing the protocol re-attaches it: the rr stride goes back to 1 (spec §3.1).
    state.set_lagg(replace(lagg, proto=cmd.proto, options=options, rr_limit=0))


def _add_port(state: _State, cmd: AddPort) -> None:
    name = state.config.name
    if not state.is_lagg or state.config.lagg is None:
        state.port_errors.append(PortError(name, cmd.port, "SIOCSLAGGPORT", errno.EINVAL))
        return
    lagg = state.lagg
    if cmd.port in lagg.ports:
        return  # EEXIST: FreeBSD's ifconfig ignores it silently
    state.set_lagg(replace(lagg, ports=(*lagg.ports, cmd.port)))


def _del_port(state: _State, cmd: DelPort) -> None:
    lagg = _require_lagg(state, "SIOCSLAGGDELPORT")
    if cmd.port not in state.world.link_types:
        raise _einval("SIOCSLAGGDELPORT")
    if cmd.port not in lagg.ports:
        raise BackendError(errno.ENOENT, op="SIOCSLAGGDELPORT")
    state.set_lagg(replace(lagg, ports=tuple(p for p in lagg.ports if p != cmd.port)))


def _set_hash(state: _State, cmd: SetHash) -> None:
    lagg = _require_lagg(state, "SIOCSLAGGHASH")
    state.set_lagg(replace(lagg, hash=cmd.hash))


def _set_option(state: _State, cmd: SetOption) -> None:
    lagg = _require_lagg(state, "SIOCSLAGGOPTS")
    if cmd.option & LACP_ONLY_OPTIONS and lagg.proto is not LaggProto.LACP:
        raise _einval("SIOCSLAGGOPTS")
    if cmd.on:
        options = lagg.options | cmd.option
    else:
        # FreeBSD clears with opts &= ~(-value), i.e. value - 1: "-use_flowid"
        # also clears USE_NUMA (spec §3.3 quirk, kept on purpose).
        options = lagg.options & LaggOption(int(cmd.option) - 1)
    state.set_lagg(replace(lagg, options=options))


def _set_flowid_shift(state: _State, cmd: SetFlowidShift) -> None:
    lagg = _require_lagg(state, "SIOCSLAGGOPTS")
    state.set_lagg(replace(lagg, flowid_shift=cmd.shift))


def _set_rr_limit(state: _State, cmd: SetRrLimit) -> None:
    lagg = _require_lagg(state, "SIOCSLAGGOPTS")
    if lagg.proto is not LaggProto.ROUNDROBIN:
        raise _einval("SIOCSLAGGOPTS")
    state.set_lagg(replace(lagg, rr_limit=cmd.limit))


def _set_up(state: _State, cmd: SetUp) -> None:
    state.config = replace(state.config, up=cmd.up)


def _set_mtu(state: _State, cmd: SetMtu) -> None:
    if state.config.name in state.world.lagg_of or not 0 < cmd.mtu <= 0xFFFF:
        # A lagg port's MTU belongs to its lagg (spec §3.7); 0 is atoi's "not a number".
        raise _einval("ioctl SIOCSIFMTU (set mtu)")
    state.config = replace(state.config, mtu=cmd.mtu)


def _set_metric(state: _State, cmd: SetMetric) -> None:
    if cmd.metric != 0:
        # Linux interfaces have no metric; routes do.  Say so rather than pretend.
        raise BackendError(errno.EOPNOTSUPP, op="ioctl (set metric)")
    state.config = replace(state.config, metric=0)


def _set_description(state: _State, cmd: SetDescription) -> None:
    state.config = replace(state.config, description=cmd.text or "")


def _set_lladdr(state: _State, cmd: SetLladdr) -> None:
    state.config = replace(state.config, lladdr=cmd.mac)


def _set_nd6(state: _State, cmd: SetNd6) -> None:
    cfg = state.config
    if cmd.on:
        state.config = replace(cfg, nd6_set=cfg.nd6_set | cmd.flag, nd6_clear=cfg.nd6_clear & ~cmd.flag)
    else:
        state.config = replace(cfg, nd6_clear=cfg.nd6_clear | cmd.flag, nd6_set=cfg.nd6_set & ~cmd.flag)


def _create(state: _State, cmd: Create) -> None:
    state.create = cmd


def _destroy(state: _State, _cmd: Destroy) -> None:
    state.destroy = True


def _rename(state: _State, cmd: Rename) -> None:
    state.rename = cmd.new_name


def _set_arp(state: _State, cmd: SetArp) -> None:
    state.arp = cmd.on


def _set_promisc(state: _State, cmd: SetPromisc) -> None:
    state.promisc = cmd.on


def _broadcast_for(address: str, prefixlen: int) -> str | None:
    if prefixlen >= 31:
        return None
    import socket  # noqa: PLC0415  (only address changes need it)

    value = int.from_bytes(socket.inet_aton(address), "big")
    host_bits = (1 << (32 - prefixlen)) - 1
    return socket.inet_ntoa((value | host_bits).to_bytes(4, "big"))


def _address_change(state: _State, cmd: AddressChange) -> None:
    cfg = state.config
    same_family = [a for a in cfg.addresses if a.family == cmd.family]
    if cmd.mode == "delete":
        match = next((a for a in same_family if a.address == cmd.address), None)
        if match is None:
            raise BackendError(errno.EADDRNOTAVAIL, op="ioctl (SIOCDIFADDR)")
        state.config = replace(cfg, addresses=tuple(a for a in cfg.addresses if a is not match))
        return
    prefixlen = cmd.prefixlen
    if prefixlen is None:
        if cmd.family == "inet6":
            prefixlen = 64
        elif cmd.destination is None and state.link_type == "ether":
            state.warnings.append(
                "WARNING: setting interface address without mask is deprecated,\ndefault mask may not be correct."
            )
            prefixlen = values.classful_prefixlen(cmd.address)
        else:
            prefixlen = 32
    broadcast = cmd.broadcast
    if cmd.family == "inet" and broadcast is None and cmd.destination is None:
        broadcast = _broadcast_for(cmd.address, prefixlen)
    new = Address(cmd.family, cmd.address, prefixlen, broadcast=broadcast, peer=cmd.destination)
    existing = next((a for a in same_family if a.address == cmd.address), None)
    addresses = list(cfg.addresses)
    if cmd.mode == "set" and cmd.family == "inet" and same_family:
        # No alias: SIOCDIFADDR with a wildcard deletes the first inet address first.
        addresses.remove(same_family[0])
        existing = next((a for a in addresses if a.family == "inet" and a.address == cmd.address), None)
    if existing is not None:
        if cmd.mode == "add":
            raise BackendError(errno.EEXIST, op="ioctl (SIOCAIFADDR)")
        addresses.remove(existing)
    addresses.append(new)
    state.config = replace(cfg, addresses=tuple(addresses))
    if cmd.family == "inet" and state.link_type == "ether":
        # ether_ioctl(SIOCSIFADDR) marks the interface up (spec §1.3).
        state.config = replace(state.config, up=True)


_HANDLERS: dict[type, Callable[[_State, Any], None]] = {
    Create: _create,
    Destroy: _destroy,
    SetUp: _set_up,
    SetMtu: _set_mtu,
    SetMetric: _set_metric,
    SetDescription: _set_description,
    Rename: _rename,
    SetLladdr: _set_lladdr,
    SetArp: _set_arp,
    SetPromisc: _set_promisc,
    SetNd6: _set_nd6,
    AddressChange: _address_change,
    SetProto: _set_proto,
    AddPort: _add_port,
    DelPort: _del_port,
    SetHash: _set_hash,
    SetOption: _set_option,
    SetFlowidShift: _set_flowid_shift,
    SetRrLimit: _set_rr_limit,
}


def fold(
    current: InterfaceConfig,
    invocation: Invocation,
    *,
    is_lagg: bool,
    link_type: str = "ether",
    world: World | None = None,
) -> Folded:
    """Replay ``invocation``'s commands on ``current``; raise on the first FreeBSD error.

    ``current.lagg`` must be set for a lagg (a new lagg: ``LaggConfig()``).
    Raises ``ConfigError`` or ``BackendError`` (errno and FreeBSD op name) for
    errors that stop FreeBSD's ifconfig; per-port failures come back in
    ``Folded.port_errors``.
    """
    if is_lagg and current.lagg is None:
        current = replace(current, lagg=LaggConfig())
    state = _State(current, is_lagg, link_type, world or World())
    for command in invocation.commands:
        handler = _HANDLERS[type(command)]
        handler(state, command)
    return Folded(
        state.config,
        tuple(state.port_errors),
        tuple(state.warnings),
        state.create,
        state.destroy,
        state.rename,
        state.arp,
        state.promisc,
    )
