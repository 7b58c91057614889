"""Rules on customers and their contacts. Pure: no I/O, no clock."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from functions.core.errors import InvalidInput
from functions.customers.models import Customer, CustomerIn


def keep_opt_outs(existing: Customer, data: CustomerIn) -> CustomerIn:
    """An import or API replace can opt a known contact out of a channel, never back in: an
    unsubscribe or an SMS STOP stands until the customer opts in again themselves (SMS START)."""
    old = {c.contact_id: c for c in existing.contacts}
    contacts = []
    for contact in data.contacts:
        before = old.get(contact.contact_id)
        if before is not None:
            contact = contact.model_copy(
                update={
                    "email_opt_out": contact.email_opt_out or before.email_opt_out,
                    "sms_opt_in": contact.sms_opt_in and before.sms_opt_in,
                }
            )
        contacts.append(contact)
    return data.model_copy(update={"contacts": contacts})


def folded(text: str) -> str:
    """``text`` case-folded and without accents: "Genève" and "geneve" search alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def search_text(customer: Mapping[str, Any]) -> str:
    """What a customer search (``GET /customers?q=``) reads of a customer: id, name, region and
    mail domains, ``folded`` (``customer``: the profile's attributes)."""
    parts = [
        customer.get("customer_id"),
        customer.get("name"),
        customer.get("region"),
        *customer.get("email_domains", ()),
    ]
    return folded(" ".join(str(p) for p in parts if p))


def matches_search(customer: Mapping[str, Any], text: str) -> bool:
    """Every word of ``text`` occurs (any case, any accents) in the customer's ``search_text``."""
    haystack = search_text(customer)
    return all(word in haystack for word in folded(text).split())


def check_same_id(path_id: str, data: CustomerIn) -> None:
    """A replace names the customer twice (path and body): they must agree."""
    if data.customer_id != path_id:
        raise InvalidInput(f"customer_id in the body ({data.customer_id}) does not match the path ({path_id})")
