"""Use case: finish the OAuth flow when Salesforce redirects to our callback."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import NoReturn

import msgspec

from application.errors import (
    AuthorizationFailed,
    AuthorizationStateInvalid,
    AuthorizationUnreadable,
    CredentialsUnreadable,
    InvalidInput,
    OAuthError,
    SalesforceError,
)
from application.ports import Clock, SalesforceApi, SalesforceOAuth
from application.problems import problem_for
from application.settings import OAuthSettings
from application.summary import ConnectionSummary
from application.sync.ports import SyncUnitOfWorkFactory
from application.sync.synced_org import SyncedDataDropped, claim_synced_data
from domain import problems
from domain.authorization import PendingAuthorization
from domain.connection import Connection, ConnectionStatus, OrgIdentity
from domain.errors import InvalidSetting
from domain.problems import Problem
from domain.tokens import TokenSet

logger = logging.getLogger(__name__)

MAX_PARAM_LENGTH = 4096


class CompleteAuthorization:
    """Business rules:

    - the `state` must be known, unused and unexpired; it is consumed at once,
      so a replay changes nothing; one whose verifier no configured key opens
      is consumed too, and ends the attempt with a problem;
    - it completes only the workspace and environment that started it;
    - an `error` from Salesforce, a failed code exchange, a grant without a
      refresh token, a user without API access, or an org whose kind does not
      match the Sandbox toggle each end the attempt with a problem (and tokens
      we got are revoked);
    - otherwise the tokens are stored encrypted and the connection is Connected;
      a refresh lease left on it ends: it was taken for the old grant's token;
      the grant they replace (one that needed reauthorization) is revoked,
      best effort, as a disconnect would have;
    - the workspace's synced data (people, companies, sync cursors, cached
      describes) stays only if it came from this same org: reconnecting to
      it keeps the next sync incremental. Data of another org, or of an
      unrecorded one, is deleted in the transaction that stores the
      connection, the workspace's active sync is cancelled (a running one
      writes nothing more), and the next sync reads the new org in full.
      The field mapping and the sync history stay.
    """

    # How long the callback waits on the revoke of a replaced grant.
    REVOKE_REPLACED_SECONDS = 5.0

    class Command(msgspec.Struct, frozen=True, kw_only=True):
        state: str | None = None
        code: str | None = None
        error: str | None = None
        error_description: str | None = None

    def __init__(
        self,
        uow: SyncUnitOfWorkFactory,
        oauth: SalesforceOAuth,
        api: SalesforceApi,
        clock: Clock,
        settings: OAuthSettings,
    ) -> None:
        self._uow = uow
        self._oauth = oauth
        self._api = api
        self._clock = clock
        self._settings = settings

    async def execute(self, command: Command) -> ConnectionSummary:
        _validate(command)
        pending = await self._take(command.state or "")

        if command.error:
            problem = problems.problem_for_callback_error(
                command.error, command.error_description
            )
            await self._fail(pending, problem)
        tokens = await self._exchange(pending, command.code or "")
        identity = await self._inspect(pending, tokens)

        connection, dropped, replaced = await self._store(pending, identity, tokens)
        if dropped is not None:
            _log_dropped(pending.workspace_id, dropped)
        if replaced is not None:
            # The grant a reconnect replaced (one needing reauthorization may
            # work again, a user reactivated, say): no longer ours to hold.
            # The browser waits for this answer: a slow revoke is cut short.
            try:
                async with asyncio.timeout(self.REVOKE_REPLACED_SECONDS):
                    await self._revoke(pending, replaced, what="replaced")
            except TimeoutError:
                logger.warning(
                    "could not revoke replaced grant workspace=%s: no answer in %g s",
                    pending.workspace_id,
                    self.REVOKE_REPLACED_SECONDS,
                )
        logger.info(
            "authorization completed workspace=%s environment=%s org=%s",
            pending.workspace_id,
            pending.environment.value,
            identity.org_id,
        )
        return ConnectionSummary.of(connection, self._settings, self._clock.now())

    async def _take(self, state: str) -> PendingAuthorization:
        try:
            pending = await self._spend(state)
        except AuthorizationUnreadable as exc:
            await self._fail_unreadable(exc.workspace_id)
        if pending is None:
            raise AuthorizationStateInvalid("unknown or already used state")
        if pending.is_expired(self._clock.now()):
            raise AuthorizationStateInvalid("this authorization has expired")
        return pending

    async def _spend(self, state: str) -> PendingAuthorization | None:
        async with self._uow() as uow:
            try:
                pending = await uow.authorizations.take(state)
            except AuthorizationUnreadable:
                await uow.commit()  # Spent all the same: a replay finds nothing.
                raise
            await uow.commit()
        return pending

    async def _exchange(self, pending: PendingAuthorization, code: str) -> TokenSet:
        try:
            tokens = await self._oauth.exchange_code(pending, code)
        except OAuthError as exc:
            problem = problems.problem_for_code_exchange(
                exc.error, exc.description, pending.redirect_uri
            )
            await self._fail(pending, problem)
        except SalesforceError as exc:
            await self._fail(pending, problems.connect_again(problem_for(exc)))
        try:
            self._settings.check_token_hosts(tokens)
        except InvalidSetting as exc:
            # Nothing more is sent there, not even a revoke.
            await self._fail(pending, problems.untrusted_host(exc.message))
        if tokens.refresh_token is None:
            await self._fail(pending, problems.no_refresh_token(), tokens)
        return tokens

    async def _inspect(
        self, pending: PendingAuthorization, tokens: TokenSet
    ) -> OrgIdentity:
        try:
            identity = await self._oauth.identity(
                login_host=pending.login_host, tokens=tokens
            )
            org = await self._api.organization(tokens)
        except SalesforceError as exc:
            await self._fail(pending, problems.connect_again(problem_for(exc)), tokens)
        if org.is_sandbox != pending.environment.is_sandbox:
            problem = problems.environment_mismatch(pending.environment.is_sandbox)
            await self._fail(pending, problem, tokens)
        return msgspec.structs.replace(identity, is_sandbox=org.is_sandbox)

    async def _store(
        self, pending: PendingAuthorization, identity: OrgIdentity, tokens: TokenSet
    ) -> tuple[Connection, SyncedDataDropped | None, TokenSet | None]:
        """The connection completed, the other org's data it dropped, and
        the tokens of the grant it replaced, if another one."""
        now = self._clock.now()
        async with self._uow() as uow:
            try:
                current = await uow.connections.get_for_update(pending.workspace_id)
            except CredentialsUnreadable as exc:
                # Limitation: old tokens no key opens (a key dropped during the
                # attempt) fail it; only a disconnect forgets them.
                await self._revoke(pending, tokens)
                raise AuthorizationFailed(
                    exc.problem, workspace_id=pending.workspace_id
                ) from exc
            if not _still_waiting_for(current, pending):
                await self._revoke(pending, tokens)
                raise AuthorizationStateInvalid(
                    "the connection settings changed while authorizing"
                )
            assert current is not None
            replaced = current.tokens
            connection = current.complete(identity=identity, tokens=tokens, at=now)
            dropped = await claim_synced_data(
                uow, pending.workspace_id, identity.org_id, now
            )
            await uow.connections.save(connection)
            await uow.connections.clear_refresh_lease(pending.workspace_id)
            await uow.commit()
        if replaced is None or replaced.refresh_token in (None, tokens.refresh_token):
            return connection, dropped, None
        return connection, dropped, replaced

    async def _fail(
        self,
        pending: PendingAuthorization,
        problem: Problem,
        tokens: TokenSet | None = None,
    ) -> NoReturn:
        if tokens is not None:
            await self._revoke(pending, tokens)
        async with self._uow() as uow:
            current = await uow.connections.get_for_update(pending.workspace_id)
            if _still_waiting_for(current, pending):
                assert current is not None
                await uow.connections.save(current.fail_authorization(problem))
                await uow.commit()
        logger.info(
            "authorization failed workspace=%s problem=%s",
            pending.workspace_id,
            problem.code,
        )
        raise AuthorizationFailed(problem, workspace_id=pending.workspace_id)

    async def _fail_unreadable(self, workspace_id: str) -> NoReturn:
        """End the attempt whose verifier no key opens, as `_fail` would."""
        problem = problems.authorization_unreadable()
        async with self._uow() as uow:
            # Tokens no key opens are left alone: a save would drop them.
            with contextlib.suppress(CredentialsUnreadable):
                current = await uow.connections.get_for_update(workspace_id)
                if current and current.status is ConnectionStatus.AUTHORIZING:
                    await uow.connections.save(current.fail_authorization(problem))
                    await uow.commit()
        logger.info(
            "authorization failed workspace=%s problem=%s", workspace_id, problem.code
        )
        raise AuthorizationFailed(problem, workspace_id=workspace_id)

    async def _revoke(
        self, pending: PendingAuthorization, tokens: TokenSet, *, what: str = "unused"
    ) -> None:
        token = tokens.refresh_token or tokens.access_token
        try:
            await self._oauth.revoke(login_host=pending.login_host, token=token)
        except SalesforceError as exc:
            logger.warning(
                "could not revoke %s grant workspace=%s: %s",
                what,
                pending.workspace_id,
                exc.code,
            )


def _log_dropped(workspace_id: str, dropped: SyncedDataDropped) -> None:
    if dropped.previous_org_id is None and not (
        dropped.people or dropped.companies or dropped.cancelled_job_id
    ):
        return  # A first connection: no other org's data was there.
    logger.info(
        "synced data of another org dropped workspace=%s previous_org=%s "
        "people=%d companies=%d cancelled_sync=%s",
        workspace_id,
        dropped.previous_org_id,
        dropped.people,
        dropped.companies,
        dropped.cancelled_job_id,
    )


def _still_waiting_for(
    connection: Connection | None, pending: PendingAuthorization
) -> bool:
    """The connection is still in the attempt this state was issued for."""
    return (
        connection is not None
        and connection.status is ConnectionStatus.AUTHORIZING
        and connection.environment is pending.environment
        and connection.client_id == pending.client_id
    )


def _validate(command: CompleteAuthorization.Command) -> None:
    for field in ("state", "code", "error", "error_description"):
        value = getattr(command, field)
        if value is not None and len(value) > MAX_PARAM_LENGTH:
            raise InvalidInput(f"{field} is too long", field=field)
    if not command.state:
        raise InvalidInput("the callback has no state parameter", field="state")
    if not command.code and not command.error:
        raise InvalidInput("the callback has neither code nor error", field="code")
