"""Problems on the main table's stream: detection of new cases, reactions to problem status changes.

``problem_stream`` is a plain Lambda function fed by the DynamoDB stream
(``resources.PROBLEM_STREAM``: batch size, bisect on error, on-failure queue, one batch at a time
per shard because the detection state has one writer). The local stack's ``StreamPump`` and the
CDK stack both read that definition. For each batch, in stream order:

* INSERT of a case (``CASE#{id}`` / ``#META``): a ``CaseSignal`` with the customer's region and
  tier, and product / model / batch from the case (or the customer's install base when it has
  one value) goes to ``DetectionService.observe``. Candidates become problems; matches above
  ``CASEBRIDGE_DETECTION_AUTO_LINK_SIMILARITY`` are linked, the others stored as suggestions
  (``functions.problems.suggestions``).
* INSERT of a problem link (``PROBLEM#{id}`` / ``LINK#{case}``): the suggestion is accepted, so
  it is deleted.
* MODIFY of a problem (``PROBLEM#{id}`` / ``#META``) whose status changed: every reaction is
  called.

The detection state is read once per batch and written once, when all its records are handled
(``DetectionService.held``; detection's own reaction closes candidates in that same state).

Reactions are the container's (``functions.composition.Container.problem_reactions``), called in
order as ``fn(problem_id, old_status, new_status)``: detection's own first, then the notices'. A
reaction must be idempotent: an error in any reaction does not stop the others nor the detection
update, but the batch then fails and the stream delivers it again (retries, bisect, then the
on-failure queue).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Rate

from functions.composition import ProblemReaction, container
from functions.core.http import Agent, route
from functions.core.logs import logger

if TYPE_CHECKING:
    from functions.problems.detection.service import DetectionService
    from functions.problems.suggestions import SuggestedCases

bp = Blueprint(__name__)


class ReactionsFailed(Exception):
    def __init__(self, failures: list[tuple[str, str, str]]) -> None:
        super().__init__(f"{len(failures)} problem reaction(s) failed: {failures}")
        self.failures = failures


def react(problem_id: str, old_status: str | None, new_status: str, reactions: list[ProblemReaction]) -> None:
    """Call every reaction; failures are collected and raised together after all ran."""
    failures: list[tuple[str, str, str]] = []
    for reaction in reactions:
        try:
            reaction(problem_id, old_status, new_status)
        except Exception as exc:  # noqa: BLE001 - one reaction must not stop the others
            name = getattr(reaction, "__qualname__", type(reaction).__name__)
            logger().exception("problem reaction failed", extra={"reaction": name, "problem_id": problem_id})
            failures.append((name, problem_id, type(exc).__name__))
    if failures:
        raise ReactionsFailed(failures)


# -- records --------------------------------------------------------------------------------------
def _image(record: dict[str, Any], which: str) -> dict[str, Any] | None:
    from boto3.dynamodb.types import TypeDeserializer  # noqa: PLC0415

    raw = (record.get("dynamodb") or {}).get(which)
    if not raw:
        return None
    de = TypeDeserializer()
    return {k: de.deserialize(v) for k, v in raw.items()}


def _kind(item: dict[str, Any] | None) -> str | None:
    if not item:
        return None
    pk, sk = str(item.get("PK", "")), str(item.get("SK", ""))
    if pk.startswith("CASE#") and sk == "#META":
        return "case"
    if pk.startswith("PROBLEM#") and sk == "#META":
        return "problem"
    if pk.startswith("PROBLEM#") and sk.startswith("LINK#"):
        return "link"
    return None


def case_signal(item: dict[str, Any], customers: dict[str, Any]) -> Any:
    """The detector's view of a case item, with its customer's segment attributes."""
    from functions.cases.models import Case  # noqa: PLC0415
    from functions.core import dynamo  # noqa: PLC0415
    from functions.problems.detection.service import signal_from_case  # noqa: PLC0415

    case = Case.model_validate(dynamo.strip_keys(dynamo.from_item(item)))
    segments: dict[str, str] = {}
    if case.customer_id:
        customer = customers.get(case.customer_id, False)
        if customer is False:
            customer = _customer(case.customer_id)
            customers[case.customer_id] = customer
        if customer is not None:
            if customer.region:
                segments["region"] = customer.region
            segments["tier"] = getattr(customer.tier, "value", str(customer.tier))
            for attribute in ("product", "model", "batch"):
                if getattr(case, attribute):
                    continue
                values = {getattr(a, attribute) for a in customer.install_base} - {None}
                if len(values) == 1:
                    segments[attribute] = str(values.pop())
    return signal_from_case(case, segments)


def _customer(customer_id: str) -> Any:
    from functions.core.errors import NotFound  # noqa: PLC0415

    try:
        return container().customer_store.get(customer_id)
    except NotFound:
        return None


def handle_records(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Process one stream batch in order; raises (after doing all it could, the detection state
    saved) if a reaction failed."""
    with ExitStack() as stack:
        service: DetectionService | None = None

        def detection() -> DetectionService:
            """The batch's detection: built at its first use, its state loaded once and saved once,
            when the batch's records are all handled (``DetectionService.held``)."""
            nonlocal service
            if service is None:
                service = stack.enter_context(container().detection().held())
            return service

        failures = _handle(records, detection)
    if failures:
        raise ReactionsFailed(failures)
    return {"batchItemFailures": []}


