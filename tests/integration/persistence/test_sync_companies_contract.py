"""Contract of the CompanyRepository port, for every adapter."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.sync.ports import CompanyQuery
from domain.people import Company
from tests.integration.persistence.conftest import Backend
from tests.integration.persistence.samples import NOW
from tests.integration.persistence.sync_samples import (
    OTHER_WS,
    WS,
    company,
    fresh_workspace,
    save_companies,
)
from tests.support.strategies import companies

SOME_EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
EARLY, LATE = NOW - timedelta(hours=1), NOW + timedelta(hours=1)


@SOME_EXAMPLES
@given(stored=companies())
async def test_every_company_comes_back_unchanged(
    backend: Backend, stored: Company
) -> None:
    workspace = fresh_workspace()
    stored = msgspec.structs.replace(stored, workspace_id=workspace)
    await save_companies(backend.uow, [stored], workspace_id=workspace)

    async with backend.other_process() as uow:
        got = await uow.companies.get(workspace, stored.account_id)
        listed = await uow.companies.list(workspace, CompanyQuery(include_deleted=True))

    assert got == stored
    assert listed == [stored]


async def test_a_page_replaces_stored_companies_and_adds_new_ones(
    backend: Backend,
) -> None:
    await save_companies(backend.uow, [company("0011"), company("0012")])
    renamed = company("0011", fields={"name": "Renamed"}, updated_at=LATE)

    await save_companies(backend.uow, [renamed, company("0013")])

    async with backend.uow() as uow:
        listed = await uow.companies.list(WS, CompanyQuery())
    assert listed == [company("0012"), company("0013"), renamed]


async def test_a_company_saved_without_a_time_is_stamped_by_the_clock(
    backend: Backend,
) -> None:
    backend.clock.current = LATE

    await save_companies(backend.uow, [company("0011", updated_at=None)])

    async with backend.uow() as uow:
        assert await uow.companies.get(WS, "0011") == company("0011", updated_at=LATE)


async def test_a_company_saved_again_as_stored_keeps_its_time_and_is_seen(
    backend: Backend,
) -> None:
    await save_companies(backend.uow, [company("0011", updated_at=None)])
    backend.clock.current = LATE

    await save_companies(backend.uow, [company("0011", updated_at=None)], job_id="new")

    async with backend.uow() as uow:
        assert await uow.companies.get(WS, "0011") == company("0011", updated_at=NOW)
    assert await _sweep(backend, "new") == 0


@pytest.mark.parametrize(
    "change",
    [
        {"fields": {"name": "Renamed", "employees": 12}},
        {"deleted": True},
        {"modstamp": NOW},
    ],
)
async def test_a_company_saved_with_any_value_changed_is_stamped_again(
    backend: Backend, change: dict[str, Any]
) -> None:
    await save_companies(backend.uow, [company("0011", updated_at=None)])
    backend.clock.current = LATE

    await save_companies(backend.uow, [company("0011", updated_at=None, **change)])

    async with backend.uow() as uow:
        stored = await uow.companies.get(WS, "0011")
    assert stored == company("0011", updated_at=LATE, **change)


async def test_a_company_of_another_workspace_is_refused(backend: Backend) -> None:
    async with backend.uow() as uow:
        with pytest.raises(ValueError, match="0011"):
            await uow.companies.save_page(
                WS, [company("0011", workspace_id=OTHER_WS)], job_id="j"
            )


async def test_a_full_sync_sweeps_the_companies_it_did_not_see(
    backend: Backend,
) -> None:
    await save_companies(backend.uow, [company("0011"), company("0012")], job_id="old")
    await save_companies(backend.uow, [company("0011")], job_id="new")
    backend.clock.current = LATE

    swept = await _sweep(backend, "new")

    async with backend.uow() as uow:
        assert await uow.companies.get(WS, "0011") == company("0011")
        assert await uow.companies.get(WS, "0012") == company(
            "0012", deleted=True, updated_at=LATE
        )
    assert swept == 1
    assert await _sweep(backend, "new") == 0


async def test_a_sweep_keeps_the_companies_it_is_told_are_alive(
    backend: Backend,
) -> None:
    await save_companies(backend.uow, [company("0011"), company("0012")], job_id="old")

    swept = await _sweep(backend, "new", keep={"0012", "001x"})

    async with backend.uow() as uow:
        assert await uow.companies.get(WS, "0012") == company("0012")
        assert await uow.companies.get(WS, "0011") != company("0011")
    assert swept == 1


async def test_a_company_deleted_in_salesforce_is_not_swept_again(
    backend: Backend,
) -> None:
    await save_companies(backend.uow, [company("0011", deleted=True)], job_id="old")

    assert await _sweep(backend, "new") == 0


async def test_a_sweep_stays_in_its_workspace(backend: Backend) -> None:
    await save_companies(
        backend.uow, [company("0011", workspace_id=OTHER_WS)], workspace_id=OTHER_WS
    )

    await _sweep(backend, "new")

    async with backend.uow() as uow:
        assert await uow.companies.get(OTHER_WS, "0011") == company(
            "0011", workspace_id=OTHER_WS
        )
        assert await uow.companies.get(WS, "0011") is None


async def test_filters_and_limit(backend: Backend) -> None:
    await save_companies(
        backend.uow,
        [
            company("0011", updated_at=EARLY),
            company("0012", updated_at=NOW, deleted=True),
            company("0013", updated_at=LATE),
            company("0014", updated_at=LATE),
        ],
    )

    assert await _ids(backend, CompanyQuery()) == ["0011", "0013", "0014"]
    assert await _ids(backend, CompanyQuery(updated_since=NOW)) == ["0013", "0014"]
    assert await _ids(
        backend, CompanyQuery(updated_since=NOW, include_deleted=True, limit=2)
    ) == ["0012", "0013"]
    assert await _ids(backend, CompanyQuery(after=(LATE, "0013"))) == ["0014"]


async def test_another_workspace_sees_none_of_them(backend: Backend) -> None:
    await save_companies(backend.uow, [company("0011")])

    async with backend.uow() as uow:
        assert await uow.companies.get(OTHER_WS, "0011") is None
        assert await uow.companies.list(OTHER_WS, CompanyQuery()) == []


async def test_leaving_without_commit_keeps_the_stored_companies(
    backend: Backend,
) -> None:
    await save_companies(backend.uow, [company("0011")])

    async with backend.uow() as uow:
        await uow.companies.save_page(WS, [company("0012")], job_id="j")
        await uow.companies.sweep_unseen(WS, "j")
        async with backend.other_process() as reader:
            assert await reader.companies.get(WS, "0012") is None

    async with backend.uow() as uow:
        assert await _ids(backend, CompanyQuery(include_deleted=True)) == ["0011"]
        assert await uow.companies.get(WS, "0011") == company("0011")


@SOME_EXAMPLES
@given(
    stamps=st.lists(st.sampled_from([EARLY, NOW, LATE]), min_size=1, max_size=30),
    page_size=st.integers(min_value=1, max_value=7),
)
async def test_keyset_pages_never_skip_or_repeat_under_tied_times(
    backend: Backend, stamps: list[datetime], page_size: int
) -> None:
    workspace = fresh_workspace()
    stored = [
        company(f"001{n:012d}", workspace_id=workspace, updated_at=stamp)
        for n, stamp in enumerate(stamps)
    ]
    await save_companies(backend.uow, stored, workspace_id=workspace)

    walked: list[Company] = []
    query = CompanyQuery(limit=page_size)
    async with backend.other_process() as uow:
        while page := await uow.companies.list(workspace, query):
            walked += page
            last = page[-1]
            assert last.updated_at is not None
            query = CompanyQuery(
                limit=page_size, after=(last.updated_at, last.account_id)
            )

    assert walked == sorted(stored, key=lambda c: (c.updated_at, c.account_id))


async def _sweep(backend: Backend, job_id: str, keep: set[str] | None = None) -> int:
    async with backend.uow() as uow:
        swept = await uow.companies.sweep_unseen(WS, job_id, keep=keep or ())
        await uow.commit()
    return swept


async def _ids(backend: Backend, query: CompanyQuery) -> list[str]:
    async with backend.uow() as uow:
        listed = await uow.companies.list(WS, query)
    return [c.account_id for c in listed]
