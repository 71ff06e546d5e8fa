"""Request-derived text in log lines: one line, printable, bounded."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entrypoints.logs import configure_logging, printable


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


@pytest.fixture
def root_logging() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)


def test_configuring_again_replaces_our_handler_and_keeps_the_others(
    root_logging: logging.Logger,
) -> None:
    capture = logging.Handler()
    root_logging.addHandler(capture)
    before = set(root_logging.handlers)

    configure_logging("INFO")
    configure_logging("WARNING")

    added = [h for h in root_logging.handlers if h not in before]
    assert capture in root_logging.handlers
    assert len(added) == 1
    assert root_logging.level == logging.WARNING
