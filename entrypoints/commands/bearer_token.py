"""`crmbridge token`: mint a bearer token for local calls to the HTTP API."""

from __future__ import annotations

import click

from domain.workspace import Role
from entrypoints.commands.preflight import configured


@click.command()
@click.option("--workspace", required=True, help="The workspace the token acts on.")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.ADMIN.value,
    show_default=True,
)
@click.option("--sub", default="local-user", show_default=True, help="Subject.")
@click.option(
    "--ttl",
    type=click.IntRange(1, 86400 * 30),
    default=3600,
    show_default=True,
    help="Seconds the token is valid.",
)
def token(workspace: str, role: str, sub: str, ttl: int) -> None:
    """Print a bearer token signed with the configured secret, for local use."""
    from entrypoints import bearer

    config = configured(uses=("jwt_secret",))
    try:
        minted = bearer.mint(
            config.jwt_secret,
            workspace=workspace,
            role=Role(role),
            subject=sub,
            ttl=ttl,
        )
    except bearer.BadClaim as exc:
        raise click.BadParameter(str(exc), param_hint=f"'--{exc.claim}'") from None
    click.echo(minted)
