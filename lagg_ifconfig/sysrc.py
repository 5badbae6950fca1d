"""sysrc(8): read and change rc.conf variables without running the files.

Theory of operation
===================

FreeBSD's ``sysrc`` (a sh script over ``sysrc.subr``) sources the rc.conf
files to query a variable and edits them with awk.  This version reads them
with :mod:`lagg_ifconfig.rcconf` (parsed, never run) and edits text through
the offsets the parser keeps for each assignment:

* **query** ``name``: the value after layering (built-in defaults, then the
  files), printed as ``name: value`` (``-n`` value only, ``-e``
  ``name="value"``).  An unset name is ``sysrc: unknown variable 'name'``,
  exit 1 (``-i``/``-q`` hide the message, the status stays 1, as FreeBSD).
* **set** ``name=value``, ``name+=value`` (append words not yet present,
  separated by a space, or by the value's first character when that is
  punctuation), ``name-=value`` (remove words): the *last* assignment in the
  last file that assigns ``name`` is rewritten in place, keeping the rest of
  its line (comments) and the other lines; when no file assigns it (or only
  the defaults do), ``name="value"`` is appended to the first file.  Prints
  ``name: old -> new``.
* **delete** ``-x name``: every assignment of ``name`` in every file is
  removed (the whole line when it holds nothing else).
* ``-a``/``-A``: every variable set by the files (``-A``: defaults too), sorted.
* ``-c``: compare only, exit 1 when something would change or is unset.

Values are always written double-quoted with ``\\ " $ ``` escaped, so
whatever is stored reads back exactly (the parser returns it unchanged and
nothing is expanded).  FreeBSD writes the value raw between quotes; this is
the one deliberate difference.  Writes are atomic: a temporary file in the
same directory, fsync, the original mode (and owner when permitted), rename.

Files: ``-f file`` (repeatable, like ``RC_CONFS``) or else ``rc_conf_files``;
``-R dir`` resolves them below ``dir``.  The defaults are rcconf's built-in
table (the network-related part of ``/etc/defaults/rc.conf``), so a
FreeBSD-only default such as ``sshd_enable`` is unknown here.  Not
implemented: ``-d -E -F -j -L -s -X`` (reported as unsupported).

The pure helpers (:func:`quote_value`, :func:`set_in_text`,
:func:`delete_in_text`, :func:`append_words`, :func:`remove_words`) do no
I/O; :func:`main` owns argv, the streams and the files.
"""

from __future__ import annotations

import contextlib
import getopt
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from lagg_ifconfig import rcconf
from lagg_ifconfig.errors import strerror

__all__ = [
    "append_words",
    "delete_in_text",
    "main",
    "quote_value",
    "remove_words",
    "set_in_text",
]

PROGRAM = "sysrc"
VERSION = "0.1.0 (lagg-ifconfig)"
_VALID_CHARS = re.compile(r"[A-Za-z0-9_]*")
_IFS = " \t\n"
_UNSUPPORTED_OPTIONS = "dEFjLsX"

USAGE = (
    "Usage: sysrc [OPTIONS] {name[[+|-]=value] ... | -a | -A | -l | -L [name ...]}\n"
    "Try `sysrc --help' for more information.\n"
)

_HELP_OPTIONS: tuple[tuple[str, str], ...] = (
    ("-a", "Dump a list of all non-default configuration variables."),
    ("-A", "Dump a list of all configuration variables (incl. defaults)."),
    ("-c", "Check. Return success if set or no changes, else error."),
    ("-D", "Show default value(s) only."),
    ("-e", "Print query results as `var=value'."),
    ("-f file", "Operate on the specified file(s) instead of rc_conf_files."),
    ("", "Can be specified multiple times for additional files."),
    ("-h", "Print a short usage statement to stderr and exit."),
    ("--help", "Print this message to stderr and exit."),
    ("-i", "Ignore unknown variables."),
    ("-l", "List configuration files used at startup on stdout and exit."),
    ("-n", "Show only variable values, not their names."),
    ("-N", "Show only variable names, not their values."),
    ("-q", "Quiet. Disable verbose and hide certain errors."),
    ("-R dir", "Operate within the root directory `dir' rather than `/'."),
    ("-v", "Verbose. Print the pathname of the rc.conf(5) file where the directive was found."),
    ("--version", "Print version information to stdout and exit."),
    ("-x", "Remove variable(s) from specified file(s)."),
)


