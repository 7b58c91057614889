"""The portal's use cases on in-memory fakes (tests/fakes/channels.py): what a customer sees of
their case, their replies, fresh links on request, the link mails noted on the case. The routes
and signed links run on moto in tests/integration/test_portal_access.py."""

from __future__ import annotations

from datetime import datetime

import pytest

from functions.cases.models import Actor, ActorType, CaseStatus, CaseUpdate, Channel, EventKind, Message
from functions.core.errors import Conflict, Forbidden
from functions.portal.links import CaseGrant
from functions.portal.models import LinkRequestIn, PortalReplyIn
from functions.portal.rules import email_sha256
from tests.fakes.channels import ChannelFakes, install_channel_fakes

AGENT = Actor(type=ActorType.AGENT, id="alice", name="Alice")


@pytest.fixture
def fakes() -> ChannelFakes:
    return install_channel_fakes()


def open_case(fakes: ChannelFakes, email: str = "ann@example.org") -> str:
    message = Message(channel=Channel.WEB, direction="in", body_text="It jams.", message_id="web:1", from_address=email)
    case = fakes.container.cases.open_case(
        subject="Printer jams",
        channel=Channel.WEB,
        actor=Actor(type=ActorType.CUSTOMER, name="Ann"),
        message=message,
        contact_email=email,
        contact_name="Ann",
    )
    return case.case_id


def grant(case_id: str, email: str = "ann@example.org") -> CaseGrant:
    return CaseGrant(case_id=case_id, email=email)


def today(fakes: ChannelFakes) -> str:
    return fakes.clock.now.strftime("%Y-%m-%d")


# -- reading ----------------------------------------------------------------------------------


def test_the_customer_sees_the_public_timeline_in_their_words(fakes):
    case_id = open_case(fakes)
    fakes.container.cases.add_note(case_id, AGENT, "customer seems upset")
    fakes.container.cases.update(case_id, AGENT, CaseUpdate(status=CaseStatus.PENDING_DEPARTMENT, comment="for QA"))

    view = fakes.container.portal.read(grant(case_id))

    assert view.status == "in_progress" and view.can_reply
    assert [e.kind for e in view.timeline] == ["created", "message_in", "status_changed"]
    assert "upset" not in view.model_dump_json() and "for QA" not in view.model_dump_json()


def test_a_link_for_another_address_on_the_case_is_refused(fakes):
    case_id = open_case(fakes)

    with pytest.raises(Forbidden):
        fakes.container.portal.read(grant(case_id, "eve@example.org"))


# -- replies ----------------------------------------------------------------------------------


def test_a_reply_reopens_a_case_waiting_on_the_customer(fakes):
    case_id = open_case(fakes)
    fakes.container.cases.update(case_id, AGENT, CaseUpdate(status=CaseStatus.PENDING_CUSTOMER))

    out = fakes.container.portal.reply(grant(case_id), PortalReplyIn(body="Still jamming."))

    assert (out.status, out.duplicate) == ("in_progress", False)
    [reply] = [e for e in fakes.container.cases.view(case_id).timeline if e.event_id == out.event_id]
    assert reply.message.meta == {"via": "portal"} and reply.message.from_address == "ann@example.org"


def test_a_retried_reply_with_the_same_client_id_is_recorded_once(fakes):
    case_id = open_case(fakes)
    reply = PortalReplyIn(body="Still jamming.", client_message_id="r-1")

    first = fakes.container.portal.reply(grant(case_id), reply)
    again = fakes.container.portal.reply(grant(case_id), reply)

    assert (first.duplicate, again.duplicate) == (False, True)
    assert fakes.container.cases.get(case_id).interaction_count == 2


def test_a_reply_to_a_closed_case_is_a_conflict(fakes):
    case_id = open_case(fakes)
    for status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        fakes.container.cases.update(case_id, AGENT, CaseUpdate(status=status))

    assert fakes.container.portal.read(grant(case_id)).can_reply is False
    with pytest.raises(Conflict):
        fakes.container.portal.reply(grant(case_id), PortalReplyIn(body="Hello?"))


# -- fresh links ------------------------------------------------------------------------------


