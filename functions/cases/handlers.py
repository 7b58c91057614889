"""Agents' API for cases."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Rate, Response

from functions.composition import container
from functions.core.http import Agent, if_match_version, route
from functions.core.logs import logger

if TYPE_CHECKING:
    from functions.cases.models import (
        Actor,
        AttachmentLink,
        Case,
        CasePage,
        CaseQuery,
        CaseUpdate,
        NewCaseIn,
        NoteIn,
        ReplyIn,
        TimelineEvent,
        TimelineQuery,
    )

bp = Blueprint(__name__)
TAGS = ("cases",)


def _actor(agent: Agent) -> Actor:
    from functions.cases.models import Actor, ActorType  # noqa: PLC0415

    return Actor(type=ActorType.AGENT, id=agent.agent_id)


def _with_etag(case: Case, status: int = 200) -> Response:
    return Response(status_code=status, body=case.model_dump(mode="json"), headers={"ETag": f'"{case.version}"'})


@route(
    bp, "/cases", "GET", query="functions.cases.models:CaseQuery", response="functions.cases.models:CasePage", tags=TAGS
)
def list_cases(request: Any, *, agent: Agent, query: CaseQuery) -> CasePage:
    """The queue: cases filtered, searched (``q``), sorted (newest activity first unless ``sort``) and
    paginated by cursor; ``total_estimate`` on the first page when the view can be counted."""
    if query.assignee == "me":
        query = query.model_copy(update={"assignee": agent.agent_id})
    return container().cases.list_cases(query)


@route(
    bp,
    "/cases",
    "POST",
    body="functions.cases.models:NewCaseIn",
    response="functions.cases.models:Case",
    status=201,
    tags=TAGS,
)
def create_case(request: Any, *, agent: Agent, body: NewCaseIn) -> Response:
    """Open a case on a customer's behalf (phone call, walk-in)."""
    case = container().cases.open_case(
        subject=body.subject,
        description=body.description,
        channel=body.channel,
        actor=_actor(agent),
        contact_email=body.contact_email,
        customer_id=body.customer_id,
        priority=body.priority,
        category=body.category,
        product=body.product,
    )
    return _with_etag(case, 201)


@route(
    bp,
    "/cases/{case_id}",
    "GET",
    query="functions.cases.models:TimelineQuery",
    response="functions.cases.models:CaseView",
    tags=TAGS,
)
def get_case(request: Any, case_id: str, *, agent: Agent, query: TimelineQuery) -> Response:
    """One case with its timeline (interactions, notes and changes), oldest first."""
    view = container().cases.view(case_id, limit=query.limit, cursor=query.cursor)
    return Response(status_code=200, body=view.model_dump(mode="json"), headers={"ETag": f'"{view.version}"'})


@route(
    bp,
    "/cases/{case_id}",
    "PATCH",
    body="functions.cases.models:CaseUpdate",
    response="functions.cases.models:Case",
    tags=TAGS,
    errors_=(409,),
)
def update_case(request: Any, case_id: str, *, agent: Agent, body: CaseUpdate) -> Response:
    """Change status, priority, assignee or classification. Send the version you saw (or If-Match)."""
    return _with_etag(container().cases.update(case_id, _actor(agent), body, if_match=if_match_version(request)))


@route(
    bp,
    "/cases/{case_id}/notes",
    "POST",
    body="functions.cases.models:NoteIn",
    response="functions.cases.models:TimelineEvent",
    status=201,
    tags=TAGS,
)
def add_note(request: Any, case_id: str, *, agent: Agent, body: NoteIn) -> TimelineEvent:
    """Add an internal note (never shown to the customer)."""
    return container().cases.add_note(case_id, _actor(agent), body.body)


@route(
    bp,
    "/cases/{case_id}/replies",
    "POST",
    body="functions.cases.models:ReplyIn",
    response="functions.cases.models:TimelineEvent",
    status=201,
    tags=TAGS,
    errors_=(409,),
    idempotency_key=True,
)
def reply(request: Any, case_id: str, *, agent: Agent, body: ReplyIn) -> Response:
    """Reply to the customer through the channel the case came from. Send an Idempotency-Key to make retries safe.

    A repeat with the same key on the same case answers 200 with the same timeline event and the
    header ``Idempotent-Replayed: true``, and sends nothing; the same key with another body is a 409.
    """
    from functions.core import idempotency  # noqa: PLC0415 - off the cold-start path of other routes

    event, replayed = container().cases.reply_once(case_id, _actor(agent), body, idempotency.key_from_request(request))
    headers: dict[str, str | list[str]] = {idempotency.REPLAYED_HEADER: "true"} if replayed else {}
    return Response(status_code=200 if replayed else 201, body=event.model_dump(mode="json"), headers=headers)


@route(
    bp,
    "/cases/{case_id}/attachments/{attachment_id}",
    "GET",
    response="functions.cases.models:AttachmentLink",
    tags=TAGS,
)
def get_attachment(request: Any, case_id: str, attachment_id: str, *, agent: Agent) -> AttachmentLink:
    """A link to download one of the case's attachments, valid a few minutes (saved, never shown in
    the browser). 404 for an attachment whose content was not stored (too large), saying why."""
    return container().cases.attachment_link(case_id, attachment_id)


def _scheduled_time(event: Any) -> datetime | None:
    """The time a scheduled run is for (EventBridge's ``time``); None when the event has none."""
    try:
        return datetime.fromisoformat(event.time)
    except (AttributeError, TypeError, ValueError):
        return None


@bp.schedule(Rate(1, unit=Rate.HOURS), name="close_resolved_cases")
def close_resolved_cases(event: Any) -> dict[str, Any]:
    """Hourly: close cases resolved more than N days before the scheduled time that the customer did not reopen."""
    closed = container().cases.close_resolved(_scheduled_time(event))
    logger().info("auto-closed resolved cases", extra={"closed": len(closed)})
    return {"closed": closed}


@bp.schedule(Rate(1, unit=Rate.MINUTES), name="check_case_slas")
def check_case_slas(event: Any) -> dict[str, Any]:
    """Every minute: SLA warnings and breaches, each recorded once, on the cases whose next check is due."""
    touched = container().cases.check_slas(_scheduled_time(event))
    logger().info("checked SLA clocks", extra={"cases": len(touched)})
    return {"cases": touched}
