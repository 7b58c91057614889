"""Bulk import of customers from CSV or JSON lines: parse, merge, validate row by row. Pure.

Parsing and validation are here (``parse``); storing is the customer service's import
(``functions.customers.service.CustomerService.import_records``), which turns a store's refusal
into a row failure with ``store_failure`` and sums up with ``report``. A bad row never stops
the import: it becomes a ``RowFailure`` with its line number(s), a status (400 not valid, 409
conflicts with stored data) and the pydantic field names.

Formats
-------
``jsonl``: one ``CustomerIn`` JSON object per line (blank lines are skipped). A customer
id that appears on two lines is refused on the later line (409 ``duplicate``): a file
describes each customer once.

``csv``: a header row, then one row per (customer, contact and/or install-base item)
with the columns of ``CSV_COLUMNS`` (only ``customer_id`` is required in the header).
Rows with the same ``customer_id`` merge into one customer: profile values must agree
(or be empty), ``email_domains`` (``;``-separated) are united, identical contacts or
items given on several rows count once. The merged customer is validated as a whole;
its failure names every line involved and, where it can, the line and column of each
field error.

Each imported customer is created or replaced as a whole (the store's ``upsert``):
contacts and items that the file does not list are removed from that customer.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from functions.core.errors import DomainError, InvalidInput
from functions.core.http import STATUS_BY_ERROR, validation_fields
from functions.customers.models import (
    FORMATS,
    CustomerIn,
    FieldError,
    Format,
    ImportReport,
    ImportSummary,
    RowFailure,
)

PROFILE_COLUMNS = ("name", "kind", "region", "tier", "language")
CONTACT_COLUMNS = {  # CSV column -> Contact field
    "contact_name": "name",
    "contact_email": "email",
    "contact_phone": "phone",
    "contact_language": "language",
    "sms_opt_in": "sms_opt_in",
    "email_opt_out": "email_opt_out",
}
ITEM_COLUMNS = ("product", "model", "batch", "since")
CSV_COLUMNS = ("customer_id", *PROFILE_COLUMNS, "email_domains", *CONTACT_COLUMNS, *ITEM_COLUMNS)
CONTACT_FIELD_TO_COLUMN = {v: k for k, v in CONTACT_COLUMNS.items()}


class ImportFileError(InvalidInput):
    """The file as a whole cannot be read (unknown format, bad CSV header): nothing is imported."""


@dataclass
class ParsedRecord:
    """One customer's worth of input: valid (``customer``) or not (``failure``)."""

    lines: list[int]
    customer_id: str | None = None
    customer: CustomerIn | None = None
    failure: RowFailure | None = None
    # for mapping store errors back to lines: contacts[i] / install_base[i] came from these lines
    contact_lines: list[int] = field(default_factory=list)
    item_lines: list[int] = field(default_factory=list)


def detect_format(filename: str, explicit: str | None = None) -> Format:
    if explicit:
        if explicit not in FORMATS:
            raise ImportFileError(f"unknown format {explicit!r}; use one of {', '.join(FORMATS)}")
        return explicit  # type: ignore[return-value]
    lower = filename.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    raise ImportFileError(f"cannot tell the format of {filename!r} from its extension; use --format csv|jsonl")


def parse(text: str, fmt: Format) -> list[ParsedRecord]:
    if fmt == "csv":
        return parse_csv(text)
    if fmt == "jsonl":
        return parse_jsonl(text)
    raise ImportFileError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def row_count(records: list[ParsedRecord]) -> int:
    return sum(len(r.lines) for r in records)


# -- JSON lines ---------------------------------------------------------------


def _failure(
    lines: list[int],
    code: str,
    message: str,
    *,
    status: int = 400,
    customer_id: str | None = None,
    fields: list[FieldError] | None = None,
) -> RowFailure:
    return RowFailure(
        line=min(lines),
        lines=sorted(lines),
        customer_id=customer_id,
        status=status,
        code=code,
        message=message,
        fields=fields or [],
    )


