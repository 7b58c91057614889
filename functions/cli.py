"""The ``casebridge`` command. Each domain adds its own group in its own module."""

from __future__ import annotations

import importlib

import click

# module path -> attribute holding a click command or group
SUBCOMMANDS = (
    ("functions.local.cli", "local"),
    ("functions.channels.email.cli", "mail"),
    ("functions.channels.web.cli", "web"),
    ("functions.channels.chat.cli", "chat"),
    ("functions.customers.cli", "customers"),
    ("functions.core.openapi", "openapi_command"),
    ("functions.search.cli", "search"),
)


@click.group()
def main() -> None:
    """Casebridge: customer-service backend (local stack and operations)."""
    from functions.core.logs import log_to_stderr  # noqa: PLC0415

    log_to_stderr()


for module_name, attr in SUBCOMMANDS:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not module_name.startswith(exc.name):
            raise
        continue
    command = getattr(module, attr, None)
    if command is not None:
        main.add_command(command)
