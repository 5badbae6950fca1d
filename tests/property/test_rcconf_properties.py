"""Properties of the rc.conf parser and of sysrc's edits (Hypothesis)."""

from __future__ import annotations

import shlex
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lagg_ifconfig import rcconf, sysrc
from lagg_ifconfig.errors import RcConfError

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Printable text, newlines and tabs included (no NUL, no surrogates).
values = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00") | st.sampled_from("\n\t"),
    max_size=40,
)
names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)
#: Text biased towards sh syntax, to reach the grammar's corners.
shellish = st.text(
    alphabet=st.sampled_from(list("ab_=$`'\"\\{}()[];&|<>#:-+ \t\n19*?!%")) | st.characters(max_codepoint=0x7F),
    max_size=80,
)


def _forbidden(*args: object, **kwargs: object) -> None:
    raise AssertionError("the rc.conf parser tried to run something")


@SETTINGS
@given(text=shellish | st.text(max_size=80))
def test_parse_never_raises_and_never_runs(text: str) -> None:
    # GIVEN any text WHEN parsed THEN it is either assignments or reported problems
    with (
        mock.patch("subprocess.Popen", _forbidden),
        mock.patch("os.system", _forbidden),
        mock.patch("os.execv", _forbidden),
    ):
        parsed = rcconf.parse(text, "/etc/rc.conf")
        parsed.values()
        rcconf.script(rcconf.merge([parsed]), ["lo0", "em0"])
    lines = text.count("\n") + 1
    for problem in parsed.problems:
        assert isinstance(problem, RcConfError)
        assert 1 <= problem.lineno <= lines
    for assignment in parsed.assignments:
        assert 1 <= assignment.lineno <= lines
        assert text[assignment.start : assignment.value_start] == assignment.name + "="


@SETTINGS
@given(text=shellish)
def test_split_words_returns_words_or_raises_rcconf_error(text: str) -> None:
    try:
        words = rcconf.split_words(text, {"a": "x y", "b": ""})
    except RcConfError:
        return
    assert all(isinstance(w, str) for w in words)


@SETTINGS
@given(name=names, value=values, before=values, other=values)
def test_sysrc_set_round_trips(name: str, value: str, before: str, other: str) -> None:
    # GIVEN a file where `name` may already be set, next to another variable
    other_name = "zz_other" if name != "zz_other" else "zz_other2"
    original = f"# header\n{other_name}={sysrc.quote_value(other)}  # note\n{name}={sysrc.quote_value(before)}\n"
    for text in (original, f"{other_name}={sysrc.quote_value(other)}\n", ""):
        # WHEN sysrc sets `name` to `value`
        edited = sysrc.set_in_text(text, name, value)
        parsed = rcconf.parse(edited, "rc.conf")
        # THEN parsing gives exactly `value` back, nothing expanded, the rest kept
        assert parsed.problems == ()
        result = parsed.values()
        assert result[name] == value
        if other_name in text:
            assert result[other_name] == other


@SETTINGS
@given(name=names, value=values)
def test_sysrc_delete_removes_every_assignment(name: str, value: str) -> None:
    text = f"{name}={sysrc.quote_value(value)}\nkeep=1\n{name}=2 keep2=3\n"
    edited, changed = sysrc.delete_in_text(text, name)
    assert changed
    result = rcconf.parse(edited, "rc.conf").values()
    assert name not in result or name in ("keep", "keep2")
    assert result.get("keep") == "1" or name == "keep"


@SETTINGS
@given(words=st.lists(values, max_size=6))
def test_split_words_inverts_shell_quoting(words: list[str]) -> None:
    text = " ".join(shlex.quote(w) for w in words)
    assert rcconf.split_words(text, {}) == tuple(words)


@SETTINGS
@given(text=shellish | st.text(max_size=80))
def test_fast_path_agrees_with_the_grammar(text: str) -> None:
    # The regular-expression shortcut for plain lines gives the grammar's result
    fast = rcconf.parse(text, "f")
    slow = rcconf._parse(text, "f", fast=False)
    assert fast.assignments == slow.assignments
    assert [str(p) for p in fast.problems] == [str(p) for p in slow.problems]


@SETTINGS
@given(
    lines=st.lists(
        st.tuples(names, values, st.sampled_from(["", "  # c", "\t#x"]), st.sampled_from(['"', "'", ""])),
        max_size=8,
    )
)
def test_plain_files_parse_to_their_values(lines: list[tuple[str, str, str, str]]) -> None:
    text = ""
    expected: dict[str, str] = {}
    for name, value, comment, quote in lines:
        if quote == "'" and "'" not in value:
            word = f"'{value}'"
        elif quote == "" and value and all(c.isalnum() or c in "._/:,+-" for c in value):
            word = value
        else:
            word = sysrc.quote_value(value)
        text += f"{name}={word}{comment}\n"
        expected[name] = value
    for fast in (True, False):
        parsed = rcconf._parse(text, "f", fast=fast)
        assert parsed.problems == ()
        assert parsed.values() == expected
