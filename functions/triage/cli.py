"""``casebridge triage ...``: train the triage classifier."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

import click

from functions.triage.classifier import EPOCHS

LABEL_COLUMNS = ("category", "intent", "priority", "department")


def csv_header_problem(path: str) -> str | None:
    """What is wrong with a training CSV's header (one line), or None: it needs ``text`` and a
    label column (``category``, or ``intent``, ``priority``, ``department``)."""
    with open(path, newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh), [])
    columns = [c.strip() for c in header]
    shown = ",".join(columns) if columns else "empty"
    if "text" not in columns:
        return f"{path}: no column 'text' (its header: {shown}); expected text,category[,priority,department]"
    if not any(c in columns for c in LABEL_COLUMNS):
        return f"{path}: no column 'category' (its header: {shown}); expected text,category[,priority,department]"
    return None


def csv_examples(path: str) -> Iterator[object]:
    """Examples from a CSV with ``text`` and any of ``category`` (or ``intent``), ``priority``, ``department``."""
    from functions.triage.models import Example  # noqa: PLC0415

    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            yield Example(
                text=row.get("text") or "",
                category=row.get("category") or row.get("intent") or None,
                priority=row.get("priority") or None,
                department=row.get("department") or None,
            )


@click.group("triage")
def triage() -> None:
    """Triage: suggested category, priority and department for new cases."""


@triage.command("train")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    metavar="FILE",
    help="Train on this CSV (text,category[,priority,department]) instead of the resolved cases.",
)
@click.option(
    "--endpoint",
    default=None,
    metavar="URL",
    help="The local stack at URL (its AWS endpoint). Default: the running local stack.",
)
@click.option(
    "--aws",
    "use_aws",
    is_flag=True,
    help="Use the AWS account and settings of the environment (CASEBRIDGE_STAGE, ...).",
)
@click.option("--epochs", type=int, default=EPOCHS, show_default=True)
def train(csv_path: str | None, endpoint: str | None, use_aws: bool, epochs: int) -> None:
    """Train the classifier on the deployment's resolved cases (or a CSV) and store it as the new
    current version in the models bucket. Prints one JSON object (version, examples, labels per field)."""
    from functions import composition  # noqa: PLC0415

    if csv_path:
        problem = csv_header_problem(csv_path)
        if problem:
            raise click.UsageError(problem)

    def run() -> dict[str, object]:
        composition.reset()  # the settings of the target chosen above
        c = composition.container()
        examples = csv_examples(csv_path) if csv_path else c.triage_examples()
        return c.triage.train(examples, epochs=epochs).model_dump(mode="json")  # type: ignore[arg-type]

    if use_aws:
        result = run()
    else:
        from functions.local.embedded import aws_target  # noqa: PLC0415
        from functions.local.running import aws_endpoint, one_line_errors  # noqa: PLC0415

        endpoint = aws_endpoint(endpoint)
        with one_line_errors(endpoint), aws_target(endpoint):
            result = run()
    click.echo(json.dumps(result))
