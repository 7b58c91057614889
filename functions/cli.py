"""The ``casebridge`` command: each domain's group, from its own ``cli`` module."""

from __future__ import annotations

import click

from functions.cases.cli import cases
from functions.channels.chat.cli import chat
from functions.channels.email.cli import mail
from functions.channels.web.cli import web
from functions.core.openapi import openapi_command
from functions.customers.cli import customers
from functions.local.cli import local
from functions.search.cli import search
from functions.triage.cli import triage


@click.group()
def main() -> None:
    """Casebridge: customer-service backend (local stack and operations)."""
    from functions.core.logs import log_to_stderr  # noqa: PLC0415

    log_to_stderr()


for command in (local, mail, web, chat, customers, cases, openapi_command, search, triage):
    main.add_command(command)
