"""Entrypoints: JSON read as Python reads it, refusing a key given twice in
one object, for inputs that must say one thing (request bodies, bearer
tokens)."""

from __future__ import annotations

import json
from typing import Any


class RepeatedKey(Exception):
    """Raised when one object of the JSON gives `key` twice.

    JSON readers differ on a repeated key (msgspec and PyJWT keep the last),
    so an input that has one could be read two ways.
    """

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def strict_loads(raw: bytes | str) -> Any:
    """`raw` as Python's `json` reads it; `RepeatedKey` for a key given twice.

    Raises `ValueError` (not JSON, or a number longer than Python's int
    parsing takes) and `RecursionError` (nested too deep) as `json.loads` does.
    """

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys: set[str] = set()
        for key, _ in items:
            if key in keys:
                raise RepeatedKey(key)
            keys.add(key)
        return dict(items)

    return json.loads(raw, object_pairs_hook=pairs)
