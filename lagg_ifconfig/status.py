"""FreeBSD ``ifconfig`` status text, rendered from an observed ``InterfaceState``.

Theory of operation
-------------------
FreeBSD's ifconfig prints one block per interface: the per-interface lines
(header, description, capabilities), the link-level line, one line per
address, then the "other status" lines each module registers (lagg, groups,
media, nd6).  *Which* lines exist, in *which order*, and *how* each is spelt
changed between releases, so everything that varies is data:

* ``_Dialect`` holds one release's choices (bit-name tables, line order,
  trailing-space quirks, which ``-v`` lines exist).  ``DIALECTS`` maps the
  names ``V9 V10 V12 V14 MAIN`` to them; ``V14`` is the default.
* ``_SECTIONS`` maps a section name to the function that renders it; a
  dialect's ``sections`` tuple is its line order (spec §5.1).
* ``_FAMILY_SECTIONS`` says which sections survive an address-family
  argument (``ifconfig lagg0 inet``).

Two ways of printing a bit set exist side by side (spec §5.2):

* ``printb`` (ifconfig's ``%b``): ``%x<NAMES>``; the ``<>`` is always printed,
  set bits without a name count in the hex value but are not listed.
* ``netlink`` (FreeBSD 14's header and ``options=`` lines): ``<...>`` only when
  a bit is set; a set bit without a name prints as ``<PREFIX>_<bit number>``.

The module is pure (no I/O) and imports only the standard library and the
model, because the status path has a 30 ms budget.  Name resolution for
``-f addr:fqdn``/``addr:host`` would need DNS, so this renderer prints those
numerically (what FreeBSD prints when the lookup fails).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from lagg_ifconfig.errors import UsageError
from lagg_ifconfig.model import (
    Address,
    HashLayer,
    IfFlag,
    InterfaceState,
    LacpId,
    LacpState,
    LaggOption,
    LaggProto,
    LaggStatus,
    Nd6Flag,
    PortFlag,
    PortStatus,
)

__all__ = [
    "BIT_TABLES",
    "DEFAULT_DIALECT",
    "DIALECTS",
    "FORMAT_CHOICES",
    "BitTable",
    "RenderOptions",
    "bit_names",
    "family_matches",
    "format_bits",
    "format_ether",
    "format_lacp_id",
    "format_lacp_peer",
    "inet_netmask",
    "list_line",
    "parse_bits",
    "parse_formats",
    "render",
]

#: A bit-name table: (bit value, printed name) in print (ascending bit) order.
BitTable = tuple[tuple[int, str], ...]

DEFAULT_DIALECT = "V14"

# --------------------------------------------------------------------------
# Bit-name tables (FreeBSD's names per release; spec §3.2, §3.3, §4.1, §5.2)
# --------------------------------------------------------------------------


def _table(names: Iterable[tuple[int, str]]) -> BitTable:
    return tuple(sorted(names))


def _enum_table(cls: type[enum.IntFlag]) -> BitTable:
    return _table((int(m.value), str(m.name)) for m in cls)


#: FreeBSD 14 netlink IFF names (ifconfig_netlink.c); bit 23 is NOGROUP there.
_IFF_V14: BitTable = _table(
    [(int(m.value), str(m.name)) for m in IfFlag if m is not IfFlag.PALLMULTI] + [(0x800000, "NOGROUP")]
)
#: printb IFFBITS of the ioctl-era ifconfig (10.x): 0x20 SMART, 0x400 OACTIVE.
_IFF_V10: BitTable = (
    (0x1, "UP"),
    (0x2, "BROADCAST"),
    (0x4, "DEBUG"),
    (0x8, "LOOPBACK"),
    (0x10, "POINTOPOINT"),
    (0x20, "SMART"),
    (0x40, "RUNNING"),
    (0x80, "NOARP"),
    (0x100, "PROMISC"),
    (0x200, "ALLMULTI"),
    (0x400, "OACTIVE"),
    (0x800, "SIMPLEX"),
    (0x1000, "LINK0"),
    (0x2000, "LINK1"),
    (0x4000, "LINK2"),
    (0x8000, "MULTICAST"),
    (0x20000, "PPROMISC"),
    (0x40000, "MONITOR"),
    (0x80000, "STATICARP"),
)
#: 11.x-13.x: SMART gone (inferred), STICKYARP added.
_IFF_V12: BitTable = _table([b for b in _IFF_V10 if b[1] != "SMART"] + [(0x100000, "STICKYARP")])
#: LOWER_UP exists only in netlink output; older releases never had the bit.
_IFF_NETLINK_ONLY = int(IfFlag.LOWER_UP)

_CAP_NAMES_V14 = [
    "RXCSUM",
    "TXCSUM",
    "NETCONS",
    "VLAN_MTU",
    "VLAN_HWTAGGING",
    "JUMBO_MTU",
    "POLLING",
    "VLAN_HWCSUM",
    "TSO4",
    "TSO6",
    "LRO",
    "WOL_UCAST",
    "WOL_MCAST",
    "WOL_MAGIC",
    "TOE4",
    "TOE6",
    "VLAN_HWFILTER",
    "NV",
    "VLAN_HWTSO",
    "LINKSTATE",
    "NETMAP",
    "RXCSUM_IPV6",
    "TXCSUM_IPV6",
    "HWSTATS",
    "TXRTLMT",
    "HWRXTSTMP",
    "MEXTPG",
    "TXTLS4",
    "TXTLS6",
    "VXLAN_HWCSUM",
    "VXLAN_HWTSO",
    "TXTLS_RTLMT",
    "RXTLS4",
    "RXTLS6",
]
#: IFCAP names, FreeBSD 14 kernel table (bit n = 1 << n).
_CAP_V14: BitTable = tuple((1 << i, name) for i, name in enumerate(_CAP_NAMES_V14))
#: 10.x IFCAPBITS (no names for 0x20000 NV and 0x800000 HWSTATS).
_CAP_V10: BitTable = tuple(b for b in _CAP_V14[:23] if b[1] != "NV")

_PORT_V14: BitTable = _enum_table(PortFlag)
_PORT_V10: BitTable = (*_PORT_V14, (0x20, "DISABLED"))

_OPT_V14: BitTable = _enum_table(LaggOption)
#: 10.x: no USE_NUMA, LACP_TIMEOUT (0x80) exists but has no printed name.
_OPT_V10: BitTable = tuple(b for b in _OPT_V14 if b[1] in {"USE_FLOWID", "LACP_STRICT", "LACP_TXTEST", "LACP_RXTEST"})
_OPT_MASK_V14 = 0x1 | 0x4 | 0x10 | 0x20 | 0x40 | 0x80
_OPT_MASK_V10 = 0x1 | 0x10 | 0x20 | 0x40 | 0x80
_LACP_ONLY_OPTS = int(
    LaggOption.LACP_STRICT | LaggOption.LACP_TXTEST | LaggOption.LACP_RXTEST | LaggOption.LACP_FAST_TIMO
)

_LACP_STATE: BitTable = _enum_table(LacpState)

_ND6_V14: BitTable = _table(
    [(int(m.value), str(m.name)) for m in Nd6Flag] + [(0x200, "IPV6_ONLY"), (0x400, "IPV6_ONLY_MANUAL")]
)
_ND6_V10: BitTable = _enum_table(Nd6Flag)

#: FreeBSD 14's name tables by the word that labels each bit set (for JSON and tools).
BIT_TABLES: Mapping[str, BitTable] = MappingProxyType(
    {
        "flags": _IFF_V14,
        "options": _CAP_V14,
        "laggport": _PORT_V14,
        "lagg_options": _OPT_V14,
        "state": _LACP_STATE,
        "nd6": _ND6_V14,
    }
)

#: The FreeBSD 14 protocol table in lookup order (``default`` never prints).
_PROTO_V14: Mapping[LaggProto, str] = MappingProxyType({p: p.value for p in LaggProto})
#: 10.x has no broadcast protocol (number 5 was fec): such a lagg prints ``<unknown>``.
_PROTO_V10: Mapping[LaggProto, str] = MappingProxyType({p: p.value for p in LaggProto if p is not LaggProto.BROADCAST})

_HASH_WORDS: tuple[tuple[HashLayer, str], ...] = (
    (HashLayer.L2, "l2"),
    (HashLayer.L3, "l3"),
    (HashLayer.L4, "l4"),
)

#: inet6 address flag words in the order af_inet6.c prints them.
_IN6_FLAG_ORDER = (
    "anycast",
    "tentative",
    "duplicated",
    "detached",
    "deprecated",
    "autoconf",
    "temporary",
    "prefer_source",
)

_ZERO_MAC = "00:00:00:00:00:00"

# --------------------------------------------------------------------------
# Bits
# --------------------------------------------------------------------------

_BitSource = BitTable | type[enum.IntFlag] | Mapping[int, str]


def _as_table(bits: _BitSource) -> BitTable:
    if isinstance(bits, tuple):
        return bits
    if isinstance(bits, Mapping):
        return _table(bits.items())
    return _enum_table(bits)


def bit_names(value: int, bits: _BitSource) -> list[str]:
    """The names of the set bits of ``value`` that have one, in print order."""
    return [name for bit, name in _as_table(bits) if int(value) & bit]


def format_bits(value: int, bits: _BitSource, *, style: str = "printb", unnamed: str = "IFF") -> str:
    """``value`` as FreeBSD prints a bit set, without the ``name=`` prefix.

    ``bits`` is a ``BitTable``, a ``{value: name}`` mapping or an ``IntFlag``
    class whose member names are the printed names.  ``style="printb"`` gives
    ``8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST>`` (``0<>`` when nothing is
    set, unnamed bits left out of the list); ``style="netlink"`` leaves out
    ``<>`` when nothing is set and names an unnamed set bit ``<unnamed>_<n>``.
    """
    value = int(value)
    table = _as_table(bits)
    if style == "printb":
        value &= 0xFFFFFFFF
        names = [name for bit, name in table if value & bit]
        return f"{value:x}<{','.join(names)}>"
    if style != "netlink":
        raise ValueError(f"unknown bit style: {style}")
    by_bit = dict(table)
    words = []
    remaining, n = value, 0
    while remaining:
        if remaining & 1:
            words.append(by_bit.get(1 << n, f"{unnamed}_{n}"))
        remaining >>= 1
        n += 1
    inner = f"<{','.join(words)}>" if words else ""
    return f"{value & 0xFFFFFFFF:x}{inner}"


def parse_bits(text: str, bits: _BitSource, *, unnamed: str | None = None) -> int:
    """The value of the names in ``format_bits`` output (``"5<MASTER,ACTIVE>"`` -> 5).

    Only listed bits are recovered (printb leaves unnamed bits out of the list);
    with ``unnamed`` the netlink-style ``<unnamed>_<n>`` words count too.
    An unknown word raises ``ValueError``.
    """
    by_name = {name: bit for bit, name in _as_table(bits)}
    start = text.find("<")
    if start < 0:
        return 0
    value = 0
    for word in filter(None, text[start + 1 : text.rindex(">")].split(",")):
        bit = by_name.get(word)
        if bit is None and unnamed is not None and word.startswith(f"{unnamed}_"):
            number = word[len(unnamed) + 1 :]
            bit = 1 << int(number) if number.isdigit() else None
        if bit is None:
            raise ValueError(f"unknown bit name: {word}")
        value |= bit
    return value


# --------------------------------------------------------------------------
# LACP identity strings (spec §4.5)
# --------------------------------------------------------------------------

_LACP_SEP = "\n\t\t "


def _lacp_mac(system: bytes) -> str:
    raw = bytes(system[:6]).ljust(6, b"\0")
    return "-".join(f"{b:02X}" for b in raw)


def format_lacp_id(lacp_id: LacpId) -> str:
    """``(8000,00-05-5D-71-8D-B8,0146,8000,0003)``: priority, MAC, key, port priority, port."""
    return (
        f"({lacp_id.system_priority & 0xFFFF:04X},{_lacp_mac(lacp_id.system)},"
        f"{lacp_id.key & 0xFFFF:04X},{lacp_id.port_priority & 0xFFFF:04X},{lacp_id.port & 0xFFFF:04X})"
    )


def format_lacp_peer(actor: LacpId, partner: LacpId, sep: str = _LACP_SEP) -> str:
    """``[(actor),<sep>(partner)]`` as ``ifconfig -v`` prints it (sep: newline, two tabs, space)."""
    return f"[{format_lacp_id(actor)},{sep}{format_lacp_id(partner)}]"


# --------------------------------------------------------------------------
# -f type:format
# --------------------------------------------------------------------------

#: ``-f`` types and the formats FreeBSD 14 documents for each (first = default).
FORMAT_CHOICES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "addr": ("default", "fqdn", "host", "numeric"),
        "ether": ("default", "colon", "dash", "dotted"),
        "inet": ("default", "cidr", "dotted", "hex"),
        "inet6": ("default", "cidr", "numeric"),
    }
)


def parse_formats(spec: str, *, strict: bool = True, warnings: list[str] | None = None) -> dict[str, str]:
    """Parse ``-f``/``IFCONFIG_FORMAT``: ``type:format[,type:format...]``; later entries win.

    FreeBSD itself is lenient: an entry without ``:`` or with an empty format
    prints ``Skipping invalid format specification: <entry>`` and is skipped,
    and unknown types or formats are silently ignored.  ``strict=False`` does
    exactly that (the warning texts, without the ``ifconfig: `` prefix, are
    appended to ``warnings``).  ``strict=True`` (the default, for ``-f``)
    raises ``UsageError`` instead, so a typo is not silently ignored.
    """
    result: dict[str, str] = {}
    for entry in spec.split(","):
        kind, colon, fmt = entry.partition(":")
        if not colon or not fmt:
            message = f"Skipping invalid format specification: {entry}"
            if strict:
                raise UsageError(f"invalid format specification: {entry}", show_usage=True)
            if warnings is not None:
                warnings.append(message)
            continue
        choices = FORMAT_CHOICES.get(kind)
        if choices is None or fmt not in choices:
            if strict:
                what = "type" if choices is None else f"{kind} format"
                raise UsageError(f"unknown {what} in format specification: {entry}", show_usage=True)
            continue
        result[kind] = fmt
    return result


# --------------------------------------------------------------------------
# Options and dialects
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderOptions:
    """What the leading options ask of the status text.

    ``family``: ``None`` or ``inet inet6 link ether lladdr`` (the address-family
    word after the interface name).  ``formats``: ``-f`` (see ``parse_formats``).
    ``dialect``: one of ``DIALECTS``.  ``show_drivername``: ``-D``.
    ``media_list``: ``-m`` (``capabilities=`` and ``supported media:``).
    """

    verbose: bool = False
    family: str | None = None
    formats: Mapping[str, str] = field(default_factory=dict, hash=False)
    dialect: str = DEFAULT_DIALECT
    show_drivername: bool = False
    media_list: bool = False

    def __post_init__(self) -> None:
        if self.dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {self.dialect!r}; choose one of {', '.join(DIALECTS)}")
        if self.family is not None and self.family not in _FAMILY_SECTIONS:
            raise ValueError(f"unknown address family {self.family!r}")
        object.__setattr__(self, "formats", MappingProxyType(dict(self.formats)))


class _Dialect:
    """One release's printing rules.

    A plain class rather than a dataclass or NamedTuple: those cost milliseconds of
    import time on the 30 ms status path.  ``inet_style``: ``modern`` (no trailing
    spaces), ``v10`` (every field followed by a space), ``v9`` (as v10, but nothing
    after ``broadcast``).  ``hwaddr_rule``: ``differs``, ``nonzero`` or ``never``.
    ``address_order``: ``family`` (netlink sort), ``grouped`` (12.x) or ``kernel``.
    """

    __slots__ = (
        "address_order",
        "cap_bits",
        "cap_style",
        "drivername_on_verbose",
        "formats",
        "groups_trailing",
        "groups_verbose_only",
        "header_style",
        "hwaddr_rule",
        "iff_bits",
        "iff_mask",
        "inet6_trailing",
        "inet_style",
        "lag_id_after_proto",
        "lagg_verbose_block",
        "lagghash",
        "nd6_bits",
        "opt_bits",
        "opt_mask",
        "options_nonzero_only",
        "port_bits",
        "proto_names",
        "reverse_ports",
        "rr_limit",
        "sections",
        "state_upper_hex",
    )

    def __init__(
        self,
        *,
        sections: tuple[str, ...],
        header_style: str,
        iff_bits: BitTable,
        iff_mask: int,
        cap_bits: BitTable,
        cap_style: str,
        options_nonzero_only: bool,
        inet_style: str,
        inet6_trailing: bool,
        formats: bool,
        hwaddr_rule: str,
        groups_verbose_only: bool,
        groups_trailing: bool,
        lagghash: bool,
        lagg_verbose_block: bool,
        rr_limit: bool,
        lag_id_after_proto: bool,
        state_upper_hex: bool,
        proto_names: Mapping[LaggProto, str],
        port_bits: BitTable,
        opt_bits: BitTable,
        opt_mask: int,
        nd6_bits: BitTable,
        address_order: str,
        reverse_ports: bool,
        drivername_on_verbose: bool,
    ) -> None:
        self.sections = sections
        self.header_style = header_style
        self.iff_bits = iff_bits
        self.iff_mask = iff_mask
        self.cap_bits = cap_bits
        self.cap_style = cap_style
        self.options_nonzero_only = options_nonzero_only
        self.inet_style = inet_style
        self.inet6_trailing = inet6_trailing
        self.formats = formats
        self.hwaddr_rule = hwaddr_rule
        self.groups_verbose_only = groups_verbose_only
        self.groups_trailing = groups_trailing
        self.lagghash = lagghash
        self.lagg_verbose_block = lagg_verbose_block
        self.rr_limit = rr_limit
        self.lag_id_after_proto = lag_id_after_proto
        self.state_upper_hex = state_upper_hex
        self.proto_names = proto_names
        self.port_bits = port_bits
        self.opt_bits = opt_bits
        self.opt_mask = opt_mask
        self.nd6_bits = nd6_bits
        self.address_order = address_order
        self.reverse_ports = reverse_ports
        self.drivername_on_verbose = drivername_on_verbose

    def derive(self, **changes: object) -> _Dialect:
        """A copy with some rules changed (how each release differs from the next)."""
        unknown = set(changes) - set(self.__slots__)
        if unknown:
            raise AttributeError(", ".join(sorted(unknown)))
        new = object.__new__(_Dialect)
        for name in self.__slots__:
            setattr(new, name, changes.get(name, getattr(self, name)))
        return new


_ORDER_MODERN = (
    "header",
    "description",
    "options",
    "capabilities",
    "link",
    "addresses",
    "lagg",
    "groups",
    "media",
    "nd6",
    "drivername",
)
_ORDER_OLD = (
    "header",
    "description",
    "options",
    "capabilities",
    "link",
    "addresses",
    "nd6",
    "media",
    "groups",
    "lagg",
    "drivername",
)

_V14 = _Dialect(
    sections=_ORDER_MODERN,
    header_style="netlink",
    iff_bits=_IFF_V14,
    iff_mask=0xFFFFFFFF,
    cap_bits=_CAP_V14,
    cap_style="netlink",
    options_nonzero_only=False,
    inet_style="modern",
    inet6_trailing=False,
    formats=True,
    hwaddr_rule="differs",
    groups_verbose_only=False,
    groups_trailing=False,
    lagghash=True,
    lagg_verbose_block=True,
    rr_limit=True,
    lag_id_after_proto=False,
    state_upper_hex=False,
    proto_names=_PROTO_V14,
    port_bits=_PORT_V14,
    opt_bits=_OPT_V14,
    opt_mask=_OPT_MASK_V14,
    nd6_bits=_ND6_V14,
    address_order="family",
    reverse_ports=False,
    drivername_on_verbose=False,
)
#: 11.x-13.x: ioctl status (printb header, options only when non-zero), 14's line order.
_V12 = _V14.derive(
    header_style="printb",
    iff_bits=_IFF_V12,
    iff_mask=~_IFF_NETLINK_ONLY & 0xFFFFFFFF,
    cap_style="printb",
    options_nonzero_only=True,
    address_order="grouped",
)
#: 10.x: reverse constructor order, trailing spaces, groups only with -v, no -f.
_V10 = _V12.derive(
    sections=_ORDER_OLD,
    iff_bits=_IFF_V10,
    cap_bits=_CAP_V10,
    inet_style="v10",
    inet6_trailing=True,
    formats=False,
    hwaddr_rule="nonzero",
    groups_verbose_only=True,
    groups_trailing=True,
    rr_limit=False,
    proto_names=_PROTO_V10,
    port_bits=_PORT_V10,
    opt_bits=_OPT_V10,
    opt_mask=_OPT_MASK_V10,
    nd6_bits=_ND6_V10,
    address_order="kernel",
)
#: <= 9.x (the Handbook's samples): no lagghash, no lagg options block, ports newest first.
_V9 = _V10.derive(
    inet_style="v9",
    hwaddr_rule="never",
    lagghash=False,
    lagg_verbose_block=False,
    lag_id_after_proto=True,
    state_upper_hex=True,
    reverse_ports=True,
)
#: FreeBSD 15/main: as 14, and -v also prints the drivername line.
_MAIN = _V14.derive(drivername_on_verbose=True)

#: Supported dialects, oldest first.
DIALECTS: Mapping[str, _Dialect] = MappingProxyType({"V9": _V9, "V10": _V10, "V12": _V12, "V14": _V14, "MAIN": _MAIN})

# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------


class _Ctx:
    """One render call's inputs (a plain class: a dataclass costs import time)."""

    __slots__ = ("d", "opts", "state")

    def __init__(self, state: InterfaceState, opts: RenderOptions, d: _Dialect) -> None:
        self.state = state
        self.opts = opts
        self.d = d

    def fmt(self, kind: str) -> str:
        if not self.d.formats:
            return "default"
        return self.opts.formats.get(kind, "default")

    def extra(self, key: str) -> list[str]:
        return [v for k, v in self.state.extra if k == key]


