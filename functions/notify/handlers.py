"""Chalice entry points of notices: the agents' API, portal banners, the phone menu, opt-outs.

Parse, ask the container (``functions.composition``) for the service, call it, shape the answer.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from chalice import Blueprint, Response

from functions.composition import container
from functions.core import errors, resources
from functions.core.http import Agent, if_match_version, route, to_response
from functions.core.logs import logger
from functions.core.settings import get_settings

bp = Blueprint(__name__)
TAGS = ("notices",)
M = "functions.notify.models:"
HTML = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _actor(agent: Agent) -> Any:
    from functions.cases.models import Actor, ActorType  # noqa: PLC0415

    return Actor(type=ActorType.AGENT, id=agent.agent_id)


def _versioned(result: Any, status: int = 200) -> Response:
    resp = to_response(result, status)
    version = getattr(result, "version", None)
    if version is not None:
        resp.headers = {**(resp.headers or {}), "ETag": f'"{version}"'}
    return resp


def _expected(request: Any, body: Any = None) -> int | None:
    header = if_match_version(request)
    return header if header is not None else getattr(body, "version", None)


# -- agents ---------------------------------------------------------------------


@route(
    bp,
    "/problems/{problem_id}/notices",
    "POST",
    body=M + "NoticeIn",
    response=M + "Notice",
    status=201,
    tags=TAGS,
    errors_=(400, 401, 404, 409),
)
def create_notice(request: Any, problem_id: str, *, agent: Agent, body: Any) -> Response:
    """Draft a notice for a confirmed problem (nothing is sent until it is approved)."""
    return _versioned(container().notices.create(problem_id, body, _actor(agent)), 201)


@route(bp, "/notices", "GET", query=M + "NoticeQuery", response=M + "NoticePage", tags=TAGS, errors_=(401,))
def list_all_notices(request: Any, *, agent: Agent, query: Any) -> Any:
    """Notices, newest first, optionally of one problem and in one status (paginated)."""
    return container().notices.list_notices(query)


@route(bp, "/problems/{problem_id}/notices", "GET", response=M + "NoticeList", tags=TAGS, errors_=(401, 404))
def list_notices(request: Any, problem_id: str, *, agent: Agent) -> Any:
    """The problem's notices."""
    from functions.notify.models import NoticeList  # noqa: PLC0415

    return NoticeList(items=container().notices.of_problem(problem_id))


@route(bp, "/notices/{notice_id}", "GET", response=M + "NoticeView", tags=TAGS, errors_=(401, 404))
def get_notice(request: Any, notice_id: str, *, agent: Agent) -> Response:
    """A notice with its dispatches and timeline (ETag: its version)."""
    return _versioned(container().notices.view(notice_id))


@route(
    bp,
    "/notices/{notice_id}",
    "PATCH",
    body=M + "NoticePatch",
    response=M + "Notice",
    tags=TAGS,
    errors_=(400, 401, 404, 409),
)
def patch_notice(request: Any, notice_id: str, *, agent: Agent, body: Any) -> Response:
    """Change texts or interval (audience and channels only in draft). If-Match or version."""
    return _versioned(container().notices.update(notice_id, body, _actor(agent), if_match_version(request)))


@route(
    bp,
    "/notices/{notice_id}/audience",
    "GET",
    query=M + "AudienceQuery",
    response=M + "AudiencePreview",
    tags=TAGS,
    errors_=(400, 401, 404),
)
def preview_audience(request: Any, notice_id: str, *, agent: Agent, query: Any) -> Response:
    """Audience counts (by channel, affected vs likely) and a masked sample; sends nothing."""
    resp = to_response(container().notices.preview(notice_id, query.sample), 200)
    resp.headers = {**(resp.headers or {}), **PRIVATE}
    return resp


def _optional_version(request: Any) -> int | None:
    header = if_match_version(request)
    if header is not None or not request.raw_body:
        return header
    from functions.core.http import parse_body  # noqa: PLC0415
    from functions.notify.models import VersionIn  # noqa: PLC0415

    return parse_body(request, VersionIn).version  # type: ignore[attr-defined, no-any-return]


def _lifecycle(action: str, call: Callable[[Any, str, Any, int | None], Any]) -> Any:
    def handler(request: Any, notice_id: str, *, agent: Agent) -> Response:
        return _versioned(call(container().notices, notice_id, _actor(agent), _optional_version(request)))

    handler.__name__ = f"{action}_notice"
    return handler


