"""Chat routes.

Customers (public start, then the session token from the start response):
  POST /chat/sessions                         start: opens the case, returns session id + token
  POST /chat/sessions/{id}/messages           send a turn (client_message_id makes retries safe)
  GET  /chat/sessions/{id}/messages?after=N   poll for turns after seq N
  POST /chat/sessions/{id}/end                end the chat; the transcript lands on the case (and is mailed)
  POST /chat/sessions/{id}/typing             "I am typing" (every few seconds while typing)
  (POST /chat/sessions takes an Idempotency-Key header: a double click opens one case)
Agents (agent auth; they reply through POST /cases/{case_id}/replies):
  GET   /chat/sessions                        live sessions, longest waiting first
  GET   /chat/sessions/{id}?after=N           the session and its turns after seq N
  PATCH /chat/sessions/{id}  {"status": "ended"}   end the chat from the agent's side
  POST  /chat/sessions/{id}/agent-typing      "I am typing" (the customer's poll shows agent_typing)
Bots (machine clients; agent auth with a service token for now):
  POST /chat/handoffs                         hand a conversation to a human (idempotent on conversation_id)

Schedule: ``end_idle_chats`` (every 5 minutes) ends sessions without a turn for chat_idle_minutes.

Ending is one verb per audience because an API Gateway route has exactly one authorizer: the
customer's ``/end`` takes the session token, the agent's PATCH takes the Cognito/agent token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Rate, Response

from functions.composition import container
from functions.core.http import Agent, route
from functions.core.logs import logger
from functions.portal.links import token_from_request

if TYPE_CHECKING:
    from functions.channels.chat.models import (
        AgentChatPage,
        AgentSessionPatch,
        ChatListQuery,
        ChatMessageIn,
        ChatPollQuery,
        ChatSessionList,
        ChatSessionOut,
        ChatStartIn,
        ChatTypingOut,
        HandoffIn,
    )

bp = Blueprint(__name__)
TAGS = ("chat",)
NO_STORE: dict[str, str | list[str]] = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _grant(request: Any, session_id: str) -> Any:
    return container().chat.grant(token_from_request(request), session_id)


def _json(model: Any, status: int) -> Response:
    return Response(status_code=status, body=model.model_dump(mode="json"), headers=dict(NO_STORE))


# -- customers -------------------------------------------------------------------
@route(
    bp,
    "/chat/availability",
    "GET",
    auth="public",
    response="functions.channels.chat.models:ChatAvailability",
    tags=TAGS,
)
def chat_availability(request: Any) -> Response:
    """Whether the chat takes conversations now (business hours, an agent available); the widget
    asks before it offers a chat, and otherwise takes a message that becomes a case."""
    return _json(container().chat.availability(), 200)


@route(
    bp,
    "/chat/sessions",
    "POST",
    auth="public",
    body="functions.channels.chat.models:ChatStartIn",
    response="functions.channels.chat.models:ChatStarted",
    status=201,
    tags=TAGS,
    errors_=(409,),
    idempotency_key=True,
)
def start_chat(request: Any, *, body: ChatStartIn) -> Response:
    """Start a chat: opens a case (channel chat) and returns the session id and its token.

    Send an Idempotency-Key (e.g. one UUID per click of the start button): a repeat answers 200
    with the same session (header Idempotent-Replayed: true) instead of opening a second case.
    Past chat_start_client_max starts per client or chat_start_address_max per address in an hour:
    429 rate_limited with Retry-After.
    """
    from functions.core import idempotency  # noqa: PLC0415 - off the cold-start path of other routes
    from functions.core.limits import request_client  # noqa: PLC0415

    client = request_client(request, container().settings.client_ip_hops)
    started, replayed = container().chat.start_once(body, idempotency.key_from_request(request), client=client)
    response = _json(started, 200 if replayed else 201)
    if replayed:
        response.headers[idempotency.REPLAYED_HEADER] = "true"
    return response


@route(
    bp,
    "/chat/sessions/{session_id}/messages",
    "POST",
    auth="customer",
    body="functions.channels.chat.models:ChatMessageIn",
    response="functions.channels.chat.models:CustomerChatMessage",
    status=201,
    tags=TAGS,
    errors_=(401, 403, 409),
)
def send_chat_message(request: Any, session_id: str, *, body: ChatMessageIn) -> Response:
    """The customer sends a turn. A retry with the same client_message_id answers 200 with the stored turn."""
    service = container().chat
    grant = _grant(request, session_id)
    container().abuse_limit("chat_messages_per_session", grant.session_id)
    message, created = service.customer_send(grant, body)
    return _json(message, 201 if created else 200)


@route(
    bp,
    "/chat/sessions/{session_id}/messages",
    "GET",
    auth="customer",
    query="functions.channels.chat.models:ChatPollQuery",
    response="functions.channels.chat.models:CustomerChatPage",
    tags=TAGS,
    errors_=(401, 403),
)
def poll_chat_messages(request: Any, session_id: str, *, query: ChatPollQuery) -> Response:
    """The customer polls for turns after seq ``after``."""
    service = container().chat
    return _json(service.customer_poll(_grant(request, session_id), query.after, query.limit), 200)


@route(
    bp,
    "/chat/sessions/{session_id}/end",
    "POST",
    auth="customer",
    response="functions.channels.chat.models:ChatSessionOut",
    tags=TAGS,
    errors_=(401, 403),
)
def end_chat(request: Any, session_id: str) -> Response:
    """The customer ends the chat (idempotent); the transcript lands on the case."""
    from functions.channels.chat.models import ChatEndIn  # noqa: PLC0415

    service = container().chat
    grant = _grant(request, session_id)
    reason = None
    if request.raw_body:
        from functions.core.http import parse_body  # noqa: PLC0415

        reason = parse_body(request, ChatEndIn).reason  # type: ignore[attr-defined]
    return _json(service.end(grant.session_id, role="customer", reason=reason), 200)


@route(
    bp,
    "/chat/sessions/{session_id}/typing",
    "POST",
    auth="customer",
    response="functions.channels.chat.models:ChatTypingOut",
    tags=TAGS,
    errors_=(401, 403, 409),
)
def customer_typing(request: Any, session_id: str) -> Response:
    """The customer is typing: the agents' console shows it for a few seconds (``customer_typing`` on
    the session's read, and a ``chat_typing`` live hint). Send it every few seconds while typing;
    409 once the chat has ended."""
    return _json(container().chat.customer_typing(_grant(request, session_id)), 200)


# -- agents ----------------------------------------------------------------------
@route(
    bp,
    "/chat/sessions",
    "GET",
    query="functions.channels.chat.models:ChatListQuery",
    response="functions.channels.chat.models:ChatSessionList",
    tags=TAGS,
)
def list_chats(request: Any, *, agent: Agent, query: ChatListQuery) -> ChatSessionList:
    """Live chat sessions, longest waiting first. Records that the agent is at the desk (the chat
    widget offers a chat only while an available agent was seen recently)."""
    from functions.channels.chat.models import ChatSessionList  # noqa: PLC0415

    container().agents.seen(agent.agent_id)
    items, cursor = container().chat.active(query.limit, query.cursor)
    return ChatSessionList(items=items, next_cursor=cursor)


@route(
    bp,
    "/chat/sessions/{session_id}",
    "GET",
    query="functions.channels.chat.models:ChatPollQuery",
    response="functions.channels.chat.models:AgentChatPage",
    tags=TAGS,
)
def get_chat(request: Any, session_id: str, *, agent: Agent, query: ChatPollQuery) -> AgentChatPage:
    """The session and its turns after seq ``after`` (agents reply via POST /cases/{case_id}/replies).
    Records that the agent is at the desk."""
    container().agents.seen(agent.agent_id)
    return container().chat.agent_view(session_id, query.after, query.limit)


@route(
    bp,
    "/chat/sessions/{session_id}/agent-typing",
    "POST",
    response="functions.channels.chat.models:ChatTypingOut",
    tags=TAGS,
    errors_=(409,),
)
def agent_typing(request: Any, session_id: str, *, agent: Agent) -> ChatTypingOut:
    """An agent is typing a reply: the customer's widget shows it for a few seconds
    (``agent_typing`` on its poll). Send it every few seconds while typing; 409 once the chat has ended."""
    container().agents.seen(agent.agent_id)
    return container().chat.agent_typing(session_id)


@route(
    bp,
    "/chat/sessions/{session_id}",
    "PATCH",
    body="functions.channels.chat.models:AgentSessionPatch",
    response="functions.channels.chat.models:ChatSessionOut",
    tags=TAGS,
)
def agent_end_chat(request: Any, session_id: str, *, agent: Agent, body: AgentSessionPatch) -> ChatSessionOut:
    """An agent ends the chat (idempotent); the transcript lands on the case."""
    return container().chat.end(session_id, role="agent", reason=body.reason)


# -- schedule --------------------------------------------------------------------
@bp.schedule(Rate(5, unit=Rate.MINUTES), name="end_idle_chats")
def end_idle_chats(event: Any) -> dict[str, Any]:
    """Every 5 minutes: end chats without a turn for ``chat_idle_minutes``; their transcripts land on the cases."""
    ended = container().chat.end_idle()
    logger().info("ended idle chat sessions", extra={"ended": len(ended)})
    return {"ended": ended}


# -- bots ------------------------------------------------------------------------
@route(
    bp,
    "/chat/handoffs",
    "POST",
    body="functions.channels.chat.models:HandoffIn",
    response="functions.channels.chat.models:HandoffOut",
    status=201,
    tags=TAGS,
    errors_=(409,),
)
def handoff(request: Any, *, agent: Agent, body: HandoffIn) -> Response:
    """A bot hands a conversation to a human: opens a case with the context and a session to continue in.

    Bots authenticate as agents (a service token / Cognito client) for now. A replay with the same
    conversation_id answers 200 with the same case.
    """
    from functions.cases.models import Actor, ActorType  # noqa: PLC0415

    out = container().chat.handoff(body, Actor(type=ActorType.BOT, id=agent.agent_id))
    return _json(out, 200 if out.replayed else 201)
