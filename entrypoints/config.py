"""Entrypoint configuration: CRMBRIDGE_* environment variables, checked at startup."""

from __future__ import annotations

import difflib
import enum
import os
import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import msgspec

from adapters.encryption import SEPARATOR, InvalidEncryptionKey, keys_of
from domain.environment import is_host_and_port
from entrypoints import devkeys
from entrypoints.accepted_values import accepted_values

PREFIX = "CRMBRIDGE_"
STATE_DIR = Path(".crmbridge")
MIN_JWT_SECRET_LENGTH = 32
API_VERSION = re.compile(r"[0-9]{2,3}\.0")

Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]
Seconds = Annotated[float, msgspec.Meta(ge=0, le=86400)]
Share = Annotated[float, msgspec.Meta(gt=0, le=1)]
Rows = Annotated[int, msgspec.Meta(ge=1)]
MAX_WORKERS = 32
Workers = Annotated[int, msgspec.Meta(ge=1, le=MAX_WORKERS)]


class ConfigError(Exception):
    """Raised when a variable is missing or malformed; names it, never its value."""


class RunMode(enum.StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class LogLevel(enum.StrEnum):
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


class Config(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the service reads from its environment, with local defaults."""

    env: RunMode = RunMode.DEVELOPMENT
    host: str = "127.0.0.1"
    port: Port = 8000
    log_level: LogLevel = LogLevel.INFO
    # Processes `crmbridge serve` answers requests in (uvicorn workers).
    workers: Workers = 1
    database_url: str = ""
    encryption_keys: str = ""
    jwt_secret: str = ""
    public_url: str = ""
    settings_page_url: str = ""
    salesforce_login_url: str = "https://login.salesforce.com"
    salesforce_sandbox_login_url: str = "https://test.salesforce.com"
    salesforce_api_version: str = "62.0"
    # Sync tunables; see `application.sync.options.SyncOptions`.
    sync_settle_seconds: Seconds = 30.0
    sync_quota_reserve: Share = 0.8
    sync_bulk_threshold: Rows = 50_000
    sync_stale_seconds: Annotated[float, msgspec.Meta(ge=1, le=86400)] = 300.0
    sync_bulk_timeout_seconds: Annotated[float, msgspec.Meta(ge=1, le=86400)] = 3600.0
    sync_workers: Workers = 2

    def __repr__(self) -> str:
        return (
            f"Config(env={self.env.value!r}, host={self.host!r}, port={self.port}, "
            f"database_url=<redacted>, encryption_keys=<redacted>, "
            f"jwt_secret=<redacted>, public_url={self.public_url!r})"
        )

    __str__ = __repr__

    @property
    def key_list(self) -> list[str]:
        """Encryption keys, newest (the one that encrypts) first."""
        return keys_of(self.encryption_keys)


# The settings a local run may leave to the dev-keys file.
SECRETS = ("encryption_keys", "jwt_secret")

REQUIRED_IN_PRODUCTION = (
    "database_url",
    "encryption_keys",
    "jwt_secret",
    "public_url",
    "settings_page_url",
)


def load_config(
    environ: Mapping[str, str] | None = None,
    *,
    state_dir: Path = STATE_DIR,
    uses: Collection[str] = SECRETS,
    **overrides: Any,
) -> Config:
    """Read, default and check the configuration; raise `ConfigError` if unusable.

    `overrides` (e.g. a `--port` option) win over the environment. A secret
    left unset is taken from the local dev-keys file, with a warning once
    the configuration is found usable, if it is one the caller `uses`.
    """
    environ = os.environ if environ is None else environ
    _refuse_blank(environ)
    raw = _variables(environ)
    raw.update({key: value for key, value in overrides.items() if value is not None})
    config = _convert(raw)
    if config.env is RunMode.PRODUCTION:
        _require(raw, REQUIRED_IN_PRODUCTION)
    secrets = devkeys.DevSecrets(state_dir / devkeys.FILE_NAME)
    config = _with_defaults(config, state_dir, secrets)
    _check(config)
    _check_keys(config, None if "encryption_keys" in raw else state_dir)
    secrets.warn_of([variable(field) for field in uses])
    return config


def variable(field: str) -> str:
    return PREFIX + field.upper()


# Each setting's variable, and the `Config` field it sets.
SETTINGS = {variable(field): field for field in Config.__struct_fields__}


# CRMBRIDGE_* variables of the project's own tests and benchmarks: not settings.
NOT_SETTINGS_PREFIXES = ("CRMBRIDGE_TEST_", "CRMBRIDGE_TRIAL_")
NOT_SETTINGS = frozenset({"CRMBRIDGE_REQUIRE_POSTGRES"})
# A name is shown as far as a reader needs it: it may be anything.
SHOWN_NAME = 64


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """One line for each CRMBRIDGE_* variable that names no setting, which
    would otherwise be ignored without a word (a misspelt name), with the
    setting it is closest to, if any. Names only, never values."""
    environ = os.environ if environ is None else environ
    candidates = [*SETTINGS, *sorted(NOT_SETTINGS)]
    lines = []
    for name in sorted(environ):
        # Names are case-sensitive here: `crmbridge_port` is no setting either.
        if not name.upper().startswith(PREFIX):
            continue
        if name in SETTINGS or name in NOT_SETTINGS:
            continue
        if name.startswith(NOT_SETTINGS_PREFIXES):
            continue
        close = difflib.get_close_matches(name.upper(), candidates, n=1, cutoff=0.8)
        guess = f" (did you mean {close[0]}?)" if close else ""
        lines.append(f"{_shown(name)} is not a crmbridge setting and is ignored{guess}")
    return lines


def _shown(name: str) -> str:
    """`name` as a log line can carry it: what cannot be seen (control and
    format characters, a right-to-left override, spaces) written as escapes,
    so a name that only looks like a setting does not read as one; cut short."""
    seen = "".join(
        ch if ch.isprintable() and not ch.isspace() else f"\\u{ord(ch):04x}"
        for ch in name
    )
    return seen[:SHOWN_NAME] + ("…" if len(seen) > SHOWN_NAME else "")


# Unset, these mean their defaults; set but blank, a deployment's missing
# secret, database or login host, which those defaults must not paper
# over. What to give instead, by field:
_NOT_BLANK = {
    # Blank by a template's mistake, production would quietly run as development.
    "env": "development or production",
    "encryption_keys": f"one or more Fernet keys separated by '{SEPARATOR}', "
    "newest first",
    "jwt_secret": f"a secret of at least {MIN_JWT_SECRET_LENGTH} characters",
    "database_url": "a sqlite:/// or postgresql:// URL",
    # Blank by a template's mistake, a My Domain would quietly become the
    # default login host.
    "salesforce_login_url": "the org's https:// login URL",
    "salesforce_sandbox_login_url": "the sandboxes' https:// login URL",
}


def _refuse_blank(environ: Mapping[str, str]) -> None:
    for field, wanted in _NOT_BLANK.items():
        name = variable(field)
        if name in environ and not environ[name].strip():
            raise ConfigError(
                f"{name} is set but empty: give {wanted}, or unset it to use "
                "the default"
            )


def _variables(environ: Mapping[str, str]) -> dict[str, Any]:
    return {
        SETTINGS[name]: value.strip()
        for name, value in environ.items()
        if name in SETTINGS and value.strip()
    }


def _convert(raw: dict[str, Any]) -> Config:
    try:
        return msgspec.convert(raw, Config, strict=False)
    except msgspec.ValidationError as exc:
        field = _field_of(str(exc))
        detail = _worded(str(exc).split(" - at ")[0])
        choices = accepted_values(Config, field)
        if choices and detail.startswith("Invalid enum value"):
            detail += f" (one of: {', '.join(choices)})"
        raise ConfigError(f"{variable(field)}: {detail}") from None


# msgspec names Python types; a variable's reader wants what to write.
_KINDS = {"int": "a whole number", "float": "a number"}


def _worded(detail: str) -> str:
    """msgspec's "Expected `int`, got `str`" as "expected a whole number"."""
    return re.sub(
        r"^Expected `(int|float)`(, got `str`)?",
        lambda found: f"expected {_KINDS[found.group(1)]}",
        detail,
    )


def _field_of(message: str) -> str:
    found = re.search(r"\$\.(\w+)", message)
    return found.group(1) if found else "env"


def _require(raw: Mapping[str, Any], fields: tuple[str, ...]) -> None:
    missing = [variable(field) for field in fields if field not in raw]
    if missing:
        raise ConfigError(
            f"CRMBRIDGE_ENV=production needs real values for: {', '.join(missing)}"
        )


def _with_defaults(
    config: Config, state_dir: Path, secrets: devkeys.DevSecrets
) -> Config:
    public_url = (config.public_url or f"http://127.0.0.1:{config.port}").rstrip("/")
    database = state_dir.resolve() / "crmbridge.sqlite3"
    return msgspec.structs.replace(
        config,
        public_url=public_url,
        settings_page_url=config.settings_page_url or f"{public_url}/health",
        database_url=config.database_url or f"sqlite+aiosqlite:///{database}",
        encryption_keys=config.encryption_keys or secrets.encryption_key(),
        jwt_secret=config.jwt_secret or secrets.jwt_secret(),
    )


def _check(config: Config) -> None:
    for field in (
        "public_url",
        "settings_page_url",
        "salesforce_login_url",
        "salesforce_sandbox_login_url",
    ):
        _check_url(field, getattr(config, field).replace("{workspace}", "w"))
    if urlsplit(config.public_url).query:
        raise ConfigError(f"{variable('public_url')}: must not carry a query")
    for field in ("salesforce_login_url", "salesforce_sandbox_login_url"):
        # The OAuth paths are appended to it: a path or query would break them.
        url = getattr(config, field)
        parts = urlsplit(url)
        if parts.path.strip("/") or "?" in url:
            raise ConfigError(
                f"{variable(field)}: a login URL is a scheme and host only, "
                "like https://login.salesforce.com"
            )
        if not is_host_and_port(parts.netloc):
            raise ConfigError(
                f"{variable(field)}: {parts.netloc!r} is not a host name "
                "with an optional port"
            )
    if config.env is RunMode.PRODUCTION:
        # Codes, tokens and bearer tokens travel through these.
        for field in (
            "public_url",
            "salesforce_login_url",
            "salesforce_sandbox_login_url",
        ):
            if not getattr(config, field).startswith("https:"):
                raise ConfigError(f"{variable(field)}: must be https in production")
    if not API_VERSION.fullmatch(config.salesforce_api_version):
        raise ConfigError(
            f"{variable('salesforce_api_version')}: expected a version like '62.0'"
        )
    if len(config.jwt_secret) < MIN_JWT_SECRET_LENGTH:
        raise ConfigError(
            f"{variable('jwt_secret')}: must be at least "
            f"{MIN_JWT_SECRET_LENGTH} characters"
        )


def _check_keys(config: Config, generated_in: Path | None) -> None:
    """Every key must be canonical; the error says where, never what."""
    try:
        keys_of(config.encryption_keys)
    except InvalidEncryptionKey as exc:
        source = variable("encryption_keys")
        if generated_in is not None:
            source += f" (unset, so read from {generated_in / devkeys.FILE_NAME})"
        raise ConfigError(f"{source}: {exc}") from None


def _check_url(field: str, url: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError:  # brackets around what is not an IPv6 address
        raise ConfigError(f"{variable(field)}: expected an http(s) URL") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(f"{variable(field)}: expected an http(s) URL")
    # '#' even with nothing after it: urlsplit reports an empty fragment.
    if parts.username or parts.password or "#" in url:
        raise ConfigError(f"{variable(field)}: must not carry credentials or '#'")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise ConfigError(f"{variable(field)}: its port must be 1-65535")
