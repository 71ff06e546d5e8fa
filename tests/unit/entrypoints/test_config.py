"""Configuration from CRMBRIDGE_* variables: defaults, dev secrets, clear errors."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from adapters.encryption import FernetTokenCipher
from entrypoints.config import ConfigError, RunMode, load_config

KEY = FernetTokenCipher.generate_key()
SECRET = "s" * 40
PRODUCTION = {
    "CRMBRIDGE_ENV": "production",
    "CRMBRIDGE_DATABASE_URL": "postgresql+asyncpg://crm@db/crm",
    "CRMBRIDGE_ENCRYPTION_KEYS": KEY,
    "CRMBRIDGE_JWT_SECRET": SECRET,
    "CRMBRIDGE_PUBLIC_URL": "https://{workspace}.crm.example",
    "CRMBRIDGE_SETTINGS_PAGE_URL": "https://{workspace}.app.example/settings/crm",
}


def test_defaults_work_locally_with_generated_secrets(tmp_path: Path) -> None:
    config = load_config({}, state_dir=tmp_path)

    assert config.env is RunMode.DEVELOPMENT
    assert (config.host, config.port) == ("127.0.0.1", 8000)
    assert config.public_url == "http://127.0.0.1:8000"
    assert config.settings_page_url == "http://127.0.0.1:8000/health"
    assert config.database_url == (
        f"sqlite+aiosqlite:///{tmp_path.resolve()}/crmbridge.sqlite3"
    )
    assert config.salesforce_login_url == "https://login.salesforce.com"
    assert config.salesforce_sandbox_login_url == "https://test.salesforce.com"
    assert len(config.key_list) == 1
    assert len(config.jwt_secret) >= 32


def test_generated_secrets_persist_and_are_only_named_in_the_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)

    first = load_config({}, state_dir=tmp_path)
    second = load_config({}, state_dir=tmp_path)

    assert (first.encryption_keys, first.jwt_secret) == (
        second.encryption_keys,
        second.jwt_secret,
    )
    assert (tmp_path / "dev-keys").stat().st_mode & 0o077 == 0
    assert "for local use only" in caplog.text
    assert first.jwt_secret not in caplog.text
    assert first.encryption_keys not in caplog.text


def test_given_values_win_and_keys_keep_their_order(tmp_path: Path) -> None:
    old = FernetTokenCipher.generate_key()
    env = {
        "CRMBRIDGE_ENCRYPTION_KEYS": f" {KEY} , {old} ",
        "CRMBRIDGE_JWT_SECRET": SECRET,
        "CRMBRIDGE_PORT": "9001",
        "CRMBRIDGE_SALESFORCE_API_VERSION": "61.0",
        "CRMBRIDGE_LOG_LEVEL": "DEBUG",
    }

    config = load_config(env, state_dir=tmp_path)

    assert config.key_list == [KEY, old]
    assert config.port == 9001
    assert config.public_url == "http://127.0.0.1:9001"
    assert config.salesforce_api_version == "61.0"
    assert not (tmp_path / "dev-keys").exists()


def test_a_trailing_slash_on_the_public_url_is_dropped(tmp_path: Path) -> None:
    config = load_config(
        {"CRMBRIDGE_PUBLIC_URL": "https://crm.example/"}, state_dir=tmp_path
    )

    assert config.public_url == "https://crm.example"
    assert config.settings_page_url == "https://crm.example/health"


def test_overrides_beat_the_environment(tmp_path: Path) -> None:
    config = load_config({"CRMBRIDGE_PORT": "9001"}, state_dir=tmp_path, port=9002)

    assert config.port == 9002


def test_production_starts_with_real_values(tmp_path: Path) -> None:
    config = load_config(PRODUCTION, state_dir=tmp_path)

    assert config.env is RunMode.PRODUCTION
    assert not (tmp_path / "dev-keys").exists()


@pytest.mark.parametrize(
    "missing",
    [
        "CRMBRIDGE_ENCRYPTION_KEYS",
        "CRMBRIDGE_JWT_SECRET",
        "CRMBRIDGE_DATABASE_URL",
        "CRMBRIDGE_PUBLIC_URL",
        "CRMBRIDGE_SETTINGS_PAGE_URL",
    ],
)
def test_production_refuses_to_start_without_a_real_value(
    tmp_path: Path, missing: str
) -> None:
    env = {name: value for name, value in PRODUCTION.items() if name != missing}

    with pytest.raises(ConfigError, match=missing):
        load_config(env, state_dir=tmp_path)

    assert not (tmp_path / "dev-keys").exists()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CRMBRIDGE_PORT", "eighty"),
        ("CRMBRIDGE_PORT", "70000"),
        ("CRMBRIDGE_ENV", "staging"),
        ("CRMBRIDGE_LOG_LEVEL", "LOUD"),
        ("CRMBRIDGE_PUBLIC_URL", "ftp://example.com"),
        ("CRMBRIDGE_PUBLIC_URL", "https://example.com/?a=1"),
        ("CRMBRIDGE_PUBLIC_URL", "https://[example.com]"),
        ("CRMBRIDGE_SETTINGS_PAGE_URL", "not a url"),
        ("CRMBRIDGE_SALESFORCE_LOGIN_URL", "https://user:pw@login.example"),
        ("CRMBRIDGE_SALESFORCE_SANDBOX_LOGIN_URL", "test.salesforce.com"),
        ("CRMBRIDGE_SALESFORCE_API_VERSION", "v62"),
        ("CRMBRIDGE_SALESFORCE_API_VERSION", "62.0.1"),
        ("CRMBRIDGE_SALESFORCE_API_VERSION", "\u0666\u0662.0"),
        ("CRMBRIDGE_JWT_SECRET", "short"),
    ],
)
def test_a_bad_value_names_its_variable(tmp_path: Path, name: str, value: str) -> None:
    env = {"CRMBRIDGE_JWT_SECRET": SECRET, name: value}

    with pytest.raises(ConfigError, match=name):
        load_config(env, state_dir=tmp_path)


def test_a_blank_run_mode_is_refused_not_taken_as_development(
    tmp_path: Path,
) -> None:
    env = PRODUCTION | {"CRMBRIDGE_ENV": " "}

    with pytest.raises(ConfigError, match="CRMBRIDGE_ENV is set but empty"):
        load_config(env, state_dir=tmp_path)


@pytest.mark.parametrize(
    ("name", "field", "default"),
    [
        ("CRMBRIDGE_SYNC_QUOTA_RESERVE", "sync_quota_reserve", 0.8),
        ("CRMBRIDGE_PORT", "port", 8000),
        ("CRMBRIDGE_LOG_LEVEL", "log_level", "INFO"),
    ],
)
def test_another_setting_set_but_blank_takes_its_default(
    tmp_path: Path, name: str, field: str, default: object
) -> None:
    """As the README says: only the settings it names refuse a blank."""
    env = {"CRMBRIDGE_JWT_SECRET": SECRET, name: " "}

    config = load_config(env, state_dir=tmp_path)

    assert getattr(config, field) == default


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("CRMBRIDGE_PORT", "eighty", "expected a whole number$"),
        ("CRMBRIDGE_PORT", "70000", "expected a whole number <= 65535$"),
        ("CRMBRIDGE_SYNC_BULK_THRESHOLD", "1.5", "expected a whole number$"),
        ("CRMBRIDGE_SYNC_QUOTA_RESERVE", "most", "expected a number$"),
        ("CRMBRIDGE_ENV", "Production", r".*\(one of: development, production\)$"),
        ("CRMBRIDGE_LOG_LEVEL", "LOUD", r".*\(one of: DEBUG, INFO, WARNING, ERROR\)$"),
    ],
)
def test_a_bad_value_says_what_to_write(
    tmp_path: Path, name: str, value: str, said: str
) -> None:
    env = {"CRMBRIDGE_JWT_SECRET": SECRET, name: value}

    with pytest.raises(ConfigError, match=f"^{name}: {said}"):
        load_config(env, state_dir=tmp_path)


def test_a_bad_key_is_named_but_never_shown(tmp_path: Path) -> None:
    bad = "not-a-fernet-key-but-a-secret"

    with pytest.raises(ConfigError, match="CRMBRIDGE_ENCRYPTION_KEYS") as raised:
        load_config({"CRMBRIDGE_ENCRYPTION_KEYS": f"{KEY},{bad}"}, state_dir=tmp_path)

    assert bad not in str(raised.value)
    assert "#2" in str(raised.value)


@pytest.mark.parametrize(
    "name",
    [
        "CRMBRIDGE_PUBLIC_URL",
        "CRMBRIDGE_SALESFORCE_LOGIN_URL",
        "CRMBRIDGE_SALESFORCE_SANDBOX_LOGIN_URL",
    ],
)
def test_production_needs_https_where_tokens_and_codes_travel(
    name: str, tmp_path: Path
) -> None:
    env = PRODUCTION | {name: "http://crm.example"}

    with pytest.raises(ConfigError, match=f"{name}: must be https in production"):
        load_config(env, state_dir=tmp_path)


def test_repr_hides_secrets(tmp_path: Path) -> None:
    config = load_config(PRODUCTION, state_dir=tmp_path)

    shown = repr(config) + str(config)

    assert SECRET not in shown
    assert KEY not in shown
    assert "crm@db" not in shown


@pytest.mark.parametrize("blank", ["", " ", "\t\n"])
def test_keys_set_but_blank_are_refused_not_replaced(
    tmp_path: Path, blank: str
) -> None:
    env = {"CRMBRIDGE_ENCRYPTION_KEYS": blank, "CRMBRIDGE_JWT_SECRET": SECRET}

    with pytest.raises(ConfigError, match="CRMBRIDGE_ENCRYPTION_KEYS is set but"):
        load_config(env, state_dir=tmp_path)

    assert not (tmp_path / "dev-keys").exists()


@pytest.mark.parametrize(
    "name",
    [
        "CRMBRIDGE_JWT_SECRET",
        "CRMBRIDGE_DATABASE_URL",
        "CRMBRIDGE_SALESFORCE_LOGIN_URL",
        "CRMBRIDGE_SALESFORCE_SANDBOX_LOGIN_URL",
    ],
)
def test_a_secret_database_or_login_url_set_but_blank_is_refused_not_defaulted(
    tmp_path: Path, name: str
) -> None:
    env = {"CRMBRIDGE_ENCRYPTION_KEYS": KEY, "CRMBRIDGE_JWT_SECRET": SECRET}
    env[name] = "  "

    with pytest.raises(ConfigError, match=f"{name} is set but empty") as raised:
        load_config(env, state_dir=tmp_path)

    assert "unset it" in str(raised.value)
    assert not (tmp_path / "dev-keys").exists()


@pytest.mark.parametrize(
    ("joined", "position"),
    [
        ("{new};{old}", "key #1 of 1"),
        ("{new}; {old}", "key #1 of 1"),
        ("{new} {old}", "key #1 of 1"),
        ("{new},{old}:{new}", "key #2 of 2"),
        ("{new},,{old}!", "key #3 of 3"),
    ],
)
def test_a_wrongly_joined_key_list_names_the_position_and_the_separator(
    tmp_path: Path, joined: str, position: str
) -> None:
    old = FernetTokenCipher.generate_key()
    env = {
        "CRMBRIDGE_ENCRYPTION_KEYS": joined.format(new=KEY, old=old),
        "CRMBRIDGE_JWT_SECRET": SECRET,
    }

    with pytest.raises(ConfigError, match="CRMBRIDGE_ENCRYPTION_KEYS") as raised:
        load_config(env, state_dir=tmp_path)

    said = str(raised.value)
    assert position in said
    assert "separated by ','" in said
    for key in (KEY, old):
        assert key not in said
        assert key[:12] not in said
        assert key[-12:] not in said


def test_a_trailing_comma_is_no_key(tmp_path: Path) -> None:
    env = {"CRMBRIDGE_ENCRYPTION_KEYS": f"{KEY},", "CRMBRIDGE_JWT_SECRET": SECRET}

    config = load_config(env, state_dir=tmp_path)

    assert config.key_list == [KEY]


def test_a_spoiled_generated_key_names_its_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    load_config({}, state_dir=tmp_path)
    generated = (tmp_path / "dev-keys").read_text()
    key = load_config({}, state_dir=tmp_path).encryption_keys
    (tmp_path / "dev-keys").write_text(generated.replace(key, key[:-2]))

    with pytest.raises(ConfigError, match="dev-keys") as raised:
        load_config({}, state_dir=tmp_path)

    assert "key #1 of 1" in str(raised.value)
    assert key[:-2] not in str(raised.value) + caplog.text


SCHEME_AND_HOST = "a login URL is a scheme and host"
NO_HOST = ".* is not a host name"


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("https://login.salesforce.com/path", SCHEME_AND_HOST),
        ("https://login.salesforce.com/?x=1", SCHEME_AND_HOST),
        ("https://login.salesforce.com?", SCHEME_AND_HOST),
        ("https://login.salesforce.com/?", SCHEME_AND_HOST),
        ("https://acme.my.salesforce.com/services/oauth2", SCHEME_AND_HOST),
        ("https://login.salesforce.com;x", NO_HOST),
        ("https://login.salesforce.com\\", NO_HOST),
        ("https://login.salesforce.com%3F", NO_HOST),
        ("https://login.salesforce.com:", NO_HOST),
        ("https://login salesforce.com", NO_HOST),
        # urlsplit raises ValueError for these: no traceback, a refusal.
        ("https://[not-an-address]", "expected an http"),
        ("http://[::1", "expected an http"),
    ],
)
@pytest.mark.parametrize(
    "name",
    ["CRMBRIDGE_SALESFORCE_LOGIN_URL", "CRMBRIDGE_SALESFORCE_SANDBOX_LOGIN_URL"],
)
def test_a_login_url_of_more_than_a_host_and_port_is_refused(
    tmp_path: Path, name: str, url: str, said: str
) -> None:
    env = {"CRMBRIDGE_ENCRYPTION_KEYS": KEY, "CRMBRIDGE_JWT_SECRET": SECRET, name: url}

    with pytest.raises(ConfigError, match=f"{name}: {said}"):
        load_config(env, state_dir=tmp_path)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8443",
        "http://localhost",
        "http://[::1]:8443",
        "https://ACME--dev.sandbox.my.salesforce.com:443/",
    ],
)
def test_a_login_url_may_name_an_address_or_a_port(tmp_path: Path, url: str) -> None:
    name = "CRMBRIDGE_SALESFORCE_SANDBOX_LOGIN_URL"
    env = {"CRMBRIDGE_ENCRYPTION_KEYS": KEY, "CRMBRIDGE_JWT_SECRET": SECRET, name: url}

    assert load_config(env, state_dir=tmp_path).salesforce_sandbox_login_url == url


def test_a_login_url_may_end_in_a_slash_or_name_a_port(tmp_path: Path) -> None:
    env = {
        "CRMBRIDGE_ENCRYPTION_KEYS": KEY,
        "CRMBRIDGE_JWT_SECRET": SECRET,
        "CRMBRIDGE_SALESFORCE_LOGIN_URL": "https://acme.my.salesforce.com/",
        "CRMBRIDGE_SALESFORCE_SANDBOX_LOGIN_URL": "http://127.0.0.1:8443",
    }

    config = load_config(env, state_dir=tmp_path)

    assert config.salesforce_login_url == "https://acme.my.salesforce.com/"


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("https://login.salesforce.com:99999", "its port must be 1-65535"),
        ("https://login.salesforce.com:0", "its port must be 1-65535"),
        ("https://login.salesforce.com#", "must not carry credentials or '#'"),
    ],
)
def test_a_login_url_with_a_bad_port_or_an_empty_fragment_is_refused(
    tmp_path: Path, url: str, said: str
) -> None:
    name = "CRMBRIDGE_SALESFORCE_LOGIN_URL"
    env = {"CRMBRIDGE_ENCRYPTION_KEYS": KEY, "CRMBRIDGE_JWT_SECRET": SECRET, name: url}

    with pytest.raises(ConfigError, match=f"{name}: {said}"):
        load_config(env, state_dir=tmp_path)