def _mac_bytes(mac: str) -> list[int] | None:
    parts = mac.replace("-", ":").split(":")
    if len(parts) != 6:
        return None
    try:
        values = [int(p, 16) for p in parts]
    except ValueError:
        return None
    return values if all(0 <= v <= 0xFF for v in values) else None


def format_ether(mac: str, fmt: str = "default") -> str:
    """A MAC as ``ether_ntoa`` prints it (lower-case, zero-padded), in a ``-f ether:`` format."""
    values = _mac_bytes(mac)
    if values is None:
        return mac
    octets = [f"{v:02x}" for v in values]
    if fmt == "dash":
        return "-".join(octets)
    if fmt == "dotted":
        return ".".join("".join(octets[i : i + 2]) for i in (0, 2, 4))
    return ":".join(octets)


def _header(c: _Ctx) -> list[str]:
    flags = int(c.state.flags) & c.d.iff_mask
    bits = format_bits(flags, c.d.iff_bits, style=c.d.header_style, unnamed="IFF")
    return [f"{c.state.name}: flags={bits} metric {c.state.metric} mtu {c.state.mtu}"]


def _description(c: _Ctx) -> list[str]:
    text = c.state.description
    return [f"\tdescription: {text}"] if text else []


def _capset(c: _Ctx, label: str, value: int | None) -> list[str]:
    if value is None or (c.d.options_nonzero_only and value == 0):
        return []
    return [f"\t{label}={format_bits(value, c.d.cap_bits, style=c.d.cap_style, unnamed='IFCAPS')}"]


