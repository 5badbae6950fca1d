"""Persisted records of userspace laggs, one directory per network namespace.

Theory of operation
-------------------
A userspace lagg must survive its daemon (architecture D9): the TAP is
persistent, and everything else the daemon knows is written here, so a new
``laggd`` (started by systemd or by the next client call) can take over
exactly where a killed one stopped: protocol, hash set and key, options, the
ports in addition order, the lagg MAC, and every member's saved attributes
(to give it back exactly as it was).

Layout, per network namespace (the directory is keyed by the inode number of
the calling *thread's* ``/proc/thread-self/ns/net``, since a client may have
``setns()``-ed one thread only)::

    /run/lagg_ifconfig/ns-<inode>/           0700
        lock                                  flock: serialises clients and record writes
        <lagg>.json                           the record (atomic: temp, fsync, rename)
        <lagg>.sock                           laggd control socket (0600)
        <lagg>.pid                            flock-ed by the running laggd for its lifetime
        <lagg>.log                            laggd's stderr when started detached

Namespace inode numbers are reused once a namespace is gone, so each record
also carries the namespace *cookie* (``SO_NETNS_COOKIE``, never reused); a
record whose cookie differs from the current namespace's is stale.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import struct
from collections.abc import Iterator
from typing import Any, Final, NamedTuple

from lagg_ifconfig.control import ControlProtocolError, config_from_json, config_to_json
from lagg_ifconfig.model import LaggConfig

__all__ = [
    "RECORD_VERSION",
    "RUN_ROOT",
    "LaggRecord",
    "MemberSave",
    "Paths",
    "RecordError",
    "daemon_alive",
    "names",
    "netns_cookie",
    "netns_dir",
    "netns_inode",
    "paths",
    "read",
    "remove",
    "serialised",
    "write",
]

RUN_ROOT: Final = "/run/lagg_ifconfig"
RECORD_VERSION: Final = 1
_SO_NETNS_COOKIE: Final = 71
_NS_PATH: Final = "/proc/thread-self/ns/net"


class RecordError(OSError):
    """A record exists but cannot be read or parsed."""


class MemberSave(NamedTuple):
    """A member's attributes before it joined, restored when it leaves.

    ``disable_ipv6``/``arp_ignore`` are the sysctl texts, or "" when the
    sysctl did not exist; ``flags`` the Linux IFF_* bits we may change.
    """

    name: str
    ifindex: int
    mac: str
    mtu: int
    flags: int
    disable_ipv6: str = ""


class LaggRecord(NamedTuple):
    """Everything needed to rebuild a userspace lagg in a new ``laggd``."""

    name: str
    netns_cookie: int
    config: LaggConfig
    hash_key: int
    lladdr: str
    mtu: int = 1500
    generation: int = 0
    tap_ifindex: int = 0
    members: tuple[MemberSave, ...] = ()

    def member(self, name: str) -> MemberSave | None:
        """The saved attributes of member ``name``, if it is one."""
        for m in self.members:
            if m.name == name:
                return m
        return None


class Paths(NamedTuple):
    """The files of one lagg in one namespace directory."""

    dir: str
    lock: str
    record: str
    sock: str
    pid: str
    log: str


def netns_inode() -> int:
    """The calling thread's network namespace inode (directory key)."""
    return os.stat(_NS_PATH).st_ino


