"""Problem records (the root cause behind many cases, its links, impact, cost and timeline), the
departments that fix root causes and the routing rules that suggest one, the cases detection
suggests linking, and the table's changes the problem stream reads."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from functions.cases.models import Actor, Priority
from functions.core.models import Model
from functions.core.validators import Code, Email, Name, PageSize
from functions.problems.detection.models import Growth, ThreadItem

Title = Annotated[str, Field(min_length=1, max_length=300)]
LongText = Annotated[str, Field(max_length=20_000)]
CaseId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]

# At most this many cases per link request (each costs two items of a 100-item transaction).
MAX_LINKS_PER_REQUEST = 40


class ProblemStatus(StrEnum):
    CANDIDATE = "candidate"
    CONFIRMED = "confirmed"
    ROOT_CAUSE_ANALYSIS = "root_cause_analysis"
    FIX_IN_PROGRESS = "fix_in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    DISMISSED = "dismissed"


class LinkType(StrEnum):
    """How a case relates to the problem: caused by it (confirmed), or only looks similar."""

    ROOT_CAUSE = "root_cause"
    SIMILAR = "similar"


class ProblemEventKind(StrEnum):
    CREATED = "created"
    STATUS_CHANGED = "status_changed"
    FIELDS_CHANGED = "fields_changed"
    CASES_LINKED = "cases_linked"
    CASES_UNLINKED = "cases_unlinked"
    MERGED = "merged"
    MERGED_INTO = "merged_into"
    DEPARTMENT_SUGGESTED = "department_suggested"
    DEPARTMENT_ASSIGNED = "department_assigned"
    ESCALATION_FAILED = "escalation_failed"
    ESCALATION_CHANGED = "escalation_changed"
    FIX_RECORDED = "fix_recorded"
    RESOLVED = "resolved"
    KNOWLEDGE_UPDATED = "knowledge_updated"
    NOTE = "note"


class DepartmentSuggestion(Model):
    department_id: str
    rule_id: str | None = Field(default=None, description="the routing rule that matched (null: fallback)")
    reason: str = ""


class ProblemEvidence(Model):
    """What detection recorded when it opened the problem (``functions/problems/detection/models.py:
    Evidence`` and the keys the sink adds). Every field is optional: a problem an agent opened has none."""

    model_config = ConfigDict(extra="allow")

    growth: Growth | None = None
    common_thread: list[ThreadItem] = Field(default_factory=list)
    top_terms: list[str] = Field(default_factory=list)
    detector_title: str | None = Field(default=None, description="the detector's own title (its top terms)")
    candidate_id: str | None = None
    group_ids: list[str] = Field(default_factory=list)
    skipped_cases: list[str] = Field(
        default_factory=list, description="cases of the candidate left unlinked (unknown or linked elsewhere)"
    )


class Problem(Model):
    problem_id: str = Field(description="human-friendly problem number, e.g. PB-100007")
    title: str
    description: str = ""
    status: ProblemStatus = ProblemStatus.CANDIDATE
    priority: Priority = Priority.NORMAL
    category: str | None = None
    product: str | None = None
    department_id: str | None = None
    owner: str | None = Field(default=None, description="the person accountable in the department")
    root_cause: str | None = None
    workaround: str | None = None
    permanent_fix: str | None = None
    suggested_department: DepartmentSuggestion | None = None
    evidence: ProblemEvidence = Field(
        default_factory=lambda: ProblemEvidence(),
        description="why detection opened it: growth, common thread (counts, lift); empty for problems agents open",
    )
    merged_into: str | None = None
    article_id: str | None = Field(
        default=None, description="the knowledge article that carries the permanent fix (set when the fix is delivered)"
    )
    case_count: int = 0
    created_by: Actor
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    version: int = 1


class ProblemLink(Model):
    problem_id: str
    case_id: str
    link_type: LinkType = LinkType.ROOT_CAUSE
    linked_at: datetime
    linked_by: Actor


class ProblemEvent(Model):
    event_id: str
    problem_id: str
    at: datetime
    kind: ProblemEventKind
    actor: Actor
    body: str | None = None
    changes: dict[str, dict[str, Any]] | None = None
    data: dict[str, Any] | None = None


class Impact(Model):
    cases: int = 0
    open_cases: int = 0
    customers: int = Field(default=0, description="distinct customers among the linked cases")
    unknown_customer_cases: int = Field(default=0, description="linked cases without a known customer")
    segments: dict[str, dict[str, int]] = Field(
        default_factory=dict,
        description=(
            "attribute -> value -> number of linked cases (product/model/batch from the case, else from "
            "its customer's install base; region/tier from the customer; channel from the case)"
        ),
    )


class ChannelCost(Model):
    cases: int = 0
    interactions: int = 0
    unit_cost: float | None = None
    cost: float = 0.0


class Cost(Model):
    total: float = 0.0
    interactions: int = 0
    by_channel: dict[str, ChannelCost] = Field(default_factory=dict)
    unpriced_interactions: int = Field(default=0, description="interactions on channels without a configured cost")


class ProblemView(Problem):
    links: list[ProblemLink] = Field(default_factory=list)
    impact: Impact = Field(default_factory=Impact)
    cost: Cost = Field(default_factory=Cost)
    timeline: list[ProblemEvent] = Field(default_factory=list)
    timeline_cursor: str | None = None


class ProblemPage(Model):
    items: list[Problem]
    next_cursor: str | None = None


# -- requests ------------------------------------------------------------------


class ProblemIn(Model):
    model_config = ConfigDict(extra="forbid")

    title: Title
    description: LongText = ""
    priority: Priority = Priority.NORMAL
    category: Code | None = None
    product: Code | None = None
    workaround: LongText | None = None
    case_ids: list[CaseId] = Field(default_factory=list, max_length=MAX_LINKS_PER_REQUEST)
    link_type: LinkType = LinkType.ROOT_CAUSE
    status: ProblemStatus = Field(
        default=ProblemStatus.CONFIRMED, description="agents open confirmed problems (or candidates)"
    )


class ProblemFromCaseIn(Model):
    model_config = ConfigDict(extra="forbid")

    title: Title | None = Field(default=None, description="default: the case's subject")
    description: LongText | None = Field(default=None, description="default: the case's description")
    priority: Priority | None = Field(default=None, description="default: the case's priority")
    workaround: LongText | None = None


class ProblemSort(StrEnum):
    UPDATED = "updated"  # most recently changed first
    CREATED = "created"  # newest first
    LINKED_CASES = "linked_cases"  # most linked cases first


class ProblemQuery(Model):
    model_config = ConfigDict(extra="forbid")

    status: ProblemStatus | None = None
    department_id: Code | None = None
    q: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="words that must all occur in the title, description or number (any case)"
    )
    sort: ProblemSort = ProblemSort.UPDATED
    limit: PageSize = 50
    cursor: str | None = None


class ProblemViewQuery(Model):
    model_config = ConfigDict(extra="forbid")

    limit: PageSize = 200
    cursor: str | None = Field(default=None, description="timeline_cursor of the previous page")


class ProblemUpdate(Model):
    """Fields an agent may change. ``version`` is the version the agent last saw (or send If-Match)."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1)
    status: ProblemStatus | None = None
    title: Title | None = None
    description: LongText | None = None
    priority: Priority | None = None
    category: Code | None = None
    product: Code | None = None
    department_id: Code | None = Field(default=None, description="assigning a department starts its escalation")
    owner: Annotated[str, Field(max_length=254)] | None = None
    root_cause: LongText | None = None
    workaround: LongText | None = None
    permanent_fix: LongText | None = None
    comment: Annotated[str, Field(max_length=10_000)] | None = Field(default=None, description="why (on the timeline)")