def _options(c: _Ctx) -> list[str]:
    return _capset(c, "options", c.state.options)


def _capabilities(c: _Ctx) -> list[str]:
    if not c.opts.media_list:
        return []
    for text in c.extra("capabilities"):
        try:
            return _capset(c, "capabilities", int(text, 0))
        except ValueError:
            continue  # not a number: nothing FreeBSD could have printed
    return []


def _link(c: _Ctx) -> list[str]:
    s = c.state
    if s.lladdr is None or s.link_type in {"loopback", "none"}:
        return []
    if s.link_type != "ether" or _mac_bytes(s.lladdr) is None:
        return [f"\tlladdr {s.lladdr}"]
    fmt = c.fmt("ether")
    lines = [f"\tether {format_ether(s.lladdr, fmt)}"]
    hw = s.hwaddr
    if hw is not None and _mac_bytes(hw) is not None:
        hw_norm, ll_norm = format_ether(hw), format_ether(s.lladdr)
        show = {
            "differs": hw_norm != ll_norm,
            "nonzero": hw_norm != _ZERO_MAC,
            "never": False,
        }[c.d.hwaddr_rule]
        if show:
            lines.append(f"\thwaddr {format_ether(hw, fmt)}")
    return lines


def inet_netmask(plen: int) -> int:
    """The IPv4 netmask of a prefix length, as an integer (clamped to 0..32)."""
    plen = max(0, min(32, plen))
    return (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF if plen else 0


def _dotted(value: int) -> str:
    return ".".join(str((value >> shift) & 0xFF) for shift in (24, 16, 8, 0))


def _inet(c: _Ctx, a: Address) -> str:
    flags = c.state.flags
    p2p = bool(flags & IfFlag.POINTOPOINT)
    bcast = bool(flags & IfFlag.BROADCAST)
    if c.d.inet_style == "modern":
        text = f"\tinet {a.address}"
        if p2p:
            text += f" --> {a.peer or a.address}"
        fmt = c.fmt("inet")
        if fmt == "cidr":
            text += f"/{a.prefixlen}"
        elif fmt == "dotted":
            text += f" netmask {_dotted(inet_netmask(a.prefixlen))}"
        else:
            text += f" netmask 0x{inet_netmask(a.prefixlen):x}"
        if bcast and a.prefixlen != 0 and a.broadcast:
            text += f" broadcast {a.broadcast}"
        return text
    text = f"\tinet {a.address} "
    if p2p:
        text += f"--> {a.peer or '0.0.0.0'} "
    text += f"netmask 0x{inet_netmask(a.prefixlen):x} "
    if bcast and a.broadcast and a.broadcast != "0.0.0.0":
        text += f"broadcast {a.broadcast}" + (" " if c.d.inet_style == "v10" else "")
    return text


def _in6_flags(flags: Sequence[str]) -> list[str]:
    known = [f for f in _IN6_FLAG_ORDER if f in flags]
    return known + [f for f in flags if f not in _IN6_FLAG_ORDER]


def _inet6(c: _Ctx, a: Address) -> str:
    addr = a.address
    if a.scope_id and "%" not in addr:
        addr = f"{addr}%{c.state.name}"
    flag_words = _in6_flags(a.flags)
    if c.d.inet6_trailing:
        text = f"\tinet6 {addr} "
        if a.peer and c.state.flags & IfFlag.POINTOPOINT:
            text += f"--> {a.peer} "
        text += f"prefixlen {a.prefixlen} "
        text += "".join(f"{w} " for w in flag_words)
        if a.scope_id:
            text += f"scopeid 0x{a.scope_id:x} "
        return text
    text = f"\tinet6 {addr}"
    if a.peer:
        text += f" --> {a.peer}"
    text += f"/{a.prefixlen}" if c.fmt("inet6") == "cidr" else f" prefixlen {a.prefixlen}"
    text += "".join(f" {w}" for w in flag_words)
    if a.scope_id:
        text += f" scopeid 0x{a.scope_id:x}"
    return text


_ADDRESS_LINES: Mapping[str, Callable[[_Ctx, Address], str]] = MappingProxyType({"inet": _inet, "inet6": _inet6})
_FAMILY_RANK = {"inet": 0, "inet6": 1}


def _ordered_addresses(c: _Ctx) -> list[Address]:
    addrs = list(c.state.addresses)
    if c.d.address_order == "family":
        return sorted(addrs, key=lambda a: _FAMILY_RANK.get(a.family, 2))
    if c.d.address_order == "grouped":
        first: dict[str, int] = {}
        for i, a in enumerate(addrs):
            first.setdefault(a.family, i)
        return sorted(addrs, key=lambda a: first[a.family])
    return addrs


def _addresses(c: _Ctx) -> list[str]:
    wanted = c.opts.family
    lines = []
    for a in _ordered_addresses(c):
        line = _ADDRESS_LINES.get(a.family)
        if line is None or (wanted is not None and wanted != a.family):
            continue
        lines.append(line(c, a))
    return lines


def _lagg_options(c: _Ctx, lagg: LaggStatus) -> int:
    value = int(lagg.options) & c.d.opt_mask
    if lagg.proto is not LaggProto.LACP:
        value &= ~_LACP_ONLY_OPTS
    return value


def _lag_id_line(lagg: LaggStatus) -> str:
    actor, partner = lagg.lag_id if lagg.lag_id is not None else (LacpId.zero(), LacpId.zero())
    return f"\tlag id: {format_lacp_peer(actor, partner)}"


def _port_lines(c: _Ctx, lagg: LaggStatus, port: PortStatus) -> list[str]:
    lacp_v = c.opts.verbose and lagg.proto is LaggProto.LACP
    line = f"\tlaggport: {port.name} flags={format_bits(int(port.flags), c.d.port_bits)}"
    if not lacp_v:
        return [line]
    info = port.lacp
    state = int(info.actor_state) if info is not None else 0
    if c.d.state_upper_hex:
        line += f" state={state & 0xFF:X}"
    else:
        line += f" state={format_bits(state, _LACP_STATE)}"
    actor = info.actor if info is not None else LacpId.zero()
    partner = info.partner if info is not None else LacpId.zero()
    return [line, f"\t\t{format_lacp_peer(actor, partner)}"]


def _lagg(c: _Ctx) -> list[str]:
    lagg = c.state.lagg
    if lagg is None:
        return []
    d = c.d
    head = f"\tlaggproto {d.proto_names.get(lagg.proto, '<unknown>')}"
    words = [w for bit, w in _HASH_WORDS if lagg.hash & bit]
    if d.lagghash and words:
        head += f" lagghash {','.join(words)}"
    lines = [head]
    if c.opts.verbose and d.lag_id_after_proto and lagg.proto is LaggProto.LACP:
        lines.append(_lag_id_line(lagg))
    if c.opts.verbose and d.lagg_verbose_block:
        lines += [
            "\tlagg options:",
            f"\t\tflags={format_bits(_lagg_options(c, lagg), d.opt_bits)}",
            f"\t\tflowid_shift: {lagg.flowid_shift}",
        ]
        if d.rr_limit and lagg.proto is LaggProto.ROUNDROBIN:
            # The stride is 1 until rr_limit sets it (spec §3.1): 0 is never observed.
            lines.append(f"\t\trr_limit: {max(1, lagg.rr_limit)}")
        lines += [
            "\tlagg statistics:",
            f"\t\tactive ports: {lagg.active_ports}",
            f"\t\tflapping: {lagg.flapping}",
        ]
        if lagg.proto is LaggProto.LACP:
            lines.append(_lag_id_line(lagg))
    ports = reversed(lagg.ports) if d.reverse_ports else iter(lagg.ports)
    for port in ports:
        lines += _port_lines(c, lagg, port)
    return lines


def _groups(c: _Ctx) -> list[str]:
    groups = [g for g in c.state.groups if g != "all"]
    if not groups or (c.d.groups_verbose_only and not c.opts.verbose):
        return []
    if c.d.groups_trailing:
        return ["\tgroups: " + "".join(f"{g} " for g in groups)]
    return ["\tgroups:" + "".join(f" {g}" for g in groups)]


def _media(c: _Ctx) -> list[str]:
    s = c.state
    lines = []
    if s.media is not None:
        lines.append(f"\tmedia: {s.media}")
    if s.status is not None:
        lines.append(f"\tstatus: {s.status}")
    if c.opts.media_list and s.media is not None:
        supported = c.extra("supported_media")
        if supported:
            lines.append("\tsupported media:")
            lines += [f"\t\tmedia {m}" for m in supported]
    return lines


def _nd6(c: _Ctx) -> list[str]:
    value = c.state.nd6
    if value is None or int(value) == 0:
        return []
    return [f"\tnd6 options={format_bits(int(value), c.d.nd6_bits)}"]


def _drivername(c: _Ctx) -> list[str]:
    if not (c.opts.show_drivername or (c.opts.verbose and c.d.drivername_on_verbose)):
        return []
    names = c.extra("drivername")
    return [f"\tdrivername: {names[0] if names else c.state.name}"]


_SECTIONS: Mapping[str, Callable[[_Ctx], list[str]]] = MappingProxyType(
    {
        "header": _header,
        "description": _description,
        "options": _options,
        "capabilities": _capabilities,
        "link": _link,
        "addresses": _addresses,
        "lagg": _lagg,
        "groups": _groups,
        "media": _media,
        "nd6": _nd6,
        "drivername": _drivername,
    }
)

_COMMON = frozenset({"header", "description", "options", "capabilities", "drivername"})
_LINK_ONLY = _COMMON | {"link"}

#: Sections printed when an address family follows the interface name (spec §5.1).
_FAMILY_SECTIONS: Mapping[str | None, frozenset[str]] = MappingProxyType(
    {
        None: frozenset(_SECTIONS),
        "inet": _COMMON | {"addresses"},
        "inet6": _COMMON | {"addresses", "nd6"},
        "link": _LINK_ONLY,
        "ether": _LINK_ONLY,
        "lladdr": _LINK_ONLY,
    }
)


def family_matches(state: InterfaceState, family: str | None) -> bool:
    """Whether FreeBSD 14 lists ``state`` for an address-family filter (``-a inet``, ``-l ether``).

    ``ether`` means an Ethernet-type link with a 6-byte address; ``link`` and
    ``lladdr`` any link-level address; ``inet``/``inet6`` at least one address
    of that family.
    """
    if family is None:
        return True
    if family == "ether":
        return state.link_type == "ether" and state.lladdr is not None and _mac_bytes(state.lladdr) is not None
    if family in {"link", "lladdr"}:
        return state.lladdr is not None and state.link_type not in {"loopback", "none"}
    return any(a.family == family for a in state.addresses)


def render(state: InterfaceState, opts: RenderOptions | None = None) -> str:
    """The whole status block of one interface, each line ending in ``\\n``.

    With an address family in ``opts`` the netlink-era dialects (V12 listing
    through V14/MAIN) print nothing for an interface without such an address,
    as FreeBSD does; the empty string is returned then.
    """
    opts = opts or RenderOptions()
    d = DIALECTS[opts.dialect]
    if d.header_style == "netlink" and not family_matches(state, opts.family):
        return ""
    c = _Ctx(state, opts, d)
    allowed = _FAMILY_SECTIONS[opts.family]
    lines: list[str] = []
    for name in d.sections:
        if name in allowed:
            lines += _SECTIONS[name](c)
    return "".join(f"{line}\n" for line in lines)


def list_line(names: Iterable[str]) -> str:
    """``ifconfig -l``: the names separated by single spaces, then a newline."""
    return " ".join(names) + "\n"
