"""Customer portal routes. Customers authenticate with the signed link they were sent."""

from __future__ import annotations

from collections.abc import Callable
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
    """The customer's own case and its public timeline (token via ?token= or Authorization: Bearer).

    By content negotiation: a browser (``Accept: text/html`` before JSON) gets the readable case
    page in the contact's language (``?lang=`` to choose), JSON stays for API clients."""
    if _wants_html(request):
        return _html_page(
            request, case_id, lambda: _case_html(request, case_id, container().portal.page, query.done or "")
        )
    grant = verify_case_token(token_from_request(request), case_id)
    return _private(container().portal.read(grant, cursor=query.cursor))


# -- the case page (HTML) ---------------------------------------------------------------------------
def _wants_html(request: Any) -> bool:
    accept = ((request.headers or {}).get("accept") or "").lower()
    html_at, json_at = accept.find("text/html"), accept.find("application/json")
    return html_at >= 0 and (json_at < 0 or html_at < json_at)


def _words(request: Any, contact_language: str | None = None) -> Any:
    from functions.core.i18n import Words, negotiate  # noqa: PLC0415

    chosen = (request.query_params or {}).get("lang")
    return Words(negotiate(chosen, contact_language, accept_language=(request.headers or {}).get("accept-language")))


def _html(status: int, body: str) -> Response:
    from functions.core.pages import page_headers  # noqa: PLC0415

    return Response(status_code=status, body=body, headers=page_headers("no-store", {"Referrer-Policy": "no-referrer"}))


def _html_page(request: Any, case_id: str, render: Callable[[], Response]) -> Response:
    """Every outcome of a case page is a page: a link that does not work says how to get a new one."""
    from functions.core import errors  # noqa: PLC0415
    from functions.core.http import error_response  # noqa: PLC0415
    from functions.portal.pages import broken_link_page  # noqa: PLC0415

    try:
        return render()
    except (errors.Unauthorized, errors.Forbidden, errors.NotFound) as exc:
        status = 403 if isinstance(exc, errors.Forbidden) else 401 if isinstance(exc, errors.Unauthorized) else 404
        return _html(status, broken_link_page(_words(request), status))
    except errors.DomainError as exc:
        return error_response(exc)


def _case_html(request: Any, case_id: str, load: Callable[[Any], Any], notice_key: str = "") -> Response:
    from functions.portal.pages import case_page  # noqa: PLC0415

    token = token_from_request(request)
    grant = verify_case_token(token, case_id)
    case, language, issues = load(grant)
    w = _words(request, language)
    page = case_page(w, case, token, issues, notice=w(notice_key) if notice_key else "", uploads=_upload_limits())
    return _html(200, page)


def _upload_limits() -> Any:
    from functions.core.settings import get_settings  # noqa: PLC0415
    from functions.portal.pages import UploadLimits  # noqa: PLC0415

    s = get_settings()
    return UploadLimits(s.upload_max_files, s.upload_max_bytes, s.upload_content_types, s.page_post_max_bytes)


def _form(request: Any) -> dict[str, str]:
    from urllib.parse import parse_qs  # noqa: PLC0415

    from functions.core import errors  # noqa: PLC0415

    raw = request.raw_body or b""
    if len(raw) > 64 * 1024:
        raise errors.PayloadTooLarge("at most 65536 bytes")
    return {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}


def _after_post(request: Any, case_id: str, form: dict[str, str], notice_key: str) -> Response:
    """Post/Redirect/Get: back to the case page (the token in the address it was opened with)."""
    from urllib.parse import quote  # noqa: PLC0415

    from functions.portal.pages import case_path  # noqa: PLC0415

    lang = (request.query_params or {}).get("lang")
    location = f"{case_path(case_id)}?token={quote(form.get('token', ''), safe='')}&done={notice_key}"
    if lang:
        location += f"&lang={quote(lang, safe='')}"
    return Response(status_code=303, body="", headers={"Location": location, **NO_LEAK})


def _page_action(request: Any, case_id: str, act: Callable[[Any, dict[str, str]], object], notice_key: str) -> Response:
    def run() -> Response:
        form = _form(request)
        request.query_params = {**(request.query_params or {}), "token": form.get("token", "")}
        grant = verify_case_token(token_from_request(request), case_id)
        act(grant, form)
        return _after_post(request, case_id, form, notice_key)

    return _html_page(request, case_id, run)


FORM = ("application/x-www-form-urlencoded",)


PAGE_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
HARD_POST_LIMIT = 6 * 1024 * 1024  # Lambda's own limit: a larger post never reaches the function


