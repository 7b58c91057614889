"""Proactive notices on the running local stack (issue 6): a notice approved for a confirmed problem
reaches the affected and the likely affected (the seeded install base of printer-x px-200, batch
2024-03) by email, and nobody else; an update and the resolution reach the same people again.
The lifecycle state machine and delivery run in the embedded AWS; mail is read from the outbox."""

from __future__ import annotations

import importlib.util
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

DEMO = Path(__file__).resolve().parents[2] / "scripts" / "demo_problems.py"
SEGMENT = {"product": ["printer-x"], "model": ["px-200"], "batch": ["2024-03"]}
WEEK = 7 * 24 * 3600


def _demo() -> Any:
    spec = importlib.util.spec_from_file_location("demo_problems", DEMO)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _customers(stack) -> list[dict]:
    out, cursor = [], None
    while True:
        status, page = stack.request("GET", "/customers?limit=200" + (f"&cursor={cursor}" if cursor else ""))
        assert status == 200, page
        out += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return out


def _in_segment(customer: dict) -> bool:
    return any(
        a["product"] in SEGMENT["product"] and a.get("model") in SEGMENT["model"] and a.get("batch") in SEGMENT["batch"]
        for a in customer["install_base"]
    )


def _notice_recipients(stack, demo, subject: str) -> list[str]:
    target = demo.Stack(stack.api_url, stack.aws_endpoint, None, "", stack.token)
    return sorted(a.lower() for m in demo.notice_mails(target, subject) for a in m.to)


