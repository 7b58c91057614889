"""Agent replies on chat cases (the reply channel for Channel.CHAT).

``CaseService.reply`` calls ``send_reply``: while the case's chat session is live the reply is
appended to it (the customer's next poll shows it) and recorded on the case as MESSAGE_OUT with
message id ``chat:{session}:{seq}``. Once the session has ended the customer is no longer there:
the reply goes by email when the case has an address and the email channel is installed
(``functions.channels.email.outbound``), otherwise it is refused with 409 so that nothing an agent
writes is silently lost.
"""

from __future__ import annotations

import importlib
from typing import Any

from functions.cases.models import Actor, Case, Message, TimelineEvent
from functions.core.errors import Conflict

EMAIL_OUTBOUND = "functions.channels.email.outbound"


def chat_service() -> Any:
    from functions.channels.chat.logic import ChatService  # noqa: PLC0415
    from functions.channels.chat.store import ChatStore  # noqa: PLC0415
    from functions.composition import case_service, idempotency_store  # noqa: PLC0415
    from functions.core.settings import get_settings  # noqa: PLC0415

    s = get_settings()
    return ChatService(
        ChatStore(retention_seconds=s.chat_retention_seconds),
        case_service(),
        base_url=s.public_base_url,
        token_ttl=s.chat_session_ttl_seconds,
        max_messages=s.chat_max_messages,
        idempotency=idempotency_store(),
    )


def _email_channel() -> Any | None:
    try:
        module = importlib.import_module(EMAIL_OUTBOUND)
    except ModuleNotFoundError as exc:
        if exc.name not in (EMAIL_OUTBOUND, "functions.channels.email"):
            raise
        return None
    return module.reply_channel()


class ChatReplyChannel:
    def __init__(self, service: Any | None = None, email: Any | None = None) -> None:
        self._service = service
        self._email = email

    def send_reply(self, case: Case, body: str, agent: Actor, thread: list[TimelineEvent]) -> Message:
        service = self._service or chat_service()
        message = service.agent_turn(case, body, agent)
        if message is not None:
            return message
        email = self._email or (_email_channel() if case.contact_email else None)
        if email is None:
            raise Conflict(
                f"the chat of case {case.case_id} has ended and there is no email channel or address to reply through"
            )
        return email.send_reply(case, body, agent, thread)  # type: ignore[no-any-return]


def reply_channel() -> ChatReplyChannel:
    return ChatReplyChannel()
