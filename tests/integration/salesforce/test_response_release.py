"""A page's answer is freed as soon as it is read, not at the garbage
collector's next pass: a sync holds no bodies of pages it is done with."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from adapters.salesforce.http import SalesforceHttp
from adapters.salesforce.retries import Replay, RetryPolicy
from tests.integration.salesforce.scripted import Scripted, answer

PAGE = {"done": True, "records": [{"Id": f"00Q{n:015d}"} for n in range(500)]}


@pytest.fixture
def no_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    yield
    gc.enable()


@pytest.mark.usefixtures("no_collector")
async def test_an_answer_read_is_freed_without_the_collector(
    scripted: Scripted,
) -> None:
    client, _ = scripted(answer(json=PAGE))
    http = SalesforceHttp(client, RetryPolicy())
    answers: list[weakref.ref[httpx.Response]] = []

    def read(response: httpx.Response) -> Any:
        answers.append(weakref.ref(response))
        return response.json()

    request = httpx.Request("GET", "https://na1.example/services/data/v62.0/query")
    page = await http.call(request, read, replay=Replay.IDEMPOTENT)

    assert page == PAGE
    assert len(answers) == 1
    assert answers[0]() is None
