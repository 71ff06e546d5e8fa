"""Request-derived text in log lines: one line, printable, bounded."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entrypoints.logs import printable


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("/x\nFORGED line", "/x\\nFORGED line"),
        ("/a\r\x00b", "/a\\r\\x00b"),
        ("/\x1b[31mred", "/\\x1b[31mred"),
        ("/line\u2028sep", "/line\\u2028sep"),
        ("/back\\slash", "/back\\\\slash"),
        ("/Zürich Rück", "/Zürich Rück"),
    ],
)
def test_control_characters_are_backslash_escaped(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_long_text_is_cut_with_a_marker() -> None:
    assert printable("/" + "a" * 20, limit=5) == "/aaaa..."


def test_an_escape_is_never_cut_in_half() -> None:
    assert printable("/ab\x00", limit=5) == "/ab..."


@given(st.text(), st.integers(min_value=0, max_value=64))
def test_any_text_becomes_one_bounded_printable_line(raw: str, limit: int) -> None:
    shown = printable(raw, limit)

    assert shown.isprintable()
    assert len(shown) <= limit + len("...")