# ---------------------------------------------------------------------------
# Pure text helpers
# ---------------------------------------------------------------------------


def quote_value(value: str) -> str:
    """``value`` as a double-quoted sh word that parses back to exactly ``value``."""
    return '"' + re.sub(r'([\\"$`])', r"\\\1", value) + '"'


def set_in_text(text: str, name: str, value: str, filename: str = "") -> str:
    """Set ``name`` to ``value`` in rc.conf ``text``: rewrite its last assignment, else append."""
    found = [a for a in rcconf.parse(text, filename).assignments if a.name == name]
    if found:
        last = found[-1]
        return text[: last.value_start] + quote_value(value) + text[last.value_end :]
    return append_line(text, f"{name}={quote_value(value)}")


def append_line(text: str, line: str) -> str:
    """``text`` with ``line`` added at the end (after a newline if the text lacks one)."""
    separator = "\n" if text and not text.endswith("\n") else ""
    return f"{text}{separator}{line}\n"


def delete_in_text(text: str, name: str, filename: str = "") -> tuple[str, bool]:
    """Remove every assignment of ``name``; a line holding only it goes entirely.

    Returns the new text and whether anything was removed.
    """
    found = [a for a in rcconf.parse(text, filename).assignments if a.name == name]
    for assignment in reversed(found):
        if assignment.alone:
            text = text[: assignment.line_start] + text[assignment.line_end :]
        else:
            end = assignment.value_end
            while end < len(text) and text[end] in " \t":
                end += 1
            text = text[: assignment.start] + text[end:]
    return text, bool(found)


def _delimiter(words: str) -> str:
    """The separator sysrc uses for ``+=``/``-=``: a space, or leading punctuation."""
    first = words[:1]
    if not first or first in _IFS or re.fullmatch(r"[a-zA-Z0-9./]", first):
        return " "
    return first


def _split(value: str, delimiter: str) -> list[str]:
    if delimiter == " ":
        return value.split()
    return [w for w in value.split(delimiter) if w]


def append_words(before: str, add: str) -> str:
    """``name+=add``: the words of ``add`` not already in ``before``, appended."""
    delimiter = _delimiter(add)
    present = _split(before, delimiter)
    new = before
    for word in _split(add, delimiter):
        if word not in present:
            new = f"{new}{delimiter}{word}"
    return new.removeprefix(delimiter)


def remove_words(before: str, remove: str) -> str:
    """``name-=remove``: ``before`` without the words of ``remove``."""
    delimiter = _delimiter(remove)
    unwanted = _split(remove, delimiter)
    kept = [w for w in _split(before, delimiter) if w not in unwanted]
    return delimiter.join(kept)


# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------


