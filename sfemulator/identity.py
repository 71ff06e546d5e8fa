"""Identity routes of the login hosts: the id URL and OpenID userinfo."""

from __future__ import annotations

from typing import Any

from litestar import Response, get

from sfemulator.authorize import can_log_in
from sfemulator.model import Org, User
from sfemulator.tokens import live_session
from sfemulator.web import AnyRequest, Host, bearer_token, host_of, json_response
from sfemulator.web import text_response as text

# Salesforce answers identity requests with a bad token by a bare 403 and a
# one-word text body, not the REST API's JSON array nor an OAuth JSON error.
PLAIN = "text/plain;charset=UTF-8"


@get("/id/{org_id:str}/{user_id:str}")
async def identity_url(request: AnyRequest) -> Response[bytes]:
    org_id = request.path_params["org_id"]
    user_id = request.path_params["user_id"]
    found = _session(request)
    if isinstance(found, Response):
        return found
    host, org, _ = found
    if org.id != org_id:
        return text("Bad_Id", 403, PLAIN)
    target = host.world.users.get(user_id)
    if target is None or target.org_id != org_id:
        return text("Bad_Id", 404, PLAIN)
    return json_response(identity(host, org, target))


@get("/services/oauth2/userinfo")
async def userinfo(request: AnyRequest) -> Response[bytes]:
    found = _session(request)
    if isinstance(found, Response):
        return found
    host, org, user = found
    about = identity(host, org, user)
    return json_response(
        {
            "sub": about["id"],
            "user_id": user.id,
            "organization_id": org.id,
            "preferred_username": user.username,
            "nickname": about["nick_name"],
            "name": user.name,
            "email": user.email,
            "email_verified": True,
            "given_name": about["first_name"],
            "family_name": about["last_name"],
            "urls": about["urls"],
            "active": user.active,
            "user_type": "STANDARD",
        }
    )


def _session(request: AnyRequest) -> tuple[Host, Org, User] | Response[bytes]:
    host = host_of(request)
    value = bearer_token(request)
    if value is None:
        return text("Missing_OAuth_Token", 403, PLAIN)
    access = live_session(host.world, value)
    if access is None:
        return text("Bad_OAuth_Token", 403, PLAIN)
    org = host.world.orgs[access.org_id]
    if not can_log_in(org, host.role, interactive=False):
        return text("Bad_OAuth_Token", 403, PLAIN)
    return host, org, host.world.users[access.user_id]


def identity(host: Host, org: Org, user: User) -> dict[str, Any]:
    """The identity service's description of `user`."""
    first, _, last = user.name.rpartition(" ")
    rest = host.world.instance_url(org) + "/services/data/v{version}/"
    return {
        "id": f"{host.url}/id/{org.id}/{user.id}",
        "asserted_user": True,
        "user_id": user.id,
        "organization_id": org.id,
        "username": user.username,
        "nick_name": user.username.split("@")[0],
        "display_name": user.name,
        "email": user.email,
        "email_verified": True,
        "first_name": first or None,
        "last_name": last,
        "active": user.active,
        "user_type": "STANDARD",
        "urls": {
            "rest": rest,
            "sobjects": rest + "sobjects/",
            "query": rest + "query/",
            "limits": rest + "limits/",
            "profile": f"{host.world.instance_url(org)}/{user.id}",
        },
    }


ROUTES = [identity_url, userinfo]
