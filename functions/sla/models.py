"""SLA policies, business-hours calendars and a case's SLA clock."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from functions.core.models import Model
from functions.core.validators import Code

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Metric(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


# A local wall-clock time ("09:00" or "09:00:00"), without an offset: the calendar's time zone says
# where. (JSON Schema's "time" format is RFC 3339's, which requires an offset; this is not that.)
LocalTime = Annotated[
    time,
    WithJsonSchema({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$", "examples": ["09:00"]}),
]


class Interval(Model):
    """Working hours within one day, local time; ``end`` 24:00 is written ``00:00`` (end of day)."""

    model_config = ConfigDict(extra="forbid")

    start: LocalTime
    end: LocalTime

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        if self.end != time(0) and self.end <= self.start:
            raise ValueError("an interval ends after it starts (use 00:00 for the end of the day)")
        return self


class CalendarIn(Model):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    timezone: Annotated[str, Field(max_length=64)] = "UTC"
    hours: dict[Weekday, list[Interval]] = Field(
        default_factory=dict, description="working intervals per weekday; days not listed are closed"
    )
    holidays: list[date] = Field(default_factory=list, max_length=1000)
    always_open: bool = Field(default=False, description="24x7: hours and holidays are ignored")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)") from exc
        return value

    @model_validator(mode="after")
    def _some_hours(self) -> CalendarIn:
        if not self.always_open and not any(self.hours.values()):
            raise ValueError("a calendar needs working hours on at least one weekday, or always_open")
        for day, intervals in self.hours.items():
            ordered = sorted(intervals, key=lambda i: i.start)
            for a, b in zip(ordered, ordered[1:], strict=False):
                if a.end == time(0) or a.end > b.start:
                    raise ValueError(f"the working intervals of {day} overlap")
        return self


class Calendar(CalendarIn):
    calendar_id: Code
    version: int = 1


class Targets(Model):
    """Minutes of business time (by the policy's calendar); None: no target."""

    model_config = ConfigDict(extra="forbid")

    first_response_minutes: Annotated[int, Field(ge=1, le=525_600)] | None = None
    resolution_minutes: Annotated[int, Field(ge=1, le=5_256_000)] | None = None

    def minutes(self, metric: Metric) -> int | None:
        return self.first_response_minutes if metric == Metric.FIRST_RESPONSE else self.resolution_minutes


class SlaPolicyIn(Model):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    calendar_id: Code
    targets: dict[str, Targets] = Field(description="by case priority (low, normal, high, urgent)")
    warn_before_minutes: Annotated[int, Field(ge=0, le=10_080)] = Field(
        default=30, description="a warning this many minutes (wall clock) before a target is breached"
    )
    # Which cases the policy covers: all of these that are given must match (empty: every case).
    match_tiers: list[Code] = Field(default_factory=list, description="customer tiers, e.g. enterprise")
    match_channels: list[Code] = Field(default_factory=list)
    rank: Annotated[int, Field(ge=0, le=1000)] = Field(
        default=100, description="lower first: the first matching policy applies to a case"
    )

    @field_validator("targets")
    @classmethod
    def _priorities(cls, value: dict[str, Targets]) -> dict[str, Targets]:
        unknown = set(value) - {"low", "normal", "high", "urgent"}
        if unknown:
            raise ValueError(f"targets are by priority (low, normal, high, urgent), not {sorted(unknown)}")
        return value


class SlaPolicy(SlaPolicyIn):
    policy_id: Code
    version: int = 1


class CaseSla(Model):
    """A case's SLA clock. Dues are wall-clock instants; paused business time moves them later."""

    policy_id: str
    calendar_id: str
    priority: str
    started_at: datetime
    first_response_due: datetime | None = None
    resolution_due: datetime | None = None
    first_responded_at: datetime | None = None
    resolved_at: datetime | None = None
    paused_since: datetime | None = Field(default=None, description="pending the customer (or resolved) since")
    paused_seconds: int = Field(default=0, description="business seconds the clock was paused")
    warn_before_minutes: int = Field(default=0, description="the policy's warning lead when the clock started")
    warned: list[Metric] = Field(default_factory=list)
    breached: list[Metric] = Field(default_factory=list)
    next_check: datetime | None = Field(
        default=None, description="when the case next needs looking at (a warning or a breach); None: nothing pending"
    )


class SlaEvent(Model):
    """What a check found: a warning before a breach, or the breach itself."""

    kind: str  # "warning" | "breach"
    metric: Metric
    due: datetime


class CalendarCreate(CalendarIn):
    calendar_id: Code


class CalendarUpdate(CalendarIn):
    version: int | None = Field(default=None, ge=1, description="optimistic lock; or send If-Match")


class CalendarList(Model):
    items: list[Calendar]


class SlaPolicyCreate(SlaPolicyIn):
    policy_id: Code


class SlaPolicyUpdate(SlaPolicyIn):
    version: int | None = Field(default=None, ge=1, description="optimistic lock; or send If-Match")


class SlaPolicyList(Model):
    items: list[SlaPolicy]
