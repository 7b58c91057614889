"""Business time and the SLA clock: pure rules, every instant passed in (no clock read here).

Business time is counted in the calendar's own time zone, day by day, over its working
intervals, skipping holidays; instants are timezone-aware and returned in UTC. Daylight-saving
changes are handled by the zone: an interval 09:00-17:00 on the day clocks go forward is 8 local
hours, 7 or 9 real hours are never invented.

The clock of a case: targets (by priority) start when the case opens; the first-response target
stops at the first reply; the resolution target stops when the case is resolved. While the case
waits for the customer (pending_customer) or is resolved, the clock is paused: the business time
it stays paused moves the open targets later. A check at ``now`` reports a warning
``warn_before`` before a target and the breach once it passes, each once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from functions.sla.models import WEEKDAYS, Calendar, CaseSla, Metric, SlaEvent, SlaPolicy

MAX_DAYS = 3 * 366  # a target further than this in business time is refused rather than searched for

PAUSED_STATUSES = frozenset({"pending_customer", "resolved", "closed"})


class NoBusinessTime(ValueError):
    """The calendar has no working time within ``MAX_DAYS`` (e.g. every day a holiday)."""


def _windows(cal: Calendar, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The calendar's working windows (UTC, in order) from ``start`` on, the first one clipped."""
    if cal.always_open:
        yield start, datetime.max.replace(tzinfo=UTC)
        return
    zone = ZoneInfo(cal.timezone)
    holidays = set(cal.holidays)
    day: date = start.astimezone(zone).date()
    for _ in range(MAX_DAYS):
        if day not in holidays:
            for interval in sorted(cal.hours.get(WEEKDAYS[day.weekday()], []), key=lambda i: i.start):
                begin = datetime.combine(day, interval.start, tzinfo=zone).astimezone(UTC)
                end_day = day + timedelta(days=1) if interval.end == time(0) else day
                end = datetime.combine(end_day, interval.end, tzinfo=zone).astimezone(UTC)
                if end <= start:
                    continue
                yield max(begin, start), end
        day += timedelta(days=1)
    raise NoBusinessTime(f"calendar {cal.calendar_id} has no working time within {MAX_DAYS} days")


def add_business_seconds(start: datetime, seconds: int, cal: Calendar) -> datetime:
    """The instant ``seconds`` of business time after ``start`` (``start`` itself when 0)."""
    start = start.astimezone(UTC)
    if seconds <= 0:
        return start
    left = timedelta(seconds=seconds)
    for begin, end in _windows(cal, start):
        if end - begin >= left:
            return begin + left
        left -= end - begin
    raise NoBusinessTime(f"calendar {cal.calendar_id} has no working time")  # pragma: no cover - _windows raises


def business_seconds_between(a: datetime, b: datetime, cal: Calendar) -> int:
    """Business seconds from ``a`` to ``b`` (0 when ``b`` is not after ``a``)."""
    a, b = a.astimezone(UTC), b.astimezone(UTC)
    if b <= a:
        return 0
    if cal.always_open:
        return int((b - a).total_seconds())
    total = timedelta()
    for begin, end in _windows(cal, a):
        if begin >= b:
            break
        total += min(end, b) - begin
    return int(total.total_seconds())


# -- the policy of a case ----------------------------------------------------------------------------


def policy_for(policies: list[SlaPolicy], *, tier: str | None, channel: str | None) -> SlaPolicy | None:
    """The first policy (by rank, then id) whose conditions the case meets."""
    for policy in sorted(policies, key=lambda p: (p.rank, p.policy_id)):
        if policy.match_tiers and (tier or "") not in policy.match_tiers:
            continue
        if policy.match_channels and (channel or "") not in policy.match_channels:
            continue
        return policy
    return None


# -- the clock ---------------------------------------------------------------------------------------


def _due(sla: CaseSla, policy: SlaPolicy, cal: Calendar, metric: Metric) -> datetime | None:
    targets = policy.targets.get(sla.priority)
    minutes = targets.minutes(metric) if targets is not None else None
    if minutes is None:
        return None
    return add_business_seconds(sla.started_at, minutes * 60 + sla.paused_seconds, cal)


def _with_dues(sla: CaseSla, policy: SlaPolicy, cal: Calendar) -> CaseSla:
    first = None if sla.first_responded_at else _due(sla, policy, cal, Metric.FIRST_RESPONSE)
    if sla.first_responded_at:
        first = sla.first_response_due  # stopped: keep the due it was measured against
    resolution = _due(sla, policy, cal, Metric.RESOLUTION)
    updated = sla.model_copy(update={"first_response_due": first, "resolution_due": resolution})
    return updated.model_copy(update={"next_check": next_check(updated, policy)})


def start(policy: SlaPolicy, cal: Calendar, *, priority: str, at: datetime, status: str = "new") -> CaseSla:
    """The clock of a case opened at ``at`` (paused from the start if it opens waiting on the customer)."""
    sla = CaseSla(
        policy_id=policy.policy_id,
        calendar_id=cal.calendar_id,
        priority=priority,
        warn_before_minutes=policy.warn_before_minutes,
        started_at=at.astimezone(UTC),
        paused_since=at.astimezone(UTC) if status in PAUSED_STATUSES else None,
    )
    return _with_dues(sla, policy, cal)


