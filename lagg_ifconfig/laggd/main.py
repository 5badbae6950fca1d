"""``laggd``: the userspace lagg datapath daemon, one process per lagg.

Usage: ``laggd [--foreground] [--run-dir DIR] NAME``

* Without ``--foreground`` it daemonizes the classic way: the parent waits
  until the child is serving (control socket listening, TAP ready) or has
  failed, prints one JSON line (``{"ok": true, "pid": N}`` or ``{"ok":
  false, "errno": E, "text": "..."}``) and exits 0 or 1.  The client
  (``lagg_ifconfig.backends.userspace``) starts it this way.
* ``--foreground`` is for systemd (``laggd@.service``).

Why one process per lagg (architecture D8): each lagg gets its own core and
its own crash domain, and the per-frame path needs no locks and no lookup of
"which lagg".  A killed daemon takes nothing with it (persistent TAP, record
on disk); the next one, started by systemd or by the next client call,
re-attaches from the record.

With a record for NAME it restores that lagg; without one it creates it (the
interface must not exist).  SIGTERM/SIGINT detach (sockets closed, TAP and
record kept); only a ``destroy`` request tears down.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import fcntl
import json
import logging
import logging.handlers
import os
import sys

from lagg_ifconfig import control, record
from lagg_ifconfig.errors import BackendError, strerror

__all__ = ["main"]

log = logging.getLogger("laggd")


def _setup_logging(name: str, foreground: bool) -> None:
    log.setLevel(logging.INFO)
    log.propagate = False
    fmt = f"laggd[%(process)d] {name}: %(levelname)s %(message)s"
    handler: logging.Handler
    if os.path.exists("/dev/log"):
        try:
            handler = logging.handlers.SysLogHandler(
                address="/dev/log", facility=logging.handlers.SysLogHandler.LOG_DAEMON
            )
            handler.setFormatter(logging.Formatter(fmt))
            log.addHandler(handler)
        except OSError:
            pass
    if not log.handlers or foreground:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s " + fmt))
        log.addHandler(handler)


def _valid_name(name: str) -> bool:
    return 0 < len(name) < 16 and "/" not in name and name not in (".", "..") and not any(c.isspace() for c in name)


def _serve(name: str, root: str, ready_fd: int) -> int:
    """Set up and run; reports readiness (or the failure) on ``ready_fd`` (-1: none)."""
    from lagg_ifconfig.laggd.runtime import Lagg  # noqa: PLC0415 - after fork
    from lagg_ifconfig.laggd.server import ControlServer  # noqa: PLC0415

    def report(obj: dict[str, object]) -> None:
        if ready_fd >= 0:
            with contextlib.suppress(OSError):
                os.write(ready_fd, json.dumps(obj).encode() + b"\n")
                os.close(ready_fd)

    p = record.paths(name, root, create=True)
    pid_fd = os.open(p.pid, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(pid_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        report({"ok": False, "errno": errno.EEXIST, "text": f"laggd for {name} already running"})
        return 1
    os.ftruncate(pid_fd, 0)
    os.write(pid_fd, f"{os.getpid()}\n".encode())

    lagg = Lagg(name, root=root)
    try:
        rec = record.read(name, root)
        if rec is None:
            lagg.create()
        elif not lagg.restore(rec):
            record.remove(name, root)
            report({"ok": False, "errno": errno.ENXIO, "text": f"{name}: interface gone; record removed"})
            return 1
    except OSError as exc:
        code = exc.errno or errno.EIO
        log.warning("setup failed: %s", exc)
        report({"ok": False, "errno": code, "text": strerror(code)})
        lagg.close()
        return 1

    def dispatch(req: control.Request) -> control.Reply:
        match req:
            case control.Observe():
                return control.StateReply(req.id, lagg.status(), lagg.generation)
            case control.Apply(config=cfg, base_generation=base):
                errors = lagg.apply(cfg, base)
                return control.ApplyReply(req.id, errors, lagg.generation)
            case control.SetMtu(mtu=mtu):
                lagg.set_mtu(mtu)
                return control.Done(req.id)
            case control.SetLladdr(lladdr=mac):
                lagg.set_lladdr(mac)
                return control.Done(req.id)
            case control.Destroy():
                lagg.destroy()
                return control.Done(req.id)
            case _:
                raise BackendError(errno.EOPNOTSUPP, op="laggd", ifname=name)

    server = ControlServer(p.sock, name, dispatch, lagg.register, lagg.unregister)
    log.info("serving (pid %d, %s)", os.getpid(), "restored" if rec is not None else "created")
    report({"ok": True, "pid": os.getpid()})
    try:
        lagg.run()
    finally:
        server.close()
        if lagg.destroyed:
            server.unlink()
            record.remove(name, root)
        lagg.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``laggd`` console script."""
    parser = argparse.ArgumentParser(prog="laggd", description="userspace lagg datapath daemon")
    parser.add_argument("name", help="the lagg interface (e.g. lagg0)")
    parser.add_argument("-f", "--foreground", action="store_true", help="do not daemonize (systemd)")
    parser.add_argument("--run-dir", default=record.RUN_ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    name: str = args.name
    if not _valid_name(name):
        print(f"laggd: invalid interface name {name!r}", file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("laggd: must run as root", file=sys.stderr)
        return 1
    if args.foreground:
        _setup_logging(name, True)
        try:
            return _serve(name, args.run_dir, -1)
        except Exception:
            log.exception("fatal")
            return 1
    r, w = os.pipe()
    pid = os.fork()
    if pid:
        os.close(w)
        chunks = []
        while True:
            chunk = os.read(r, 4096)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(r)
        line = b"".join(chunks).decode(errors="replace").strip()
        if not line:
            line = json.dumps({"ok": False, "errno": errno.EIO, "text": "laggd exited during setup"})
        print(line)
        sys.stdout.flush()
        try:
            ok = bool(json.loads(line).get("ok"))
        except ValueError:
            ok = False
        return 0 if ok else 1
    # child: a daemon in a new session, its stdio on /dev/null (stderr: the lagg's log file)
    os.close(r)
    os.setsid()
    os.chdir("/")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    try:
        logf = os.open(record.paths(name, args.run_dir, create=True).log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(logf, 2)
        os.close(logf)
    except OSError:
        os.dup2(devnull, 2)
    os.close(devnull)
    _setup_logging(name, False)
    code = 1
    try:
        code = _serve(name, args.run_dir, w)
    except Exception as exc:
        log.exception("fatal")
        with contextlib.suppress(OSError):
            os.write(w, json.dumps({"ok": False, "errno": errno.EIO, "text": str(exc)}).encode())
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
