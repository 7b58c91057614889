"""Canned replies (macros): a title and a body with placeholders (``{{customer.name}}``,
``{{case.id}}``, ``{{agent.name}}``, ...), translations by language, optional actions on the case
(status, priority, tags); personal (its owner's only) or shared (admins create and change them).

Rooms (docs/architecture.md): ``handlers`` (``/macros``, ``/cases/{case_id}/macros/{macro_id}/
preview``), ``service`` (``MacroService``), ``ports``, ``rules`` (pure: who may see and change a
macro, which translation a case gets, rendering), ``models``. The records are
``functions.core.records.VersionedRecords`` (kind ``macro``), wired by the composition root.

Rendering is one pass of a small placeholder syntax over the macro's text, never a template
engine: a value that itself contains ``{{...}}`` is inserted as text and not read again, and a
placeholder without a value (or unknown) stays visible as written and is listed in ``missing``.
"""
