"""Properties of the word parser: total on any input, and render -> parse is the identity."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lagg_ifconfig.errors import LaggError
from lagg_ifconfig.syntax.parser import ADDRESS_FAMILIES, REGISTRY, parse_words, render_words

KEYWORDS = sorted(REGISTRY)
VALUES = [
    "fxp0",
    "lacp",
    "failover",
    "fec",
    "l2,l3",
    "l4",
    "3",
    "0",
    "9000",
    "198.18.0.15/24",
    "2001:db8::1",
    "0xffffff00",
    "00:11:22:33:44:55",
    "random",
    "create",
    "laggtype",
    "ethernet",
]

words = st.lists(
    st.one_of(
        st.sampled_from(KEYWORDS),
        st.sampled_from(VALUES),
        st.sampled_from(sorted(ADDRESS_FAMILIES)),
        st.text(max_size=12),
    ),
    max_size=10,
)


@settings(max_examples=400)
@given(words)
def test_any_words_give_commands_or_a_freebsd_error(argv: list[str]) -> None:
    try:
        inv = parse_words("lagg0", argv)
    except LaggError as exc:
        text = str(exc)
        assert text
        assert text.count("\n") <= sum(word.count("\n") for word in argv)  # only echoed words
        assert "Traceback" not in text
    else:
        assert inv.ifname == "lagg0"


@settings(max_examples=400)
@given(words)
def test_render_then_parse_gives_the_same_commands(argv: list[str]) -> None:
    try:
        inv = parse_words("lagg0", argv)
    except LaggError:
        return
    again = parse_words("lagg0", list(render_words(inv)))
    assert again.commands == inv.commands