for _action, _call, _summary in (
    (
        "approve",
        lambda notices, *args: notices.approve(*args),
        "Approve: fix the audience and start the lifecycle; its first job snapshots the audience and sends the initial notice.",
    ),
    ("pause", lambda notices, *args: notices.pause(*args), "Pause the periodic updates."),
    ("resume", lambda notices, *args: notices.resume(*args), "Resume a paused notice."),
    ("cancel", lambda notices, *args: notices.cancel(*args), "Cancel the notice (no more sends)."),
):
    route(
        bp,
        f"/notices/{{notice_id}}/{_action}",
        "POST",
        response=M + "Notice",
        summary=_summary,
        tags=TAGS,
        errors_=(400, 401, 404, 409),
        content_types=("application/json",),
    )(_lifecycle(_action, _call))


@route(
    bp,
    "/notices/{notice_id}/updates",
    "POST",
    body=M + "UpdateNowIn",
    response=M + "UpdateNowOut",
    status=202,
    tags=TAGS,
    errors_=(400, 401, 404, 409),
)
def post_update(request: Any, notice_id: str, *, agent: Agent, body: Any) -> Any:
    """Send an update written by the agent now."""
    from functions.notify.models import UpdateNowOut  # noqa: PLC0415

    notice, signalled = container().notices.update_now(notice_id, body.text, _actor(agent), _expected(request, body))
    return UpdateNowOut(notice=notice, signalled=signalled)


# -- customers and the public -----------------------------------------------------


@route(bp, "/portal/notices", "GET", auth="customer", response=M + "PublicNoticeList", tags=TAGS, errors_=(401, 403))
def portal_notices(request: Any) -> Response:
    """Banners: active notices whose audience holds the customer (token via ?token= or Bearer)."""
    from functions.notify.links import portal_link_holder  # noqa: PLC0415
    from functions.notify.models import PublicNoticeList  # noqa: PLC0415
    from functions.portal.links import token_from_request  # noqa: PLC0415

    customer_id, email = portal_link_holder(token_from_request(request))
    items = container().notices.banners(customer_id, email)
    resp = to_response(PublicNoticeList(items=items), 200)
    resp.headers = {**(resp.headers or {}), **PRIVATE}
    return resp


@route(
    bp,
    "/notices/active",
    "GET",
    auth="public",
    query=M + "ActiveQuery",
    response=M + "PublicNoticeList",
    tags=TAGS,
    errors_=(400,),
)
def active_notices(request: Any, *, query: Any) -> Any:
    """Public: active notices about a product (model, batch): title and text only."""
    from functions.notify.models import PublicNoticeList  # noqa: PLC0415

    service = container().notices
    return PublicNoticeList(items=service.public_views(service.for_product(query.product, query.model, query.batch)))


@route(bp, "/notices/known-issues", "GET", auth="public", response=M + "PublicNoticeList", tags=TAGS)
def known_issues(request: Any) -> Response:
    """Public: the known issues (active notices shown on the portal channel), newest first: the help
    center's banner on its static pages."""
    from functions.notify.models import PublicNoticeList  # noqa: PLC0415

    resp = to_response(PublicNoticeList(items=container().notices.public_active()), 200)
    resp.headers = {**(resp.headers or {}), "Cache-Control": "public, max-age=60"}
    return resp


def _check_phone_key(request: Any) -> None:
    expected = get_settings().phone_api_key
    given = (request.headers or {}).get("x-api-key") or ""
    secret = expected.get_secret_value() if expected is not None else ""
    if not secret or not given or not hmac.compare_digest(given.encode(), secret.encode()):
        raise errors.Unauthorized("the phone menu endpoint needs its API key (X-Api-Key)")


@route(
    bp,
    "/phone/notices",
    "GET",
    auth="public",
    query=M + "PhoneQuery",
    response=M + "PhoneMessage",
    tags=TAGS,
    errors_=(400, 401),
)
def phone_notice(request: Any, *, query: Any) -> Any:
    """For the contact flow (X-Api-Key): the message for the caller's customer, else for the product."""
    _check_phone_key(request)
    return container().notices.phone_message(query.caller, query.product)


# -- opt-outs ---------------------------------------------------------------------


def _html(status: int, body: str) -> Response:
    return Response(status_code=status, body=body, headers=dict(HTML))


