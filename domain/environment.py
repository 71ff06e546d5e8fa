"""Salesforce environments and the login host each one uses."""

from __future__ import annotations

import enum
import re
from urllib.parse import urlsplit

from domain.errors import InvalidSetting


class Environment(enum.StrEnum):
    PRODUCTION = "production"
    SANDBOX = "sandbox"

    @classmethod
    def from_sandbox_flag(cls, sandbox: bool) -> Environment:
        return cls.SANDBOX if sandbox else cls.PRODUCTION

    @property
    def is_sandbox(self) -> bool:
        return self is Environment.SANDBOX


_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::\d{1,5})?$")


def normalize_login_host(url: str) -> str:
    """Return `scheme://host[:port]` for a My Domain login URL, or raise.

    Only https is accepted, except for loopback hosts that a local emulator uses.
    """
    parts = urlsplit(url.strip())
    host = parts.netloc
    loopback = parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise InvalidSetting("login host must be an https URL", field="login_host")
    if not _HOST.match(host) or parts.username or parts.password:
        raise InvalidSetting("login host is not a valid host name", field="login_host")
    if parts.path not in {"", "/"} or parts.query or parts.fragment:
        raise InvalidSetting(
            "login host must not carry a path or query", field="login_host"
        )
    return f"{parts.scheme}://{host}"
