"""The case status lifecycle. Pure rules, no I/O, no clock."""

from __future__ import annotations

from functions.cases.models import CaseStatus as S
from functions.cases.models import Channel, Message, ReplyIn
from functions.core.errors import InvalidTransition

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