def _handle(records: list[dict[str, Any]], detection: Callable[[], DetectionService]) -> list[tuple[str, str, str]]:
    from functions.problems.suggestions import SuggestedCase  # noqa: PLC0415

    customers: dict[str, Any] = {}
    pending: list[Any] = []
    counts = {"cases": 0, "candidates": 0, "auto_linked": 0, "suggested": 0, "skipped": 0, "reactions": 0}
    failures: list[tuple[str, str, str]] = []
    suggestions = container().suggestion_store
    reactions: list[ProblemReaction] | None = None

    def flush() -> None:
        if not pending:
            return
        outcome = detection().observe(list(pending))
        pending.clear()
        now = _now()
        suggestions.put_many(
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
        counts["candidates"] += len(outcome.candidates)
        counts["auto_linked"] += len(outcome.auto_linked)
        counts["suggested"] += len(outcome.suggestions)
        counts["skipped"] += len(outcome.skipped)

    for record in records:
        event = record.get("eventName")
        new, old = _image(record, "NewImage"), _image(record, "OldImage")
        kind = _kind(new or old)
        if event == "INSERT" and kind == "case" and new is not None:
            pending.append(case_signal(new, customers))
            counts["cases"] += 1
        elif event == "INSERT" and kind == "link" and new is not None:
            suggestions.remove(str(new["problem_id"]), str(new["case_id"]))
        elif event == "MODIFY" and kind == "problem" and new is not None:
            old_status = None if old is None else old.get("status")
            if old_status != new.get("status"):
                flush()  # cases before the change are observed before it
                counts["reactions"] += 1
                if reactions is None:
                    reactions = container().problem_reactions(detection)
                try:
                    react(str(new["problem_id"]), old_status, str(new["status"]), reactions)
                except ReactionsFailed as exc:
                    failures += exc.failures
    flush()
    logger().info("problem stream batch", extra={"records": len(records), **counts})
    return failures


def _now() -> Any:
    from functions.core.timeutil import utcnow  # noqa: PLC0415

    return utcnow()


@bp.lambda_function(name="problem_stream")
def problem_stream(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle_records(event.get("Records") or [])


@bp.schedule(Rate(1, unit=Rate.HOURS), name="refresh_segment_base")
def refresh_segment_base(event: Any) -> dict[str, Any]:
    """Recount the customer base's segment values when the stored counts are a day old (or
    missing): the common thread's reference, kept out of the stream handler."""
    cache = container().segment_base
    recounted = cache.refresh()
    totals = cache.get().totals
    logger().info("segment base", extra={"recounted": recounted, "totals": totals})
    return {"recounted": recounted, "totals": totals}


# -- agents' API ----------------------------------------------------------------------------------
@route(
    bp,
    "/problems/{problem_id}/suggested-cases",
    "GET",
    response="functions.problems.suggestions:SuggestedCases",
    tags=("problems",),
)
def suggested_cases(request: Any, problem_id: str, *, agent: Agent) -> SuggestedCases:
    """Later cases detection matched to this problem, most similar first. Accept one by linking it
    (POST /problems/{problem_id}/links); cases linked to any problem are left out."""
    from functions.problems.suggestions import SuggestedCases  # noqa: PLC0415

    container().problems.get(problem_id)  # 404 for an unknown problem
    return SuggestedCases(items=container().suggestion_store.list(problem_id))
