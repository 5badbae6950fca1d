"""Member preparation and restoration: the host stack must never see a member's frames.

Theory of operation
-------------------
FreeBSD gives every port the lagg's MAC (spec freebsd-lagg §3.6).  On Linux a
member holding lagg0's MAC would receive lagg0's frames as PACKET_HOST and
the host stack would answer them twice (once via the member, once via the
TAP) and answer ARP from the member.  So each member gets, while enslaved:

* an **nftables netdev ingress drop** (table ``netdev lagg_ifconfig_<lagg>``,
  one base chain ``m<ifindex>`` per member, ``policy drop``): the host stack
  no longer sees the member's frames, while laggd's ETH_P_ALL socket, which
  taps frames before the ingress hook, still gets every one (spec
  linux-mapping §8.4);
* ``IFF_NOARP`` and ``disable_ipv6=1`` (no ARP, no IPv6 addresses, no ND);
* the lagg MAC.

:class:`MemberSave` keeps what was there before, and :func:`restore` puts it
back: MAC, ARP flag, ``disable_ipv6``, optionally the MTU, and the chain goes.
Every step is idempotent, so a daemon that replaces a killed one can run
:func:`prepare` again with the recorded save.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import re
import shutil
import subprocess

from lagg_ifconfig.laggd import sockopts as so
from lagg_ifconfig.laggd.ifctl import IfCtl
from lagg_ifconfig.record import MemberSave

__all__ = ["NftDrop", "prepare", "restore", "save_member"]

log = logging.getLogger("laggd")


class NftDrop:
    """The netdev ingress drop chains of one lagg."""

    def __init__(self, lagg: str) -> None:
        self.table = "lagg_ifconfig_" + re.sub(r"[^A-Za-z0-9_]", "_", lagg)
        self.nft = shutil.which("nft") or "/usr/sbin/nft"

    def _run(self, script: str, *, check: bool = True) -> bool:
        try:
            proc = subprocess.run(
                [self.nft, "-f", "-"], input=script, capture_output=True, text=True, check=False, timeout=10
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            if check:
                raise OSError(errno.EOPNOTSUPP, f"nft: {exc}") from exc
            return False
        if proc.returncode != 0:
            if check:
                raise OSError(errno.EOPNOTSUPP, f"nft: {proc.stderr.strip()}")
            return False
        return True

    def add(self, member: str, ifindex: int) -> None:
        """Drop everything arriving on ``member`` before the host stack sees it."""
        self._run(
            f"add table netdev {self.table}\n"
            f"add chain netdev {self.table} m{ifindex} "
            f'{{ type filter hook ingress device "{member}" priority 0 ; policy drop ; }}\n'
        )

    def remove(self, ifindex: int) -> None:
        self._run(f"delete chain netdev {self.table} m{ifindex}\n", check=False)

    def delete_table(self) -> None:
        self._run(f"delete table netdev {self.table}\n", check=False)


def _sysctl_path(name: str) -> str:
    return f"/proc/sys/net/ipv6/conf/{name}/disable_ipv6"


def _read_sysctl(path: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


def _write_sysctl(path: str, value: str) -> None:
    if not value:
        return
    try:
        with open(path, "w") as f:
            f.write(value)
    except OSError as exc:
        log.warning("cannot write %s: %s", path, exc)


def save_member(ctl: IfCtl, name: str) -> MemberSave:
    """What :func:`restore` will put back."""
    return MemberSave(
        name=name,
        ifindex=ctl.ifindex(name),
        mac=ctl.mac(name),
        mtu=ctl.mtu(name),
        flags=ctl.flags(name),
        disable_ipv6=_read_sysctl(_sysctl_path(name)),
    )


def set_mac(ctl: IfCtl, name: str, mac: str) -> None:
    """Set a MAC; devices that refuse a live change (EBUSY) are bounced down and up."""
    if ctl.mac(name) == mac:
        return
    try:
        ctl.set_mac(name, mac)
    except OSError as exc:
        if exc.errno != errno.EBUSY:
            raise
        old = ctl.change_flags(name, clear_bits=so.IFF_UP)
        try:
            ctl.set_mac(name, mac)
        finally:
            if old & so.IFF_UP:
                ctl.change_flags(name, set_bits=so.IFF_UP)


def prepare(ctl: IfCtl, nft: NftDrop, save: MemberSave, lagg_mac: str) -> None:
    """Make ``save.name`` a member: ingress drop first, then ARP/IPv6 off, then the lagg MAC."""
    nft.add(save.name, save.ifindex)
    ctl.change_flags(save.name, set_bits=so.IFF_NOARP)
    if save.disable_ipv6:
        _write_sysctl(_sysctl_path(save.name), "1")
    set_mac(ctl, save.name, lagg_mac)


def restore(ctl: IfCtl, nft: NftDrop, save: MemberSave, *, mtu: bool) -> None:
    """Give ``save.name`` back as it was (MTU only with ``mtu``); every step tried, errors logged."""
    name = save.name
    with contextlib.suppress(OSError):
        name = _current_name(ctl, save)

    def arp() -> None:
        ctl.change_flags(name, set_bits=save.flags & so.IFF_NOARP, clear_bits=so.IFF_NOARP & ~save.flags)

    def mtu_back() -> None:
        if mtu and ctl.mtu(name) != save.mtu:
            ctl.set_mtu(name, save.mtu)

    def mac() -> None:
        set_mac(ctl, name, save.mac)

    def ipv6() -> None:
        _write_sysctl(_sysctl_path(name), save.disable_ipv6)

    for what, step in (("MTU", mtu_back), ("MAC", mac), ("ARP", arp), ("disable_ipv6", ipv6)):
        try:
            step()
        except OSError as exc:
            log.warning("%s: cannot restore %s: %s", name, what, exc)
    nft.remove(save.ifindex)


def _current_name(ctl: IfCtl, save: MemberSave) -> str:
    """The member's name now (a rename keeps it in the lagg): by ifindex via /proc/net/dev order."""
    if ctl.exists(save.name) and ctl.ifindex(save.name) == save.ifindex:
        return save.name
    import socket  # noqa: PLC0415 - rare path

    return socket.if_indextoname(save.ifindex)
