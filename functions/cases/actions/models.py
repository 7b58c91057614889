"""Bulk changes of cases (the request, the job, its steps and outcomes)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from functions.cases.models import Actor, Case, CaseQuery, CaseStatus, Priority
from functions.core.models import Model
from functions.core.validators import Code

CaseId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
MAX_BULK_IDS = 1000
# Cases one queue message changes (each with its own version check); a chunk stays well inside the
# consumer's timeout however busy the table is.
CHUNK_SIZE = 25
# A filter selects at most this many cases (every page of the list up to it); past that the job
# says so (``truncated``) instead of running for hours.
MAX_SELECTED = 10_000


class BulkFilter(CaseQuery):
    """The queue's query (``GET /cases`` parameters): every matching case, across all pages."""

    @model_validator(mode="after")
    def _no_paging(self) -> BulkFilter:
        if self.cursor is not None:
            raise ValueError("a filter selects every matching case: leave out cursor")
        return self


class BulkUpdate(Model):
    model_config = ConfigDict(extra="forbid")

    status: CaseStatus | None = None
    priority: Priority | None = None
    assignee: Annotated[str, Field(max_length=128)] | None = None
    unassign: bool = False
    add_tags: Annotated[list[Code], Field(max_length=20)] = Field(default_factory=list)
    remove_tags: Annotated[list[Code], Field(max_length=20)] = Field(default_factory=list)
    problem_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")] | None = Field(
        default=None, description="link every case to this problem (as a root cause)"
    )
    comment: Annotated[str, Field(max_length=10_000)] | None = Field(
        default=None, description="why (goes on each case's timeline)"
    )
    merge_into: CaseId | None = Field(
        default=None, description="merge every case into this one (POST /cases/{id}/merge for each); alone"
    )
    confirm_other_customer: bool = Field(default=False, description="with merge_into: merge other customers' cases too")

    @model_validator(mode="after")
    def _something(self) -> BulkUpdate:
        others = (self.status, self.priority, self.assignee, self.problem_id)
        if self.merge_into is not None:
            if any(v is not None for v in others) or self.unassign or self.add_tags or self.remove_tags:
                raise ValueError("merge_into goes alone: the merged cases are closed")
            return self
        if self.unassign and self.assignee:
            raise ValueError("give either assignee or unassign, not both")
        if set(self.add_tags) & set(self.remove_tags):
            raise ValueError("a tag cannot be both added and removed")
        changes = (self.status, self.priority, self.assignee, self.problem_id)
        if all(v is None for v in changes) and not (self.unassign or self.add_tags or self.remove_tags):
            raise ValueError("update changes nothing: give status, priority, assignee, unassign, tags or problem_id")
        return self


class BulkIn(Model):
    """Either ``case_ids`` or ``filter`` selects the cases."""

    model_config = ConfigDict(extra="forbid")

    case_ids: Annotated[list[CaseId], Field(min_length=1, max_length=MAX_BULK_IDS)] | None = None
    filter: BulkFilter | None = None
    update: BulkUpdate

    @model_validator(mode="after")
    def _one_selection(self) -> BulkIn:
        if (self.case_ids is None) == (self.filter is None):
            raise ValueError("give either case_ids or filter")
        return self


class JobStatus(StrEnum):
    QUEUED = "queued"  # recorded; its selection is not resolved yet
    RUNNING = "running"  # the selection is resolved into chunks; cases are being changed
    DONE = "done"  # every selected case has its outcome


class Outcome(StrEnum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"  # the case already was as asked
    FAILED = "failed"


class BulkJob(Model):
    job_id: str
    kind: Literal["bulk_update"] = "bulk_update"
    status: JobStatus = JobStatus.QUEUED
    case_ids: list[str] | None = None
    filter: BulkFilter | None = None
    update: BulkUpdate
    fingerprint: str = Field(default="", description="of the request (a repeated Idempotency-Key must match it)")
    total: int | None = Field(default=None, description="cases selected (known once the selection is resolved)")
    truncated: bool = Field(default=False, description=f"the filter matched more than {MAX_SELECTED} cases")
    chunks: int | None = None
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    created_by: Actor
    created_at: datetime
    finished_at: datetime | None = None


class Failure(Model):
    case_id: str
    error: str = Field(description="the error's code (not_found, invalid_transition, conflict, ...)")
    message: str


class JobView(BulkJob):
    done: int = Field(default=0, description="cases with an outcome (changed, unchanged or failed)")
    failures: list[Failure] = Field(default_factory=list, description="each failed case with its reason")


class JobAccepted(Model):
    job_id: str
    status: JobStatus


class JobStep(Model):
    """One message of the ``case-jobs`` queue: resolve the selection, or change one chunk's cases."""

    job_id: Annotated[str, Field(min_length=1, max_length=64)]
    step: Literal["select", "chunk"]
    chunk: int | None = Field(default=None, ge=0)


# -- merge and split ------------------------------------------------------------------------------


class MergeIn(Model):
    model_config = ConfigDict(extra="forbid")

    into: CaseId = Field(description="the case that goes on (the target)")
    version: int | None = Field(default=None, ge=1, description="the merged case's version you saw (or If-Match)")
    confirm_other_customer: bool = Field(
        default=False, description="required when the two cases belong to different customers"
    )


class MergeResult(Model):
    case: Case = Field(description="the target, with the merged case's interactions on its timeline")
    merged: Case = Field(description="the merged case: closed, merged_into the target")
    moved_events: int
    problem_linked: str | None = Field(
        default=None, description="the problem the target was linked to (the merged case's)"
    )
    problem_error: str | None = Field(default=None, description="why the merged case's problem could not be linked")


class SplitIn(Model):
    model_config = ConfigDict(extra="forbid")

    event_ids: Annotated[list[Annotated[str, Field(min_length=1, max_length=128)]], Field(min_length=1, max_length=100)]
    subject: Annotated[str, Field(min_length=1, max_length=998)]
    version: int | None = Field(default=None, ge=1, description="the original case's version you saw (or If-Match)")


class SplitResult(Model):
    case: Case = Field(description="the new case, with the interactions split off")
    original: Case
    moved_events: int
