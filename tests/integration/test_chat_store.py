"""ChatStore against moto: ordered turns without gaps, exactly-once client ids, ending."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from functions.channels.chat.models import ChatSession
from functions.core.errors import Conflict

AT = datetime(2026, 1, 2, tzinfo=UTC)


@pytest.fixture
def store(aws):
    from functions.channels.chat.store import ChatStore

    s = ChatStore()
    s.create(ChatSession(session_id="chs_" + "a" * 20, case_id="CB-100001", created_at=AT, updated_at=AT))
    return s


SID = "chs_" + "a" * 20


def test_turns_get_consecutive_seqs(store):
    seqs = [store.append(SID, role="customer", client_message_id=f"c{i}", text="hi", at=AT)[0].seq for i in range(3)]

    assert seqs == [1, 2, 3]
    assert store.get(SID).last_seq == 3


def test_a_turn_that_loses_a_race_for_its_seq_takes_the_next_one(store):
    from functions.channels.chat.store import ChatStore

    rival = ChatStore()
    real_get = store.get
    raced = []

    def get_then_race(sid):
        session = real_get(sid)
        if not raced:
            raced.append(rival.append(SID, role="agent", client_message_id="a1", text="rival", at=AT)[0].seq)
        return session

    store.get = get_then_race  # type: ignore[method-assign]

    mine, created = store.append(SID, role="customer", client_message_id="c1", text="mine", at=AT)

    assert created and raced == [1] and mine.seq == 2
    assert [(m.seq, m.text) for m in store.messages(SID)] == [(1, "rival"), (2, "mine")]


def test_a_retried_client_id_returns_the_stored_turn(store):
    first, created = store.append(SID, role="customer", client_message_id="c1", text="hi", at=AT)
    again, created_again = store.append(SID, role="customer", client_message_id="c1", text="hi", at=AT)

    assert (created, created_again) == (True, False)
    assert again.seq == first.seq
    assert len(store.messages(SID)) == 1


def test_an_ended_session_takes_no_turns(store):
    store.end(SID, by="customer", reason=None, at=AT)

    with pytest.raises(Conflict):
        store.append(SID, role="customer", client_message_id="c1", text="hi", at=AT)


def test_ending_twice_reports_it_already_ended(store):
    _, first = store.end(SID, by="customer", reason=None, at=AT)
    session, second = store.end(SID, by="agent", reason=None, at=AT)

    assert (first, second) == (True, False)
    assert session.ended_by == "customer"


def test_an_ended_session_leaves_the_live_list(store):
    assert [s.session_id for s in store.active()[0]] == [SID]

    store.end(SID, by="agent", reason="done", at=AT)

    assert store.active()[0] == []


def test_a_full_session_refuses_more_turns(store):
    store.append(SID, role="customer", client_message_id="c1", text="hi", at=AT, max_messages=1)

    with pytest.raises(Conflict, match="full"):
        store.append(SID, role="customer", client_message_id="c2", text="hi", at=AT, max_messages=1)


def test_all_messages_reads_past_a_page(store):
    for i in range(5):
        store.append(SID, role="customer", client_message_id=f"c{i}", text="x", at=AT)

    assert [m.seq for m in store.all_messages(SID, page_size=2)] == [1, 2, 3, 4, 5]
