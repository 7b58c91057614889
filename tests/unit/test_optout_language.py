"""The language of a contact's unsubscribe and preference pages (OptOutService.language)."""

from __future__ import annotations

from functions.core.errors import NotFound
from functions.notify.service import OptOutService


def _gone(customer_id: str, contact_id: str) -> str | None:
    raise NotFound("customer", customer_id)


def test_the_contacts_stored_language_or_none():
    assert OptOutService(contacts=None, languages=lambda c, ct: "de").language("c1", "ct1") == "de"  # type: ignore[arg-type]
    assert OptOutService(contacts=None, languages=_gone).language("c1", "ct1") is None  # type: ignore[arg-type]
    assert OptOutService(contacts=None).language("c1", "ct1") is None  # type: ignore[arg-type]
