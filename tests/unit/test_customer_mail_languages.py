"""Every mail a customer gets speaks their language (en, de, fr, es): the acknowledgement of a new
case (web form and email), the fresh link they ask for, the line under an agent's reply. The
language: the case's stored language (the form's, or the contact's on record), else the page's or
the browser's, else English. The real services on in-memory fakes; the sent mails read back from
the fake mailer (the outbox of the local stack: tests/integration/test_customer_mail_languages.py)."""

from __future__ import annotations

import pytest

from functions.cases.models import Actor, ActorType, Channel, Message, ReplyIn
from functions.channels.web.models import WebCaseIn
from functions.portal.models import LinkRequestIn
from tests.fakes.channels import ChannelFakes, install_channel_fakes

FORM = {"name": "Ann", "email": "ann@example.org", "subject": "Jam", "description": "It jams."}
AGENT = Actor(type=ActorType.AGENT, id="alice", name="Alice")

# What each language's mails say (written out here, not read from the catalogues under test).
ACK = {
    "en": "thank you for your message. We have opened case {case_id}",
    "de": "vielen Dank für Ihre Nachricht. Wir haben dafür den Fall {case_id} eröffnet",
    "fr": "merci pour votre message. Nous avons ouvert le dossier {case_id}",
    "es": "gracias por tu mensaje. Hemos abierto el caso {case_id}",
}
LINK = {
    "en": "here is your link to case {case_id}.",
    "de": "hier ist Ihr Link zum Fall {case_id}.",
    "fr": "voici votre lien vers le dossier {case_id}.",
    "es": "este es tu enlace al caso {case_id}.",
}
FOLLOW = {
    "en": "You can follow your case here:",
    "de": "Hier können Sie Ihren Fall verfolgen:",
    "fr": "Vous pouvez suivre votre dossier ici :",
    "es": "Puedes seguir tu caso aquí:",
}
FOOTER = {
    "en": "Your case {case_id}:",
    "de": "Ihr Fall {case_id}:",
    "fr": "Votre dossier {case_id} :",
    "es": "Tu caso {case_id}:",
}
LANGS = ("en", "de", "fr", "es")


@pytest.fixture
def fakes() -> ChannelFakes:
    from functions.core.settings import get_settings

    return install_channel_fakes(get_settings().model_copy(update={"public_base_url": "https://help.example"}))


def _only_mail_to(fakes: ChannelFakes, address: str) -> str:
    [mail] = fakes.mailer.to(address)
    return str(mail.get_content())


def _inbound(frm: str = "Bea <bea@acme.example>", headers: str = "") -> bytes:
    return (
        f"From: {frm}\r\nTo: support@casebridge.local\r\nSubject: Printer jams\r\n{headers}"
        "Message-ID: <m1@acme.example>\r\n\r\nIt jams.\r\n"
    ).encode()


def _case_without_language(fakes: ChannelFakes, email: str = "ann@example.org") -> str:
    message = Message(channel=Channel.WEB, direction="in", body_text="It jams.", message_id="web:1", from_address=email)
    return fakes.container.cases.open_case(
        subject="Printer jams",
        channel=Channel.PHONE,
        actor=Actor(type=ActorType.CUSTOMER, name="Ann"),
        message=message,
        contact_email=email,
    ).case_id


# -- the acknowledgement -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_web_forms_acknowledgement_speaks_the_forms_language(fakes, lang):
    out = fakes.container.web_intake.submit(WebCaseIn.model_validate({**FORM, "language": lang})).out

    body = _only_mail_to(fakes, "ann@example.org")
    assert ACK[lang].format(case_id=out.case_id) in body
    assert FOLLOW[lang] in body and f"/portal/cases/{out.case_id}?token=" in body


@pytest.mark.parametrize("lang", LANGS)
def test_a_form_without_a_language_is_acknowledged_in_the_browsers(fakes, lang):
    out = fakes.container.web_intake.submit(WebCaseIn.model_validate(FORM), language=lang).out

    assert ACK[lang].format(case_id=out.case_id) in _only_mail_to(fakes, "ann@example.org")


def test_the_contacts_language_on_record_comes_before_the_browsers(fakes):
    fakes.directory.add_contact("acme", "ann@example.org", "Ann", language="de")

    out = fakes.container.web_intake.submit(WebCaseIn.model_validate(FORM), language="fr").out

    assert fakes.container.cases.get(out.case_id).language == "de"
    assert ACK["de"].format(case_id=out.case_id) in _only_mail_to(fakes, "ann@example.org")


@pytest.mark.parametrize("lang", LANGS)
def test_a_mail_from_a_known_contact_is_acknowledged_in_the_contacts_language(fakes, lang):
    fakes.directory.add_contact("acme", "bea@acme.example", "Bea", language=lang)

    out = fakes.container.email_intake.ingest_raw(_inbound(), None, source="test")

    assert fakes.container.cases.get(out.case).language == lang
    body = _only_mail_to(fakes, "bea@acme.example")
    assert ACK[lang].format(case_id=out.case) in body and FOLLOW[lang] in body


