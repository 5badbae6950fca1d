"""Commands: one frozen value per keyword meaning.

The parser turns words into these; ``config.fold`` gives them meaning against
an interface.  They carry already-validated arguments (an ``int`` MTU, a
``LaggProto``), so nothing downstream re-parses text.
"""

from __future__ import annotations

from dataclasses import dataclass

from lagg_ifconfig.model import HashLayer, LaggOption, LaggProto, Nd6Flag

__all__ = [
    "AddPort",
    "AddressChange",
    "Command",
    "Create",
    "DelPort",
    "Destroy",
    "Invocation",
    "Rename",
    "SetArp",
    "SetDescription",
    "SetFlowidShift",
    "SetHash",
    "SetLladdr",
    "SetMetric",
    "SetMtu",
    "SetNd6",
    "SetOption",
    "SetPromisc",
    "SetProto",
    "SetRrLimit",
    "SetUp",
]


@dataclass(frozen=True)
class Create:
    """``create``/``plumb``: clone the interface (``laggtype`` given at clone time)."""

    laggtype: str | None = None


@dataclass(frozen=True)
class Destroy:
    """``destroy``/``unplumb``."""


@dataclass(frozen=True)
class SetUp:
    """``up`` / ``down``."""

    up: bool


@dataclass(frozen=True)
class SetMtu:
    mtu: int


@dataclass(frozen=True)
class SetMetric:
    metric: int


@dataclass(frozen=True)
class SetDescription:
    """``description TEXT`` (``None`` = ``-description``)."""

    text: str | None


@dataclass(frozen=True)
class Rename:
    """``name NEW``."""

    new_name: str


@dataclass(frozen=True)
class SetLladdr:
    """``ether``/``lladdr``/``link`` address; ``random`` is resolved by the CLI (randomness is I/O)."""

    mac: str


@dataclass(frozen=True)
class SetArp:
    """``arp`` / ``-arp``."""

    on: bool


@dataclass(frozen=True)
class SetPromisc:
    """``promisc`` / ``-promisc``."""

    on: bool


@dataclass(frozen=True)
class SetNd6:
    """An ND6 flag keyword (``ifdisabled``, ``-accept_rtadv``, ...)."""

    flag: Nd6Flag
    on: bool


@dataclass(frozen=True)
class AddressChange:
    """The deferred address request of one invocation (FreeBSD applies it after all words).

    ``mode``: ``"set"`` (inet: replaces the first address; inet6: adds),
    ``"add"`` (``alias``/``add``) or ``"delete"`` (``-alias``/``delete``/``remove``).
    ``prefixlen`` is ``None`` when neither ``/len``, ``netmask`` nor ``prefixlen`` was given.
    """

    family: str
    address: str
    prefixlen: int | None
    mode: str
    broadcast: str | None = None
    destination: str | None = None


@dataclass(frozen=True)
class SetProto:
    proto: LaggProto


@dataclass(frozen=True)
class AddPort:
    port: str


@dataclass(frozen=True)
class DelPort:
    port: str


@dataclass(frozen=True)
class SetHash:
    hash: HashLayer


@dataclass(frozen=True)
class SetOption:
    """``use_flowid``/``-use_flowid`` and friends; FreeBSD's clearing quirk lives in ``config``."""

    option: LaggOption
    on: bool


@dataclass(frozen=True)
class SetFlowidShift:
    shift: int


@dataclass(frozen=True)
class SetRrLimit:
    limit: int


Command = (
    Create
    | Destroy
    | SetUp
    | SetMtu
    | SetMetric
    | SetDescription
    | Rename
    | SetLladdr
    | SetArp
    | SetPromisc
    | SetNd6
    | AddressChange
    | SetProto
    | AddPort
    | DelPort
    | SetHash
    | SetOption
    | SetFlowidShift
    | SetRrLimit
)


@dataclass(frozen=True)
class Invocation:
    """One parsed ``ifconfig IF [af] [words...]``.

    ``family`` is the address-family word given right after the name (or
    ``None``); ``commands`` are in word order except the address change,
    which FreeBSD defers to the end.  ``words`` are the raw words after the
    name, for error reports; ``origin`` says where they came from (``argv``
    or ``file:line``).
    """

    ifname: str
    family: str | None
    commands: tuple[Command, ...]
    words: tuple[str, ...] = ()
    origin: str = "argv"

    @property
    def creates(self) -> bool:
        return any(isinstance(c, Create) for c in self.commands)

    @property
    def is_status_query(self) -> bool:
        return not self.commands
