"""Use case: Test Connection — prove the stored grant still reaches the org."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import datetime
from typing import Any, TypeVar

import msgspec

from application.errors import (
    CredentialsUnreadable,
    NeedsReauthorization,
    SalesforceError,
    SalesforceUnavailable,
)
from application.futures import retrieved
from application.ports import (
    ApiUsage,
    Clock,
    SalesforceApi,
    SalesforceOAuth,
    UnitOfWorkFactory,
)
from application.problems import problem_for
from application.session import SalesforceSession
from application.settings import OAuthSettings
from domain.connection import Connection, ConnectionStatus, OrgIdentity
from domain.problems import Problem
from domain.tokens import TokenSet
from domain.workspace import Actor

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Someone clicked the button and waits: past this, the answer is that
# Salesforce did not answer, rather than a request a browser or proxy drops.
# Every call's own retries would take about a minute against a silent host.
# The README promises an answer within 30 s: this leaves room to give it.
DEADLINE_SECONDS = 25.0
# Checks cancelled at their deadline, until they have ended: a token refresh
# they started finishes (and is stored) after the answer went out.
_LEFT_RUNNING: set[asyncio.Future[Any]] = set()


class Verification(msgspec.Struct, frozen=True, kw_only=True):
    ok: bool
    checked_at: datetime
    org_id: str | None = None
    username: str | None = None
    is_sandbox: bool | None = None
    api_usage: ApiUsage | None = None
    problem: Problem | None = None


class _Checked(msgspec.Struct, frozen=True, kw_only=True):
    identity: OrgIdentity
    usage: ApiUsage


class VerifyConnection:
    """Business rules:

    - any member may test; the test calls identity, Organization and limits;
    - an expired session is refreshed once (single-flight) and retried once;
    - a refused refresh marks the connection as needing reauthorization;
    - stored tokens no configured key opens fail the test, and change nothing;
    - a success is recorded only on a connection to the org and user the test
      reached: one reconnected elsewhere meanwhile keeps its own identity;
    - a failure answers `ok: false` with a problem instead of an error, and
      transient trouble never changes the connection's status;
    - the test answers within `deadline` seconds: a Salesforce that has not
      answered by then is reported unavailable (a token refresh under way
      still stores what it gets).
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        session: SalesforceSession,
        oauth: SalesforceOAuth,
        api: SalesforceApi,
        clock: Clock,
        settings: OAuthSettings,
        *,
        deadline: float = DEADLINE_SECONDS,
    ) -> None:
        self._uow = uow
        self._session = session
        self._oauth = oauth
        self._api = api
        self._clock = clock
        self._settings = settings
        self._deadline = deadline

    async def execute(self, actor: Actor) -> Verification:
        workspace_id = actor.workspace_id
        now = self._clock.now()
        async with self._uow() as uow:
            overview = await uow.connections.overview(workspace_id)
        login_host = self._settings.login_host(
            overview.connection if overview else Connection(workspace_id=workspace_id)
        )

        async def check(tokens: TokenSet) -> _Checked:
            identity = await self._oauth.identity(login_host=login_host, tokens=tokens)
            org = await self._api.organization(tokens)
            usage = await self._api.api_usage(tokens)
            identity = msgspec.structs.replace(identity, is_sandbox=org.is_sandbox)
            return _Checked(identity=identity, usage=usage)

        try:
            checked = await self._within_deadline(
                self._session.run(workspace_id, check)
            )
        except TimeoutError:
            silent = SalesforceUnavailable(
                f"no answer came within {self._deadline:g} s"
            )
            return await self._failed(workspace_id, problem_for(silent), now)
        except (NeedsReauthorization, CredentialsUnreadable) as exc:
            return await self._failed(workspace_id, exc.problem, now)
        except SalesforceError as exc:
            return await self._failed(workspace_id, problem_for(exc), now)

        await self._record(workspace_id, checked.identity, now)
        logger.info("verification ok workspace=%s", workspace_id)
        return Verification(
            ok=True,
            checked_at=now,
            org_id=checked.identity.org_id,
            username=checked.identity.username,
            is_sandbox=checked.identity.is_sandbox,
            api_usage=checked.usage,
        )

    async def _record(
        self, workspace_id: str, identity: OrgIdentity, now: datetime
    ) -> None:
        async with self._uow() as uow:
            connection = await uow.connections.get_for_update(workspace_id)
            if (
                connection is not None
                and connection.status is ConnectionStatus.CONNECTED
                and _same_grantor(connection.identity, identity)
            ):
                await uow.connections.save(
                    connection.verified(at=now, identity=identity)
                )
                await uow.commit()

    async def _within_deadline(self, work: Awaitable[T]) -> T:
        """`work`'s outcome, or `TimeoutError` at the deadline. Work cut off
        is cancelled, not waited for: a token refresh it had sent goes on to
        its end in the background (see `application.token_refresh`), which
        may take the token call's own timeout, while the caller hears now."""
        running = asyncio.ensure_future(work)
        try:
            done, _ = await asyncio.wait({running}, timeout=self._deadline)
        except asyncio.CancelledError:
            _leave_running(running)
            raise
        if running not in done:
            _leave_running(running)
            raise TimeoutError
        return running.result()

    async def _failed(
        self, workspace_id: str, problem: Problem, now: datetime
    ) -> Verification:
        logger.info(
            "verification failed workspace=%s problem=%s", workspace_id, problem.code
        )
        return Verification(ok=False, checked_at=now, problem=problem)


def _same_grantor(stored: OrgIdentity | None, checked: OrgIdentity) -> bool:
    """Whether the stored grant is the org and user's that the check reached."""
    if stored is None:
        return True
    return (stored.org_id, stored.user_id) == (checked.org_id, checked.user_id)


def _leave_running(work: asyncio.Future[Any]) -> None:
    """Cancel `work` and keep it referenced until it has ended."""
    work.cancel()
    _LEFT_RUNNING.add(work)
    work.add_done_callback(_ended)


def _ended(work: asyncio.Future[Any]) -> None:
    _LEFT_RUNNING.discard(work)
    retrieved(work)
