"""Web-form models and intake rules, with in-memory fakes (no AWS)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from functions.cases.models import Case, CaseStatus, Channel
from functions.channels.web.logic import WebIntake, fingerprint, idempotency_pointer, is_bot
from functions.channels.web.models import WebCaseIn
from functions.core.errors import InvalidInput

FORM = {"name": "Ann", "email": "ann@Example.ORG", "subject": "Jam", "description": "It jams."}
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


class FakeCases:
    def __init__(self) -> None:
        self.opened: list[dict] = []
        self.events: list[tuple] = []

    def open_case(self, **kwargs):
        self.opened.append(kwargs)
        return Case(
            case_id=f"CB-{100000 + len(self.opened)}",
            subject=kwargs["subject"],
            channel=kwargs["channel"],
            status=CaseStatus.NEW,
            contact_email=kwargs["contact_email"],
            created_at=NOW,
            updated_at=NOW,
        )

    def find_case_for_message_ids(self, ids):
        return None

    def add_event(self, case_id, kind, actor, **kwargs):
        self.events.append((case_id, kind, kwargs))


class FakeHeld:
    def __init__(self) -> None:
        self.records: list[dict] = []

    def record(self, *, at, reason, form):
        self.records.append({"reason": reason, "form": form})
        return "x"


class FakeMailer:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple] = []
        self.fail = fail

    def send_case_link(self, case, *, to, link, kind):
        if self.fail:
            raise RuntimeError("SES is down")
        self.sent.append((case.case_id, to, kind))
        return "<m@x>"


def _intake(**kw) -> tuple[WebIntake, FakeCases]:
    cases = FakeCases()
    return WebIntake(cases, base_url="https://help.example", clock=lambda: NOW, **kw), cases  # type: ignore[arg-type]


def test_the_email_domain_is_lower_cased_but_the_local_part_kept():
    assert WebCaseIn.model_validate(FORM).email == "ann@example.org"


@pytest.mark.parametrize("field", ["name", "email", "subject", "description"])
def test_each_required_field_is_named_when_missing(field):
    data = {k: v for k, v in FORM.items() if k != field}

    with pytest.raises(ValidationError) as info:
        WebCaseIn.model_validate(data)

    assert [e["loc"] for e in info.value.errors()] == [(field,)]


def test_the_phone_is_normalised_to_e164():
    assert WebCaseIn.model_validate({**FORM, "phone": "+49 (30) 1234-5678"}).phone == "+493012345678"


def test_only_a_filled_honeypot_marks_a_bot():
    assert not is_bot(WebCaseIn.model_validate({**FORM, "website": "  "}))
    assert is_bot(WebCaseIn.model_validate({**FORM, "website": "http://x"}))


def test_the_fingerprint_ignores_the_honeypot_and_changes_with_the_content():
    base = WebCaseIn.model_validate(FORM)

    assert fingerprint(base) == fingerprint(WebCaseIn.model_validate({**FORM, "website": ""}))
    assert fingerprint(base) != fingerprint(WebCaseIn.model_validate({**FORM, "description": "Other."}))


def test_the_idempotency_pointer_is_scoped_by_address_ignoring_case():
    key = "0123456789abcdef"

    assert idempotency_pointer("Ann@example.org", key) == idempotency_pointer("ann@example.org", key)
    assert idempotency_pointer("ann@example.org", key) != idempotency_pointer("bob@example.org", key)
    assert idempotency_pointer("ann@example.org", key).startswith("web:")


def test_a_bot_submission_opens_no_case_and_is_held():
    held = FakeHeld()
    intake, cases = _intake(held=held)

    result = intake.submit(WebCaseIn.model_validate({**FORM, "website": "spam"}))

    assert result.status == 202 and result.out.case_id is None
    assert cases.opened == []
    assert held.records[0]["form"]["email"] == "ann@example.org"


def test_consent_is_enforced_only_when_required():
    intake, _ = _intake(require_consent=True)

    with pytest.raises(InvalidInput) as info:
        intake.submit(WebCaseIn.model_validate(FORM))

    assert info.value.fields[0]["field"] == "consent"
    assert intake.submit(WebCaseIn.model_validate({**FORM, "consent": True})).status == 201


def test_a_case_is_opened_on_the_web_channel_with_the_key_as_pointer():
    intake, cases = _intake()

    intake.submit(WebCaseIn.model_validate(FORM), idempotency_key="0123456789abcdef")

    opened = cases.opened[0]
    assert opened["channel"] == Channel.WEB
    assert idempotency_pointer("ann@example.org", "0123456789abcdef") in opened["pointers"]
    assert opened["message"].meta["fingerprint"] == fingerprint(WebCaseIn.model_validate(FORM))


def test_the_customer_is_acknowledged_with_the_portal_link():
    mailer = FakeMailer()
    intake, _ = _intake(mailer=mailer)

    result = intake.submit(WebCaseIn.model_validate(FORM))

    assert result.out.acknowledgement == "sent"
    assert mailer.sent == [(result.out.case_id, "ann@example.org", "acknowledgement")]
    assert result.out.portal_url.startswith(f"https://help.example/portal/cases/{result.out.case_id}?token=")


def test_the_acknowledgement_mail_is_noted_on_the_case_so_answers_thread_back():
    intake, cases = _intake(mailer=FakeMailer())

    result = intake.submit(WebCaseIn.model_validate(FORM))

    case_id, kind, kwargs = cases.events[0]
    assert (case_id, kind.value) == (result.out.case_id, "auto_reply")
    assert kwargs["pointers"] == ["<m@x>"] and kwargs["message"].message_id == "<m@x>"


def test_a_failed_acknowledgement_does_not_undo_the_case():
    intake, cases = _intake(mailer=FakeMailer(fail=True))

    result = intake.submit(WebCaseIn.model_validate(FORM))

    assert result.status == 201 and result.out.acknowledgement == "failed"
    assert len(cases.opened) == 1


def test_without_a_mailer_the_acknowledgement_is_pending():
    intake, _ = _intake()

    assert intake.submit(WebCaseIn.model_validate(FORM)).out.acknowledgement == "pending_no_mailer"
