"""Agents' knowledge API (/knowledge/articles...), drafting from a case, similar cases."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from chalice import Blueprint, Response

from functions.composition import container
from functions.core.http import Agent, if_match_version, route

if TYPE_CHECKING:
    from functions.knowledge.models import (
        Article,
        ArticleEdit,
        ArticleIn,
        ArticlePage,
        ArticleQuery,
        ArticleStats,
        ArticleView,
        DraftFromCase,
        DraftFromCaseIn,
        FeedbackIn,
        HelpedIn,
        PermanentFixIn,
        SimilarCases,
        SimilarQuery,
        TransitionIn,
        VersionList,
        VersionQuery,
    )

# Models by reference: imported when a request (or the OpenAPI document) needs them, not at cold start.
KM = "functions.knowledge.models:"

bp = Blueprint(__name__)
TAGS = ("knowledge",)


def with_etag(view: ArticleView, status: int = 200) -> Response:
    return Response(status_code=status, body=view.model_dump(mode="json"), headers={"ETag": f'"{view.latest_version}"'})


@route(bp, "/knowledge/articles", "GET", query=KM + "ArticleQuery", response=KM + "ArticlePage", tags=TAGS)
def list_articles(request: Any, *, agent: Agent, query: ArticleQuery) -> ArticlePage:
    """List articles, most recently changed first (optionally by status)."""
    return container().knowledge.list_articles(query)


@route(bp, "/knowledge/articles", "POST", body=KM + "ArticleIn", response=KM + "ArticleView", status=201, tags=TAGS)
def create_article(request: Any, *, agent: Agent, body: ArticleIn) -> Response:
    """Write a new article; it starts as a draft (version 1)."""
    return with_etag(container().knowledge.create(agent.agent_id, body), 201)


@route(bp, "/knowledge/articles/{article_id}", "GET", query=KM + "VersionQuery", response=KM + "ArticleView", tags=TAGS)
def get_article(request: Any, article_id: str, *, agent: Agent, query: VersionQuery) -> Response:
    """One article: its record, the latest (or a given) version's content and its counters. ETag: latest version."""
    return with_etag(container().knowledge.view(article_id, query.version, count_view=True))


@route(
    bp,
    "/knowledge/articles/{article_id}",
    "PATCH",
    body=KM + "ArticleEdit",
    response=KM + "ArticleView",
    tags=TAGS,
    errors_=(409,),
)
def edit_article(request: Any, article_id: str, *, agent: Agent, body: ArticleEdit) -> Response:
    """Edit: a new draft version. Send the version you edited (body or If-Match); 409 if someone was faster."""
    return with_etag(container().knowledge.edit(article_id, agent.agent_id, body, if_match_version(request)))


@route(bp, "/knowledge/articles/{article_id}/versions", "GET", response=KM + "VersionList", tags=TAGS)
def list_versions(request: Any, article_id: str, *, agent: Agent) -> VersionList:
    """Every version, newest first, and which one is published."""
    return container().knowledge.versions(article_id)


def _transition(
    request: Any,
    article_id: str,
    agent: Agent,
    action: Literal["submit", "publish", "reject", "retire"],
    body: TransitionIn,
) -> Response:
    from functions.knowledge.rules import Action  # noqa: PLC0415 - imports the models: not at cold start

    view = container().knowledge.transition(
        article_id, agent.agent_id, agent.roles, Action(action), body, if_match_version(request)
    )
    return with_etag(view)


@route(
    bp,
    "/knowledge/articles/{article_id}/submit",
    "POST",
    body=KM + "TransitionIn",
    response=KM + "ArticleView",
    tags=TAGS,
    errors_=(409,),
)
def submit_article(request: Any, article_id: str, *, agent: Agent, body: TransitionIn) -> Response:
    """Submit the latest draft for review (draft -> in_review)."""
    return _transition(request, article_id, agent, "submit", body)


@route(
    bp,
    "/knowledge/articles/{article_id}/publish",
    "POST",
    body=KM + "TransitionIn",
    response=KM + "ArticleView",
    tags=TAGS,
    errors_=(403, 409),
)
def publish_article(request: Any, article_id: str, *, agent: Agent, body: TransitionIn) -> Response:
    """Reviewers: publish the version in review (in_review -> published); it becomes the served version."""
    return _transition(request, article_id, agent, "publish", body)


@route(
    bp,
    "/knowledge/articles/{article_id}/reject",
    "POST",
    body=KM + "TransitionIn",
    response=KM + "ArticleView",
    tags=TAGS,
    errors_=(403, 409),
)
def reject_article(request: Any, article_id: str, *, agent: Agent, body: TransitionIn) -> Response:
    """Reviewers: send the version in review back to draft."""
    return _transition(request, article_id, agent, "reject", body)


@route(
    bp,
    "/knowledge/articles/{article_id}/retire",
    "POST",
    body=KM + "TransitionIn",
    response=KM + "ArticleView",
    tags=TAGS,
    errors_=(403, 409),
)
def retire_article(request: Any, article_id: str, *, agent: Agent, body: TransitionIn) -> Response:
    """Reviewers: retire the article; nobody is served it any more."""
    return _transition(request, article_id, agent, "retire", body)


@route(
    bp,
    "/knowledge/articles/{article_id}/permanent-fix",
    "POST",
    body=KM + "PermanentFixIn",
    response=KM + "ArticleView",
    tags=TAGS,
    errors_=(409,),
)
def permanent_fix(request: Any, article_id: str, *, agent: Agent, body: PermanentFixIn) -> Response:
    """Update with the permanent fix (root cause + fix); the workaround stays, marked superseded.

    A published article is republished with the fix when the caller is a reviewer; otherwise the
    fixed version waits in review (the old version stays served)."""
    view = container().knowledge.permanent_fix(article_id, agent.agent_id, agent.roles, body, if_match_version(request))
    return with_etag(view)


@route(bp, "/knowledge/articles/{article_id}/helped", "POST", body=KM + "HelpedIn", response=KM + "Article", tags=TAGS)
def article_helped(request: Any, article_id: str, *, agent: Agent, body: HelpedIn) -> Article:
    """Record that the article helped solve a case (linked both ways: the case timeline gets a note)."""
    return container().knowledge.link_helped(article_id, agent.agent_id, body.case_id)


@route(
    bp,
    "/knowledge/articles/{article_id}/feedback",
    "POST",
    body=KM + "FeedbackIn",
    response=KM + "ArticleStats",
    tags=TAGS,
)
def agent_feedback(request: Any, article_id: str, *, agent: Agent, body: FeedbackIn) -> ArticleStats:
    """An agent's "did this help?" answer."""
    return container().knowledge.feedback(article_id, body, customer=False)


@route(
    bp,
    "/cases/{case_id}/knowledge",
    "POST",
    body=KM + "DraftFromCaseIn",
    response=KM + "DraftFromCase",
    status=201,
    tags=TAGS,
)
def draft_from_case(request: Any, case_id: str, *, agent: Agent, body: DraftFromCaseIn) -> DraftFromCase:
    """Draft an article from the case (scrubbed of personal data), with likely duplicates. Send {} for defaults."""
    return container().knowledge.draft_from_case(case_id, agent.agent_id, body)


@route(bp, "/cases/{case_id}/similar", "GET", query=KM + "SimilarQuery", response=KM + "SimilarCases", tags=TAGS)
def similar_cases(request: Any, case_id: str, *, agent: Agent, query: SimilarQuery) -> SimilarCases:
    """Most similar cases of other customers (score, matched terms) and suggested published articles."""
    return container().knowledge.similar(case_id, query)
