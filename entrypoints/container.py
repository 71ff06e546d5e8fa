"""The dependency-injector container: adapters wired to use cases, once per process.

Tests swap adapters with `container.uow.override(...)`, `container.oauth.override(...)`
and so on; the use cases are factories and pick up the overrides. The sync
runner is `scheduler`: `crmbridge sync` swaps in a `ForegroundScheduler`, and
the workers of `crmbridge serve --workers N` share one (`SharedSyncScheduler`).
"""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import httpx
from dependency_injector import containers, providers
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import SystemClock
from adapters.encryption import FernetTokenCipher
from adapters.liveness import FlockLiveness
from adapters.persistence import (
    SqlAlchemyUnitOfWorkFactory,
    create_database_engine,
    create_session_factory,
)
from adapters.salesforce import (
    HttpxSalesforceApi,
    HttpxSalesforceOAuth,
    HttpxSalesforceRecords,
)
from adapters.salesforce import new_http_client as _new_http_client
from application.futures import retrieved
from application.locks import KeyedLocks
from application.session import SalesforceSession
from application.settings import OAuthSettings
from application.sync.describes import DescribeSource
from application.sync.jobs import CancelSync, GetSync, ListSyncs, StartSync
from application.sync.mapping import GetFieldMapping, ListFields, ReplaceFieldMapping
from application.sync.options import SyncOptions
from application.sync.orphans import SyncOrphans
from application.sync.ports import SyncScheduler
from application.sync.reads import GetPerson, ListCompanies, ListPeople
from application.sync.run_sync import RunSync
from application.use_cases.complete_authorization import CompleteAuthorization
from application.use_cases.configure_settings import ConfigureSettings
from application.use_cases.disconnect import Disconnect
from application.use_cases.get_connection import GetConnection
from application.use_cases.start_authorization import StartAuthorization
from application.use_cases.switch_environment import SwitchEnvironment
from application.use_cases.verify_connection import VerifyConnection
from entrypoints.config import STATE_DIR, Config
from entrypoints.worker import (
    InProcessSyncScheduler,
    ParentWatch,
    SharedSyncScheduler,
    SyncJobExecutor,
    runner_folder,
)

T = TypeVar("T")


async def open_engine(config: Config) -> AsyncIterator[AsyncEngine]:
    engine = create_database_engine(config.database_url)
    yield engine
    await engine.dispose()


async def open_http_client() -> AsyncIterator[httpx.AsyncClient]:
    client = _new_http_client()
    yield client
    await client.aclose()


def cipher_for(config: Config) -> FernetTokenCipher:
    return FernetTokenCipher(config.key_list)


def oauth_settings_for(config: Config) -> OAuthSettings:
    return OAuthSettings(
        production_login_url=config.salesforce_login_url,
        sandbox_login_url=config.salesforce_sandbox_login_url,
        public_url=config.public_url,
    )


def sync_options_for(config: Config) -> SyncOptions:
    return SyncOptions(
        settle_seconds=config.sync_settle_seconds,
        quota_reserve=config.sync_quota_reserve,
        bulk_threshold=config.sync_bulk_threshold,
        bulk_timeout_seconds=config.sync_bulk_timeout_seconds,
        stale_after_seconds=config.sync_stale_seconds,
    )


def liveness_for(config: Config) -> FlockLiveness:
    """Job locks beside the runner's: every process serving this database
    from this state folder (workers, `crmbridge sync`) sees the others'."""
    return FlockLiveness(runner_folder(config.database_url, STATE_DIR) / "jobs")


def supervisor_for(config: Config) -> ParentWatch | None:
    """With several workers, the watch on the `serve` process that runs them."""
    return ParentWatch(os.getppid()) if config.workers > 1 else None


def scheduler_for(
    config: Config,
    runner: InProcessSyncScheduler,
    supervisor: ParentWatch | None = None,
) -> SyncScheduler:
    """This process's own runner; with several workers, the one they share."""
    if config.workers == 1:
        return runner
    folder = runner_folder(config.database_url, STATE_DIR)
    return SharedSyncScheduler(
        runner, folder, hear_stop_signals=True, supervisor=supervisor
    )


def deferred(provider: Any, kind: type[T]) -> Callable[[], Awaitable[T]]:
    """Resolve `provider` only when called: the runner is built before the
    use case it runs, which needs the runner in turn (through StartSync)."""

    async def make() -> T:
        return await resolve(provider, kind)

    return make


