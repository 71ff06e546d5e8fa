"""A second OS process for the locking tests: locks a workspace, then waits.

Run as `python -m tests.integration.persistence.lock_holder URL WORKSPACE`
with the key in CRMBRIDGE_TEST_ENCRYPTION_KEY. It prints "locked", and on
any line from stdin marks the connection with a problem and commits.
"""

from __future__ import annotations

import asyncio
import os
import sys

from adapters.encryption import FernetTokenCipher
from adapters.persistence import (
    SqlAlchemyUnitOfWorkFactory,
    create_database_engine,
    create_session_factory,
)
from domain.problems import Problem

KEY_VARIABLE = "CRMBRIDGE_TEST_ENCRYPTION_KEY"
MARK = Problem(code="held_elsewhere", message="written by the other process")


async def hold(url: str, workspace_id: str) -> None:
    engine = create_database_engine(url)
    cipher = FernetTokenCipher([os.environ[KEY_VARIABLE]])
    uow_factory = SqlAlchemyUnitOfWorkFactory(create_session_factory(engine), cipher)
    try:
        async with uow_factory() as uow:
            connection = await uow.connections.get_for_update(workspace_id)
            assert connection is not None
            print("locked", flush=True)

            await asyncio.to_thread(sys.stdin.readline)
            await uow.connections.save(connection.note_problem(MARK))
            await uow.commit()
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(hold(sys.argv[1], sys.argv[2]))
