"""SQLAlchemy adapter of the AuthorizationRepository port."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import CursorResult, delete, insert

from adapters.encryption import FernetTokenCipher, UndecryptableSecret
from adapters.persistence.rows import PendingAuthorizationRow, column_values
from adapters.persistence.sealing import state_hash
from adapters.persistence.transaction import Transaction
from application.errors import AuthorizationUnreadable
from application.ports import AuthorizationRepository
from domain.authorization import PendingAuthorization

logger = logging.getLogger(__name__)

_Row = PendingAuthorizationRow
_NO_SYNC = {"synchronize_session": False}


class SqlAlchemyAuthorizationRepository(AuthorizationRepository):
    """Rows keyed by SHA-256 of `state`; the verifier is encrypted."""

    def __init__(self, transaction: Transaction, cipher: FernetTokenCipher) -> None:
        self._transaction = transaction
        self._cipher = cipher

    async def add(self, pending: PendingAuthorization) -> None:
        session = await self._transaction.for_writing()
        row = _Row.to_row(pending, self._cipher)

        await session.execute(insert(_Row).values(column_values(row)))

        logger.debug("authorization added workspace=%s", pending.workspace_id)

    async def take(self, state: str) -> PendingAuthorization | None:
        session = await self._transaction.for_writing()
        statement = (
            delete(_Row)
            .where(_Row.state_hash == state_hash(state))
            .returning(_Row)
            .execution_options(**_NO_SYNC)
        )

        row = (await session.scalars(statement)).one_or_none()

        logger.debug("authorization taken found=%s", row is not None)
        return self._opened(row, state) if row else None

    async def discard_workspace(self, workspace_id: str) -> None:
        session = await self._transaction.for_writing()
        statement = delete(_Row).where(_Row.workspace_id == workspace_id)

        await session.execute(statement.execution_options(**_NO_SYNC))

        logger.debug("authorizations discarded workspace=%s", workspace_id)

    async def purge_expired(self, now: datetime) -> int:
        """Deletes exactly those for which `PendingAuthorization.is_expired(now)`."""
        session = await self._transaction.for_writing()
        statement = delete(_Row).where(_Row.expires_at <= now)

        result = await session.execute(statement.execution_options(**_NO_SYNC))

        count = result.rowcount if isinstance(result, CursorResult) else 0
        logger.debug("expired authorizations purged count=%d", count)
        return count

    def _opened(self, row: _Row, state: str) -> PendingAuthorization:
        try:
            return row.to_domain(state, self._cipher)
        except UndecryptableSecret as exc:
            logger.warning(
                "a pending verifier cannot be decrypted with the configured keys "
                "workspace=%s",
                row.workspace_id,
            )
            raise AuthorizationUnreadable(workspace_id=row.workspace_id) from exc
