"""Query cursors behind `nextRecordsUrl`: limited per user, and they expire."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sfemulator.ids import IdFactory

Renderer = Callable[[list[Any]], dict[str, Any]]


@dataclass
class Cursor:
    """The rest of one query's result, served a page at a time."""

    id: str
    user_id: str
    rows: list[list[Any]]
    render: Renderer
    page_size: int
    endpoint: str
    version: str
    touched_at: float


class CursorBook:
    """Open cursors; one too many drops the user's oldest, as Salesforce does."""

    def __init__(self, ids: IdFactory) -> None:
        self.ids = ids
        self.cursors: dict[str, Cursor] = {}
        self.max_per_user = 10
        self.idle_seconds = 15 * 60.0

    def open(self, cursor: Cursor) -> None:
        mine = [c for c in self.cursors.values() if c.user_id == cursor.user_id]
        for old in mine[: max(len(mine) - self.max_per_user + 1, 0)]:
            del self.cursors[old.id]
        self.cursors[cursor.id] = cursor

    def new_id(self) -> str:
        return self.ids.next("01g")

    def find(self, cursor_id: str, user_id: str, now: float) -> Cursor | None:
        cursor = self.cursors.get(cursor_id)
        if cursor is None or cursor.user_id != user_id:
            return None
        if cursor.touched_at + self.idle_seconds < now:
            del self.cursors[cursor_id]
            return None
        cursor.touched_at = now
        return cursor

    def expire_all(self) -> int:
        count = len(self.cursors)
        self.cursors.clear()
        return count

    def page(
        self, cursor: Cursor, start: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Records from `start`, and the next page's URL (None when done)."""
        end = start + cursor.page_size
        records = [cursor.render(row) for row in cursor.rows[start:end]]
        if end >= len(cursor.rows):
            self.cursors.pop(cursor.id, None)
            return records, None
        path = f"/services/data/v{cursor.version}/{cursor.endpoint}"
        return records, f"{path}/{cursor.id}-{end}"
