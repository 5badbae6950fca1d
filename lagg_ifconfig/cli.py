"""The ``ifconfig`` program (also installed as ``lagg-ifconfig``).

The only module that owns argv, the standard streams, the environment and
the exit status.  Everything else raises ``LaggError``; here it becomes
FreeBSD's text on stderr with the ``ifconfig: `` prefix, exit status 1 (spec
§1.4).  Any other exception prints ``ifconfig: internal error: ...`` (a
traceback only with ``LAGG_IFCONFIG_DEBUG=1``): users never see tracebacks.

Start-up cost is part of the product (FreeBSD scripts call ifconfig dozens of
times): the status path imports only the parser, the netlink reader and the
renderer; configuring imports fold/plan/apply on demand.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, TextIO

from lagg_ifconfig.errors import BackendError, LaggError, UsageError, strerror

if TYPE_CHECKING:
    from lagg_ifconfig.linux.rtnl import Rtnl
    from lagg_ifconfig.model import InterfaceState, LaggConfig, LaggStatus
    from lagg_ifconfig.status import RenderOptions
    from lagg_ifconfig.syntax.commands import Invocation

__all__ = ["Options", "main", "parse_leading"]

PROG = "ifconfig"
IFNAMSIZ = 16

USAGE = """\
usage: ifconfig [-j jail] [-f type:format] [-L] [-C] [-g groupname] interface address_family
       [address [dest_address]] [parameters]
       ifconfig [-j jail] interface create
       ifconfig [-j jail] -a [-L] [-C] [-g groupname] [-d] [-m] [-u] [-v] [address_family]
       ifconfig [-j jail] -l [-d] [-u] [address_family]
       ifconfig [-j jail] [-L] [-C] [-g groupname] [-d] [-m] [-u] [-v]
"""

HELP = """\
lagg-ifconfig: FreeBSD's ifconfig(8) with lagg(4) link aggregation, for Linux.

  ifconfig [options] interface [address_family] [address [dest_address]] [parameters]
  ifconfig [options] interface create [laggtype type] [parameters]
  ifconfig -a | -l [-d] [-u] [address_family]

