"""Chalice entry point of notice delivery: the ``notice-jobs`` queue of the lifecycle state machine."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from functions.composition import container
from functions.core import resources
from functions.core.http import Agent, route
from functions.core.settings import get_settings

bp = Blueprint(__name__)


@route(
    bp,
    "/notices/{notice_id}/deliveries",
    "GET",
    response="functions.notify.delivery.models:NoticeDeliveries",
    tags=("notices",),
    errors_=(401, 404),
)
def notice_deliveries(request: Any, notice_id: str, *, agent: Agent) -> Any:
    """Per dispatch of the notice: emails sent, SMS published, failed, uncertain (counts, no recipients)."""
    return container().notice_delivery.deliveries(notice_id)


@bp.on_sqs_message(queue=get_settings().name(resources.NOTICE_JOBS_QUEUE.logical), batch_size=1)
def handle_notice_jobs(event: Any) -> dict[str, Any]:
    """Jobs of the notice lifecycle: prepare a dispatch, send a batch, finish, wait for a signal."""
    from functions.core.jobs import run_jobs  # noqa: PLC0415
    from functions.notify.delivery.models import Job  # noqa: PLC0415

    service = container().notice_delivery
    result = run_jobs(
        event,
        Job,
        service.handle_job,
        kind="notice",
        fields=lambda job: {"notice_id": job.notice_id, "job": job.type},
    )
    return result.response(processed=len(result.results))
