"""One userspace lagg at run time: its state, FreeBSD's rules, and the epoll loop.

Theory of operation
-------------------
:class:`Lagg` owns lagg0 (a :class:`~lagg_ifconfig.laggd.datapath.Tap`), one
:class:`Port` per member (an AF_PACKET socket plus the member's saved
attributes), an rtnetlink :class:`~lagg_ifconfig.laggd.carrier.LinkMonitor`,
a :class:`~lagg_ifconfig.distribution.PortMap` and, for ``laggproto lacp``, a
:class:`~lagg_ifconfig.laggd.lacp_hook.LacpHook`.

The loop (:meth:`Lagg.run`) is one thread and one level-triggered epoll set:
the TAP, every member socket, the rtnetlink socket, the control server's
sockets and a signal wake-up socket.  Each wake-up drains at most
:data:`BATCH` frames per descriptor, so control requests and LACP timers wait
one batch at most.  The epoll timeout is the nearest deadline: the safety
link poll (:data:`LINK_POLL_S`) or the LACP machine's ``next_deadline()``.

Per frame (the only hot path): TAP -> one ``os.readv`` into a preallocated
buffer -> one ``PortMap.tx_port`` lookup -> one ``send`` on the chosen member;
member -> one ``recv_into`` -> the receive check -> one ``os.write`` to the
TAP.  The 10-byte virtio-net header passes through unchanged both ways.

State changes (ports added or removed, a member's carrier or admin state, the
protocol) rebuild the PortMap, lagg0's carrier and speed, and write the
record, in that order; a carrier event is handled within the loop iteration
that reads it.

Port changes follow FreeBSD 14's ``lagg_port_create``/``lagg_port_destroy``
(spec freebsd-lagg §3.4-§3.7): checks in kernel order with the kernel's
errnos, the first port giving the lagg its MAC and MTU, later ports taking
the lagg's, ports kept in ascending ifindex order, the primary (first port
added) replaced on removal by the lowest-ifindex port whose original MAC the
lagg then takes.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import select
import signal
import socket
import time
from collections.abc import Callable
from typing import Final

from lagg_ifconfig import record
from lagg_ifconfig.distribution import BROADCAST, FrameHasher, PortMap, PortState, port_flags
from lagg_ifconfig.errors import BackendError, PortError
from lagg_ifconfig.laggd import members
from lagg_ifconfig.laggd import sockopts as so
from lagg_ifconfig.laggd.carrier import LinkEvent, LinkMonitor, get_link
from lagg_ifconfig.laggd.datapath import BUF_SIZE, Tap, open_member_socket
from lagg_ifconfig.laggd.ifctl import IfCtl, format_mac, parse_mac
from lagg_ifconfig.laggd.lacp_hook import LacpHook, make_lacp_hook
from lagg_ifconfig.model import (
    LAGG_MAX_PORTS,
    LaggConfig,
    LaggOption,
    LaggProto,
    LaggStatus,
    PortFlag,
    PortStatus,
)
from lagg_ifconfig.record import LaggRecord, MemberSave

__all__ = ["BATCH", "LINK_POLL_S", "Lagg", "Port"]

log = logging.getLogger("laggd")

#: Frames drained per descriptor per wake-up.
BATCH: Final = 64
#: The safety-net link poll (two ioctls per member).  Events do the real work, but linkwatch
#: delays them up to 1 s for devices that are not "urgent" (plain NICs; veths whose peer has the
#: same ifindex in its namespace), so the poll bounds the failover time (spec linux-mapping §8.6).
LINK_POLL_S: Final = 0.05
_VNET: Final = so.VNET_HDR_LEN
_ZERO_VNET: Final = bytes(_VNET)
_MTU_OP: Final = "ioctl SIOCSIFMTU (set mtu)"
_EV_IN: Final = select.EPOLLIN


class Port:
    """One member: its socket, FreeBSD state and saved attributes."""

    __slots__ = ("collecting", "distributing", "full_duplex", "index", "link", "save", "sock", "speed", "up")

    def __init__(self, save: MemberSave, sock: socket.socket) -> None:
        self.save = save
        self.sock = sock
        self.index = -1
        self.link = False
        self.up = False
        self.speed = 0
        self.full_duplex = True
        self.collecting = False
        self.distributing = False

    @property
    def name(self) -> str:
        return self.save.name

    @property
    def ifindex(self) -> int:
        return self.save.ifindex

    @property
    def active(self) -> bool:
        """FreeBSD's PORTACTIVE: link up and administratively up."""
        return self.link and self.up

    @property
    def mac(self) -> bytes:
        """The member's own MAC (before it took the lagg's): the source of its LACPDUs."""
        return parse_mac(self.save.mac)


