"""A PostgreSQL URL's query, as asyncpg takes it: libpq's `sslmode` becomes
asyncpg's `ssl`, and a parameter asyncpg cannot take is refused by name.

SQLAlchemy hands every query parameter to `asyncpg.connect` as a keyword, so
one it does not know ends the first connection in a `TypeError`, which reads
as a server that does not answer. Values are never shown (one may be a
password); names and SSL modes are.
"""

from __future__ import annotations

from sqlalchemy.engine import URL

from adapters.persistence.errors import DatabaseUrlInvalid

# asyncpg's `ssl` takes libpq's mode names as they are.
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")

# What asyncpg, or SQLAlchemy's asyncpg dialect, takes as text from a URL.
TAKEN = frozenset(
    {
        "ssl",
        "host",
        "port",
        "user",
        "password",
        "passfile",
        "database",
        "service",
        "servicefile",
        "command_timeout",
        "target_session_attrs",
        "krbsrvname",
        "gsslib",
        "prepared_statement_cache_size",
    }
)


def asyncpg_query(url: URL) -> URL:
    """`url` with `sslmode` as `ssl`; `DatabaseUrlInvalid` for what asyncpg
    cannot take: an unknown parameter, an unknown SSL mode, or two modes."""
    query = dict(url.query)
    unknown = sorted(set(query) - TAKEN - {"sslmode"})
    if unknown:
        raise DatabaseUrlInvalid(
            f"the query parameter {', '.join(map(repr, unknown))} is not one "
            f"PostgreSQL's driver (asyncpg) takes; remove it. It takes: "
            f"sslmode, {', '.join(sorted(TAKEN))}"
        )
    modes = {_mode(query, name) for name in ("sslmode", "ssl") if name in query}
    if len(modes) > 1:
        raise DatabaseUrlInvalid(
            "sslmode and ssl name different modes; give one of them"
        )
    query.pop("sslmode", None)
    if modes:
        query["ssl"] = modes.pop()
    return url.set(query=query)


def _mode(query: dict[str, str | tuple[str, ...]], name: str) -> str:
    mode = query[name]
    if not isinstance(mode, str):
        raise DatabaseUrlInvalid(f"{name} is given more than once; give it once")
    if mode not in SSL_MODES:
        raise DatabaseUrlInvalid(
            f"{name} names no SSL mode; give one of {', '.join(SSL_MODES)}"
        )
    return mode
