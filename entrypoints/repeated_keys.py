"""Entrypoints: the first JSON key given twice in one object, for inputs
that must say one thing (request bodies, bearer tokens)."""

from __future__ import annotations

import json
from typing import Any


class _Repeated(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def repeated_key(raw: bytes | str) -> str | None:
    """The first key given twice in one object of `raw`; None if there is
    none, or if `raw` is not JSON Python reads (its own decoder says why).

    JSON readers differ on a repeated key (msgspec and PyJWT keep the last),
    so an input that has one could be read two ways.
    """

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys: set[str] = set()
        for key, _ in items:
            if key in keys:
                raise _Repeated(key)
            keys.add(key)
        return dict(items)

    try:
        json.loads(raw, object_pairs_hook=pairs)
    except _Repeated as repeated:
        return repeated.key
    except (RecursionError, ValueError):
        # Nested past Python's recursion, not JSON, or a number longer than
        # its int parsing takes.
        return None
    return None
