"""Long id lists in slices a single statement can bind.

SQLite binds at most 32,766 parameters per statement (999 before 3.32),
PostgreSQL's protocol 32,767; an `IN` of thousands of ids must be split.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")

BATCH_SIZE = 500


def batches(values: Iterable[T], size: int = BATCH_SIZE) -> Iterator[list[T]]:
    """Consecutive lists of at most `size` values; nothing for no values."""
    iterator = iter(values)
    while batch := list(islice(iterator, size)):
        yield batch
