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


def _limit(request: Any, name: str) -> None:
    """Count the request against the named abuse limit of its client (429 past it)."""
    from functions.core.limits import request_client  # noqa: PLC0415

    c = container()
    c.abuse_limit(name, request_client(request, c.settings.client_ip_hops))


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
    _limit(request, "selfservice_events_per_client")
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

    _limit(request, "feedback_per_client")
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


# --------------------------------------------------------------------------- the help center (HTML)
# The customers' site serves these under /help/{lang}/... (the article pages are static files of the
# help-site bucket, functions/knowledge/pages.py). Each answers a whole HTML page that works without
# JavaScript. The self-service session is a first-party cookie (random, no personal data) so that a
# customer's searches, known issues seen and feedback are one session's deflection events with or
# without the page's script (which reads it to record clicks).


def _lang(lang: str) -> str:
    from functions.core.i18n import LANGUAGES  # noqa: PLC0415

    if lang not in LANGUAGES:
        raise errors.NotFound("language", lang)
    return lang


def _session(request: Any) -> tuple[str, dict[str, str]]:
    from functions.core.pages import session_from_headers  # noqa: PLC0415

    return session_from_headers(request.headers)


def _page(body: str, status: int = 200, *, cache: str = "no-store", extra: dict[str, str] | None = None) -> Response:
    from functions.core.pages import page_headers  # noqa: PLC0415

    return Response(status_code=status, body=body, headers=page_headers(cache, extra))


def _html_errors(lang: str, fn: Any) -> Response:
    """Run ``fn``; a missing thing answers the help center's 404 page, bad input the home page's 400."""
    from functions.core.i18n import Words  # noqa: PLC0415
    from functions.selfservice import pages  # noqa: PLC0415

    try:
        result: Response = fn()
        return result
    except errors.NotFound:
        return _page(pages.not_found(Words(lang if len(lang) == 2 else "en")), 404)


@route(bp, "/help", "GET", auth="public", tags=TAGS, status=302)
def help_root(request: Any) -> Response:
    """The help center in the browser's language (302 to ``/help/{lang}``)."""
    from functions.core.i18n import negotiate  # noqa: PLC0415

    lang = negotiate(accept_language=(request.headers or {}).get("accept-language"))
    return Response(status_code=302, body="", headers={"Location": f"/help/{lang}", "Vary": "Accept-Language"})


@route(bp, "/help/{lang}", "GET", auth="public", tags=TAGS, errors_=(404,), html=True)
def help_home(request: Any, lang: str) -> Response:
    """The help center's home page (HTML): the search box and the known-issues banner."""
    from functions.core.i18n import Words  # noqa: PLC0415
    from functions.selfservice import pages  # noqa: PLC0415

    def run() -> Response:
        service = container().self_service
        return _page(pages.home(Words(_lang(lang)), service.known_issues()), cache="public, max-age=60")

    return _html_errors(lang, run)


@route(bp, "/help/{lang}/search", "GET", auth="public", tags=TAGS, errors_=(404,), html=True)
def help_search(request: Any, lang: str) -> Response:
    """Search results (HTML) with the known issues the query matches on top; recorded as the
    session's 'searched' and 'notice_viewed' events."""
    from functions.core.i18n import Words  # noqa: PLC0415
    from functions.selfservice import pages  # noqa: PLC0415
    from functions.selfservice.models import SearchParams  # noqa: PLC0415

    def run() -> Response:
        w = Words(_lang(lang))
        text = " ".join(((request.query_params or {}).get("q") or "").split())[:200]
        service = container().self_service
        if not text:
            return Response(status_code=303, body="", headers={"Location": f"/help/{w.lang}"})
        session, cookie = _session(request)
        results, matching = service.help_search(SearchParams(q=text, session=session))
        issues = [] if matching else service.known_issues()
        return _page(pages.results(w, text, results.results, matching, issues), extra=cookie)

    return _html_errors(lang, run)


