"""The live system: netlink for every interface, the lagg backend for lagg settings.

This is the I/O edge behind ``apply.System``.  Every failure becomes a
``BackendError`` carrying FreeBSD's operation label for that keyword
(``ioctl SIOCSIFMTU (set mtu)``, ``ioctl (SIOCAIFADDR)``...), so the CLI
prints exactly what FreeBSD's ifconfig prints (spec §1.3).

Heavy modules are imported where first needed: a status query must not pay
for the lagg daemon client or address parsing it never uses.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from lagg_ifconfig.errors import BackendError, PortError
from lagg_ifconfig.linux.rtnl import Rtnl
from lagg_ifconfig.model import Address, LaggConfig, Nd6Flag

__all__ = ["LinuxSystem", "lagg_backend"]

_FAMILY = {"inet": socket.AF_INET, "inet6": socket.AF_INET6}

#: ND6 flag -> (/proc/sys/net/ipv6/conf/IF/<name>, value when the flag is set, when clear)
_ND6_SYSCTL: dict[Nd6Flag, tuple[str, str, str]] = {
    Nd6Flag.IFDISABLED: ("disable_ipv6", "1", "0"),
    Nd6Flag.ACCEPT_RTADV: ("accept_ra", "1", "0"),
    Nd6Flag.AUTO_LINKLOCAL: ("addr_gen_mode", "0", "1"),
    Nd6Flag.NO_DAD: ("accept_dad", "0", "1"),
    Nd6Flag.PERFORMNUD: ("ndisc_notify", "0", "0"),
}


def lagg_backend() -> ModuleType:
    """The lagg backend module for laggs made here (userspace until bonding lands)."""
    from lagg_ifconfig.backends import userspace  # noqa: PLC0415  (only lagg operations need it)

    return userspace


@contextmanager
def _op(label: str, ifname: str = "") -> Iterator[None]:
    """Re-label a failure with FreeBSD's operation text for this keyword."""
    try:
        yield
    except BackendError as exc:
        raise BackendError(exc.errno or errno.EIO, op=label, ifname=ifname) from exc
    except OSError as exc:
        raise BackendError(exc.errno or errno.EIO, op=label, ifname=ifname) from exc


class LinuxSystem:
    """``apply.System`` on rtnetlink plus the lagg backend."""

    def __init__(self, rtnl: Rtnl) -> None:
        self.rtnl = rtnl

    def _index(self, name: str) -> int:
        link = self.rtnl.link(name)
        if link is None:
            raise BackendError(errno.ENXIO, text=f"interface {name} does not exist")
        return link.index

    def create(self, name: str, laggtype: str | None) -> None:
        if laggtype == "infiniband":
            raise BackendError(errno.EPROTONOSUPPORT, op=f"SIOCIFCREATE2 ({name})")
        lagg_backend().create(name)

    def destroy(self, name: str) -> None:
        backend = lagg_backend()
        if backend.is_lagg(name):
            backend.destroy(name)
            return
        raise BackendError(errno.EINVAL, op="SIOCIFDESTROY")

    def rename(self, name: str, new_name: str) -> None:
        index = self._index(name)
        link = self.rtnl.link_by_index(index)
        was_up = bool(link and link.flags & 0x1)
        with _op("ioctl SIOCSIFNAME (set name)", name):
            # Linux renames only a down interface; FreeBSD renames any: hide the bounce.
            if was_up:
                self.rtnl.set_link(index, up=False)
            try:
                self.rtnl.set_link(index, ifname=new_name)
            finally:
                if was_up:
                    self.rtnl.set_link(index, up=True)

    def set_up(self, name: str, up: bool) -> None:
        with _op("up" if up else "down", name):
            self.rtnl.set_link(self._index(name), up=up)

    def set_mtu(self, name: str, mtu: int, lagg: bool) -> None:
        with _op("ioctl SIOCSIFMTU (set mtu)", name):
            if lagg:
                lagg_backend().set_mtu(name, mtu)
            else:
                self.rtnl.set_link(self._index(name), mtu=mtu)

    def set_lladdr(self, name: str, mac: str, lagg: bool) -> None:
        with _op("ioctl (SIOCSIFLLADDR)", name):
            if lagg:
                lagg_backend().set_lladdr(name, mac)
            else:
                self.rtnl.set_link(self._index(name), lladdr=bytes.fromhex(mac.replace(":", "")))

    def set_description(self, name: str, text: str) -> None:
        try:
            with _op("ioctl (set descr)", name):
                self.rtnl.set_link(self._index(name), ifalias=text)
        except BackendError as exc:
            # Linux says ERANGE past IFALIASZ; FreeBSD's SIOCSIFDESCR says ENAMETOOLONG.
            if exc.errno == errno.ERANGE:
                raise BackendError(errno.ENAMETOOLONG, op=exc.op, ifname=name) from exc
            raise

    def add_address(self, name: str, address: Address) -> None:
        with _op("ioctl (SIOCAIFADDR)", name):
            self.rtnl.add_address(
                self._index(name),
                _FAMILY[address.family],
                address.address.partition("%")[0],
                address.prefixlen,
                broadcast=address.broadcast,
                peer=address.peer,
            )

    def del_address(self, name: str, address: Address) -> None:
        with _op("ioctl (SIOCDIFADDR)", name):
            self.rtnl.del_address(
                self._index(name),
                _FAMILY[address.family],
                address.address.partition("%")[0],
                address.prefixlen,
            )

    def set_nd6(self, name: str, flag: Nd6Flag, on: bool) -> None:
        sysctl, when_set, when_clear = _ND6_SYSCTL[flag]
        with _op("ioctl(SIOCSIFINFO_IN6)", name):
            path = f"/proc/sys/net/ipv6/conf/{name}/{sysctl}"
            with open(path, "w", encoding="ascii") as knob:
                knob.write(when_set if on else when_clear)

    def set_arp(self, name: str, on: bool) -> None:
        with _op("arp" if on else "-arp", name):
            self.rtnl.set_link(self._index(name), arp=on)

    def set_promisc(self, name: str, on: bool) -> None:
        with _op("promisc" if on else "-promisc", name):
            self.rtnl.set_link(self._index(name), promisc=on)

    def apply_lagg(self, name: str, lagg: LaggConfig) -> tuple[PortError, ...]:
        result: tuple[PortError, ...] = lagg_backend().apply(name, lagg)
        return result
