"""sysrc(8): queries, edits in place, appends, deletes, checks, exact output."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from lagg_ifconfig import rcconf, sysrc

RC = '# my rc.conf\nhostname="old"  # keep me\nifconfig_em0="up"\n\ncloned_interfaces=""\n'


def run(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = sysrc.main(list(argv), stdout=out, stderr=err, env=env or {})
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def rcfile(tmp_path: Path) -> Path:
    path = tmp_path / "rc.conf"
    path.write_text(RC)
    path.chmod(0o640)
    return path


# -- queries


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ((), "hostname: old\n"),
        (("-n",), "old\n"),
        (("-e",), 'hostname="old"\n'),
        (("-e", "-n"), "old\n"),
        (("-N",), "hostname\n"),
    ],
)
def test_query_formats(rcfile: Path, flags: tuple[str, ...], expected: str) -> None:
    assert run(*flags, "-f", str(rcfile), "hostname") == (0, expected, "")


def test_query_verbose_names_the_file(rcfile: Path) -> None:
    assert run("-v", "-f", str(rcfile), "hostname") == (0, f"{rcfile}: hostname: old\n", "")


def test_query_default_value(rcfile: Path) -> None:
    assert run("-f", str(rcfile), "network_interfaces") == (0, "network_interfaces: auto\n", "")


def test_unknown_variable(rcfile: Path) -> None:
    assert run("-f", str(rcfile), "nosuch", "hostname") == (
        1,
        "hostname: old\n",
        "sysrc: unknown variable 'nosuch'\n",
    )
    # -i and -q hide the message; the status stays 1 (FreeBSD)
    assert run("-i", "-f", str(rcfile), "nosuch") == (1, "", "")
    assert run("-q", "-f", str(rcfile), "nosuch") == (1, "", "")


def test_list_all_non_default_sorted(rcfile: Path) -> None:
    assert run("-a", "-f", str(rcfile)) == (
        0,
        "cloned_interfaces: \nhostname: old\nifconfig_em0: up\n",
        "",
    )
    status, out, _ = run("-A", "-f", str(rcfile))
    assert status == 0
    assert "network_interfaces: auto\n" in out
    assert "hostname: old\n" in out


def test_list_files(rcfile: Path) -> None:
    assert run("-l", "-f", str(rcfile), "-f", "/etc/other") == (0, f"{rcfile} /etc/other\n", "")
    assert run("-l", env={"RC_CONFS": "/a /b"}) == (0, "/a /b\n", "")


# -- edits


def test_set_existing_in_place_keeps_comments_and_mode(rcfile: Path) -> None:
    assert run("-f", str(rcfile), "hostname=new.example") == (0, "hostname: old -> new.example\n", "")
    assert rcfile.read_text() == RC.replace('hostname="old"', 'hostname="new.example"')
    assert stat.S_IMODE(rcfile.stat().st_mode) == 0o640
    assert [p.name for p in rcfile.parent.iterdir()] == ["rc.conf"]  # no temporary left


def test_set_new_variable_is_appended(rcfile: Path) -> None:
    assert run("-f", str(rcfile), "ifconfig_lagg0=laggproto lacp laggport em0") == (
        0,
        "ifconfig_lagg0:  -> laggproto lacp laggport em0\n",
        "",
    )
    assert rcfile.read_text() == RC + 'ifconfig_lagg0="laggproto lacp laggport em0"\n'


def test_set_edits_the_last_assignment_only(tmp_path: Path) -> None:
    path = tmp_path / "rc.conf"
    path.write_text("a=1\nb=2 a=3 # c\n")
    assert run("-f", str(path), "a=4") == (0, "a: 3 -> 4\n", "")
    assert path.read_text() == 'a=1\nb=2 a="4" # c\n'


def test_set_with_equals_output(rcfile: Path) -> None:
    assert run("-e", "-f", str(rcfile), "hostname=x") == (0, 'hostname="old" # -> "x"\n', "")


def test_set_creates_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "new.conf"
    assert run("-f", str(path), "lagg_enable=YES") == (0, "lagg_enable:  -> YES\n", "")
    assert path.read_text() == 'lagg_enable="YES"\n'
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_append_and_remove_words(rcfile: Path) -> None:
    assert run("-f", str(rcfile), "cloned_interfaces+=lagg0") == (0, "cloned_interfaces:  -> lagg0\n", "")
    assert run("-f", str(rcfile), "cloned_interfaces+=lagg1 lagg0") == (
        0,
        "cloned_interfaces: lagg0 -> lagg0 lagg1\n",
        "",
    )
    assert run("-f", str(rcfile), "cloned_interfaces-=lagg0") == (0, "cloned_interfaces: lagg0 lagg1 -> lagg1\n", "")
    assert 'cloned_interfaces="lagg1"\n' in rcfile.read_text()


@pytest.mark.parametrize(
    ("before", "add", "expected"),
    [
        ("", "a", "a"),
        ("a b", "b c", "a b c"),
        ("a,b", ",c,a", "a,b,c"),
        ("x", "", "x"),
    ],
)
def test_append_words(before: str, add: str, expected: str) -> None:
    assert sysrc.append_words(before, add) == expected


@pytest.mark.parametrize(
    ("before", "remove", "expected"),
    [("a b c", "b", "a c"), ("a,b,c", ",a,c", "b"), ("a", "a", "")],
)
def test_remove_words(before: str, remove: str, expected: str) -> None:
    assert sysrc.remove_words(before, remove) == expected


def test_delete(rcfile: Path) -> None:
    assert run("-x", "-f", str(rcfile), "ifconfig_em0") == (0, "", "")
    assert rcfile.read_text() == '# my rc.conf\nhostname="old"  # keep me\n\ncloned_interfaces=""\n'
    assert run("-x", "-f", str(rcfile), "ifconfig_em0") == (1, "", "sysrc: unknown variable 'ifconfig_em0'\n")


def test_delete_one_of_several_on_a_line() -> None:
    assert sysrc.delete_in_text("a=1 b=2\nb=3\n", "b") == ("a=1 \n", True)
    assert sysrc.delete_in_text("x=1\n", "b") == ("x=1\n", False)


def test_check_mode(rcfile: Path) -> None:
    before = rcfile.read_text()
    assert run("-c", "-f", str(rcfile), "hostname=old") == (0, "", "")
    assert run("-c", "-f", str(rcfile), "hostname=new") == (1, "", "")
    assert run("-c", "-v", "-f", str(rcfile), "hostname=new") == (
        1,
        f"{rcfile}: hostname: would change from `old' to `new'\n",
        "",
    )
    assert run("-c", "-v", "-f", str(rcfile), "unset_var=x") == (1, "unset_var: not currently set\n", "")
    assert rcfile.read_text() == before


def test_values_round_trip_with_hostile_characters(rcfile: Path) -> None:
    value = "a \"b\" $c `d` \\e 'f' ${g} #h"
    assert run("-f", str(rcfile), f"weird={value}")[0] == 0
    assert 'weird="a \\"b\\" \\$c \\`d\\` \\\\e \'f\' \\${g} #h"\n' in rcfile.read_text()
    assert run("-n", "-f", str(rcfile), "weird") == (0, value + "\n", "")


def test_set_symlinked_file_keeps_the_link(tmp_path: Path, rcfile: Path) -> None:
    link = tmp_path / "link.conf"
    link.symlink_to(rcfile)
    assert run("-f", str(link), "hostname=z")[0] == 0
    assert link.is_symlink()
    assert 'hostname="z"' in rcfile.read_text()


def test_root_directory(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "rc.conf").write_text('hostname="jail"\n')
    assert run("-R", str(tmp_path), "hostname") == (0, "hostname: jail\n", "")
    assert run("-R", str(tmp_path), "ifconfig_lagg0=up") == (0, "ifconfig_lagg0:  -> up\n", "")
    assert (tmp_path / "etc" / "rc.conf").read_text() == 'hostname="jail"\nifconfig_lagg0="up"\n'


def test_unparsable_lines_are_warned_and_kept(rcfile: Path) -> None:
    rcfile.write_text("x=$(hostname)\ny=1\n")
    assert run("-f", str(rcfile), "y=2") == (
        0,
        "y: 1 -> 2\n",
        f"sysrc: {rcfile}:1: command substitution $(...) is not supported\n",
    )
    assert rcfile.read_text() == 'x=$(hostname)\ny="2"\n'
    assert run("-q", "-f", str(rcfile), "y") == (0, "y: 2\n", "")


# -- usage


def test_usage_and_bad_names(rcfile: Path) -> None:
    assert run() == (1, "", sysrc.USAGE)
    assert run("-f", str(rcfile)) == (1, "", sysrc.USAGE)
    assert run("-f", str(rcfile), "bad-name=1") == (
        1,
        "",
        "sysrc: bad-name: name contains characters not allowed in shell\n",
    )
    assert run("-a", "-x") == (
        1,
        "",
        "sysrc: `-x' option incompatible with `-a'/`-A' options (use `-X' to override)\n",
    )
    assert run("-a", "-c") == (1, "", "sysrc: `-c' option incompatible with `-a'/`-A' options\n")
    assert run("-s", "netif", "x") == (1, "", "sysrc: option -s is not supported by this implementation\n")
    assert run("-Z", "x")[0] == 1
    status, _, err = run("--help")
    assert status == 1
    assert err.startswith("Usage: sysrc [OPTIONS] name[[+|-]=value] ...\n")


def test_unwritable_file_is_an_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        missing_dir = tmp_path / "no" / "such" / "rc.conf"
        assert run("-f", str(missing_dir), "a=1") == (
            1,
            "",
            f"sysrc: cannot create {missing_dir}: No such file or directory\n",
        )
        return
    tmp_path.chmod(0o500)
    try:
        path = tmp_path / "rc.conf"
        assert run("-f", str(path), "a=1") == (1, "", f"sysrc: cannot create {path}: Permission denied\n")
    finally:
        tmp_path.chmod(0o700)


def test_quote_value_parses_back() -> None:
    for value in ("", "plain", 'q"uote', "$x", "`x`", "back\\slash", "new\nline", "\\\n"):
        text = f"v={sysrc.quote_value(value)}\n"
        assert rcconf.parse(text, "f").values() == {"v": value}
