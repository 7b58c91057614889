"""Business time and the SLA clock (functions/sla/rules.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from functions.sla import rules
from functions.sla.models import Calendar, CalendarIn, Metric, SlaPolicy

BERLIN_OFFICE = {
    "calendar_id": "berlin",
    "name": "Berlin office",
    "timezone": "Europe/Berlin",
    "hours": {d: [{"start": "09:00", "end": "17:00"}] for d in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": ["2026-12-25", "2026-12-26"],
}


def cal(**changes) -> Calendar:
    return Calendar.model_validate({**BERLIN_OFFICE, **changes})


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def policy(**changes) -> SlaPolicy:
    data = {
        "policy_id": "standard",
        "name": "Standard",
        "calendar_id": "berlin",
        "targets": {
            "normal": {"first_response_minutes": 240, "resolution_minutes": 2400},
            "urgent": {"first_response_minutes": 60, "resolution_minutes": 480},
        },
        "warn_before_minutes": 30,
    }
    return SlaPolicy.model_validate({**data, **changes})


# -- business time -------------------------------------------------------------------------------


def test_business_time_inside_one_working_day():
    # Tuesday 2026-12-01 10:00 Berlin (09:00 UTC) plus 3 h
    assert rules.add_business_seconds(utc(2026, 12, 1, 9), 3 * 3600, cal()) == utc(2026, 12, 1, 12)


def test_business_time_carries_over_the_night_and_the_weekend():
    # Friday 16:00 Berlin (15:00 UTC) plus 2 h: 1 h on Friday, 1 h on Monday from 09:00 (08:00 UTC)
    assert rules.add_business_seconds(utc(2026, 12, 4, 15), 2 * 3600, cal()) == utc(2026, 12, 7, 9)


def test_a_start_outside_hours_counts_from_the_next_opening():
    # Saturday noon plus 30 minutes: Monday 09:30 Berlin
    assert rules.add_business_seconds(utc(2026, 12, 5, 11), 1800, cal()) == utc(2026, 12, 7, 8, 30)


def test_holidays_are_skipped():
    # Thursday 24 Dec 16:00 Berlin plus 2 h: 1 h on the 24th, the 25th (Fri) is a holiday, the
    # 26th and 27th are the weekend: the second hour is on Monday the 28th
    assert rules.add_business_seconds(utc(2026, 12, 24, 15), 2 * 3600, cal()) == utc(2026, 12, 28, 9)


def test_daylight_saving_change_keeps_local_working_hours():
    # Monday 2026-03-30, after the spring change Berlin is UTC+2: 09:00 local is 07:00 UTC
    assert rules.add_business_seconds(utc(2026, 3, 27, 15), 2 * 3600, cal()) == utc(2026, 3, 30, 8)


def test_split_intervals_and_an_interval_to_midnight():
    c = cal(hours={"mon": [{"start": "08:00", "end": "12:00"}, {"start": "20:00", "end": "00:00"}]})
    # Monday 11:00 Berlin (10:00 UTC) plus 2 h: 1 h until 12:00, 1 h from 20:00
    assert rules.add_business_seconds(utc(2026, 12, 7, 10), 2 * 3600, c) == utc(2026, 12, 7, 20)
    # and the evening interval runs until midnight local
    assert rules.add_business_seconds(utc(2026, 12, 7, 22), 3600, c) == utc(2026, 12, 7, 23)


def test_always_open_is_wall_clock_time():
    c = cal(always_open=True, hours={})
    assert rules.add_business_seconds(utc(2026, 12, 5, 23), 7200, c) == utc(2026, 12, 6, 1)
    assert rules.business_seconds_between(utc(2026, 12, 5, 23), utc(2026, 12, 6, 1), c) == 7200


def test_business_seconds_between_counts_only_working_time():
    # Friday 16:00 to Monday 10:00 Berlin: 1 h + 1 h
    assert rules.business_seconds_between(utc(2026, 12, 4, 15), utc(2026, 12, 7, 9), cal()) == 7200
    assert rules.business_seconds_between(utc(2026, 12, 7, 9), utc(2026, 12, 4, 15), cal()) == 0


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)),
    seconds=st.integers(min_value=0, max_value=30 * 8 * 3600),
)
def test_adding_then_measuring_business_time_gives_it_back(start, seconds):
    c = cal()
    end = rules.add_business_seconds(start, seconds, c)
    assert end >= start
    assert rules.business_seconds_between(start, end, c) == seconds


def test_a_calendar_without_working_time_is_refused():
    with pytest.raises(ValidationError, match="working hours"):
        CalendarIn.model_validate({"name": "never", "hours": {}})
    with pytest.raises(ValidationError, match="time zone"):
        CalendarIn.model_validate({**BERLIN_OFFICE, "timezone": "Mars/Olympus"})
    with pytest.raises(ValidationError, match="overlap"):
        CalendarIn.model_validate(
            {"name": "x", "hours": {"mon": [{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}]}}
        )


def test_a_calendar_whose_every_day_is_a_holiday_is_reported_not_searched_forever():
    c = cal(hours={"mon": [{"start": "09:00", "end": "10:00"}]}, holidays=[])
    c = c.model_copy(update={"holidays": [date(2026, 12, 7) + timedelta(days=7 * i) for i in range(200)]})
    with pytest.raises(rules.NoBusinessTime):
        rules.add_business_seconds(utc(2026, 12, 1), 3600, c.model_copy(update={"holidays": list(_all_days())}))


def _all_days():
    d = date(2026, 11, 1)
    for _ in range(rules.MAX_DAYS + 40):
        yield d
        d += timedelta(days=1)


# -- policies --------------------------------------------------------------------------------------


def test_the_first_matching_policy_by_rank_applies():
    enterprise = policy(policy_id="enterprise", match_tiers=["enterprise"], rank=10)
    chat = policy(policy_id="chat", match_channels=["chat"], rank=20)
    default = policy(policy_id="default", rank=100)
    policies = [default, chat, enterprise]
    assert rules.policy_for(policies, tier="enterprise", channel="chat").policy_id == "enterprise"
    assert rules.policy_for(policies, tier="standard", channel="chat").policy_id == "chat"
    assert rules.policy_for(policies, tier=None, channel="email").policy_id == "default"
    assert rules.policy_for([enterprise], tier=None, channel="email") is None


def test_targets_are_by_known_priorities_only():
    with pytest.raises(ValidationError, match="by priority"):
        policy(targets={"critical": {"first_response_minutes": 5}})


# -- the clock of a case -----------------------------------------------------------------------------


def test_a_case_gets_its_dues_from_its_priority_in_business_time():
    # opened Friday 16:00 Berlin, normal: first response 4 h -> Monday 12:00, resolution 40 h -> next Friday 16:00
    sla = rules.start(policy(), cal(), priority="normal", at=utc(2026, 12, 4, 15))
    assert sla.first_response_due == utc(2026, 12, 7, 11)
    assert sla.resolution_due == utc(2026, 12, 11, 15)
    assert sla.next_check == utc(2026, 12, 7, 10, 30)  # the warning, 30 minutes before


def test_a_priority_without_targets_has_no_dues():
    sla = rules.start(policy(), cal(), priority="low", at=utc(2026, 12, 1, 9))
    assert (sla.first_response_due, sla.resolution_due, sla.next_check) == (None, None, None)


def test_raising_the_priority_recounts_from_the_opening():
    sla = rules.start(policy(), cal(), priority="normal", at=utc(2026, 12, 1, 9))
    urgent = rules.reprioritise(sla, policy(), cal(), "urgent")
    assert urgent.first_response_due == utc(2026, 12, 1, 10)
    assert urgent.resolution_due == utc(2026, 12, 2, 9)  # 8 h: 7 on Tuesday from 10:00, 1 on Wednesday


def test_the_first_reply_stops_the_first_response_target_only():
    p = policy()
    sla = rules.start(p, cal(), priority="normal", at=utc(2026, 12, 1, 9))
    replied = rules.responded(sla, p, utc(2026, 12, 1, 10))
    assert [m for m, _ in rules.pending(replied)] == [Metric.RESOLUTION]
    assert rules.responded(replied, p, utc(2026, 12, 1, 11)).first_responded_at == utc(2026, 12, 1, 10)


def test_waiting_on_the_customer_pauses_the_clock_and_moves_the_targets_later():
    p, c = policy(), cal()
    sla = rules.start(p, c, priority="normal", at=utc(2026, 12, 1, 9))  # Tue 10:00 Berlin
    due_before = sla.resolution_due
    paused = rules.status_changed(sla, p, c, "pending_customer", utc(2026, 12, 1, 10))
    assert rules.pending(paused) == [] and paused.next_check is None
    # the customer answers the next day at 11:00 Berlin: 6 + 2 business hours passed while paused
    resumed = rules.status_changed(paused, p, c, "open", utc(2026, 12, 2, 10))
    assert resumed.paused_since is None and resumed.paused_seconds == 8 * 3600
    assert resumed.resolution_due == rules.add_business_seconds(due_before, 8 * 3600, c)


def test_a_resolved_case_reopened_continues_its_resolution_clock():
    p, c = policy(), cal()
    sla = rules.responded(rules.start(p, c, priority="normal", at=utc(2026, 12, 1, 9)), p, utc(2026, 12, 1, 9, 30))
    resolved = rules.status_changed(sla, p, c, "resolved", utc(2026, 12, 1, 12))
    assert resolved.resolved_at == utc(2026, 12, 1, 12) and rules.pending(resolved) == []
    reopened = rules.status_changed(resolved, p, c, "open", utc(2026, 12, 1, 13))
    assert reopened.resolved_at is None and reopened.paused_seconds == 3600
    assert [m for m, _ in rules.pending(reopened)] == [Metric.RESOLUTION]


def test_a_check_warns_once_before_and_breaches_once_after():
    p, c = policy(), cal()
    sla = rules.start(p, c, priority="urgent", at=utc(2026, 12, 1, 9))  # first response due 10:00 UTC
    quiet, events = rules.check(sla, p, utc(2026, 12, 1, 9, 20))
    assert events == [] and quiet.next_check == utc(2026, 12, 1, 9, 30)
    warned, events = rules.check(quiet, p, utc(2026, 12, 1, 9, 31))
    assert [(e.kind, e.metric) for e in events] == [("warning", Metric.FIRST_RESPONSE)]
    assert rules.check(warned, p, utc(2026, 12, 1, 9, 40))[1] == []
    breached, events = rules.check(warned, p, utc(2026, 12, 1, 10, 0))
    assert [(e.kind, e.metric) for e in events] == [("breach", Metric.FIRST_RESPONSE)]
    assert rules.check(breached, p, utc(2026, 12, 1, 10, 5))[1] == []
    assert rules.state(breached, utc(2026, 12, 1, 10, 5), timedelta(minutes=30)) == "breached"


def test_a_breach_found_late_is_not_also_announced_as_upcoming():
    p, c = policy(), cal()
    sla = rules.start(p, c, priority="urgent", at=utc(2026, 12, 1, 9))
    _, events = rules.check(sla, p, utc(2026, 12, 1, 11))
    assert [(e.kind, e.metric) for e in events] == [("breach", Metric.FIRST_RESPONSE)]


def test_the_state_word_of_a_case():
    p, c = policy(), cal()
    warn = timedelta(minutes=30)
    sla = rules.start(p, c, priority="urgent", at=utc(2026, 12, 1, 9))
    assert rules.state(None, utc(2026, 12, 1, 9), warn) == "none"
    assert rules.state(sla, utc(2026, 12, 1, 9, 10), warn) == "ok"
    assert rules.state(sla, utc(2026, 12, 1, 9, 40), warn) == "at_risk"
    assert rules.state(sla, utc(2026, 12, 1, 10, 1), warn) == "breached"
    paused = rules.status_changed(sla, p, c, "pending_customer", utc(2026, 12, 1, 9, 10))
    assert rules.state(paused, utc(2026, 12, 1, 12), warn) == "paused"
