"""The harness's SIGTERM handling lasts as long as its run, not its process."""

from __future__ import annotations

import signal

import pytest

from benchmarks.harness import exits_on_sigterm


def test_a_kill_inside_unwinds_like_an_exit() -> None:
    with pytest.raises(SystemExit) as exited, exits_on_sigterm():
        signal.raise_signal(signal.SIGTERM)

    assert exited.value.code == 143


def test_the_handler_before_is_back_after() -> None:
    heard: list[int] = []
    before = signal.signal(signal.SIGTERM, lambda number, _: heard.append(number))
    try:
        handler = signal.getsignal(signal.SIGTERM)
        with exits_on_sigterm():
            assert signal.getsignal(signal.SIGTERM) is not handler

        signal.raise_signal(signal.SIGTERM)

        assert signal.getsignal(signal.SIGTERM) is handler
        assert heard == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, before)
