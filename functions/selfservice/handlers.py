"""Self-service routes: public search, suggestions, articles, answers, fixes and deflection events;
agents' routes for the fix catalogue and for marking solved cases as public answers."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from functions.composition import container
from functions.core import errors
from functions.core.http import ROUTES, Agent, if_match_version, route

if TYPE_CHECKING:
    from functions.knowledge.models import CustomerArticle, FeedbackIn, FeedbackOut
    from functions.selfservice.models import (
        CustomerAnswer,
        DeflectionEvent,
        EventsAccepted,
        Fix,
        FixIn,
        FixPage,
        FixQuery,
        FixUpdate,
        PublicAnswer,
        PublicAnswerIn,
        PublicFix,
        SearchParams,
        SeedResult,
        SelfServiceResults,
        Suggestions,
        SuggestParams,
    )

# Models by reference: imported when a request (or the OpenAPI document) needs them, not at cold start.
KM = "functions.knowledge.models:"
SM = "functions.selfservice.models:"

bp = Blueprint(__name__)
TAGS = ("self-service",)
AGENT_TAGS = ("self-service catalogue",)


# --------------------------------------------------------------------------- public
@route(
    bp,
    "/selfservice/search",
    "GET",
    auth="public",
    query=SM + "SearchParams",
    response=SM + "SelfServiceResults",
    tags=TAGS,
)
def search(request: Any, *, query: SearchParams) -> SelfServiceResults:
    """Search published articles, public answers and automated fixes at once; each result says its kind."""
    return container().self_service.search(query)


@route(
    bp, "/selfservice/suggest", "GET", auth="public", query=SM + "SuggestParams", response=SM + "Suggestions", tags=TAGS
)
def suggest(request: Any, *, query: SuggestParams) -> Suggestions:
    """Up to five suggestions while the customer types (from 2 characters)."""
    return container().self_service.suggest(query)


@route(bp, "/selfservice/events", "POST", auth="public", response=SM + "EventsAccepted", status=202, tags=TAGS)
def record_events(request: Any) -> EventsAccepted:
    """Record deflection events: ``{"events": [...]}`` or a single event object. 400 names the bad field."""
    max_bytes = container().settings.selfservice_max_event_bytes
    raw = request.raw_body or b""
    if len(raw) > max_bytes:
        raise errors.PayloadTooLarge(f"at most {max_bytes} bytes per request")
    if not raw:
        raise errors.InvalidInput("request body is required (JSON object)")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.InvalidInput(f"request body is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise errors.InvalidInput("request body must be a JSON object")
    from functions.selfservice.models import DeflectionEvent, EventBatch, EventsAccepted  # noqa: PLC0415

    events: list[DeflectionEvent]
    if "events" in data:
        events = EventBatch.model_validate(data).events
    else:
        events = [DeflectionEvent.model_validate(data)]
    accepted = container().self_service.record_events(events)
    return EventsAccepted(accepted=accepted)


# The body is parsed by hand (its size is checked first); document it all the same.
next(r for r in ROUTES if r.name == "record_events" and r.path == "/selfservice/events").body = SM + "EventBatch"


@route(bp, "/selfservice/articles/{article_id}", "GET", auth="public", response=KM + "CustomerArticle", tags=TAGS)
def customer_article(request: Any, article_id: str) -> CustomerArticle:
    """A published external article (the published version, never a draft; internal articles do not exist here)."""
    return container().knowledge.customer_article(article_id)


@route(
    bp,
    "/selfservice/articles/{article_id}/feedback",
    "POST",
    auth="public",
    body=KM + "FeedbackIn",
    response=KM + "FeedbackOut",
    status=201,
    tags=TAGS,
)
def customer_feedback(request: Any, article_id: str, *, body: FeedbackIn) -> FeedbackOut:
    """'Did this help?' from a customer."""
    from functions.knowledge.models import FeedbackOut  # noqa: PLC0415

    container().knowledge.feedback(article_id, body, customer=True)
    return FeedbackOut()


@route(bp, "/selfservice/answers/{answer_id}", "GET", auth="public", response=SM + "CustomerAnswer", tags=TAGS)
def customer_answer(request: Any, answer_id: str) -> CustomerAnswer:
    """A solved case published as an answer (scrubbed of personal data)."""
    return container().self_service.customer_answer(answer_id)


@route(bp, "/selfservice/fixes/{fix_id}", "GET", auth="public", response=SM + "PublicFix", tags=TAGS)
def customer_fix(request: Any, fix_id: str) -> PublicFix:
    """An automated fix: what it does and how to start it."""
    return container().self_service.customer_fix(fix_id)


# --------------------------------------------------------------------------- agents: catalogue


@route(bp, "/selfservice/catalogue", "GET", query=SM + "FixQuery", response=SM + "FixPage", tags=AGENT_TAGS)
def list_fixes(request: Any, *, agent: Agent, query: FixQuery) -> FixPage:
    """The automated-fix catalogue (enabled and disabled)."""
    return container().self_service.list_fixes(query.limit, query.cursor)


@route(
    bp,
    "/selfservice/catalogue",
    "POST",
    body=SM + "FixIn",
    response=SM + "Fix",
    status=201,
    tags=AGENT_TAGS,
    errors_=(409,),
)
def create_fix(request: Any, *, agent: Agent, body: FixIn) -> Fix:
    """Add an automated fix with the intents and phrases it answers."""
    return container().self_service.create_fix(body, agent.agent_id)


@route(bp, "/selfservice/catalogue/seed", "POST", response=SM + "SeedResult", tags=AGENT_TAGS)
def seed_fixes(request: Any, *, agent: Agent) -> SeedResult:
    """Add the default fixes that are missing (idempotent)."""
    return container().self_service.seed_fixes(agent.agent_id)


@route(bp, "/selfservice/catalogue/{fix_id}", "GET", response=SM + "Fix", tags=AGENT_TAGS)
def get_fix(request: Any, fix_id: str, *, agent: Agent) -> Response:
    fix = container().self_service.get_fix(fix_id)
    return Response(status_code=200, body=fix.model_dump(mode="json"), headers={"ETag": f'"{fix.version}"'})


@route(
    bp,
    "/selfservice/catalogue/{fix_id}",
    "PATCH",
    body=SM + "FixUpdate",
    response=SM + "Fix",
    tags=AGENT_TAGS,
    errors_=(409,),
)
def update_fix(request: Any, fix_id: str, *, agent: Agent, body: FixUpdate) -> Response:
    """Change a fix (send its version or If-Match); ``enabled: false`` takes it out of customer search."""
    fix = container().self_service.update_fix(fix_id, body, agent.agent_id, if_match_version(request))
    return Response(status_code=200, body=fix.model_dump(mode="json"), headers={"ETag": f'"{fix.version}"'})


@route(bp, "/selfservice/catalogue/{fix_id}", "DELETE", status=204, tags=AGENT_TAGS)
def delete_fix(request: Any, fix_id: str, *, agent: Agent) -> None:
    """Remove a fix from the catalogue."""
    container().self_service.delete_fix(fix_id)


# --------------------------------------------------------------------------- agents: public answers
@route(
    bp,
    "/cases/{case_id}/public-answer",
    "PUT",
    body=SM + "PublicAnswerIn",
    response=SM + "PublicAnswer",
    tags=AGENT_TAGS,
    errors_=(409,),
)
def mark_public_answer(request: Any, case_id: str, *, agent: Agent, body: PublicAnswerIn) -> PublicAnswer:
    """Publish a solved case as an answer for customers (scrubbed copy; send {} to use the case's texts)."""
    return container().self_service.mark_public_answer(case_id, agent.agent_id, body)


@route(bp, "/cases/{case_id}/public-answer", "GET", response=SM + "PublicAnswer", tags=AGENT_TAGS)
def get_public_answer(request: Any, case_id: str, *, agent: Agent) -> PublicAnswer:
    """The case's public answer as customers see it."""
    return container().self_service.public_answer_of(case_id)


@route(bp, "/cases/{case_id}/public-answer", "DELETE", status=204, tags=AGENT_TAGS)
def unmark_public_answer(request: Any, case_id: str, *, agent: Agent) -> None:
    """Stop offering the case as a public answer."""
    container().self_service.unmark_public_answer(case_id, agent.agent_id)
