"""``casebridge mail``: feed raw mail files through the email channel; inspect and replay quarantine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

OUTCOMES = ("created", "threaded", "suppressed", "quarantined")


def mail_files(paths: tuple[str, ...]) -> list[Path]:
    """Files given, and the files in directories given (sorted; .yml/.json/.txt sidecars skipped)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(
                f
                for f in p.iterdir()
                if f.is_file() and f.suffix.lower() not in (".yml", ".yaml", ".json", ".txt", ".md")
            )
        else:
            out.append(p)
    return out


def stack(endpoint: str | None) -> Any:
    """An embedded moto account (default) or a running local stack at ``endpoint``."""
    from functions.local.embedded import aws_target  # noqa: PLC0415

    return aws_target(endpoint)


def _line(path: Path, outcome: Any) -> dict[str, Any]:
    return {
        "file": str(path),
        "outcome": outcome.outcome.value,
        "case": outcome.case,
        "reason": outcome.reason,
        "from_email": outcome.from_email,
        "subject": outcome.subject,
        "attachments": [{"filename": a.filename, "md5": a.md5} for a in outcome.attachments],
    }


def _logs_to_stderr() -> None:
    """stdout carries the JSON lines; structured logs go to stderr."""
    import sys  # noqa: PLC0415

    from functions.core.logs import logger  # noqa: PLC0415

    handler = getattr(logger(), "registered_handler", None)
    if handler is not None and hasattr(handler, "setStream"):
        handler.setStream(sys.stderr)


@click.group()
def mail() -> None:
    """The email channel: ingest raw mail, inspect and replay the quarantine."""
    _logs_to_stderr()


@mail.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--endpoint",
    default=None,
    help="the AWS endpoint of a running local stack (http://127.0.0.1:4566); default: an embedded in-process one",
)
def ingest(paths: tuple[str, ...], endpoint: str | None) -> None:
    """Feed raw RFC 5322 files (or directories of them) through the email channel; one JSON line each."""
    from functions.composition import container  # noqa: PLC0415

    counts = dict.fromkeys(OUTCOMES, 0)
    received = 0
    with stack(endpoint):
        intake = container().email_intake
        for path in mail_files(paths):
            outcome = intake.ingest_raw(path.read_bytes(), None, source=f"cli:{path.name}")
            received += 1
            counts[outcome.outcome.value] += 1
            click.echo(json.dumps(_line(path, outcome), ensure_ascii=False))
    click.echo(json.dumps({"summary": True, "received": received, **counts}))


@mail.command("quarantine")
@click.option("--endpoint", default=None, help="the stack to read (default: the configured environment)")
@click.option("--limit", default=50, show_default=True)
def quarantine_list(endpoint: str | None, limit: int) -> None:
    """List quarantined mail with the reason, newest first (one JSON line each)."""
    from functions.channels.email.models import Outcome  # noqa: PLC0415
    from functions.composition import container  # noqa: PLC0415
    from functions.local.embedded import configured_target  # noqa: PLC0415

    with configured_target(endpoint):
        for record in container().email_intake.inbound(Outcome.QUARANTINED, limit=limit).items:
            click.echo(record.model_dump_json())


@mail.command("replay")
@click.argument("inbound_id")
@click.option("--endpoint", default=None, help="the stack to use (default: the configured environment)")
def replay_command(inbound_id: str, endpoint: str | None) -> None:
    """Run a quarantined mail through intake again."""
    from functions.composition import container  # noqa: PLC0415
    from functions.local.embedded import configured_target  # noqa: PLC0415

    with configured_target(endpoint):
        for outcome in container().email_intake.replay(inbound_id):
            click.echo(outcome.model_dump_json())
