"""What the customer service receives: its store. ``tests/fakes/customers.py`` implements it in memory.

Other domains use the same store through their own, smaller ports (the case service's
``ContactDirectory``, notify's audience and opt-out ports)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from functions.customers.models import ContactRef, Customer, CustomerIn, CustomerPage


class CustomerStorePort(Protocol):
    """Customers with their contacts and install base, and the lookups built on them."""

    def get(self, customer_id: str) -> Customer:
        """The customer with contacts and install base; NotFound."""
        ...

    def list_customers(self, limit: int = 50, cursor: str | None = None, text: str | None = None) -> CustomerPage:
        """Customers by id, one page; InvalidInput for a cursor that is not one. With ``text``, only
        those every word of which occurs in their id, name, region or mail domains
        (``rules.matches_search``); such a page may hold fewer than ``limit`` and still have a cursor."""
        ...

    def contact_by_email(self, email: str) -> ContactRef | None:
        """The contact an address belongs to (case-insensitive)."""
        ...

    def contact_by_phone(self, phone: str) -> ContactRef | None: ...

    def customer_by_domain(self, domain: str) -> str | None:
        """The customer whose own mail domain this is (case-insensitive)."""
        ...

    def owners_of(self, product: str, model: str | None = None, batch: str | None = None) -> list[dict[str, Any]]:
        """Install-base entries for a product (optionally model and batch): who owns what."""
        ...

    def owner_pages(
        self, product: str, model: str | None = None, batch: str | None = None, page_size: int = 1000
    ) -> Iterator[list[dict[str, Any]]]:
        """The entries of ``owners_of``, one page at a time."""
        ...

    def set_contact_channels(
        self, customer_id: str, contact_id: str, *, email_opt_out: bool | None = None, sms_opt_in: bool | None = None
    ) -> bool:
        """Record a contact's opt-out / opt-in. False: no such contact."""
        ...

    def upsert(self, data: CustomerIn) -> Customer:
        """Create or replace a customer as a whole (opt-outs of known contacts stand:
        ``rules.keep_opt_outs``). Conflict, and nothing written, when an email, phone or mail
        domain belongs to another customer."""
        ...

    def delete(self, customer_id: str) -> None:
        """Remove the customer, its contacts, install base and the addresses pointing at it; NotFound."""
        ...
