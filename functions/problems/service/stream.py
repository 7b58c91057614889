"""Problems on the main table's stream: detection of new cases, reactions to problem status changes.

``ProblemStream.handle`` takes one stream batch (``problem_stream`` in ``handlers.py`` decodes the
records; ``resources.PROBLEM_STREAM`` declares the mapping: batch size, bisect on error,
on-failure queue, one batch at a time per shard because the detection state has one writer).
For each record, in stream order:

* INSERT of a case: a ``CaseSignal`` with the customer's region and tier, and product / model /
  batch from the case (or the customer's install base when it has one value) goes to detection.
  Candidates become problems; matches above ``CASEBRIDGE_DETECTION_AUTO_LINK_SIMILARITY`` are
  linked, the others stored as suggestions.
* INSERT of a problem link: the suggestion is accepted, so it is deleted.
* MODIFY of a problem whose status changed: every reaction is called (the cases before it are
  observed first).
* INSERT or MODIFY of an escalation whose status changed (the escalation workflow writes it):
  a line on the problem's timeline (``rules.escalation_line``; the lifecycle's
  ``record_escalation``, idempotent when the record comes again).

The detection state is read once per batch and written once, when all its records are handled
(``held``; detection's own reaction closes candidates in that same state).

Reactions are the container's (``functions.composition.Container.problem_reactions``), called in
order as ``fn(problem_id, old_status, new_status)``: detection's own first, then the notices'. A
reaction must be idempotent: an error in any reaction does not stop the others nor the detection
update, but the batch then fails (``ReactionsFailed``) and the stream delivers it again (retries,
bisect, then the on-failure queue).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime

from functions.cases.models import Case
from functions.core.errors import NotFound
from functions.core.logs import logger
from functions.customers.models import Customer
from functions.problems import rules
from functions.problems.detection.models import CaseSignal
from functions.problems.detection.rules import customer_segments, signal_from_case
from functions.problems.models import SuggestedCase, TableChange
from functions.problems.ports import Customers, Detection, ProblemReaction, SuggestionStore

# (reaction, problem id, error type) of each reaction that failed
Failure = tuple[str, str, str]


class ReactionsFailed(Exception):
    def __init__(self, failures: list[Failure]) -> None:
        super().__init__(f"{len(failures)} problem reaction(s) failed: {failures}")
        self.failures = failures


def react(problem_id: str, old_status: str | None, new_status: str, reactions: list[ProblemReaction]) -> None:
    """Call every reaction; failures are collected and raised together after all ran."""
    failures: list[Failure] = []
    for reaction in reactions:
        try:
            reaction(problem_id, old_status, new_status)
        except Exception as exc:  # noqa: BLE001 - one reaction must not stop the others
            name = getattr(reaction, "__qualname__", type(reaction).__name__)
            logger().exception("problem reaction failed", extra={"reaction": name, "problem_id": problem_id})
            failures.append((name, problem_id, type(exc).__name__))
    if failures:
        raise ReactionsFailed(failures)


def detection_reaction(detection: Callable[[], Detection], suggestions: SuggestionStore) -> ProblemReaction:
    """Detection's reaction: a dismissed, resolved or closed (incl. merged-away) problem's candidate
    stops collecting cases, and its open suggestions go. ``detection`` gives the detection to close
    the candidate in (inside a stream batch, the batch's own, whose state is loaded once and saved once)."""

    def close_detection(problem_id: str, old_status: str | None, new_status: str) -> None:
        if new_status not in rules.CLOSING_STATUSES or old_status == new_status:
            return
        closed = detection().close(problem_id)
        removed = suggestions.clear(problem_id)
        logger().info(
            "detection closed for problem",
            extra={"problem_id": problem_id, "status": new_status, "candidate_closed": closed, "suggestions": removed},
        )

    return close_detection


class ProblemStream:
    """The problem stream's batches (see the module docstring).

    ``detection`` builds a detection over the deployment's state (one per batch: it holds its
    state); ``reactions`` gives the reactions to status changes for a batch's detection."""

    def __init__(
        self,
        detection: Callable[[], Detection],
        suggestions: SuggestionStore,
        customers: Customers,
        reactions: Callable[[Callable[[], Detection]], list[ProblemReaction]],
        clock: Callable[[], datetime],
        escalations: Callable[[rules.EscalationLine], object] | None = None,
    ) -> None:
        self.detection = detection
        self.suggestions = suggestions
        self.customers = customers
        self.reactions = reactions
        self.clock = clock
        self.escalations = escalations  # an escalation's new status -> the problem's timeline

    def handle(self, changes: list[TableChange]) -> dict[str, int]:
        """Handle one batch in order; raises ``ReactionsFailed`` (after doing all it could, the
        detection state saved) if a reaction failed. Returns what it counted."""
        with ExitStack() as stack:
            held: Detection | None = None

            def detection() -> Detection:
                """The batch's detection: built at its first use, its state loaded once and saved
                once, when the batch's records are all handled."""
                nonlocal held
                if held is None:
                    held = stack.enter_context(self.detection().held())
                return held

            counts, failures = _Batch(self, detection).run(changes)
        if failures:
            raise ReactionsFailed(failures)
        return counts


class _Batch:
    """One batch's work: the cases waiting to be observed, the customers read, the counts."""

    def __init__(self, stream: ProblemStream, detection: Callable[[], Detection]) -> None:
        self.stream = stream
        self.detection = detection
        self.customers: dict[str, Customer | None] = {}
        self.pending: list[CaseSignal] = []
        self.counts = {
            "cases": 0,
            "candidates": 0,
            "auto_linked": 0,
            "suggested": 0,
            "skipped": 0,
            "reactions": 0,
            "escalations": 0,
        }
        self.failures: list[Failure] = []
        self.reactions: list[ProblemReaction] | None = None

    def run(self, changes: list[TableChange]) -> tuple[dict[str, int], list[Failure]]:
        for change in changes:
            new, old = change.new, change.old
            kind = rules.item_kind(new or old)
            if change.event == "INSERT" and kind == "case" and new is not None:
                self.pending.append(self.signal(Case.model_validate(rules.record_fields(new))))
                self.counts["cases"] += 1
            elif change.event == "INSERT" and kind == "link" and new is not None:
                self.stream.suggestions.remove(str(new["problem_id"]), str(new["case_id"]))
            elif change.event == "MODIFY" and kind == "problem" and new is not None:
                old_status = None if old is None else old.get("status")
                if old_status != new.get("status"):
                    self.flush()  # cases before the change are observed before it
                    self.status_changed(str(new["problem_id"]), old_status, str(new["status"]))
            elif change.event in ("INSERT", "MODIFY") and kind == "escalation" and new is not None:
                line = rules.escalation_line(new, change.old)
                if line is not None and self.stream.escalations is not None:
                    self.escalation_changed(line, self.stream.escalations)
        self.flush()
        logger().info("problem stream batch", extra={"records": len(changes), **self.counts})
        return self.counts, self.failures

    def signal(self, case: Case) -> CaseSignal:
        """The detector's view of a case, with its customer's segment attributes."""
        customer = None
        if case.customer_id:
            if case.customer_id not in self.customers:
                self.customers[case.customer_id] = self._customer(case.customer_id)
            customer = self.customers[case.customer_id]
        return signal_from_case(case, customer_segments(case, customer))

    def _customer(self, customer_id: str) -> Customer | None:
        try:
            return self.stream.customers.get(customer_id)
        except NotFound:
            return None

    def flush(self) -> None:
        if not self.pending:
            return
        outcome = self.detection().observe(list(self.pending))
        self.pending.clear()
        now = self.stream.clock()
        self.stream.suggestions.put_many(
            [
                SuggestedCase(
                    problem_id=problem_id,
                    case_id=s.case_id,
                    similarity=round(s.similarity, 4),
                    suggested_at=now,
                    candidate_id=s.candidate_id,
                )
                for problem_id, s in outcome.suggestions
            ]
        )
        self.counts["candidates"] += len(outcome.candidates)
        self.counts["auto_linked"] += len(outcome.auto_linked)
        self.counts["suggested"] += len(outcome.suggestions)
        self.counts["skipped"] += len(outcome.skipped)

    def escalation_changed(self, line: rules.EscalationLine, record: Callable[[rules.EscalationLine], object]) -> None:
        """The escalation's line on its problem's timeline; a failure fails the batch (after the rest)."""
        self.counts["escalations"] += 1
        try:
            record(line)
        except Exception as exc:  # noqa: BLE001 - collected; the batch is delivered again
            logger().exception("escalation line failed", extra={"problem_id": line.problem_id})
            self.failures.append(("escalation_timeline", line.problem_id, type(exc).__name__))

    def status_changed(self, problem_id: str, old_status: str | None, new_status: str) -> None:
        self.counts["reactions"] += 1
        if self.reactions is None:
            self.reactions = self.stream.reactions(self.detection)
        try:
            react(problem_id, old_status, new_status, self.reactions)
        except ReactionsFailed as exc:
            self.failures += exc.failures