class LinkIn(Model):
    model_config = ConfigDict(extra="forbid")

    case_ids: Annotated[list[CaseId], Field(min_length=1, max_length=MAX_LINKS_PER_REQUEST)]
    link_type: LinkType = LinkType.ROOT_CAUSE
    version: int | None = Field(default=None, ge=1)


class LinkResult(Model):
    problem: Problem
    linked: list[str] = Field(default_factory=list)
    already_linked: list[str] = Field(default_factory=list)


class MergeIn(Model):
    model_config = ConfigDict(extra="forbid")

    source_problem_id: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="the problem merged into this one (closed afterwards, pointing here)"
    )
    version: int | None = Field(default=None, ge=1, description="version of the target problem")


class MergeResult(Model):
    problem: Problem
    merged: Problem
    moved_cases: list[str] = Field(default_factory=list)


class ResolveIn(Model):
    model_config = ConfigDict(extra="forbid")

    fix_note: LongText | None = Field(default=None, description="sent to customers; default: the permanent fix")
    resolve_cases: bool = True
    version: int | None = Field(default=None, ge=1)


class SkippedCase(Model):
    case_id: str
    reason: str


class ResolveResult(Model):
    problem: Problem
    resolved_cases: list[str] = Field(default_factory=list)
    skipped_cases: list[SkippedCase] = Field(
        default_factory=list, description="linked cases left as they were (closed, already resolved, failed)"
    )
    not_informed: list[SkippedCase] = Field(
        default_factory=list, description="resolved, but no message could be sent (no channel to reply through)"
    )