def test_a_mail_from_a_stranger_is_acknowledged_in_english(fakes):
    out = fakes.container.email_intake.ingest_raw(_inbound("Zed <zed@elsewhere.example>"), None, source="test")

    body = _only_mail_to(fakes, "zed@elsewhere.example")
    assert body.startswith("Hello Zed,") and ACK["en"].format(case_id=out.case) in body


@pytest.mark.parametrize(
    ("headers", "lang"),
    [
        ("Content-Language: de-DE\r\n", "de"),
        ("Content-Language: fr\r\n", "fr"),
        ("Content-Language: es-MX, en\r\n", "es"),
        ("Accept-Language: de-AT, de;q=0.9, en;q=0.5\r\n", "de"),
        ("Content-Language: nl-NL, de\r\n", None),  # written in a language we do not write: English
        ("Content-Language: nl\r\nAccept-Language: fr\r\n", "fr"),  # not in ours: what the writer reads
        ("Accept-Language: nl, es;q=0.8\r\n", "es"),  # the first wanted that we write
    ],
)
def test_a_mail_from_a_stranger_is_acknowledged_in_the_language_it_declares(fakes, headers, lang):
    out = fakes.container.email_intake.ingest_raw(_inbound("Zed <zed@elsewhere.example>", headers), None, source="test")

    assert fakes.container.cases.get(out.case).language == lang
    assert ACK[lang or "en"].format(case_id=out.case) in _only_mail_to(fakes, "zed@elsewhere.example")


def test_the_contacts_language_on_record_comes_before_the_mails_own(fakes):
    fakes.directory.add_contact("acme", "bea@acme.example", "Bea", language="fr")

    out = fakes.container.email_intake.ingest_raw(_inbound(headers="Content-Language: de-DE\r\n"), None, source="test")

    assert fakes.container.cases.get(out.case).language == "fr"
    assert ACK["fr"].format(case_id=out.case) in _only_mail_to(fakes, "bea@acme.example")


# -- the fresh link ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_a_fresh_link_speaks_the_pages_language_when_the_case_has_none(fakes, lang):
    case_id = _case_without_language(fakes)

    fakes.container.portal.request_link(LinkRequestIn(case_id=case_id, email="ann@example.org"), language=lang)

    body = _only_mail_to(fakes, "ann@example.org")
    assert LINK[lang].format(case_id=case_id) in body and FOLLOW[lang] in body


def test_a_fresh_link_speaks_the_cases_language_before_the_pages(fakes):
    out = fakes.container.web_intake.submit(WebCaseIn.model_validate({**FORM, "language": "es"})).out
    fakes.mailer.sent.clear()

    fakes.container.portal.request_link(LinkRequestIn(case_id=out.case_id, email="ann@example.org"), language="de")

    assert LINK["es"].format(case_id=out.case_id) in _only_mail_to(fakes, "ann@example.org")


def test_the_link_requests_own_language_comes_before_the_browsers(fakes):
    case_id = _case_without_language(fakes)

    fakes.container.portal.request_link(
        LinkRequestIn(case_id=case_id, email="ann@example.org", language="fr"), language="de"
    )

    assert LINK["fr"].format(case_id=case_id) in _only_mail_to(fakes, "ann@example.org")


# -- an agent's reply --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_line_under_an_agents_reply_speaks_the_cases_language(fakes, lang):
    out = fakes.container.web_intake.submit(WebCaseIn.model_validate({**FORM, "language": lang})).out
    fakes.mailer.sent.clear()

    fakes.container.cases.reply(out.case_id, AGENT, ReplyIn(body="Try a new drum."))

    body = _only_mail_to(fakes, "ann@example.org")
    assert body.startswith("Try a new drum.")
    assert FOOTER[lang].format(case_id=out.case_id) in body


# -- a chat's transcript -------------------------------------------------------------------------
TRANSCRIPT = {
    "en": ("Your chat transcript", "here is the transcript of your chat with us on"),
    "de": ("Ihr Chatverlauf", "hier ist der Verlauf Ihres Chats mit uns vom"),
    "fr": ("La transcription de votre chat", "voici la transcription de votre chat avec nous du"),
    "es": ("La transcripción de tu chat", "esta es la transcripción de tu chat con nosotros del"),
}


@pytest.mark.parametrize("lang", LANGS)
def test_a_chat_without_a_language_mails_its_transcript_in_the_contacts(fakes, lang):
    from functions.channels.chat.models import ChatMessageIn, ChatStartIn
    from functions.channels.chat.rules import SessionGrant

    fakes.directory.add_contact("acme", "ann@example.org", "Ann", language=lang)
    chat = fakes.container.chat.start(ChatStartIn(name="Ann", email="ann@example.org"))
    fakes.container.chat.customer_send(
        SessionGrant(chat.session_id, chat.case_id), ChatMessageIn(client_message_id="c1", text="It reboots")
    )

    fakes.container.chat.end(chat.session_id, role="customer")

    [mail] = fakes.mailer.to("ann@example.org")
    subject, intro = TRANSCRIPT[lang]
    assert str(mail["Subject"]) == f"[{chat.case_id}] {subject}"
    assert intro in str(mail.get_content()) and FOLLOW[lang] in str(mail.get_content())
