"""The SLA clock of a case end to end on moto: the case store (GSI5, the sparse index of running
clocks), the SLA records in the table, a controlled clock; the schedule's handler is registered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from functions.cases.models import Actor, ActorType, CaseQuery, Channel, EventKind, Message, ReplyIn

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AGENT = Actor(type=ActorType.AGENT, id="alice")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def world(aws):
    from functions.cases.service import CaseService
    from functions.cases.store import CaseStore
    from functions.core.records import VersionedRecords
    from functions.sla.models import Calendar, CalendarCreate, SlaPolicy, SlaPolicyCreate
    from functions.sla.service import SlaService
    from tests.fakes.cases import FakeReplyChannel

    sla = SlaService(
        VersionedRecords("sla_calendar", Calendar, "calendar_id"),
        VersionedRecords("sla_policy", SlaPolicy, "policy_id"),
    )
    sla.create_calendar(CalendarCreate.model_validate({"calendar_id": "always", "name": "24x7", "always_open": True}))
    sla.create_policy(
        SlaPolicyCreate.model_validate(
            {
                "policy_id": "default",
                "name": "Default",
                "calendar_id": "always",
                "targets": {"normal": {"first_response_minutes": 60, "resolution_minutes": 240}},
                "warn_before_minutes": 15,
            }
        )
    )
    clock = Clock()
    store = CaseStore()
    service = CaseService(store, reply_channels={Channel.EMAIL: FakeReplyChannel()}, clock=clock, sla=sla)
    return service, store, clock


def _kinds(store, case_id: str) -> list[EventKind]:
    events, _ = store.timeline(case_id)
    return [e.kind for e in events]


def test_open_reply_pause_resume_and_breach_by_the_schedule(world):
    service, store, clock = world
    quick = service.open_case(subject="Jam", channel=Channel.EMAIL, actor=AGENT, contact_email="a@example.org")
    slow = service.open_case(subject="Login", channel=Channel.EMAIL, actor=AGENT, contact_email="b@example.org")
    assert quick.sla.first_response_due == T0 + timedelta(hours=1)
    assert set(store.sla_checks_due(T0 + timedelta(minutes=45))) == {quick.case_id, slow.case_id}

    clock.now = T0 + timedelta(minutes=10)
    service.reply(quick.case_id, AGENT, ReplyIn(body="Which tray?"))  # answered, then waiting: paused
    assert store.sla_checks_due(T0 + timedelta(days=1)) == [slow.case_id]

    clock.now = T0 + timedelta(minutes=40)  # the customer answers after 30 minutes
    service.add_inbound(quick.case_id, Message(channel=Channel.EMAIL, direction="in", body_text="The left one"), AGENT)
    resumed = store.get(quick.case_id)
    assert resumed.sla.resolution_due == T0 + timedelta(hours=4, minutes=30)

    assert service.check_slas(T0 + timedelta(minutes=50)) == [slow.case_id]  # warning
    assert service.check_slas(T0 + timedelta(minutes=61)) == [slow.case_id]  # breach
    assert service.check_slas(T0 + timedelta(minutes=62)) == []
    assert _kinds(store, slow.case_id).count(EventKind.SLA_WARNING) == 1
    assert _kinds(store, slow.case_id).count(EventKind.SLA_BREACHED) == 1
    assert EventKind.SLA_BREACHED not in _kinds(store, quick.case_id)

    clock.now = T0 + timedelta(minutes=63)
    breached = service.list_cases(CaseQuery(sla="breached"))
    assert [c.case_id for c in breached.items] == [slow.case_id]
    assert breached.items[0].sla_state == "breached"
    by_due = service.list_cases(CaseQuery(sort="due"))
    assert [c.case_id for c in by_due.items] == [slow.case_id, quick.case_id]


def test_the_schedule_is_a_function_of_the_app():
    from app import app

    assert "check_case_slas" in {getattr(h, "name", None) for h in app.event_sources} | set(app.handler_map)


def test_the_local_stack_seeds_a_calendar_and_a_default_policy_once_so_new_cases_show_dues(client, agent_headers):
    import json

    from functions.local.seed import seed_sla

    assert seed_sla() == ["business-hours", "default"]
    assert seed_sla() == []
    resp = client.http.post("/cases", headers=agent_headers, body=json.dumps({"subject": "Printer jams"}))
    assert resp.status_code == 201, resp.body
    case = client.http.get(f"/cases/{resp.json_body['case_id']}", headers=agent_headers).json_body
    assert case["sla"]["policy_id"] == "default" and case["sla"]["first_response_due"]
    assert case["sla_state"] in ("ok", "at_risk", "breached")
