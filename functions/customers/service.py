"""Customer use cases: list, read, create or replace, delete, bulk import. Receives its store
(functions.customers.ports) and the import limits in its constructor."""

from __future__ import annotations

import contextlib

from functions.core.errors import DomainError, NotFound, PayloadTooLarge
from functions.customers import importer, rules
from functions.customers.importer import ParsedRecord
from functions.customers.models import (
    Customer,
    CustomerIn,
    CustomerPage,
    CustomerQuery,
    Format,
    ImportReport,
    RowFailure,
)
from functions.customers.ports import CustomerStorePort

BIG_FILES = "Split the file or use `casebridge customers import`"


class CustomerService:
    def __init__(
        self, store: CustomerStorePort, *, import_max_bytes: int = 256 * 1024, import_max_rows: int = 1000
    ) -> None:
        self.store = store
        self.import_max_bytes = import_max_bytes
        self.import_max_rows = import_max_rows

    # -- reads -------------------------------------------------------------
    def list_customers(self, q: CustomerQuery) -> CustomerPage:
        """One page of customers by id; with ``q.q`` a search: a contact's whole email address is
        its customer alone, other text the customers whose id, name, region or mail domains hold
        every word of it."""
        if q.q and "@" in q.q and not q.cursor and (contact := self.store.contact_by_email(q.q)) is not None:
            with contextlib.suppress(NotFound):  # a pointer outliving its customer: searched as text
                return CustomerPage(items=[self.store.get(contact.customer_id)])
        return self.store.list_customers(limit=q.limit, cursor=q.cursor, text=q.q)

    def get(self, customer_id: str) -> Customer:
        return self.store.get(customer_id)

    # -- writes ------------------------------------------------------------
    def upsert(self, data: CustomerIn) -> Customer:
        """Create or replace a customer with contacts and install base (409 when an address or
        mail domain belongs to another customer)."""
        return self.store.upsert(data)

    def replace(self, customer_id: str, data: CustomerIn) -> Customer:
        """``upsert`` of the customer the path names; the body must name the same one."""
        rules.check_same_id(customer_id, data)
        return self.store.upsert(data)

    def delete(self, customer_id: str) -> None:
        self.store.delete(customer_id)

    # -- bulk import -------------------------------------------------------
    def import_text(self, content: str, fmt: Format) -> ImportReport:
        """Import a file's text (the API): bounded in bytes and rows (PayloadTooLarge), then
        ``import_records``. A file that cannot be read at all is an ImportFileError (400)."""
        size = len(content.encode())
        if size > self.import_max_bytes:
            raise PayloadTooLarge(
                f"content is {size} bytes; this route takes up to {self.import_max_bytes} bytes. {BIG_FILES}"
            )
        records = importer.parse(content, fmt)
        rows = importer.row_count(records)
        if rows > self.import_max_rows:
            raise PayloadTooLarge(
                f"content has {rows} rows; this route takes up to {self.import_max_rows}. {BIG_FILES}"
            )
        return self.import_records(records)

    def import_records(self, records: list[ParsedRecord], *, dry_run: bool = False) -> ImportReport:
        """Store every valid record (a dry run stores nothing). Domain refusals (409 conflicts and
        the like) become row failures; an infrastructure error (AWS unreachable, throttling)
        propagates: the import is idempotent, run it again."""
        failures: list[RowFailure] = []
        imported: list[ParsedRecord] = []
        for record in records:
            if record.failure is not None:
                failures.append(record.failure)
                continue
            assert record.customer is not None
            if not dry_run:
                try:
                    self.store.upsert(record.customer)
                except DomainError as exc:
                    failures.append(importer.store_failure(record, exc))
                    continue
            imported.append(record)
        return importer.report(records, failures, imported, dry_run=dry_run)
