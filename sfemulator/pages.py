"""The HTML a person sees at the login host: consent, login failure and errors."""

from __future__ import annotations

from html import escape

from sfemulator.model import ConnectedApp, PendingAuthorization

_STYLE = "body{font-family:sans-serif;max-width:32rem;margin:3rem auto}"


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def consent_page(
    pending: PendingAuthorization,
    app: ConnectedApp | None,
    action: str,
    username: str = "",
    error: str | None = None,
) -> str:
    """Login and consent in one form: a username, then Allow or Deny."""
    app_name = app.name if app else pending.client_id
    scopes = "".join(f"<li>{escape(scope)}</li>" for scope in pending.scopes)
    alert = f"<p id='error' class='loginError'>{escape(error)}</p>" if error else ""
    return _page(
        "Allow Access?",
        f"<h1>Allow Access?</h1>{alert}"
        f"<p><b>{escape(app_name)}</b> is asking to:</p><ul>{scopes}</ul>"
        f"<form method='post' action='{escape(action)}'>"
        f"<input type='hidden' name='request_id' value='{escape(pending.request_id)}'>"
        "<label>Username <input name='username' "
        f"value='{escape(username)}'></label> "
        "<label>Password <input name='password' type='password'></label><p>"
        "<button type='submit' name='decision' value='approve'>Allow</button> "
        "<button type='submit' name='decision' value='deny'>Deny</button>"
        "</p></form>",
    )


def error_page(error: str, description: str) -> str:
    """Salesforce's dead end: the error is shown and the client never hears of it."""
    return _page(
        "Error",
        "<h1>OAuth Error</h1><p>We can't authorize you because of an OAuth error.</p>"
        f"<p id='error'>error={escape(error)}</p>"
        f"<p id='error_description'>error_description={escape(description)}</p>",
    )
