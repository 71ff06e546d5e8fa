"""Authorize endpoint rules: which requests get a page, a consent or a redirect."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlencode

from sfemulator.ids import authorization_code, opaque
from sfemulator.model import AuthCode, Org, PendingAuthorization
from sfemulator.session import signed_in_without_form
from sfemulator.world import CODE_SECONDS, LOGIN, MYDOMAIN, SANDBOX, World

PENDING_SECONDS = 30 * 60


class AuthorizePageError(Exception):
    """Shown on a Salesforce error page; never sent to the redirect URI."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


class LoginFailed(Exception):
    """The username is unknown here, or its org does not log in at this host."""


def can_log_in(org: Org, role: str, *, interactive: bool) -> bool:
    """Whether users of `org` may use login host `role`.

    `interactive` is a person typing a password: only then does the org's
    "block the generic login hosts" setting apply.
    """
    if role == MYDOMAIN:
        return True
    if interactive and org.generic_login_blocked:
        return False
    return org.is_sandbox == (role == SANDBOX) and role in (LOGIN, SANDBOX)


def callback_location(redirect_uri: str, params: Mapping[str, str | None]) -> str:
    """`redirect_uri` with the outcome added to its query string."""
    query = urlencode({key: value for key, value in params.items() if value})
    return f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}"


def start_authorization(
    world: World, role: str, params: Mapping[str, str]
) -> PendingAuthorization | str:
    """Check an authorize request; a pending consent, or a redirect location."""
    with world.lock:
        world.stats.authorize_requests[role] += 1
        app = world.usable_app(params.get("client_id", ""))
        if app is None:
            raise AuthorizePageError("invalid_client_id", "client identifier invalid")
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in app.callback_urls:
            raise AuthorizePageError(
                "redirect_uri_mismatch", "redirect_uri must match configuration"
            )
        state = params.get("state")
        problem = _request_problem(params)
        if problem is not None:
            error, description = problem
            return callback_location(
                redirect_uri,
                {"error": error, "error_description": description, "state": state},
            )
        scope = params.get("scope", "").split() or sorted(app.scopes)
        pending = PendingAuthorization(
            request_id=opaque("req", 24),
            login_role=role,
            client_id=app.consumer_key,
            redirect_uri=redirect_uri,
            scopes=tuple(scope),
            state=state,
            code_challenge=params.get("code_challenge") or None,
            login_hint=params.get("login_hint"),
            created_at=world.now(),
        )
        world.pending[pending.request_id] = pending
        signed_in = signed_in_without_form(world, role, params)
        if signed_in is not None:
            return decide(world, role, pending.request_id, signed_in, "approve")
        return pending


def _request_problem(params: Mapping[str, str]) -> tuple[str, str] | None:
    if params.get("response_type") != "code":
        return "unsupported_response_type", "response type not supported"
    method = params.get("code_challenge_method")
    if params.get("code_challenge") and method not in (None, "S256"):
        return "invalid_request", "code challenge method not supported"
    return None


def decide(
    world: World, role: str, request_id: str, username: str, decision: str
) -> str:
    """Log the user in and apply their decision; the redirect location.

    Raises LoginFailed (the request stays open for another try) or
    AuthorizePageError when the request is unknown or too old.
    """
    with world.lock:
        pending = world.pending.get(request_id)
        too_old = pending and pending.created_at + PENDING_SECONDS < world.now()
        if pending is None or pending.login_role != role or too_old:
            raise AuthorizePageError(
                "invalid_request", "this authorization request expired; start again"
            )
        user = world.user_by_username(username)
        org = world.orgs[user.org_id] if user else None
        if user is None or org is None or not can_log_in(org, role, interactive=True):
            raise LoginFailed("Please check your username and password.")
        del world.pending[request_id]
        outcome = _refusal(world, pending, org, user.active, decision)
        if outcome is None:
            code = AuthCode(
                value=authorization_code(),
                login_role=role,
                client_id=pending.client_id,
                user_id=user.id,
                redirect_uri=pending.redirect_uri,
                scopes=pending.scopes,
                code_challenge=pending.code_challenge,
                expires_at=world.now() + CODE_SECONDS,
            )
            world.codes[code.value] = code
            outcome = {"code": code.value}
        return callback_location(
            pending.redirect_uri, {**outcome, "state": pending.state}
        )


def _refusal(
    world: World,
    pending: PendingAuthorization,
    org: Org,
    user_active: bool,
    decision: str,
) -> dict[str, str] | None:
    app = world.usable_app(pending.client_id)
    if app is None:
        error = ("OAUTH_EC_APP_NOT_FOUND", "app not found")
    elif not org.active:
        error = ("inactive_org", "inactive organization")
    elif not user_active:
        error = ("inactive_user", "user is inactive")
    elif app.blocked:
        error = ("OAUTH_APP_BLOCKED", "this app is blocked by admin")
    elif not set(pending.scopes) <= app.scopes:
        error = ("invalid_scope", "the requested scope is not allowed")
    elif decision != "approve":
        error = ("access_denied", "end-user denied authorization")
    else:
        return None
    return {"error": error[0], "error_description": error[1]}
