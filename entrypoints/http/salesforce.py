"""Routes under /api/crm/salesforce: the caller's own workspace's connection."""

from __future__ import annotations

from litestar import Router, delete, get, post, put
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody

from application.use_cases.configure_settings import ConfigureSettings
from application.use_cases.disconnect import Disconnect
from application.use_cases.get_connection import GetConnection
from application.use_cases.start_authorization import StartAuthorization
from application.use_cases.switch_environment import SwitchEnvironment
from application.use_cases.verify_connection import VerifyConnection
from domain.workspace import Actor
from entrypoints.container import resolve
from entrypoints.http.deps import (
    authenticate,
    current_actor,
    description,
    managers_only,
)
from entrypoints.http.openapi import errors
from entrypoints.http.query import no_query
from entrypoints.http.schemas import (
    AuthorizationBody,
    AuthorizationView,
    ConnectionView,
    EnvironmentBody,
    NotVerifiedView,
    SettingsBody,
    VerifiedView,
    strict_body,
    verification_view,
)


@get(
    "/",
    description=description(GetConnection),
    guards=[no_query],
    responses=errors(401, 422),
)
async def show_connection(
    actor: NamedDependency[Actor], state: State
) -> ConnectionView:
    use_case = await resolve(state.container.get_connection, GetConnection)
    return ConnectionView.of(await use_case.execute(actor))


@put(
    "/settings",
    description=description(ConfigureSettings),
    before_request=strict_body(SettingsBody),
    guards=[managers_only("change the Salesforce settings"), no_query],
    responses=errors(401, 403, 409, 413, 422),
)
async def save_settings(
    actor: NamedDependency[Actor],
    state: State,
    data: JSONBody[SettingsBody],
) -> ConnectionView:
    use_case = await resolve(state.container.configure_settings, ConfigureSettings)
    command = ConfigureSettings.Command(
        actor=actor,
        client_id=data.client_id,
        sandbox=data.sandbox,
        login_host=data.login_host,
    )
    return ConnectionView.of(await use_case.execute(command))


@post(
    "/authorizations",
    status_code=201,
    description=description(StartAuthorization),
    before_request=strict_body(AuthorizationBody, optional=True),
    guards=[managers_only("connect Salesforce"), no_query],
    responses=errors(401, 403, 409, 413, 422),
)
async def start_authorization(
    actor: NamedDependency[Actor],
    state: State,
    data: JSONBody[AuthorizationBody | None] = None,
) -> AuthorizationView:
    use_case = await resolve(state.container.start_authorization, StartAuthorization)
    body = data or AuthorizationBody()
    command = StartAuthorization.Command(
        actor=actor,
        client_id=body.client_id,
        sandbox=body.sandbox,
        login_host=body.login_host,
    )
    return AuthorizationView.of(await use_case.execute(command))


@post(
    "/verification",
    status_code=200,
    description=description(VerifyConnection),
    guards=[no_query],
    responses=errors(401, 409, 422),
)
async def verify_connection(
    actor: NamedDependency[Actor], state: State
) -> VerifiedView | NotVerifiedView:
    use_case = await resolve(state.container.verify_connection, VerifyConnection)
    return verification_view(await use_case.execute(actor))


@delete(
    "/connection",
    status_code=200,
    description=description(Disconnect),
    guards=[managers_only("disconnect Salesforce"), no_query],
    responses=errors(401, 403, 422),
)
async def disconnect(actor: NamedDependency[Actor], state: State) -> ConnectionView:
    use_case = await resolve(state.container.disconnect, Disconnect)
    return ConnectionView.of(await use_case.execute(actor))


@post(
    "/environment",
    status_code=201,
    description=description(SwitchEnvironment),
    before_request=strict_body(EnvironmentBody),
    guards=[managers_only("switch the Salesforce environment"), no_query],
    responses=errors(401, 403, 409, 413, 422),
)
async def switch_environment(
    actor: NamedDependency[Actor],
    state: State,
    data: JSONBody[EnvironmentBody],
) -> AuthorizationView:
    use_case = await resolve(state.container.switch_environment, SwitchEnvironment)
    command = SwitchEnvironment.Command(actor=actor, sandbox=data.sandbox)
    return AuthorizationView.of(await use_case.execute(command))


salesforce_routes = Router(
    path="/api/crm/salesforce",
    route_handlers=[
        show_connection,
        save_settings,
        start_authorization,
        verify_connection,
        disconnect,
        switch_environment,
    ],
    guards=[authenticate],
    dependencies={"actor": Provide(current_actor)},
    security=[{"BearerToken": []}],
    tags=["salesforce"],
)
