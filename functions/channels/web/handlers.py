"""Web-form routes (public)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from functions.composition import container
from functions.core.http import route

if TYPE_CHECKING:
    from functions.channels.web.models import UploadIn, UploadOut, WebCaseIn

bp = Blueprint(__name__)
TAGS = ("web",)


PAGE_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


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
    content_types=("application/json", *PAGE_FORMS),
)
def submit_web_case(request: Any, *, body: WebCaseIn | None) -> Response:
    """Open a case from the contact form. Send an Idempotency-Key header to make retries safe.

    The key is not a functions.core.idempotency claim: it is written as a case pointer in the same
    transaction as the case (functions.channels.web.service), which has no in-progress window at all.

    A plain HTML form post (urlencoded, or multipart with files as ``files``) gets a page: the
    confirmation with the case number, or the form again with what is wrong, in the form's
    ``language`` or the browser's (Accept-Language). JSON clients get JSON.
    """
    from functions.core import idempotency  # noqa: PLC0415 - off the cold-start path of other routes

    if body is None:  # a form post
        from functions.core.forms import parse_form  # noqa: PLC0415
        from functions.core.i18n import negotiate  # noqa: PLC0415

        chosen = _form_language(request, parse_form)
        return _form_submission(
            request, negotiate(chosen, accept_language=(request.headers or {}).get("accept-language")), created=201
        )

    from functions.core.i18n import negotiate  # noqa: PLC0415

    browser = negotiate(accept_language=(request.headers or {}).get("accept-language"))
    result = container().web_intake.submit(
        body, idempotency.key_from_request(request), client=_client(request), language=browser
    )
    headers: dict[str, str | list[str]] = {idempotency.REPLAYED_HEADER: "true"} if result.replayed else {}
    if result.out.portal_url:
        headers["Cache-Control"] = "no-store"
    return Response(status_code=result.status, body=result.out.model_dump(mode="json"), headers=headers)


@route(
    bp,
    "/web/uploads",
    "POST",
    auth="public",
    body="functions.channels.web.models:UploadIn",
    response="functions.channels.web.models:UploadOut",
    status=201,
    tags=TAGS,
    errors_=(400,),
)
def presign_upload(request: Any, *, body: UploadIn) -> UploadOut:
    """Where to upload one attachment: a presigned POST straight to S3, valid for minutes, for this
    type and at most the size limit. Send the returned ``key`` in the form's ``attachments``."""
    return container().web_intake.presign(body)


def _client(request: Any) -> str:
    from functions.core.limits import request_client  # noqa: PLC0415

    return request_client(request, container().settings.client_ip_hops)


@route(bp, "/web/challenge", "GET", auth="public", response="functions.channels.web.models:Challenge", tags=TAGS)
def web_challenge(request: Any) -> Response:
    """A proof-of-work challenge for a client that sent a lot (the form answers 429 challenge_required)."""
    challenge = container().web_intake.new_challenge()
    return Response(status_code=200, body=challenge.model_dump(mode="json"), headers={"Cache-Control": "no-store"})


# -- the contact form as pages (the customers' site serves them under /help/{lang}/contact) -----------
FORM_FIELDS = (
    "name",
    "email",
    "phone",
    "subject",
    "description",
    "product",
    "model",
    "batch",
    "consent",
    "website",
    "challenge",
    "solution",
)


def _lang(lang: str) -> str:
    from functions.core import errors  # noqa: PLC0415
    from functions.core.i18n import LANGUAGES  # noqa: PLC0415

    if lang not in LANGUAGES:
        raise errors.NotFound("language", lang)
    return lang


def _page(body: str, status: int = 200, extra: dict[str, str] | None = None) -> Response:
    from functions.core.pages import page_headers  # noqa: PLC0415

    return Response(status_code=status, body=body, headers=page_headers("no-store", extra))


def _form_page(w: Any, session: str, values: dict[str, str], errs: dict[str, str], challenge: Any = None) -> str:
    from functions.channels.web.pages import contact_page  # noqa: PLC0415
    from functions.core.settings import get_settings  # noqa: PLC0415

    s = get_settings()
    return contact_page(
        w,
        values=values,
        errors=errs,
        session=session,
        consent_required=s.web_form_require_consent,
        max_files=s.upload_max_files,
        max_bytes=s.upload_max_bytes,
        content_types=s.upload_content_types,
        post_max_bytes=s.page_post_max_bytes,
        challenge=challenge,
    )


@route(bp, "/help/{lang}/contact", "GET", auth="public", tags=TAGS, errors_=(404,), html=True)
def contact_form(request: Any, lang: str) -> Response:
    """The contact form (HTML; works without JavaScript). ``?q=`` fills the subject (from a search).

    Without JavaScript the form's attachments travel with it (multipart/form-data, as ``files``)."""
    from functions.core.i18n import Words  # noqa: PLC0415
    from functions.core.pages import session_from_headers  # noqa: PLC0415

    w = Words(_lang(lang))
    session, cookie = session_from_headers(request.headers)
    q = ((request.query_params or {}).get("q") or "")[:200]
    return _page(_form_page(w, session, {"subject": q}, {}), extra=cookie)