Leading options (FreeBSD):
  -a            all interfaces          -l           list interface names
  -d / -u       only down / up          -v           verbose (lagg options, LACP ids)
  -m            media and capabilities  -n           (accepted; no modules to load)
  -g group      members of a group      -G group     exclude a group (with -a)
  -j netns      run in a Linux network namespace (FreeBSD's jail)
  -f type:fmt   output formats, e.g. inet:cidr,ether:dash (also IFCONFIG_FORMAT)
  --libxo json[,pretty]  machine-readable output (alias --json)
  --backend NAME         lagg backend for new laggs (also LAGG_IFCONFIG_BACKEND)
  --dry-run              print the plan, change nothing
  --help, --version

Parameters: up down mtu N metric N description TEXT -description name NEW
  arp -arp promisc -promisc create destroy
  inet ADDR[/len] [netmask M] [broadcast B] [alias|-alias]
  inet6 ADDR[/plen] [prefixlen N] [alias|-alias] ifdisabled -ifdisabled accept_rtadv
  ether|lladdr|link xx:xx:xx:xx:xx:xx|random
  laggproto failover|lacp|loadbalance|roundrobin|broadcast|none (fec = loadbalance)
  laggport IF  -laggport IF  lagghash l2,l3,l4  rr_limit N  flowid_shift N
  lacp_strict -lacp_strict lacp_fast_timeout -lacp_fast_timeout use_flowid use_numa
See ifconfig(8) in man/ of the package.
"""

_FLAG_OPTIONS = "adDklLmnuvC"
_ARG_OPTIONS = "fgGj"


@dataclass
class Options:
    """The leading options (spec §1.1) plus our long ones."""

    all: bool = False
    list: bool = False
    down_only: bool = False
    up_only: bool = False
    verbose: bool = False
    media: bool = False
    drivername: bool = False
    cloners: bool = False
    group: str | None = None
    exclude_group: str | None = None
    jail: str | None = None
    formats: str | None = None
    libxo: str | None = None
    backend: str | None = None
    dry_run: bool = False
    help: bool = False
    version: bool = False
    flags: set[str] = field(default_factory=set)


def parse_leading(argv: Sequence[str]) -> tuple[Options, list[str]]:
    """getopt(3) over ``G:adDf:j:klmnuvCg:L`` plus long options; stops at the first operand."""
    opts = Options()
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            i += 1
            break
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
            if name in ("libxo", "backend", "dialect"):
                if not eq:
                    if i + 1 >= len(args):
                        raise UsageError(f"option '--{name}' requires an argument")
                    value = args[i + 1]
                    i += 1
                if name == "libxo":
                    opts.libxo = value
                elif name == "backend":
                    opts.backend = value
            elif name == "json" and not eq:
                opts.libxo = "json"
            elif name in ("dry-run", "help", "version") and not eq:
                setattr(opts, name.replace("-", "_"), True)
            else:
                raise UsageError(f"unrecognized option '--{name}'")
            i += 1
            continue
        if not arg.startswith("-") or arg == "-":
            break
        j = 1
        while j < len(arg):
            letter = arg[j]
            if letter in _ARG_OPTIONS:
                value = arg[j + 1 :]
                if not value:
                    if i + 1 >= len(args):
                        raise UsageError(f"option requires an argument -- {letter}")
                    i += 1
                    value = args[i]
                setattr(opts, {"f": "formats", "g": "group", "G": "exclude_group", "j": "jail"}[letter], value)
                break
            if letter not in _FLAG_OPTIONS:
                raise UsageError(f"illegal option -- {letter}")
            opts.flags.add(letter)
            j += 1
        i += 1
    opts.all = "a" in opts.flags
    opts.list = "l" in opts.flags
    opts.down_only = "d" in opts.flags
    opts.up_only = "u" in opts.flags
    opts.verbose = "v" in opts.flags
    opts.media = "m" in opts.flags
    opts.drivername = "D" in opts.flags
    opts.cloners = "C" in opts.flags
    if opts.list and (opts.all or opts.media):
        raise UsageError()
    if opts.up_only and opts.down_only:
        raise UsageError()
    return opts, args[i:]


# -- observing ---------------------------------------------------------------------------


def _lagg_status(name: str, kind: str) -> LaggStatus | None:
    if kind != "tun":
        return None
    from lagg_ifconfig.backends import userspace  # noqa: PLC0415

    if not userspace.is_lagg(name):
        return None
    status: LaggStatus = userspace.observe(name)
    return status


def observe(rtnl: Rtnl, names: Sequence[str] | None = None) -> list[InterfaceState]:
    """The FreeBSD view of the named interfaces (all when ``None``), in kernel order."""
    from lagg_ifconfig.linux import ethtool  # noqa: PLC0415
    from lagg_ifconfig.linux.freebsd_map import interface_state  # noqa: PLC0415

    if names is not None and len(names) == 1:
        link = rtnl.link(names[0])
        links = [link] if link is not None else []
        addrs = rtnl.addresses(links[0].index) if links else ()
    else:
        links = list(rtnl.links())
        if names is not None:
            links = [lk for lk in links if lk.name in names]
        addrs = rtnl.addresses()
    states = []
    for link in links:
        own = [a for a in addrs if a.index == link.index]
        speed, duplex = None, None
        if link.arphrd == 1:  # ARPHRD_ETHER
            speed, duplex = ethtool.speed_duplex(link.name)[:2]
        state = interface_state(link, own, speed=speed, duplex=duplex)
        lagg = _lagg_status(link.name, link.kind)
        if lagg is not None:
            state = _as_lagg(state, lagg)
        states.append(state)
    return states


def _as_lagg(state: InterfaceState, lagg: LaggStatus) -> InterfaceState:
    """A lagg shows its lagg block, ``groups: lagg`` and lagg media (spec §3.9, §5.1)."""
    from lagg_ifconfig.model import IfFlag, PortFlag  # noqa: PLC0415

    active = any(p.flags & PortFlag.ACTIVE for p in lagg.ports)
    flags = state.flags | IfFlag.SIMPLEX | IfFlag.BROADCAST | IfFlag.MULTICAST
    if state.flags & IfFlag.UP:
        flags |= IfFlag.RUNNING
    return replace(
        state,
        flags=flags,
        lagg=lagg,
        groups=("lagg",),
        media="Ethernet autoselect",
        status="active" if active else "no carrier",
        kind="lagg",
    )


# -- output --------------------------------------------------------------------------------


@dataclass
class _Io:
    out: TextIO
    err: TextIO

    def warn(self, text: str) -> None:
        for line in text.splitlines() or [""]:
            self.err.write(f"{PROG}: {line}\n")


def _render_options(opts: Options, family: str | None, env: Mapping[str, str]) -> RenderOptions:
    from lagg_ifconfig.status import RenderOptions, parse_formats  # noqa: PLC0415

    spec = opts.formats if opts.formats is not None else env.get("IFCONFIG_FORMAT", "")
    formats = parse_formats(spec) if spec else {}
    return RenderOptions(
        verbose=opts.verbose,
        family=family,
        formats=formats,
        show_drivername=opts.drivername,
        media_list=opts.media,
    )


def _print_states(
    states: Sequence[InterfaceState], opts: Options, family: str | None, io: _Io, env: Mapping[str, str]
) -> None:
    render_opts = _render_options(opts, family, env)
    if opts.libxo:
        from lagg_ifconfig import jsonout  # noqa: PLC0415

        io.out.write(jsonout.dumps(jsonout.document(states, render_opts), pretty="pretty" in opts.libxo))
        return
    from lagg_ifconfig.status import render  # noqa: PLC0415

    io.out.write("".join(render(s, render_opts) for s in states))


def _in_group(state: InterfaceState, group: str) -> bool:
    return group == "all" or group in state.groups


def _select(states: Sequence[InterfaceState], opts: Options, family: str | None) -> list[InterfaceState]:
    from lagg_ifconfig.model import IfFlag  # noqa: PLC0415

    chosen = []
    for state in states:
        up = bool(state.flags & IfFlag.UP)
        if (opts.up_only and not up) or (opts.down_only and up):
            continue
        if opts.group is not None and not _in_group(state, opts.group):
            continue
        if opts.exclude_group is not None and _in_group(state, opts.exclude_group):
            continue
        if family == "link" and state.link_type != "ether":
            continue
        chosen.append(state)
    return chosen


_FAMILY_WORDS = {"inet": "inet", "inet6": "inet6", "link": "link", "ether": "link", "lladdr": "link"}


# -- configuring ---------------------------------------------------------------------------


def _lagg_names_in_use(rtnl: Rtnl) -> set[str]:
    return {link.name for link in rtnl.links()}


def _allocate_unit(rtnl: Rtnl, cloner: str) -> str:
    used = _lagg_names_in_use(rtnl)
    unit = 0
    while f"{cloner}{unit}" in used:
        unit += 1
    return f"{cloner}{unit}"


_CLONERS = ("lagg",)


def _cloner_of(name: str) -> str | None:
    base = name.rstrip("0123456789")
    return base if base in _CLONERS else None


def configure(rtnl: Rtnl, inv: Invocation, opts: Options, io: _Io, env: Mapping[str, str]) -> int:
    """Fold, plan and apply one invocation; print FreeBSD's warnings; return the exit status."""
    from lagg_ifconfig import apply, plan  # noqa: PLC0415
    from lagg_ifconfig.config import World, fold  # noqa: PLC0415
    from lagg_ifconfig.model import IfFlag, InterfaceConfig, LaggConfig  # noqa: PLC0415
    from lagg_ifconfig.syntax.commands import Create, SetLladdr  # noqa: PLC0415
    from lagg_ifconfig.system import LinuxSystem  # noqa: PLC0415

    name = inv.ifname
    link = rtnl.link(name)
    print_name = False
    commands = inv.commands
    if link is None:
        if not inv.creates:
            raise BackendError(errno.ENXIO, text=f"interface {name} does not exist")
        if len(name) >= IFNAMSIZ:
            raise LaggError(f"{name}: cloning name too long")
        cloner = _cloner_of(name)
        if cloner is None:
            raise BackendError(errno.EINVAL, op=f"SIOCIFCREATE2 ({name})")
        if name == cloner:
            name = _allocate_unit(rtnl, cloner)
            print_name = True
        states: list[InterfaceState] = []
    else:
        if inv.creates:
            if len(commands) == 1:
                raise LaggError(f"interface {name} already exists")
            commands = tuple(c for c in commands if not isinstance(c, Create))
        states = observe(rtnl, [name])
    # `ether random`: randomness is I/O, resolved here.
    commands = tuple(
        SetLladdr(_random_mac()) if isinstance(c, SetLladdr) and c.mac == "random" else c for c in commands
    )
    inv = replace(inv, ifname=name, commands=commands)
    world_links = rtnl.links()
    link_types = {
        lk.name: ("ether" if lk.arphrd == 1 else "loopback" if lk.arphrd == 772 else "none") for lk in world_links
    }
    lagg_of, laggs = _lagg_membership(world_links)
    world = World(link_types=link_types, lagg_of=lagg_of, laggs=frozenset(laggs))
    if states:
        state = states[0]
        is_lagg = state.lagg is not None
        current = InterfaceConfig(
            name=name,
            up=bool(state.flags & IfFlag.UP),
            mtu=state.mtu,
            lladdr=state.lladdr,
            description=state.description or "",
            addresses=state.addresses,
            lagg=_lagg_config(state.lagg) if state.lagg else None,
        )
        link_type = state.link_type
        nd6 = state.nd6
    else:
        is_lagg = True
        current = InterfaceConfig(name=name, up=False, mtu=1500, description="", lagg=LaggConfig())
        link_type = "ether"
        nd6 = None
    from lagg_ifconfig.model import Nd6Flag  # noqa: PLC0415

    folded = fold(current, inv, is_lagg=is_lagg, link_type=link_type, world=world)
    the_plan = plan.diff(
        current,
        folded,
        current_nd6=nd6 if nd6 is not None else Nd6Flag(0),
        current_arp=not (states and states[0].flags & IfFlag.NOARP),
        current_promisc=bool(states and states[0].flags & IfFlag.PROMISC),
        exists=bool(states),
    )
    for warning in folded.warnings:
        io.warn(warning)
    if opts.dry_run:
        for step in the_plan.steps:
            io.out.write(f"{step}\n")
        return 0
    result = apply.execute(the_plan, LinuxSystem(rtnl))
    status = 0
    for port_error in (*folded.port_errors, *result.port_errors):
        io.warn(port_error.message())
        status = 1
    if print_name:
        io.out.write(f"{name}\n")
    if folded.rename is not None:
        io.out.write(f"{folded.rename}\n")
    return status


def _random_mac() -> str:
    raw = bytearray(os.urandom(6))
    raw[0] = (raw[0] & 0xFE) | 0x02  # unicast, locally administered
    return ":".join(f"{b:02x}" for b in raw)


def _lagg_membership(links: Sequence[object]) -> tuple[dict[str, str], set[str]]:
    """Which interfaces are lagg ports (and of which lagg), from the lagg backend's records."""
    from lagg_ifconfig.backends import userspace  # noqa: PLC0415

    lagg_of: dict[str, str] = {}
    laggs = set(userspace.names())
    for lagg in laggs:
        try:
            status = userspace.observe(lagg)
        except LaggError:
            continue
        for port in status.ports:
            lagg_of[port.name] = lagg
    return lagg_of, laggs


def _lagg_config(status: LaggStatus) -> LaggConfig:
    from lagg_ifconfig.model import LaggConfig  # noqa: PLC0415

    return LaggConfig(
        proto=status.proto,
        ports=tuple(p.name for p in status.ports),
        hash=status.hash,
        options=status.options,
        flowid_shift=status.flowid_shift,
        rr_limit=status.rr_limit,
    )


# -- main ----------------------------------------------------------------------------------


def _format_error(exc: LaggError) -> str:
    if isinstance(exc, BackendError) and exc.op in _PERROR_KEYWORDS and not exc.text:
        special = {errno.ENXIO: "no such interface", errno.EPERM: "permission denied"}.get(exc.errno or 0)
        if special:
            return f"{exc.op}: {special}"
        return f"{exc.op}: {strerror(exc.errno or 0)}"
    return str(exc)


_PERROR_KEYWORDS = frozenset({"up", "down", "arp", "-arp", "promisc", "-promisc"})


def run(argv: Sequence[str], env: Mapping[str, str], io: _Io) -> int:
    opts, args = parse_leading(argv)
    if opts.help:
        io.out.write(HELP)
        return 0
    if opts.version:
        from lagg_ifconfig import __version__  # noqa: PLC0415

        io.out.write(f"lagg-ifconfig {__version__}\n")
        return 0
    if opts.backend is not None:
        os.environ["LAGG_IFCONFIG_BACKEND"] = opts.backend
    if opts.jail is not None:
        from lagg_ifconfig.linux.rtnl import enter_netns  # noqa: PLC0415

        enter_netns(opts.jail)
    if opts.cloners:
        io.out.write(" ".join(_CLONERS) + "\n")
        return 0
    from lagg_ifconfig.linux.rtnl import Rtnl  # noqa: PLC0415

    listing = opts.all or opts.list or not args or (opts.group is not None and not args)
    if listing:
        if len(args) > 1:
            raise UsageError()
        family = None
        if args:
            family = _FAMILY_WORDS.get(args[0])
            if family is None:
                raise UsageError(f"Address family '{args[0]}' unknown.")
        with Rtnl() as rtnl:
            states = _select(observe(rtnl), opts, family)
        if opts.list:
            io.out.write(" ".join(s.name for s in states) + "\n")
        elif opts.group is not None and not opts.all:
            io.out.write("".join(f"{s.name}\n" for s in states))
        else:
            _print_states(states, opts, family, io, env)
        return 0
    ifname, words = args[0], args[1:]
    if len(words) <= 1 and (not words or words[0] in _FAMILY_WORDS):
        # A status query (name, optionally a family): no parser needed, and none loaded.
        family = _FAMILY_WORDS[words[0]] if words else None
        with Rtnl() as rtnl:
            if len(ifname) >= IFNAMSIZ:
                io.warn(f"{ifname}: interface name too long, skipping")
            states = observe(rtnl, [ifname])
        if not states:
            raise BackendError(errno.ENXIO, text=f"interface {ifname} does not exist")
        _print_states(states, opts, family, io, env)
        return 0
    from lagg_ifconfig.syntax.parser import parse_words  # noqa: PLC0415

    inv = parse_words(ifname, words)
    with Rtnl() as rtnl:
        return configure(rtnl, inv, opts, io, env)


def main(
    argv: Sequence[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Run ``ifconfig`` with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    io = _Io(stdout or sys.stdout, stderr or sys.stderr)
    environ = env if env is not None else os.environ
    try:
        return run(sys.argv[1:] if argv is None else argv, environ, io)
    except UsageError as exc:
        if str(exc):
            io.warn(str(exc))
        if exc.show_usage:
            io.err.write(USAGE)
        return 1
    except LaggError as exc:
        io.warn(_format_error(exc))
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:
        if environ.get("LAGG_IFCONFIG_DEBUG") == "1":
            raise
        io.warn(f"internal error: {type(exc).__name__}: {exc}")
        return 1