def reprioritise(sla: CaseSla, policy: SlaPolicy, cal: Calendar, priority: str) -> CaseSla:
    """New targets for a new priority, counted from when the case opened (as if it always had it)."""
    return _with_dues(sla.model_copy(update={"priority": priority}), policy, cal)


def responded(sla: CaseSla, policy: SlaPolicy, at: datetime) -> CaseSla:
    """The first reply to the customer stops the first-response target (later replies change nothing)."""
    if sla.first_responded_at is not None:
        return sla
    updated = sla.model_copy(update={"first_responded_at": at.astimezone(UTC)})
    return updated.model_copy(update={"next_check": next_check(updated, policy)})


def status_changed(sla: CaseSla, policy: SlaPolicy, cal: Calendar, status: str, at: datetime) -> CaseSla:
    """Pause while waiting on the customer or resolved; resume (targets moved later by the business
    time paused) when the case is worked on again."""
    at = at.astimezone(UTC)
    pause = status in PAUSED_STATUSES
    resolved_at = at if status in ("resolved", "closed") else None
    if pause and sla.paused_since is None:
        updated = sla.model_copy(update={"paused_since": at, "resolved_at": resolved_at or sla.resolved_at})
        return updated.model_copy(update={"next_check": next_check(updated, policy)})
    if pause:
        return sla.model_copy(update={"resolved_at": resolved_at or sla.resolved_at})
    if sla.paused_since is None:
        return sla
    paused = sla.paused_seconds + business_seconds_between(sla.paused_since, at, cal)
    resumed = sla.model_copy(update={"paused_since": None, "paused_seconds": paused, "resolved_at": None})
    return _with_dues(resumed, policy, cal)


def pending(sla: CaseSla) -> list[tuple[Metric, datetime]]:
    """Targets still running (not met, not paused): what a check looks at."""
    if sla.paused_since is not None:
        return []
    out: list[tuple[Metric, datetime]] = []
    if sla.first_response_due and sla.first_responded_at is None:
        out.append((Metric.FIRST_RESPONSE, sla.first_response_due))
    if sla.resolution_due and sla.resolved_at is None:
        out.append((Metric.RESOLUTION, sla.resolution_due))
    return out


def next_check(sla: CaseSla, policy: SlaPolicy) -> datetime | None:
    """The next instant something is due: a warning not yet given, or a breach not yet recorded."""
    warn = timedelta(minutes=policy.warn_before_minutes)
    instants: list[datetime] = []
    for metric, due in pending(sla):
        if metric not in sla.warned and warn > timedelta(0):
            instants.append(due - warn)
        if metric not in sla.breached:
            instants.append(due)
    return min(instants) if instants else None


def check(sla: CaseSla, policy: SlaPolicy, now: datetime) -> tuple[CaseSla, list[SlaEvent]]:
    """What is due at ``now``: each warning and breach once. Returns the clock with them recorded."""
    now = now.astimezone(UTC)
    warn = timedelta(minutes=policy.warn_before_minutes)
    warned, breached = list(sla.warned), list(sla.breached)
    events: list[SlaEvent] = []
    for metric, due in pending(sla):
        if metric not in breached and now >= due:
            breached.append(metric)
            events.append(SlaEvent(kind="breach", metric=metric, due=due))
            if metric not in warned:
                warned.append(metric)  # a breach found late is not also announced as upcoming
        elif metric not in warned and warn > timedelta(0) and now >= due - warn:
            warned.append(metric)
            events.append(SlaEvent(kind="warning", metric=metric, due=due))
    updated = sla.model_copy(update={"warned": warned, "breached": breached})
    return updated.model_copy(update={"next_check": next_check(updated, policy)}), events


def state(sla: CaseSla | None, now: datetime, warn_before: timedelta) -> str:
    """One word for lists and filters: none, ok, at_risk, breached, paused. A breach stays on the
    case once it happened (the report counts it) even after the target is met late."""
    if sla is None:
        return "none"
    dues = [due for _, due in pending(sla)]
    if sla.breached or any(due <= now for due in dues):
        return "breached"
    if sla.paused_since is not None:
        return "paused"
    if any(due - warn_before <= now for due in dues):
        return "at_risk"
    return "ok"


def is_open(cal: Calendar, at: datetime) -> bool:
    """Whether ``at`` falls in the calendar's working time (a calendar with none ahead: closed)."""
    try:
        first = next(_windows(cal, at))
    except (StopIteration, NoBusinessTime):
        return False
    return first[0] <= at


def nearest_due(sla: CaseSla | None) -> datetime | None:
    """The nearest due of the targets still running (None: paused, met, or no clock)."""
    dues = [due for _, due in pending(sla)] if sla is not None else []
    return min(dues) if dues else None


def case_state(sla: CaseSla | None, now: datetime) -> str:
    """``state`` with the warning lead the clock was started with (what lists and filters use)."""
    return state(sla, now, timedelta(minutes=sla.warn_before_minutes) if sla is not None else timedelta(0))
