"""The userspace backend's client: reach (or start) the lagg's ``laggd`` and talk to it.

Theory of operation
-------------------
Each userspace lagg is served by its own ``laggd`` (architecture D8), found
through files in this network namespace's run directory (see
:mod:`lagg_ifconfig.record`): ``<lagg>.sock`` is its control socket,
``<lagg>.json`` its record, ``<lagg>.pid`` a lock it holds while alive.
Everything is keyed by the calling thread's network namespace, so a caller
that ``setns()``-ed into another namespace reaches that namespace's laggs and
starts daemons there.

Every call opens the control socket, says ``hello``, sends one request and
reads one reply (:mod:`lagg_ifconfig.control`).  When the socket does not
answer but a record exists (the daemon was killed), a new ``laggd`` is
started; it re-attaches to the persistent TAP and the members from the
record, so ``observe``/``apply`` after a ``kill -9`` find the lagg as it was.

This module is imported by ``ifconfig`` for every status call, so it imports
only the standard library and our own small modules; ``subprocess`` is
imported when a daemon has to be started.
"""

from __future__ import annotations

import errno
import os
import socket
import sys
import time
from typing import Final

from lagg_ifconfig import control, record
from lagg_ifconfig.errors import BackendError, DaemonError, PortError, UnsupportedError
from lagg_ifconfig.model import LaggConfig, LaggStatus

__all__ = ["apply", "create", "destroy", "is_lagg", "names", "observe", "set_lladdr", "set_mtu"]

#: How long ``create`` (and a restart) waits for the daemon's hello.
START_TIMEOUT_S: Final = 5.0
#: How long one request may take (a port add runs nft once).
REQUEST_TIMEOUT_S: Final = 30.0
_ERROR_CLASSES: Final = {
    "BackendError": BackendError,
    "DaemonError": DaemonError,
    "UnsupportedError": UnsupportedError,
}


def _interface_exists(name: str) -> bool:
    try:
        socket.if_nametoindex(name)
    except OSError:
        return False
    return True


def is_lagg(name: str) -> bool:
    """Is ``name`` a userspace lagg in this network namespace (a live daemon, or a valid record)?"""
    if not name or "/" in name:
        return False
    if record.daemon_alive(name):
        return True
    if not os.path.exists(record.paths(name).record):
        return False
    try:
        rec = record.read(name)
    except OSError:
        return False
    # A record without a daemon is a lagg whose daemon died: its TAP (persistent) is still there.
    return rec is not None and _interface_exists(name)


def names() -> tuple[str, ...]:
    """The userspace laggs of this network namespace, sorted."""
    return tuple(n for n in record.names() if is_lagg(n))


def _spawn(name: str) -> None:
    """Start ``laggd NAME`` (it daemonizes and reports once serving or failed)."""
    import json  # noqa: PLC0415 - only when a daemon is started
    import subprocess  # noqa: PLC0415

    argv = [sys.executable, "-m", "lagg_ifconfig.laggd", name]
    try:
        proc = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise DaemonError(errno.ETIMEDOUT, f"laggd for {name} did not start", ifname=name) from exc
    except OSError as exc:
        raise DaemonError(exc.errno or errno.EIO, f"cannot start laggd: {exc}", ifname=name) from exc
    lines = proc.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1]) if lines else {}
    except ValueError:
        result = {}
    if proc.returncode == 0 and result.get("ok"):
        return
    code = int(result.get("errno") or errno.EIO)
    text = str(result.get("text") or proc.stderr.strip() or "laggd failed")
    raise DaemonError(code, f"laggd: {text}", ifname=name)


