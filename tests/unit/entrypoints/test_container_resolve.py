"""Resolving providers whose dependencies are async, and being stopped meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from dependency_injector import containers, providers

from entrypoints.container import resolve, settle


class Client:
    pass


class UseCase:
    def __init__(self, client: Client) -> None:
        self.client = client


async def slow_client(ready: asyncio.Event) -> AsyncIterator[Client]:
    await ready.wait()
    yield Client()


class Slow(containers.DeclarativeContainer):
    ready = providers.Dependency(instance_of=asyncio.Event)
    client = providers.Resource(slow_client, ready)
    use_case = providers.Factory(UseCase, client)


async def test_a_resolve_resolves_async_dependencies() -> None:
    ready = asyncio.Event()
    ready.set()
    container = Slow(ready=ready)

    use_case = await resolve(container.use_case, UseCase)

    assert isinstance(use_case.client, Client)
    await settle(container.shutdown_resources())


async def test_a_resolve_cancelled_midway_leaves_no_error_behind() -> None:
    # dependency-injector sets the result of the future it hands out from a
    # callback; a stop that cancelled that future made the callback fail
    # with InvalidStateError, which asyncio logged with a traceback.
    loop = asyncio.get_running_loop()
    reported: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: reported.append(context))
    ready = asyncio.Event()
    container = Slow(ready=ready)
    try:
        task = asyncio.create_task(resolve(container.use_case, UseCase))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        ready.set()
        for _ in range(10):
            await asyncio.sleep(0)

        assert reported == []
        # What the cancelled resolve started still ends: the resource is up.
        assert isinstance(await resolve(container.use_case, UseCase), UseCase)
    finally:
        loop.set_exception_handler(None)
        await settle(container.shutdown_resources())
