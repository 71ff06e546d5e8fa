"""Bearer tokens: HS256 only, every claim checked, each refusal with its own code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

import jwt
import pytest

from domain.workspace import Actor, Role
from entrypoints.bearer import (
    BadClaim,
    InvalidToken,
    MissingToken,
    TokenExpired,
    actor_from_header,
    mint,
)

SECRET = "k" * 64


def signed(claims: dict[str, Any], secret: str = SECRET, alg: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=alg)


def claims(**changes: Any) -> dict[str, Any]:
    base = {
        "sub": "alice",
        "workspace": "acme",
        "role": "admin",
        "exp": int(time.time()) + 86400,
    }
    return {key: value for key, value in (base | changes).items() if value is not None}


def test_a_minted_token_names_the_actor() -> None:
    token = mint(SECRET, workspace="acme", role=Role.OWNER, subject="alice")

    actor = actor_from_header(f"Bearer {token}", SECRET)

    assert actor == Actor(workspace_id="acme", subject="alice", role=Role.OWNER)


def test_the_scheme_is_case_insensitive() -> None:
    actor = actor_from_header(f"bearer {signed(claims())}", SECRET)

    assert actor.role is Role.ADMIN


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer  ", "Basic abc"])
def test_no_bearer_token_is_missing(header: str | None) -> None:
    with pytest.raises(MissingToken):
        actor_from_header(header, SECRET)


def test_an_expired_token_is_refused() -> None:
    token = signed(claims(exp=int(time.time()) - 60))

    with pytest.raises(TokenExpired):
        actor_from_header(f"Bearer {token}", SECRET)


def test_time_claims_may_hold_fractions_of_a_second() -> None:
    """RFC 7519 section 2: a NumericDate may be non-integer."""
    now = time.time()
    token = signed(claims(exp=now + 300.5, iat=now - 0.25, nbf=now - 0.25))
    expired = signed(claims(exp=now - 60.5))

    assert actor_from_header(f"Bearer {token}", SECRET).role is Role.ADMIN
    with pytest.raises(TokenExpired):
        actor_from_header(f"Bearer {expired}", SECRET)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (signed(claims(), secret="x" * 64), "signature"),
        (signed(claims(), alg="HS512"), "HS256"),
        (jwt.encode(claims(), "", algorithm="none"), "HS256"),
        ("not.a.jwt", "well-formed"),
        (signed(claims(role="superuser")), "a role is one of owner, admin, member"),
        (signed(claims(role=None)), "claim 'role' is missing"),
        (signed(claims(role=7)), "a role is one of owner, admin, member"),
        (signed(claims(exp=None)), "exp"),
        (signed(claims(sub=None)), "sub"),
        (signed(claims(sub="")), "a subject is 1-255 characters"),
        (signed(claims(sub=" ")), "a subject is 1-255 characters, not only spaces"),
        (signed(claims(sub="alice\nadmin")), "no control, format"),
        (signed(claims(sub="\u200b")), "no control, format"),
        (signed(claims(sub="ada\u202egnp")), "no control, format"),
        (signed(claims(sub="x" * 256)), "a subject is 1-255 characters"),
        (signed(claims(workspace=None)), "workspace"),
        (signed(claims(workspace="evil.example/x")), "a workspace id is 1-64"),
        (signed(claims(workspace=7)), "workspace"),
        (signed(claims(workspace="w1\n")), "workspace"),
        (signed(claims(workspace="\nw1")), "workspace"),
        (signed(claims(nbf=int(time.time()) + 3600)), "not valid yet"),
        (signed(claims(iat=int(time.time()) + 3600)), "not valid yet"),
        (signed(claims(iat="x")), "'iat' must be a number"),
        (signed(claims(nbf="x")), "claim 'nbf' must be a number of seconds"),
        (signed(claims(exp="x")), "claim 'exp' must be a number of seconds"),
        (signed(claims(exp=True)), "claim 'exp' must be a number of seconds"),
        (signed(claims(nbf=True)), "claim 'nbf' must be a number of seconds"),
        (signed(claims(iat=False)), "claim 'iat' must be a number of seconds"),
        (signed(claims(sub=5)), "'sub' must be a string"),
        (signed(claims(aud="someone")), "'aud' is not accepted"),
        (signed(claims(jti=7)), "'jti' must be a string"),
    ],
)
def test_a_bad_token_is_invalid(token: str, reason: str) -> None:
    with pytest.raises(InvalidToken, match=reason) as raised:
        actor_from_header(f"Bearer {token}", SECRET)

    assert "Error" not in raised.value.message  # a sentence, not a class name
    assert "`$." not in raised.value.message  # nor a JSON path


@pytest.mark.parametrize(
    "subject",
    [
        "",
        " ",
        "\t",
        "alice\n",
        "a\x85b",
        "x" * 256,
        "\u200b",
        "\ufeff",
        "ada\u202egnp",
        "a\u2028b",
        "\u3000",
    ],
)
def test_minting_refuses_a_subject_the_server_would_refuse(subject: str) -> None:
    with pytest.raises(BadClaim, match="a subject is 1-255 characters"):
        mint(SECRET, workspace="w1", role=Role.ADMIN, subject=subject)


@pytest.mark.parametrize("subject", ["alice", " alice ", "Zoë Ångström", "x" * 255])
def test_a_subject_with_spaces_or_any_letters_is_kept(subject: str) -> None:
    token = mint(SECRET, workspace="w1", role=Role.ADMIN, subject=subject)

    assert actor_from_header(f"Bearer {token}", SECRET).subject == subject


@pytest.mark.parametrize("workspace", ["a.b/c", "w1\n", "w1\r\n", "", "é"])
def test_minting_refuses_a_workspace_that_cannot_be_in_a_url(workspace: str) -> None:
    with pytest.raises(ValueError, match="workspace"):
        mint(SECRET, workspace=workspace, role=Role.ADMIN, subject="alice")


def hand_signed(header: str, payload: str, secret: str = SECRET) -> str:
    """A token whose JSON is written by hand, as no JWT library would."""
    signing_input = f"{b64(header.encode())}.{b64(payload.encode())}"
    mac = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256)
    return f"{signing_input}.{b64(mac.digest())}"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("header", "payload", "repeated"),
    [
        (
            '{"alg": "HS256", "typ": "JWT"}',
            '{"sub": "alice", "workspace": "other", "workspace": "acme", '
            '"role": "admin", "exp": %d}',
            "workspace",
        ),
        (
            '{"alg": "none", "alg": "HS256", "typ": "JWT"}',
            '{"sub": "alice", "workspace": "acme", "role": "admin", "exp": %d}',
            "alg",
        ),
        (
            '{"alg": "HS256", "alg": "none"}',
            '{"sub": "alice", "workspace": "acme", "role": "admin", "exp": %d}',
            "alg",
        ),
        (
            '{"alg": "HS256"}',
            '{"sub": "alice", "workspace": "acme", "role": "admin", "exp": %d, '
            '"exp": 1}',
            "exp",
        ),
    ],
)
def test_a_token_saying_one_thing_twice_is_invalid(
    header: str, payload: str, repeated: str
) -> None:
    token = hand_signed(header, payload % (int(time.time()) + 3600))

    with pytest.raises(InvalidToken) as raised:
        actor_from_header(f"Bearer {token}", SECRET)

    assert f"'{repeated}' appears twice" in raised.value.message


def test_a_hand_written_token_without_repeats_is_valid() -> None:
    payload = '{"sub": "alice", "workspace": "acme", "role": "admin", "exp": %d}'
    token = hand_signed('{"alg": "HS256"}', payload % (int(time.time()) + 3600))

    assert actor_from_header(f"Bearer {token}", SECRET).workspace_id == "acme"
