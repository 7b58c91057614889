"""Chalice entry points of the escalation: the jobs queue, the department links, the agents' API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from chalice import Blueprint, Response

from functions.composition import container
from functions.core import errors, resources
from functions.core.http import STATUS_BY_ERROR, Agent, route
from functions.core.logs import logger
from functions.core.settings import get_settings

if TYPE_CHECKING:
    from functions.problems.escalation.api_models import ActResult, AnswerIn, EscalationList, EscalationView

bp = Blueprint(__name__)
TAGS = ("problems",)
HTML = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.on_sqs_message(queue=get_settings().name(resources.ESCALATION_JOBS_QUEUE.logical), batch_size=5)
def handle_escalation_jobs(event: Any) -> dict[str, Any]:
    """Jobs of the escalation state machine: mail links (keeping the task token), or resolve."""
    from functions.core.jobs import run_jobs  # noqa: PLC0415
    from functions.problems.escalation.models import Job  # noqa: PLC0415

    service = container().escalation
    result = run_jobs(
        event, Job, service.handle_job, kind="escalation", fields=lambda job: {"escalation_id": job.escalation_id}
    )
    return result.response(processed=len(result.results))


def _html(status: int, body: str) -> Response:
    return Response(status_code=status, body=body, headers=dict(HTML))


def _html_error(exc: Exception) -> Response:
    from pydantic import ValidationError  # noqa: PLC0415

    from functions.problems.escalation import pages  # noqa: PLC0415

    if isinstance(exc, ValidationError):
        message = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors(include_url=False))
        return _html(400, pages.error(400, message))
    for cls, status in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            return _html(status, pages.error(status, getattr(exc, "message", str(exc))))
    logger().exception("escalation link failed", extra={"error_type": type(exc).__name__})
    return _html(500, pages.error(500, "please try again later"))


@route(bp, "/escalations/act", "GET", auth="public", tags=TAGS, errors_=(401, 403, 409, 500), html=True)
def escalation_confirm_page(request: Any) -> Response:
    """Confirmation page of a department link (HTML). Opening it never acts (mail scanners open links)."""
    from functions.problems.escalation import pages  # noqa: PLC0415

    token = (request.query_params or {}).get("token") or ""
    try:
        if not token:
            raise errors.Unauthorized("the link has no token")
        task, payload = container().escalation.inspect(token)
    except Exception as exc:  # noqa: BLE001 - every outcome is an HTML page
        return _html_error(exc)
    return _html(200, pages.confirm(task, payload.a, token))


@route(
    bp,
    "/escalations/act",
    "POST",
    auth="public",
    tags=TAGS,
    errors_=(400, 401, 403, 409, 500),
    content_types=("application/x-www-form-urlencoded", "multipart/form-data"),
    html=True,
)
def escalation_act(request: Any) -> Response:
    """Submit a department link's confirmation form (token + reason / root cause / fix): answers the task."""
    from functions.problems.escalation import pages  # noqa: PLC0415

    try:
        raw = request.raw_body or b""
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()}
        token = form.pop("token", "")
        if not token:
            raise errors.Unauthorized("the form has no token")
        result = container().escalation.act(token, form)
    except Exception as exc:  # noqa: BLE001 - every outcome is an HTML page
        return _html_error(exc)
    logger().info("escalation answered by link", extra={"task_id": result.task_id, "action": result.action.value})
    return _html(200, pages.done(result.action))


@route(
    bp,
    "/problems/{problem_id}/escalations",
    "GET",
    response="functions.problems.escalation.api_models:EscalationList",
    tags=TAGS,
)
def list_escalations(request: Any, problem_id: str, *, agent: Agent) -> EscalationList:
    """The problem's escalations: status, level reached, open request, answers."""
    from functions.problems.escalation.api_models import EscalationList  # noqa: PLC0415

    return EscalationList(items=container().escalation.escalations(problem_id))


@route(
    bp,
    "/problems/{problem_id}/escalations/{escalation_id}",
    "GET",
    response="functions.problems.escalation.api_models:EscalationView",
    tags=TAGS,
)
def get_escalation(request: Any, problem_id: str, escalation_id: str, *, agent: Agent) -> EscalationView:
    """One escalation."""
    return container().escalation.escalation(problem_id, escalation_id)


@route(
    bp,
    "/problems/{problem_id}/escalations/{escalation_id}/answer",
    "POST",
    body="functions.problems.escalation.api_models:AnswerIn",
    response="functions.problems.escalation.api_models:ActResult",
    tags=TAGS,
    errors_=(404, 409),
)
def answer_escalation(request: Any, problem_id: str, escalation_id: str, *, agent: Agent, body: AnswerIn) -> ActResult:
    """Answer the escalation's open request for the department (accept / reject / info / deliver) or,
    when the department asked a question, give the answer (action ``answer``)."""
    return container().escalation.answer_current(problem_id, escalation_id, agent.agent_id, body)
