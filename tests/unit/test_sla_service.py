"""SLA use cases on in-memory records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from functions.core.errors import Conflict, InvalidInput, VersionConflict
from functions.sla.models import Calendar, CalendarCreate, CalendarUpdate, SlaPolicy, SlaPolicyCreate, SlaPolicyUpdate
from functions.sla.service import SlaService
from tests.fakes.records import InMemoryRecords

OFFICE = {
    "calendar_id": "office",
    "name": "Office",
    "timezone": "Europe/Berlin",
    "hours": {d: [{"start": "09:00", "end": "17:00"}] for d in ("mon", "tue", "wed", "thu", "fri")},
}
STANDARD = {
    "policy_id": "standard",
    "name": "Standard",
    "calendar_id": "office",
    "targets": {"normal": {"first_response_minutes": 120, "resolution_minutes": 960}},
}


def _no_id(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in ("calendar_id", "policy_id")} | (
        {"calendar_id": data["calendar_id"]} if "policy_id" in data else {}
    )


@pytest.fixture
def service() -> SlaService:
    return SlaService(
        InMemoryRecords[Calendar]("sla_calendar", "calendar_id"), InMemoryRecords[SlaPolicy]("sla_policy", "policy_id")
    )


def test_a_policy_needs_an_existing_calendar(service):
    with pytest.raises(InvalidInput, match="calendar office does not exist") as err:
        service.create_policy(SlaPolicyCreate.model_validate(STANDARD))
    assert err.value.fields[0]["field"] == "calendar_id"


def test_a_calendar_in_use_cannot_be_deleted(service):
    service.create_calendar(CalendarCreate.model_validate(OFFICE))
    service.create_policy(SlaPolicyCreate.model_validate(STANDARD))
    with pytest.raises(Conflict, match="used by the policies standard"):
        service.delete_calendar("office", None)
    service.delete_policy("standard", None)
    service.delete_calendar("office", None)
    assert service.calendars.list() == []


def test_replacing_with_a_stale_version_is_a_conflict_and_a_good_one_increments_it(service):
    service.create_calendar(CalendarCreate.model_validate(OFFICE))
    changed = service.replace_calendar("office", CalendarUpdate.model_validate({**_no_id(OFFICE), "version": 1}), None)
    assert changed.version == 2
    with pytest.raises(VersionConflict):
        service.replace_calendar("office", CalendarUpdate.model_validate({**_no_id(OFFICE), "name": "x"}), 1)


def test_a_new_case_gets_the_matching_policys_clock_and_changes_move_it(service):
    service.create_calendar(CalendarCreate.model_validate(OFFICE))
    service.create_policy(SlaPolicyCreate.model_validate(STANDARD))
    opened = datetime(2026, 12, 1, 9, tzinfo=UTC)  # Tuesday 10:00 Berlin
    sla = service.clock_for(priority="normal", tier=None, channel="email", at=opened)
    assert sla is not None and sla.first_response_due == datetime(2026, 12, 1, 11, tzinfo=UTC)
    replied = service.advance(sla, at=datetime(2026, 12, 1, 10, tzinfo=UTC), responded=True, status="pending_customer")
    assert replied.first_responded_at is not None and replied.paused_since is not None
    assert service.state(replied, datetime(2026, 12, 1, 16, tzinfo=UTC)) == "paused"


def test_no_policy_no_clock_and_a_removed_policy_leaves_the_clock_as_it_was(service):
    opened = datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert service.clock_for(priority="normal", tier=None, channel="email", at=opened) is None
    service.create_calendar(CalendarCreate.model_validate(OFFICE))
    service.create_policy(SlaPolicyCreate.model_validate(STANDARD))
    sla = service.clock_for(priority="normal", tier=None, channel="email", at=opened)
    service.delete_policy("standard", None)
    assert service.advance(sla, at=opened, priority="urgent") == sla


def test_a_policy_change_reaches_the_next_clock(service):
    service.create_calendar(CalendarCreate.model_validate(OFFICE))
    service.create_policy(SlaPolicyCreate.model_validate(STANDARD))
    opened = datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert service.clock_for(priority="urgent", tier=None, channel="email", at=opened) is not None  # loaded
    urgent = {**_no_id(STANDARD), "targets": {"urgent": {"first_response_minutes": 30}}}
    service.replace_policy("standard", SlaPolicyUpdate.model_validate(urgent), None)
    sla = service.clock_for(priority="urgent", tier=None, channel="email", at=opened)
    assert sla.first_response_due == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
