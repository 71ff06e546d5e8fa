"""Futures the application starts and may stop waiting for."""

from __future__ import annotations

import asyncio
from typing import Any


def retrieved(future: asyncio.Future[Any]) -> None:
    """Take a finished future's exception as seen (a done callback, or after
    waiting it out): asyncio logs one nobody retrieved as lost, where its
    failure was already logged where it happened."""
    if not future.cancelled():
        future.exception()
