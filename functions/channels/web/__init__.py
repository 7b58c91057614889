"""Web-form channel: customers open a case from the support site's contact form.

Rooms: ``handlers`` (the public route), ``cli`` and ``http_client`` (``casebridge web``, against a
running API), ``service`` (``WebIntake``), ``ports``, ``rules`` (bot check, fingerprint, idempotency
pointer), ``store`` (held submissions), ``models``.
"""
