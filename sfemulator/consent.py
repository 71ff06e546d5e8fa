"""Click through the consent form over HTTP, for tests that skip HTML parsing."""

from __future__ import annotations

import re
from html import unescape

import httpx


class ConsentError(Exception):
    """The consent form did not end in a redirect: an error page or a failed login."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


_ACTION = re.compile(r"<form method='post' action='([^']*)'")
_REQUEST_ID = re.compile(r"name='request_id' value='([^']*)'")
_ERROR = re.compile(r"<p id='error(?:_description)?'[^>]*>([^<]*)</p>")


def consent(authorization_url: str, username: str, decision: str = "approve") -> str:
    """Open `authorization_url`, log in as `username`, decide; the callback URL."""
    with httpx.Client(trust_env=False, timeout=30) as client:
        page = client.get(authorization_url)
        form = _form(page)
        if isinstance(form, str):
            return form
        answer = client.post(form[0], data=_fields(form[1], username, decision))
        return _location(answer)


async def aconsent(
    authorization_url: str, username: str, decision: str = "approve"
) -> str:
    """`consent` for async tests; it does not block the event loop."""
    async with httpx.AsyncClient(trust_env=False, timeout=30) as client:
        page = await client.get(authorization_url)
        form = _form(page)
        if isinstance(form, str):
            return form
        answer = await client.post(form[0], data=_fields(form[1], username, decision))
        return _location(answer)


def _form(page: httpx.Response) -> tuple[str, str] | str:
    if page.status_code == 302:
        return page.headers["location"]
    action, request_id = _ACTION.search(page.text), _REQUEST_ID.search(page.text)
    if page.status_code != 200 or action is None or request_id is None:
        raise ConsentError(page.status_code, _error_text(page.text))
    return unescape(action.group(1)), unescape(request_id.group(1))


def _fields(request_id: str, username: str, decision: str) -> dict[str, str]:
    return {"request_id": request_id, "username": username, "decision": decision}


def _location(answer: httpx.Response) -> str:
    if answer.status_code == 302:
        return answer.headers["location"]
    raise ConsentError(answer.status_code, _error_text(answer.text))


def _error_text(page: str) -> str:
    found = _ERROR.findall(page)
    return " ".join(unescape(text) for text in found) or page[:200]
