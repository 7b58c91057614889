"""What a customer sees of their case: the customer's status words and the public part of the
timeline. Pure: no I/O, no clock."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
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


# A signed link to a case page (``portal/links.case_link``), as a mail the customer got carried it
# (plain, or in angle brackets). Quoted lines ("> ...") of a customer's reply count too.
_CASE_LINK = re.compile(r"<?https?://[^\s<>]*/portal/cases/[^\s<>]*>?")
_QUOTE_ONLY = re.compile(r"^[>\s]*$")


def without_case_links(text: str) -> str:
    """``text`` without the signed links to a case page that mails carried (the acknowledgement, a
    quoted acknowledgement in a reply). The customer reads it on the page the link opens: the link
    is no use there, and its token is not to be shown on a page. A line that was only the link
    goes, with the line that introduced it (ending in ":"); a link inside a line is cut out."""
    if "/portal/cases/" not in text:
        return text
    kept: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        cut = _CASE_LINK.sub("", line)
        if cut == line:
            kept.append(line)
            continue
        if _QUOTE_ONLY.match(cut):  # the link alone on its line
            if kept and kept[-1].rstrip().endswith(":"):
                kept.pop()
            continue
        kept.append(cut.rstrip().removesuffix(":").rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n")


def email_sha256(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def shown_name(name: str | None, agent_id: str | None) -> str | None:
    """A name a customer may see for someone at support: a display name, never an internal id or an
    address (a directory without a name falls back to those). None: the page says "Support"."""
    name = (name or "").strip()
    if not name or name == (agent_id or "").strip() or "@" in name:
        return None
    return name


def _author(actor: Actor, agent_name: Callable[[str], str | None] | None) -> tuple[str, str | None]:
    if actor.type == ActorType.CUSTOMER:
        return "customer", None
    if actor.type == ActorType.AGENT:
        named = agent_name(actor.id) if agent_name and actor.id else None
        return "support", shown_name(named or actor.name, actor.id)
    if actor.type in (ActorType.DEPARTMENT, ActorType.BOT):
        return "support", shown_name(actor.name, actor.id)
    return "system", None


def _transcript(
    data: dict[str, Any] | None, agent_name: Callable[[str], str | None] | None
) -> list[PortalTranscriptLine]:
    lines = []
    for m in (data or {}).get("messages", []):
        name = m.get("author_name")
        if m["role"] != "customer":
            author_id = m.get("author_id")
            named = agent_name(author_id) if agent_name and author_id and m["role"] == "agent" else None
            name = shown_name(named or name, author_id)
        lines.append(PortalTranscriptLine(role=m["role"], author_name=name, text=m["text"], at=m["at"]))
    return lines


def public_event(event: TimelineEvent, agent_name: Callable[[str], str | None] | None = None) -> PortalEvent | None:
    """The customer's view of one timeline event, or None when the event is not theirs to see.
    ``agent_name``: the directory's name of an agent (shown when it is a display name)."""
    if event.visibility != "public" or event.kind not in PUBLIC_KINDS:
        return None
    author, author_name = _author(event.actor, agent_name)
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
        out.transcript = _transcript(event.data, agent_name)
        return out
    if event.message is not None:
        out.subject = event.message.subject
        out.body = without_case_links(event.message.body_text)
        out.attachments = [
            PortalAttachment(filename=a.filename, content_type=a.content_type, size=a.size)
            for a in event.message.attachments
            if not a.skipped_reason
        ]
    elif event.kind != EventKind.CREATED:
        out.body = without_case_links(event.body) if event.body else event.body
    return out


def public_view(view: CaseView, agent_name: Callable[[str], str | None] | None = None) -> PortalCase:
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
            (e for e in (public_event(ev, agent_name) for ev in view.timeline) if e is not None),
            key=lambda e: (e.at, e.kind != "created"),
        ),
        timeline_cursor=view.timeline_cursor,
    )
