"""rc.conf import: a sh-assignment subset, FreeBSD's layering, and rc.d/netif as data.

Theory of operation
===================

FreeBSD's rc.conf files are shell scripts that ``/etc/rc.subr`` sources.  We
never run them.  Instead:

1. **Lexing** (:func:`parse`).  The text is cut into *logical lines* by one
   quote-aware regular expression (a quoted string or a backslash-newline may
   span physical lines; a ``#`` that starts a word ends the line).  Each
   logical line is parsed with a pyparsing grammar for
   ``name=word [name=word ...] [# comment]``.  A word is a run of segments:
   single quotes, double quotes (with sh's four escapable characters),
   backslash escapes, bare text and the parameter expansions ``$var``,
   ``${var}``, ``${var-word}``, ``${var:-word}``, ``${var+word}`` and
   ``${var:+word}``.  Everything else (``$(...)``, backticks, ``$((...))``,
   special parameters, ``;``, pipes, redirections, ``if``/``for``/``case``,
   functions, ``export``, ``.``/``source``, plain commands) becomes an
   :class:`~lagg_ifconfig.errors.RcConfError` with file and line, collected
   in :attr:`RcFile.problems`; the rest of the file is still read.  (A line
   that is just ``name="plain"``, ``name='plain'`` or ``name=plain`` takes a
   regular-expression shortcut with the same result.)  Values are
   kept *unexpanded* (:data:`Part` tuples) so that expansion can happen in
   source order across files, exactly as sourcing would.
2. **Layering** (:func:`merge`, pure; :func:`load`, the only file I/O).  The
   built-in :data:`DEFAULTS` stand in for ``/etc/defaults/rc.conf``; then
   ``rc_conf_files`` twice over (FreeBSD's ``source_rc_confs`` loops twice so
   that a changed ``rc_conf_files`` is honoured); then
   ``rc.conf.d/network`` and ``rc.conf.d/netif`` (a file, or every file of a
   directory) under ``/etc`` and each ``local_startup`` directory.  Each
   variable keeps the ``file:line`` of its last assignment (:class:`Variable`).
3. **Lookup** (:func:`get_if_var`): ``ifconfig_IF`` with the interface name's
   ``. - / +`` turned into ``_`` and ``${var-default}`` semantics.
4. **Planning** (:func:`script`, pure): rc.d/netif's ``start``/``stop`` turned
   into a tuple of frozen :data:`BootStep` values, in FreeBSD's order (spec
   §6.4): wlans, clones, renames, the interface list, then per interface
   ``ifconfig_up`` (inet6 switch, ``ifconfig_IF`` minus pseudo words, ``_ipv6``,
   link aliases, ``_descr``, WPA/HOSTAP/up, DHCP), ``ipv4_up``/``ipv6_up``
   (aliases, ranges) and ``vlans_IF``; then ``Starting Network: ...``.  The
   value of ``ifconfig_IF`` is split into words as ``eval ifconfig IF $args``
   would (quotes interpreted a second time) by :func:`split_words`, never by
   a shell.  :func:`format_script` renders a plan as commands for dry runs.

The executor (running the steps through the ifconfig pipeline, DHCP, WPA) is
``netif.py``'s job; this module does no I/O besides :func:`load`.

Scope cuts (written where made): pathname expansion (globs) and tilde
expansion are not performed; ``/etc/start_if.IF`` and ``/etc/stop_if.IF``
scripts are not run; ``wlandebug_IF`` and ``rtsol`` are not planned (a
warning, resp. left to the kernel's router solicitation); v4-mapped IPv6
alias ranges produce nothing (as FreeBSD's inet6 pass ends up doing).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NoReturn

import pyparsing as pp

from lagg_ifconfig.errors import RcConfError

__all__ = [
    "DEFAULTS",
    "DEFAULTS_ORIGIN",
    "PSEUDO_WORDS",
    "Assignment",
    "BootStep",
    "DefaultRoute",
    "Dhcp",
    "FlushAddresses",
    "Hostapd",
    "Ifconfig",
    "Lit",
    "Message",
    "Part",
    "RcConf",
    "RcFile",
    "Ref",
    "ShowStatus",
    "Variable",
    "Warning",
    "Wpa",
    "checkyesno",
    "evaluate",
    "format_script",
    "get_if_var",
    "ifconfig_getargs",
    "load",
    "load_files",
    "mangle",
    "merge",
    "parse",
    "script",
    "split_words",
]

# ---------------------------------------------------------------------------
# Values: unexpanded words
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Lit:
    """Literal text (quotes and escapes already removed)."""

    text: str


@dataclass(frozen=True)
class Ref:
    """A parameter expansion: ``$name``/``${name}`` (op ``""``) or ``${name<op>default}``.

    ``op`` is one of ``"" "-" ":-" "+" ":+"``.  ``quoted`` is true inside double
    quotes (no field splitting when the word is split for ``eval``).
    """

    name: str
    op: str = ""
    default: tuple[Part, ...] = ()
    quoted: bool = False


Part = Lit | Ref


def evaluate(parts: Iterable[Part], env: Mapping[str, str]) -> str:
    """Expand ``parts`` against ``env`` (unset names expand to nothing, as sh without ``-u``)."""
    return "".join(_expand(part, env) for part in parts)


def _expand(part: Part, env: Mapping[str, str]) -> str:
    if isinstance(part, Lit):
        return part.text
    value = env.get(part.name)
    use_default = _REF_USES_WORD[part.op](value)
    if part.op in ("+", ":+"):
        return evaluate(part.default, env) if use_default else ""
    if use_default:
        return evaluate(part.default, env)
    return value or ""


#: op -> does the word apply, given the current value (None = unset)?
_REF_USES_WORD: dict[str, Callable[[str | None], bool]] = {
    "": lambda v: False,
    "-": lambda v: v is None,
    ":-": lambda v: not v,
    "+": lambda v: v is not None,
    ":+": bool,
}


# ---------------------------------------------------------------------------
# The grammar (pyparsing); every element leaves whitespace alone
# ---------------------------------------------------------------------------

NAME_RE = r"[A-Za-z_][A-Za-z0-9_]*"


@dataclass(frozen=True)
class _Word:
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class _Assign:
    name: str
    parts: tuple[Part, ...]
    start: int
    value_start: int
    value_end: int


def _fatal(message: str | Callable[[str], str]) -> Callable[[str, int, pp.ParseResults], NoReturn]:
    def action(s: str, loc: int, toks: pp.ParseResults) -> NoReturn:
        text = message(str(toks[0])) if callable(message) else message
        raise pp.ParseFatalException(s, loc, text)

    return action


def _lit(fn: Callable[[str], str]) -> Callable[[pp.ParseResults], Lit]:
    return lambda toks: Lit(fn(str(toks[0])))


def _rx(pattern: str) -> pp.ParserElement:
    return pp.Regex(pattern).leave_whitespace()


def _lx(text: str) -> pp.ParserElement:
    return pp.Literal(text).leave_whitespace()


def _word_of(toks: pp.ParseResults) -> _Word:
    return _Word(tuple(t for t in toks if isinstance(t, Lit | Ref)))


def _ref_of(quoted: bool) -> Callable[[pp.ParseResults], Ref]:
    def action(toks: pp.ParseResults) -> Ref:
        head = str(toks[0])
        match = re.fullmatch(r"\$\{(" + NAME_RE + r")(:?[-+])", head)
        if match is None:  # ${name}
            return Ref(head[2:-1], quoted=quoted)
        parts = toks[1].parts if len(toks) > 2 else ()
        return Ref(match.group(1), match.group(2), parts, quoted)

    return action


def _simple_ref(quoted: bool) -> Callable[[pp.ParseResults], Ref]:
    return lambda toks: Ref(str(toks[0])[1:], quoted=quoted)


MSG_CMDSUB = "command substitution $(...) is not supported"
MSG_BACKTICK = "command substitution `...` is not supported"
MSG_ARITH = "arithmetic expansion $((...)) is not supported"
MSG_UNTERMINATED_SQ = "unterminated single quote"
MSG_UNTERMINATED_DQ = "unterminated double quote"


def _build_grammar() -> tuple[pp.ParserElement, pp.ParserElement, pp.ParserElement]:
    """Return (line, command_line, word) elements.  See the module docstring."""
    nl_cont = _lx("\\\n").suppress()
    arith = _lx("$((").set_parse_action(_fatal(MSG_ARITH))
    cmdsub = _lx("$(").set_parse_action(_fatal(MSG_CMDSUB))
    backtick = _lx("`").set_parse_action(_fatal(MSG_BACKTICK))
    special = _rx(r"\$[0-9@*#?$!-]").set_parse_action(_fatal(lambda t: f"special parameter {t} is not supported"))
    bad_brace = _rx(r"\$\{[^}\n]*\}?").set_parse_action(_fatal(lambda t: f"unsupported parameter expansion {t}"))
    dollar = _lx("$").set_parse_action(lambda: Lit("$"))

    def param(quoted: bool, default_word: pp.ParserElement) -> pp.ParserElement:
        plain_brace = _rx(r"\$\{" + NAME_RE + r"\}").set_parse_action(_ref_of(quoted))
        op_brace = (_rx(r"\$\{" + NAME_RE + r":?[-+]") + pp.Optional(default_word) + _lx("}")).set_parse_action(
            _ref_of(quoted)
        )
        simple = _rx(r"\$" + NAME_RE).set_parse_action(_simple_ref(quoted))
        return (
            arith | cmdsub | backtick | plain_brace | op_brace | bad_brace | special | simple | dollar
        ).leave_whitespace()

    # -- double-quoted context
    dq_default = pp.Forward()
    dq_default.leave_whitespace()
    dq_param = param(True, dq_default)
    dq_esc = _rx(r'\\[$`"\\]').set_parse_action(_lit(lambda t: t[1]))
    dq_brace_esc = _rx(r'\\[$`"\\}]').set_parse_action(_lit(lambda t: t[1]))
    dq_bs = _lx("\\").set_parse_action(lambda: Lit("\\"))
    dq_text = _rx(r'[^"\\$`]+').set_parse_action(_lit(lambda t: t))
    dq_brace_text = _rx(r'[^"}\\$`]+').set_parse_action(_lit(lambda t: t))
    dq_default <<= pp.OneOrMore(nl_cont | dq_brace_esc | dq_bs | dq_param | dq_brace_text).set_parse_action(_word_of)
    unterminated_dq = pp.StringEnd().leave_whitespace().set_parse_action(_fatal(MSG_UNTERMINATED_DQ))
    dq = (
        _lx('"').suppress()
        + pp.ZeroOrMore(nl_cont | dq_esc | dq_bs | dq_param | dq_text)
        + (_lx('"').suppress() | unterminated_dq)
    ).set_parse_action(lambda toks: [Lit("")] + [t for t in toks if isinstance(t, Lit | Ref)])

    # -- unquoted context
    sq = _rx(r"'[^']*'").set_parse_action(_lit(lambda t: t[1:-1]))
    sq_open = _lx("'").set_parse_action(_fatal(MSG_UNTERMINATED_SQ))
    u_esc = _rx(r"\\[\s\S]?").set_parse_action(_lit(lambda t: t[1:] or "\\"))
    u_default = pp.Forward()
    u_default.leave_whitespace()
    u_param = param(False, u_default)
    u_brace_text = _rx(r"[^}'\"\\$`]+").set_parse_action(_lit(lambda t: t))
    u_default <<= pp.OneOrMore(nl_cont | u_esc | sq | sq_open | dq | u_param | u_brace_text).set_parse_action(_word_of)
    bare = _rx(r"[^ \t\n'\"\\$`;&|<>()]+").set_parse_action(_lit(lambda t: t))
    word = pp.OneOrMore(nl_cont | u_esc | sq | sq_open | dq | u_param | bare).set_parse_action(_word_of)
    word = word.leave_whitespace()

    ws = _rx(r"(?:[ \t]|\\\n)+").suppress()
    comment = _rx(r"#[\s\S]*").suppress()

    def assign_action(s: str, loc: int, toks: pp.ParseResults) -> _Assign:
        name_eq = str(toks[0])
        if len(toks) > 1:
            start, inner, end = toks[1], toks[2], toks[3]
            return _Assign(name_eq[:-1], inner[0].parts, loc, int(start), int(end))
        after = loc + len(name_eq)
        return _Assign(name_eq[:-1], (), loc, after, after)

    assignment = (_rx(NAME_RE + "=") + pp.Optional(pp.Located(word).leave_whitespace())).set_parse_action(assign_action)
    line = (
        pp.Optional(ws)
        + pp.Optional(assignment + pp.ZeroOrMore(ws + assignment))
        + pp.Optional(ws)
        + pp.Optional(comment)
        + pp.StringEnd().leave_whitespace()
    ).leave_whitespace()
    command_line = (
        pp.Optional(ws)
        + pp.ZeroOrMore(pp.NotAny(_lx("#")) + word + pp.Optional(ws))
        + pp.Optional(comment)
        + pp.StringEnd().leave_whitespace()
    ).leave_whitespace()
    return line, command_line, word


_LINE, _COMMAND_LINE, _WORD = _build_grammar()
_LINE.parse_with_tabs()  # keep TABs: pyparsing would expand them and shift offsets
_COMMAND_LINE.parse_with_tabs()

#: A logical line: quoted strings and backslash-newlines may span physical lines.
_LOGICAL_LINE = re.compile(
    r"""
    (?=[\s\S])
    (?:
        (?<![^ \t\n;&|()<>])\#[^\n]*     # a comment: '#' starting a word, to end of line
      | '[^']*'                          # single quotes (may span lines)
      | "(?:[^"\\]|\\[\s\S])*"           # double quotes
      | \\[\s\S]?                        # escape, continuation
      | ['"][^\n]*                       # unterminated quote: the rest of the line
      | [^\n'"\\]
    )*
    (?:\n|\Z)
    """,
    re.VERBOSE,
)

_BLANK_OR_COMMENT = re.compile(r"[ \t]*(?:#[^\n]*)?\n?")


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    pos = 0
    while pos < len(text):
        match = _LOGICAL_LINE.match(text, pos)
        if match is None or match.end() == pos:  # pragma: no cover - the pattern always advances
            end = text.find("\n", pos)
            end = len(text) if end < 0 else end + 1
        else:
            end = match.end()
        yield pos, text[pos:end]
        pos = end


# -- diagnosis of lines that are not plain assignments

_COMPOUND_WORDS = frozenset(
    (
        "if",
        "then",
        "elif",
        "else",
        "fi",
        "for",
        "while",
        "until",
        "do",
        "done",
        "case",
        "esac",
        "select",
        "function",
        "{",
        "}",
        "!",
        "[[",
        "]]",
    )
)
_SOURCING_WORDS = frozenset((".", "source"))
_BUILTIN_WORDS = frozenset(
    (
        "export",
        "readonly",
        "local",
        "unset",
        "set",
        "eval",
        "exec",
        "alias",
        "unalias",
        "trap",
        "shift",
        "return",
        "exit",
        ":",
        "true",
        "false",
        "command",
        "echo",
        "printf",
        "cd",
        "umask",
        "getopts",
        "read",
        "test",
        "[",
        "wait",
        "kill",
    )
)
_OPERATOR_MESSAGES: tuple[tuple[str, str], ...] = (
    ("&&", "'&&' is not supported: only variable assignments are read"),
    ("||", "'||' is not supported: only variable assignments are read"),
    (";", "';' separated commands are not supported"),
    ("&", "'&' is not supported: only variable assignments are read"),
    ("|", "'|' is not supported: only variable assignments are read"),
    ("<", "redirection '<' is not supported"),
    (">", "redirection '>' is not supported"),
    ("(", "'(' (subshells, arrays) is not supported"),
    (")", "')' is not supported"),
)


def _diagnose(line: str, loc: int) -> str:
    """Explain why ``line`` failed at ``loc`` (the first thing that is not an assignment)."""
    rest = line[loc:]
    first = loc == 0 or not line[:loc].strip(" \t\\\n")
    if first and re.match(r"\s*" + NAME_RE + r"\s*\(\s*\)", rest):
        return "function definitions are not supported"
    for operator, message in _OPERATOR_MESSAGES:
        if rest.startswith(operator):
            return message
    word_match = re.match(r"[^ \t\n;&|<>()]+", rest)
    if word_match is None:  # pragma: no cover - the grammar only stops at a word or an operator
        return "cannot parse this line"
    word = word_match.group(0)
    if not first:
        return f"command '{word}' after assignments is never run"
    if word in _COMPOUND_WORDS:
        return f"'{word}' (shell control structure) is not supported"
    if word in _SOURCING_WORDS:
        return f"'{word}': sourcing other files is not supported"
    if word in _BUILTIN_WORDS:
        return f"'{word}' is not supported: only variable assignments are read"
    if re.match(NAME_RE + r"\+=", word):
        return "'+=' is not sh syntax"
    return f"'{word}' is not a variable assignment (commands are never run)"


# ---------------------------------------------------------------------------
# Parsed files
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    """One ``name=value`` in a file, unexpanded, with where it was written.

    Offsets are into the parsed text: ``start`` (the name), ``value_start`` and
    ``value_end`` (the raw value text), ``line_start``/``line_end`` (its logical
    line, newline included); ``alone`` tells whether it is the line's only
    assignment.  ``sysrc`` edits files through these.
    """

    name: str
    value: tuple[Part, ...]
    filename: str
    lineno: int
    start: int
    value_start: int
    value_end: int
    line_start: int
    line_end: int
    alone: bool

    @property
    def origin(self) -> str:
        return f"{self.filename}:{self.lineno}"


@dataclass(frozen=True)
class RcFile:
    """A parsed rc.conf file: the assignments it would make, and what could not be read."""

    filename: str
    assignments: tuple[Assignment, ...]
    problems: tuple[RcConfError, ...]

    def values(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """The variables after sourcing this file alone (on top of ``env``)."""
        result = dict(env or {})
        for assignment in self.assignments:
            result[assignment.name] = evaluate(assignment.value, result)
        return result


def parse(text: str, filename: str = "") -> RcFile:
    """Parse rc.conf ``text``; never raises for bad input, never runs anything.

    Lines that are not assignments are reported in :attr:`RcFile.problems`
    (one :class:`RcConfError` per logical line, with ``filename`` and line)
    and contribute nothing.
    """
    return _parse(text, filename, fast=True)


#: The common line ``name="plain"`` / ``name='plain'`` / ``name=plain [# c]``,
#: read without the grammar (the same result; a property test checks it).
_SIMPLE_LINE = re.compile(
    r"[ \t]*(" + NAME_RE + r")=(\"[^\"\\$`]*\"|'[^']*'|[^ \t\n'\"\\$`;&|<>()]*)[ \t]*(?:#[^\n]*)?"
)


def _parse(text: str, filename: str, *, fast: bool) -> RcFile:
    assignments: list[Assignment] = []
    problems: list[RcConfError] = []
    lineno = 1
    for line_start, raw in _logical_lines(text):
        first_line, lineno = lineno, lineno + raw.count("\n")
        if _BLANK_OR_COMMENT.fullmatch(raw):
            continue
        body = raw[:-1] if raw.endswith("\n") else raw
        simple = _SIMPLE_LINE.fullmatch(body) if fast else None
        if simple is not None:
            quoted = simple.group(2)
            inner = quoted[1:-1] if quoted[:1] in ("'", '"') else quoted
            found = [_Assign(simple.group(1), (Lit(inner),), simple.start(1), simple.start(2), simple.end(2))]
        else:
            try:
                found = [t for t in _LINE.parse_string(body, parse_all=True) if isinstance(t, _Assign)]
            except pp.ParseFatalException as exc:
                problems.append(_problem(exc.msg, filename, first_line + body.count("\n", 0, exc.loc)))
                continue
            except pp.ParseException as exc:
                message = _diagnose(body, exc.loc)
                problems.append(_problem(message, filename, first_line + body.count("\n", 0, exc.loc)))
                continue
            except RecursionError:
                problems.append(_problem("expression nested too deeply", filename, first_line))
                continue
        for item in found:
            assignments.append(
                Assignment(
                    name=item.name,
                    value=_merge_lits(item.parts),
                    filename=filename,
                    lineno=first_line + body.count("\n", 0, item.start),
                    start=line_start + item.start,
                    value_start=line_start + item.value_start,
                    value_end=line_start + item.value_end,
                    line_start=line_start,
                    line_end=line_start + len(raw),
                    alone=len(found) == 1,
                )
            )
    return RcFile(filename, tuple(assignments), tuple(problems))


def _problem(message: str, filename: str, lineno: int) -> RcConfError:
    return RcConfError(message, filename=filename, lineno=lineno)


def _merge_lits(parts: Iterable[Part]) -> tuple[Part, ...]:
    merged: list[Part] = []
    for part in parts:
        if isinstance(part, Lit) and merged and isinstance(merged[-1], Lit):
            merged[-1] = Lit(merged[-1].text + part.text)
        elif isinstance(part, Lit) and not part.text:
            continue
        elif isinstance(part, Ref) and part.default:
            merged.append(Ref(part.name, part.op, _merge_lits(part.default), part.quoted))
        else:
            merged.append(part)
    return tuple(merged)


def split_words(text: str, env: Mapping[str, str], *, filename: str = "", lineno: int = 0) -> tuple[str, ...]:
    """Split ``text`` into words as ``eval cmd $text`` would, without a shell.

    Quotes and escapes are interpreted, parameters expanded from ``env``
    (unquoted expansions are field-split on blanks), ``#`` starts a comment.
    Command substitution, ``;``, pipes and the like raise :class:`RcConfError`
    (they would run commands).
    """
    try:
        tokens = _COMMAND_LINE.parse_string(text, parse_all=True)
    except pp.ParseFatalException as exc:
        raise RcConfError(exc.msg, filename=filename, lineno=lineno) from None
    except pp.ParseException as exc:
        message = _diagnose(text, exc.loc)
        if message.startswith("command '"):
            message = _diagnose(text[exc.loc :], 0)
        raise RcConfError(message, filename=filename, lineno=lineno) from None
    except RecursionError:
        raise RcConfError("expression nested too deeply", filename=filename, lineno=lineno) from None
    words: list[str] = []
    for token in tokens:
        if isinstance(token, _Word):
            words.extend(_fields(token.parts, env))
    return tuple(words)


_IFS_WHITE = re.compile(r"[ \t\n]+")


def _fields(parts: Sequence[Part], env: Mapping[str, str]) -> list[str]:
    """Expand one word into fields (sh field splitting of unquoted expansions)."""
    fields: list[str] = []
    current = ""
    real = False
    for part in parts:
        if isinstance(part, Lit) or part.quoted:
            current += _expand(part, env)
            real = True
            continue
        value = _expand(part, env)
        if not value:
            continue
        pieces = [p for p in _IFS_WHITE.split(value) if p]
        if value[0] in " \t\n" and real:
            fields.append(current)
            current, real = "", False
        for index, piece in enumerate(pieces):
            if index:
                fields.append(current)
                current = ""
            current += piece
            real = True
        if value[-1] in " \t\n" and real:
            fields.append(current)
            current, real = "", False
    if real:
        fields.append(current)
    return fields


# ---------------------------------------------------------------------------
# Layering
# ---------------------------------------------------------------------------

DEFAULTS_ORIGIN = "/etc/defaults/rc.conf"

#: The /etc/defaults/rc.conf values netif, routing and sysrc rely on (spec §6.1).
DEFAULTS: Mapping[str, str] = {
    "rc_conf_files": "/etc/rc.conf /etc/rc.conf.local",
    "rc_startmsgs": "YES",
    "rc_info": "NO",
    "local_startup": "/usr/local/etc/rc.d",
    "hostname": "",
    "netif_enable": "YES",
    "netif_ipexpand_max": "2048",
    "network_interfaces": "auto",
    "cloned_interfaces": "",
    "gif_interfaces": "",
    "ipv6_network_interfaces": "auto",
    "ipv6_activate_all_interfaces": "NO",
    "ipv6_cpe_wanif": "NO",
    "ipv6_gateway_enable": "NO",
    "ipv6_defaultrouter": "NO",
    "ipv6_static_routes": "",
    "defaultrouter": "NO",
    "static_routes": "",
    "gateway_enable": "NO",
    "dhclient_program": "/sbin/dhclient",
    "dhclient_flags": "",
    "background_dhclient": "NO",
    "synchronous_dhclient": "NO",
    "defaultroute_delay": "30",
    "defaultroute_carrier_delay": "5",
    "wpa_supplicant_program": "/usr/sbin/wpa_supplicant",
    "wpa_supplicant_flags": "-s",
    "wpa_supplicant_conf_file": "/etc/wpa_supplicant.conf",
    "hostapd_program": "/usr/sbin/hostapd",
    "hostapd_enable": "NO",
    "rtsol_flags": "-i",
}


@dataclass(frozen=True)
class Variable:
    """A variable's value and the ``file:line`` of the assignment that set it."""

    name: str
    value: str
    origin: str


@dataclass(frozen=True)
class RcConf:
    """The merged configuration: variables with provenance, files read, problems met."""

    variables: tuple[Variable, ...] = ()
    files: tuple[str, ...] = ()
    problems: tuple[RcConfError, ...] = ()
    _index: dict[str, Variable] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update((v.name, v) for v in self.variables)

    def get(self, name: str) -> str | None:
        """The value of ``name``, or None when unset."""
        variable = self._index.get(name)
        return None if variable is None else variable.value

    def value(self, name: str) -> str:
        """The value of ``name``; empty when unset (``$name``)."""
        return self.get(name) or ""

    def variable(self, name: str) -> Variable | None:
        return self._index.get(name)

    def isset(self, name: str) -> bool:
        return name in self._index

    def names(self) -> tuple[str, ...]:
        return tuple(self._index)

    def env(self) -> dict[str, str]:
        """The variables as a plain mapping (for expansion)."""
        return {name: v.value for name, v in self._index.items()}

    def extend(self, rcfile: RcFile) -> RcConf:
        """Source ``rcfile`` on top of this configuration (pure)."""
        index = dict(self._index)
        env = {name: v.value for name, v in index.items()}
        for assignment in rcfile.assignments:
            value = evaluate(assignment.value, env)
            env[assignment.name] = value
            index[assignment.name] = Variable(assignment.name, value, assignment.origin)
        return RcConf(
            tuple(index.values()),
            (*self.files, rcfile.filename),
            (*self.problems, *rcfile.problems),
        )


def _defaults_conf(defaults: Mapping[str, str]) -> RcConf:
    return RcConf(tuple(Variable(n, v, DEFAULTS_ORIGIN) for n, v in defaults.items()))


def merge(files: Iterable[RcFile], *, defaults: Mapping[str, str] = DEFAULTS) -> RcConf:
    """The configuration after sourcing ``files`` in order on top of ``defaults`` (pure)."""
    rc = _defaults_conf(defaults)
    for rcfile in files:
        rc = rc.extend(rcfile)
    return rc


def _read_text(path: str) -> str | None:
    """File I/O: the text of ``path``, or None when it is missing or unreadable."""
    try:
        return Path(path).read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return None


def load_files(paths: Sequence[str], *, root: str = "/") -> list[RcFile]:
    """File I/O: parse each readable file of ``paths`` (below ``root``), in order."""
    result = []
    for path in paths:
        text = _read_text(_under(root, path))
        if text is not None:
            result.append(parse(text, path))
    return result


def _under(root: str, path: str) -> str:
    return path if root in ("", "/") else str(Path(root, path.lstrip("/")))


def load(
    paths: Sequence[str] | None = None,
    root: str = "/",
    *,
    services: Sequence[str] = ("network", "netif"),
    defaults: Mapping[str, str] = DEFAULTS,
) -> RcConf:
    """Read the configuration netif sees (the only I/O of this module).

    With ``paths``, exactly those files are sourced after the defaults (for
    tests and ``--rc-conf``).  Otherwise FreeBSD's order: ``rc_conf_files``
    twice (skipping files already sourced), then for each of ``services``
    ``/etc/rc.conf.d/<service>`` and ``<local_startup>/../rc.conf.d/<service>``
    (a file, or each file of that directory in name order).
    """
    rc = _defaults_conf(defaults)
    if paths is not None:
        for rcfile in load_files(paths, root=root):
            rc = rc.extend(rcfile)
        return rc
    sourced: set[str] = set()
    for _pass in range(2):
        for path in rc.value("rc_conf_files").split():
            if path in sourced:
                continue
            sourced.add(path)
            for rcfile in load_files([path], root=root):
                rc = rc.extend(rcfile)
    for service in services:
        for directory in ("/etc", *rc.value("local_startup").split()):
            base = directory.removesuffix("/rc.d")
            path = f"{base}/rc.conf.d/{service}"
            real = _under(root, path)
            if Path(real).is_dir():
                names = sorted(p.name for p in Path(real).iterdir() if p.is_file())
                files = [f"{path}/{n}" for n in names]
            else:
                files = [path]
            for rcfile in load_files(files, root=root):
                rc = rc.extend(rcfile)
    return rc


# ---------------------------------------------------------------------------
# Lookups (network.subr)
# ---------------------------------------------------------------------------

_PUNCT = str.maketrans(".-/+", "____")


def mangle(ifname: str) -> str:
    """``em0.101`` -> ``em0_101`` (each of ``. - / +`` becomes ``_``)."""
    return ifname.translate(_PUNCT)


def get_if_var(rc: RcConf, ifname: str, var: str, default: str | None = None) -> str | None:
    """``get_if_var IF var [default]``: the value of ``var`` with ``IF`` replaced.

    ``${name-default}`` semantics: ``default`` only when the variable is unset
    (set-but-empty stays empty).
    """
    if "IF" not in var:
        raise ValueError(f"get_if_var: {var!r} has no 'IF'")
    prefix = var.split("IF", 1)[0]
    suffix = var.rsplit("IF", 1)[1]
    value = rc.get(prefix + mangle(ifname) + suffix)
    return default if value is None else value


def _var_name(ifname: str, var: str) -> str:
    return var.split("IF", 1)[0] + mangle(ifname) + var.rsplit("IF", 1)[1]


#: Pseudo keywords removed from ``ifconfig_IF`` (case-insensitive); ``vnet X`` too.
PSEUDO_WORDS = frozenset(("dhcp", "syncdhcp", "nosyncdhcp", "noauto", "wpa", "hostap"))


def _raw_args(rc: RcConf, ifname: str, af: str | None = None) -> list[str]:
    """``_ifconfig_getargs IF [af]``: the words of ``ifconfig_IF[_af]``, ``ifconfig_DEFAULT`` if unset."""
    suffix = f"_{af}" if af else ""
    value = get_if_var(rc, ifname, f"ifconfig_IF{suffix}", rc.value("ifconfig_DEFAULT"))
    return (value or "").split()


def ifconfig_getargs(rc: RcConf, ifname: str, af: str | None = None) -> list[str]:
    """``ifconfig_getargs IF [af]``: the words minus pseudo keywords and ``vnet <jail>``."""
    args: list[str] = []
    in_vnet = False
    for word in _raw_args(rc, ifname, af):
        if in_vnet:
            in_vnet = False
        elif word == "vnet":
            in_vnet = True
        elif word.lower() not in PSEUDO_WORDS:
            args.append(word)
    return args


def checkyesno(value: str | None) -> bool | None:
    """rc.subr's checkyesno: True, False, or None when not a yes/no word."""
    return _YESNO.get((value or "").lower())


_YESNO: dict[str, bool] = {
    "yes": True,
    "true": True,
    "on": True,
    "1": True,
    "no": False,
    "false": False,
    "off": False,
    "0": False,
}

#: ``noafif``: interfaces without address-family configuration.
_NOAFIF = re.compile(r"(?:pflog|pfsync|usbus|an|ath|ipw|ipfw|iwi|iwn|ral|wi|wl|wpi)[0-9]")
#: DHCP (and SLAAC) are never used on these.
_NODHCP = re.compile(r"(?:lo|stf|lp|sl)[0-9]")


def _noafif(ifname: str) -> bool:
    return _NOAFIF.match(ifname) is not None


# ---------------------------------------------------------------------------
# Boot steps
# ---------------------------------------------------------------------------

Action = Literal["start", "stop"]


@dataclass(frozen=True)
class Ifconfig:
    """Run ifconfig with ``words`` (the argv after the program name)."""

    words: tuple[str, ...]
    origin: str


@dataclass(frozen=True)
class Message:
    """A line rc.d/netif prints (``Created clone interfaces: lagg0.``)."""

    text: str


@dataclass(frozen=True)
class Dhcp:
    """Start (synchronously: wait for a lease) or stop the DHCP client on ``ifname``.

    ``synchronous=False`` is FreeBSD's devd path: the client starts when the
    link comes up and netif does not wait.
    """

    ifname: str
    synchronous: bool
    action: Action = "start"


@dataclass(frozen=True)
class Wpa:
    """``/etc/rc.d/wpa_supplicant start|stop IF`` (instead of ``ifconfig IF up``)."""

    ifname: str
    action: Action = "start"


@dataclass(frozen=True)
class Hostapd:
    """``/etc/rc.d/hostapd start|stop IF``."""

    ifname: str
    action: Action = "start"


@dataclass(frozen=True)
class DefaultRoute:
    """rc.d/routing's ``defaultrouter``: ``route add default GATEWAY``."""

    gateway: str
    origin: str = ""


@dataclass(frozen=True)
class ShowStatus:
    """``/sbin/ifconfig IF`` after ``Starting Network:`` (when rc_startmsgs is on)."""

    ifname: str


@dataclass(frozen=True)
class Warning:
    """A warning netif prints (``warn``), with the variable it is about."""

    text: str
    origin: str = ""


@dataclass(frozen=True)
class FlushAddresses:
    """Stop: delete every remaining ``inet``/``inet6`` address of ``ifname`` (ipv4_down/ipv6_down)."""

    ifname: str
    family: Literal["inet", "inet6"]


BootStep = Ifconfig | Message | Dhcp | Wpa | Hostapd | DefaultRoute | ShowStatus | Warning | FlushAddresses

NETIF_ORIGIN = "rc.d/netif"


class _Planner:
    """rc.d/netif and network.subr, one method per shell function (same names)."""

    def __init__(self, rc: RcConf, interfaces: Sequence[str], ifaces_filter: Sequence[str] | None) -> None:
        self.rc = rc
        self.env = rc.env()
        self.existing = list(interfaces)
        self.filter = list(ifaces_filter) if ifaces_filter else None
        self.steps: list[BootStep] = []

    # -- helpers

    def origin(self, name: str) -> str:
        variable = self.rc.variable(name)
        return f"{variable.origin} {name}" if variable else f"{NETIF_ORIGIN} {name}"

    def if_origin(self, ifname: str, var: str) -> str:
        return self.origin(_var_name(ifname, var))

    def ifconfig(self, origin: str, *words: str) -> None:
        self.steps.append(Ifconfig(tuple(words), origin))

    def warn(self, text: str, origin: str = "") -> None:
        self.steps.append(Warning(text, origin))

    def yes(self, name: str) -> bool:
        answer = checkyesno(self.rc.get(name))
        if answer is None:
            self.warn(f"${name} is not set properly - see rc.conf(5).", self.origin(name))
            return False
        return answer

    def words_of(self, ifname: str, var: str) -> list[str]:
        return (get_if_var(self.rc, ifname, var) or "").split()

    def selected(self, ifname: str) -> bool:
        return self.filter is None or ifname in self.filter

    def eval_ifconfig(self, ifname: str, args: str, origin_name: str) -> None:
        """``eval ifconfig IF args``: quotes interpreted again, nothing run."""
        origin = self.origin(origin_name)
        variable = self.rc.variable(origin_name)
        filename, _, line = variable.origin.rpartition(":") if variable else ("", "", "0")
        try:
            words = split_words(args, self.env, filename=filename, lineno=int(line) if line.isdigit() else 0)
        except RcConfError as exc:
            self.warn(f"${origin_name}: {exc.args[0]}; not run", origin)
            return
        self.ifconfig(origin, ifname, *words)

    def has_word(self, ifname: str, wanted: Iterable[str]) -> bool:
        return any(w.lower() in wanted for w in _raw_args(self.rc, ifname))

    # -- predicates of network.subr

    def autoif(self, ifname: str) -> bool:
        return not self.has_word(ifname, ("noauto",))

    def dhcpif(self, ifname: str) -> bool:
        if _NODHCP.match(ifname) or _noafif(ifname):
            return False
        return self.has_word(ifname, ("dhcp", "nosyncdhcp", "syncdhcp"))

    def syncdhcpif(self, ifname: str) -> bool:
        if _noafif(ifname):
            return False
        for word in _raw_args(self.rc, ifname):
            if word.lower() == "nosyncdhcp":
                return False
            if word.lower() == "syncdhcp":
                return True
        return self.yes("synchronous_dhclient")

    def wpaif(self, ifname: str) -> bool:
        return self.has_word(ifname, ("wpa",))

    def hostapif(self, ifname: str) -> bool:
        return self.has_word(ifname, ("hostap",))

    def ipv6if(self, ifname: str) -> bool:
        if ifname == "lo0":
            return True
        listed = self.rc.value("ipv6_network_interfaces")
        if listed.lower() != "auto" and ifname not in listed.split():
            return False
        return bool(
            _raw_args(self.rc, ifname, "ipv6")
            or self.words_of(ifname, "ipv6_prefix_IF")
            or self.words_of(ifname, "ipv6_ifconfig_IF")
        )

    def legacy_ipv6_enable(self) -> bool:
        return self.rc.value("ipv6_enable").lower() in ("yes", "true", "on", "1")

    def ipv6_autoconfif(self, ifname: str) -> bool:
        if _NODHCP.match(ifname) or _noafif(ifname) or not self.ipv6if(ifname):
            return False
        if self.yes("ipv6_gateway_enable") or self.words_of(ifname, "ipv6_prefix_IF"):
            return False
        if self.legacy_ipv6_enable():
            return re.match(r"bridge[0-9]", ifname) is None
        return "accept_rtadv" in _raw_args(self.rc, ifname, "ipv6") or "accept_rtadv" in self.words_of(
            ifname, "ipv6_ifconfig_IF"
        )

    # -- netif start

    def wlan_up(self) -> None:
        created: list[str] = []
        for name in sorted(self.rc.names()):
            match = re.fullmatch(r"wlans_([a-z]+[0-9]+)", name)
            if match is None:
                continue
            parent = match.group(1)
            for child in self.words_of(parent, "wlans_IF"):
                args = ["wlandev", parent, *self.words_of(child, "create_args_IF")]
                if not self.selected(child) or child in self.existing:
                    continue
                if re.fullmatch(r"wlan[0-9]+", child):
                    self.ifconfig(self.origin(name), child, "create", *args)
                else:
                    self.ifconfig(self.origin(name), "wlan", "create", *args, "name", child)
                self.existing.append(child)
                created.append(child)
                debug = get_if_var(self.rc, child, "wlandebug_IF")
                if debug:
                    self.warn(f"wlandebug -i {child} {debug}: not supported", self.if_origin(child, "wlandebug_IF"))
        if created:
            self.steps.append(Message(f"Created wlan(4) interfaces: {' '.join(created)}."))

    def clone_up(self) -> None:
        created: list[str] = []
        origin = self.origin("cloned_interfaces")
        for entry in self.rc.value("cloned_interfaces").split():
            ifname = entry.split(":")[0]
            if not self.selected(ifname):
                continue
            args = self.words_of(ifname, "create_args_IF")
            if re.match(r"epair[0-9]", ifname):
                pair = [f"{ifname}a", f"{ifname}b"]
                if any(p in self.existing for p in pair):
                    continue
                self.ifconfig(origin, ifname, "create", *args)
                self.existing.extend(pair)
                created.extend(pair)
            else:
                if ifname in self.existing:
                    continue
                self.ifconfig(origin, ifname, "create", *args)
                self.existing.append(ifname)
                created.append(ifname)
        for entry in self.rc.value("gif_interfaces").split():
            ifname = entry.split(":")[0]
            if not self.selected(ifname) or ifname in self.existing:
                continue
            gif_origin = self.origin("gif_interfaces")
            if re.match(r"gif[0-9]", ifname):
                self.ifconfig(gif_origin, ifname, "create")
            else:
                self.ifconfig(gif_origin, "gif", "create", "name", ifname)
            self.existing.append(ifname)
            created.append(ifname)
            tunnel = self.words_of(ifname, "gifconfig_IF")
            if tunnel:
                family = ["inet6"] if tunnel[0] == "inet6" else []
                rest = tunnel[1:] if family else tunnel
                self.ifconfig(self.if_origin(ifname, "gifconfig_IF"), ifname, *family, "tunnel", *rest)
        if created:
            self.steps.append(Message(f"Created clone interfaces: {' '.join(created)}."))

    def ifnet_rename(self) -> None:
        for ifname in list(self.filter if self.filter is not None else self.existing):
            new = self.words_of(ifname, "ifconfig_IF_name")
            if not new:
                continue
            self.ifconfig(self.if_origin(ifname, "ifconfig_IF_name"), ifname, "name", *new)
            if ifname in self.existing and len(new) == 1:
                self.existing[self.existing.index(ifname)] = new[0]

    def list_net_interfaces(self) -> list[str]:
        if self.filter is not None:
            listed = list(self.filter)
        elif self.rc.value("network_interfaces").lower() == "auto":
            auto = [i for i in self.existing if self.autoif(i)]
            listed = (["lo0"] if "lo0" in auto else []) + [i for i in auto if i != "lo0"]
        else:
            # (FreeBSD keeps a ":sticky" suffix here; we strip it like clone_up does.)
            listed = [e.split(":")[0] for e in self.rc.value("cloned_interfaces").split()]
            listed = self.rc.value("network_interfaces").split() + listed
            if "lo0" not in listed:
                listed.insert(0, "lo0")
        expanded: list[str] = []
        for ifname in listed:
            if re.fullmatch(r"epair[0-9]+", ifname):
                expanded.extend((f"{ifname}a", f"{ifname}b"))
            else:
                expanded.append(ifname)
        return expanded

    def ifconfig_up(self, ifname: str) -> bool:
        cfg = ifname == "lo0"
        noaf = _noafif(ifname)
        if not noaf:
            opts: list[str] = []
            opts_origin = self.origin("ipv6_activate_all_interfaces")
            if self.yes("ipv6_activate_all_interfaces"):
                opts.append("-ifdisabled")
            elif ifname != "lo0":
                opts.append("ifdisabled")
            if (
                self.legacy_ipv6_enable()
                and not re.match(r"bridge[0-9]", ifname)
                and not self.yes("ipv6_gateway_enable")
            ):
                opts.append("accept_rtadv")
                opts_origin = self.origin("ipv6_enable")
            if self.rc.get("ipv6_cpe_wanif") == ifname:
                opts.extend(("-no_radr", "accept_rtadv"))
                opts_origin = self.origin("ipv6_cpe_wanif")
            if opts:
                self.ifconfig(opts_origin, ifname, "inet6", *opts)
        args = ifconfig_getargs(self.rc, ifname)
        if args:
            self.eval_ifconfig(ifname, " ".join(args), self.ifconfig_var(ifname))
            cfg = True
        if not noaf:
            cfg = self.ifconfig_up_inet6(ifname) or cfg
        self.ifalias(ifname, "link", "alias")
        self.ifalias(ifname, "ether", "alias")
        descr = " ".join(self.words_of(ifname, "ifconfig_IF_descr"))
        if descr:
            self.ifconfig(self.if_origin(ifname, "ifconfig_IF_descr"), ifname, "description", descr)
        if self.wpaif(ifname):
            self.steps.append(Wpa(ifname))
            cfg = True
        elif self.hostapif(ifname):
            self.steps.append(Hostapd(ifname))
            cfg = True
        elif cfg:
            self.ifconfig(self.ifconfig_origin(ifname), ifname, "up")
        if not noaf and self.ipv6_autoconfif(ifname):
            self.ifconfig(self.ifconfig_origin(ifname, "ipv6"), ifname, "inet6", "accept_rtadv", "up")
            cfg = True
        if self.dhcpif(ifname):
            if not cfg:
                self.ifconfig(self.ifconfig_origin(ifname), ifname, "up")
            self.steps.append(Dhcp(ifname, self.syncdhcpif(ifname)))
            cfg = True
        return cfg

    def ifconfig_var(self, ifname: str, af: str | None = None) -> str:
        """The variable ``ifconfig_IF[_af]`` came from (``ifconfig_DEFAULT`` when unset)."""
        name = _var_name(ifname, f"ifconfig_IF_{af}" if af else "ifconfig_IF")
        return name if self.rc.isset(name) else "ifconfig_DEFAULT"

    def ifconfig_origin(self, ifname: str, af: str | None = None) -> str:
        name = self.ifconfig_var(ifname, af)
        return self.origin(name) if self.rc.isset(name) else f"{NETIF_ORIGIN} {ifname}"

    def ifconfig_up_inet6(self, ifname: str) -> bool:
        cfg = False
        args = ifconfig_getargs(self.rc, ifname, "ipv6")
        if args:
            var = self.ifconfig_var(ifname, "ipv6")
            text = " ".join(args)
            if re.match(r":|[0-9a-fA-F].*:", text):
                self.warn(
                    f'$ifconfig_{ifname}_ipv6 needs leading "inet6" keyword for an IPv6 address.',
                    self.origin(var),
                )
                text = f"inet6 {text}"
            self.ifconfig(self.origin(var), ifname, "inet6", "-ifdisabled")
            self.eval_ifconfig(ifname, text, var)
            cfg = True
        if self.words_of(ifname, "ipv6_prefix_IF"):
            self.ifconfig(self.if_origin(ifname, "ipv6_prefix_IF"), ifname, "inet6", "-ifdisabled")
            cfg = True
        legacy = self.words_of(ifname, "ipv6_ifconfig_IF")
        if legacy:
            origin = self.if_origin(ifname, "ipv6_ifconfig_IF")
            self.warn(f"$ipv6_ifconfig_{ifname} is obsolete.   Use ifconfig_{ifname}_ipv6 instead.", origin)
            self.ifconfig(origin, ifname, "inet6", "-ifdisabled")
            self.eval_ifconfig(ifname, "inet6 " + " ".join(legacy), _var_name(ifname, "ipv6_ifconfig_IF"))
            cfg = True
        return cfg

    def ipv4_up(self, ifname: str) -> bool:
        if ifname == "lo0" and not self.words_of(ifname, "ifconfig_IF"):
            self.ifconfig(f"{NETIF_ORIGIN} lo0", "lo0", "inet", "127.0.0.1/8", "alias")
        return self.ifalias(ifname, "inet", "alias")

    def ipv6_up(self, ifname: str) -> bool:
        if not self.ipv6if(ifname):
            return True
        self.ifalias(ifname, "inet6", "alias")
        self.ipv6_prefix_hostid_addr_common(ifname, "alias")
        return True  # the prefix helper's status is that of an `if`: always 0

    def ipv6_prefix_hostid_addr_common(self, ifname: str, action: str) -> None:
        origin = self.if_origin(ifname, "ipv6_prefix_IF")
        for entry in self.words_of(ifname, "ipv6_prefix_IF"):
            if "/" in entry:
                plen = entry.split("/", 1)[1]
                prefix = entry.rsplit("/", 1)[0]
            else:
                plen, prefix = "64", entry
            if "::" in prefix:
                prefix = prefix[: prefix.rfind("::")]
            prefix = prefix.removesuffix(":")
            self.ifconfig(origin, ifname, "inet6", f"{prefix}::", "prefixlen", plen, "eui64", action)
            if self.yes("ipv6_gateway_enable"):
                self.ifconfig(origin, ifname, "inet6", f"{prefix}::", "prefixlen", plen, action, "anycast")

    def childif_create(self, ifname: str) -> bool:
        cfg = False
        origin = self.if_origin(ifname, "vlans_IF")
        for tag in self.words_of(ifname, "vlans_IF"):
            if re.fullmatch(r"[1-9][0-9]*", tag):
                child = f"{ifname}.{tag}"
                self.ifconfig(origin, child, "create", *self.words_of(child, "create_args_IF"))
            else:
                child = tag
                args = ["vlandev", ifname, *self.words_of(child, "create_args_IF")]
                if re.fullmatch(r"vlan[0-9]+", child):
                    self.ifconfig(origin, child, "create", *args)
                else:
                    self.ifconfig(origin, "vlan", "create", *args, "name", child)
            cfg = True
            self.existing.append(child)
            if self.autoif(child):
                self.ifn_start(child)
        return cfg

    def ifn_start(self, ifname: str) -> bool:
        cfg = self.ifconfig_up(ifname)
        if not _noafif(ifname):
            cfg = self.ipv4_up(ifname) or cfg
            cfg = self.ipv6_up(ifname) or cfg
        return self.childif_create(ifname) or cfg

    # -- aliases (ifalias and helpers)

    def ifalias(self, ifname: str, af: str, action: str) -> bool:
        vif = mangle(ifname)
        collected: list[str] = []
        for name in self.numbered(f"ifconfig_{vif}_alias"):
            value = self.rc.value(name)
            first = value.split(" ", 1)[0] if " " in value else ""
            iaf = first if first in ("inet", "inet6", "link", "ether") else ""
            if iaf == af:
                collected.append(value)
            elif not iaf and not value:
                break
            elif af == "inet" and action == "alias" and not iaf:
                collected.append(f"inet {value}")
                self.warn(f'${name} needs leading "inet" keyword for an IPv4 address.', self.origin(name))
        if af == "inet6":
            for name in self.numbered(f"ipv6_ifconfig_{vif}_alias"):
                value = self.rc.value(name)
                if not value:
                    break
                if action == "alias":
                    collected.append(f"inet6 {value}")
                    self.warn(f"${name} is obsolete.  Use ifconfig_{vif}_aliasN instead.", self.origin(name))
        collected.extend(f"inet {addr}" for addr in self.words_of(ifname, "ipv4_addrs_IF"))
        words = self.words_of(ifname, "ifconfig_IF_aliases") + " ".join(collected).split()
        origin = f"{NETIF_ORIGIN} {ifname} aliases"
        done = False
        for group in _af_groups(words, ("inet", "inet6", "link", "ether")):
            if group[0] == af and len(group) > 1:
                done = self.ifalias_handler(ifname, af, action, group, origin) or done
        return done

    def numbered(self, prefix: str) -> list[str]:
        """``list_vars PREFIX[0-9]*`` sorted numerically on what follows ``PREFIX``."""
        names = [n for n in self.rc.names() if n.startswith(prefix) and n[len(prefix) : len(prefix) + 1].isdigit()]

        def key(name: str) -> tuple[int, str]:
            digits = re.match(r"[0-9]+", name[len(prefix) :])
            return (int(digits.group(0)) if digits else 0, name)

        return sorted(names, key=key)

    def ifalias_handler(self, ifname: str, af: str, action: str, args: list[str], origin: str) -> bool:
        if af in ("link", "ether") and action == "-alias":
            return False
        done = False
        for group in _af_groups(args, (af,)):
            if group[0] != af or len(group) < 2:
                continue
            if re.match(af + r" .*[0-9a-fA-F]-", " ".join(group)):
                expanded = self.expand_addr(af, action, group[1], group[2:])
                done = self.ifalias_handler(ifname, af, action, expanded, origin) or done
            else:
                self.ifconfig(origin, ifname, *group, action)
                done = True
        return done

    def expand_addr(self, af: str, action: str, addr: str, extra: list[str], *, top: bool = True) -> list[str]:
        """``ifalias_expand_addr``: ``a.b.c.N-M[/len]`` (or an IPv6 range) to ``af addr ...`` words."""
        if af == "inet":
            return self.expand_inet(action, addr, extra, top)
        if af == "inet6":
            return self.expand_inet6(action, addr, extra, top)
        self.warn(f"cannot expand the {af} address range {addr}", f"{NETIF_ORIGIN} ifalias")
        return []

    def ipexpand_max(self) -> int:
        value = self.rc.value("netif_ipexpand_max")
        return int(value) if value.isdigit() else 2048

    def expand_inet(self, action: str, addr: str, extra: list[str], top: bool) -> list[str]:
        if "--" in addr or "--" in " ".join(extra):
            return []
        if not top or not re.search(r"[0-9]-[0-9]", addr):
            shown = re.sub(r"/[0-9].*$", "", addr) if "netmask" in " ".join(extra) else addr
            return ["inet", shown, *extra]
        ipaddr = addr.split("/", 1)[0]
        plen = addr.rsplit("/", 1)[1] if "/" in addr else "32"
        head: list[str] = []
        tail: list[str] = []
        span = ""
        for component in ipaddr.split("."):
            if not span and re.match(r"[0-9].*-[0-9]", component):
                span = component
            elif not span:
                head.append(component)
            else:
                tail.append(component)
        low_text, high_text = span.rsplit("-", 1)[0], span.split("-", 1)[1]
        if not (low_text.isdigit() and high_text.isdigit()):
            return []
        low, high = int(low_text), int(high_text)
        if action == "-alias":
            plen = ""
        h = ".".join(head) + "." if head else ""
        t = "." + ".".join(tail) if tail else ""
        addresses: list[str] = []
        count = low
        limit = self.ipexpand_max()
        while count <= high:
            addresses.append(f"{h}{count}{t}{'/' if plen else ''}{plen}")
            if count > low + limit:
                self.warn(
                    f"Range specification is too large ({h}{low}{t}-{h}{high}{t}).  "
                    f"{h}{low}{t}-{h}{count}{t} was processed.  Increase $netif_ipexpand_max in rc.conf.",
                    self.origin("netif_ipexpand_max"),
                )
                break
            count += 1
            plen = "32"
        result: list[str] = []
        for one in addresses:
            result.extend(self.expand_inet(action, one, extra, False))
        return result

    def expand_inet6(self, action: str, addr: str, extra: list[str], top: bool) -> list[str]:
        if "--" in addr:
            return []
        if not top or not re.search(r"[0-9a-zA-Z]-[0-9a-zA-Z]", addr):
            shown = re.sub(r"/[0-9].*$", "", addr) if "prefixlen" in " ".join(extra) else addr
            return ["inet6", shown, *extra]
        ipaddr = addr.split("/", 1)[0]
        plen: str | None = addr.rsplit("/", 1)[1] if "/" in addr and action != "-alias" else None
        if re.search(r":[^:]*\.[^:]*\.[^:]*\.[^:]*$", ipaddr):
            return []  # v4-mapped: FreeBSD produces inet words the inet6 pass ignores
        if "/" not in addr:
            plen = "64"
        left, right = ipaddr.rsplit("-", 1)[0], ipaddr.split("-", 1)[1]
        low_text, high_text = left.rsplit(":", 1)[-1], right.split(":", 1)[0]
        left = left.rsplit(":", 1)[0]
        rest = right.split(":", 1)[1] if ":" in right else right
        right = "" if high_text == rest else f":{rest}"
        suffix = f"/{plen}" if plen else ""
        addresses: list[str] = []
        try:
            low, high = int(low_text, 16), int(high_text, 16)
        except ValueError:
            addresses = [f"{ipaddr}{suffix}"]
        else:
            count = low
            limit = self.ipexpand_max()
            while count <= high:
                addresses.append(f"{left}:{count:04x}{right}{suffix}")
                if count > low + limit:
                    self.warn(
                        f"Range specification is too large ({left}:{low:x}{right}-{left}:{high:x}{right}). "
                        f"{left}:{low:x}{right}-{left}:{count:x}{right} was processed.  "
                        "Increase $netif_ipexpand_max in rc.conf.",
                        self.origin("netif_ipexpand_max"),
                    )
                    break
                count += 1
        result: list[str] = []
        for one in addresses:
            result.extend(self.expand_inet6(action, one, extra, False))
        return result

    # -- netif stop

    def ifconfig_down(self, ifname: str) -> None:
        if self.wpaif(ifname):
            self.steps.append(Wpa(ifname, "stop"))
        elif self.hostapif(ifname):
            self.steps.append(Hostapd(ifname, "stop"))
        elif self.dhcpif(ifname):
            self.steps.append(Dhcp(ifname, self.syncdhcpif(ifname), "stop"))
        if ifname in self.existing:
            self.ifconfig(self.ifconfig_origin(ifname), ifname, "down")

    def ifn_stop(self, ifname: str) -> bool:
        if not _noafif(ifname):
            if self.ipv6if(ifname):
                if self.ipv6_autoconfif(ifname):
                    self.ifconfig(self.ifconfig_origin(ifname, "ipv6"), ifname, "inet6", "-accept_rtadv")
                self.ipv6_prefix_hostid_addr_common(ifname, "-alias")
                self.ifalias(ifname, "inet6", "-alias")
                self.steps.append(FlushAddresses(ifname, "inet6"))
            self.ifalias(ifname, "inet", "-alias")
            self.steps.append(FlushAddresses(ifname, "inet"))
        self.ifconfig_down(ifname)
        origin = self.if_origin(ifname, "vlans_IF")
        for tag in self.words_of(ifname, "vlans_IF"):
            child = f"{ifname}.{tag}" if re.fullmatch(r"[1-9][0-9]*", tag) else tag
            if child in self.existing:
                self.ifconfig(origin, "-n", child, "destroy")
                self.existing.remove(child)
        return True

    def wlan_down(self) -> None:
        destroyed: list[str] = []
        for name in sorted(self.rc.names()):
            match = re.fullmatch(r"wlans_([a-z]+[0-9]+)", name)
            if match is None:
                continue
            for child in self.words_of(match.group(1), "wlans_IF"):
                if not self.selected(child) or child not in self.existing:
                    continue
                self.ifconfig(self.origin(name), "-n", child, "destroy")
                self.existing.remove(child)
                destroyed.append(child)
        if destroyed:
            self.steps.append(Message(f"Destroyed wlan(4) interfaces: {' '.join(destroyed)}."))

    def clone_down(self) -> None:
        destroyed: list[str] = []
        sticky = checkyesno(self.rc.get("cloned_interfaces_sticky")) is True
        entries = [("cloned_interfaces", e) for e in self.rc.value("cloned_interfaces").split()]
        entries += [("gif_interfaces", e) for e in self.rc.value("gif_interfaces").split()]
        for var, entry in entries:
            fields = entry.split(":")
            ifname, option = fields[0], (fields[1] if len(fields) > 1 else "")
            if option == "sticky" or (sticky and option != "nosticky"):
                continue
            if not self.selected(ifname):
                continue
            if re.match(r"epair[0-9]", ifname):
                present = [p for p in (f"{ifname}a", f"{ifname}b") if p in self.existing]
                if not present:
                    continue
                self.ifconfig(self.origin(var), "-n", present[0], "destroy")
                for end in (f"{ifname}a", f"{ifname}b"):
                    if end in self.existing:
                        self.existing.remove(end)
                destroyed.extend((f"{ifname}a", f"{ifname}b"))
            else:
                if ifname not in self.existing:
                    continue
                self.ifconfig(self.origin(var), "-n", ifname, "destroy")
                self.existing.remove(ifname)
                destroyed.append(ifname)
        if destroyed:
            self.steps.append(Message(f"Destroyed clone interfaces: {' '.join(destroyed)}."))

    # -- rc.d/netif

    def netif_common(self, verb: str, func: Callable[[str], bool], check_exists: bool) -> None:
        ok: list[str] = []
        for ifname in self.list_net_interfaces():
            if check_exists and ifname not in self.existing:
                self.warn(f"{ifname} does not exist.  Skipped.", NETIF_ORIGIN)
                continue
            if func(ifname):
                ok.append(ifname)
        if ok and self.yes("rc_startmsgs"):
            self.steps.append(Message(f"{verb} Network: {' '.join(ok)}."))
            self.steps.extend(ShowStatus(i) for i in ok)

    def default_route(self) -> None:
        gateway = self.rc.value("defaultrouter")
        if gateway and gateway.lower() != "no":
            self.steps.append(DefaultRoute(gateway, self.origin("defaultrouter")))

    def start(self) -> tuple[BootStep, ...]:
        self.wlan_up()
        self.clone_up()
        self.ifnet_rename()
        self.netif_common("Starting", self.ifn_start, check_exists=False)
        self.default_route()
        return tuple(self.steps)

    def stop(self) -> tuple[BootStep, ...]:
        self.netif_common("Stopping", self.ifn_stop, check_exists=True)
        self.wlan_down()
        self.clone_down()
        return tuple(self.steps)


def _af_groups(words: Iterable[str], starters: Sequence[str]) -> Iterator[list[str]]:
    """Cut ``words`` before each word of ``starters`` (ifalias's ``_tmpargs`` loop)."""
    group: list[str] = []
    for word in words:
        if word in starters:
            if group:
                yield group
            group = [word]
        else:
            group.append(word)
    if group:
        yield group


def script(
    rc: RcConf,
    interfaces: Sequence[str],
    *,
    ifaces_filter: Sequence[str] | None = None,
    action: Action = "start",
) -> tuple[BootStep, ...]:
    """rc.d/netif ``start``/``stop`` as data (spec §6.4), pure.

    ``interfaces`` is the kernel's interface list in ``ifconfig -l`` order;
    interfaces created by earlier steps are appended to it as FreeBSD's list
    would show them.  ``ifaces_filter`` is netif's ``IF ...`` argument.
    ``netif_enable`` is the caller's business (rc.subr checks it before netif runs).
    """
    planner = _Planner(rc, interfaces, ifaces_filter)
    return planner.start() if action == "start" else planner.stop()


# ---------------------------------------------------------------------------
# Rendering a plan (dry run)
# ---------------------------------------------------------------------------


def _render_dhcp(step: Dhcp) -> str:
    if step.action == "stop":
        return f"/etc/rc.d/dhclient stop {shlex.quote(step.ifname)}"
    if step.synchronous:
        return f"/etc/rc.d/dhclient start {shlex.quote(step.ifname)}"
    return f"service dhclient quietstart {shlex.quote(step.ifname)}  # when the link comes up (devd)"


def _render(step: BootStep) -> str:
    match step:
        case Ifconfig(words=words):
            return "ifconfig " + " ".join(shlex.quote(w) for w in words)
        case Message(text=text):
            return f"# {text}"
        case Dhcp():
            return _render_dhcp(step)
        case Wpa(ifname=ifname, action=action):
            return f"/etc/rc.d/wpa_supplicant {action} {shlex.quote(ifname)}"
        case Hostapd(ifname=ifname, action=action):
            return f"/etc/rc.d/hostapd {action} {shlex.quote(ifname)}"
        case DefaultRoute(gateway=gateway):
            return f"route add default {shlex.quote(gateway)}"
        case ShowStatus(ifname=ifname):
            return f"ifconfig {shlex.quote(ifname)}"
        case Warning(text=text):
            return f"# WARNING: {text}"
        case FlushAddresses(ifname=ifname, family=family):
            return f"# delete the remaining {family} addresses of {ifname}"


def format_script(steps: Iterable[BootStep]) -> str:
    """The plan as commands, one line per step (``ifconfig lagg0 create``, ``# Created ...``)."""
    lines = [_render(step) for step in steps]
    return "".join(line + "\n" for line in lines)
