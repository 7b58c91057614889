"""Chalice entry point of notice delivery: the ``notice-jobs`` queue of the lifecycle state machine."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from functions.core import resources
from functions.core.http import Agent, route
from functions.core.settings import get_settings

bp = Blueprint(__name__)

_cached: list[Any] = []  # [settings, service]: rebuilt when the settings are reloaded (tests, local stack)
_source: list[Any] = []  # an explicitly set NoticeSource (tests, bench); else the records part's


def set_notice_source(source: Any | None) -> None:
    """Use this ``NoticeSource`` (tests, bench) instead of the records part's."""
    _source[:] = [source] if source is not None else []


def notice_source() -> Any:
    if _source:
        return _source[0]
    from functions.notify import handlers as records  # noqa: PLC0415 - the records part

    return records.notice_source()  # type: ignore[attr-defined]


def delivery_service() -> Any:
    s = get_settings()
    if not _cached or _cached[0] is not s:
        _cached[:] = [s, _build(s)]
    return _cached[1]


def notice_workflow() -> Any:
    """The ``NoticeWorkflow`` of functions/notify/contract.py (start, signal)."""
    return delivery_service()


def reset_delivery_service() -> None:
    _cached.clear()


def _build(s: Any) -> Any:
    from functions.core.timeutil import iso, utcnow  # noqa: PLC0415
    from functions.notify.delivery.logic import DeliveryService, Policy  # noqa: PLC0415
    from functions.notify.delivery.store import (  # noqa: PLC0415
        AudienceFiles,
        DeliveryStore,
        SesBulkSender,
        SnsSmsSender,
        Workflow,
    )

    policy = Policy(
        base_url=s.public_base_url,
        from_address=s.support_address,
        from_name=s.support_name,
        mail_domain=s.mail_domain,
        send_rate=s.notice_send_rate,
        max_concurrency=s.notice_max_concurrency,
        job_seconds=s.notice_job_seconds,
        sms_mode=s.notice_sms_mode,
    )
    return DeliveryService(
        DeliveryStore(),
        AudienceFiles(),
        SesBulkSender(),
        SnsSmsSender(),
        Workflow(),
        notice_source,
        policy,
        lambda: iso(utcnow()),
    )


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
    from functions.notify.delivery.models import DispatchDeliveries, NoticeDeliveries  # noqa: PLC0415
    from functions.notify.delivery.store import COUNTS, DeliveryStore  # noqa: PLC0415

    notice = notice_source().get(notice_id)
    counts = DeliveryStore().all_counts(notice_id)
    none = dict.fromkeys(COUNTS, 0)
    items = [DispatchDeliveries(seq=d.seq, kind=d.kind, **counts.get(d.seq, none)) for d in notice.dispatches]
    return NoticeDeliveries(notice_id=notice_id, items=items)


@bp.on_sqs_message(queue=get_settings().name(resources.NOTICE_JOBS_QUEUE.logical), batch_size=1)
def handle_notice_jobs(event: Any) -> dict[str, Any]:
    """Jobs of the notice lifecycle: prepare a dispatch, send a batch, finish, wait for a signal."""
    from functions.core.jobs import run_jobs  # noqa: PLC0415
    from functions.notify.delivery.models import Job  # noqa: PLC0415

    service = delivery_service()
    processed = run_jobs(
        event,
        Job,
        service.handle_job,
        kind="notice",
        fields=lambda job: {"notice_id": job.notice_id, "job": job.type},
    )
    return {"processed": processed}
