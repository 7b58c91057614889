"""What a customer sees of their case: the customer's status words and the public part of the
timeline. Pure: no I/O, no clock."""

from __future__ import annotations

import hashlib
from typing import Any

from functions.cases.models import Actor, ActorType, CaseStatus, CaseView, EventKind, TimelineEvent
from functions.portal.models import (
    CustomerStatus,
    PortalAttachment,
    PortalCase,
    PortalEvent,
    PortalTranscriptLine,
)

CUSTOMER_STATUS: dict[CaseStatus, CustomerStatus] = {
    CaseStatus.NEW: "received",
    CaseStatus.OPEN: "in_progress",
    CaseStatus.PENDING_DEPARTMENT: "in_progress",
    CaseStatus.PENDING_CUSTOMER: "awaiting_your_reply",
    CaseStatus.RESOLVED: "solved",
    CaseStatus.CLOSED: "closed",
}
# Event kinds a customer sees (and only when the event is public). Notes, field changes,
# hand-off context and delivery failures are for agents.
PUBLIC_KINDS = frozenset(
    {
        EventKind.CREATED,
        EventKind.MESSAGE_IN,
        EventKind.MESSAGE_OUT,
        EventKind.STATUS_CHANGED,
        EventKind.CHAT_TRANSCRIPT,
        EventKind.AUTO_REPLY,
    }
)


def email_sha256(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _author(actor: Actor) -> tuple[str, str | None]:
    if actor.type == ActorType.CUSTOMER:
        return "customer", None
    if actor.type in (ActorType.AGENT, ActorType.DEPARTMENT):
        return "support", actor.name  # a display name if the agent has one; never the agent id
    if actor.type == ActorType.BOT:
        return "support", actor.name
    return "system", None


def _transcript(data: dict[str, Any] | None) -> list[PortalTranscriptLine]:
    lines = []
    for m in (data or {}).get("messages", []):
        lines.append(PortalTranscriptLine(role=m["role"], author_name=m.get("author_name"), text=m["text"], at=m["at"]))
    return lines


def public_event(event: TimelineEvent) -> PortalEvent | None:
    """The customer's view of one timeline event, or None when the event is not theirs to see."""
    if event.visibility != "public" or event.kind not in PUBLIC_KINDS:
        return None
    author, author_name = _author(event.actor)
    out = PortalEvent(
        event_id=event.event_id, at=event.at, kind=event.kind.value, author=author, author_name=author_name
    )  # type: ignore[arg-type]
    if event.kind == EventKind.STATUS_CHANGED:
        # Only the new status: the agent's comment on a status change is not written for the customer.
        to = ((event.changes or {}).get("status") or {}).get("to")
        if to is None:
            return None
        out.status = CUSTOMER_STATUS[CaseStatus(to)]
        return out
    if event.kind == EventKind.CHAT_TRANSCRIPT:
        out.body = event.body
        out.transcript = _transcript(event.data)
        return out
    if event.message is not None:
        out.subject = event.message.subject
        out.body = event.message.body_text
        out.attachments = [
            PortalAttachment(filename=a.filename, content_type=a.content_type, size=a.size)
            for a in event.message.attachments
            if not a.skipped_reason
        ]
    elif event.kind != EventKind.CREATED:
        out.body = event.body
    return out


def public_view(view: CaseView) -> PortalCase:
    return PortalCase(
        case_id=view.case_id,
        subject=view.subject,
        description=view.description,
        status=CUSTOMER_STATUS[view.status],
        channel=view.channel.value,
        product=view.product,
        model=view.model,
        batch=view.batch,
        contact_name=view.contact_name,
        contact_email=view.contact_email,
        created_at=view.created_at,
        updated_at=view.updated_at,
        resolved_at=view.resolved_at,
        closed_at=view.closed_at,
        can_reply=view.status != CaseStatus.CLOSED,
        # Events written together share a timestamp (their ids then sort at random): "created" goes first.
        timeline=sorted(
            (e for e in (public_event(ev) for ev in view.timeline) if e is not None),
            key=lambda e: (e.at, e.kind != "created"),
        ),
        timeline_cursor=view.timeline_cursor,
    )
