"""The test suite's PostgreSQL URL is read as the service reads its own."""

from __future__ import annotations

import pytest

from adapters.persistence.errors import DatabaseUrlInvalid
from tests.support.databases import POSTGRES_URL_VARIABLE, configured_postgres_url


def test_a_plain_postgresql_url_gets_the_services_driver(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(POSTGRES_URL_VARIABLE, "postgresql://me@127.0.0.1:1/db")

    url = configured_postgres_url()

    assert url.drivername == "postgresql+asyncpg"
    assert (url.username, url.host, url.port, url.database) == (
        "me",
        "127.0.0.1",
        1,
        "db",
    )


def test_a_url_the_service_would_refuse_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(POSTGRES_URL_VARIABLE, "mysql://me@127.0.0.1/db")

    with pytest.raises(DatabaseUrlInvalid, match="'mysql' is not supported"):
        configured_postgres_url()
