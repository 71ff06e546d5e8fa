"""Log lines: request-derived text one line, printable, bounded; and no
pool traceback for a connection reset that a stop cancelled."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.util import await_only

from adapters.persistence import create_database_engine
from entrypoints.logs import POOL_LOGGER, configure_logging, printable, quiet_libraries


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


@pytest.fixture
def pool_logger() -> Iterator[logging.Logger]:
    """The pool's logger; its filters as they were are put back after the test."""
    pool = logging.getLogger(POOL_LOGGER)
    before = list(pool.filters)
    yield pool
    pool.filters[:] = before


async def test_a_cancelled_connection_reset_logs_no_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, pool_logger: logging.Logger
) -> None:
    quiet_libraries()

    errors, checked_out = await _cancel_during_reset(tmp_path, caplog)

    assert (errors, checked_out) == (0, 0)


async def test_without_the_filter_the_pool_logs_the_cancellation(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, pool_logger: logging.Logger
) -> None:
    # The scenario above is real: the pool does log it, and this is the logger.
    pool_logger.filters.clear()

    errors, checked_out = await _cancel_during_reset(tmp_path, caplog)

    assert (errors, checked_out) == (1, 0)


def test_other_reset_errors_are_still_logged(
    caplog: pytest.LogCaptureFixture, pool_logger: logging.Logger
) -> None:
    quiet_libraries()
    try:
        raise OSError("disk gone")
    except OSError:
        logging.getLogger(POOL_LOGGER).error("Exception during reset", exc_info=True)

    assert [r.getMessage() for r in caplog.records] == ["Exception during reset"]


async def _cancel_during_reset(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> tuple[int, int]:
    """Cancel a task while its connection's reset runs, as a stop can: the
    pool's ERROR records, and the connections it still has checked out."""
    engine = create_database_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    resetting = asyncio.Event()

    def slow_reset(*_: object) -> None:
        resetting.set()
        await_only(asyncio.sleep(30))

    event.listen(engine.sync_engine, "reset", slow_reset)

    async def use_and_return() -> None:
        # As `Transaction.close` does: a plain close, which no shield covers.
        session = AsyncSession(engine)
        await session.execute(text("SELECT 1"))
        await session.close()

    try:
        with caplog.at_level(logging.ERROR, logger=POOL_LOGGER):
            task = asyncio.create_task(use_and_return())
            await resetting.wait()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        errors = [r for r in caplog.records if r.name == POOL_LOGGER]
        return len(errors), engine.pool.checkedout()  # type: ignore[attr-defined]
    finally:
        await engine.dispose()
