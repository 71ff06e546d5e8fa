"""Key rotation job: re-encrypt every stored secret under the newest key.

Run it after putting a new key first in the key list; once it has finished
with nothing left unreadable, the old keys can be dropped. Batches commit one
by one, so the job can stop and start again: every value is readable with the
key list at any point. A value no key opens is left as it is and counted, so
putting its key back and running again still rotates it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from adapters.encryption import FernetTokenCipher, UndecryptableSecret
from adapters.persistence.rows import ConnectionRow, PendingAuthorizationRow
from adapters.persistence.transaction import Transaction

logger = logging.getLogger(__name__)


class _SealedColumn(NamedTuple):
    key: InstrumentedAttribute[Any]
    sealed: InstrumentedAttribute[Any]


_SEALED_COLUMNS = (
    _SealedColumn(ConnectionRow.workspace_id, ConnectionRow.sealed_tokens),
    _SealedColumn(
        PendingAuthorizationRow.state_hash, PendingAuthorizationRow.sealed_verifier
    ),
)


@dataclass(frozen=True)
class Reencrypted:
    """How many stored secrets were re-encrypted, and how many no key opened."""

    done: int = 0
    unreadable: int = 0

    def __add__(self, other: Reencrypted) -> Reencrypted:
        return Reencrypted(self.done + other.done, self.unreadable + other.unreadable)


async def reencrypt_all(
    sessions: async_sessionmaker[AsyncSession],
    cipher: FernetTokenCipher,
    *,
    batch_size: int = 200,
) -> Reencrypted:
    """Re-encrypt token sets and verifiers with the first key; say how many."""
    total = Reencrypted()
    for column in _SEALED_COLUMNS:
        total += await _reencrypt_column(sessions, cipher, column, batch_size)
    logger.debug(
        "re-encrypted %d stored secrets, %d unreadable", total.done, total.unreadable
    )
    return total


async def _reencrypt_column(
    sessions: async_sessionmaker[AsyncSession],
    cipher: FernetTokenCipher,
    column: _SealedColumn,
    batch_size: int,
) -> Reencrypted:
    total, after = Reencrypted(), None
    while True:
        async with sessions() as session:
            transaction = Transaction(session)
            await transaction.for_writing()
            batch = await _batch(session, column, after, batch_size)
            for key, sealed in batch:
                total += await _rewrite(session, column, key, sealed, cipher)
            await transaction.commit()

        if len(batch) < batch_size:
            return total
        after = batch[-1][0]


async def _batch(
    session: AsyncSession, column: _SealedColumn, after: str | None, size: int
) -> list[tuple[str, str]]:
    conditions: list[ColumnElement[bool]] = [column.sealed.is_not(None)]
    if after is not None:
        conditions.append(column.key > after)
    statement = (
        select(column.key, column.sealed)
        .where(*conditions)
        .order_by(column.key)
        .limit(size)
    )
    return [(key, sealed) for key, sealed in await session.execute(statement)]


async def _rewrite(
    session: AsyncSession,
    column: _SealedColumn,
    key: str,
    sealed: str,
    cipher: FernetTokenCipher,
) -> Reencrypted:
    try:
        rotated = cipher.rotate(sealed)
    except UndecryptableSecret:
        table = column.key.class_.__tablename__
        logger.warning("a secret no configured key opens is left as is table=%s", table)
        return Reencrypted(unreadable=1)
    # Compare-and-set: a value rewritten meanwhile is already under the new key.
    statement = (
        update(column.key.class_)
        .where(column.key == key, column.sealed == sealed)
        .values({column.sealed.key: rotated})
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(statement)
    return Reencrypted(done=result.rowcount if isinstance(result, CursorResult) else 0)