@route(
    bp,
    "/help/{lang}/contact",
    "POST",
    auth="public",
    tags=TAGS,
    errors_=(400, 404, 413),
    content_types=PAGE_FORMS,
    html=True,
)
def contact_form_post(request: Any, lang: str) -> Response:
    """The contact form posted as a plain HTML form: the confirmation page with the case number (the
    link to follow the case goes by mail), or the form again with what is wrong (400)."""
    return _form_submission(request, _lang(lang))


def _form_submission(request: Any, lang: str, created: int = 200) -> Response:
    """A plain HTML form post of the contact form (urlencoded, or multipart with files as ``files``,
    held to the upload limits): the confirmation page (status ``created``: the documented success of
    the route posted to), or the form again with what is wrong (400, 429)."""
    from pydantic import ValidationError  # noqa: PLC0415

    from functions.channels.web.models import WebCaseIn  # noqa: PLC0415
    from functions.channels.web.pages import sent_page  # noqa: PLC0415
    from functions.core import errors  # noqa: PLC0415
    from functions.core.forms import MULTIPART, media_type, parse_form  # noqa: PLC0415
    from functions.core.i18n import Words  # noqa: PLC0415
    from functions.core.pages import session_from_headers  # noqa: PLC0415
    from functions.core.settings import get_settings  # noqa: PLC0415

    w = Words(lang)
    content_type = (request.headers or {}).get("content-type")
    limit = get_settings().page_post_max_bytes if media_type(content_type) == MULTIPART else 64 * 1024
    form = parse_form(content_type, request.raw_body or b"", max_bytes=limit)
    values = {k: v[0] for k, v in form.fields.items() if k in FORM_FIELDS}
    session, cookie = session_from_headers(request.headers)
    data: dict[str, Any] = {k: v for k, v in values.items() if v.strip() or k in ("name", "email", "subject")}
    data["consent"] = values.get("consent") == "yes"
    data["language"] = lang
    data["selfservice_session"] = session
    data["attachments"] = [k for k in form.fields.get("attachments", []) if k][:20]
    try:
        for f in form.files[: get_settings().upload_max_files + 1]:
            data["attachments"].append(container().web_intake.store_upload(f.filename, f.content_type, f.data))
        form_in = WebCaseIn.model_validate(data)
        result = container().web_intake.submit(form_in, client=_client(request))
    except errors.ChallengeRequired:
        challenge = container().web_intake.new_challenge()
        values = {k: v for k, v in values.items() if k not in ("challenge", "solution")}
        return _page(_form_page(w, session, values, {"challenge": w("error.challenge")}, challenge), 429, cookie)
    except errors.RateLimited as exc:
        page = _form_page(w, session, values, {"challenge": w("error.rate_limited")})
        return _page(page, 429, {**cookie, "Retry-After": str(exc.retry_after)})
    except ValidationError as exc:
        errs = _field_errors(w, [(str(e["loc"][0]) if e["loc"] else "", str(e["type"])) for e in exc.errors()])
        return _page(_form_page(w, session, values, errs), 400, cookie)
    except errors.InvalidInput as exc:
        pairs = [(str(f.get("field", "")).split(".")[0], str(f.get("type", ""))) for f in exc.fields or []]
        pairs = [("attachments" if f in ("size", "content_type", "files") else f, k) for f, k in pairs]
        return _page(_form_page(w, session, values, _field_errors(w, pairs)), 400, cookie)
    return _page(sent_page(w, result.out.case_id), created, cookie)


def _form_language(request: Any, parse_form: Any) -> str | None:
    """The ``language`` field of a form post (None when it has none, or the body is not a form)."""
    from functions.core import errors  # noqa: PLC0415

    try:
        form = parse_form(
            (request.headers or {}).get("content-type"), request.raw_body or b"", max_bytes=6 * 1024 * 1024
        )
    except errors.DomainError:
        return None
    return form.first("language") or None


def _field_errors(w: Any, problems: list[tuple[str, str]]) -> dict[str, str]:
    """What is wrong with each field, in the page's language (the first problem of each field)."""
    out: dict[str, str] = {}
    for field, kind in problems:
        if field in out:
            continue
        if field == "consent":
            out[field] = w("error.consent")
        elif field == "attachments":
            out["files"] = w("error.attachments")
        elif field == "email":
            out[field] = w("error.required") if kind == "missing" else w("error.email")
        elif kind in ("missing", "string_too_short"):
            out[field] = w("error.required")
        elif kind in ("string_too_long", "too_long"):
            out[field] = w("error.too_long")
        elif field:
            out[field] = w("error.invalid")
    return out
