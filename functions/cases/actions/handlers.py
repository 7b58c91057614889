"""Entry points of the actions on many cases: ``POST /cases/bulk``, ``GET /jobs/{job_id}`` and the
``case-jobs`` queue's consumer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from functions.composition import container
from functions.core import resources
from functions.core.http import Agent, if_match_version, route
from functions.core.settings import get_settings

if TYPE_CHECKING:
    from functions.cases.actions.models import BulkIn, JobView, MergeIn, MergeResult, SplitIn

bp = Blueprint(__name__)
TAGS = ("cases",)
AM = "functions.cases.actions.models:"


@route(
    bp,
    "/cases/bulk",
    "POST",
    body=AM + "BulkIn",
    response=AM + "JobAccepted",
    status=202,
    tags=TAGS,
    errors_=(409,),
    idempotency_key=True,
)
def bulk_update(request: Any, *, agent: Agent, body: BulkIn) -> Response:
    """Change many cases at once (by ids, or every case a filter of the queue matches) as a job.

    Each case changes with its own version check; ``GET /jobs/{job_id}`` reports the counts and
    each failed case with its reason. The same Idempotency-Key and body answer the same job."""
    from functions.cases.models import Actor, ActorType  # noqa: PLC0415
    from functions.core import idempotency  # noqa: PLC0415

    actor = Actor(type=ActorType.AGENT, id=agent.agent_id)
    accepted = container().bulk_actions.submit(body, actor, idempotency.key_from_request(request))
    return Response(status_code=202, body=accepted.model_dump(mode="json"))


@route(bp, "/jobs/{job_id}", "GET", response=AM + "JobView", tags=TAGS)
def get_job(request: Any, job_id: str, *, agent: Agent) -> JobView:
    """A bulk job: its status, counts by outcome, and each failed case with its reason."""
    return container().bulk_actions.view(job_id)


@route(
    bp, "/cases/{case_id}/merge", "POST", body=AM + "MergeIn", response=AM + "MergeResult", tags=TAGS, errors_=(409,)
)
def merge_case(request: Any, case_id: str, *, agent: Agent, body: MergeIn) -> MergeResult:
    """Merge this case into another: it is closed (``merged_into``), its timeline, tags and problem
    link go to the target, replies to its mails thread into the target. Cases of two customers need
    ``confirm_other_customer``. Asking again finishes a merge that stopped half-way."""
    from functions.cases.models import Actor, ActorType  # noqa: PLC0415

    actor = Actor(type=ActorType.AGENT, id=agent.agent_id)
    return container().case_merging.merge(case_id, body, actor, if_match_version(request))


@route(
    bp,
    "/cases/{case_id}/split",
    "POST",
    body=AM + "SplitIn",
    response=AM + "SplitResult",
    status=201,
    tags=TAGS,
    errors_=(409,),
)
def split_case(request: Any, case_id: str, *, agent: Agent, body: SplitIn) -> Response:
    """Split interactions off into a new case of the same customer (with their message ids: replies
    thread there), linked to this one."""
    from functions.cases.models import Actor, ActorType  # noqa: PLC0415

    actor = Actor(type=ActorType.AGENT, id=agent.agent_id)
    result = container().case_merging.split(case_id, body, actor, if_match_version(request))
    return Response(status_code=201, body=result.model_dump(mode="json"))


@bp.on_sqs_message(queue=get_settings().name(resources.CASE_JOBS_QUEUE.logical), batch_size=1)
def handle_case_jobs(event: Any) -> dict[str, Any]:
    """Steps of bulk jobs: resolve a selection into chunks, change one chunk of cases."""
    from functions.cases.actions.models import JobStep  # noqa: PLC0415
    from functions.core.jobs import run_jobs  # noqa: PLC0415

    service = container().bulk_actions
    result = run_jobs(
        event, JobStep, service.handle, kind="case", fields=lambda s: {"job_id": s.job_id, "step": s.step}
    )
    return result.response(processed=len(result.results))
