"""Chat starts (per client, per address, per hour) and "send me a new link" mails (per case, per
day) count on the shared abuse limiter (functions.core.limits, ``Container.abuse_limits``): a
sliding window, so a budget spent just before a window ends still counts just after it. On the
in-memory fakes (tests/fakes/channels.py), the clock placed at a window's edge."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from functions.cases.models import Actor, ActorType, Channel, Message
from functions.channels.chat.models import ChatStartIn
from functions.core.errors import RateLimited
from functions.core.settings import get_settings
from functions.portal.models import LinkRequestIn
from tests.fakes.channels import install_channel_fakes

END_OF_HOUR = datetime(2026, 1, 2, 9, 59, 59, tzinfo=UTC)
END_OF_DAY = datetime(2026, 1, 2, 23, 59, 50, tzinfo=UTC)


def _fakes(**limits: int):
    return install_channel_fakes(settings=get_settings().model_copy(update=limits))


def _start(fakes, email: str, client: str):
    return fakes.container.chat.start_once(ChatStartIn(name="Ann", email=email), None, client=client)


def test_chat_starts_past_the_address_limit_are_refused_with_the_seconds_to_wait():
    fakes = _fakes(chat_start_address_max=2)
    _start(fakes, "ann@example.org", "203.0.113.1")
    _start(fakes, "Ann@Example.org", "203.0.113.2")

    with pytest.raises(RateLimited) as refused:
        _start(fakes, "ann@example.org", "203.0.113.3")

    assert 0 < refused.value.retry_after <= 3600
    _start(fakes, "bob@example.org", "203.0.113.3")  # another address still starts


def test_chat_starts_just_before_the_hour_still_count_just_after_it():
    fakes = _fakes(chat_start_client_max=2)
    fakes.clock.now = END_OF_HOUR
    _start(fakes, "a1@example.org", "203.0.113.7")
    _start(fakes, "a2@example.org", "203.0.113.7")
    fakes.clock.advance(seconds=2)  # a fixed hourly window would start afresh here

    with pytest.raises(RateLimited):
        _start(fakes, "a3@example.org", "203.0.113.7")


def _open_case(fakes) -> str:
    message = Message(channel=Channel.WEB, direction="in", body_text="It jams.", message_id="web:1")
    return fakes.container.cases.open_case(
        subject="Printer jams",
        channel=Channel.WEB,
        actor=Actor(type=ActorType.CUSTOMER, name="Ann"),
        message=message,
        contact_email="ann@example.org",
    ).case_id


def _ask(fakes, case_id: str) -> None:
    fakes.container.portal.request_link(LinkRequestIn(case_id=case_id, email="ann@example.org"))


def test_link_mails_for_a_case_stop_at_the_days_limit():
    fakes = _fakes(portal_link_mails_per_case_per_day=2)
    case_id = _open_case(fakes)
    for _ in range(3):
        _ask(fakes, case_id)
    assert len(fakes.mailer.to("ann@example.org")) == 2


def test_link_mails_just_before_midnight_still_count_just_after_it():
    fakes = _fakes(portal_link_mails_per_case_per_day=2)
    case_id = _open_case(fakes)
    fakes.clock.now = END_OF_DAY
    _ask(fakes, case_id)
    _ask(fakes, case_id)
    fakes.clock.advance(seconds=20)  # a fixed daily window would start afresh here

    _ask(fakes, case_id)

    assert len(fakes.mailer.to("ann@example.org")) == 2
