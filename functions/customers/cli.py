"""``casebridge customers ...``: operations on customers (bulk import)."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import click

from functions.customers.importer import ImportFileError, detect_format, parse
from functions.customers.models import FORMATS

EXIT_OK = 0
EXIT_ROWS_FAILED = 1
EXIT_FILE_UNUSABLE = 2


@click.group("customers")
def customers() -> None:
    """Customers, contacts and install base."""


class FileUnusable(click.ClickException):
    """The file as a whole cannot be imported: nothing is stored."""

    exit_code = EXIT_FILE_UNUSABLE


@customers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default=None, help="csv or jsonl (default: from the extension)."
)
@click.option(
    "--endpoint",
    default=None,
    metavar="URL",
    help="Import into the local stack at URL (its AWS endpoint). Default: the running local stack "
    "(.local/stack.json); when none runs, an embedded in-process stack thrown away afterwards (a trial run).",
)
@click.option("--embedded", is_flag=True, help="Use a throwaway in-process stack even when one is running.")
@click.option("--dry-run", is_flag=True, help="Only parse and validate; store nothing.")
def import_command(file: Path, fmt: str | None, endpoint: str | None, embedded: bool, dry_run: bool) -> None:
    """Import customers from FILE (CSV or JSON lines), validating row by row.

    \b
    Output (stdout): one JSON object per failed record, with its line(s),
    status (400 not valid, 409 conflict), code, message and field errors;
    then one summary object {"rows", "imported", "failed", ...}.
    \b
    Exit status: 0 every row imported; 1 some rows failed (the good ones
    are stored); 2 the file cannot be used at all (format, header,
    encoding): nothing is stored.
    \b
    CSV columns: customer_id,name,kind,region,tier,language,email_domains,
    contact_name,contact_email,contact_phone,contact_language,sms_opt_in,
    email_opt_out,product,model,batch,since. Rows with the same customer_id
    merge into one customer; email_domains are ';'-separated.
    Each customer is created or replaced as a whole.
    """
    try:
        file_format = detect_format(file.name, fmt)
        try:
            text = file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"{file} is not UTF-8 text: {exc}") from exc
        records = parse(text, file_format)  # type: ignore[arg-type]
    except ImportFileError as exc:
        raise FileUnusable(exc.message) from exc

    from functions import composition  # noqa: PLC0415
    from functions.local.running import HOW_TO_POINT, aws_endpoint, one_line_errors  # noqa: PLC0415 - dev tool only

    with ExitStack() as stack:
        if not dry_run:  # a dry run stores nothing: no stack needed
            from functions.local.embedded import aws_target  # noqa: PLC0415 - dev tool only

            target = None if embedded else aws_endpoint(endpoint)
            stack.enter_context(one_line_errors(target))
            stack.enter_context(aws_target(target))
            if target:
                click.echo(f"importing into the local stack at {target}", err=True)
            else:
                click.echo(
                    "embedded stack: the import runs for real but nothing is kept"
                    + ("" if embedded else f" (no local stack is running; {HOW_TO_POINT})"),
                    err=True,
                )
        report = composition.container().customers.import_records(records, dry_run=dry_run)

    for failure in report.failures:
        click.echo(failure.model_dump_json())
    click.echo(report.summary.model_dump_json())
    click.get_current_context().exit(EXIT_ROWS_FAILED if report.summary.failed else EXIT_OK)
