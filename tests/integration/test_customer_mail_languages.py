"""The customers' mails in their language, read back from the outbox (SES on moto, through the real
SES mailer): the contact form's acknowledgement in the page's language, a JSON post's in the
browser's, and the fresh link asked for on the case-link page in that page's language."""

from __future__ import annotations

import email
import json
from email import policy
from urllib.parse import urlencode

import pytest

from functions.core.settings import reset_settings

FORM = {
    "name": "Ann Example",
    "email": "ann@example.org",
    "subject": "Printer jams on page 2",
    "description": "It jams on every second page.",
    "website": "",
}
FORM_TYPE = {"Content-Type": "application/x-www-form-urlencoded"}
ACK = {
    "en": "We have opened case {case_id}",
    "de": "Wir haben dafür den Fall {case_id} eröffnet",
    "fr": "Nous avons ouvert le dossier {case_id}",
    "es": "Hemos abierto el caso {case_id}",
}
LINK = {
    "en": "here is your link to case {case_id}.",
    "de": "hier ist Ihr Link zum Fall {case_id}.",
    "fr": "voici votre lien vers le dossier {case_id}.",
    "es": "este es tu enlace al caso {case_id}.",
}


@pytest.fixture(autouse=True)
def _quick_link_answers(monkeypatch):
    monkeypatch.setenv("CASEBRIDGE_PORTAL_LINK_ANSWER_SECONDS", "0")
    reset_settings()


def outbox(to: str) -> list[str]:
    """The text bodies of the mails SES (moto) sent to ``to``, in order."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    bodies = []
    for backend in ses_backends[DEFAULT_ACCOUNT_ID].values():
        for m in backend.sent_messages:
            msg = email.message_from_string(getattr(m, "raw_data", ""), policy=policy.default)
            if to in str(msg.get("To", "")):
                bodies.append(str(msg.get_body(preferencelist=("plain",)).get_content()))
    return bodies


@pytest.mark.parametrize("lang", ["en", "de", "fr", "es"])
def test_the_contact_forms_acknowledgement_in_the_outbox_speaks_the_pages_language(client, lang):
    resp = client.http.post(f"/help/{lang}/contact", headers=FORM_TYPE, body=urlencode(FORM))
    assert resp.status_code == 200, resp.body
    case_id = resp.body.decode().split("<strong data-case-id>")[1].split("<")[0]

    [body] = outbox("ann@example.org")
    assert ACK[lang].format(case_id=case_id) in body


def test_a_json_post_without_a_language_is_acknowledged_in_the_browsers(client):
    body = {k: v for k, v in FORM.items() if k != "website"}
    resp = client.http.post(
        "/web/cases",
        headers={"Content-Type": "application/json", "Accept-Language": "fr-CH, de;q=0.5"},
        body=json.dumps(body),
    )
    assert resp.status_code == 201, resp.body

    [mail] = outbox("ann@example.org")
    assert ACK["fr"].format(case_id=resp.json_body["case_id"]) in mail


@pytest.mark.parametrize("lang", ["en", "de", "fr", "es"])
def test_a_fresh_link_asked_for_on_the_page_speaks_its_language(client, agent_headers, lang):
    opened = client.http.post(
        "/cases",
        headers=agent_headers,
        body=json.dumps({"subject": "Printer jams", "contact_email": "ann@example.org", "channel": "phone"}),
    )
    assert opened.status_code == 201, opened.body
    case_id = opened.json_body["case_id"]

    resp = client.http.post(
        f"/help/{lang}/case-link",
        headers=FORM_TYPE,
        body=urlencode({"case_id": case_id, "email": "ann@example.org"}),
    )

    assert resp.status_code == 200
    [mail] = outbox("ann@example.org")
    assert LINK[lang].format(case_id=case_id) in mail and f"/portal/cases/{case_id}?token=" in mail
