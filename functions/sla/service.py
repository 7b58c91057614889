"""SLA use cases: the calendars and policies agents keep, and the clock of a case.

The case service asks ``clock_for`` when a case opens and ``advance`` when its priority, status or
first reply changes; the SLA schedule asks ``check`` for cases whose next check is due. Policies
and calendars are read once per service (a Lambda container keeps them for its life; an agent's
change reaches new containers, and this one after ``forget``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from functions.core.errors import Conflict, InvalidInput, NotFound
from functions.sla import rules
from functions.sla.models import (
    Calendar,
    CalendarCreate,
    CalendarUpdate,
    CaseSla,
    SlaEvent,
    SlaPolicy,
    SlaPolicyCreate,
    SlaPolicyUpdate,
)
from functions.sla.ports import CalendarRecords, PolicyRecords


class SlaService:
    def __init__(self, calendars: CalendarRecords, policies: PolicyRecords) -> None:
        self.calendars = calendars
        self.policies = policies
        self._cache: tuple[dict[str, Calendar], list[SlaPolicy]] | None = None

    # -- administration ------------------------------------------------------------------------
    def forget(self) -> None:
        self._cache = None

    def create_calendar(self, data: CalendarCreate) -> Calendar:
        self.forget()
        return self.calendars.create(Calendar.model_validate(data.model_dump()))

    def replace_calendar(self, calendar_id: str, data: CalendarUpdate, if_match: int | None) -> Calendar:
        current = self.calendars.get(calendar_id)
        expected = data.version if data.version is not None else if_match
        record = Calendar.model_validate(
            {**data.model_dump(exclude={"version"}), "calendar_id": calendar_id, "version": current.version + 1}
        )
        self.forget()
        return self.calendars.replace(record, expected if expected is not None else current.version)

    def delete_calendar(self, calendar_id: str, if_match: int | None) -> None:
        used = sorted(p.policy_id for p in self.policies.list() if p.calendar_id == calendar_id)
        if used:
            raise Conflict(f"calendar {calendar_id} is used by the policies {', '.join(used)}: change them first")
        self.forget()
        self.calendars.delete(calendar_id, if_match)

    def create_policy(self, data: SlaPolicyCreate) -> SlaPolicy:
        self._known_calendar(data.calendar_id)
        self.forget()
        return self.policies.create(SlaPolicy.model_validate(data.model_dump()))

    def replace_policy(self, policy_id: str, data: SlaPolicyUpdate, if_match: int | None) -> SlaPolicy:
        current = self.policies.get(policy_id)
        self._known_calendar(data.calendar_id)
        expected = data.version if data.version is not None else if_match
        record = SlaPolicy.model_validate(
            {**data.model_dump(exclude={"version"}), "policy_id": policy_id, "version": current.version + 1}
        )
        self.forget()
        return self.policies.replace(record, expected if expected is not None else current.version)

    def delete_policy(self, policy_id: str, if_match: int | None) -> None:
        self.forget()
        self.policies.delete(policy_id, if_match)

    def _known_calendar(self, calendar_id: str) -> None:
        try:
            self.calendars.get(calendar_id)
        except NotFound as exc:
            raise InvalidInput(
                f"calendar {calendar_id} does not exist",
                fields=[{"field": "calendar_id", "message": "no such calendar", "type": "value_error"}],
            ) from exc

    # -- the clock of a case -----------------------------------------------------------------------
    def is_open(self, calendar_id: str, at: datetime) -> bool:
        """Business hours of one calendar now (the chat's); always open when there is no such calendar."""
        from functions.sla.rules import is_open  # noqa: PLC0415

        calendars, _ = self._loaded()
        calendar = calendars.get(calendar_id)
        return True if calendar is None else is_open(calendar, at)

    def _loaded(self) -> tuple[dict[str, Calendar], list[SlaPolicy]]:
        if self._cache is None:
            self._cache = ({c.calendar_id: c for c in self.calendars.list()}, self.policies.list())
        return self._cache

    def _parts(self, sla: CaseSla) -> tuple[SlaPolicy, Calendar] | None:
        calendars, policies = self._loaded()
        policy = next((p for p in policies if p.policy_id == sla.policy_id), None)
        calendar = calendars.get(sla.calendar_id)
        return (policy, calendar) if policy is not None and calendar is not None else None

    def clock_for(
        self, *, priority: str, tier: str | None, channel: str | None, at: datetime, status: str = "new"
    ) -> CaseSla | None:
        """The clock of a new case under the first matching policy (None: no policy covers it)."""
        calendars, policies = self._loaded()
        policy = rules.policy_for(policies, tier=tier, channel=channel)
        if policy is None or policy.calendar_id not in calendars:
            return None
        return rules.start(policy, calendars[policy.calendar_id], priority=priority, at=at, status=status)

    def advance(
        self,
        sla: CaseSla | None,
        *,
        at: datetime,
        priority: str | None = None,
        status: str | None = None,
        responded: bool = False,
    ) -> CaseSla | None:
        """The clock after a change of the case (a policy or calendar removed since: kept as it was)."""
        if sla is None:
            return None
        parts = self._parts(sla)
        if parts is None:
            return sla
        policy, calendar = parts
        if priority is not None and priority != sla.priority:
            sla = rules.reprioritise(sla, policy, calendar, priority)
        if responded:
            sla = rules.responded(sla, policy, at)
        if status is not None:
            sla = rules.status_changed(sla, policy, calendar, status, at)
        return sla

    def check(self, sla: CaseSla, now: datetime) -> tuple[CaseSla, list[SlaEvent]]:
        parts = self._parts(sla)
        if parts is None:
            return sla.model_copy(update={"next_check": None}), []
        return rules.check(sla, parts[0], now)

    def state(self, sla: CaseSla | None, now: datetime) -> str:
        if sla is None:
            return "none"
        parts = self._parts(sla)
        warn = timedelta(minutes=parts[0].warn_before_minutes) if parts else timedelta(0)
        return rules.state(sla, now, warn)
