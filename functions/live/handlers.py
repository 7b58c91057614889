"""Live updates: the WebSocket API's routes ($connect with ``?token=``, messages, $disconnect),
the table stream's consumer ``live_stream`` that posts "this changed" hints, and the viewers of
a case over REST (for clients whose socket is down)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from functions.composition import container
from functions.core.http import Agent, route
from functions.core.logs import logger

if TYPE_CHECKING:
    from functions.live.models import ViewerList

M = "functions.live.models:"
bp = Blueprint(__name__)


# Chalice wraps WebSocket handlers in its event class only when they are declared on the app itself;
# declared on a blueprint they are packaged as they are, so they take Lambda's (event, context) and
# answer API Gateway's {"statusCode"} themselves.
def _connection_id(event: dict[str, Any]) -> str:
    return str((event.get("requestContext") or {}).get("connectionId") or "")


@bp.on_ws_connect()
def live_connect(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Accept an agent's connection: the token (the Cognito ID token; locally a development token)
    comes as ``?token=``, browsers cannot set headers on a WebSocket. 401 refuses it."""
    params = event.get("queryStringParameters") or {}
    agent = container().live.connect(_connection_id(event), params.get("token"))
    return {"statusCode": 200 if agent is not None else 401}


@bp.on_ws_message()
def live_message(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """``{"type": "watch" | "unwatch" | "composing" | "ping", "case_id", "composing"}``."""
    from functions.core.errors import InvalidInput  # noqa: PLC0415

    try:
        container().live.receive(_connection_id(event), event.get("body"))
    except InvalidInput:
        logger().info("live message ignored", extra={"reason": "not a client message"})
    return {"statusCode": 200}


@bp.on_ws_disconnect()
def live_disconnect(event: dict[str, Any], context: Any) -> dict[str, Any]:
    container().live.disconnect(_connection_id(event))
    return {"statusCode": 200}


@bp.lambda_function(name="live_stream")
def live_stream(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """One batch of the table's stream: a hint per case, problem or chat turn written, posted to
    every open connection (gone connections are forgotten)."""
    from functions.core.streams import read_batch  # noqa: PLC0415

    batch = read_batch(event, "live_stream")
    sent = container().live.on_changes([(c.event, c.new, c.old) for c in batch.changes])
    logger().debug("live hints posted", extra={"records": len(batch.changes), "sent": sent})
    return batch.response()


@route(bp, "/cases/{case_id}/viewers", "GET", response=M + "ViewerList", tags=("live",))
def case_viewers(request: Any, case_id: str, *, agent: Agent) -> ViewerList:
    """Who has the case open and who is typing (what the WebSocket's presence hints say)."""
    from functions.live.models import ViewerList  # noqa: PLC0415

    return ViewerList(case_id=case_id, viewers=container().live.viewers(case_id))
