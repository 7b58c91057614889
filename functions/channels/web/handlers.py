"""Web-form routes (public)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from functions.composition import container
from functions.core.http import route

if TYPE_CHECKING:
    from functions.channels.web.models import WebCaseIn

bp = Blueprint(__name__)
TAGS = ("web",)


@route(
    bp,
    "/web/cases",
    "POST",
    auth="public",
    body="functions.channels.web.models:WebCaseIn",
    response="functions.channels.web.models:WebCaseOut",
    status=201,
    tags=TAGS,
    errors_=(202, 409),
    idempotency_key=True,
)
def submit_web_case(request: Any, *, body: WebCaseIn) -> Response:
    """Open a case from the contact form. Send an Idempotency-Key header to make retries safe.

    The key is not a functions.core.idempotency claim: it is written as a case pointer in the same
    transaction as the case (functions.channels.web.service), which has no in-progress window at all.
    """
    from functions.core import idempotency  # noqa: PLC0415 - off the cold-start path of other routes

    result = container().web_intake.submit(body, idempotency.key_from_request(request))
    headers: dict[str, str | list[str]] = {idempotency.REPLAYED_HEADER: "true"} if result.replayed else {}
    if result.out.portal_url:
        headers["Cache-Control"] = "no-store"
    return Response(status_code=result.status, body=result.out.model_dump(mode="json"), headers=headers)
