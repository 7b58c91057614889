"""Knowledge articles (KCS): content, versions, lifecycle, feedback; request and response models."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from functions.core.models import Model
from functions.core.validators import PageSize

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(max_length=20_000)]
Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
EnvValue = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
CaseRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2_000)]


class ArticleStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    RETIRED = "retired"


class Visibility(StrEnum):
    INTERNAL = "internal"  # agents only
    EXTERNAL = "external"  # customers too, once published


class Environment(Model):
    model_config = ConfigDict(extra="forbid")

    product: EnvValue | None = None
    model: EnvValue | None = None
    version: EnvValue | None = Field(default=None, description="software / firmware version")


class ArticleContent(Model):
    """What one version of an article says (the KCS fields)."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    symptoms: Body = Field(default="", description="the issue as the customer sees it")
    environment: Environment = Field(default_factory=Environment)
    cause: Body = ""
    resolution: Body = Field(default="", description="the resolution, or the permanent fix")
    workaround: Body = ""
    workaround_superseded: bool = Field(
        default=False, description="true once a permanent fix replaced the workaround (kept for reference)"
    )
    keywords: list[Keyword] = Field(default_factory=list, max_length=30)
    visibility: Visibility = Visibility.INTERNAL

    def search_text(self) -> str:
        parts = [self.symptoms, self.cause, self.resolution]
        if self.workaround and not self.workaround_superseded:
            parts.append(self.workaround)
        return "\n\n".join(p for p in parts if p)


class ArticleIn(ArticleContent):
    """A new article, written by an agent (it starts as a draft)."""

    source_cases: list[CaseRef] = Field(default_factory=list, max_length=50)
    note: Comment | None = Field(default=None, description="what this version changes")


class ArticleEdit(Model):
    """An edit: the fields given replace those of the latest version; the result is a new draft version."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1, description="the latest version you saw (or send If-Match)")
    title: Title | None = None
    symptoms: Body | None = None
    environment: Environment | None = None
    cause: Body | None = None
    resolution: Body | None = None
    workaround: Body | None = None
    keywords: list[Keyword] | None = Field(default=None, max_length=30)
    visibility: Visibility | None = None
    note: Comment | None = None


class TransitionIn(Model):
    """Submit for review, publish, send back, retire. ``version`` guards against publishing unseen edits."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1, description="the latest version you reviewed (or send If-Match)")
    comment: Comment | None = None


class PermanentFixIn(Model):
    model_config = ConfigDict(extra="forbid")

    root_cause: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
    fix: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
    problem_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None
    version: int | None = Field(default=None, ge=1)


class DraftFromCaseIn(Model):
    """Optional choices when drafting from a case (send ``{}`` to take the defaults)."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = Field(default=None, description="default: the case subject (scrubbed)")
    visibility: Visibility = Visibility.INTERNAL
    keywords: list[Keyword] = Field(default_factory=list, max_length=30)


class HelpedIn(Model):
    model_config = ConfigDict(extra="forbid")

    case_id: CaseRef


class FeedbackIn(Model):
    model_config = ConfigDict(extra="forbid")

    helpful: bool
    comment: Comment | None = None
    case_id: CaseRef | None = None
    session_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")] | None = None


class ArticleStats(Model):
    views: int = 0
    agent_views: int = 0
    helpful_yes: int = 0
    helpful_no: int = 0


class Article(Model):
    """The article record: lifecycle and pointers to its versions."""

    article_id: str
    status: ArticleStatus
    latest_version: int = Field(description="the newest version (the optimistic lock; also the ETag)")
    published_version: int | None = Field(default=None, description="the version customers and agents are served")
    title: str = Field(description="title of the latest version")
    visibility: Visibility = Field(description="visibility of the latest version")
    source_cases: list[str] = Field(default_factory=list)
    helped_cases: list[str] = Field(default_factory=list)
    problem_ids: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str
    published_at: datetime | None = None
    published_by: str | None = None
    retired_at: datetime | None = None
    # What search serves: the published version's content, or the latest one while none is published.
    served: ArticleContent


class ArticleVersion(Model):
    article_id: str
    version: int
    content: ArticleContent
    created_at: datetime
    created_by: str
    note: str | None = None
    problem_id: str | None = None


class ArticleView(Article):
    """An article as agents see it: the record, one version's content, counters."""

    content: ArticleContent
    content_version: int
    stats: ArticleStats = Field(default_factory=ArticleStats)


class VersionSummary(Model):
    version: int
    title: str
    created_at: datetime
    created_by: str
    note: str | None = None
    published: bool = Field(description="this is the version served now")


class VersionList(Model):
    article_id: str
    items: list[VersionSummary]


class ArticleQuery(Model):
    model_config = ConfigDict(extra="forbid")

    status: ArticleStatus | None = None
    limit: PageSize = 50
    cursor: str | None = None


class ArticlePage(Model):
    items: list[Article]
    next_cursor: str | None = None


class VersionQuery(Model):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1, description="a specific version (default: the latest)")


class DuplicateCandidate(Model):
    article_id: str
    title: str
    score: float
    status: str | None = None
    matched_terms: list[str] = Field(default_factory=list)


class DraftFromCase(Model):
    article: ArticleView
    duplicates: list[DuplicateCandidate] = Field(description="existing articles that may say the same, best first")
    duplicates_checked: bool = Field(default=True, description="false when the search index could not be asked")
    removed: dict[str, int] = Field(description="personal data removed, by kind (e.g. {'email': 2, 'name': 3})")


class CustomerArticle(Model):
    """A published external article as customers see it."""

    article_id: str
    version: int
    title: str
    symptoms: str
    environment: Environment
    cause: str
    resolution: str
    workaround: str
    workaround_superseded: bool
    keywords: list[str]
    updated_at: datetime


class FeedbackOut(Model):
    recorded: Literal[True] = True


# --------------------------------------------------------------------------- similar cases
class SimilarQuery(Model):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=10, ge=1, le=50)
    articles: int = Field(default=5, ge=0, le=20, description="how many suggested articles")


class SimilarCase(Model):
    case_id: str
    subject: str
    status: str | None = None
    product: str | None = None
    score: float
    matched_terms: list[str]
    by_meaning: bool = Field(
        default=False, description="found by meaning (the sentence-embedding model), not only by the words it shares"
    )
    snippet: str = ""


class SuggestedArticle(Model):
    article_id: str
    title: str
    visibility: str | None = None
    score: float
    matched_terms: list[str]
    by_meaning: bool = Field(
        default=False, description="found by meaning (the sentence-embedding model), not only by the words it shares"
    )
    snippet: str = ""


class SimilarCases(Model):
    case_id: str
    cases: list[SimilarCase] = Field(description="other customers' cases, most similar first")
    articles: list[SuggestedArticle] = Field(description="published articles (internal and external) for this case")