def _wait_sent(stack, notice_id: str, kind: str, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, deliveries = stack.request("GET", f"/notices/{notice_id}/deliveries")
        assert status == 200, deliveries
        item = next((d for d in deliveries["items"] if d["kind"] == kind), None)
        _, notice = stack.request("GET", f"/notices/{notice_id}")
        if item and item["sent_email"] >= (notice.get("email_count") or 0):
            return item
        time.sleep(1)
    pytest.fail(f"the {kind} dispatch of {notice_id} was not sent within {timeout:.0f}s")


@pytest.fixture(scope="module")
def approved(stack) -> dict[str, Any]:
    """A confirmed problem (one root-cause case from a segment customer) and its approved notice."""
    demo = _demo()
    tag = uuid.uuid4().hex[:6]
    writer = f"it.{tag}@brightline.example"
    status, case = stack.request("POST", "/cases", {"subject": f"PX-200 jams on page 2 {tag}", "contact_email": writer})
    assert status == 201, case
    target = demo.Stack(stack.api_url, stack.aws_endpoint, None, "", stack.token)
    problem = demo.open_by_hand(target, [case["case_id"]])
    assert problem["status"] == "confirmed"
    status, notice = stack.request(
        "POST",
        f"/problems/{problem['problem_id']}/notices",
        {
            "channels": ["email", "sms", "portal"],
            "audience": {"include_affected": True, "include_likely": True, "segment": SEGMENT},
            "texts": {
                "subject": f"Known issue {problem['problem_id']}",
                "body": "PX-200 printers of batch 2024-03 jam on page 2. Print from tray 1 meanwhile.",
                "sms_text": "PX-200 jams on page 2: print from tray 1 until the fix.",
            },
            "interval_seconds": WEEK,
        },
    )
    assert status == 201, notice
    status, notice = stack.request("POST", f"/notices/{notice['notice_id']}/approve", {"version": notice["version"]})
    assert status == 200, notice
    initial = _wait_sent(stack, notice["notice_id"], "initial")
    return {
        "demo": demo,
        "problem": problem,
        "notice": notice,
        "writer": writer,
        # the writer is no contact on record: they read their case's language, else their customer's
        "writer_language": case.get("language")
        or stack.request("GET", f"/customers/{case['customer_id']}")[1].get("language")
        or "en",
        "initial": initial,
    }


def _expected(stack, writer: str) -> set[str]:
    """Contacts of the segment's owners who did not opt out of email, and the affected case's writer."""
    emails = {
        c["email"].lower()
        for customer in _customers(stack)
        if _in_segment(customer)
        for c in customer["contacts"]
        if c.get("email") and not c.get("email_opt_out")
    }
    return emails | {writer}


def _expected_languages(stack, approved) -> dict[str, str]:
    """``_expected``'s addresses with the language each reads notices in: the contact's, else the
    customer's (English for one the notices have no words for)."""
    found = {approved["writer"]: approved["writer_language"]}
    for customer in _customers(stack):
        if not _in_segment(customer):
            continue
        for c in customer["contacts"]:
            if c.get("email") and not c.get("email_opt_out"):
                lang = (c.get("language") or customer.get("language") or "en").split("-")[0].lower()
                found[c["email"].lower()] = lang if lang in ("en", "de", "fr", "es") else "en"
    return found


# What the frame of an update and a resolution says in each language (written out here, not read
# from the catalogues under test).
FRAMES = {
    "update": {"en": "Update: ", "de": "Aktualisierung: ", "fr": "Mise à jour : ", "es": "Actualización: "},
    "resolution": {"en": "Resolved: ", "de": "Behoben: ", "fr": "Résolu : ", "es": "Resuelto: "},
}


def _by_language(stack, approved, kind: str) -> dict[str, list[str]]:
    """Who received the ``kind`` dispatch, by the language of the subject they got."""
    subject = f"Known issue {approved['problem']['problem_id']}"
    return {lang: _notice_recipients(stack, approved["demo"], frame + subject) for lang, frame in FRAMES[kind].items()}


def _expected_by_language(stack, approved) -> dict[str, list[str]]:
    wanted = _expected_languages(stack, approved)
    return {lang: sorted(a for a, got in wanted.items() if got == lang) for lang in FRAMES["update"]}


def test_the_initial_notice_reaches_exactly_the_affected_and_the_likely_affected(stack, approved):
    # Given an approved notice for the segment printer-x / px-200 / 2024-03 (fixture)
    # When the initial dispatch has been sent
    subject = f"Known issue {approved['problem']['problem_id']}"
    recipients = _notice_recipients(stack, approved["demo"], subject)
    # Then each affected and likely-affected contact got it once, and nobody else
    assert recipients == sorted(_expected(stack, approved["writer"]))
    assert approved["writer"] in recipients
    # customers outside the segment (px-200 of another batch, other products) get nothing
    customers = {c["customer_id"]: c for c in _customers(stack)}
    for outside in ("granite-bank", "lumiere-sante", "sakura-foods"):
        assert not {c["email"].lower() for c in customers[outside]["contacts"]} & set(recipients)
    # a contact of a segment customer who opted out of email gets nothing
    opted_out = [c["email"].lower() for c in customers["brightline"]["contacts"] if c.get("email_opt_out")]
    assert opted_out and not set(opted_out) & set(recipients)


def test_sms_goes_only_to_opted_in_contacts_of_the_audience(stack, approved):
    customers = [c for c in _customers(stack) if _in_segment(c)]
    opted_in = sum(1 for c in customers for ct in c["contacts"] if ct.get("sms_opt_in") and ct.get("phone"))
    assert opted_in > 0
    assert approved["initial"]["sent_sms"] == opted_in


def test_an_update_reaches_the_same_recipients_again(stack, approved):
    # Given the initial notice was sent
    notice_id = approved["notice"]["notice_id"]
    # When the agent sends an update now
    status, out = stack.request("POST", f"/notices/{notice_id}/updates", {"text": "A fix is in testing."})
    assert status == 202, out
    _wait_sent(stack, notice_id, "update")
    # Then the same people get it, each in their own language
    got, expected = _by_language(stack, approved, "update"), _expected_by_language(stack, approved)
    assert got == expected
    assert sorted(a for people in got.values() for a in people) == sorted(_expected(stack, approved["writer"]))
    assert expected["de"] and expected["en"]  # the demo's segment reads more than one language


def test_the_portal_shows_the_notice_to_a_segment_customer_only(stack, approved):
    from functions.core import signing
    from functions.notify.links import PORTAL_PURPOSE

    secret = (stack.data_dir / "signing-secret").read_text().strip()

    def banners(customer_id: str) -> list[str]:
        token = signing.sign(PORTAL_PURPOSE, {"customer_id": customer_id}, secret=secret)
        status, out = stack.request("GET", f"/portal/notices?token={token}", token=None)
        assert status == 200, out
        return [n["notice_id"] for n in out["items"]]

    # Given the approved, active notice; When a segment customer and another customer open the portal
    # Then only the segment customer sees its banner
    assert approved["notice"]["notice_id"] in banners("rhein-office")
    assert approved["notice"]["notice_id"] not in banners("granite-bank")


def test_resolving_the_problem_sends_the_resolution_notice(stack, approved):
    # Given an approved notice (its update may have gone out too)
    problem_id, notice_id = approved["problem"]["problem_id"], approved["notice"]["notice_id"]
    # When the problem is resolved
    status, out = stack.request("POST", f"/problems/{problem_id}/resolve", {"fix_note": "Firmware 4.2.1 fixes it."})
    assert status == 200, out
    _wait_sent(stack, notice_id, "resolution")
    # Then the resolution notice reaches the audience, each in their own language, and the notice is completed
    assert _by_language(stack, approved, "resolution") == _expected_by_language(stack, approved)
    assert stack.request("GET", f"/notices/{notice_id}")[1]["status"] == "completed"