def parse_jsonl(text: str) -> list[ParsedRecord]:
    records: list[ParsedRecord] = []
    first_line_of: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        lines = [number]
        try:
            data = json.loads(raw)
        except ValueError as exc:
            records.append(ParsedRecord(lines, failure=_failure(lines, "invalid_json", f"not valid JSON: {exc}")))
            continue
        if not isinstance(data, dict):
            records.append(
                ParsedRecord(lines, failure=_failure(lines, "invalid_json", "each line must be a JSON object"))
            )
            continue
        raw_id = data.get("customer_id")
        customer_id = raw_id.strip() if isinstance(raw_id, str) else None
        try:
            customer = CustomerIn.model_validate(data)
        except ValidationError as exc:
            fields = [FieldError(**f, line=number) for f in validation_fields(exc)]
            records.append(
                ParsedRecord(
                    lines,
                    customer_id,
                    failure=_failure(
                        lines, "validation_error", "not a valid customer", customer_id=customer_id, fields=fields
                    ),
                )
            )
            continue
        cid = customer.customer_id
        if cid in first_line_of:
            message = f"customer {cid} is also on line {first_line_of[cid]}; list each customer once per file"
            records.append(
                ParsedRecord(lines, cid, failure=_failure(lines, "duplicate", message, status=409, customer_id=cid))
            )
            continue
        first_line_of[cid] = number
        records.append(
            ParsedRecord(
                lines,
                cid,
                customer=customer,
                contact_lines=[number] * len(customer.contacts),
                item_lines=[number] * len(customer.install_base),
            )
        )
    return records


# -- CSV ------------------------------------------------------------------------


@dataclass
class _Group:
    customer_id: str
    lines: list[int] = field(default_factory=list)
    profile: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    domains: list[tuple[str, int]] = field(default_factory=list)
    contacts: list[tuple[dict[str, str], list[int]]] = field(default_factory=list)
    items: list[tuple[dict[str, str], list[int]]] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)


def _add_entry(
    entries: list[tuple[dict[str, str], list[int]]],
    entry: dict[str, str],
    key: tuple[str, ...],
    key_of: Any,
    line: int,
    what: str,
    errors: list[FieldError],
) -> None:
    """Identical entries on several rows count once; same key with other details is an error."""
    for existing, lines in entries:
        if existing == entry:
            lines.append(line)
            return
        if any(key) and key_of(existing) == key:
            errors.append(
                FieldError(
                    field="contacts" if what == "contact" else "install_base",
                    message=f"the {what} on line {line} repeats the one on line {lines[0]} with other details",
                    type="conflicting_rows",
                    line=line,
                )
            )
            return
    entries.append((entry, [line]))


def _contact_key(c: dict[str, str]) -> tuple[str, ...]:
    return (c.get("email", "").lower(), c.get("phone", "").replace(" ", ""))


def _item_key(i: dict[str, str]) -> tuple[str, ...]:
    if not i.get("product"):
        return ("", "", "")
    return (i["product"], i.get("model", ""), i.get("batch", ""))


def parse_csv(text: str) -> list[ParsedRecord]:
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return []
    except csv.Error as exc:
        raise ImportFileError(f"line 1: not valid CSV: {exc}") from exc
    columns = [h.strip().lower() for h in header]
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    if unknown:
        raise ImportFileError(
            f"unknown column(s) {', '.join(repr(c) for c in unknown)}; the columns are {', '.join(CSV_COLUMNS)}"
        )
    if "customer_id" not in columns:
        raise ImportFileError("the header has no customer_id column")
    if len(set(columns)) != len(columns):
        raise ImportFileError("a column is named twice in the header")
    next_line = reader.line_num + 1

    records: list[ParsedRecord] = []
    groups: dict[str, _Group] = {}
    order: list[str | ParsedRecord] = []  # file order of first appearance
    while True:
        line = next_line
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            lines = [line]
            failed = ParsedRecord(lines, failure=_failure(lines, "invalid_csv", f"not valid CSV: {exc}"))
            order.append(failed)
            break
        next_line = reader.line_num + 1
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(columns):
            lines = [line]
            message = f"the row has {len(values)} values but the header has {len(columns)} columns"
            order.append(ParsedRecord(lines, failure=_failure(lines, "invalid_csv", message)))
            continue
        row = {col: values[i].strip() if i < len(values) else "" for i, col in enumerate(columns)}
        cid = row.get("customer_id", "")
        if not cid:
            lines = [line]
            fields = [
                FieldError(
                    field="customer_id", message="Field required", type="missing", line=line, column="customer_id"
                )
            ]
            order.append(
                ParsedRecord(lines, failure=_failure(lines, "validation_error", "not a valid customer", fields=fields))
            )
            continue
        group = groups.get(cid)
        if group is None:
            group = groups[cid] = _Group(cid)
            order.append(cid)
        _merge_row(group, row, line)

    for entry in order:
        records.append(entry if isinstance(entry, ParsedRecord) else _validate_group(groups[entry]))
    return records


