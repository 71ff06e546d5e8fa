"""What `crmbridge demo --keep-running` prints for manual use, then the wait."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import click

from entrypoints.config import SETTINGS
from entrypoints.demo.processes import wait_while_running
from entrypoints.devkeys import JWT, KEYS

SECRETS = frozenset({JWT, KEYS})


def show_and_wait(
    service_url: str,
    token: str,
    world: Mapping[str, object],
    env: Mapping[str, str],
    workspace: str,
    children: Mapping[str, subprocess.Popen[bytes]],
) -> None:
    """Print the manual, then wait for Ctrl-C, or for a child to exit (that
    raises `DemoError`)."""
    click.echo(manual(service_url, token, world, env, workspace))
    try:
        wait_while_running(children)
    except KeyboardInterrupt:
        click.echo("stopping")


def manual(
    service_url: str,
    token: str,
    world: Mapping[str, object],
    env: Mapping[str, str],
    workspace: str,
) -> str:
    facts = world["demo"]
    assert isinstance(facts, dict)
    auth = '-H "Authorization: Bearer $TOKEN"'
    consent = json.dumps(
        {
            "authorization_url": "<authorization_url>",
            "username": facts["production_username"],
        }
    )
    return f"""
Both are still running; to stop them, press Ctrl-C, or send SIGTERM to
process {os.getpid()} (in the background it ignores Ctrl-C's SIGINT).

  service      {service_url}   (demo --port N picks another)
  OpenAPI      {service_url}/schema/openapi.json
               (the /schema page loads its scripts from a CDN: online only)
  export TOKEN={token}
  emulator     {world["login_url"]}   (controls: {world["control_url"]})
  Client ID    {facts["consumer_key"]}
  log in as    {facts["production_username"]} (sandbox: {facts["sandbox_username"]})

Try:
  curl {auth} {service_url}/api/crm/salesforce
  curl {auth} "{service_url}/api/people?limit=5"
(the synced copy stays readable after the disconnect). To connect again:
  curl -X POST {auth} \\
       {service_url}/api/crm/salesforce/authorizations
open the authorization_url in a browser (or, without one, approve it at
the emulator, then open the "location" it answers:
  curl -X POST {world["control_url"]}/consent -H "Content-Type: application/json" \\
       -d '{consent}'
), then sync from the API or the CLI:
  curl -X POST {auth} \\
       {service_url}/api/crm/salesforce/syncs
{cli_command(env, workspace)}"""


def cli_command(env: Mapping[str, str], workspace: str) -> str:
    """The CLI sync against the demo's emulator and database, never the real
    Salesforce: every setting the service got, save the secrets. Any other
    CRMBRIDGE_* variable (a misspelt setting, perhaps a secret's) is left
    out: the service ignored it too."""
    shown = sorted(name for name in env if name in SETTINGS)
    secrets = [name for name in shown if name in SECRETS]
    lines = [
        f"  {name}={shlex.quote(env[name])} \\" for name in shown if name not in SECRETS
    ]
    lines.append(f"       {_crmbridge()} sync --workspace {shlex.quote(workspace)}")
    keys = (
        f"with the {' and '.join(secrets)} you gave the demo"
        if secrets
        else "its .crmbridge/dev-keys holds the secrets"
    )
    return "\n".join([f"  # in {shlex.quote(str(Path.cwd()))}, {keys}", *lines])


def _crmbridge() -> str:
    """This interpreter's own `crmbridge` script: a shell may have none on PATH."""
    script = Path(os.path.abspath(sys.executable)).parent / "crmbridge"
    if script.exists():
        return shlex.quote(str(script))
    return f"{shlex.quote(os.path.abspath(sys.executable))} -m entrypoints.cli"
