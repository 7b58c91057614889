"""Customer portal routes. Customers authenticate with the signed link they were sent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from functions.composition import container
from functions.core.http import route, to_response
from functions.portal.links import token_from_request, verify_case_token

if TYPE_CHECKING:
    from functions.portal.models import (
        LinkRequestIn,
        LinkRequestOut,
        PortalQuery,
        PortalReplyIn,
    )

bp = Blueprint(__name__)
TAGS = ("portal",)
# The link carries a bearer token: never let a browser send it on to another site.
NO_LEAK = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _private(result: Any, status: int = 200) -> Response:
    resp = to_response(result, status)
    resp.headers = {**(resp.headers or {}), **NO_LEAK}
    return resp


@route(
    bp,
    "/portal/cases/{case_id}",
    "GET",
    auth="customer",
    query="functions.portal.models:PortalQuery",
    response="functions.portal.models:PortalCase",
    tags=TAGS,
    errors_=(401, 403, 404),
)
def get_portal_case(request: Any, case_id: str, *, query: PortalQuery) -> Response:
    """The customer's own case and its public timeline (token via ?token= or Authorization: Bearer)."""
    grant = verify_case_token(token_from_request(request), case_id)
    return _private(container().portal.read(grant, cursor=query.cursor))


@route(
    bp,
    "/portal/cases/{case_id}/replies",
    "POST",
    auth="customer",
    body="functions.portal.models:PortalReplyIn",
    response="functions.portal.models:PortalReplyOut",
    status=201,
    tags=TAGS,
    errors_=(401, 403, 404, 409),
)
def post_portal_reply(request: Any, case_id: str, *, body: PortalReplyIn) -> Response:
    """The customer writes on their case; re-opens it when it was waiting on them or resolved."""
    grant = verify_case_token(token_from_request(request), case_id)
    out = container().portal.reply(grant, body)
    return _private(out, 200 if out.duplicate else 201)


@route(
    bp,
    "/portal/links",
    "POST",
    auth="public",
    body="functions.portal.models:LinkRequestIn",
    response="functions.portal.models:LinkRequestOut",
    status=202,
    tags=TAGS,
)
def request_portal_link(request: Any, *, body: LinkRequestIn) -> LinkRequestOut:
    """Mail a fresh link to the case's address. Always 202: never reveals whether a case exists."""
    from functions.portal.models import LinkRequestOut  # noqa: PLC0415

    container().portal.request_link(body)
    return LinkRequestOut()
