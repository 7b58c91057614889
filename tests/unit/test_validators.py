from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from functions.core.validators import Email, Phone

email = TypeAdapter(Email)
phone = TypeAdapter(Phone)


def test_email_domain_is_lowercased_local_part_kept():
    assert email.validate_python(" Ann.Lee@Example.ORG ") == "Ann.Lee@example.org"


@pytest.mark.parametrize(
    "bad", ["", "ann", "ann@", "@example.org", "ann@example", "a b@example.org", "ann@exa_mple.org"]
)
def test_email_rejects_malformed_addresses(bad):
    with pytest.raises(ValidationError):
        email.validate_python(bad)


def test_phone_is_normalised_to_e164():
    assert phone.validate_python("+1 (415) 555-0123") == "+14155550123"


@pytest.mark.parametrize("bad", ["4155550123", "+0123456789", "+1 555", "phone"])
def test_phone_rejects_non_e164(bad):
    with pytest.raises(ValidationError):
        phone.validate_python(bad)
