"""Customers, their contacts and install base: the attributes a segment is made of."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from functions.core.models import Model
from functions.core.validators import Code, Email, Language, Name, PageSize, Phone


class Tier(StrEnum):
    FREE = "free"
    STANDARD = "standard"
    PREMIUM = "premium"
    ENTERPRISE = "enterprise"


class CustomerKind(StrEnum):
    ORGANIZATION = "organization"
    PERSON = "person"


Region = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=2, max_length=32, pattern=r"^[A-Za-z0-9-]+$")
]
Domain = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")]


def contact_id_for(customer_id: str, email: str | None, phone: str | None) -> str:
    key = f"{customer_id}|{(email or '').lower()}|{phone or ''}"
    return "ct_" + hashlib.sha256(key.encode()).hexdigest()[:16]


class Contact(Model):
    model_config = ConfigDict(extra="forbid")

    contact_id: str | None = None
    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    language: Language | None = None
    email_opt_out: bool = False
    sms_opt_in: bool = False

    @model_validator(mode="after")
    def _reachable(self) -> Contact:
        if not self.email and not self.phone:
            raise ValueError("a contact needs an email or a phone")
        return self


class InstallBaseItem(Model):
    model_config = ConfigDict(extra="forbid")

    product: Code
    model: Code | None = None
    batch: Code | None = Field(default=None, description="batch or lot")
    since: date | None = None
    quantity: Annotated[int, Field(ge=1)] = 1


class CustomerIn(Model):
    """A customer as an API client or import file sends it (create or replace)."""

    model_config = ConfigDict(extra="forbid")

    customer_id: Code
    name: Name
    kind: CustomerKind = CustomerKind.ORGANIZATION
    region: Region | None = None
    tier: Tier = Tier.STANDARD
    language: Language = "en"
    email_domains: list[Domain] = Field(
        default_factory=list,
        description="the organisation's own mail domains; a sender from one of them belongs to this customer",
    )
    contacts: list[Contact] = Field(default_factory=list, max_length=500)
    install_base: list[InstallBaseItem] = Field(default_factory=list, max_length=5000)

    @model_validator(mode="after")
    def _ids(self) -> CustomerIn:
        seen: set[str] = set()
        for contact in self.contacts:
            if contact.contact_id is None:
                contact.contact_id = contact_id_for(self.customer_id, contact.email, contact.phone)
            if contact.contact_id in seen:
                raise ValueError(f"contact {contact.email or contact.phone} is listed twice")
            seen.add(contact.contact_id)
        return self


class Customer(CustomerIn):
    created_at: datetime
    updated_at: datetime
    version: int = 1


class CustomerQuery(Model):
    """Query parameters of GET /customers."""

    model_config = ConfigDict(extra="forbid")

    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = Field(
        default=None,
        description="words that must all occur (any case or accents) in the customer's id, name, region or mail domains; "
        "a contact's whole email address finds its customer",
    )
    limit: PageSize = 50
    cursor: str | None = Field(default=None, description="next_cursor of the previous page")


class CustomerPage(Model):
    items: list[Customer]
    next_cursor: str | None = Field(
        default=None,
        description="more to read: with q, a page can hold fewer than limit customers (a search reads a bounded "
        "number of customers a request) and still have a next_cursor",
    )


class ContactRef(Model):
    """What an email address or phone resolves to."""

    customer_id: str
    contact_id: str
    email: str | None = None
    phone: str | None = None
    name: str | None = None
    language: str | None = Field(default=None, description="the contact's own language, when on record")


# -- bulk import (functions.customers.importer parses; the service stores) ---------------------
Format = Literal["jsonl", "csv"]
FORMATS: tuple[Format, ...] = ("jsonl", "csv")


class FieldError(Model):
    field: str = Field(description="pydantic location, e.g. contacts.0.email")
    message: str
    type: str
    line: int | None = Field(default=None, description="the line the value came from, where known")
    column: str | None = Field(default=None, description="CSV column, where known")


class RowFailure(Model):
    line: int = Field(description="first line of the record (1-based; the CSV header is line 1)")
    lines: list[int] = Field(description="every line of the record (several for merged CSV rows)")
    customer_id: str | None = None
    status: int = Field(description="400 not valid, 409 conflicts with stored data or another line")
    code: str
    message: str
    fields: list[FieldError] = Field(default_factory=list)


class ImportSummary(Model):
    rows: int = Field(description="data rows read (CSV rows, non-blank JSON lines)")
    imported: int = Field(description="rows whose customer was stored (or would be, in a dry run)")
    failed: int = Field(description="rows whose customer was not stored")
    customers_imported: int
    customers_failed: int
    dry_run: bool = False


class ImportReport(Model):
    summary: ImportSummary
    failures: list[RowFailure]
    imported_customer_ids: list[str]


class ImportIn(Model):
    """Body of POST /customers/import: the file's text and its format."""

    format: Format
    content: str = Field(description="the whole file as text (size-limited; use the CLI for big files)")
