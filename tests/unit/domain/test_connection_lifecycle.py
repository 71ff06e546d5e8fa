"""The connection lifecycle, checked against a simple model by a state machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.connection import (
    Connection,
    ConnectionStatus,
    OrgIdentity,
    mask_client_id,
    validate_client_id,
)
from domain.environment import Environment, normalize_login_host
from domain.errors import IllegalTransition, InvalidSetting
from domain.problems import Problem
from domain.tokens import TokenSet

NOW = datetime(2026, 1, 1, tzinfo=UTC)
CLIENT_IDS = ["3MVG9" + "A" * 80, "3MVG9" + "B" * 80]
IDENTITY = OrgIdentity(org_id="00D000000000001AAA", user_id="005", username="u@x")
TOKENS = TokenSet(
    access_token="a", refresh_token="r", instance_url="https://i", issued_at=NOW
)
PROBLEM = Problem(code="x", message="x")

S = ConnectionStatus


class ConnectionLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.connection = Connection(workspace_id="w1")
        self.status = S.DISCONNECTED
        self.sandbox = False
        self.client_id: str | None = None
        self.has_grant = False

    def settled(self) -> ConnectionStatus:
        if self.status is S.CONNECTED:
            return S.CONNECTED
        return S.NEEDS_REAUTHORIZATION if self.has_grant else S.DISCONNECTED

    @rule(client_id=st.sampled_from(CLIENT_IDS), sandbox=st.booleans())
    def configure(self, client_id: str, sandbox: bool) -> None:
        changes = (client_id, sandbox) != (self.client_id, self.sandbox)
        if self.has_grant and changes:
            with pytest.raises(IllegalTransition):
                self.connection.configure(client_id=client_id, sandbox=sandbox)
            return
        self.connection = self.connection.configure(
            client_id=client_id, sandbox=sandbox
        )
        if changes and self.status is S.AUTHORIZING:
            self.status = self.settled()
        self.client_id, self.sandbox = client_id, sandbox

    @rule()
    def begin(self) -> None:
        if self.client_id is None:
            with pytest.raises(InvalidSetting):
                self.connection.begin_authorization(until=NOW + timedelta(hours=1))
            return
        if self.status is S.CONNECTED:
            with pytest.raises(IllegalTransition):
                self.connection.begin_authorization(until=NOW + timedelta(hours=1))
            return
        until = NOW + timedelta(hours=1)
        self.connection = self.connection.begin_authorization(until=until)
        self.status = S.AUTHORIZING

    @rule()
    def complete(self) -> None:
        if self.status is S.CONNECTED:
            with pytest.raises(IllegalTransition):
                self.connection.complete(identity=IDENTITY, tokens=TOKENS, at=NOW)
            return
        self.connection = self.connection.complete(
            identity=IDENTITY, tokens=TOKENS, at=NOW
        )
        self.status, self.has_grant = S.CONNECTED, True

    @rule()
    def fail(self) -> None:
        self.connection = self.connection.fail_authorization(PROBLEM)
        self.status = self.settled()

    @rule()
    def refresh_rejected(self) -> None:
        if not self.has_grant:
            with pytest.raises(IllegalTransition):
                self.connection.require_reauthorization(PROBLEM)
            return
        self.connection = self.connection.require_reauthorization(PROBLEM)
        self.status = S.NEEDS_REAUTHORIZATION

    @rule()
    def disconnect(self) -> None:
        self.connection = self.connection.disconnect()
        self.status, self.has_grant = S.DISCONNECTED, False

    @rule(sandbox=st.booleans())
    def switch(self, sandbox: bool) -> None:
        if self.has_grant and sandbox == self.sandbox:
            # Only a working grant would go: refused, nothing changes.
            with pytest.raises(IllegalTransition):
                self.connection.switch_environment(sandbox=sandbox)
            return
        self.connection = self.connection.switch_environment(sandbox=sandbox)
        self.status, self.has_grant, self.sandbox = S.DISCONNECTED, False, sandbox

    @invariant()
    def matches_the_model(self) -> None:
        connection = self.connection
        assert connection.status is self.status
        assert connection.status_at(NOW) is self.status
        assert connection.environment is Environment.from_sandbox_flag(self.sandbox)
        assert connection.client_id == self.client_id
        assert (connection.tokens is not None) is self.has_grant

    @invariant()
    def an_abandoned_authorization_lapses(self) -> None:
        later = NOW + timedelta(days=1)
        if self.status is S.AUTHORIZING:
            assert self.connection.status_at(later) is self.settled()

    @invariant()
    def connected_means_identity_and_no_problem(self) -> None:
        if self.status is S.CONNECTED:
            assert self.connection.identity is not None


ConnectionLifecycle.TestCase.settings = settings(
    max_examples=200, stateful_step_count=30, deadline=None
)
TestConnectionLifecycle = ConnectionLifecycle.TestCase


@pytest.mark.parametrize(
    "client_id",
    ["", "short", "x" * 257, "3MVG9 with spaces xxxxxxxx", "3MVG9<script>xxxxxxxxxxx"],
)
def test_malformed_client_ids_are_refused_with_the_field(client_id: str) -> None:
    with pytest.raises(InvalidSetting) as caught:
        validate_client_id(client_id)

    assert caught.value.field == "client_id"


def test_client_id_is_trimmed_and_masked() -> None:
    assert validate_client_id(f"  {CLIENT_IDS[0]}\n") == CLIENT_IDS[0]
    assert mask_client_id(CLIENT_IDS[0]) == "3MVG…AAAA"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://acme.my.salesforce.com", "https://acme.my.salesforce.com"),
        ("https://acme.my.salesforce.com/", "https://acme.my.salesforce.com"),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
        ("https://ACME.My.Salesforce.com", "https://acme.my.salesforce.com"),
        ("https://acme.my.salesforce.com:443", "https://acme.my.salesforce.com"),
        ("https://acme.my.salesforce.com:8443", "https://acme.my.salesforce.com:8443"),
        ("http://localhost:80", "http://localhost"),
    ],
)
def test_login_hosts_are_normalised(url: str, expected: str) -> None:
    assert normalize_login_host(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://acme.my.salesforce.com",
        "https://acme.my.salesforce.com/services",
        "https://user:pw@acme.my.salesforce.com",
        "https://acme.my.salesforce.com?x=1",
        "javascript:alert(1)",
        "acme.my.salesforce.com",
        "https://acme.my.salesforce.com:99999",
        "https://a..salesforce.com",
        "https://acme.-my.salesforce.com",
        "https://.acme.my.salesforce.com",
        "https://acme.my.salesforce.com:0",
        "https://acme.my.salesforce.com:",
        "https://[acme.my.salesforce.com]",
        "https://[::1",
    ],
)
def test_unsafe_login_hosts_are_refused(url: str) -> None:
    with pytest.raises(InvalidSetting):
        normalize_login_host(url)


@pytest.mark.parametrize(
    "url", ["https://acme.my.salesforce.com#x", "https://acme.my.salesforce.com/#"]
)
def test_a_login_host_with_a_fragment_says_so(url: str) -> None:
    with pytest.raises(InvalidSetting, match="path, query or fragment"):
        normalize_login_host(url)


@pytest.mark.parametrize(
    ("client_id", "login_host", "field"),
    [
        (CLIENT_IDS[1], None, "client_id"),
        (CLIENT_IDS[0], "https://acme.my.salesforce.com", "login_host"),
    ],
)
def test_a_setting_a_grant_depends_on_is_named_when_refused(
    client_id: str, login_host: str | None, field: str
) -> None:
    connected = (
        Connection(workspace_id="w1")
        .configure(client_id=CLIENT_IDS[0], sandbox=False)
        .begin_authorization(until=NOW + timedelta(hours=1))
        .complete(identity=IDENTITY, tokens=TOKENS, at=NOW)
    )

    with pytest.raises(IllegalTransition) as caught:
        connected.configure(client_id=client_id, sandbox=False, login_host=login_host)

    assert caught.value.field == field
    assert field.replace("_", " ").split()[-1] in caught.value.message.lower()


def test_settings_frozen_by_a_dead_grant_say_so_not_connected() -> None:
    dead = (
        Connection(workspace_id="w1")
        .configure(client_id=CLIENT_IDS[0], sandbox=False)
        .begin_authorization(until=NOW + timedelta(hours=1))
        .complete(identity=IDENTITY, tokens=TOKENS, at=NOW)
        .require_reauthorization(PROBLEM)
    )

    with pytest.raises(IllegalTransition) as caught:
        dead.configure(client_id=CLIENT_IDS[0], sandbox=True)

    assert caught.value.field == "sandbox"
    assert "needing reauthorization" in caught.value.message
