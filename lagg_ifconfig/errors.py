"""The error hierarchy, and FreeBSD's strerror table.

Only ``cli`` (and the other program entry points) print errors or exit; every
other module raises one of these.  ``str(error)`` is the text FreeBSD's
ifconfig prints after the ``ifconfig: `` prefix, so the CLI never has to
re-word anything.

Errno texts are FreeBSD's, not glibc's ("Device busy", not "Device or
resource busy"): scripts match on them (spec §0).
"""

from __future__ import annotations

import errno as _errno
from dataclasses import dataclass

__all__ = [
    "FREEBSD_STRERROR",
    "ArgSyntaxError",
    "BackendError",
    "ConfigError",
    "DaemonError",
    "LacpUsageError",
    "LaggError",
    "PartialApplyError",
    "PduError",
    "PortError",
    "RcConfError",
    "UnsupportedError",
    "UsageError",
    "strerror",
]

#: FreeBSD's strerror(3) wording for the errnos this program can meet.
FREEBSD_STRERROR: dict[int, str] = {
    _errno.EPERM: "Operation not permitted",
    _errno.ENOENT: "No such file or directory",
    _errno.ESRCH: "No such process",
    _errno.EINTR: "Interrupted system call",
    _errno.EIO: "Input/output error",
    _errno.ENXIO: "Device not configured",
    _errno.E2BIG: "Argument list too long",
    _errno.EBADF: "Bad file descriptor",
    _errno.EAGAIN: "Resource temporarily unavailable",
    _errno.ENOMEM: "Cannot allocate memory",
    _errno.EACCES: "Permission denied",
    _errno.EFAULT: "Bad address",
    _errno.EBUSY: "Device busy",
    _errno.EEXIST: "File exists",
    _errno.ENODEV: "Operation not supported by device",
    _errno.EINVAL: "Invalid argument",
    _errno.ENFILE: "Too many open files in system",
    _errno.EMFILE: "Too many open files",
    _errno.ENOSPC: "No space left on device",
    _errno.ERANGE: "Result too large",
    _errno.EOPNOTSUPP: "Operation not supported",
    _errno.EPROTONOSUPPORT: "Protocol not supported",
    _errno.EAFNOSUPPORT: "Address family not supported by protocol family",
    _errno.EADDRINUSE: "Address already in use",
    _errno.EADDRNOTAVAIL: "Can't assign requested address",
    _errno.ENETDOWN: "Network is down",
    _errno.ENETUNREACH: "Network is unreachable",
    _errno.ENOBUFS: "No buffer space available",
    _errno.ETIMEDOUT: "Operation timed out",
    _errno.ECONNREFUSED: "Connection refused",
    _errno.ENAMETOOLONG: "File name too long",
    _errno.EHOSTUNREACH: "No route to host",
    _errno.ENOTEMPTY: "Directory not empty",
    _errno.ENOTSUP: "Operation not supported",
    _errno.EPROTO: "Protocol error",
}


def strerror(code: int) -> str:
    """FreeBSD's text for ``code`` (falls back to a neutral form, never Linux's)."""
    return FREEBSD_STRERROR.get(code, f"Unknown error: {code}")


class LaggError(Exception):
    """Base of every error this package raises on purpose."""


class UsageError(LaggError, ValueError):
    """Leading options or the shape of the invocation are wrong.

    ``show_usage`` asks the CLI to print the usage text after the message
    (FreeBSD's ``usage()``); an empty message prints only the usage.
    """

    def __init__(self, message: str = "", *, show_usage: bool = True) -> None:
        super().__init__(message)
        self.show_usage = show_usage


class ArgSyntaxError(UsageError):
    """A word of the parameters cannot be parsed.

    ``word_index`` is the position of the offending word in the words given
    (0 = the first word after the interface name), for carets in rc.conf
    reports.
    """

    def __init__(self, message: str, *, word_index: int | None = None) -> None:
        super().__init__(message, show_usage=False)
        self.word_index = word_index


class ConfigError(LaggError, ValueError):
    """Well-formed but invalid (``ifconfig: Invalid round-robin stride: 0``)."""


class RcConfError(LaggError, ValueError):
    """An rc.conf line we cannot evaluate (reported with file and line)."""

    def __init__(self, message: str, *, filename: str = "", lineno: int = 0) -> None:
        super().__init__(message)
        self.filename = filename
        self.lineno = lineno

    def __str__(self) -> str:
        where = f"{self.filename}:{self.lineno}: " if self.filename else ""
        return f"{where}{self.args[0]}"


class BackendError(LaggError, OSError):
    """A system operation failed.

    ``str()`` gives FreeBSD's ``err(3)`` form ``<op>: <strerror>`` when ``op``
    is set, the bare text otherwise (``interface fxp9 does not exist``).
    """

    def __init__(self, errno: int, text: str = "", *, op: str = "", ifname: str = "") -> None:
        super().__init__(errno, text or strerror(errno))
        self.op = op
        self.ifname = ifname
        self.text = text

    def __str__(self) -> str:
        if self.text and not self.op:
            return self.text
        reason = self.text or strerror(self.errno or 0)
        return f"{self.op}: {reason}" if self.op else reason

    def __reduce__(self) -> tuple[object, ...]:  # keep op/ifname across pickling (laggd replies)
        return (_rebuild_backend_error, (type(self), self.errno, self.text, self.op, self.ifname))


def _rebuild_backend_error(cls: type[BackendError], code: int, text: str, op: str, ifname: str) -> BackendError:
    return cls(code, text, op=op, ifname=ifname)


class UnsupportedError(BackendError):
    """The chosen backend cannot do this; found at plan time, nothing changed."""


class DaemonError(BackendError):
    """laggd is unreachable, or speaks another protocol version."""


@dataclass(frozen=True)
class PortError:
    """One failed ``laggport``/``-laggport`` word (FreeBSD goes on after it, spec §1.4)."""

    lagg: str
    port: str
    op: str  # "SIOCSLAGGPORT" or "SIOCSLAGGDELPORT"
    errno: int

    def message(self) -> str:
        """FreeBSD 14's warnx text (without the ``ifconfig: `` prefix)."""
        return f"{self.lagg} {self.port}: {self.op}: {strerror(self.errno)}"


class PartialApplyError(BackendError):
    """A step failed after others had applied; ``rolled_back`` tells whether undo completed."""

    def __init__(self, cause: BackendError, *, rolled_back: bool, undo_failures: tuple[str, ...] = ()) -> None:
        super().__init__(cause.errno or 0, cause.text, op=cause.op, ifname=cause.ifname)
        self.cause = cause
        self.rolled_back = rolled_back
        self.undo_failures = undo_failures


class LacpUsageError(LaggError, RuntimeError):
    """The sans-IO LACP API was called wrongly (a caller bug, not a peer fault)."""


class PduError(ValueError):
    """A malformed PDU: counted by the LACP machine, never surfaced to users."""
