"""Cases: a customer's request and its timeline (interactions, notes, changes), from any channel.

Rooms (docs/architecture.md): ``handlers`` (the agents' case API, the hourly auto-close),
``service`` (the use cases: open, thread, change, reply, close), ``ports`` (its store, the contact
directory, reply channels, idempotency keys), ``rules`` (the status lifecycle), ``store``
(DynamoDB), ``models``; and ``search_docs``, the pure case -> search document mapper.
"""