@route(bp, "/help/{lang}/answers/{answer_id}", "GET", auth="public", tags=TAGS, errors_=(404,), html=True)
def help_answer(request: Any, lang: str, answer_id: str) -> Response:
    """A public answer (a solved case, scrubbed) as a page."""
    from functions.core.i18n import Words  # noqa: PLC0415
    from functions.selfservice import pages  # noqa: PLC0415

    def run() -> Response:
        w = Words(_lang(lang))
        service = container().self_service
        return _page(pages.answer_page(w, service.customer_answer(answer_id), service.known_issues()))

    return _html_errors(lang, run)


@route(bp, "/help/{lang}/fixes/{fix_id}", "GET", auth="public", tags=TAGS, errors_=(404,), html=True)
def help_fix(request: Any, lang: str, fix_id: str) -> Response:
    """An automated fix as a page: what it does and the button that runs it."""
    from functions.core.i18n import Words  # noqa: PLC0415
    from functions.selfservice import pages  # noqa: PLC0415

    def run() -> Response:
        w = Words(_lang(lang))
        service = container().self_service
        return _page(pages.fix_page(w, service.customer_fix(fix_id), service.known_issues()))

    return _html_errors(lang, run)


@route(bp, "/help/{lang}/known-issues", "GET", auth="public", tags=TAGS, errors_=(404,), html=True)
def help_known_issues(request: Any, lang: str) -> Response:
    """The known issues (active public notices) with their latest update; each shown one is a
    'notice_viewed' deflection event of the session."""
    from functions.core.i18n import Words  # noqa: PLC0415
    from functions.selfservice import pages  # noqa: PLC0415

    def run() -> Response:
        w = Words(_lang(lang))
        service = container().self_service
        issues = service.known_issues()
        session, cookie = _session(request)
        service.notices_viewed(session, [n.notice_id for n in issues])
        return _page(pages.known_issues_page(w, issues), extra=cookie)

    return _html_errors(lang, run)


@route(
    bp,
    "/help/{lang}/feedback/{article_id}",
    "POST",
    auth="public",
    tags=TAGS,
    errors_=(400, 404),
    content_types=("application/x-www-form-urlencoded",),
    html=True,
)
def help_feedback(request: Any, lang: str, article_id: str) -> Response:
    """'Did this help?' from an article page (a plain form: ``helpful=yes|no``): the article's
    feedback and the session's 'solved_it' / 'not_helped' event; answers the thank-you page
    (or 204 to the page's script, which sends ``Accept: application/json``)."""
    from urllib.parse import parse_qs  # noqa: PLC0415

    from functions.core.i18n import Words  # noqa: PLC0415
    from functions.knowledge.models import FeedbackIn  # noqa: PLC0415
    from functions.selfservice import pages  # noqa: PLC0415

    def run() -> Response:
        w = Words(_lang(lang))
        raw = request.raw_body or b""
        if len(raw) > 4096:
            raise errors.PayloadTooLarge("at most 4096 bytes")
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        if form.get("helpful") not in ("yes", "no"):
            raise errors.InvalidInput(
                "helpful must be yes or no", fields=[{"field": "helpful", "message": "yes or no", "type": "enum"}]
            )
        helped = form["helpful"] == "yes"
        _limit(request, "feedback_per_client")
        session, cookie = _session(request)
        container().knowledge.feedback(article_id, FeedbackIn(helpful=helped, session_id=session), customer=True)
        container().self_service.article_feedback(session, article_id, helped)
        if "application/json" in ((request.headers or {}).get("accept") or ""):
            return Response(status_code=204, body="", headers=dict(cookie))
        return _page(pages.feedback_done(w, article_id, helped), extra=cookie)

    return _html_errors(lang, run)


@route(bp, "/selfservice/sessions/{session_id}/events", "GET", response=SM + "SessionEvents", tags=AGENT_TAGS)
def session_events(request: Any, session_id: str, *, agent: Agent) -> Any:
    """One self-service session's deflection events, oldest first (what a customer searched, saw and said)."""
    from functions.selfservice.models import SessionEvents  # noqa: PLC0415

    return SessionEvents(items=container().self_service.session_events(session_id))
