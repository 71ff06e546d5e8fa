"""The browser's session at a login host: when authorize skips the form, and
what a person driving the emulator could then not have chosen."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, urlsplit

from sfemulator.world import World

AUTHORIZE_PATH = "/services/oauth2/authorize"
FORM_PROMPTS = frozenset({"login", "consent"})


class NoLoginForm(Exception):
    """Salesforce redirected at once, so the asked-for user or decision never
    had a form to be entered on."""


def signed_in_without_form(
    world: World, role: str, params: Mapping[str, str]
) -> str | None:
    """The user a browser signed in at `role` is, when authorize redirects at
    once (an auto-approved app, no `prompt` asking for a form); else None."""
    with world.lock:
        app = world.usable_app(params.get("client_id", ""))
        signed_in = world.signed_in.get(role)
    prompt = set(params.get("prompt", "").split())
    if app is None or not app.auto_approve or FORM_PROMPTS & prompt:
        return None
    return signed_in


def require_form_for(
    world: World, authorization_url: str, username: str, decision: str
) -> None:
    """Raise `NoLoginForm` unless a person could log in as `username` and
    `decision` at this URL: a skipped form logs in the session's user and
    approves, whatever a test driving the emulator asked for."""
    url = urlsplit(authorization_url)
    roles = {value: key for key, value in world.urls.items()}
    role = roles.get(f"{url.scheme}://{url.netloc}")
    if role is None or url.path != AUTHORIZE_PATH:
        return
    signed_in = signed_in_without_form(world, role, dict(parse_qsl(url.query)))
    if signed_in is not None and (signed_in, decision) != (username, "approve"):
        raise NoLoginForm(
            f"the browser is signed in as {signed_in} and the app is pre-approved: "
            f"Salesforce redirects at once, with no form to log in as {username} "
            f"or to {decision} (send prompt=login to get one)"
        )
