"""Pure rules of the chat: session ids and tokens, the customer's view of a turn, transcripts cut
into parts that fit a timeline event, hand-off subjects and summaries. No I/O, no clock (session
tokens are signed with the deployment's secret, as the portal's links are)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
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
    )


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
