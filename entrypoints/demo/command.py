"""`crmbridge demo`: start the emulator and the service, then walk the flow."""

from __future__ import annotations

import os
import signal
import sys

import click

from domain.workspace import Role
from entrypoints import bearer
from entrypoints.config import (
    STATE_DIR,
    ConfigError,
    load_config,
    unknown_variables,
)
from entrypoints.demo.manual import show_and_wait
from entrypoints.demo.processes import (
    EMULATOR_PORTS,
    DemoError,
    emulator,
    free_port,
    service,
)
from entrypoints.demo.sync_walk import sync_and_read
from entrypoints.demo.walk import Walk

WORKSPACE = "demo"
TOKEN_SECONDS = 12 * 3600  # long enough for an afternoon of manual use


@click.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Service port; another free one if it is taken.",
)
@click.option(
    "--emulator-first-port",
    type=click.IntRange(1, 65535 - EMULATOR_PORTS + 1),
    default=None,
    help=f"The emulator's {EMULATOR_PORTS} ports: this one and the ones after"
    " it. By default the system picks free ones.",
)
@click.option(
    "--keep-running",
    is_flag=True,
    help="Leave both running afterwards, for manual use, until Ctrl-C.",
)
def demo(port: int, emulator_first_port: int | None, keep_running: bool) -> None:
    """Connect, sync and read people back against the Salesforce emulator, step
    by step."""
    signal.signal(signal.SIGTERM, stop)
    STATE_DIR.mkdir(exist_ok=True)
    chosen = free_port(port)
    if port and chosen != port:
        click.echo(f"crmbridge demo: port {port} is taken; using {chosen}")
    port = chosen
    service_url = f"http://127.0.0.1:{port}"
    log_path = STATE_DIR / "demo.log"
    click.echo(f"crmbridge demo: logs of both processes go to {log_path}")
    # The service warns of these too, but in that log, where nobody looks.
    for line in unknown_variables():
        click.echo(f"crmbridge demo: configuration: {line}", err=True)
    try:
        with (
            log_path.open("wb") as log,
            emulator(
                STATE_DIR,
                f"{service_url}/api/oauth/callback/salesforce",
                log,
                first_port=emulator_first_port,
            ) as (world, emulated),
        ):
            env = _service_env(service_url, world)
            with service(port, env, log) as served:
                token = _token(env)
                _walk(service_url, token, world)
                if keep_running:
                    children = {"the emulator": emulated, "the service": served}
                    show_and_wait(service_url, token, world, env, WORKSPACE, children)
    except DemoError as exc:
        raise click.ClickException(f"{exc} ({log_path})") from None


def stop(*_: object) -> None:
    """On SIGTERM (from a wrapper script, say): stop both children, and say so
    as Ctrl-C does."""
    click.echo("stopping")
    sys.exit(0)


def _service_env(service_url: str, world: dict[str, object]) -> dict[str, str]:
    database = (STATE_DIR / "demo.sqlite3").resolve()
    database.unlink(missing_ok=True)
    return {
        **os.environ,
        "CRMBRIDGE_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "CRMBRIDGE_PUBLIC_URL": service_url,
        "CRMBRIDGE_SALESFORCE_LOGIN_URL": str(world["login_url"]),
        "CRMBRIDGE_SALESFORCE_SANDBOX_LOGIN_URL": str(world["sandbox_login_url"]),
    }


def _token(env: dict[str, str]) -> str:
    try:
        config = load_config(env)
    except ConfigError as exc:
        raise click.ClickException(f"configuration: {exc}") from None
    return bearer.mint(
        config.jwt_secret,
        workspace=WORKSPACE,
        role=Role.ADMIN,
        subject="demo-admin",
        ttl=TOKEN_SECONDS,
    )


def _walk(service_url: str, token: str, world: dict[str, object]) -> None:
    facts = world["demo"]
    assert isinstance(facts, dict)
    walk = Walk(service_url, token, str(world["control_url"]))
    try:
        click.secho(
            f"\n0. Minted an admin token for workspace '{WORKSPACE}'", bold=True
        )
        walk.step("Look at the connection", lambda: walk.api.get("/api/crm/salesforce"))
        walk.connect(facts["consumer_key"], facts["production_username"])
        walk.step("See it Connected", lambda: walk.api.get("/api/crm/salesforce"))
        walk.check("Test Connection")
        walk.step(
            "The emulator expires every access token (a session timeout)",
            lambda: walk.control.post("/faults/expire-access-tokens"),
        )
        before = walk.refresh_count()
        walk.check("Test Connection again: a 401, one refresh, one retry")
        click.echo(
            f"   token refreshes at the emulator: {walk.refresh_count() - before}"
        )
        sync_and_read(walk, str(facts["production_org_id"]))
        walk.step(
            "Disconnect", lambda: walk.api.delete("/api/crm/salesforce/connection")
        )
    finally:
        walk.close()
    click.secho("\nThe flow works end to end.", fg="green", bold=True)
