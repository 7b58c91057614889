"""The SLA clock of a case, through the case service, on in-memory fakes: started when the case opens
(the first policy matching the customer's tier and the channel), advanced by priority, status and the
first reply, checked by the schedule (each warning and breach recorded once)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from functions.cases.models import Actor, ActorType, CaseQuery, CaseUpdate, Channel, EventKind, Priority, ReplyIn
from functions.cases.service import CaseService
from functions.customers.models import Customer
from functions.sla.models import Calendar, CalendarCreate, SlaPolicy, SlaPolicyCreate
from functions.sla.service import SlaService
from tests.fakes.cases import FakeCaseStore, FakeReplyChannel
from tests.fakes.channels import FakeDirectory
from tests.fakes.records import InMemoryRecords

MON = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in Berlin
AGENT = Actor(type=ActorType.AGENT, id="alice")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def world():
    sla = SlaService(
        InMemoryRecords[Calendar]("sla_calendar", "calendar_id"), InMemoryRecords[SlaPolicy]("sla_policy", "policy_id")
    )
    sla.create_calendar(
        CalendarCreate.model_validate(
            {
                "calendar_id": "office",
                "name": "Office",
                "timezone": "Europe/Berlin",
                "hours": {d: [{"start": "09:00", "end": "17:00"}] for d in WEEKDAYS},
            }
        )
    )
    targets = {
        "normal": {"first_response_minutes": 120, "resolution_minutes": 480},
        "urgent": {"first_response_minutes": 30},
    }
    sla.create_policy(
        SlaPolicyCreate.model_validate(
            {
                "policy_id": "gold",
                "name": "Gold",
                "calendar_id": "office",
                "targets": targets,
                "match_tiers": ["enterprise"],
                "rank": 10,
            }
        )
    )
    sla.create_policy(
        SlaPolicyCreate.model_validate(
            {
                "policy_id": "standard",
                "name": "Standard",
                "calendar_id": "office",
                "targets": {"normal": {"first_response_minutes": 240}},
                "warn_before_minutes": 60,
            }
        )
    )
    directory = FakeDirectory()
    directory.customers["bigco"] = Customer.model_validate(
        {"customer_id": "bigco", "name": "Big Co", "tier": "enterprise", "created_at": MON, "updated_at": MON}
    )
    clock = Clock(MON)
    store = FakeCaseStore()
    service = CaseService(
        store, directory=directory, reply_channels={Channel.EMAIL: FakeReplyChannel()}, clock=clock, sla=sla
    )
    return service, store, clock


def _open(service: CaseService, **over) -> str:
    args = {"subject": "Printer jams", "channel": Channel.EMAIL, "actor": AGENT, "contact_email": "ann@example.org"}
    return service.open_case(**(args | over)).case_id


def test_a_new_case_gets_the_first_policy_matching_its_customers_tier_with_dues_in_business_time(world):
    service, _, _ = world
    gold = service.get(_open(service, customer_id="bigco"))
    other = service.get(_open(service))

    assert gold.customer_name == "Big Co"
    assert (gold.sla.policy_id, gold.sla.first_response_due) == ("gold", MON + timedelta(hours=2))
    assert gold.sla.resolution_due == MON + timedelta(hours=8)
    assert (other.sla.policy_id, other.sla.first_response_due) == ("standard", MON + timedelta(hours=4))


def test_priority_restarts_the_targets_and_the_first_reply_stops_the_first_response(world):
    service, _, clock = world
    case_id = _open(service, customer_id="bigco")
    clock.now = MON + timedelta(minutes=10)
    case = service.update(case_id, AGENT, CaseUpdate(priority=Priority.URGENT))
    assert case.sla.first_response_due == MON + timedelta(minutes=30)
    assert case.sla.resolution_due is None  # no resolution target for urgent

    clock.now = MON + timedelta(minutes=20)
    service.reply(case_id, AGENT, ReplyIn(body="On it.", status_after=None))
    assert service.get(case_id).sla.first_responded_at == clock.now
    assert service.check_slas(MON + timedelta(hours=1)) == []  # met: nothing to announce


def test_waiting_on_the_customer_pauses_the_clock_and_business_time_paused_moves_the_dues(world):
    service, _, clock = world
    case_id = _open(service)
    clock.now = MON + timedelta(hours=1)
    service.reply(case_id, AGENT, ReplyIn(body="Which model?"))  # -> pending_customer
    paused = service.get(case_id)
    assert paused.sla.paused_since == clock.now
    assert service.list_cases(CaseQuery()).items[0].sla_state == "paused"

    clock.now = MON + timedelta(hours=3)  # two business hours later the customer writes
    from functions.cases.models import Message

    service.add_inbound(case_id, Message(channel=Channel.EMAIL, direction="in", body_text="Model X"), AGENT)
    resumed = service.get(case_id)
    assert resumed.sla.paused_since is None and resumed.sla.paused_seconds == 2 * 3600


def test_the_schedule_records_a_warning_then_a_breach_each_once(world):
    service, store, clock = world
    case_id = _open(service)  # standard: first response due 12:00 UTC, warning an hour before
    due = MON + timedelta(hours=4)

    assert service.check_slas(due - timedelta(minutes=61)) == []
    assert service.check_slas(due - timedelta(minutes=59)) == [case_id]
    clock.now = due - timedelta(minutes=40)
    assert [c.case_id for c in service.list_cases(CaseQuery(sla="breaching_soon")).items] == [case_id]
    assert service.check_slas(due - timedelta(minutes=30)) == []
    assert service.check_slas(due + timedelta(minutes=1)) == [case_id]
    assert service.check_slas(due + timedelta(hours=1)) == []

    kinds = [e.kind for e in store.events[case_id].values()]
    assert kinds.count(EventKind.SLA_WARNING) == 1 and kinds.count(EventKind.SLA_BREACHED) == 1
    breach = next(e for e in store.events[case_id].values() if e.kind == EventKind.SLA_BREACHED)
    assert breach.visibility == "internal" and breach.data["metric"] == "first_response"
    clock.now = due + timedelta(hours=2)
    case = service.list_cases(CaseQuery(sla="breached")).items[0]
    assert (case.case_id, case.sla_state) == (case_id, "breached")


def test_cases_no_policy_covers_have_no_clock(world):
    service, _, _ = world
    service.sla.delete_policy("standard", None)
    case = service.get(_open(service))
    assert case.sla is None and service.view(case.case_id).sla_state == "none"
