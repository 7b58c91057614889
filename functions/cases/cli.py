"""``casebridge cases ...``: operations on the case table."""

from __future__ import annotations

import json
from typing import Any

import click


@click.group("cases")
def cases() -> None:
    """Cases (the queue's indexes)."""


@cases.command("backfill-queue")
@click.option(
    "--endpoint",
    default=None,
    metavar="URL",
    help="The local stack at URL (its AWS endpoint). Default: the running local stack (.local/stack.json).",
)
@click.option(
    "--aws", "use_aws", is_flag=True, help="The AWS account and settings of the environment (CASEBRIDGE_STAGE, ...)."
)
def backfill_queue(endpoint: str | None, use_aws: bool) -> None:
    """Give cases written before the sorted queue indexes (GSI6, GSI7) their keys and count the
    statuses anew (the sorted views' total_estimate). Safe to run while the API runs; prints JSON."""
    from functions import composition  # noqa: PLC0415
    from functions.local.running import one_line_errors  # noqa: PLC0415

    def run() -> dict[str, Any]:
        from functions.cases.store import CaseStore  # noqa: PLC0415

        composition.reset()
        return CaseStore().backfill_queue_indexes()

    if use_aws:
        with one_line_errors(None):
            result = run()
    else:
        from functions.local.embedded import aws_target  # noqa: PLC0415
        from functions.local.running import aws_endpoint  # noqa: PLC0415

        endpoint = aws_endpoint(endpoint)
        if not endpoint:
            raise click.ClickException("no local stack is running: start it (make run), or give --endpoint or --aws")
        click.echo(f"backfilling the local stack at {endpoint}", err=True)
        with one_line_errors(endpoint), aws_target(endpoint):
            result = run()
    click.echo(json.dumps(result))
