"""Web-form models, rules and the intake's use cases, on in-memory fakes (no AWS)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from functions.cases.models import Channel, EventKind
from functions.channels.web.models import WebCaseIn
from functions.channels.web.rules import fingerprint, idempotency_pointer, is_bot
from functions.channels.web.service import WebIntake
from functions.core.errors import Conflict, InvalidInput
from tests.fakes.channels import ChannelFakes, install_channel_fakes

FORM = {"name": "Ann", "email": "ann@Example.ORG", "subject": "Jam", "description": "It jams."}
KEY = "0123456789abcdef"


def _fakes(**settings) -> ChannelFakes:
    from functions.core.settings import get_settings

    return install_channel_fakes(
        get_settings().model_copy(update={"public_base_url": "https://help.example", **settings})
    )


@pytest.fixture
def fakes() -> ChannelFakes:
    return _fakes()


def _intake(fakes: ChannelFakes, **settings) -> WebIntake:
    """The web intake as the container wires it, on fakes (another container when settings change)."""
    return (_fakes(**settings) if settings else fakes).container.web_intake


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


def test_a_bot_submission_opens_no_case_and_is_held(fakes):
    result = _intake(fakes).submit(WebCaseIn.model_validate({**FORM, "website": "spam"}))

    assert result.status == 202 and result.out.case_id is None
    assert fakes.case_store.cases == {}
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    [held] = fakes.held.on_day(today)
    assert held["reason"] == "honeypot" and held["form"]["email"] == "ann@example.org"
    assert held["expires_at"] > datetime.now(UTC).timestamp()


def test_consent_is_enforced_only_when_required(fakes):
    intake = _intake(fakes, web_form_require_consent=True)

    with pytest.raises(InvalidInput) as info:
        intake.submit(WebCaseIn.model_validate(FORM))

    assert info.value.fields[0]["field"] == "consent"
    assert intake.submit(WebCaseIn.model_validate({**FORM, "consent": True})).status == 201
    assert _intake(fakes).submit(WebCaseIn.model_validate(FORM)).status == 201


def test_a_case_is_opened_on_the_web_channel_with_the_key_as_pointer(fakes):
    result = _intake(fakes).submit(WebCaseIn.model_validate(FORM), idempotency_key=KEY)

    case = fakes.container.cases.get(result.out.case_id)
    assert (case.channel, case.contact_email, case.contact_name) == (Channel.WEB, "ann@example.org", "Ann")
    assert (
        fakes.container.cases.find_case_for_message_ids([idempotency_pointer("ann@example.org", KEY)]) == case.case_id
    )
    [message] = [e.message for e in fakes.container.cases.view(case.case_id).timeline if e.kind == EventKind.MESSAGE_IN]
    assert message.meta["fingerprint"] == fingerprint(WebCaseIn.model_validate(FORM))


def test_the_same_key_and_form_again_is_the_same_case_replayed(fakes):
    intake = _intake(fakes)
    first = intake.submit(WebCaseIn.model_validate(FORM), idempotency_key=KEY)

    again = intake.submit(WebCaseIn.model_validate(FORM), idempotency_key=KEY)

    assert (again.replayed, again.out.case_id) == (True, first.out.case_id)
    assert len(fakes.case_store.cases) == 1 and len(fakes.mailer.sent) == 1


def test_the_same_key_with_another_form_is_a_conflict(fakes):
    intake = _intake(fakes)
    intake.submit(WebCaseIn.model_validate(FORM), idempotency_key=KEY)

    with pytest.raises(Conflict):
        intake.submit(WebCaseIn.model_validate({**FORM, "description": "Other."}), idempotency_key=KEY)


def test_the_customer_is_acknowledged_with_the_portal_link(fakes):
    result = _intake(fakes).submit(WebCaseIn.model_validate(FORM))

    assert result.out.acknowledgement == "sent"
    [sent] = fakes.mailer.sent
    assert sent["To"] == "ann@example.org" and f"[{result.out.case_id}]" in sent["Subject"]
    assert result.out.portal_url.startswith(f"https://help.example/portal/cases/{result.out.case_id}?token=")
    assert result.out.portal_url in sent.get_content()


def test_the_acknowledgement_mail_is_noted_on_the_case_so_answers_thread_back(fakes):
    result = _intake(fakes).submit(WebCaseIn.model_validate(FORM))

    message_id = fakes.mailer.sent[0]["Message-ID"]
    [ack] = [e for e in fakes.container.cases.view(result.out.case_id).timeline if e.kind == EventKind.AUTO_REPLY]
    assert ack.message.message_id == message_id and ack.visibility == "public"
    assert fakes.container.cases.find_case_for_message_ids([message_id]) == result.out.case_id


def test_a_failed_acknowledgement_does_not_undo_the_case(fakes):
    fakes.mailer.fail_with = RuntimeError("SES is down")

    result = _intake(fakes).submit(WebCaseIn.model_validate(FORM))

    assert result.status == 201 and result.out.acknowledgement == "failed"
    assert list(fakes.case_store.cases) == [result.out.case_id]


def test_without_a_mailer_the_acknowledgement_is_pending(fakes):
    fakes.container.override(customer_mailer=None)

    assert _intake(fakes).submit(WebCaseIn.model_validate(FORM)).out.acknowledgement == "pending_no_mailer"


def test_a_form_after_self_service_records_that_the_session_opened_a_case():
    recorded = []
    fakes = _fakes()
    intake = WebIntake(
        fakes.container.cases,
        base_url="https://help.example",
        deflection=lambda session, case_id: recorded.append((session, case_id)),
    )

    result = intake.submit(WebCaseIn.model_validate({**FORM, "selfservice_session": "sess-12345678"}))

    assert recorded == [("sess-12345678", result.out.case_id)]


def test_a_failing_deflection_record_does_not_undo_the_case():
    def broken(session, case_id):
        raise RuntimeError("analytics down")

    fakes = _fakes()
    intake = WebIntake(fakes.container.cases, base_url="https://help.example", deflection=broken)

    result = intake.submit(WebCaseIn.model_validate({**FORM, "selfservice_session": "sess-12345678"}))

    assert result.status == 201 and len(fakes.case_store.cases) == 1
