"""Customer self-service: one search over published articles, public answers and automated fixes;
the fix catalogue; solved cases published as (scrubbed) public answers; deflection events.

Rooms (docs/architecture.md): ``handlers`` (public and agents' routes), ``service``, ``ports``,
``rules`` (what customers may be shown, result names), ``store`` (DynamoDB), ``models``; and
``catalogue`` (the default automated fixes, data) and ``search_docs`` (fix and public answer ->
search document mappers).
"""
