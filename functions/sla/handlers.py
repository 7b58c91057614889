"""Agents' API for SLA calendars and policies (changing them needs an admin role)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from functions.composition import container
from functions.core.http import Agent, if_match_version, route

if TYPE_CHECKING:
    from functions.sla.models import (
        CalendarCreate,
        CalendarList,
        CalendarUpdate,
        SlaPolicyCreate,
        SlaPolicyList,
        SlaPolicyUpdate,
    )

M = "functions.sla.models:"
bp = Blueprint(__name__)
TAGS = ("sla",)


def _etag(model: Any, status: int = 200) -> Response:
    return Response(status_code=status, body=model.model_dump(mode="json"), headers={"ETag": f'"{model.version}"'})


@route(bp, "/sla/calendars", "GET", response=M + "CalendarList", tags=TAGS)
def list_calendars(request: Any, *, agent: Agent) -> CalendarList:
    """Business-hours calendars (working hours per weekday, time zone, holidays)."""
    from functions.sla.models import CalendarList  # noqa: PLC0415

    return CalendarList(items=container().sla.calendars.list())


@route(
    bp, "/sla/calendars", "POST", body=M + "CalendarCreate", response=M + "Calendar", status=201, tags=TAGS,
    errors_=(409,), admin=True,
)  # fmt: skip
def create_calendar(request: Any, *, agent: Agent, body: CalendarCreate) -> Response:
    """Create a calendar."""
    return _etag(container().sla.create_calendar(body), 201)


@route(bp, "/sla/calendars/{calendar_id}", "GET", response=M + "Calendar", tags=TAGS)
def get_calendar(request: Any, calendar_id: str, *, agent: Agent) -> Response:
    """One calendar."""
    return _etag(container().sla.calendars.get(calendar_id))


@route(
    bp, "/sla/calendars/{calendar_id}", "PUT", body=M + "CalendarUpdate", response=M + "Calendar", tags=TAGS,
    errors_=(409,), admin=True,
)  # fmt: skip
def replace_calendar(request: Any, calendar_id: str, *, agent: Agent, body: CalendarUpdate) -> Response:
    """Replace a calendar (send the version you saw, or If-Match). Open cases keep the dues they have."""
    return _etag(container().sla.replace_calendar(calendar_id, body, if_match_version(request)))


@route(bp, "/sla/calendars/{calendar_id}", "DELETE", status=204, tags=TAGS, errors_=(409,), admin=True)
def delete_calendar(request: Any, calendar_id: str, *, agent: Agent) -> None:
    """Delete a calendar no policy uses."""
    container().sla.delete_calendar(calendar_id, if_match_version(request))


@route(bp, "/sla/policies", "GET", response=M + "SlaPolicyList", tags=TAGS)
def list_policies(request: Any, *, agent: Agent) -> SlaPolicyList:
    """SLA policies: targets by priority, the calendar they count in, which cases they cover."""
    from functions.sla.models import SlaPolicyList  # noqa: PLC0415

    return SlaPolicyList(items=sorted(container().sla.policies.list(), key=lambda p: (p.rank, p.policy_id)))


@route(
    bp, "/sla/policies", "POST", body=M + "SlaPolicyCreate", response=M + "SlaPolicy", status=201, tags=TAGS,
    errors_=(409,), admin=True,
)  # fmt: skip
def create_policy(request: Any, *, agent: Agent, body: SlaPolicyCreate) -> Response:
    """Create a policy. New cases get the first matching policy by rank."""
    return _etag(container().sla.create_policy(body), 201)


@route(bp, "/sla/policies/{policy_id}", "GET", response=M + "SlaPolicy", tags=TAGS)
def get_policy(request: Any, policy_id: str, *, agent: Agent) -> Response:
    """One policy."""
    return _etag(container().sla.policies.get(policy_id))


@route(
    bp, "/sla/policies/{policy_id}", "PUT", body=M + "SlaPolicyUpdate", response=M + "SlaPolicy", tags=TAGS,
    errors_=(409,), admin=True,
)  # fmt: skip
def replace_policy(request: Any, policy_id: str, *, agent: Agent, body: SlaPolicyUpdate) -> Response:
    """Replace a policy (send the version you saw, or If-Match). Open cases keep the dues they have."""
    return _etag(container().sla.replace_policy(policy_id, body, if_match_version(request)))


@route(bp, "/sla/policies/{policy_id}", "DELETE", status=204, tags=TAGS, errors_=(409,), admin=True)
def delete_policy(request: Any, policy_id: str, *, agent: Agent) -> None:
    """Delete a policy (cases it covers keep their dues)."""
    container().sla.delete_policy(policy_id, if_match_version(request))
