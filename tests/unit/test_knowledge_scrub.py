"""The scrubber: nothing that names or locates a person survives, useful words do."""

from __future__ import annotations

import pytest

from functions.knowledge.scrub import KnownPII, Scrubber

KNOWN = KnownPII(
    names=("Anna Schmidt", "bob.keller@casebridge.example", "Will Price"),
    emails=("anna.schmidt@nordwerk.example",),
    phones=("+4930123456701",),
    organisations=("Nordwerk Maschinenbau GmbH", "nordwerk"),
)


def scrub(text: str, known: KnownPII = KNOWN) -> str:
    return Scrubber(known).text(text)


@pytest.mark.parametrize(
    "text, leaked",
    [
        ("Anna Schmidt called", "Anna"),
        ("ANNA SCHMIDT called", "SCHMIDT"),
        ("Ms Schmidt called", "Schmidt"),
        ("mail anna.schmidt@nordwerk.example", "nordwerk"),
        ("agent Bob Keller checked", "Keller"),
        ("Nordwerk Maschinenbau GmbH reported it", "Maschinenbau"),
        ("customer nordwerk", "nordwerk"),
        ("call +49 30 1234567-01", "1234567"),
        ("call 030 1234567 01", "1234567"),
        ("Will Price reported it", "Price"),
    ],
)
def test_known_values_never_survive(text, leaked):
    assert leaked not in scrub(text)


@pytest.mark.parametrize(
    "text, leaked, label",
    [
        ("write to jane.doe@example.org", "jane.doe", "[email]"),
        ("jane dot doe at example dot org", "example", "[email]"),
        ("IBAN DE89 3704 0044 0532 0130 00", "3704", "[IBAN]"),
        ("card 4111 1111 1111 1111", "4111", "[card number]"),
        ("call +1 (415) 555-0123", "555", "[phone]"),
        ("call 415-555-0123 today", "0123", "[phone]"),
        ("order #A-99812 is late", "99812", "[order number]"),
        ("Bestellnummer: 2024-55123", "55123", "[order number]"),
        ("invoice no. INV-20240117", "20240117", "[reference]"),
        ("account number 12345678", "12345678", "[account number]"),
        ("Kundennummer 88123", "88123", "[account number]"),
        ("serial number SN-4477-AB12", "4477", "[serial number]"),
        ("ref ORD-778899", "778899", "[reference]"),
        ("ticket #55667788", "55667788", "[reference]"),
        ("tracking 1Z999AA10123456784", "1Z999", "[reference]"),
        ("221B Baker Street, London NW1 6XE", "Baker", "[address]"),
        ("London NW1 6XE", "6XE", "[postal code]"),
        ("Hauptstraße 5, 10115 Berlin", "Hauptstraße", "[address]"),
        ("10115 Berlin", "10115", "[postal code]"),
        ("12 rue de la Paix, 75002 Paris", "Paix", "[address]"),
        ("Springfield, IL 62704", "62704", "[postal code]"),
        ("from 192.168.10.44", "192.168", "[IP address]"),
        ("MAC 00:1A:2B:3C:4D:5E", "4D", "[MAC address]"),
        ("my name is Peter Miller and", "Miller", "[name]"),
        ("Mr. John Carter agreed", "Carter", "[name]"),
        ("id 123456789012", "123456789012", "[number]"),
    ],
)
def test_patterns_are_replaced_by_their_label(text, leaked, label):
    out = scrub(text, KnownPII())
    assert leaked not in out
    assert label in out


def test_a_greeting_keeps_its_word_and_loses_the_name():
    assert scrub("Hi Peter,\nthe printer works.", KnownPII()) == "Hi [name],\nthe printer works."


def test_a_signature_block_after_a_closing_goes():
    text = "Install firmware 4.3.\n\nKind regards,\nPeter Miller\nHead of IT\nMain Road 4\n\nPS: thanks"
    out = scrub(text, KnownPII())
    assert "Miller" not in out and "Head of IT" not in out and "Main Road" not in out
    assert out.startswith("Install firmware 4.3.") and "PS: thanks" in out


@pytest.mark.parametrize(
    "text",
    [
        "Firmware 4.2.1 fails with error 0x80070005 since 2024-03-01.",
        "Set the feed delay to 200 ms on model px-200.",
        "It uses 4096 MB of memory on Windows Server 2019.",
        "Restart the router twice, then wait 30 seconds.",
        "The case CB-100042 had the same error.",
    ],
)
def test_technical_text_is_left_alone(text):
    assert scrub(text) == text


def test_common_words_that_are_also_names_only_go_when_capitalised():
    out = scrub("Will said the printer will print; ask Price about the price.")
    assert out == "[name] said the printer will print; ask [name] about the price."


def test_it_reports_what_it_removed():
    result = Scrubber(KNOWN).scrub("Anna at anna.schmidt@nordwerk.example, +49 30 1234567-01")
    assert result.removed["email"] == 1
    assert result.removed["phone"] == 1
    assert result.removed["name"] == 1


def test_empty_text_stays_empty():
    assert scrub("") == ""
    assert Scrubber().scrub(None).text == ""
