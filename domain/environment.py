"""Salesforce environments and the login host each one uses."""

from __future__ import annotations

import enum
import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

import msgspec

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


# Dot-separated labels of letters, digits and inner hyphens; an optional port.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"^(?=[^:]{{1,253}}(?::|$)){_LABEL}(?:\.{_LABEL})*(?::\d{{1,5}})?$")


def _split(url: str, field: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError:  # brackets around what is not an IPv6 address
        raise InvalidSetting(f"{field} is not a valid URL", field=field) from None


def is_host_and_port(netloc: str) -> bool:
    """A host name (or IPv4 address) with an optional port, and nothing else:
    no credentials, spaces, escapes or stray punctuation; an IPv6 address in
    brackets too."""
    if netloc.startswith("["):
        address, _, rest = netloc[1:].partition("]")
        try:
            ipaddress.IPv6Address(address)
        except ValueError:
            return False
        return re.fullmatch(r"(?::\d{1,5})?", rest) is not None
    return _HOST.fullmatch(netloc) is not None


def normalize_login_host(url: str) -> str:
    """Return `scheme://host[:port]` for a My Domain login URL, or raise.

    Only https is accepted, except for loopback hosts that a local emulator uses.
    """
    parts = _split(url.strip(), "login_host")
    host = parts.netloc
    loopback = parts.hostname in LOOPBACK_HOSTS
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise InvalidSetting("login host must be an https URL", field="login_host")
    if not _HOST.fullmatch(host) or parts.username or parts.password:
        raise InvalidSetting("login host is not a valid host name", field="login_host")
    # '#' even with nothing after it: urlsplit reports an empty fragment.
    if parts.path not in {"", "/"} or parts.query or "#" in url:
        raise InvalidSetting(
            "login host must not carry a path, query or fragment",
            field="login_host",
        )
    try:
        port = parts.port
    except ValueError:  # past 65535
        port = 0
    if port == 0:
        raise InvalidSetting("login host has no valid port", field="login_host")
    # One spelling per host: names are case-blind, and the scheme's own port
    # is no port at all. So an unchanged host is never taken for a change.
    name = (parts.hostname or "").lower()
    default = {"https": 443, "http": 80}[parts.scheme]
    shown = name if port in (None, default) else f"{name}:{port}"
    return f"{parts.scheme}://{shown}"


# Hosts that may receive a token: Salesforce's own domains (My Domain login
# hosts and instances live under these), plus what the operator configured.
SALESFORCE_DOMAINS = ("salesforce.com", "force.com", "cloudforce.com", "salesforce.mil")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class HostPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """Which hosts crmbridge sends codes, verifiers and tokens to.

    A workspace's My Domain and the `instance_url`/`id` a token answer names
    must be https Salesforce hosts (or a configured login host); loopback is
    trusted only when the configured login hosts are loopback themselves,
    which is how the emulator runs.
    """

    extra_hosts: frozenset[str] = frozenset()
    allow_loopback: bool = False

    def check(self, url: str, *, field: str) -> str:
        """Return `url` if it may receive secrets; else raise `InvalidSetting`."""
        parts = _split(url, field)
        host = (parts.hostname or "").lower()
        if host in LOOPBACK_HOSTS:
            if self.allow_loopback and parts.scheme in {"http", "https"}:
                return url
            raise InvalidSetting(f"{field} may not point at this machine", field=field)
        salesforce = any(host.endswith("." + domain) for domain in SALESFORCE_DOMAINS)
        if parts.scheme != "https" or not (salesforce or host in self.extra_hosts):
            raise InvalidSetting(
                f"{field} must be an https Salesforce host "
                f"(*.{', *.'.join(SALESFORCE_DOMAINS)})",
                field=field,
            )
        return url
