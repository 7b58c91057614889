"""Chalice entry points of the email channel: the inbound-mail queue and the agents' inbound API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from functions.composition import container
from functions.core import resources
from functions.core.http import Agent, route
from functions.core.settings import get_settings

if TYPE_CHECKING:
    from functions.channels.email.models import InboundPage, InboundQuery, IngestOutcome, ReplayResult

bp = Blueprint(__name__)
TAGS = ("inbound mail",)


@bp.on_sqs_message(queue=get_settings().name(resources.INBOUND_MAIL_QUEUE.logical), batch_size=5)
def handle_inbound_mail(event: Any) -> dict[str, Any]:
    """SES -> S3 + SNS -> SQS: each record becomes a case interaction, a suppression or a quarantine."""
    from functions.core.batch import process_sqs  # noqa: PLC0415

    intake = container().email_intake
    # A mail that cannot be understood is quarantined (an outcome); an AWS failure raises: that
    # record alone is delivered again.
    result = process_sqs(event, lambda record: intake.ingest_queue_body(record.body), kind="inbound mail")
    outcomes = [o.outcome.value for outcomes in result.results for o in outcomes]
    return result.response(processed=len(outcomes), outcomes=outcomes)


@route(
    bp,
    "/inbound",
    "GET",
    query="functions.channels.email.models:InboundQuery",
    response="functions.channels.email.models:InboundPage",
    tags=TAGS,
)
def list_inbound(request: Any, *, agent: Agent, query: InboundQuery) -> InboundPage:
    """The inbound mail log, newest first (every mail received and what became of it)."""
    return container().email_intake.inbound(None, limit=query.limit, cursor=query.cursor)


@route(
    bp,
    "/inbound/quarantine",
    "GET",
    query="functions.channels.email.models:InboundQuery",
    response="functions.channels.email.models:InboundPage",
    tags=TAGS,
)
def list_quarantine(request: Any, *, agent: Agent, query: InboundQuery) -> InboundPage:
    """Mail that could not be processed, with the reason, newest first."""
    from functions.channels.email.models import Outcome  # noqa: PLC0415

    return container().email_intake.inbound(Outcome.QUARANTINED, limit=query.limit, cursor=query.cursor)


@route(
    bp,
    "/inbound/quarantine/{inbound_id}/replay",
    "POST",
    response="functions.channels.email.models:ReplayResult",
    tags=TAGS,
    errors_=(404, 409),
)
def replay_quarantined(request: Any, inbound_id: str, *, agent: Agent) -> ReplayResult:
    """Run a quarantined mail through intake again (after a fix); returns the new outcome(s)."""
    from functions.channels.email.models import ReplayResult  # noqa: PLC0415

    return ReplayResult(items=container().email_intake.replay(inbound_id))


@route(
    bp,
    "/inbound/spam",
    "GET",
    query="functions.channels.email.models:InboundQuery",
    response="functions.channels.email.models:InboundPage",
    tags=TAGS,
)
def list_spam(request: Any, *, agent: Agent, query: InboundQuery) -> InboundPage:
    """Mail held as spam by the receipt scan, newest first; an agent may release each."""
    from functions.channels.email.models import Outcome  # noqa: PLC0415

    return container().email_intake.inbound(Outcome.SPAM, limit=query.limit, cursor=query.cursor)


@route(
    bp,
    "/inbound/spam/{inbound_id}/release",
    "POST",
    response="functions.channels.email.models:IngestOutcome",
    tags=TAGS,
    errors_=(404, 409),
)
def release_spam(request: Any, inbound_id: str, *, agent: Agent) -> IngestOutcome:
    """Release a mail held as spam: it is ingested normally and the log records who released it."""
    return container().email_intake.release(inbound_id, agent.agent_id)
