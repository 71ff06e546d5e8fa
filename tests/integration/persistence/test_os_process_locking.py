"""get_for_update holds against a real second OS process, not only a pool."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.integration.persistence.conftest import Backend
from tests.integration.persistence.lock_holder import KEY_VARIABLE, MARK
from tests.integration.persistence.samples import connected, is_waiting

PROJECT_ROOT = Path(__file__).resolve().parents[3]


async def test_a_lock_held_by_another_process_makes_us_wait(
    sql_backend: Backend, encryption_key: str
) -> None:
    async with sql_backend.uow() as uow:
        await uow.connections.save(connected("ws-1"))
        await uow.commit()
    holder = await _start_holder(sql_backend, encryption_key)
    assert holder.stdin is not None
    assert holder.stdout is not None

    try:
        assert await asyncio.wait_for(holder.stdout.readline(), 60) == b"locked\n"
        waiter = asyncio.create_task(_lock_and_read(sql_backend))
        assert await is_waiting(waiter)
        holder.stdin.write(b"go\n")
        await holder.stdin.drain()

        seen = await asyncio.wait_for(waiter, 30)
        assert await asyncio.wait_for(holder.wait(), 30) == 0
    finally:
        if holder.returncode is None:
            holder.kill()
            await holder.wait()

    assert seen == connected("ws-1").note_problem(MARK)


async def _start_holder(
    backend: Backend, encryption_key: str
) -> asyncio.subprocess.Process:
    assert backend.url is not None
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.persistence.lock_holder",
        backend.url,
        "ws-1",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=PROJECT_ROOT,
        env={**os.environ, KEY_VARIABLE: encryption_key},
    )


async def _lock_and_read(backend: Backend) -> object:
    async with backend.uow() as uow:
        return await uow.connections.get_for_update("ws-1")
