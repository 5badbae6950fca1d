"""Argument values: addresses, masks, MACs and numbers, with FreeBSD's error texts.

Each function takes one word and returns a typed value or raises
``ArgSyntaxError``/``ConfigError`` whose text is what FreeBSD's ifconfig
prints after ``ifconfig: ``.  Numbers follow the C routine FreeBSD uses for
that keyword (``atoi``, ``strtol``, ``strtoul``, ``strtonum``), because
scripts rely on the odd cases (``rr_limit 3x`` is 3; ``flowid_shift foo``
is 0).
"""

from __future__ import annotations

import re
import socket

from lagg_ifconfig.errors import ArgSyntaxError

__all__ = [
    "c_atoi",
    "c_strtol",
    "classful_prefixlen",
    "mask_to_prefixlen",
    "parse_inet",
    "parse_inet6",
    "parse_inet_address",
    "parse_lladdr",
    "parse_prefixlen6",
]

_C_INT = re.compile(r"\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")
_DECIMAL = re.compile(r"\s*([+-]?)([0-9]+)")


def c_atoi(word: str) -> int:
    """C ``atoi``: leading decimal digits, anything else ignored, 0 if none."""
    match = _DECIMAL.match(word)
    if match is None:
        return 0
    value = int(match.group(2))
    return -value if match.group(1) == "-" else value


def c_strtol(word: str, base: int = 0) -> int:
    """C ``strtol``/``strtoul`` with base 0 (hex, octal, decimal prefixes); 0 if no digits."""
    if base == 10:
        return c_atoi(word)
    match = _C_INT.match(word)
    if match is None:
        return 0
    digits = match.group(2)
    if digits.lower().startswith("0x"):
        value = int(digits, 16)
    elif digits.startswith("0") and len(digits) > 1:
        value = int(digits, 8)
    else:
        value = int(digits)
    return -value if match.group(1) == "-" else value


def parse_inet_address(word: str) -> str:
    """An IPv4 address as ``inet_aton(3)`` reads it (``10.1``, ``0x0a000001`` too), dotted."""
    if not word or word.strip() != word:
        raise ArgSyntaxError(f"{word}: bad value")
    try:
        packed = socket.inet_aton(word)
    except (OSError, ValueError):  # ValueError: an embedded NUL
        raise ArgSyntaxError(f"{word}: bad value") from None
    return socket.inet_ntoa(packed)


def mask_to_prefixlen(mask: str) -> int:
    """The prefix length of a contiguous netmask given in any ``inet_aton`` form."""
    value = int.from_bytes(socket.inet_aton(parse_inet_address(mask)), "big")
    length = bin(value).count("1")
    if value != ((0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF):
        # Linux stores a prefix length; a non-contiguous mask has none.
        raise ArgSyntaxError(f"{mask}: bad value (non-contiguous netmask)")
    return length


def classful_prefixlen(address: str) -> int:
    """The pre-CIDR mask FreeBSD falls back to for an address without one (with a warning)."""
    first = int(address.split(".", 1)[0])
    if first < 128:
        return 8
    if first < 192:
        return 16
    if first < 224:
        return 24
    return 32


def parse_inet(word: str) -> tuple[str, int | None]:
    """``A.B.C.D[/len]`` (af_inet.c ``in_getaddr``): the address and the prefix length if given."""
    address, slash, width = word.rpartition("/")
    if not slash:
        return parse_inet_address(word), None
    if not width or not width[0].isdigit():
        raise ArgSyntaxError(f"{address}/{width}: bad value (width invalid)")
    if not width.isdigit():
        raise ArgSyntaxError(f"{address}/{width}: bad value (width invalid)")
    if int(width) > 32:
        raise ArgSyntaxError(f"{address}/{width}: bad value (width too large)")
    return parse_inet_address(address), int(width)


def parse_prefixlen6(word: str) -> int:
    """``prefixlen N`` / ``/N`` for inet6 (``strtol``; 0..128 or ``N: bad value``)."""
    value = c_strtol(word, 10)
    if value < 0 or value > 128:
        raise ArgSyntaxError(f"{word}: bad value")
    return value


def parse_inet6(word: str) -> tuple[str, int | None]:
    """``ADDR[%scope][/plen]`` (af_inet6.c ``in6_getaddr``): canonical address, prefix length if given."""
    address, slash, plen = word.partition("/")
    prefixlen = parse_prefixlen6(plen) if slash else None
    host, _, scope = address.partition("%")
    try:
        packed = socket.inet_pton(socket.AF_INET6, host)
    except (OSError, ValueError):  # ValueError: an embedded NUL
        raise ArgSyntaxError(f"{word}: bad value") from None
    canonical = socket.inet_ntop(socket.AF_INET6, packed)
    return (f"{canonical}%{scope}" if scope else canonical), prefixlen


_MAC_PART = re.compile(r"^[0-9a-fA-F]{1,2}$")


def parse_lladdr(word: str) -> str:
    """An Ethernet address as ``ether_aton(3)`` reads it; ``random`` passes through."""
    if word == "random":
        return word
    parts = word.split(":")
    if len(parts) != 6 or not all(_MAC_PART.match(p) for p in parts):
        raise ArgSyntaxError("malformed link-level address")
    return ":".join(f"{int(p, 16):02x}" for p in parts)
