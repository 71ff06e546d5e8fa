"""An access token for the stand-ins, through the web-server flow with PKCE.

A team writing its own script would get a session the same way (or from a
CLI that runs this flow); crmbridge gets its own through its API instead.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from benchmarks.emulator import Controls


@dataclass(frozen=True)
class Session:
    instance_url: str
    access_token: str

    def __repr__(self) -> str:
        return f"Session(instance_url={self.instance_url!r}, access_token=<redacted>)"


def connect(controls: Controls) -> Session:
    """Authorize as the demo user, exchange the code, return the session."""
    emulator = controls.emulator
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    query = {
        "response_type": "code",
        "client_id": emulator.consumer_key,
        "redirect_uri": emulator.callback_url,
        "scope": "api refresh_token",
        "state": secrets.token_urlsafe(16),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    url = f"{emulator.login_url}/services/oauth2/authorize?{urlencode(query)}"
    location = controls.consent(url)
    code = parse_qs(urlsplit(location).query)["code"][0]

    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": emulator.consumer_key,
        "redirect_uri": emulator.callback_url,
        "code_verifier": verifier,
    }
    answer = httpx.post(
        f"{emulator.login_url}/services/oauth2/token",
        data=form,
        trust_env=False,
        timeout=30,
    )
    answer.raise_for_status()
    body = answer.json()
    return Session(instance_url=body["instance_url"], access_token=body["access_token"])