def _random_lladdr() -> str:
    raw = bytearray(os.urandom(6))
    raw[0] = (raw[0] & 0xFC) | 0x02  # locally administered, unicast
    return format_mac(bytes(raw))


class Lagg:
    """A running userspace lagg (see the module docstring)."""

    def __init__(self, name: str, *, root: str = record.RUN_ROOT) -> None:
        self.name = name
        self.root = root
        self.ctl = IfCtl()
        self.nft = members.NftDrop(name)
        self.tap: Tap | None = None
        self.tap_ifindex = 0
        self.ports: list[Port] = []  # FreeBSD list order: ascending ifindex
        self.order: list[Port] = []  # addition order
        self.primary: Port | None = None
        self.config = LaggConfig()
        self.hash_key = int.from_bytes(os.urandom(4), "little")
        self.hasher = FrameHasher(self.config.hash, self.hash_key)
        self.portmap = PortMap(self.config.proto, [], hasher=self.hasher)
        self.lladdr = ""
        self.mtu = 1500
        self.generation = 0
        self.tap_up = False
        self.lacp: LacpHook | None = None
        self.speed = -1
        self.stopping = False
        self.destroyed = False
        self.counters = {"tx": 0, "rx": 0, "tx_drop": 0, "rx_drop": 0, "rx_error": 0, "slow": 0}
        self._buf = bytearray(BUF_SIZE)
        self._bufs = [self._buf]
        self._mv = memoryview(self._buf)
        self._send: list[Callable[[memoryview], int]] = []
        self._ep = select.epoll()
        self._handlers: dict[int, Callable[[int], None]] = {}
        self.monitor = LinkMonitor()
        self._register(self.monitor.fileno(), self._on_netlink)
        self._next_poll = 0.0

    # -- epoll registration -----------------------------------------------------------------------

    def _register(self, fd: int, handler: Callable[[int], None]) -> None:
        self._handlers[fd] = handler
        self._ep.register(fd, _EV_IN)

    def register(self, fd: int, handler: Callable[[int], None]) -> None:
        """Add a descriptor (control sockets) to the loop."""
        self._register(fd, handler)

    def unregister(self, fd: int) -> None:
        if self._handlers.pop(fd, None) is not None:
            with contextlib.suppress(OSError, ValueError):
                self._ep.unregister(fd)

    # -- setup ------------------------------------------------------------------------------------

    def create(self) -> None:
        """A new lagg: the TAP must not exist yet (EEXIST)."""
        self.tap = Tap(self.name, create=True)
        self._tap_ready()
        # Linux refuses an all-zero MAC (EADDRNOTAVAIL), so a new lagg keeps the kernel's random one.
        self.lladdr = self.ctl.mac(self.name)
        self.ctl.set_mtu(self.name, 1500)
        self.mtu = 1500
        self.rebuild()
        self.save()

    def restore(self, rec: LaggRecord) -> bool:
        """Take over a lagg from its record; False if its TAP is gone (then the members are restored)."""
        self.config = rec.config
        self.hash_key = rec.hash_key
        self.hasher = FrameHasher(rec.config.hash, rec.hash_key)
        self.generation = rec.generation
        self.mtu = rec.mtu
        if not self.ctl.exists(self.name) or (rec.tap_ifindex and self.ctl.ifindex(self.name) != rec.tap_ifindex):
            log.warning("%s: the TAP is gone; giving the members back", self.name)
            for save in rec.members:
                self._restore_member(save, mtu=True)
            self.nft.delete_table()
            return False
        self.tap = Tap(self.name, create=False)
        self._tap_ready()
        self.lladdr = self.ctl.mac(self.name)
        self.mtu = self.ctl.mtu(self.name)
        wanted = [p for p in rec.config.ports if rec.member(p) is not None]
        for pname in wanted:
            saved = rec.member(pname)
            assert saved is not None
            save = saved
            try:
                current = socket.if_indextoname(save.ifindex)
            except OSError:
                log.warning("%s: member %s has gone", self.name, pname)
                self.nft.remove(save.ifindex)
                continue
            save = MemberSave(current, save.ifindex, save.mac, save.mtu, save.flags, save.disable_ipv6)
            try:
                members.prepare(self.ctl, self.nft, save, self.lladdr)
                sock = open_member_socket(current, save.ifindex, vnet=self.tap.vnet)
            except OSError as exc:
                log.warning("%s: cannot re-attach %s: %s", self.name, current, exc)
                self._restore_member(save, mtu=False)
                continue
            self._insert(Port(save, sock))
        self.config = self._config_with_ports()
        self._set_proto_state(self.config.proto)
        self.refresh_links(force=True)
        self.save()
        return True

    def _tap_ready(self) -> None:
        assert self.tap is not None
        self.tap_ifindex = self.ctl.ifindex(self.name)
        self.tap.carrier = None
        self.tap.set_carrier(False)
        self.tap_up = bool(self.ctl.flags(self.name) & so.IFF_UP)
        self._register(self.tap.fd, self._on_tap)

    # -- record -----------------------------------------------------------------------------------

    def _config_with_ports(self) -> LaggConfig:
        c = self.config
        return LaggConfig(
            c.proto,
            tuple(p.name for p in self.order),
            c.hash,
            c.options,
            c.flowid_shift,
            c.rr_limit,
            c.laggtype,
        )

    def save(self) -> None:
        """Write the record (generation + 1)."""
        self.generation += 1
        self.config = self._config_with_ports()
        rec = LaggRecord(
            name=self.name,
            netns_cookie=record.netns_cookie(),
            config=self.config,
            hash_key=self.hash_key,
            lladdr=self.lladdr,
            mtu=self.mtu,
            generation=self.generation,
            tap_ifindex=self.tap_ifindex,
            members=tuple(p.save for p in self.order),
        )
        try:
            record.write(rec, self.root)
        except OSError as exc:
            log.warning("%s: cannot write the record: %s", self.name, exc)

    # -- state ------------------------------------------------------------------------------------

    def _read_port(self, port: Port) -> bool:
        """Re-read a member's admin state and carrier; True if PORTACTIVE, speed or duplex changed."""
        before = (port.active, port.speed, port.full_duplex)
        try:
            flags = self.ctl.flags(port.name)
            port.up = bool(flags & so.IFF_UP)
            # Carrier loss counts at once (ethtool reads netif_carrier_ok); carrier return only
            # once linkwatch has made the device RUNNING and re-activated its qdisc: before that
            # the kernel drops whatever we send on it.
            port.link = bool(flags & so.IFF_RUNNING) and self.ctl.link(port.name)
        except OSError:
            port.up = port.link = False
        if port.link and (not before[0] or port.speed == 0):
            port.speed, port.full_duplex = self.ctl.media(port.name)
        return (port.active, port.speed, port.full_duplex) != before

    def refresh_links(self, *, force: bool = False) -> None:
        """Re-read every member; rebuild if anything changed."""
        changed = [p for p in self.ports if self._read_port(p)]
        for p in changed:
            log.info("%s: port %s %s", self.name, p.name, "active" if p.active else "inactive")
        if changed or force:
            self.rebuild()
            if self.lacp is not None:
                now = time.monotonic()
                for p in changed:
                    self.lacp.port_changed(p, now)

    def rebuild(self) -> None:
        """A new PortMap, lagg0's carrier and speed, from the ports' current state."""
        for i, p in enumerate(self.ports):
            p.index = i
        states = [PortState(p.ifindex, p.active, p.collecting, p.distributing) for p in self.ports]
        primary = self.ports.index(self.primary) if self.primary in self.ports else -1
        c = self.config
        if self.hasher.layers != c.hash:
            self.hasher = FrameHasher(c.hash, self.hash_key)
        stride = max(1, c.rr_limit)
        old = self.portmap
        pm = PortMap(c.proto, states, primary=primary, hasher=self.hasher, rr_stride=stride)
        if old.proto is c.proto:
            pm.reset_sequence(old.sequence)
        self._send = [p.sock.send for p in self.ports]
        self.portmap = pm
        if self.tap is not None:
            try:
                self.tap.set_carrier(pm.link_up)
            except OSError as exc:
                log.warning("%s: TUNSETCARRIER: %s", self.name, exc)
            speed = self._lagg_speed()
            if speed != self.speed:
                self.speed = speed
                self.ctl.set_speed(self.name, speed)

    def _lagg_speed(self) -> int:
        """FreeBSD's if_baudrate (spec §3.9), in Mb/s."""
        proto = self.config.proto
        if proto is LaggProto.FAILOVER:
            return self.primary.speed if self.primary is not None else 0
        if proto in (LaggProto.ROUNDROBIN, LaggProto.LOADBALANCE, LaggProto.BROADCAST):
            return sum(p.speed for p in self.ports)
        if proto is LaggProto.LACP:
            dist = [p for p in self.ports if p.distributing]
            return dist[0].speed * len(dist) if dist else 0
        return 0

    def status(self) -> LaggStatus:
        """The lagg block of ``ifconfig lagg0`` (FreeBSD 14 semantics)."""
        states = [PortState(p.ifindex, p.active, p.collecting, p.distributing) for p in self.ports]
        primary = self.ports.index(self.primary) if self.primary in self.ports else -1
        c = self.config
        lacp = self.lacp
        flags = port_flags(c.proto, states, primary)
        ports = tuple(self._port_status(p, f) for p, f in zip(self.ports, flags, strict=True))
        if c.proto is LaggProto.LACP:
            active = sum(1 for p in self.ports if p.distributing)
        else:
            active = sum(1 for p in self.ports if p.active)
        rr = max(1, c.rr_limit) if c.proto is LaggProto.ROUNDROBIN else c.rr_limit
        return LaggStatus(
            proto=c.proto,
            hash=c.hash,
            options=c.options,
            flowid_shift=c.flowid_shift,
            rr_limit=rr,
            ports=ports,
            active_ports=active,
            flapping=lacp.flapping() if lacp is not None else 0,
            lag_id=lacp.lag_id() if lacp is not None else None,
            backend="userspace",
            counters=tuple(sorted({**self.counters, **(lacp.counters() if lacp is not None else {})}.items())),
        )

    def _port_status(self, port: Port, flags: PortFlag) -> PortStatus:
        if self.lacp is None:
            return PortStatus(port.name, port.ifindex, flags)
        # lacp: ACTIVE means "in the active aggregator", which only the machine knows (spec §3.2).
        lacp = self.lacp.port_status(port)
        if lacp is None:
            return PortStatus(port.name, port.ifindex, PortFlag(0))
        return PortStatus(port.name, port.ifindex, lacp[0], lacp[1])

    # -- protocol ---------------------------------------------------------------------------------

    def _set_proto_state(self, proto: LaggProto) -> None:
        now = time.monotonic()
        if self.lacp is not None:
            self.lacp.detach(now)
            self.lacp = None
            for p in self.ports:
                p.collecting = p.distributing = False
        if proto is LaggProto.LACP:
            opts = self.config.options
            self.lacp = make_lacp_hook(
                fast_timeout=bool(opts & LaggOption.LACP_FAST_TIMO),
                strict=bool(opts & LaggOption.LACP_STRICT),
            )
            self.lacp.attach(self, now)
            for p in self.ports:
                self.lacp.port_added(p, now)

    # LacpPorts (the hook's view of us)
    def transmit(self, port: object, frame: bytes) -> None:
        """Send a Slow Protocols frame on one member (zero vnet header in front)."""
        assert isinstance(port, Port)
        try:
            port.sock.send(_ZERO_VNET + frame)
        except OSError as exc:
            log.debug("%s: slow protocols tx: %s", port.name, exc)

    def set_port(self, port: object, *, collecting: bool, distributing: bool) -> None:
        assert isinstance(port, Port)
        if (port.collecting, port.distributing) != (collecting, distributing):
            port.collecting, port.distributing = collecting, distributing
            self.rebuild()

    @property
    def running(self) -> bool:
        return self.tap_up

    @property
    def lagg_ifindex(self) -> int:
        return self.tap_ifindex

    @property
    def lladdr_bytes(self) -> bytes:
        return bytes(int(x, 16) for x in self.lladdr.split(":"))

    # -- configuration (control requests) --------------------------------------------------------

    def apply(self, cfg: LaggConfig, base_generation: int | None = None) -> tuple[PortError, ...]:
        """Make the lagg's settings ``cfg`` (ports: remove unwanted, add new ones in order)."""
        if base_generation is not None and base_generation != self.generation:
            raise BackendError(errno.EAGAIN, op="laggd apply", ifname=self.name)
        errors: list[PortError] = []
        proto_changed = cfg.proto is not self.config.proto
        lacp_options = LaggOption.LACP_FAST_TIMO | LaggOption.LACP_STRICT
        options_changed = (cfg.options ^ self.config.options) & lacp_options
        self.config = LaggConfig(
            cfg.proto, self.config.ports, cfg.hash, cfg.options, cfg.flowid_shift, cfg.rr_limit, cfg.laggtype
        )
        if proto_changed:
            self.portmap.reset_sequence(0)
            self._set_proto_state(cfg.proto)
        elif options_changed and self.lacp is not None:
            self.lacp.configure(
                fast_timeout=bool(cfg.options & LaggOption.LACP_FAST_TIMO),
                strict=bool(cfg.options & LaggOption.LACP_STRICT),
                now=time.monotonic(),
            )
        for port in list(self.order):
            if port.name not in cfg.ports:
                self.remove_port(port)
        for pname in cfg.ports:
            if any(p.name == pname for p in self.order):
                continue
            code = self.add_port(pname)
            if code and code != errno.EEXIST:
                errors.append(PortError(self.name, pname, "SIOCSLAGGPORT", code))
        self.rebuild()
        self.save()
        return tuple(errors)

    def _port_owner(self, pname: str) -> str | None:
        """Another userspace lagg in this namespace that has ``pname`` as a port."""
        for other in record.names(self.root):
            if other == self.name:
                continue
            try:
                rec = record.read(other, self.root)
            except OSError:
                continue
            live = rec is not None and (record.daemon_alive(other, self.root) or self.ctl.exists(other))
            if live and rec is not None and pname in rec.config.ports:
                return other
        return None

    def add_port(self, pname: str) -> int:
        """SIOCSLAGGPORT in FreeBSD 14's order (spec §3.4); returns 0 or the errno."""
        ctl = self.ctl
        if not pname or not ctl.exists(pname):
            return errno.EINVAL
        if pname == self.name:
            log.info("%s: cannot add a lagg to itself as a port", self.name)
            return errno.EINVAL
        if len(self.ports) >= LAGG_MAX_PORTS:
            return errno.ENOSPC
        if any(p.name == pname for p in self.ports):
            return errno.EEXIST
        link = get_link(pname)
        if self._port_owner(pname) is not None or (link is not None and link.master):
            return errno.EBUSY
        if not ctl.is_ether(pname) or pname == "lo":
            return errno.EPROTONOSUPPORT
        is_lagg = (link is not None and link.kind in ("bond", "team")) or (
            os.path.exists(record.paths(pname, self.root).record) and record.read(pname, self.root) is not None
        )
        if is_lagg:
            return errno.EINVAL
        try:
            save = members.save_member(ctl, pname)
        except OSError as exc:
            return exc.errno or errno.EINVAL
        first = not self.ports
        old_lagg_mtu = self.mtu
        try:
            if first:
                if save.mtu != self.mtu:
                    ctl.set_mtu(self.name, save.mtu)
                    self.mtu = save.mtu
            elif save.mtu != self.mtu:
                ctl.set_mtu(pname, self.mtu)
        except OSError as exc:
            log.warning("%s: invalid MTU for %s", self.name, pname)
            return exc.errno or errno.EINVAL
        old_lladdr = self.lladdr
        try:
            if first:
                ctl.set_mac(self.name, save.mac)
                self.lladdr = save.mac
            assert self.tap is not None
            members.prepare(ctl, self.nft, save, self.lladdr)
            sock = open_member_socket(pname, save.ifindex, vnet=self.tap.vnet)
        except OSError as exc:
            log.warning("%s: cannot attach %s: %s", self.name, pname, exc)
            self._restore_member(save, mtu=True)
            if first:
                with contextlib.suppress(OSError):
                    ctl.set_mac(self.name, old_lladdr)
                    ctl.set_mtu(self.name, old_lagg_mtu)
                self.lladdr, self.mtu = old_lladdr, old_lagg_mtu
            return exc.errno or errno.EINVAL
        port = Port(save, sock)
        self._insert(port)
        self._read_port(port)
        if self.lacp is not None:
            self.lacp.port_added(port, time.monotonic())
        log.info("%s: added port %s", self.name, pname)
        return 0

    def _insert(self, port: Port) -> None:
        self.order.append(port)
        self.ports.append(port)
        self.ports.sort(key=lambda p: p.ifindex)
        if self.primary is None:
            self.primary = port
        self._register(port.sock.fileno(), self._port_handler(port))

    def _restore_member(self, save: MemberSave, *, mtu: bool) -> None:
        members.restore(self.ctl, self.nft, save, mtu=mtu)

    def remove_port(self, port: Port, *, departed: bool = False, destroying: bool = False) -> None:
        """SIOCSLAGGDELPORT / departure / destroy (spec §3.5)."""
        if self.lacp is not None:
            self.lacp.port_removed(port, time.monotonic())
        self.unregister(port.sock.fileno())
        port.sock.close()
        self.ports.remove(port)
        self.order.remove(port)
        if departed:
            self.nft.remove(port.ifindex)
        else:
            # FreeBSD keeps a changed MTU on removal; destroy gives everything back.
            self._restore_member(port.save, mtu=destroying)
        if port is self.primary:
            self.primary = self.ports[0] if self.ports else None
            if not destroying:
                new = self.primary.save.mac if self.primary is not None else _random_lladdr()
                self._set_lagg_mac(new)
        log.info("%s: removed port %s%s", self.name, port.name, " (departed)" if departed else "")
        if not destroying:
            self.rebuild()

    def _set_lagg_mac(self, mac: str) -> None:
        """The lagg MAC, and every port reprogrammed to it (spec §3.6)."""
        self.lladdr = mac
        try:
            members.set_mac(self.ctl, self.name, mac)
        except OSError as exc:
            log.warning("%s: cannot set MAC %s: %s", self.name, mac, exc)
        for p in self.ports:
            try:
                members.set_mac(self.ctl, p.name, mac)
            except OSError as exc:
                log.warning("%s: cannot set MAC on %s: %s", self.name, p.name, exc)
        if self.lacp is not None:
            self.lacp.lagg_changed(time.monotonic())

    def set_lladdr(self, mac: str) -> None:
        """``ifconfig lagg0 ether X``."""
        try:
            members.set_mac(self.ctl, self.name, mac)
        except (OSError, ValueError) as exc:
            code = exc.errno if isinstance(exc, OSError) and exc.errno else errno.EINVAL
            raise BackendError(code, op="ioctl (set lladdr)", ifname=self.name) from exc
        self._set_lagg_mac(mac)
        self.save()

    def set_mtu(self, mtu: int) -> None:
        """``ifconfig lagg0 mtu N``: every port, reverting all on failure (spec §3.7)."""
        done: list[tuple[str, int]] = []
        try:
            for p in self.ports:
                old = self.ctl.mtu(p.name)
                if old != mtu:
                    self.ctl.set_mtu(p.name, mtu)
                    done.append((p.name, old))
            old_tap = self.ctl.mtu(self.name)
            self.ctl.set_mtu(self.name, mtu)
            done.append((self.name, old_tap))
        except OSError as exc:
            log.warning(
                "%s: failed to change MTU to %d, reverting all ports to original MTU (%d)",
                self.name,
                mtu,
                self.mtu,
            )
            for name, old in reversed(done):
                with contextlib.suppress(OSError):
                    self.ctl.set_mtu(name, old)
            raise BackendError(exc.errno or errno.EINVAL, op=_MTU_OP, ifname=self.name) from exc
        self.mtu = mtu
        self.save()

    def destroy(self) -> None:
        """Give every port back exactly, remove the TAP and the record; the loop then ends."""
        for port in list(reversed(self.order)):
            self.remove_port(port, destroying=True)
        if self.lacp is not None:
            self.lacp.detach(time.monotonic())
            self.lacp = None
        self.nft.delete_table()
        if self.tap is not None:
            self.unregister(self.tap.fd)
            self.tap.close(unpersist=True)
            self.tap = None
        record.remove(self.name, self.root)
        self.destroyed = True
        self.stopping = True
        log.info("%s: destroyed", self.name)

    # -- events -----------------------------------------------------------------------------------

    def _on_netlink(self, _ev: int) -> None:
        try:
            events, overrun = self.monitor.read()
        except OSError as exc:
            log.warning("rtnetlink: %s", exc)
            return
        relevant = overrun
        for e in events:
            if e.ifindex == self.tap_ifindex:
                self._on_tap_event(e)
                relevant = True
                continue
            for p in self.ports:
                if p.ifindex == e.ifindex:
                    relevant = True
                    if e.deleted:
                        self.remove_port(p, departed=True)
                        self.save()
                    elif e.name and e.name != p.name:
                        s = p.save
                        p.save = MemberSave(e.name, s.ifindex, s.mac, s.mtu, s.flags, s.disable_ipv6)
                        self.save()
                    break
        if relevant and not self.stopping:
            self.refresh_links()

    def _on_tap_event(self, e: LinkEvent) -> None:
        if e.deleted:
            log.warning("%s: the TAP was deleted; destroying the lagg", self.name)
            if self.tap is not None:
                self.unregister(self.tap.fd)
                self.tap.close()
                self.tap = None
            self.destroy()
            return
        # Events are snapshots and may be stale by now: re-read the TAP's current state.
        try:
            up = bool(self.ctl.flags(self.name) & so.IFF_UP)
            mac = self.ctl.mac(self.name)
            mtu = self.ctl.mtu(self.name)
        except OSError:
            return
        changed = up != self.tap_up
        self.tap_up = up
        if mac != self.lladdr:
            log.info("%s: new MAC %s; reprogramming the ports", self.name, mac)
            self._set_lagg_mac(mac)
            self.save()
        if mtu != self.mtu:
            try:
                self.set_mtu(mtu)
            except BackendError:
                with contextlib.suppress(OSError):
                    self.ctl.set_mtu(self.name, self.mtu)
        if changed and self.lacp is not None:
            self.lacp.lagg_changed(time.monotonic())

    def _on_tap(self, _ev: int) -> None:
        """Frames from the host stack: pick a port, send (the hot path)."""
        tap = self.tap
        if tap is None:
            return
        fd = tap.fd
        bufs = self._bufs
        mv = self._mv
        pm = self.portmap
        send = self._send
        sent = dropped = 0
        for _ in range(BATCH):
            try:
                n = os.readv(fd, bufs)
            except BlockingIOError:
                break
            except OSError:
                break
            frame = mv[:n]
            i = pm.tx_port(frame, _VNET)
            if i >= 0:
                try:
                    send[i](frame)
                    sent += 1
                except OSError:
                    dropped += 1
            elif i == BROADCAST:
                for j in pm.broadcast_ports:
                    try:
                        send[j](frame)
                        sent += 1
                    except OSError:
                        dropped += 1
            else:
                dropped += 1
        c = self.counters
        c["tx"] += sent
        c["tx_drop"] += dropped

    def _port_handler(self, port: Port) -> Callable[[int], None]:
        recv_into = port.sock.recv_into

        def on_port(_ev: int) -> None:
            """Frames from a member: receive check, write to the TAP (the hot path)."""
            tap = self.tap
            if tap is None:
                return
            fd = tap.fd
            buf = self._buf
            mv = self._mv
            idx = port.index
            rx_ok = self.portmap.rx_ok
            accept = 0 <= idx < len(rx_ok) and rx_ok[idx]
            lacp = self.lacp
            got = bad = 0
            for _ in range(BATCH):
                try:
                    n = recv_into(buf)
                except BlockingIOError:
                    break
                except OSError as exc:
                    log.debug("%s: receive: %s", port.name, exc)
                    break
                if n < _VNET + 14:
                    bad += 1
                    continue
                if lacp is not None and buf[_VNET + 12] == 0x88 and buf[_VNET + 13] == 0x09:
                    self.counters["slow"] += 1
                    lacp.pdu_received(port, bytes(buf[_VNET:n]), time.monotonic())
                    continue
                if not accept:
                    continue
                try:
                    os.write(fd, mv[:n])
                    got += 1
                except OSError:
                    bad += 1
            c = self.counters
            c["rx"] += got
            c["rx_error"] += bad

        return on_port

    # -- loop -------------------------------------------------------------------------------------

    def run(self) -> None:
        """The epoll loop, until destroy or a stop signal."""
        wake_r, wake_w = socket.socketpair()
        wake_r.setblocking(False)
        wake_w.setblocking(False)
        old_wakeup = signal.set_wakeup_fd(wake_w.fileno(), warn_on_full_buffer=False)

        def on_signal(signum: int, _frame: object) -> None:
            log.info("%s: signal %d: detaching (the TAP and record stay)", self.name, signum)
            self.stopping = True

        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, on_signal)

        def drain_wake(_ev: int) -> None:
            with contextlib.suppress(OSError):
                wake_r.recv(4096)

        self._register(wake_r.fileno(), drain_wake)
        handlers = self._handlers
        poll = self._ep.poll
        try:
            while not self.stopping:
                now = time.monotonic()
                deadline = self._next_poll
                lacp = self.lacp
                lacp_deadline = lacp.next_deadline() if lacp is not None else None
                if lacp_deadline is not None and lacp_deadline < deadline:
                    deadline = lacp_deadline
                timeout = max(0.0, deadline - now)
                try:
                    events = poll(timeout, 64)
                except InterruptedError:
                    continue
                for fd, ev in events:
                    h = handlers.get(fd)
                    if h is not None:
                        h(ev)
                now = time.monotonic()
                if now >= self._next_poll and not self.stopping:
                    self._next_poll = now + LINK_POLL_S
                    self.refresh_links()
                lacp = self.lacp
                if lacp is not None:
                    d = lacp.next_deadline()
                    if d is not None and d <= now:
                        lacp.poll(now)
        finally:
            signal.set_wakeup_fd(old_wakeup)
            self.unregister(wake_r.fileno())
            wake_r.close()
            wake_w.close()

    def close(self) -> None:
        """Detach: close sockets and the TAP fd (it persists), keep the record."""
        for p in self.ports:
            with contextlib.suppress(OSError):
                p.sock.close()
        if self.tap is not None:
            self.tap.close()
            self.tap = None
        self.monitor.close()
        self._ep.close()
        self.ctl.close()
