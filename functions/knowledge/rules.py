"""Article lifecycle: which action is allowed from which status, and who may take it."""

from __future__ import annotations

from enum import StrEnum

from functions.core.errors import Conflict, Forbidden, InvalidTransition
from functions.knowledge.models import Article, ArticleStatus, Visibility


class Action(StrEnum):
    SUBMIT = "submit"  # draft -> in_review (any agent)
    PUBLISH = "publish"  # in_review -> published (reviewer)
    REJECT = "reject"  # in_review -> draft: the reviewer sends it back (reviewer)
    RETIRE = "retire"  # anything but retired -> retired (reviewer); customers no longer see it


TRANSITIONS: dict[Action, tuple[frozenset[ArticleStatus], ArticleStatus]] = {
    Action.SUBMIT: (frozenset({ArticleStatus.DRAFT}), ArticleStatus.IN_REVIEW),
    Action.PUBLISH: (frozenset({ArticleStatus.IN_REVIEW}), ArticleStatus.PUBLISHED),
    Action.REJECT: (frozenset({ArticleStatus.IN_REVIEW}), ArticleStatus.DRAFT),
    Action.RETIRE: (
        frozenset({ArticleStatus.DRAFT, ArticleStatus.IN_REVIEW, ArticleStatus.PUBLISHED}),
        ArticleStatus.RETIRED,
    ),
}
REVIEWER_ACTIONS = frozenset({Action.PUBLISH, Action.REJECT, Action.RETIRE})
# Statuses in which an edit (a new draft version) is accepted.
EDITABLE = frozenset({ArticleStatus.DRAFT, ArticleStatus.IN_REVIEW, ArticleStatus.PUBLISHED})


def target(action: Action, current: ArticleStatus) -> ArticleStatus:
    """The status after ``action``; InvalidTransition (409) when not allowed from ``current``."""
    sources, to = TRANSITIONS[action]
    if current not in sources:
        allowed = sorted(a.value for a, (src, _) in TRANSITIONS.items() if current in src)
        raise InvalidTransition(current.value, to.value, allowed)
    return to


def check_actor(action: Action, is_reviewer: bool) -> None:
    if action in REVIEWER_ACTIONS and not is_reviewer:
        raise Forbidden(f"only reviewers may {action.value} articles")


def check_editable(status: ArticleStatus) -> None:
    if status not in EDITABLE:
        raise Conflict(f"a {status.value} article cannot be edited")


def status_after_edit(current: ArticleStatus) -> ArticleStatus:
    """Any edit makes a new draft version; the published version stays served meanwhile."""
    check_editable(current)
    return ArticleStatus.DRAFT


def status_after_permanent_fix(current: ArticleStatus, may_publish: bool) -> ArticleStatus:
    """The permanent fix keeps a published article published when a reviewer (problem manager) applies it;
    otherwise the new version waits in review. A draft stays a draft, a review stays in review."""
    check_editable(current)
    if current == ArticleStatus.PUBLISHED:
        return ArticleStatus.PUBLISHED if may_publish else ArticleStatus.IN_REVIEW
    return current


def served_to_customers(article: Article) -> bool:
    """Customers see an article only while a version of it is published, it is not retired, and the
    served content is external; otherwise it does not exist for them."""
    return (
        article.published_version is not None
        and article.status != ArticleStatus.RETIRED
        and article.served.visibility == Visibility.EXTERNAL
    )
