"""The case status lifecycle and the queue's selection and order. Pure rules, no I/O, no clock (``now`` comes in)."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from functions.cases.models import Case, CaseQuery, Channel, Message, Priority, QueueSort, ReplyIn, SlaFilter
from functions.cases.models import CaseStatus as S
from functions.core.errors import InvalidInput, InvalidTransition
from functions.core.timeutil import iso
from functions.sla import rules as sla_rules

TRANSITIONS: dict[S, frozenset[S]] = {
    S.NEW: frozenset({S.OPEN, S.PENDING_CUSTOMER, S.PENDING_DEPARTMENT, S.RESOLVED, S.CLOSED}),
    S.OPEN: frozenset({S.PENDING_CUSTOMER, S.PENDING_DEPARTMENT, S.RESOLVED}),
    S.PENDING_CUSTOMER: frozenset({S.OPEN, S.PENDING_DEPARTMENT, S.RESOLVED, S.CLOSED}),
    S.PENDING_DEPARTMENT: frozenset({S.OPEN, S.PENDING_CUSTOMER, S.RESOLVED}),
    S.RESOLVED: frozenset({S.OPEN, S.CLOSED}),
    S.CLOSED: frozenset(),
}


def allowed(from_: S) -> list[str]:
    return sorted(s.value for s in TRANSITIONS[from_])


def check_transition(from_: S, to: S) -> None:
    if to == from_:
        return
    if to not in TRANSITIONS[from_]:
        raise InvalidTransition(from_.value, to.value, allowed(from_))


def status_after_customer_message(current: S) -> S:
    """A customer writing again puts the case back in front of an agent."""
    if current in (S.PENDING_CUSTOMER, S.RESOLVED):
        return S.OPEN
    return current


def accepts_messages(current: S) -> bool:
    """A closed case takes no more messages: a new one opens a follow-up case."""
    return current != S.CLOSED


def status_after_reply(reply: ReplyIn, message: Message) -> S | None:
    """The status a reply asks for (None: keep it). A reply delivered into a live chat (a chat-channel
    message) without an explicit status_after keeps the status: the customer is still in the conversation."""
    if "status_after" not in reply.model_fields_set and message.channel == Channel.CHAT:
        return None
    return reply.status_after


# -- the queue: which cases a query selects, in which order (the stores and the search path share these) --

PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}
UNASSIGNED = "none"
FAR = "9999"  # sorts after every ISO instant: cases without a running SLA clock come last by due


def sla_state(case: Case, now: datetime) -> str:
    """none, ok, at_risk, breached, paused: the clock's state at ``now``."""
    return sla_rules.case_state(case.sla, now)


def sla_attributes(case: Case) -> dict[str, str]:
    """What a store keeps beside the case to filter and sort by SLA without the clock's rules:
    ``sla_due`` (the nearest running due), ``sla_warn_at`` (when it becomes at risk), ``sla_breached``."""
    out: dict[str, str] = {}
    due = sla_rules.nearest_due(case.sla)
    if due is not None and case.sla is not None:
        out["sla_due"] = iso(due)
        out["sla_warn_at"] = iso(due - timedelta(minutes=case.sla.warn_before_minutes))
    if case.sla is not None and case.sla.breached:
        out["sla_breached"] = "1"
    return out


def matches(case: Case, q: CaseQuery, now: datetime) -> bool:
    """Whether the case belongs to the view (every filter given must hold; ``q`` is not looked at)."""
    if q.status and case.status not in q.status:
        return False
    if q.assignee == UNASSIGNED:
        if case.assignee:
            return False
    elif q.assignee and case.assignee != q.assignee:
        return False
    checks = (
        (q.group_id, case.group_id),
        (q.customer_id, case.customer_id),
        (q.product, case.product),
        (q.channel, case.channel),
        (q.priority, case.priority),
    )
    if any(wanted is not None and wanted != actual for wanted, actual in checks):
        return False
    if q.tag and not set(q.tag) <= set(case.tags):
        return False
    if q.updated_since is not None and case.updated_at < q.updated_since:
        return False
    if q.sla is not None:
        state = sla_state(case, now)
        if q.sla == SlaFilter.BREACHED and state != "breached":
            return False
        if q.sla == SlaFilter.BREACHING_SOON and state != "at_risk":
            return False
    return True


def sort_key(case: Case, sort: QueueSort) -> tuple[str, ...]:
    """An ascending key for the views sorted in memory (created, priority, due); unique by case id."""
    return sort_key_of(
        sort,
        case_id=case.case_id,
        created_at=case.created_at,
        updated_at=case.updated_at,
        priority=case.priority,
        due=sla_rules.nearest_due(case.sla),
    )