class _UsageError(Exception):
    """Print the usage (or ``message``) and exit 1."""

    def __init__(self, message: str = "", *, help_text: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.help_text = help_text


@dataclass
class Options:
    """The command line, as FreeBSD's getopts loop leaves it."""

    show_all: int = 0  # 1: -a, 2: -A
    check: bool = False
    defaults_only: bool = False
    equals: bool = False
    files: list[str] | None = None  # RC_CONFS
    ignore_unknown: bool = False
    list_files: bool = False
    show_name: bool = True
    show_value: bool = True
    quiet: bool = False
    verbose: bool = False
    delete: bool = False
    root: str = "/"
    args: list[str] = field(default_factory=list)


def parse_options(argv: Sequence[str], env: Mapping[str, str]) -> Options:
    for arg in argv:
        if arg == "--":
            break
        if arg == "--help":
            raise _UsageError(help_text=True)
        if arg == "--version":
            raise _UsageError(VERSION)
    options = Options()
    if "RC_CONFS" in env:
        options.files = env["RC_CONFS"].split()
    try:
        flags, options.args = getopt.getopt(list(argv), "aAcdDeEf:Fhij:lLnNqR:s:vxX")
    except getopt.GetoptError as exc:
        raise _UsageError(f"{PROGRAM}: {exc.msg}") from None
    for flag, value in flags:
        letter = flag[1]
        if letter in _UNSUPPORTED_OPTIONS:
            raise _UsageError(f"{PROGRAM}: option -{letter} is not supported by this implementation")
        if letter in _FLAG_SETTINGS:
            for attribute, setting in _FLAG_SETTINGS[letter]:
                setattr(options, attribute, setting)
        else:
            _OPTION_FUNCTIONS[letter](options, value)
    return options


def _set_files(options: Options, value: str) -> None:
    options.defaults_only = False
    options.files = [*(options.files or []), *value.split()]


def _set_root(options: Options, value: str) -> None:
    if not value:
        raise _UsageError(f"{PROGRAM}: Missing or null argument to `-R' flag")
    options.root = value


def _raise_usage(options: Options, value: str) -> None:
    raise _UsageError()


def _set_show_all(options: Options, value: str) -> None:
    options.show_all = options.show_all or 1


def _set_defaults_only(options: Options, value: str) -> None:
    options.defaults_only = True
    options.files = []


#: getopts letters that only set attributes of :class:`Options`.
_FLAG_SETTINGS: dict[str, tuple[tuple[str, object], ...]] = {
    "A": (("show_all", 2),),
    "c": (("check", True),),
    "e": (("equals", True),),
    "i": (("ignore_unknown", True),),
    "l": (("list_files", True),),
    "n": (("show_name", False),),
    "N": (("show_value", False),),
    "q": (("quiet", True), ("verbose", False)),
    "v": (("verbose", True), ("quiet", False)),
    "x": (("delete", True),),
}

#: getopts letters handled by a function (with the option's argument).
_OPTION_FUNCTIONS: dict[str, Callable[[Options, str], None]] = {
    "a": _set_show_all,
    "D": _set_defaults_only,
    "f": _set_files,
    "h": _raise_usage,
    "R": _set_root,
}


# ---------------------------------------------------------------------------
# The program
# ---------------------------------------------------------------------------


class _Session:
    """One run: the options, the streams, the files and the configuration they give."""

    def __init__(self, options: Options, stdout: TextIO, stderr: TextIO) -> None:
        self.o = options
        self.out = stdout
        self.err = stderr
        self.status = 0
        self.rc = self.load()
        if not options.quiet:
            for problem in self.rc.problems:
                self.err.write(f"{PROGRAM}: {problem}\n")
        self.equals = options.equals and options.show_name
        if not options.show_value:
            self.o.show_name = True
            self.equals = False
        self.sep = '="' if self.equals else ": "

    # -- files

    def load(self) -> rcconf.RcConf:
        if self.o.files is not None:
            return rcconf.load(self.o.files, self.o.root)
        return rcconf.load(None, self.o.root, services=())

    def file_list(self) -> list[str]:
        if self.o.files is not None:
            return list(self.o.files)
        return self.rc.value("rc_conf_files").split()

    def real(self, path: str) -> str:
        if self.o.root in ("", "/"):
            return path
        return os.path.join(self.o.root, path.lstrip("/"))

    def read(self, path: str) -> str | None:
        try:
            with open(self.real(path), encoding="utf-8", errors="surrogateescape", newline="") as stream:
                return stream.read()
        except FileNotFoundError:
            return None

    def write(self, path: str, text: str) -> bool:
        try:
            write_atomic(self.real(path), text)
        except OSError as exc:
            self.err.write(f"{PROGRAM}: cannot create {path}: {strerror(exc.errno or 0)}\n")
            return False
        return True

    def find(self, name: str) -> str:
        """``f_sysrc_find``: the file of the effective assignment (or the defaults)."""
        variable = self.rc.variable(name)
        if variable is None:
            return ""
        return variable.origin.rsplit(":", 1)[0] if variable.origin != rcconf.DEFAULTS_ORIGIN else variable.origin

    # -- operations

    def value(self, name: str) -> str | None:
        return self.rc.get(name) if _VALID_CHARS.fullmatch(name) and not name[:1].isdigit() else None

    def set(self, name: str, value: str) -> bool:
        target = self.find(name)
        if not target or target == rcconf.DEFAULTS_ORIGIN:
            files = self.file_list()
            if not files:
                self.err.write(f"{PROGRAM}: {name}: no rc.conf(5) file to write to\n")
                return False
            target = files[0]
        text = self.read(target) or ""
        if not self.write(target, set_in_text(text, name, value, target)):
            return False
        self.rc = self.load()
        return True

    def delete(self, name: str) -> bool:
        for path in self.file_list():
            text = self.read(path)
            if text is None:
                continue
            new, changed = delete_in_text(text, name, path)
            if changed and not self.write(path, new):
                return False
        self.rc = self.load()
        return True

    def unknown(self, name: str) -> None:
        if not (self.o.ignore_unknown or self.o.quiet):
            self.err.write(f"{PROGRAM}: unknown variable '{name}'\n")
        self.status = 1

    def show(self, name: str) -> None:
        if not self.o.show_value:
            self.out.write(f"{name}\n")
            return
        prefix = f"{name}{self.sep}" if self.o.show_name else ""
        closing = '"' if self.equals else ""
        self.out.write(f"{prefix}{self.value(name) or ''}{closing}\n")

    def verbose_prefix(self, name: str) -> None:
        if self.o.verbose:
            where = self.find(name)
            self.out.write(f": {where}; " if self.equals else f"{where}: ")

    # -- commands

    def show_all(self) -> int:
        names = sorted(v.name for v in self.rc.variables if self.o.show_all == 2 or v.origin != rcconf.DEFAULTS_ORIGIN)
        for name in names:
            self.verbose_prefix(name)
            self.show(name)
        return 0

    def query(self, name: str) -> None:
        if self.value(name) is None:
            self.unknown(name)
            return
        if self.o.check:
            return
        if self.o.delete:
            if not self.delete(name):
                self.status = 1
            return
        self.verbose_prefix(name)
        self.show(name)

    def assign(self, arg: str, name: str, mode: str) -> None:
        given = arg.split("=", 1)[1]
        if self.o.verbose and not self.o.check:
            where = self.find(name)
            if where in ("", rcconf.DEFAULTS_ORIGIN):
                where = (self.file_list() or [""])[0]
            self.out.write(f": {where}; " if self.equals else f"{where}: ")
        if self.o.delete:
            if not self.delete(name):
                self.status = 1
            return
        before = self.value(name) or ""
        new = {"+": append_words, "-": remove_words}.get(mode, lambda _b, g: g)(before, given)
        if self.o.check:
            self.check(name, before, new)
            return
        if not self.o.show_value:
            self.out.write(f"{name}\n")
            if not self.set(name, new):
                self.status = 1
            return
        if not self.set(name, new):
            self.status = 1
            return
        after = self.value(name) or ""
        prefix = f"{name}{self.sep}" if self.o.show_name else ""
        if self.equals:
            self.out.write(f'{prefix}{before}" # -> "{after}"\n')
        else:
            self.out.write(f"{prefix}{before} -> {after}\n")

    def check(self, name: str, before: str, new: str) -> None:
        if self.value(name) is None:
            self.status = 1
            if self.o.verbose:
                self.out.write(f"{name}: not currently set\n")
        elif new != before:
            self.status = 1
            if self.o.verbose:
                self.out.write(f"{self.find(name)}: {name}: would change from `{before}' to `{new}'\n")
        elif self.o.verbose:
            self.out.write(f"{self.find(name)}: {name}: already set to `{before}'\n")

    def run(self) -> int:
        if self.o.show_all:
            return self.show_all()
        for arg in self.o.args:
            name = arg.split("=", 1)[0]
            mode = ""
            if "=" in arg and name[-1:] in ("+", "-"):
                mode, name = name[-1], name[:-1]
            if "=" in arg:
                self.assign(arg, name, mode)
            else:
                self.query(name)
        return self.status


def write_atomic(path: str, text: str) -> None:
    """Replace ``path`` by ``text`` atomically, keeping its mode (and owner when allowed)."""
    path = os.path.realpath(path)
    directory = os.path.dirname(path) or "."
    try:
        info = os.stat(path)
    except FileNotFoundError:
        mode, owner = 0o644, None
    else:
        mode, owner = stat.S_IMODE(info.st_mode), (info.st_uid, info.st_gid)
    handle, temporary = tempfile.mkstemp(prefix=f".{PROGRAM}.", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", errors="surrogateescape", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        if owner is not None and (os.geteuid() == 0):
            os.chown(temporary, *owner)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    try:
        directory_handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(directory_handle)
    except OSError:
        pass
    finally:
        os.close(directory_handle)


def _help_text() -> str:
    lines = [
        "Usage: sysrc [OPTIONS] name[[+|-]=value] ...",
        "Usage: sysrc [OPTIONS] -a | -A",
        "Usage: sysrc [OPTIONS] -l",
        "OPTIONS:",
    ]
    lines += [f"\t{flag:<11}{text}" for flag, text in _HELP_OPTIONS]
    lines += ["", "ENVIRONMENT:", "\tRC_CONFS         Override default rc_conf_files (even if set to NULL)."]
    return "\n".join(lines) + "\n"


def _validate(args: Sequence[str]) -> str | None:
    """The error for the first name that is not a sh variable name, or None.

    FreeBSD strips parameter-expansion syntax before this check and then
    evaluates it; expansions in names are not supported here, so the whole
    name (without ``+``/``-`` before ``=``) must be made of valid characters.
    """
    for arg in args:
        name = arg.split("=", 1)[0]
        if "=" in arg and name[-1:] in ("+", "-"):
            name = name[:-1]
        if not _VALID_CHARS.fullmatch(name):
            return f"{PROGRAM}: {name}: name contains characters not allowed in shell"
    return None


def _prepare(args: Sequence[str], environ: Mapping[str, str]) -> Options:
    """Parse and check the command line (raises :class:`_UsageError`)."""
    if not args:
        raise _UsageError()
    options = parse_options(args, environ)
    if options.list_files and options.args:
        raise _UsageError()
    if not options.list_files and not options.args and not options.show_all:
        raise _UsageError()
    if options.delete and options.show_all:
        raise _UsageError(f"{PROGRAM}: `-x' option incompatible with `-a'/`-A' options (use `-X' to override)")
    if options.check and options.show_all:
        raise _UsageError(f"{PROGRAM}: `-c' option incompatible with `-a'/`-A' options")
    return options


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """The ``sysrc`` program; returns the exit status."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = list(sys.argv[1:] if argv is None else argv)
    environ = os.environ if env is None else env
    try:
        options = _prepare(args, environ)
    except _UsageError as usage:
        if usage.help_text:
            err.write(_help_text())
        elif usage.message == VERSION:
            out.write(VERSION + "\n")
        elif usage.message:
            err.write(usage.message + "\n")
        else:
            err.write(USAGE)
        return 1
    problem = _validate(options.args)
    if problem:
        err.write(problem + "\n")
        return 1
    session = _Session(options, out, err)
    if options.list_files:
        listed = rcconf.DEFAULTS_ORIGIN if options.defaults_only else " ".join(session.file_list())
        out.write(listed + "\n")
        return 0
    return session.run()
