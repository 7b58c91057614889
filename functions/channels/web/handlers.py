"""Web-form routes (public)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response
from pydantic import TypeAdapter, ValidationError

from functions.channels.web.models import IdempotencyKey, WebCaseIn, WebCaseOut
from functions.core.errors import InvalidInput
from functions.core.http import route
from functions.core.settings import get_settings

bp = Blueprint(__name__)
TAGS = ("web",)
_KEY = TypeAdapter(IdempotencyKey)


def web_intake() -> Any:
    from functions.channels.web.logic import WebIntake  # noqa: PLC0415
    from functions.channels.web.store import HeldSubmissions  # noqa: PLC0415
    from functions.composition import case_service  # noqa: PLC0415
    from functions.portal.notify import customer_mailer  # noqa: PLC0415

    s = get_settings()
    return WebIntake(
        case_service(),
        base_url=s.public_base_url,
        held=HeldSubmissions(retention_seconds=s.intake_log_retention_seconds),
        mailer=customer_mailer(),
        require_consent=s.web_form_require_consent,
    )


def _idempotency_key(request: Any) -> str | None:
    raw = (request.headers or {}).get("idempotency-key")
    if raw is None:
        return None
    try:
        return _KEY.validate_python(raw.strip())
    except ValidationError as exc:
        raise InvalidInput(
            "Idempotency-Key must be 16 to 128 characters of A-Z a-z 0-9 . _ : - (a UUID is fine)",
            fields=[{"field": "Idempotency-Key", "message": exc.errors()[0]["msg"], "type": "header"}],
        ) from exc


@route(
    bp,
    "/web/cases",
    "POST",
    auth="public",
    body=WebCaseIn,
    response=WebCaseOut,
    status=201,
    tags=TAGS,
    errors_=(202, 409),
)
def submit_web_case(request: Any, *, body: WebCaseIn) -> Response:
    """Open a case from the contact form. Send an Idempotency-Key header to make retries safe."""
    result = web_intake().submit(body, _idempotency_key(request))
    headers: dict[str, str | list[str]] = {"Idempotent-Replayed": "true"} if result.replayed else {}
    if result.out.portal_url:
        headers["Cache-Control"] = "no-store"
    return Response(status_code=result.status, body=result.out.model_dump(mode="json"), headers=headers)
