"""Live updates on in-memory fakes: hints from table changes, watches and presence (with expiry),
gone connections forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from functions.core.errors import InvalidInput
from functions.live import rules
from functions.live.adapters import DevTokenVerifier
from functions.live.models import Watch
from functions.live.service import LiveService
from tests.fakes.live import FakePoster, InMemoryLiveStore

T0 = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def world():
    clock = Clock()
    poster = FakePoster()
    verifier = DevTokenVerifier([("lea@x", "Lea", "lea-token"), ("sam@x", "Sam", "sam-token")], "shared")
    svc = LiveService(InMemoryLiveStore(clock), poster, verifier, clock, presence_ttl=timedelta(seconds=75))
    return svc, poster, clock


def case_item(case_id: str, version: int) -> dict:
    return {"PK": f"CASE#{case_id}", "SK": "#META", "type": "case", "case_id": case_id, "version": version,
            "updated_at": "2026-12-03T09:00:00.000000Z", "subject": "secret subject"}  # fmt: skip


def test_case_problem_and_chat_changes_become_hints_without_content():
    changes = [
        ("INSERT", case_item("CB-1", 1), None),
        ("MODIFY", case_item("CB-1", 2), case_item("CB-1", 1)),
        ("MODIFY", {"SK": "#META", "type": "problem", "problem_id": "PRB-1", "version": 3}, None),
        ("INSERT", {"SK": "MSG#00000004", "type": "chat_message", "session_id": "s1", "seq": 4}, None),
        ("INSERT", {"SK": "TL#x", "type": "event", "case_id": "CB-1"}, None),
        ("INSERT", {"SK": "CONN#c", "type": "live_watch", "case_id": "CB-1"}, None),
    ]
    assert rules.hints_for(changes) == [
        {
            "type": "case_changed",
            "case_id": "CB-1",
            "version": 2,
            "updated_at": "2026-12-03T09:00:00.000000Z",
            "removed": False,
        },  # fmt: skip
        {"type": "problem_changed", "problem_id": "PRB-1", "version": 3},
        {"type": "chat_message", "session_id": "s1", "seq": 4},
    ]


def test_a_customer_typing_in_a_chat_is_a_hint_and_other_session_changes_are_not():
    def session(**over) -> dict:
        return {"SK": "#META", "type": "chat_session", "session_id": "s1", "customer_name": "Ann", **over}

    typing = ("MODIFY", session(customer_typing_at="2026-12-03T09:00:05Z"), session(customer_typing_at=None))
    agent_typing = ("MODIFY", session(agent_typing_at="2026-12-03T09:00:05Z"), session())
    ended = ("MODIFY", session(status="ended", customer_typing_at="t"), session(customer_typing_at="t"))
    assert rules.hints_for([typing]) == [{"type": "chat_typing", "session_id": "s1", "role": "customer"}]
    assert rules.hints_for([agent_typing, ended]) == []


def test_presence_expires_when_the_heartbeat_stops_and_an_agent_with_two_tabs_counts_once():
    def watch(conn: str, agent: str, seconds_ago: int, composing: bool = False) -> Watch:
        return Watch(case_id="CB-1", connection_id=conn, agent_id=agent, name=agent.title(), composing=composing,
                     seen_at=T0 - timedelta(seconds=seconds_ago))  # fmt: skip

    viewers = rules.current_viewers(
        [watch("a", "lea", 10), watch("b", "lea", 5, composing=True), watch("c", "sam", 80)], T0, timedelta(seconds=75)
    )
    assert [(v.agent_id, v.composing) for v in viewers] == [("lea", True)]


def test_a_connection_needs_an_agents_token(world):
    svc, _, _ = world
    assert svc.connect("c1", None) is None and svc.connect("c1", "nope") is None
    assert svc.connect("c1", "lea-token").agent_id == "lea@x"
    assert svc.connect("c2", "shared").agent_id == "dev-agent"


def test_watchers_see_each_other_viewing_and_typing(world):
    svc, poster, _ = world
    svc.connect("lea", "lea-token")
    svc.connect("sam", "sam-token")
    svc.receive("lea", '{"type": "watch", "case_id": "CB-1"}')
    svc.receive("sam", '{"type": "watch", "case_id": "CB-1"}')
    svc.receive("lea", '{"type": "composing", "case_id": "CB-1", "composing": true}')
    last = poster.to("sam", "presence")[-1]
    assert last["viewers"] == [
        {"agent_id": "lea@x", "name": "Lea", "composing": True},
        {"agent_id": "sam@x", "name": "Sam", "composing": False},
    ]
    svc.receive("lea", '{"type": "unwatch"}')
    assert [v["agent_id"] for v in poster.to("sam", "presence")[-1]["viewers"]] == ["sam@x"]
    assert [v.agent_id for v in svc.viewers("CB-1")] == ["sam@x"]


def test_a_heartbeat_that_changes_nothing_posts_nothing_new_to_others(world):
    svc, poster, clock = world
    svc.connect("lea", "lea-token")
    svc.connect("sam", "sam-token")
    svc.receive("sam", '{"type": "watch", "case_id": "CB-1"}')
    svc.receive("lea", '{"type": "watch", "case_id": "CB-1"}')
    before = len(poster.to("sam"))
    clock.at += timedelta(seconds=30)
    svc.receive("lea", '{"type": "composing", "case_id": "CB-1", "composing": false}')
    assert len(poster.to("sam")) == before


def test_moving_to_another_case_leaves_the_first(world):
    svc, poster, _ = world
    svc.connect("lea", "lea-token")
    svc.connect("sam", "sam-token")
    svc.receive("sam", '{"type": "watch", "case_id": "CB-1"}')
    svc.receive("lea", '{"type": "watch", "case_id": "CB-1"}')
    svc.receive("lea", '{"type": "watch", "case_id": "CB-2"}')
    assert [v.agent_id for v in svc.viewers("CB-1")] == ["sam@x"]
    assert [v.agent_id for v in svc.viewers("CB-2")] == ["lea@x"]


def test_hints_go_to_every_connection_and_gone_ones_are_forgotten(world):
    svc, poster, _ = world
    svc.connect("lea", "lea-token")
    svc.connect("sam", "sam-token")
    svc.receive("sam", '{"type": "watch", "case_id": "CB-9"}')
    poster.gone.add("sam")
    sent = svc.on_changes([("MODIFY", case_item("CB-9", 2), None)])
    assert sent == 1 and poster.to("lea", "case_changed")[0]["version"] == 2
    assert svc.store.connection("sam") is None and svc.viewers("CB-9") == []


def test_a_message_that_is_not_one_is_refused(world):
    svc, _, _ = world
    svc.connect("lea", "lea-token")
    with pytest.raises(InvalidInput):
        svc.receive("lea", "hello")
    with pytest.raises(InvalidInput):
        svc.receive("lea", '{"type": "shout"}')


def test_a_heartbeat_of_an_unchanged_watch_posts_nothing_and_a_newcomer_hears_who_is_there(world):
    svc, poster, clock = world
    svc.connect("lea", "lea-token")
    svc.connect("sam", "sam-token")
    svc.receive("lea", '{"type": "watch", "case_id": "CB-1"}')
    svc.receive("sam", '{"type": "watch", "case_id": "CB-1"}')
    sent = len(poster.sent)
    clock.at += timedelta(seconds=30)
    svc.receive("lea", '{"type": "watch", "case_id": "CB-1"}')
    assert len(poster.sent) == sent
    svc.connect("sam2", "sam-token")  # Sam's second tab: the set of agents is unchanged
    svc.receive("sam2", '{"type": "watch", "case_id": "CB-1"}')
    assert len(poster.sent) == sent + 1 and poster.to("sam2", "presence")
