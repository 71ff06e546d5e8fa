"""A small run of the in-process planning benchmark, so it cannot rot."""

from __future__ import annotations

import asyncio

import pytest

from benchmarks import plan_cpu
from benchmarks.plan_cpu import batches, main, planned, rendered_pages
from domain.crm import CrmObject


def test_every_object_is_paged_and_every_record_becomes_a_bound_row() -> None:
    pages = rendered_pages(5000)

    bound = asyncio.run(planned(pages))

    objects = [obj for obj, _, _ in pages]
    assert objects == [
        CrmObject.ACCOUNT,
        CrmObject.LEAD,
        CrmObject.LEAD,
        CrmObject.CONTACT,
        CrmObject.CONTACT,
    ]
    # Every record is one row of its page, except Leads converted into the
    # Contact of another Lead on their page: they share its person's row.
    assert 4500 < bound <= 5000


def test_bulk_pages_hold_the_same_records_and_bind_the_same_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Batches the size of a REST page, so both paths plan the same batches.
    monkeypatch.setattr(plan_cpu, "COMMIT_BATCH", 2000)
    rest = rendered_pages(5000)
    bulk = rendered_pages(5000, bulk=True)

    assert [(obj, types is not None) for obj, _, types in bulk] == [
        (CrmObject.ACCOUNT, True),
        (CrmObject.LEAD, True),
        (CrmObject.CONTACT, True),
    ]
    assert [len(records) for _, records in batches(bulk)] == [500, 2000, 250, 2000, 250]
    ids = [[record["Id"] for record in records] for _, records in batches(rest)]
    assert [[record["Id"] for record in records] for _, records in batches(bulk)] == ids
    assert asyncio.run(planned(bulk)) == asyncio.run(planned(rest))


def test_the_command_prints_its_figure(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--records", "2000", "--repeat", "2"])

    printed = capsys.readouterr().out
    assert printed.startswith("2,000 records, 3 pages, ")
    assert "CPU ms per 1k records, best " in printed
    assert printed.rstrip().endswith("of 2")


@pytest.mark.parametrize("wrong", [["--records", "0"], ["--repeat", "-3"]])
def test_a_count_below_one_is_refused(
    wrong: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(wrong)

    assert exited.value.code == 2
    assert "is not a positive whole number" in capsys.readouterr().err
