"""SLA: business-hours calendars, policies (targets by priority) and the clock of a case.

Rooms (docs/architecture.md): ``handlers`` (the admins' configuration API), ``service`` (calendars
and policies; a case's clock started, advanced and checked), ``ports``, ``rules`` (business time
over a calendar, the clock's pure steps), ``models``. Its records live in the shared versioned
store (``functions/core/records.py``).
"""
