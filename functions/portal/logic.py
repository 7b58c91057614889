"""Portal use cases: show a customer their case (public part only), take their replies,
and mail a fresh link on request. Ports (case service, link log, mailer, clock) are passed in."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from functions.cases.models import (
    Actor,
    ActorType,
    Case,
    CaseStatus,
    CaseView,
    Channel,
    EventKind,
    Message,
    TimelineEvent,
)
from functions.core.errors import Duplicate, NotFound
from functions.core.logs import logger
from functions.core.timeutil import utcnow
from functions.portal.links import CaseGrant, case_link, check_owner
from functions.portal.models import (
    CustomerStatus,
    LinkRequestIn,
    PortalAttachment,
    PortalCase,
    PortalEvent,
    PortalReplyIn,
    PortalReplyOut,
    PortalTranscriptLine,
)
from functions.portal.notify import CustomerMailer, record_link_mail

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


class CaseReader(Protocol):
    """The part of functions.cases.logic.CaseService the portal uses."""

    def get(self, case_id: str) -> Case: ...
    def view(
        self, case_id: str, *, public_only: bool = False, limit: int = 200, cursor: str | None = None
    ) -> CaseView: ...
    def add_inbound(
        self, case_id: str, message: Message, actor: Actor, pointers: list[str] | None = None
    ) -> tuple[Case, TimelineEvent]: ...

    @property
    def add_event(self) -> Callable[..., TimelineEvent]: ...


class LinkLog(Protocol):
    def record(self, *, at: datetime, case_id: str, email_sha256: str, matched: bool, delivery: str) -> None: ...


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


class PortalService:
    def __init__(
        self,
        cases: CaseReader,
        *,
        base_url: str,
        link_log: LinkLog | None = None,
        mailer: CustomerMailer | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.cases = cases
        self.base_url = base_url
        self.link_log = link_log
        self.mailer = mailer
        self.clock = clock

    def _owned_case(self, grant: CaseGrant) -> Case:
        case = self.cases.get(grant.case_id)
        check_owner(grant, case.contact_email)
        return case

    def read(self, grant: CaseGrant, cursor: str | None = None) -> PortalCase:
        self._owned_case(grant)
        return public_view(self.cases.view(grant.case_id, public_only=True, cursor=cursor))

    def reply(self, grant: CaseGrant, reply: PortalReplyIn) -> PortalReplyOut:
        """The customer writes on their case. Re-opens a case waiting on them or resolved (409 if closed)."""
        case = self._owned_case(grant)
        key = f"portal:{case.case_id}:{reply.client_message_id or uuid.uuid4().hex}"
        message = Message(
            channel=Channel.WEB,
            direction="in",
            body_text=reply.body,
            message_id=key,
            from_address=grant.email,
            from_name=case.contact_name,
            meta={"via": "portal"},
        )
        actor = Actor(type=ActorType.CUSTOMER, id=case.contact_id, name=case.contact_name)
        try:
            updated, event = self.cases.add_inbound(case.case_id, message, actor, pointers=[key])
        except Duplicate:
            current = self.cases.get(case.case_id)
            return PortalReplyOut(case_id=current.case_id, status=CUSTOMER_STATUS[current.status], duplicate=True)
        return PortalReplyOut(case_id=updated.case_id, status=CUSTOMER_STATUS[updated.status], event_id=event.event_id)

    def request_link(self, req: LinkRequestIn) -> None:
        """Mail a fresh link when case number and address match. Never tells the caller which it was."""
        case: Case | None
        try:
            case = self.cases.get(req.case_id)
        except NotFound:
            case = None
        matched = bool(case and case.contact_email and case.contact_email.lower() == req.email.lower())
        delivery = "none"
        if matched and case is not None:
            link = case_link(self.base_url, case.case_id, req.email)
            if self.mailer is None:
                delivery = "pending_no_mailer"
            else:
                try:
                    message_id = self.mailer.send_case_link(case, to=req.email, link=link, kind="portal_link")
                    delivery = "sent"
                    record_link_mail(self.cases, case, req.email, message_id, "portal_link")
                except Exception as exc:  # noqa: BLE001 - the caller always gets 202; the failure is recorded
                    delivery = "failed"
                    logger().warning(
                        "portal link mail failed", extra={"case_id": case.case_id, "error_type": type(exc).__name__}
                    )
        if self.link_log is not None:
            self.link_log.record(
                at=self.clock(),
                case_id=req.case_id,
                email_sha256=email_sha256(req.email),
                matched=matched,
                delivery=delivery,
            )
        logger().info("portal link requested", extra={"case_id": req.case_id, "matched": matched, "delivery": delivery})