def test_a_matching_link_request_mails_a_fresh_link_noted_on_the_case(fakes):
    case_id = open_case(fakes)

    fakes.container.portal.request_link(LinkRequestIn(case_id=case_id, email="Ann@Example.org"))

    [sent] = fakes.mailer.sent
    assert sent["To"].lower() == "ann@example.org" and f"/portal/cases/{case_id}?token=" in sent.get_content()
    [noted] = [e for e in fakes.container.cases.view(case_id).timeline if e.kind == EventKind.AUTO_REPLY]
    assert noted.visibility == "internal" and noted.message.message_id == sent["Message-ID"]
    assert fakes.container.cases.find_case_for_message_ids([sent["Message-ID"]]) == case_id
    [logged] = fakes.link_requests.on_day(today(fakes))
    assert (logged["matched"], logged["delivery"]) == (True, "sent")
    assert logged["email_sha256"] == email_sha256("ann@example.org") and "ann@" not in str(logged)


@pytest.mark.parametrize("asked", ["wrong address", "unknown case"])
def test_a_link_request_that_does_not_match_mails_nothing_and_is_logged(fakes, asked):
    case_id = open_case(fakes)
    req = (
        LinkRequestIn(case_id=case_id, email="eve@example.org")
        if asked == "wrong address"
        else LinkRequestIn(case_id="CB-999999", email="ann@example.org")
    )

    fakes.container.portal.request_link(req)

    assert fakes.mailer.sent == []
    [logged] = fakes.link_requests.on_day(today(fakes))
    assert (logged["case_id"], logged["matched"], logged["delivery"]) == (req.case_id, False, "none")


def test_a_link_mail_that_fails_is_logged_as_failed_and_not_noted(fakes):
    case_id = open_case(fakes)
    fakes.mailer.fail_with = RuntimeError("SES is down")

    fakes.container.portal.request_link(LinkRequestIn(case_id=case_id, email="ann@example.org"))

    assert [r["delivery"] for r in fakes.link_requests.on_day(today(fakes))] == ["failed"]
    assert [e for e in fakes.container.cases.view(case_id).timeline if e.kind == EventKind.AUTO_REPLY] == []


def test_without_a_mailer_the_link_is_pending():
    fakes = install_channel_fakes(customer_mailer=None)
    case_id = open_case(fakes)

    fakes.container.portal.request_link(LinkRequestIn(case_id=case_id, email="ann@example.org"))

    assert [r["delivery"] for r in fakes.link_requests.on_day(today(fakes))] == ["pending_no_mailer"]


def test_a_link_mail_that_cannot_be_noted_still_counts_as_sent(fakes):
    from functions.portal.service import LinkMails

    case_id = open_case(fakes)
    case = fakes.container.cases.get(case_id)

    class Unwritable:
        def add_event(self, *args, **kwargs):
            raise RuntimeError("the table is down")

    links = LinkMails(Unwritable(), fakes.container.customer_mailer)

    assert links.send(case, "ann@example.org", "https://x/portal", "acknowledgement") == "sent"
    assert len(fakes.mailer.sent) == 1


def test_the_request_time_comes_from_the_clock(fakes):
    case_id = open_case(fakes)
    fakes.clock.now = datetime.fromisoformat("2026-03-04T05:06:07+00:00")

    fakes.container.portal.request_link(LinkRequestIn(case_id=case_id, email="ann@example.org"))

    [logged] = fakes.link_requests.on_day("2026-03-04")
    assert logged["at"].startswith("2026-03-04T05:06:07")


# -- who wrote ----------------------------------------------------------------------------------


def _agent_reply(fakes: ChannelFakes, case_id: str) -> None:
    message = Message(channel=Channel.EMAIL, direction="out", body_text="A new tray is on its way.", message_id="m-2")
    agent = Actor(type=ActorType.AGENT, id="alice")  # as the cases API records an agent: by id only
    fakes.container.cases.add_event(case_id, EventKind.MESSAGE_OUT, agent, body=message.body_text, message=message)


def test_an_agents_reply_shows_the_directorys_display_name():
    fakes = install_channel_fakes(agent_display_name={"alice": "Alice Meyer"}.get)
    case_id = open_case(fakes)
    _agent_reply(fakes, case_id)

    [reply] = [e for e in fakes.container.portal.read(grant(case_id)).timeline if e.kind == "message_out"]

    assert (reply.author, reply.author_name) == ("support", "Alice Meyer")


def test_when_the_directory_cannot_be_read_the_reply_is_from_support():
    def unreadable(agent_id: str) -> str | None:
        raise RuntimeError("cognito down")

    fakes = install_channel_fakes(agent_display_name=unreadable)
    case_id = open_case(fakes)
    _agent_reply(fakes, case_id)

    view, _, _ = fakes.container.portal.page(grant(case_id))

    [reply] = [e for e in view.timeline if e.kind == "message_out"]
    assert reply.author_name is None and "alice" not in view.model_dump_json().lower()
