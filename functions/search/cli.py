"""``casebridge search ...``: operations on the search indexes."""

from __future__ import annotations

import json
import os
from typing import Any

import click

from functions.search.port import DocKind


@click.group("search")
def search() -> None:
    """Search indexes (knowledge articles, cases, automated fixes)."""


@search.command("reindex")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice([k.value for k in DocKind]),
    help="Only this kind (repeatable). Default: every kind.",
)
@click.option(
    "--endpoint",
    default=None,
    metavar="URL",
    help="Read the table of the local stack at URL (its AWS endpoint) and rebuild its embedded index "
    "(under --index-dir). Default: the running local stack (.local/stack.json); when none runs, an "
    "embedded in-process stack (a dry run on an empty table).",
)
@click.option(
    "--aws",
    "use_aws",
    is_flag=True,
    help="Use the AWS account and settings of the environment (CASEBRIDGE_STAGE, CASEBRIDGE_SEARCH_ENDPOINT, ...).",
)
@click.option(
    "--index-dir",
    default=None,
    metavar="DIR",
    help="Embedded engine's directory (default with --endpoint: .local/search, the local stack's).",
)
def reindex(kinds: tuple[str, ...], endpoint: str | None, use_aws: bool, index_dir: str | None) -> None:
    """Rebuild search indexes from DynamoDB (every item a domain maps to a search document).

    Prints one JSON object: documents in the live index per kind (``indexed``), written by the
    load (``loaded``) and put right by the reconcile pass (``reconciled``). On OpenSearch the new
    index is built beside the old one and swapped in through the alias; the embedded engine
    replaces a kind in one commit (no downtime either way). Then the table is scanned again and
    what the stream indexer wrote meanwhile is reconciled (functions/search/reindex.py), so the
    stream indexer may keep running.
    """
    from functions import composition  # noqa: PLC0415

    if not use_aws:
        from functions.local.running import aws_endpoint, running_stack, state_dir  # noqa: PLC0415

        found = endpoint is None and running_stack() is not None
        endpoint = aws_endpoint(endpoint)
        where = (
            f"the local stack at {endpoint}"
            if endpoint
            else "an in-process throwaway stack (no local stack is running)"
        )
        click.echo(f"reindexing {where}", err=True)
        if found and not index_dir:
            index_dir = str(state_dir() / "search")  # the running stack's embedded index
    if index_dir:
        os.environ["CASEBRIDGE_SEARCH_DIR"] = index_dir
    elif endpoint and not os.environ.get("CASEBRIDGE_SEARCH_DIR"):
        from functions.local.stack import DEFAULT_DATA_DIR  # noqa: PLC0415

        os.environ["CASEBRIDGE_SEARCH_DIR"] = str(DEFAULT_DATA_DIR / "search")
    selected = [DocKind(k) for k in kinds] or list(DocKind)

    def run() -> dict[str, Any]:
        composition.reset()  # the settings of the target chosen above
        return composition.container().search_indexing.rebuild(selected).as_json()

    from functions.local.running import one_line_errors  # noqa: PLC0415

    with one_line_errors(endpoint):
        if use_aws:
            result = run()
        else:
            from functions.local.embedded import aws_target  # noqa: PLC0415

            with aws_target(endpoint):
                result = run()
    click.echo(json.dumps(result))