class AssignIn(Model):
    model_config = ConfigDict(extra="forbid")

    department_id: Code
    owner: Annotated[str, Field(max_length=254)] | None = None
    version: int | None = Field(default=None, ge=1)


class FixIn(Model):
    model_config = ConfigDict(extra="forbid")

    root_cause: Annotated[str, Field(min_length=1, max_length=20_000)]
    permanent_fix: Annotated[str, Field(min_length=1, max_length=20_000)]


class ArticleUpdate(Model):
    """What putting a problem's permanent fix into the knowledge base did (on the problem's timeline)."""

    article_id: str
    action: Literal["created", "updated"]
    article_status: str
    version: int


# -- departments and routing rules ---------------------------------------------

# Hours to answer an escalation, by problem priority: a department's policy until it sets its own.
DEFAULT_POLICY: dict[str, int] = {"urgent": 4, "high": 24, "normal": 72, "low": 168}
Hours = Annotated[int, Field(ge=1, le=24 * 365)]


class EscalationPolicy(Model):
    """How long the department has to answer, by problem priority (hours)."""

    model_config = ConfigDict(extra="forbid")

    due_hours: dict[Priority, Hours] = Field(
        default_factory=lambda: {Priority(k): v for k, v in DEFAULT_POLICY.items()}
    )

    @model_validator(mode="after")
    def _every_priority(self) -> EscalationPolicy:
        missing = [p.value for p in Priority if p not in self.due_hours]
        if missing:
            raise ValueError(f"due_hours needs every priority; missing: {', '.join(missing)}")
        return self

    def hours_for(self, priority: Priority) -> int:
        return self.due_hours[priority]


class DepartmentIn(Model):
    model_config = ConfigDict(extra="forbid")

    name: Name
    contact_email: Email = Field(description="where escalation tasks are sent")
    manager_email: Email = Field(description="who is told when the contact does not answer in time")
    description: Annotated[str, Field(max_length=2000)] = ""
    escalation_policy: EscalationPolicy | None = Field(
        default=None, description="answer deadlines by priority; null: the deployment's default policy"
    )
    version: int | None = Field(default=None, ge=1, description="on replace: the version you saw")


class DepartmentCreate(DepartmentIn):
    department_id: Code


class Department(Model):
    department_id: str
    name: str
    contact_email: str
    manager_email: str
    description: str = ""
    escalation_policy: EscalationPolicy | None = Field(
        default=None, description="answer deadlines by priority; null: the deployment's default policy"
    )
    created_at: datetime
    updated_at: datetime
    version: int = 1


class DepartmentList(Model):
    items: list[Department]


Keyword = Annotated[str, Field(min_length=1, max_length=100)]


class RoutingRule(Model):
    model_config = ConfigDict(extra="forbid")

    rule_id: Code
    order: Annotated[int, Field(ge=0, le=1_000_000)] = 100
    department_id: Code
    categories: list[Code] = Field(default_factory=list, max_length=100)
    products: list[Code] = Field(default_factory=list, max_length=100)
    keywords: list[Keyword] = Field(default_factory=list, max_length=100)
    description: Annotated[str, Field(max_length=500)] = ""

    @model_validator(mode="after")
    def _has_criteria(self) -> RoutingRule:
        if not (self.categories or self.products or self.keywords):
            raise ValueError("a rule needs at least one of categories, products or keywords")
        return self


class RoutingRulesIn(Model):
    model_config = ConfigDict(extra="forbid")

    rules: Annotated[list[RoutingRule], Field(max_length=500)]
    version: int | None = Field(default=None, ge=1, description="the version you saw (GET /routing-rules)")

    @model_validator(mode="after")
    def _unique_ids(self) -> RoutingRulesIn:
        ids = [r.rule_id for r in self.rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"rule ids must be unique; repeated: {', '.join(dupes)}")
        return self


class RoutingRules(Model):
    rules: list[RoutingRule] = Field(default_factory=list)
    version: int = 0
    updated_at: datetime | None = None


# -- cases detection suggests linking ------------------------------------------


class SuggestedCase(Model):
    problem_id: str
    case_id: str
    similarity: float = Field(description="the case's similarity to the problem's group (0..1)")
    suggested_at: datetime
    candidate_id: str | None = Field(default=None, description="the detector's candidate the case matched")


class SuggestedCases(Model):
    items: list[SuggestedCase] = Field(description="most similar first")


# -- the table's stream ----------------------------------------------------------


class TableChange(Model):
    """One record of the table's stream as ``problem_stream`` reads it: the item before and after
    (plain values; numbers may be ``Decimal``)."""

    event: str = Field(description="INSERT, MODIFY or REMOVE")
    new: dict[str, Any] | None = None
    old: dict[str, Any] | None = None