class Container(containers.DeclarativeContainer):
    config = providers.Dependency(instance_of=Config)
    clock = providers.Singleton(SystemClock)
    oauth_settings = providers.Singleton(oauth_settings_for, config)

    engine = providers.Resource(open_engine, config)
    cipher = providers.Singleton(cipher_for, config)
    sessions = providers.Singleton(create_session_factory, engine)
    uow = providers.Singleton(SqlAlchemyUnitOfWorkFactory, sessions, cipher)

    http_client = providers.Resource(open_http_client)
    oauth = providers.Singleton(HttpxSalesforceOAuth, http_client, clock=clock)
    api = providers.Singleton(
        HttpxSalesforceApi,
        http_client,
        api_version=config.provided.salesforce_api_version,
    )

    # One per process: refreshes queue here before the connection's lease.
    locks = providers.Singleton(KeyedLocks)
    # Process locks in the state folder: a sync job's, a refresh lease's.
    liveness = providers.Singleton(liveness_for, config)
    session = providers.Factory(
        SalesforceSession,
        uow,
        oauth,
        oauth_settings,
        locks,
        clock,
        liveness=liveness,
    )

    get_connection = providers.Factory(GetConnection, uow, clock, oauth_settings)
    configure_settings = providers.Factory(
        ConfigureSettings, uow, clock, oauth_settings
    )
    start_authorization = providers.Factory(
        StartAuthorization, uow, oauth, clock, oauth_settings
    )
    complete_authorization = providers.Factory(
        CompleteAuthorization, uow, oauth, api, clock, oauth_settings
    )
    verify_connection = providers.Factory(
        VerifyConnection, uow, session, oauth, api, clock, oauth_settings
    )
    disconnect = providers.Factory(Disconnect, uow, oauth, clock, oauth_settings)
    switch_environment = providers.Factory(
        SwitchEnvironment, uow, disconnect, start_authorization
    )

    records = providers.Singleton(
        HttpxSalesforceRecords,
        http_client,
        api_version=config.provided.salesforce_api_version,
    )
    sync_options = providers.Singleton(sync_options_for, config)
    describes = providers.Factory(DescribeSource, uow, session, records, clock)
    run_sync = providers.Factory(RunSync, uow, session, records, clock, sync_options)
    orphans = providers.Singleton(
        SyncOrphans, liveness, clock, sync_options.provided.stale_after_seconds
    )
    executor = providers.Singleton(
        SyncJobExecutor,
        providers.Callable(deferred, run_sync.provider, RunSync),
        uow,
        clock,
        liveness,
    )
    runner = providers.Singleton(
        InProcessSyncScheduler,
        executor,
        uow,
        workers=config.provided.sync_workers,
        orphans=orphans,
    )
    supervisor = providers.Singleton(supervisor_for, config)
    scheduler = providers.Singleton(scheduler_for, config, runner, supervisor)

    start_sync = providers.Factory(
        StartSync, uow, scheduler, clock, sync_options, liveness
    )
    cancel_sync = providers.Factory(
        CancelSync, uow, scheduler, clock, sync_options, liveness
    )
    get_sync = providers.Factory(GetSync, uow)
    list_syncs = providers.Factory(ListSyncs, uow)
    list_fields = providers.Factory(ListFields, describes)
    get_field_mapping = providers.Factory(GetFieldMapping, uow)
    replace_field_mapping = providers.Factory(
        ReplaceFieldMapping, uow, describes, start_sync
    )
    list_people = providers.Factory(ListPeople, uow)
    get_person = providers.Factory(GetPerson, uow)
    list_companies = providers.Factory(ListCompanies, uow)


def container_for(config: Config) -> Container:
    return Container(config=config)


async def resolve(provider: Any, kind: type[T]) -> T:
    """Resolve a provider; async resources make the answer awaitable."""
    value = await settle(provider())
    if not isinstance(value, kind):
        raise TypeError(f"the container gave {type(value).__name__}, not {kind}")
    return value


async def settle(result: Any) -> Any:
    """Await `result` if it is awaitable (init/shutdown of async resources).

    Shielded: dependency-injector sets the result of the future it hands out
    from a callback of its own, and a stop that cancelled that future made
    the callback fail (asyncio logged an InvalidStateError traceback). A
    cancelled caller now leaves the future to finish by itself.
    """
    if not inspect.isawaitable(result):
        return result
    pending = asyncio.ensure_future(result)
    # Retrieved either way: if nobody awaits it any more, asyncio would
    # otherwise log its exception as never retrieved.
    pending.add_done_callback(retrieved)
    return await asyncio.shield(pending)
