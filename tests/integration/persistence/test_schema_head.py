"""The start-up schema check: one query when at head, Alembic only when behind."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from adapters.persistence import (
    SchemaRevisionUnknown,
    ensure_at_head,
    ensure_engine_at_head,
    upgrade_to_head,
)
from adapters.persistence.migrate import (
    HEAD_REVISION,
    alembic_config,
    current_revision,
    head_revision,
    known_revisions,
    stamped_revisions,
)
from tests.integration.persistence.conftest import Backend
from tests.integration.persistence.migrating import downgrade
from tests.support.databases import sqlite_url
from tests.support.scripts import run_python


def test_the_head_constant_is_the_newest_migration() -> None:
    assert head_revision() == HEAD_REVISION, (
        "a migration was added: set HEAD_REVISION in adapters/persistence/"
        "migrate.py to its revision"
    )


def test_the_known_revisions_are_alembics() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())

    known = {script.revision for script in scripts.walk_revisions()}

    assert known_revisions() == known


async def test_a_database_at_head_is_left_alone(sql_backend: Backend) -> None:
    assert await ensure_engine_at_head(sql_backend.sql) is True

    assert await stamped_revisions(sql_backend.sql) == {HEAD_REVISION}


async def test_a_new_database_is_migrated(sql_backend: Backend) -> None:
    await downgrade(sql_backend, "base")
    async with sql_backend.sql.begin() as connection:
        await connection.execute(text("DROP TABLE alembic_version"))

    assert await stamped_revisions(sql_backend.sql) == set()
    assert await ensure_engine_at_head(sql_backend.sql) is False
    assert await current_revision(sql_backend.sql) == HEAD_REVISION


async def test_a_database_behind_is_upgraded(sql_backend: Backend) -> None:
    await downgrade(sql_backend, "0001")

    migrated = await ensure_engine_at_head(sql_backend.sql)

    assert migrated is False
    assert await current_revision(sql_backend.sql) == HEAD_REVISION


async def test_a_revision_this_crmbridge_lacks_is_refused_and_left_alone(
    sql_backend: Backend,
) -> None:
    assert sql_backend.url is not None
    await _stamp(sql_backend, "9999")

    try:
        with pytest.raises(SchemaRevisionUnknown) as ensuring:
            await ensure_engine_at_head(sql_backend.sql)
        with pytest.raises(SchemaRevisionUnknown) as upgrading:
            await upgrade_to_head(sql_backend.url)
        stamped = await current_revision(sql_backend.sql)
    finally:
        # The PostgreSQL database is shared by the session's tests.
        await _stamp(sql_backend, HEAD_REVISION)

    for raised in (ensuring, upgrading):
        assert raised.value.revisions == ["9999"]
        assert raised.value.head == HEAD_REVISION
    assert stamped == "9999"


async def test_a_url_gets_its_own_engine(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "fresh.sqlite3")

    first, second = await ensure_at_head(url), await ensure_at_head(url)

    assert (first, second) == (False, True)


def test_at_head_the_check_does_not_import_alembic(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "migrated.sqlite3")
    asyncio.run(upgrade_to_head(url))
    script = (
        "import asyncio, sys\n"
        "from adapters.persistence import ensure_at_head\n"
        f"assert asyncio.run(ensure_at_head({url!r}))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
    )

    done = run_python(script)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


async def _stamp(backend: Backend, revision: str) -> None:
    async with backend.sql.begin() as connection:
        await connection.execute(
            text("UPDATE alembic_version SET version_num = :revision"),
            {"revision": revision},
        )
