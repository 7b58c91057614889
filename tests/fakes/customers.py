"""An in-memory customer store: the ``CustomerStorePort`` of functions/customers/ports.py, behaving
as the DynamoDB store (functions/customers/store.py) does.

* ``upsert`` creates or replaces a customer as a whole (version + 1, ``created_at`` kept); opt-outs
  of known contacts stand (``functions.customers.rules.keep_opt_outs``, the store's own rule).
* Each email (case-insensitive), phone and mail domain points at one customer: an upsert naming
  one that another customer holds is a ``Conflict`` with the store's message, and nothing of it is
  written. A replace frees the addresses and domains the customer no longer lists.
* ``contact_by_email`` / ``contact_by_phone`` / ``customer_by_domain`` are those pointers;
  ``owners_of`` / ``owner_pages`` read the install base by product (then model, then batch) as
  the product index does, in its order, as the same plain dicts.
* Contacts come back ordered by contact id and install-base items by product/model/batch, as the
  store reads them; listing is by customer id, paginated by cursor (a bad cursor: InvalidInput);
  a search (``text``) lists the customers ``rules.matches_search`` takes, the same way (the store
  may also end a page early, at its read budget: these pages are always full).
* What goes in and comes out are copies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from functions.core.dynamo import decode_cursor, encode_cursor
from functions.core.errors import Conflict, NotFound
from functions.core.timeutil import utcnow
from functions.customers import rules
from functions.customers.models import ContactRef, Customer, CustomerIn, CustomerPage, InstallBaseItem


def _asset_key(item: InstallBaseItem) -> str:
    return f"{item.product}#{item.model or '-'}#{item.batch or '-'}"


class FakeCustomerStore:
    def __init__(self, clock: Callable[[], datetime] = utcnow) -> None:
        self.clock = clock
        self.customers: dict[str, Customer] = {}
        self.emails: dict[str, ContactRef] = {}
        self.phones: dict[str, ContactRef] = {}
        self.domains: dict[str, str] = {}

    # -- reads -------------------------------------------------------------
    def get(self, customer_id: str) -> Customer:
        found = self.customers.get(customer_id)
        if found is None:
            raise NotFound("customer", customer_id)
        return found.model_copy(deep=True)

    def list_customers(self, limit: int = 50, cursor: str | None = None, text: str | None = None) -> CustomerPage:
        start = decode_cursor(cursor)
        after = str(start.get("after", "")) if start else ""
        ids = sorted(
            cid
            for cid, customer in self.customers.items()
            if cid > after and (text is None or rules.matches_search(customer.model_dump(mode="json"), text))
        )
        page = ids[:limit]
        next_cursor = encode_cursor({"after": page[-1]}) if len(ids) > limit and page else None
        return CustomerPage(items=[self.get(cid) for cid in page], next_cursor=next_cursor)

    def contact_by_email(self, email: str) -> ContactRef | None:
        ref = self.emails.get(email.lower())
        return ref.model_copy() if ref else None

    def contact_by_phone(self, phone: str) -> ContactRef | None:
        ref = self.phones.get(phone)
        return ref.model_copy() if ref else None

    def customer_by_domain(self, domain: str) -> str | None:
        return self.domains.get(domain.lower())

    def owners_of(self, product: str, model: str | None = None, batch: str | None = None) -> list[dict[str, Any]]:
        return [owner for page in self.owner_pages(product, model, batch) for owner in page]

    def owner_pages(
        self, product: str, model: str | None = None, batch: str | None = None, page_size: int = 1000
    ) -> Iterator[list[dict[str, Any]]]:
        if model and batch:
            prefix = f"{model}#{batch}#"
        elif model:
            prefix = f"{model}#"
        else:
            prefix = ""  # as the index: a batch without a model narrows nothing
        rows: list[tuple[str, dict[str, Any]]] = []
        for customer in self.customers.values():
            for item in customer.install_base:
                if item.product != product:
                    continue
                key = f"{item.model or '-'}#{item.batch or '-'}#{customer.customer_id}"
                if not key.startswith(prefix):
                    continue
                entry: dict[str, Any] = {
                    "customer_id": customer.customer_id,
                    "region": customer.region,
                    "tier": customer.tier.value,
                    **item.model_dump(mode="json"),
                }
                rows.append((key, {k: v for k, v in entry.items() if v is not None}))
        rows.sort(key=lambda r: r[0])
        entries = [entry for _, entry in rows]
        for start in range(0, len(entries), page_size):
            yield entries[start : start + page_size]
        if not entries:
            yield []

    # -- writes ------------------------------------------------------------
    def set_contact_channels(
        self, customer_id: str, contact_id: str, *, email_opt_out: bool | None = None, sms_opt_in: bool | None = None
    ) -> bool:
        customer = self.customers.get(customer_id)
        contact = next((c for c in customer.contacts if c.contact_id == contact_id), None) if customer else None
        if contact is None:
            return False
        if email_opt_out is not None:
            contact.email_opt_out = email_opt_out
        if sms_opt_in is not None:
            contact.sms_opt_in = sms_opt_in
        return True

    def upsert(self, data: CustomerIn) -> Customer:
        cid = data.customer_id
        existing = self.customers.get(cid)
        if existing is not None:
            data = rules.keep_opt_outs(existing, data)
        self._check_pointers(cid, data)
        now = self.clock()
        # pointers: claim the new ones, free what the customer no longer lists
        new_emails = {c.email.lower() for c in data.contacts if c.email}
        new_phones = {c.phone for c in data.contacts if c.phone}
        if existing is not None:
            new_ids = {c.contact_id for c in data.contacts}
            for old in existing.contacts:
                if old.contact_id in new_ids:
                    continue
                if old.email and old.email.lower() not in new_emails:
                    self.emails.pop(old.email.lower(), None)
                if old.phone and old.phone not in new_phones:
                    self.phones.pop(old.phone, None)
            for domain in set(existing.email_domains) - set(data.email_domains):
                self.domains.pop(domain, None)
        for contact in data.contacts:
            assert contact.contact_id is not None
            ref = ContactRef(
                customer_id=cid,
                contact_id=contact.contact_id,
                email=contact.email,
                phone=contact.phone,
                name=contact.name,
                language=contact.language,
            )
            if contact.email:
                self.emails[contact.email.lower()] = ref
            if contact.phone:
                self.phones[contact.phone] = ref.model_copy()
        for domain in data.email_domains:
            self.domains[domain] = cid
        # items: the profile, contacts by id and install base by product/model/batch (one per key)
        items = {_asset_key(i): i for i in data.install_base}
        self.customers[cid] = Customer.model_validate(
            {
                **data.model_dump(exclude={"contacts", "install_base"}),
                "contacts": [c.model_dump() for c in sorted(data.contacts, key=lambda c: c.contact_id or "")],
                "install_base": [items[k].model_dump() for k in sorted(items)],
                "created_at": existing.created_at if existing else now,
                "updated_at": now,
                "version": existing.version + 1 if existing else 1,
            }
        )
        return self.get(cid)

    def delete(self, customer_id: str) -> None:
        existing = self.get(customer_id)
        for contact in existing.contacts:
            if contact.email and self.emails.get(contact.email.lower(), None) is not None:
                if self.emails[contact.email.lower()].customer_id == customer_id:
                    del self.emails[contact.email.lower()]
            if contact.phone and contact.phone in self.phones and self.phones[contact.phone].customer_id == customer_id:
                del self.phones[contact.phone]
        for domain in existing.email_domains:
            if self.domains.get(domain) == customer_id:
                del self.domains[domain]
        del self.customers[customer_id]

    # -- helpers -----------------------------------------------------------
    def _check_pointers(self, cid: str, data: CustomerIn) -> None:
        for contact in data.contacts:
            for what, ref in (
                ("email", self.emails.get(contact.email.lower()) if contact.email else None),
                ("phone", self.phones.get(contact.phone) if contact.phone else None),
            ):
                if ref is not None and ref.customer_id != cid:
                    raise Conflict(f"{what} of contact {contact.contact_id} already belongs to another customer")
        for domain in data.email_domains:
            owner = self.domains.get(domain)
            if owner is not None and owner != cid:
                raise Conflict(f"mail domain {domain} already belongs to another customer")
