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
    """The running local stack at ``endpoint``, or an embedded moto account when it is None."""
    from functions.local.embedded import aws_target  # noqa: PLC0415

    return aws_target(endpoint)


def _target(endpoint: str | None, embedded: bool) -> str | None:
    """Where ``mail ingest`` writes: ``--endpoint``, else the running local stack, else (or with
    ``--embedded``) a throwaway in-process stack (None). Said on stderr either way."""
    from functions.local.running import HOW_TO_POINT, aws_endpoint  # noqa: PLC0415

    target = None if embedded else aws_endpoint(endpoint)
    if target:
        click.echo(f"writing to the local stack at {target}", err=True)
    else:
        why = "--embedded" if embedded else f"no local stack is running; {HOW_TO_POINT}"
        click.echo(
            f"writing to an in-process throwaway stack ({why}): case numbers are its own and nothing is kept",
            err=True,
        )
    return target


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
    help="the AWS endpoint of a local stack (http://127.0.0.1:4566); default: the running one (.local/stack.json)",
)
@click.option("--embedded", is_flag=True, help="use a throwaway in-process stack even when one is running")
def ingest(paths: tuple[str, ...], endpoint: str | None, embedded: bool) -> None:
    """Feed raw RFC 5322 files (or directories of them) through the email channel; one JSON line each."""
    from functions.composition import container  # noqa: PLC0415
    from functions.local.running import one_line_errors  # noqa: PLC0415

    counts = dict.fromkeys(OUTCOMES, 0)
    received = 0
    target = _target(endpoint, embedded)
    with one_line_errors(target), stack(target):
        intake = container().email_intake
        for path in mail_files(paths):
            outcome = intake.ingest_raw(path.read_bytes(), None, source=f"cli:{path.name}")
            received += 1
            counts[outcome.outcome.value] += 1
            click.echo(json.dumps(_line(path, outcome), ensure_ascii=False))
    click.echo(json.dumps({"summary": True, "received": received, **counts}))


_STACK_HELP = (
    "the AWS endpoint of a local stack; default: the running one (.local/stack.json), else the configured environment"
)


def _existing(endpoint: str | None) -> str | None:
    from functions.local.running import aws_endpoint  # noqa: PLC0415

    return aws_endpoint(endpoint)


@mail.command("quarantine")
@click.option("--endpoint", default=None, help=_STACK_HELP)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 200))
@click.option("--spam", is_flag=True, help="list the mail held as spam instead")
def quarantine_list(endpoint: str | None, limit: int, spam: bool) -> None:
    """List quarantined mail with the reason (or, with --spam, mail held as spam), newest first (one JSON line each)."""
    from functions.channels.email.models import Outcome  # noqa: PLC0415
    from functions.composition import container  # noqa: PLC0415
    from functions.local.embedded import configured_target  # noqa: PLC0415

    target = _existing(endpoint)
    with configured_target(target):
        outcome = Outcome.SPAM if spam else Outcome.QUARANTINED
        for record in container().email_intake.inbound(outcome, limit=limit).items:
            click.echo(record.model_dump_json())


@mail.command("replay")
@click.argument("inbound_id")
@click.option("--endpoint", default=None, help=_STACK_HELP)
def replay_command(inbound_id: str, endpoint: str | None) -> None:
    """Run a quarantined mail through intake again."""
    from functions.composition import container  # noqa: PLC0415
    from functions.local.embedded import configured_target  # noqa: PLC0415

    target = _existing(endpoint)
    with configured_target(target):
        for outcome in container().email_intake.replay(inbound_id):
            click.echo(outcome.model_dump_json())


@mail.command("release")
@click.argument("inbound_id")
@click.option("--endpoint", default=None, help=_STACK_HELP)
@click.option("--agent", default=None, help="who releases it (recorded on the inbound log)")
def release_command(inbound_id: str, endpoint: str | None, agent: str | None) -> None:
    """Release a mail held as spam: it is ingested normally."""
    import getpass  # noqa: PLC0415

    from functions.composition import container  # noqa: PLC0415
    from functions.local.embedded import configured_target  # noqa: PLC0415

    target = _existing(endpoint)
    with configured_target(target):
        outcome = container().email_intake.release(inbound_id, agent or f"cli:{getpass.getuser()}")
        click.echo(outcome.model_dump_json())
