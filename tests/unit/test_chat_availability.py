"""When the chat widget offers a chat: within the chat calendar's business hours (the SLA domain's)
and with an agent available (the AgentAvailability port: the agents' service, wired in the container)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from functions.channels.chat.service import ChatService
from functions.sla.models import Calendar, Interval
from functions.sla.rules import is_open
from tests.fakes.channels import ChannelFakes, install_channel_fakes  # noqa: F401 - the fakes' module

WED_10 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)  # a Wednesday


def _calendar(**over) -> Calendar:
    data = {
        "calendar_id": "chat",
        "name": "Chat",
        "timezone": "Europe/Berlin",
        "hours": {"wed": [Interval(start=time(9), end=time(17))]},
        **over,
    }
    return Calendar.model_validate(data)


def test_business_hours_are_the_calendars_local_working_time():
    cal = _calendar()
    assert is_open(cal, WED_10)  # 11:00 in Berlin
    assert not is_open(cal, WED_10.replace(hour=16))  # 17:00 in Berlin: closed
    assert not is_open(cal, WED_10.replace(day=3))  # Thursday: no hours
    assert not is_open(_calendar(holidays=[date(2026, 12, 2)]), WED_10)
    assert is_open(_calendar(always_open=True, hours={}), WED_10.replace(day=6))


def _chat(open_hours: bool, agents: bool) -> ChatService:
    class Unused:
        def __getattr__(self, name: str):
            raise AssertionError(f"availability needs no {name}")

    return ChatService(
        Unused(),  # type: ignore[arg-type]
        Unused(),  # type: ignore[arg-type]
        base_url="http://x",
        token_ttl=60,
        clock=lambda: WED_10,
        agents_available=lambda: agents,
        business_hours=lambda at: open_hours and at == WED_10,
    )


def test_the_chat_is_open_within_hours_with_an_agent_and_says_why_not_otherwise():
    assert _chat(True, True).availability().reason == "open"
    assert _chat(False, True).availability().model_dump() == {"open": False, "reason": "outside_business_hours"}
    assert _chat(True, False).availability().model_dump() == {"open": False, "reason": "no_agent_available"}
