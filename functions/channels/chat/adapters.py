"""Agent replies on chat cases: the cases domain's ``ReplyChannel`` for Channel.CHAT.

``CaseService.reply`` calls ``send_reply``: while the case's chat session is live the reply is
appended to it (the customer's next poll shows it) and recorded on the case as MESSAGE_OUT with
message id ``chat:{session}:{seq}``. Once the session has ended the customer is no longer there:
the reply goes by email when the case has an address (the email reply channel, wired in
``functions.composition``), otherwise it is refused with 409 so that nothing an agent
writes is silently lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from functions.cases.models import Actor, Case, Message, TimelineEvent
from functions.core.errors import Conflict

if TYPE_CHECKING:
    from functions.channels.chat.service import ChatService


class ReplyChannel(Protocol):
    """The email reply channel this one falls back to (the cases domain's ``ReplyChannel``)."""

    def send_reply(self, case: Case, body: str, agent: Actor, thread: list[TimelineEvent]) -> Message: ...


class ChatReplyChannel:
    def __init__(self, chat: Callable[[], ChatService], email: ReplyChannel | None) -> None:
        self._chat = chat  # a callable: the chat service needs the case service, which needs this channel
        self._email = email

    def send_reply(self, case: Case, body: str, agent: Actor, thread: list[TimelineEvent]) -> Message:
        message = self._chat().agent_turn(case, body, agent)
        if message is not None:
            return message
        if self._email is None or not case.contact_email:
            raise Conflict(
                f"the chat of case {case.case_id} has ended and there is no email channel or address to reply through"
            )
        return self._email.send_reply(case, body, agent, thread)
