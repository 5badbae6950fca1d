"""The ifconfig grammar: keyword tables and the word-by-word parser.

Theory of operation
-------------------
FreeBSD's ifconfig has no grammar in the yacc sense: every module registers
a table of ``struct cmd`` (name, how many argument words, handler), and
``main`` walks the words left to right, looking each one up; a word that is
no keyword is an address of the current address family (spec §1.3).  We do
the same: one ``Keyword`` table per area (``BASIC``, ``INET``, ``INET6``,
``LAGG``, ``CLONE``), registered into ``REGISTRY``; the handlers only build
``Command`` values (or fill the pending address, which FreeBSD applies after
all words).  Meaning against an interface belongs to ``config.fold``.

Why not pyparsing here: the CLI must print ``ifconfig bge0`` in 30 ms and
apply ``ifconfig bge0 up`` in 50 ms; importing pyparsing alone costs 40-66 ms
on the target machine (measured, see README "Performance").  The language is
a flat keyword table, so a table-driven scanner is exact and costs under a
millisecond.  pyparsing is used where a real grammar exists and the import is
paid once: the rc.conf shell-subset lexer.  The same tables drive ``--help``,
the man page check and the hypothesis round-trip (``render_words``).

Positional rules (spec §1.2): ``create``/``plumb`` only as the first word;
clone-only keywords (``laggtype``) only right after it; the address-family
word only right after the name or the create words.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from lagg_ifconfig.errors import ArgSyntaxError, ConfigError
from lagg_ifconfig.model import PROTO_BY_NAME, HashLayer, LaggOption, Nd6Flag
from lagg_ifconfig.syntax import values
from lagg_ifconfig.syntax.commands import (
    AddPort,
    AddressChange,
    Command,
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

__all__ = [
    "ADDRESS_FAMILIES",
    "CLONE_WORDS",
    "REGISTRY",
    "Keyword",
    "parse_words",
    "render_words",
]

#: Words recognised as an address family right after the interface name.
ADDRESS_FAMILIES: dict[str, str] = {
    "inet": "inet",
    "inet6": "inet6",
    "link": "link",
    "ether": "link",
    "lladdr": "link",
}

CLONE_WORDS = ("create", "plumb")
LAGG_TYPES = ("ethernet", "infiniband")

# Address modes, FreeBSD's ``doalias``.
_SET, _ADD, _DELETE = "set", "add", "delete"


@dataclass
class _Pending:
    """The address request being collected (FreeBSD's setaddr/setmask/doalias)."""

    address: str | None = None
    prefixlen: int | None = None
    broadcast: str | None = None
    destination: str | None = None
    mode: str = _SET


@dataclass
class _Context:
    family: str
    commands: list[Command] = field(default_factory=list)
    pending: _Pending = field(default_factory=_Pending)


Action = Callable[[_Context, str], None]


@dataclass(frozen=True)
class Keyword:
    """One registered word: ``arity`` argument words, the handler, and a help line."""

    name: str
    arity: int
    action: Action
    area: str
    summary: str
    arg_name: str = ""


def _emit(command: Command) -> Action:
    def action(ctx: _Context, _arg: str) -> None:
        ctx.commands.append(command)

    return action


def _emit_with(build: Callable[[str], Command]) -> Action:
    def action(ctx: _Context, arg: str) -> None:
        ctx.commands.append(build(arg))

    return action


def _mode(mode: str) -> Action:
    def action(ctx: _Context, _arg: str) -> None:
        ctx.pending.mode = mode

    return action


def _netmask(ctx: _Context, arg: str) -> None:
    if ctx.family == "link":
        raise ArgSyntaxError("can't set link-level netmask or broadcast")
    if ctx.family == "inet6":
        # in6_getaddr(MASK) takes an address-form mask.
        address, _ = values.parse_inet6(arg)
        packed = int.from_bytes(_inet6_bytes(address), "big")
        ctx.pending.prefixlen = bin(packed).count("1")
        return
    ctx.pending.prefixlen = values.mask_to_prefixlen(arg)


def _inet6_bytes(address: str) -> bytes:
    import socket  # noqa: PLC0415  (rare path: keep the parser's import light)

    return socket.inet_pton(socket.AF_INET6, address.partition("%")[0])


def _broadcast(ctx: _Context, arg: str) -> None:
    if ctx.family == "link":
        raise ArgSyntaxError("can't set link-level netmask or broadcast")
    ctx.pending.broadcast = values.parse_inet_address(arg)


def _prefixlen(ctx: _Context, arg: str) -> None:
    ctx.pending.prefixlen = values.parse_prefixlen6(arg)


def _mtu(arg: str) -> Command:
    return SetMtu(values.c_atoi(arg))


def _metric(arg: str) -> Command:
    return SetMetric(values.c_atoi(arg))


def _laggproto(arg: str) -> Command:
    proto = PROTO_BY_NAME.get(arg)
    if proto is None:
        raise ConfigError(f"Invalid aggregation protocol: {arg}")
    return SetProto(proto)


_HASH_WORDS = {"l2": HashLayer.L2, "l3": HashLayer.L3, "l4": HashLayer.L4}


def _lagghash(arg: str) -> Command:
    layers = HashLayer(0)
    for token in arg.split(","):
        layer = _HASH_WORDS.get(token)
        if layer is None:
            raise ConfigError(f"Invalid lagghash option: {token}")
        layers |= layer
    return SetHash(layers)


def _flowid_shift(arg: str) -> Command:
    shift = values.c_strtol(arg)
    if shift & ~0x1F:
        raise ConfigError(f"Invalid flowid_shift option: {arg}")
    return SetFlowidShift(shift)


def _rr_limit(arg: str) -> Command:
    limit = values.c_strtol(arg)
    if limit <= 0 or limit > 0xFFFFFFFF:
        raise ConfigError(f"Invalid round-robin stride: {arg}")
    return SetRrLimit(limit)


def _table(area: str, rows: Sequence[tuple[str, int, Action, str]], arg_name: str = "") -> tuple[Keyword, ...]:
    return tuple(Keyword(name, arity, action, area, summary, arg_name) for name, arity, action, summary in rows)


BASIC = _table(
    "basic",
    (
        ("up", 0, _emit(SetUp(True)), "mark the interface up"),
        ("down", 0, _emit(SetUp(False)), "mark the interface down"),
        ("arp", 0, _emit(SetArp(True)), "enable ARP"),
        ("-arp", 0, _emit(SetArp(False)), "disable ARP"),
        ("promisc", 0, _emit(SetPromisc(True)), "promiscuous mode"),
        ("-promisc", 0, _emit(SetPromisc(False)), "leave promiscuous mode"),
        ("mtu", 1, _emit_with(_mtu), "set the MTU"),
        ("metric", 1, _emit_with(_metric), "set the routing metric"),
        ("description", 1, _emit_with(lambda a: SetDescription(a or None)), "set the description"),
        ("descr", 1, _emit_with(lambda a: SetDescription(a or None)), "set the description"),
        ("-description", 0, _emit(SetDescription(None)), "clear the description"),
        ("-descr", 0, _emit(SetDescription(None)), "clear the description"),
        ("name", 1, _emit_with(Rename), "rename the interface"),
        ("destroy", 0, _emit(Destroy()), "destroy a cloned interface"),
        ("unplumb", 0, _emit(Destroy()), "destroy a cloned interface"),
        ("alias", 0, _mode(_ADD), "add the address as an extra one"),
        ("add", 0, _mode(_ADD), "add the address as an extra one"),
        ("-alias", 0, _mode(_DELETE), "delete the address"),
        ("delete", 0, _mode(_DELETE), "delete the address"),
        ("remove", 0, _mode(_DELETE), "delete the address"),
        ("netmask", 1, _netmask, "the address's netmask"),
        ("broadcast", 1, _broadcast, "the broadcast address"),
    ),
)

INET6 = _table(
    "inet6",
    (
        ("prefixlen", 1, _prefixlen, "IPv6 prefix length"),
        *(
            (f"{sign}{word}", 0, _emit(SetNd6(flag, sign == "")), f"{'clear' if sign else 'set'} ND6 {word}")
            for word, flag in (
                ("ifdisabled", Nd6Flag.IFDISABLED),
                ("accept_rtadv", Nd6Flag.ACCEPT_RTADV),
                ("auto_linklocal", Nd6Flag.AUTO_LINKLOCAL),
                ("no_dad", Nd6Flag.NO_DAD),
                ("nud", Nd6Flag.PERFORMNUD),
            )
            for sign in ("", "-")
        ),
    ),
)

LAGG = _table(
    "lagg",
    (
        ("laggproto", 1, _emit_with(_laggproto), "aggregation protocol"),
        ("laggport", 1, _emit_with(AddPort), "add a port"),
        ("-laggport", 1, _emit_with(DelPort), "remove a port"),
        ("lagghash", 1, _emit_with(_lagghash), "hash layers l2,l3,l4"),
        ("flowid_shift", 1, _emit_with(_flowid_shift), "flowid shift (0..31)"),
        ("rr_limit", 1, _emit_with(_rr_limit), "round-robin stride"),
        *(
            (f"{sign}{word}", 0, _emit(SetOption(option, sign == "")), f"{'clear' if sign else 'set'} {word}")
            for word, option in (
                ("use_flowid", LaggOption.USE_FLOWID),
                ("use_numa", LaggOption.USE_NUMA),
                ("lacp_strict", LaggOption.LACP_STRICT),
                ("lacp_fast_timeout", LaggOption.LACP_FAST_TIMO),
                ("lacp_txtest", LaggOption.LACP_TXTEST),
                ("lacp_rxtest", LaggOption.LACP_RXTEST),
            )
            for sign in ("", "-")
        ),
    ),
)

#: Clone-time keywords: only right after ``create``.
CLONE = _table("clone", (("laggtype", 1, lambda ctx, arg: None, "lagg type: ethernet or infiniband"),))

REGISTRY: dict[str, Keyword] = {kw.name: kw for table in (BASIC, INET6, LAGG) for kw in table}


def _requires_argument(word: str, index: int) -> ArgSyntaxError:
    return ArgSyntaxError(f"'{word}' requires argument", word_index=index)


def _address_word(ctx: _Context, word: str) -> None:
    """A non-keyword word: the address (first) or destination (second) of the current family."""
    if ctx.family == "link":
        ctx.commands.append(SetLladdr(values.parse_lladdr(word)))
        return
    if ctx.pending.address is not None:
        ctx.pending.destination = _parse_family_address(ctx.family, word)[0]
        return
    address, prefixlen = _parse_family_address(ctx.family, word)
    ctx.pending.address = address
    if prefixlen is not None:
        ctx.pending.prefixlen = prefixlen


def _parse_family_address(family: str, word: str) -> tuple[str, int | None]:
    return values.parse_inet6(word) if family == "inet6" else values.parse_inet(word)


def parse_words(ifname: str, words: Sequence[str], *, origin: str = "argv") -> Invocation:
    """Parse the words after the interface name into an ``Invocation``.

    Raises ``ArgSyntaxError`` or ``ConfigError`` with FreeBSD's text; a word
    error applies nothing (the caller has not touched the system yet).
    """
    index = 0
    commands: list[Command] = []
    if words and words[0] in CLONE_WORDS:
        laggtype: str | None = None
        index = 1
        while index < len(words) and words[index] == "laggtype":
            if index + 1 >= len(words):
                raise _requires_argument("laggtype", index)
            laggtype = words[index + 1]
            if laggtype not in LAGG_TYPES:
                raise ConfigError(f"invalid lagg type: {laggtype}")
            index += 2
        commands.append(Create(laggtype))
    family: str | None = None
    if index < len(words) and words[index] in ADDRESS_FAMILIES:
        family = ADDRESS_FAMILIES[words[index]]
        index += 1
    ctx = _Context(family=family or "inet", commands=commands)
    while index < len(words):
        word = words[index]
        keyword = REGISTRY.get(word)
        if keyword is None:
            try:
                _address_word(ctx, word)
            except ArgSyntaxError as exc:
                exc.word_index = index
                raise
            index += 1
            continue
        if keyword.arity and index + 1 >= len(words):
            raise _requires_argument(word, index)
        argument = words[index + 1] if keyword.arity else ""
        try:
            keyword.action(ctx, argument)
        except ArgSyntaxError as exc:
            exc.word_index = index
            raise
        index += 1 + keyword.arity
    pending = ctx.pending
    if pending.address is not None:
        ctx.commands.append(
            AddressChange(
                family=ctx.family,
                address=pending.address,
                prefixlen=pending.prefixlen,
                mode=pending.mode,
                broadcast=pending.broadcast,
                destination=pending.destination,
            )
        )
    return Invocation(ifname, family, tuple(ctx.commands), tuple(words), origin)


def _command_words(command: Command) -> tuple[str, ...]:
    """The words that parse back to ``command`` (for the round-trip property and --dry-run)."""
    match command:
        case Create(laggtype=None):
            return ("create",)
        case Create(laggtype=laggtype):
            return ("create", "laggtype", str(laggtype))
        case Destroy():
            return ("destroy",)
        case SetUp(up=up):
            return ("up" if up else "down",)
        case SetMtu(mtu=mtu):
            return ("mtu", str(mtu))
        case SetMetric(metric=metric):
            return ("metric", str(metric))
        case SetDescription(text=None):
            return ("-description",)
        case SetDescription(text=text):
            return ("description", str(text))
        case Rename(new_name=new):
            return ("name", new)
        case SetLladdr(mac=mac):
            return (mac,)
        case SetArp(on=on):
            return ("arp" if on else "-arp",)
        case SetPromisc(on=on):
            return ("promisc" if on else "-promisc",)
        case SetNd6(flag=flag, on=on):
            name = next(kw.name for kw in INET6 if kw.name.lstrip("-") == _ND6_WORDS[flag])
            return (name if on else f"-{name}",)
        case SetProto(proto=proto):
            return ("laggproto", proto.value)
        case AddPort(port=port):
            return ("laggport", port)
        case DelPort(port=port):
            return ("-laggport", port)
        case SetHash(hash=layers):
            return ("lagghash", ",".join(w for w, bit in _HASH_WORDS.items() if layers & bit))
        case SetOption(option=option, on=on):
            word = _LAGG_OPTION_WORDS[option]
            return (word if on else f"-{word}",)
        case SetFlowidShift(shift=shift):
            return ("flowid_shift", str(shift))
        case SetRrLimit(limit=limit):
            return ("rr_limit", str(limit))
        case AddressChange() as change:
            words = [change.address if change.prefixlen is None else f"{change.address}/{change.prefixlen}"]
            if change.broadcast is not None:
                words += ["broadcast", change.broadcast]
            if change.destination is not None:
                words.append(change.destination)
            mode_word = {_SET: (), _ADD: ("alias",), _DELETE: ("-alias",)}[change.mode]
            return (*words, *mode_word)
    raise TypeError(command)  # pragma: no cover - the match is exhaustive


_ND6_WORDS = {
    Nd6Flag.IFDISABLED: "ifdisabled",
    Nd6Flag.ACCEPT_RTADV: "accept_rtadv",
    Nd6Flag.AUTO_LINKLOCAL: "auto_linklocal",
    Nd6Flag.NO_DAD: "no_dad",
    Nd6Flag.PERFORMNUD: "nud",
}
_LAGG_OPTION_WORDS = {
    LaggOption.USE_FLOWID: "use_flowid",
    LaggOption.USE_NUMA: "use_numa",
    LaggOption.LACP_STRICT: "lacp_strict",
    LaggOption.LACP_FAST_TIMO: "lacp_fast_timeout",
    LaggOption.LACP_TXTEST: "lacp_txtest",
    LaggOption.LACP_RXTEST: "lacp_rxtest",
}


def render_words(invocation: Invocation) -> tuple[str, ...]:
    """Words that parse back to the same commands (family word first when given)."""
    words: list[str] = []
    commands = list(invocation.commands)
    if commands and isinstance(commands[0], Create):
        words += _command_words(commands.pop(0))
    lladdr = [c for c in commands if isinstance(c, SetLladdr)]
    family = invocation.family
    if lladdr:
        family = "link"
    elif any(isinstance(c, AddressChange) and c.family == "inet6" for c in commands):
        family = "inet6"
    if family is not None:
        words.append(family)
    for command in commands:
        words += _command_words(command)
    return tuple(words)
