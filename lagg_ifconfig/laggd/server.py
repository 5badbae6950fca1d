"""laggd's control socket: AF_UNIX SOCK_SEQPACKET, root only, one JSON message per datagram.

Theory of operation
-------------------
The socket lives at ``/run/lagg_ifconfig/ns-<inode>/<lagg>.sock`` (directory
0700, socket 0600).  Each accepted connection is checked with
``SO_PEERCRED``: only uid 0 may talk to the daemon (anyone else gets one
``EPERM`` error reply and is disconnected).  The first request must be
``hello``; a client of another protocol major version gets
``EPROTONOSUPPORT``.  Requests are handled one at a time, inside the
daemon's single loop (architecture D10), by the dispatcher the runtime
passes in; any :class:`~lagg_ifconfig.errors.BackendError` becomes an
``error`` reply carrying its class name, errno, op and text.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import socket
import struct
from collections.abc import Callable

from lagg_ifconfig import control
from lagg_ifconfig.errors import BackendError, strerror

__all__ = ["ControlServer"]

log = logging.getLogger("laggd")

_UCRED = struct.Struct("=iII")

Dispatch = Callable[[control.Request], control.Reply]


class ControlServer:
    """The listening socket and its connections."""

    def __init__(
        self,
        path: str,
        name: str,
        dispatch: Dispatch,
        register: Callable[[int, Callable[[int], None]], None],
        unregister: Callable[[int], None],
    ) -> None:
        self.path = path
        self.name = name
        self.dispatch = dispatch
        self._register = register
        self._unregister = unregister
        self.conns: dict[int, tuple[socket.socket, bool]] = {}  # fd -> (socket, hello seen)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_NONBLOCK)
        old = os.umask(0o177)
        try:
            self.sock.bind(path)
        finally:
            os.umask(old)
        os.chmod(path, 0o600)
        self.sock.listen(8)
        register(self.sock.fileno(), self._on_accept)

    def _on_accept(self, _ev: int) -> None:
        while True:
            try:
                conn, _addr = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                log.warning("control accept: %s", exc)
                return
            conn.setblocking(False)
            pid, uid, _gid = _UCRED.unpack(conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size))
            if uid != 0:
                log.warning("control: refusing uid %d (pid %d)", uid, pid)
                self._send(conn, control.ErrorReply(0, "DaemonError", errno.EPERM, op="laggd", ifname=self.name))
                conn.close()
                continue
            fd = conn.fileno()
            self.conns[fd] = (conn, False)
            self._register(fd, self._on_message)

    def _send(self, conn: socket.socket, reply: control.Reply) -> None:
        try:
            conn.setblocking(True)
            conn.settimeout(2.0)
            conn.send(control.encode(reply))
        except OSError as exc:
            log.debug("control send: %s", exc)
        finally:
            with contextlib.suppress(OSError):
                conn.setblocking(False)

    def _close(self, fd: int) -> None:
        entry = self.conns.pop(fd, None)
        self._unregister(fd)
        if entry is not None:
            entry[0].close()

    def _on_message(self, fd: int) -> None:
        del fd  # the handler is registered per fd; find the connection that is readable
        for cfd in list(self.conns):
            self._serve(cfd)

    def _serve(self, fd: int) -> None:
        entry = self.conns.get(fd)
        if entry is None:
            return
        conn, hello = entry
        try:
            data = conn.recv(control.MAX_MESSAGE + 1)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(fd)
            return
        if not data:
            self._close(fd)
            return
        reply = self._handle(data, hello)
        if isinstance(reply, control.HelloReply):
            self.conns[fd] = (conn, True)
        self._send(conn, reply)
        if isinstance(reply, control.ErrorReply) and reply.errno == errno.EPROTONOSUPPORT:
            self._close(fd)

    def _handle(self, data: bytes, hello: bool) -> control.Reply:
        try:
            req = control.decode_request(data)
        except control.ControlProtocolError as exc:
            version = control.message_version(data)
            code = errno.EPROTONOSUPPORT if version not in (None, control.PROTOCOL_VERSION) else errno.EPROTO
            return control.ErrorReply(0, "DaemonError", code, op="laggd", ifname=self.name, text=str(exc))
        if isinstance(req, control.Hello):
            if control.PROTOCOL_VERSION not in req.versions:
                return control.ErrorReply(req.id, "DaemonError", errno.EPROTONOSUPPORT, op="laggd")
            return control.HelloReply(req.id, control.PROTOCOL_VERSION, os.getpid(), self.name)
        if not hello:
            return control.ErrorReply(req.id, "DaemonError", errno.EPROTO, op="laggd", text="hello first")
        try:
            return self.dispatch(req)
        except BackendError as exc:
            return control.ErrorReply(req.id, type(exc).__name__, exc.errno or errno.EIO, exc.op, exc.ifname, exc.text)
        except OSError as exc:
            code = exc.errno or errno.EIO
            return control.ErrorReply(req.id, "BackendError", code, "laggd", self.name, strerror(code))

    def close(self) -> None:
        for fd in list(self.conns):
            self._close(fd)
        self._unregister(self.sock.fileno())
        self.sock.close()

    def unlink(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
