"""Opening a database once before a command relies on it: why not, in one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy.engine import URL

from adapters.persistence import (
    DatabaseUnavailable,
    DatabaseUrlInvalid,
    check_database,
    parse_database_url,
)

PASSWORD = "pw-Secret-4711"


@pytest.mark.parametrize("port", [0, 65536, 99999])
def test_a_port_out_of_range_is_refused_without_showing_the_url(port: int) -> None:
    with pytest.raises(DatabaseUrlInvalid) as raised:
        parse_database_url(f"postgresql://crm:{PASSWORD}@127.0.0.1:{port}/crm")

    assert str(raised.value) == "the port must be a number from 1 to 65535"


@pytest.mark.parametrize(
    "url",
    [
        f"mysql://crm:{PASSWORD}@127.0.0.1/crm",
        f"postgres://crm:{PASSWORD}@127.0.0.1/crm",
        f"oracle+cx_oracle://crm:{PASSWORD}@127.0.0.1/crm",
        f"garbage {PASSWORD}",
        f"postgresql://crm:{PASSWORD}@127.0.0.1:port/crm",
        "sqlite://",
        "sqlite:///:memory:",
    ],
)
def test_a_url_crmbridge_cannot_serve_is_refused_without_showing_it(
    url: str,
) -> None:
    with pytest.raises(DatabaseUrlInvalid) as raised:
        parse_database_url(url)

    assert "expected sqlite:///" in str(raised.value) or "in-memory" in str(
        raised.value
    )
    assert PASSWORD not in str(raised.value)


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://crm:p@{PASSWORD}@127.0.0.1:1/crm",
        f"postgresql+asyncpg://crm:{PASSWORD}@@db.example/crm",
        f"sqlite://crm:p@{PASSWORD}@host/db.sqlite3",
    ],
)
def test_an_unescaped_at_sign_is_refused_without_the_part_after_it(
    url: str,
) -> None:
    # The parser takes what follows the first '@' for the host: printed as
    # a host, it would show most of the password.
    with pytest.raises(DatabaseUrlInvalid) as raised:
        parse_database_url(url)

    assert "%40" in str(raised.value)
    assert PASSWORD not in str(raised.value)


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("sqlite:///a.sqlite3", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:///a.sqlite3", "sqlite+aiosqlite"),
        ("postgresql://crm@db/crm", "postgresql+asyncpg"),
        ("postgresql+asyncpg://crm@db/crm", "postgresql+asyncpg"),
    ],
)
def test_supported_urls_get_their_async_driver(url: str, driver: str) -> None:
    assert parse_database_url(url).drivername == driver


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://crm:{PASSWORD}@127.0.0.1:1/crm",
        f"postgresql+asyncpg://crm@127.0.0.1:1/crm?password={PASSWORD}",
    ],
)
async def test_a_server_that_does_not_answer_is_named_with_its_password_masked(
    url: str,
) -> None:
    with pytest.raises(DatabaseUnavailable) as raised:
        await check_database(url)

    problem = raised.value
    assert problem.url.startswith("postgresql+asyncpg://crm")
    assert "127.0.0.1:1/crm" in problem.url
    # uvloop says "Connection refused"; asyncio's loop "Connect call failed".
    assert re.fullmatch(r"Connection refused|Connect call failed .*", problem.reason)
    assert problem.backend == "postgresql"
    assert PASSWORD not in f"{problem} {problem.url} {problem.reason}"


SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]


@pytest.mark.parametrize("mode", SSL_MODES)
def test_libpqs_sslmode_becomes_asyncpgs_ssl(mode: str) -> None:
    url = f"postgresql://crm:{PASSWORD}@db/crm?sslmode={mode}&command_timeout=5"

    parsed = parse_database_url(url)

    assert dict(parsed.query) == {"ssl": mode, "command_timeout": "5"}
    assert parse_database_url(parsed) == parsed
    assert parse_database_url(f"{url}&ssl={mode}") == parsed


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"application_name={PASSWORD}", "the query parameter 'application_name'"),
        (f"sslmode={PASSWORD}", "sslmode names no SSL mode; give one of disable,"),
        (f"ssl={PASSWORD}", "ssl names no SSL mode"),
        ("sslmode=require&ssl=disable", "sslmode and ssl name different modes"),
        ("sslmode=require&sslmode=disable", "sslmode is given more than once"),
    ],
    ids=["unknown", "bad-sslmode", "bad-ssl", "two-modes", "twice"],
)
def test_a_query_asyncpg_cannot_take_is_refused_without_showing_it(
    query: str, expected: str
) -> None:
    with pytest.raises(DatabaseUrlInvalid) as raised:
        parse_database_url(f"postgresql://crm:{PASSWORD}@db/crm?{query}")

    assert expected in str(raised.value)
    assert PASSWORD not in str(raised.value)


async def test_a_server_behind_an_sslmode_is_tried_not_refused_for_the_word() -> None:
    url = f"postgresql://crm:{PASSWORD}@127.0.0.1:1/crm?sslmode=require"

    with pytest.raises(DatabaseUnavailable) as raised:
        await check_database(url)

    assert re.fullmatch(
        r"Connection refused|Connect call failed .*", raised.value.reason
    )


@pytest.mark.parametrize("mode", ["disable", "prefer"])
async def test_a_live_server_opens_with_an_sslmode(
    postgres_server_url: URL, mode: str
) -> None:
    url = postgres_server_url.update_query_dict({"sslmode": mode})

    await check_database(url)


async def test_a_missing_database_on_a_live_server_is_named(
    postgres_server_url: URL,
) -> None:
    url = postgres_server_url.set(database="crmbridge_no_such_database")

    with pytest.raises(DatabaseUnavailable) as raised:
        await check_database(url)

    assert "crmbridge_no_such_database" in raised.value.reason
    assert "***" in raised.value.url or postgres_server_url.password is None


async def test_a_sqlite_path_under_a_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("not a folder")
    url = f"sqlite:///{tmp_path}/plain/crm.sqlite3"

    with pytest.raises(DatabaseUnavailable) as raised:
        await check_database(url)

    assert raised.value.backend == "sqlite"
    assert str(tmp_path / "plain") in raised.value.reason


async def test_a_file_that_is_not_a_database_is_named(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("these are notes, not SQLite pages " * 40)

    with pytest.raises(DatabaseUnavailable) as raised:
        await check_database(f"sqlite:///{tmp_path}/notes.txt")

    assert raised.value.reason == "file is not a database"


async def test_a_usable_sqlite_path_passes_and_gets_its_folder(
    tmp_path: Path,
) -> None:
    await check_database(f"sqlite:///{tmp_path}/new/folder/crm.sqlite3")

    assert (tmp_path / "new" / "folder").is_dir()
    # The check opens, so makes, the file: for its owner only.
    made = tmp_path / "new" / "folder" / "crm.sqlite3"
    assert made.stat().st_mode & 0o777 == 0o600


async def test_a_live_server_passes(postgres_server_url: URL) -> None:
    await check_database(postgres_server_url)
