"""The entrypoints' event loop runner."""

from __future__ import annotations

import gc

import pytest

from entrypoints.loop import YOUNG_GENERATION, run


async def _frozen_now() -> int:
    return gc.get_freeze_count()


def test_start_up_objects_stay_out_of_the_collector_while_it_runs() -> None:
    assert gc.get_freeze_count() == 0

    frozen = run(_frozen_now())

    assert frozen > 0
    # And they are the collector's again afterwards (tests run in-process).
    assert gc.get_freeze_count() == 0


async def _thresholds_now() -> tuple[int, int, int]:
    return gc.get_threshold()


def test_the_youngest_generation_is_collected_less_often_while_it_runs() -> None:
    before = gc.get_threshold()
    assert before[0] < YOUNG_GENERATION

    during = run(_thresholds_now())

    assert during == (YOUNG_GENERATION, *before[1:])
    assert gc.get_threshold() == before


async def _fails() -> None:
    raise RuntimeError("boom")


def test_a_failed_run_gives_them_back_too() -> None:
    before = gc.get_threshold()

    with pytest.raises(RuntimeError, match="boom"):
        run(_fails())

    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