def sort_key_of(
    sort: QueueSort,
    *,
    case_id: str,
    created_at: datetime,
    updated_at: datetime,
    priority: Priority,
    due: datetime | None,
) -> tuple[str, ...]:
    if sort == QueueSort.CREATED:
        return (_desc(iso(created_at)), case_id)
    if sort == QueueSort.PRIORITY:
        return (str(PRIORITY_RANK[priority]), _desc(iso(updated_at)), case_id)
    if sort == QueueSort.DUE:
        return (iso(due) if due is not None else FAR, case_id)
    if sort == QueueSort.OLDEST_UPDATE:
        return (iso(updated_at), case_id)
    return (_desc(iso(updated_at)), case_id)


def _desc(value: str) -> str:
    """A string that sorts in the reverse order of ``value`` (ISO instants: digits and punctuation)."""
    return "".join(chr(255 - ord(c)) for c in value)


def offset_cursor(offset: int) -> str:
    """The cursor of a text search's next page (its position in the ranked hits)."""
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


def cursor_offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        offset = data["offset"]
    except (ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
        raise InvalidInput("cursor is not valid; use next_cursor from a previous page") from exc
    if not isinstance(offset, int) or offset < 0:
        raise InvalidInput("cursor is not valid; use next_cursor from a previous page")
    return offset


MESSAGE_TEXT_CHARS = 20_000  # the latest message text a case keeps for search (DynamoDB items: 400 KB)


def with_message(text: str, body: str) -> str:
    """The case's searchable message text with one more message's body, the oldest cut first."""
    joined = f"{text}\n\n{body}" if text else body
    return joined[-MESSAGE_TEXT_CHARS:]


def case_number(text: str, prefix: str) -> str | None:
    """The case id a search for a case number means (``CB-100042``, ``cb-100042`` or ``100042``), else None."""
    value = text.strip().upper()
    digits = value[len(prefix) + 1 :] if value.startswith(f"{prefix.upper()}-") else value
    return f"{prefix}-{digits}" if digits.isdigit() and len(digits) <= 12 else None


def sla_event_text(kind: str, metric: str, due: datetime) -> str:
    """The timeline's words for an SLA warning or breach."""
    what = "first response" if metric == "first_response" else "resolution"
    if kind == "breach":
        return f"SLA breached: the {what} was due {iso(due)}"
    return f"SLA at risk: the {what} is due {iso(due)}"


# Triage's fields by the case's field that holds each (triage's department is the agent group).
TRIAGE_FIELDS = {"category": "category", "priority": "priority", "department": "group_id"}


def triage_confirmations(case: Case, fields: Sequence[str]) -> tuple[str, Any] | None:
    """An agent's confirmation of fields triage applied: (the timeline's line, the suggestion with
    those fields ``confirmed``), or None when there is nothing new to confirm. A field triage did not
    apply, or that the case no longer holds as applied, is bad input naming the field."""
    if not fields:
        return None
    if case.triage is None:
        raise InvalidInput(
            "triage made no suggestion for this case",
            fields=[{"field": "triage_confirm", "message": "no suggestion to confirm", "type": "value_error"}],
        )
    updates: dict[str, Any] = {}
    said = []
    for name in dict.fromkeys(fields):
        s = getattr(case.triage, name)
        if s is None or not s.applied or getattr(case, TRIAGE_FIELDS[name]) != s.value:
            raise InvalidInput(
                f"triage did not apply the {name} this case holds",
                fields=[{"field": "triage_confirm", "message": f"{name} was not applied", "type": "value_error"}],
            )
        if not s.confirmed:
            updates[name] = s.model_copy(update={"confirmed": True})
            said.append(f"{name} {s.value}")
    if not updates:
        return None
    return "confirmed triage's " + ", ".join(said), case.triage.model_copy(update=updates)


def triage_corrections(case: Case, changes: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The suggested fields an agent's change sets to another value than triage suggested:
    triage field -> the agent's value (with the corrections kept before). ``changes`` is
    ``{case field: {"from", "to"}}``."""
    out = dict(case.triage_corrections)
    if case.triage is None:
        return out
    for name, case_field in TRIAGE_FIELDS.items():
        suggested = getattr(case.triage, name)
        change = changes.get(case_field)
        if suggested is None or change is None or not change.get("to"):
            continue
        if change["to"] != suggested.value:
            out[name] = str(change["to"])
        else:
            out.pop(name, None)  # back to what triage said
    return out
