"""In-memory persistence: the locks and the staged tables that give units of
work the SQL stores' isolation."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class KeyedLocks:
    """One asyncio lock per key, forgotten once nobody holds or awaits it."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    async def acquire(self, key: str) -> None:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with asyncio.timeout(self._timeout):
                await lock.acquire()
        except TimeoutError:
            self._forget(key)
            raise TimeoutError(
                f"waited {self._timeout}s for {key}: is a unit of work opened "
                "inside another that holds it?"
            ) from None
        except BaseException:
            self._forget(key)
            raise

    def release(self, key: str) -> None:
        self._locks[key][0].release()
        self._forget(key)

    def __len__(self) -> int:
        """How many keys are held or awaited right now."""
        return len(self._locks)

    def _forget(self, key: str) -> None:
        lock, users = self._locks[key]
        if users == 1:
            del self._locks[key]
        else:
            self._locks[key] = (lock, users - 1)


class Staged(Generic[K, V]):
    """A committed table seen through one unit of work's uncommitted changes."""

    def __init__(self, committed: dict[K, V]) -> None:
        self.committed = committed
        self.changes: dict[K, V | None] = {}

    def get(self, key: K) -> V | None:
        if key in self.changes:
            return self.changes[key]
        return self.committed.get(key)

    def put(self, key: K, value: V) -> None:
        self.changes[key] = value

    def drop(self, key: K) -> None:
        self.changes[key] = None

    def items(self) -> Iterator[tuple[K, V]]:
        for key in self.committed.keys() | self.changes.keys():
            value = self.get(key)
            if value is not None:
                yield key, value

    def commit(self) -> None:
        for key, value in self.changes.items():
            if value is None:
                self.committed.pop(key, None)
            else:
                self.committed[key] = value
        self.changes.clear()


def in_workspace(
    table: Staged[tuple[str, Any], V], workspace_id: str
) -> Iterator[tuple[tuple[str, Any], V]]:
    """The entries of a table keyed by `(workspace_id, ...)` in that workspace."""
    for key, value in table.items():
        if key[0] == workspace_id:
            yield key, value


def drop_workspace(table: Staged[tuple[str, Any], V], workspace_id: str) -> None:
    """Drop every entry of a table keyed by `(workspace_id, ...)` in that
    workspace."""
    for key, _ in list(in_workspace(table, workspace_id)):
        table.drop(key)
