"""Saved views of the queue: a name and the queue's URL query string (``GET /cases``
parameters, checked against the list's query model), personal (its owner's) or shared (admins
create and change them), in the agent's order.

Rooms (docs/architecture.md): ``handlers`` (``/views``), ``service`` (``ViewService``), ``ports``,
``rules`` (pure: the query string checked, who sees and changes a view), ``models``. The records
are ``functions.core.records.VersionedRecords`` (kind ``saved_view``), wired by the composition root.
"""
