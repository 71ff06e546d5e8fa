"""The demo's walk through the connect flow, one printed step per API call.

Nothing secret is printed: no code, state or Salesforce token, only the
bearer token the demo minted for itself (and only with --keep-running).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import click
import httpx

CONNECTION = "/api/crm/salesforce"


class Walk:
    """Talks to the service as a product UI would, and to the emulator's controls."""

    def __init__(self, service_url: str, token: str, control_url: str) -> None:
        self.api = httpx.Client(
            base_url=service_url,
            headers={"Authorization": f"Bearer {token}"},
            trust_env=False,
            timeout=60,
        )
        self.control = httpx.Client(base_url=control_url, trust_env=False, timeout=60)
        self._step = 0

    def close(self) -> None:
        self.api.close()
        self.control.close()

    def step(
        self,
        title: str,
        call: Callable[[], httpx.Response],
        show: Callable[[Any], str] | None = None,
    ) -> Any:
        """Run one call and print what it showed (through `show`, if given);
        a failed call ends the demo."""
        self._step += 1
        response = call()
        click.secho(f"\n{self._step}. {title}", bold=True)
        if response.status_code >= 400:
            click.echo(f"   -> {response.status_code} {response.text}")
            raise click.ClickException(f"step {self._step} failed: {response.text}")
        body = response.json() if response.content else None
        said = show(body) if show is not None else _summary(response)
        click.echo(f"   -> {response.status_code} {said}")
        return body

    def connect(self, client_id: str, username: str) -> None:
        body = {"client_id": client_id, "sandbox": False}
        self.step(
            "Save the Client ID",
            lambda: self.api.put(f"{CONNECTION}/settings", json=body),
        )
        started = self.step(
            "Click Connect to Salesforce",
            lambda: self.api.post(f"{CONNECTION}/authorizations"),
        )
        consent = {
            "authorization_url": started["authorization_url"],
            "username": username,
        }
        approved = self.step(
            f"Log in at the emulator as {username} and Allow",
            lambda: self.control.post("/consent", json=consent),
        )
        self.step(
            "Salesforce redirects the browser to our callback",
            lambda: httpx.get(approved["location"], trust_env=False, timeout=60),
        )

    def check(self, title: str) -> None:
        self.step(title, lambda: self.api.post(f"{CONNECTION}/verification"))

    def refresh_count(self) -> int:
        stats = self.control.get("/stats").json()
        count: int = stats["token_requests"].get("refresh_token", 0)
        return count


def _summary(response: httpx.Response) -> str:
    if response.status_code in {302, 303}:
        return f"Location: {_without_secrets(response.headers['location'])}"
    if not response.content:
        return ""
    body = response.json()
    if isinstance(body, dict) and "location" in body:
        return "the browser is sent back to our callback (code and state hidden)"
    if isinstance(body, dict) and "authorization_url" in body:
        url = urlsplit(body["authorization_url"])
        return f"authorization_url: {url.scheme}://{url.netloc}{url.path}?..."
    return response.text


def _without_secrets(location: str) -> str:
    parts = urlsplit(location)
    if "code=" in parts.query or "state=" in parts.query:
        return f"{parts.scheme}://{parts.netloc}{parts.path}?(code and state hidden)"
    return location
