"""What the SLA service receives."""

from __future__ import annotations

from functions.core.records import Records
from functions.sla.models import Calendar, SlaPolicy

CalendarRecords = Records[Calendar]
PolicyRecords = Records[SlaPolicy]