def netns_cookie() -> int:
    """The calling thread's network namespace cookie (never reused; 0 if the kernel lacks it)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        try:
            raw = s.getsockopt(socket.SOL_SOCKET, _SO_NETNS_COOKIE, 8)
        except OSError:
            return 0
    return int(struct.unpack("=Q", raw)[0])


def netns_dir(root: str = RUN_ROOT, *, create: bool = False) -> str:
    """This namespace's directory (made 0700 with ``create``)."""
    path = f"{root}/ns-{netns_inode()}"
    if create:
        os.makedirs(root, mode=0o700, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.mkdir(path, 0o700)
        os.chmod(path, 0o700)
    return path


def paths(name: str, root: str = RUN_ROOT, *, create: bool = False) -> Paths:
    """The files of lagg ``name`` in this namespace."""
    d = netns_dir(root, create=create)
    return Paths(d, f"{d}/lock", f"{d}/{name}.json", f"{d}/{name}.sock", f"{d}/{name}.pid", f"{d}/{name}.log")


@contextlib.contextmanager
def serialised(root: str = RUN_ROOT) -> Iterator[str]:
    """Hold this namespace's lock (exclusive flock) for the block; yields the directory."""
    d = netns_dir(root, create=True)
    fd = os.open(f"{d}/lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield d
    finally:
        os.close(fd)


def daemon_alive(name: str, root: str = RUN_ROOT) -> bool:
    """Is a ``laggd`` for ``name`` running here (does someone hold its pid-file lock)?"""
    try:
        fd = os.open(paths(name, root).pid, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        return exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN)
    finally:
        os.close(fd)
    return False


def _to_json(rec: LaggRecord) -> dict[str, Any]:
    return {
        "version": RECORD_VERSION,
        "name": rec.name,
        "netns_cookie": rec.netns_cookie,
        "generation": rec.generation,
        "config": config_to_json(rec.config),
        "hash_key": rec.hash_key,
        "lladdr": rec.lladdr,
        "mtu": rec.mtu,
        "tap_ifindex": rec.tap_ifindex,
        "members": [
            {
                "name": m.name,
                "ifindex": m.ifindex,
                "mac": m.mac,
                "mtu": m.mtu,
                "flags": m.flags,
                "disable_ipv6": m.disable_ipv6,
            }
            for m in rec.members
        ],
    }


def _from_json(obj: Any) -> LaggRecord:
    try:
        members = tuple(
            MemberSave(
                name=str(m["name"]),
                ifindex=int(m["ifindex"]),
                mac=str(m["mac"]),
                mtu=int(m["mtu"]),
                flags=int(m["flags"]),
                disable_ipv6=str(m.get("disable_ipv6", "")),
            )
            for m in obj["members"]
        )
        return LaggRecord(
            name=str(obj["name"]),
            netns_cookie=int(obj["netns_cookie"]),
            config=config_from_json(obj["config"]),
            hash_key=int(obj["hash_key"]),
            lladdr=str(obj["lladdr"]),
            mtu=int(obj.get("mtu", 1500)),
            generation=int(obj.get("generation", 0)),
            tap_ifindex=int(obj.get("tap_ifindex", 0)),
            members=members,
        )
    except (KeyError, TypeError, ValueError, ControlProtocolError) as exc:
        raise RecordError(errno.EINVAL, f"bad lagg record: {exc}") from exc


def read(name: str, root: str = RUN_ROOT) -> LaggRecord | None:
    """The record of ``name`` in this namespace, or None (none, or stale: another namespace's)."""
    try:
        with open(paths(name, root).record, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    try:
        obj = json.loads(data)
    except ValueError as exc:
        raise RecordError(errno.EINVAL, f"bad lagg record: {exc}") from exc
    rec = _from_json(obj)
    cookie = netns_cookie()
    if rec.netns_cookie and cookie and rec.netns_cookie != cookie:
        return None
    return rec


def write(rec: LaggRecord, root: str = RUN_ROOT) -> None:
    """Atomically replace the record of ``rec.name`` (temp file, fsync, rename, fsync dir)."""
    p = paths(rec.name, root, create=True)
    tmp = f"{p.record}.tmp{os.getpid()}"
    data = json.dumps(_to_json(rec), indent=1, sort_keys=True).encode()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.rename(tmp, p.record)
    dfd = os.open(p.dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def remove(name: str, root: str = RUN_ROOT) -> None:
    """Delete the record (and the socket, pid and log files) of ``name``; missing files are fine."""
    p = paths(name, root)
    for path in (p.record, p.sock, p.pid, p.log):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def names(root: str = RUN_ROOT) -> tuple[str, ...]:
    """Laggs with a record in this namespace (not checked for staleness), sorted."""
    try:
        entries = os.listdir(netns_dir(root))
    except FileNotFoundError:
        return ()
    return tuple(sorted(e[:-5] for e in entries if e.endswith(".json")))