def _merge_row(group: _Group, row: dict[str, str], line: int) -> None:
    group.lines.append(line)
    for col in PROFILE_COLUMNS:
        if row.get(col):
            group.profile.setdefault(col, []).append((row[col], line))
    for domain in (row.get("email_domains") or "").split(";"):
        domain = domain.strip()
        if domain and domain.lower() not in {d.lower() for d, _ in group.domains}:
            group.domains.append((domain, line))
    contact = {f: row[col] for col, f in CONTACT_COLUMNS.items() if row.get(col)}
    if contact:
        _add_entry(group.contacts, contact, _contact_key(contact), _contact_key, line, "contact", group.errors)
    item = {col: row[col] for col in ITEM_COLUMNS if row.get(col)}
    if item:
        _add_entry(group.items, item, _item_key(item), _item_key, line, "install-base item", group.errors)


def _validate_group(group: _Group) -> ParsedRecord:
    cid = group.customer_id
    errors = list(group.errors)
    data: dict[str, Any] = {"customer_id": cid}
    value_line: dict[str, int] = {}
    for col, values in group.profile.items():
        distinct = {v for v, _ in values}
        if len(distinct) > 1:
            errors.append(
                FieldError(
                    field=col,
                    message=f"rows of this customer give different values (lines {', '.join(str(n) for _, n in values)})",
                    type="conflicting_rows",
                    line=values[1][1],
                    column=col,
                )
            )
        data[col] = values[0][0]
        value_line[col] = values[0][1]
    data["email_domains"] = [d for d, _ in group.domains]
    data["contacts"] = [c for c, _ in group.contacts]
    data["install_base"] = [i for i, _ in group.items]
    contact_lines = [lines[0] for _, lines in group.contacts]
    item_lines = [lines[0] for _, lines in group.items]

    def locate(loc: str) -> tuple[int | None, str | None]:
        parts = loc.split(".")
        if parts[0] == "contacts" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(contact_lines):
            column = CONTACT_FIELD_TO_COLUMN.get(parts[2]) if len(parts) > 2 else None
            return contact_lines[int(parts[1])], column
        if parts[0] == "install_base" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(item_lines):
            return item_lines[int(parts[1])], parts[2] if len(parts) > 2 else None
        if parts[0] == "email_domains" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(group.domains):
            return group.domains[int(parts[1])][1], "email_domains"
        if parts[0] in value_line:
            return value_line[parts[0]], parts[0]
        if parts[0] in CSV_COLUMNS:
            return None, parts[0]
        return None, None

    customer: CustomerIn | None = None
    try:
        customer = CustomerIn.model_validate(data)
    except ValidationError as exc:
        for f in validation_fields(exc):
            line, column = locate(f["field"])
            errors.append(FieldError(**f, line=line, column=column))
    if errors:
        failure = _failure(group.lines, "validation_error", "not a valid customer", customer_id=cid, fields=errors)
        return ParsedRecord(group.lines, cid, failure=failure)
    return ParsedRecord(group.lines, cid, customer=customer, contact_lines=contact_lines, item_lines=item_lines)


# -- storing ------------------------------------------------------------------------


def _status_of(exc: DomainError) -> int:
    for cls, status in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            return status
    return 400


def store_failure(record: ParsedRecord, exc: DomainError) -> RowFailure:
    """A store refusal (e.g. an email that belongs to another customer) as a row failure."""
    fields = [
        FieldError(field=str(f["field"]), message=str(f.get("message", "")), type=str(f.get("type", exc.code)))
        for f in exc.fields
        if "field" in f
    ]
    customer = record.customer
    if customer is not None:
        # Best effort: the store names the contact by id; point at its line.
        for i, contact in enumerate(customer.contacts):
            if contact.contact_id and contact.contact_id in exc.message and i < len(record.contact_lines):
                what = exc.message.split(" ", 1)[0]
                attr = what if what in ("email", "phone") else None
                fields.append(
                    FieldError(
                        field=f"contacts.{i}.{attr}" if attr else f"contacts.{i}",
                        message=exc.message,
                        type=exc.code,
                        line=record.contact_lines[i],
                        column=f"contact_{attr}" if attr else None,
                    )
                )
    return _failure(
        record.lines, exc.code, exc.message, status=_status_of(exc), customer_id=record.customer_id, fields=fields
    )


def report(
    records: list[ParsedRecord], failures: list[RowFailure], imported: list[ParsedRecord], *, dry_run: bool
) -> ImportReport:
    """The import's report: ``imported`` are the records stored (or, in a dry run, that would be)."""
    rows = row_count(records)
    imported_rows = sum(len(r.lines) for r in imported)
    summary = ImportSummary(
        rows=rows,
        imported=imported_rows,
        failed=rows - imported_rows,
        customers_imported=len(imported),
        customers_failed=len(failures),
        dry_run=dry_run,
    )
    return ImportReport(
        summary=summary,
        failures=failures,
        imported_customer_ids=[r.customer.customer_id for r in imported if r.customer is not None],
    )