class _Connection:
    """One control connection (hello done)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.next_id = 1

    def call(self, make: type, *args: object) -> control.Reply:
        mid = self.next_id
        self.next_id += 1
        msg = make(mid, *args)
        try:
            self.sock.send(control.encode(msg))
            data = self.sock.recv(control.MAX_MESSAGE + 1)
        except OSError as exc:
            raise DaemonError(exc.errno or errno.EIO, f"laggd: {exc.strerror or exc}") from exc
        if not data:
            raise DaemonError(errno.ECONNRESET, "laggd closed the connection")
        try:
            reply = control.decode_reply(data)
        except control.ControlProtocolError as exc:
            raise DaemonError(errno.EPROTO, f"laggd: {exc}") from exc
        if isinstance(reply, control.ErrorReply):
            cls = _ERROR_CLASSES.get(reply.kind, BackendError)
            raise cls(reply.errno, reply.text, op=reply.op, ifname=reply.ifname)
        return reply

    def close(self) -> None:
        self.sock.close()


def _try_connect(name: str) -> _Connection | None:
    path = record.paths(name).sock
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(REQUEST_TIMEOUT_S)
    try:
        s.connect(path)
    except OSError:
        s.close()
        return None
    conn = _Connection(s)
    try:
        reply = conn.call(control.Hello, (control.PROTOCOL_VERSION,))
    except BackendError:
        conn.close()
        raise
    if not isinstance(reply, control.HelloReply) or reply.version != control.PROTOCOL_VERSION:
        conn.close()
        raise DaemonError(errno.EPROTONOSUPPORT, "laggd speaks another protocol version", ifname=name)
    return conn


def _connect(name: str) -> _Connection:
    """A connection to ``name``'s daemon, restarting it from the record if it died."""
    conn = _try_connect(name)
    if conn is not None:
        return conn
    with record.serialised():
        conn = _try_connect(name)
        if conn is not None:
            return conn
        try:
            rec = record.read(name)
        except OSError as exc:
            raise DaemonError(exc.errno or errno.EIO, f"{name}: unreadable record", ifname=name) from exc
        if rec is None:
            raise DaemonError(errno.ENXIO, f"{name}: no such userspace lagg", ifname=name)
        if not record.daemon_alive(name):
            _spawn(name)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            conn = _try_connect(name)
            if conn is not None:
                return conn
            if time.monotonic() > deadline:
                raise DaemonError(errno.ETIMEDOUT, f"laggd for {name} is unreachable", ifname=name)
            time.sleep(0.01)


def _call(name: str, make: type, *args: object) -> control.Reply:
    conn = _connect(name)
    try:
        return conn.call(make, *args)
    finally:
        conn.close()


def create(name: str) -> None:
    """Start ``laggd`` for a new lagg ``name``: a TAP, down, MTU 1500, no ports.

    Linux refuses an all-zero MAC, so the new lagg has the kernel's random
    locally administered MAC until its first port gives it one.
    Raises BackendError(EEXIST, op="SIOCIFCREATE2") if ``name`` exists.
    """
    with record.serialised():
        if is_lagg(name) or _interface_exists(name):
            raise BackendError(errno.EEXIST, op="SIOCIFCREATE2", ifname=name)
        try:
            rec = record.read(name)
        except OSError:
            rec = None
        if rec is None:
            record.remove(name)  # a stale record of a namespace that reused this inode
        try:
            _spawn(name)
        except DaemonError as exc:
            if exc.errno == errno.EEXIST:
                raise BackendError(errno.EEXIST, op="SIOCIFCREATE2", ifname=name) from exc
            raise
    conn = _try_connect(name)
    if conn is None:
        raise DaemonError(errno.ECONNREFUSED, f"laggd for {name} is unreachable", ifname=name)
    conn.close()


def destroy(name: str) -> None:
    """Give every member back exactly as it was, remove the TAP and the record, stop the daemon."""
    _call(name, control.Destroy)
    deadline = time.monotonic() + START_TIMEOUT_S
    while record.daemon_alive(name) and time.monotonic() < deadline:
        time.sleep(0.005)


def apply(name: str, lagg: LaggConfig) -> tuple[PortError, ...]:
    """Make the lagg's settings ``lagg``; returns the ports that could not be added (FreeBSD goes on)."""
    reply = _call(name, control.Apply, lagg, None)
    assert isinstance(reply, control.ApplyReply)
    return reply.port_errors


def set_mtu(name: str, mtu: int) -> None:
    """``ifconfig lagg0 mtu N``: every port, all reverted on failure (op ``ioctl SIOCSIFMTU (set mtu)``)."""
    _call(name, control.SetMtu, mtu)


def set_lladdr(name: str, mac: str) -> None:
    """``ifconfig lagg0 ether X``: the lagg and every port get ``mac``."""
    _call(name, control.SetLladdr, mac)


def observe(name: str) -> LaggStatus:
    """The lagg's FreeBSD status (ports in ascending ifindex); DaemonError if unreachable."""
    reply = _call(name, control.Observe)
    assert isinstance(reply, control.StateReply)
    return reply.status