@route(
    bp,
    "/portal/cases/{case_id}/page/reply",
    "POST",
    auth="customer",
    tags=TAGS,
    content_types=PAGE_FORMS,
    status=303,
    errors_=(400,),
)
def page_reply(request: Any, case_id: str) -> Response:
    """The case page's reply form (``token``, ``body``; files as ``files`` in a multipart post without
    JavaScript, or the keys of files uploaded through POST /web/uploads as ``attachments``): the reply,
    then the page again (303). What is wrong (no text, a file too large or of a type not accepted, too
    many files, too much for one post) is said on the case page (400), in the contact's language."""
    from functions.core import errors  # noqa: PLC0415
    from functions.core.forms import parse_form  # noqa: PLC0415
    from functions.portal.models import PortalReplyIn  # noqa: PLC0415
    from functions.portal.pages import case_page  # noqa: PLC0415

    def run() -> Response:
        raw = request.raw_body or b""
        form = parse_form((request.headers or {}).get("content-type"), raw, max_bytes=HARD_POST_LIMIT)
        token = form.first("token")
        request.query_params = {**(request.query_params or {}), "token": token}
        grant = verify_case_token(token_from_request(request), case_id)
        limits = _upload_limits()
        body = form.first("body").strip()
        keys = [k for k in form.fields.get("attachments", []) if k][:20]

        def refuse(key: str, **values: Any) -> Response:
            case, language, issues = container().portal.page(grant)
            w = _words(request, language)
            error = f"{w('case.not_sent')} {w(key, **values)}"
            return _html(400, case_page(w, case, token, issues, error=error, uploads=limits))

        mb = limits.max_bytes // (1024 * 1024)
        if not body:
            return refuse("case.reply_missing")
        if len(raw) > limits.post_max_bytes and form.files:
            return refuse("case.post_too_large", size=limits.post_max_bytes // (1024 * 1024))
        if len(form.files) + len(keys) > limits.max_files:
            return refuse("case.too_many_files", count=limits.max_files)
        for f in form.files:
            try:
                keys.append(container().web_intake.store_upload(f.filename, f.content_type, f.data))
            except errors.InvalidInput as exc:
                kinds = {str(x.get("type")) for x in exc.fields or []}
                key = "case.file_too_big" if "too_large" in kinds else "case.file_bad_type"
                return refuse(key, name=f.filename, size=mb)
        try:
            container().portal.reply(grant, PortalReplyIn(body=body[:20_000], attachments=keys))
        except errors.InvalidInput:
            return refuse("case.file_missing")
        return _after_post(request, case_id, {"token": token}, "case.replied")

    return _html_page(request, case_id, run)


@route(bp, "/portal/cases/{case_id}/page/solved", "POST", auth="customer", tags=TAGS, content_types=FORM, status=303)
def page_solved(request: Any, case_id: str) -> Response:
    """ "This solved it" on the case page: the case is resolved by the customer."""
    return _page_action(request, case_id, lambda grant, _: container().portal.mark_solved(grant), "case.marked_solved")


@route(bp, "/portal/cases/{case_id}/page/reopen", "POST", auth="customer", tags=TAGS, content_types=FORM, status=303)
def page_reopen(request: Any, case_id: str) -> Response:
    """Reopen a solved case from the case page (409 page when it is closed)."""
    return _page_action(request, case_id, lambda grant, _: container().portal.reopen(grant), "case.reopened")


@route(bp, "/help/{lang}/case-link", "GET", auth="public", tags=TAGS, errors_=(404,), html=True)
def link_request_form(request: Any, lang: str) -> Response:
    """ "Send me a new link": the form (case number and address)."""
    from functions.core import errors  # noqa: PLC0415
    from functions.core.i18n import LANGUAGES, Words  # noqa: PLC0415
    from functions.portal.pages import link_request_page  # noqa: PLC0415

    if lang not in LANGUAGES:
        raise errors.NotFound("language", lang)
    return _html(200, link_request_page(Words(lang)))


@route(bp, "/help/{lang}/case-link", "POST", auth="public", tags=TAGS, content_types=FORM, errors_=(404,), html=True)
def link_request_post(request: Any, lang: str) -> Response:
    """The form's answer: the same page, after the same time, whatever the case or address (nothing
    tells whether either exists); a matching pair gets a fresh link by mail."""
    import time  # noqa: PLC0415

    from pydantic import ValidationError  # noqa: PLC0415

    from functions.core import errors  # noqa: PLC0415
    from functions.core.i18n import LANGUAGES, Words  # noqa: PLC0415
    from functions.core.settings import get_settings  # noqa: PLC0415
    from functions.portal.models import LinkRequestIn  # noqa: PLC0415
    from functions.portal.pages import link_requested_page  # noqa: PLC0415

    if lang not in LANGUAGES:
        raise errors.NotFound("language", lang)
    started = time.monotonic()
    form = _form(request)
    try:
        container().portal.request_link(
            LinkRequestIn(case_id=form.get("case_id", ""), email=form.get("email", "")), language=lang
        )
    except (ValidationError, errors.DomainError):
        pass  # a malformed number or address answers like any other request
    except Exception:  # noqa: BLE001 - the same answer whatever happened; logged
        from functions.core.logs import logger  # noqa: PLC0415

        logger().exception("link request failed")
    remaining = get_settings().portal_link_answer_seconds - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)
    return _html(200, link_requested_page(Words(lang)))


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
    """Mail a fresh link to the case's address. Always 202: never reveals whether a case exists.
    The mail speaks the case's language, else ``language``, else the browser's (Accept-Language)."""
    from functions.core.i18n import negotiate  # noqa: PLC0415
    from functions.portal.models import LinkRequestOut  # noqa: PLC0415

    browser = negotiate(accept_language=(request.headers or {}).get("accept-language"))
    container().portal.request_link(body, language=browser)
    return LinkRequestOut()
