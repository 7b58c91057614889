"""Customers, their contacts and install base: who writes in, and who owns what.

Rooms (docs/architecture.md): ``handlers`` (the agents' API), ``cli`` (``casebridge customers
import``), ``service`` (list, read, create or replace, delete, bulk import), ``ports``, ``rules``
(opt-outs stand), ``store`` (DynamoDB, with the email / phone / domain lookups), ``models``; and
``importer``, the pure parser and validator of import files (CSV, JSON lines).
"""
