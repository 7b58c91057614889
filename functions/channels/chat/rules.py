"""Pure rules of the chat: session ids and tokens, the customer's view of a turn, transcripts cut
into parts that fit a timeline event, hand-off subjects and summaries. No I/O, no clock (session
tokens are signed with the deployment's secret, as the portal's links are)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from functions.channels.chat.models import ChatMessage, ChatSession, ChatSessionOut, CustomerChatMessage, HandoffIn
from functions.core import signing
from functions.core.errors import Forbidden, NotFound, Unauthorized

SESSION_PURPOSE = "chat-session"
_SESSION_ID = re.compile(r"^chs_[0-9a-f]{20}$")
TRANSCRIPT_PART_BYTES = 150_000


@dataclass(frozen=True)
class SessionGrant:
    session_id: str
    case_id: str


def new_session_id() -> str:
    return f"chs_{secrets.token_hex(10)}"


def check_session_id(session_id: str) -> None:
    if not _SESSION_ID.match(session_id):
        raise NotFound("chat session", session_id[:64])


def session_token(session_id: str, case_id: str) -> str:
    return signing.sign(SESSION_PURPOSE, {"session_id": session_id, "case_id": case_id})


def verify_session_token(token: str, session_id: str, *, max_age: int) -> SessionGrant:
    """401 when tampered, 403 when expired or minted for another session."""
    data = signing.verify(SESSION_PURPOSE, token, max_age=max_age)
    sid, case_id = data.get("session_id"), data.get("case_id")
    if not isinstance(sid, str) or not isinstance(case_id, str):
        raise Unauthorized("invalid token payload")
    if sid != session_id:
        raise Forbidden("this token is for another chat session")
    return SessionGrant(session_id=sid, case_id=case_id)


def message_key(session_id: str, seq: int) -> str:
    return f"chat:{session_id}:{seq}"


def customer_view(m: ChatMessage) -> CustomerChatMessage:
    return CustomerChatMessage(
        seq=m.seq,
        client_message_id=m.client_message_id if m.role == "customer" else None,
        role=m.role,
        author_name=m.author_name if m.role != "customer" else None,
        text=m.text,
        at=m.at,
    )


def session_out(s: ChatSession) -> ChatSessionOut:
    return ChatSessionOut(
        session_id=s.session_id,
        case_id=s.case_id,
        status=s.status,
        ended_at=s.ended_at,
        ended_by=s.ended_by,
        transcript_recorded=s.transcript_recorded,
        transcript_mailed=s.transcript_mailed,
    )


# -- typing ------------------------------------------------------------------------------------
TYPING_VISIBLE = timedelta(seconds=6)  # the widget and the console say "typing" again every 3 s while typing


def typing_now(typing_at: datetime | None, last_turn_at: datetime | None, now: datetime) -> bool:
    """Is the other side typing? It said so within TYPING_VISIBLE of ``now``, and not before its own
    latest turn (sending a message ends the typing)."""
    if typing_at is None or now - typing_at > TYPING_VISIBLE or typing_at > now + TYPING_VISIBLE:
        return False
    return last_turn_at is None or typing_at > last_turn_at


# -- the transcript mailed to the customer -----------------------------------------------------------
def mail_language(language: str | None) -> str:
    """The transcript mail's language: ``language`` (the case's stored one, else the session's: en,
    de, fr, es; a region ignored), else English."""
    from functions.core.i18n import base_language  # noqa: PLC0415

    return base_language(language) or "en"


def transcript_mail(
    session: ChatSession, messages: list[ChatMessage], link: str | None, language: str | None = None
) -> tuple[str, str]:
    """The transcript mail's subject (with the case token, so a reply threads back) and plain-text
    body, in ``language`` (else the session's; words from functions/core/messages). System turns are
    kept; agents appear by their display name."""
    from functions.core.i18n import Words, format_date  # noqa: PLC0415

    w = Words(mail_language(language or session.language))
    lines = [
        w("mail.hello", name=session.customer_name) if session.customer_name else w("mail.hello_anon"),
        "",
        w("mail.transcript_intro", date=format_date(session.created_at, w.lang), case_id=session.case_id),
        "",
    ]
    you, support = w("mail.transcript_you"), w("mail.transcript_support")
    for m in messages:
        who = you if m.role == "customer" else (m.author_name or support) if m.role != "system" else "—"
        lines.append(f"[{m.at.strftime('%H:%M')} UTC] {who}: {m.text}")
    lines.append("")
    if link:
        lines += [w("mail.follow"), link, ""]
    lines.append(w("mail.transcript_reply"))
    return f"[{session.case_id}] {w('mail.transcript_subject')}", "\n".join(lines) + "\n"


def idle_end_text(idle: timedelta) -> str:
    minutes = max(1, int(idle.total_seconds() // 60))
    return f"chat ended after {minutes} minutes without activity"


def transcript_line(m: ChatMessage) -> dict[str, Any]:
    return {
        "seq": m.seq,
        "role": m.role,
        "author_id": m.author_id,
        "author_name": m.author_name,
        "text": m.text,
        "at": m.at.isoformat(),
    }


def transcript_parts(messages: list[ChatMessage], max_bytes: int = TRANSCRIPT_PART_BYTES) -> list[list[dict[str, Any]]]:
    """Split a transcript into parts whose text fits one timeline event. Always at least one part."""
    parts: list[list[dict[str, Any]]] = [[]]
    size = 0
    for m in messages:
        line = transcript_line(m)
        n = len(m.text.encode()) + 200
        if parts[-1] and size + n > max_bytes:
            parts.append([])
            size = 0
        parts[-1].append(line)
        size += n
    return parts


def one_line(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def handoff_subject(h: HandoffIn) -> str:
    first = next((t.text for t in h.transcript if t.role == "customer"), None)
    if first:
        return one_line(first)
    return f"Chat hand-off: {h.intent}" if h.intent else "Chat hand-off"


def handoff_summary(h: HandoffIn) -> str:
    parts = [f"Bot handed over: {h.reason or 'no reason given'}"]
    if h.intent:
        conf = f" ({h.intent_confidence:.0%})" if h.intent_confidence is not None else ""
        parts.append(f"intent {h.intent}{conf}")
    parts.append(f"{len(h.articles_offered)} article(s) offered, {len(h.fixes_attempted)} fix(es) attempted")
    parts.append(f"{len(h.transcript)} turn(s)")
    return "; ".join(parts)