def _lang(request: Any, token: str | None = None) -> str:
    """The unsubscribe and preference pages' language: ``?lang=``, else the stored language of the
    link's contact, else the browser's (Accept-Language), else English."""
    from functions.core.i18n import negotiate  # noqa: PLC0415

    stored = None
    if token:
        from functions.notify.links import verify_unsubscribe_token  # noqa: PLC0415

        try:
            contact_id, customer_id = verify_unsubscribe_token(token)
            stored = container().notice_optouts.language(customer_id, contact_id)
        except Exception:  # noqa: BLE001 - a link that does not work gets its page in the browser's language
            stored = None
    return negotiate(
        (request.query_params or {}).get("lang"), stored, accept_language=(request.headers or {}).get("accept-language")
    )


def _html_error(exc: Exception, lang: str = "en") -> Response:
    from functions.core.http import STATUS_BY_ERROR  # noqa: PLC0415
    from functions.notify.pages import error_page  # noqa: PLC0415

    for cls, status in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            return _html(status, error_page(lang))
    logger().exception("unsubscribe failed", extra={"error_type": type(exc).__name__})
    return _html(500, error_page(lang))


@route(bp, "/notices/unsubscribe", "GET", auth="public", tags=TAGS, errors_=(401, 403, 500), html=True)
def unsubscribe_page(request: Any) -> Response:
    """Confirmation page of an unsubscribe link. Opening it changes nothing (mail scanners open links)."""
    from functions.notify.links import verify_unsubscribe_token  # noqa: PLC0415
    from functions.notify.pages import confirm_page  # noqa: PLC0415

    token = (request.query_params or {}).get("token") or ""
    lang = _lang(request, token)
    try:
        verify_unsubscribe_token(token)
    except Exception as exc:  # noqa: BLE001 - every outcome is an HTML page
        return _html_error(exc, lang)
    return _html(200, confirm_page(token, lang))


@route(
    bp,
    "/notices/unsubscribe",
    "POST",
    auth="public",
    tags=TAGS,
    errors_=(401, 403, 404, 500),
    content_types=("application/x-www-form-urlencoded", "multipart/form-data"),
    html=True,
)
def unsubscribe(request: Any) -> Response:
    """Unsubscribe (the page's button, or RFC 8058 one-click ``List-Unsubscribe=One-Click``)."""
    from functions.notify.links import verify_unsubscribe_token  # noqa: PLC0415
    from functions.notify.pages import done_page  # noqa: PLC0415

    token = (request.query_params or {}).get("token") or ""
    if not token:
        raw = request.raw_body or b""
        form = parse_qs(raw.decode("utf-8", "replace")) if b"=" in raw else {}
        token = (form.get("token") or [""])[0]
    lang = _lang(request, token)
    try:
        contact_id, customer_id = verify_unsubscribe_token(token)
        container().notice_optouts.unsubscribe(customer_id, contact_id)
    except Exception as exc:  # noqa: BLE001 - every outcome is an HTML page
        return _html_error(exc, lang)
    return _html(200, done_page(lang))


def _sms_messages(body: str) -> list[dict[str, Any]]:
    """The inbound SMS in an SQS body: raw, or wrapped in an SNS notification envelope."""
    data = json.loads(body)
    if isinstance(data, dict) and data.get("Type") == "Notification" and isinstance(data.get("Message"), str):
        data = json.loads(data["Message"])
    return [data] if isinstance(data, dict) else []


@bp.on_sqs_message(queue=get_settings().name(resources.SMS_INBOUND_QUEUE.logical), batch_size=10)
def handle_sms_inbound(event: Any) -> dict[str, Any]:
    """Two-way SMS replies (SNS -> SQS): STOP/UNSUBSCRIBE/QUIT opt out, START opts in again."""
    from functions.core.batch import process_sqs  # noqa: PLC0415

    def one(record: Any) -> int:
        # An unreadable record raises: not dropped, SQS delivers it again and then keeps it in the
        # sms-inbound dead-letter queue for a person (opt changes are idempotent).
        actions = 0
        for msg in _sms_messages(record.body):
            phone = str(msg.get("originationNumber") or "")
            action = container().notice_optouts.sms_reply(phone, str(msg.get("messageBody") or ""))
            if action:
                actions += 1
                logger().info("sms opt change", extra={"sqs_message_id": record.message_id, "action": action})
        return actions

    result = process_sqs(event, one, kind="inbound SMS")
    return result.response(actions=sum(result.results))
