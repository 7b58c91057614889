"""One contract for the chat store (functions.channels.chat.ports.ChatStorePort): ``ChatStore`` on
moto and the in-memory ``FakeChatStore`` the service tests use. Ordered turns without gaps,
exactly-once client ids, ending, the idle index, TTLs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from functions.channels.chat.models import ChatSession
from functions.core.errors import Conflict, NotFound

AT = datetime(2026, 1, 2, tzinfo=UTC)
SID = "chs_" + "a" * 20
OTHER = "chs_" + "b" * 20


def _moto(request) -> Iterator:
    from functions.channels.chat.store import ChatStore

    request.getfixturevalue("aws")
    yield ChatStore, ChatStore()


def _fake(request) -> Iterator:
    from tests.fakes.channels import FakeChatStore

    fake = FakeChatStore()
    yield fake.twin, fake


@pytest.fixture(params=[_moto, _fake], ids=["ChatStore on moto", "FakeChatStore"])
def stores(request):
    """(a factory of handles on the same store, the store with one live session)."""
    gen = request.param(request)
    handle, store = next(gen)
    store.create(ChatSession(session_id=SID, case_id="CB-100001", created_at=AT, updated_at=AT))
    yield handle, store
    gen.close()


@pytest.fixture
def store(stores):
    return stores[1]


def test_turns_get_consecutive_seqs(store):
    seqs = [store.append(SID, role="customer", client_message_id=f"c{i}", text="hi", at=AT)[0].seq for i in range(3)]

    assert seqs == [1, 2, 3]
    assert store.get(SID).last_seq == 3


def test_a_turn_that_loses_a_race_for_its_seq_takes_the_next_one(stores):
    handle, store = stores
    rival = handle()
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


def test_a_second_session_with_the_same_id_is_a_conflict(store):
    with pytest.raises(Conflict):
        store.create(ChatSession(session_id=SID, case_id="CB-100002", created_at=AT, updated_at=AT))


def test_an_unknown_session_is_not_found(store):
    assert store.find(OTHER) is None
    with pytest.raises(NotFound):
        store.get(OTHER)
    with pytest.raises(NotFound):
        store.append(OTHER, role="customer", client_message_id="c1", text="hi", at=AT)


def test_polling_after_a_seq_returns_the_later_turns_up_to_the_limit(store):
    for i in range(4):
        store.append(SID, role="customer", client_message_id=f"c{i}", text=f"t{i}", at=AT)

    assert [m.text for m in store.messages(SID, after=1, limit=2)] == ["t1", "t2"]
    assert store.messages(SID, after=4) == []


def test_live_sessions_are_listed_longest_waiting_first_page_by_page(store):
    for i, sid in enumerate(["chs_" + c * 20 for c in "bcd"], start=1):
        at = AT + timedelta(minutes=i)
        store.create(ChatSession(session_id=sid, case_id=f"CB-10000{i + 1}", created_at=at, updated_at=at))

    first, cursor = store.active(limit=2)
    rest, _ = store.active(limit=2, cursor=cursor)

    assert [s.session_id[4] for s in first + rest] == ["a", "b", "c", "d"]


def test_the_idle_index_holds_live_sessions_without_a_turn_since_the_cutoff(store):
    store.create(ChatSession(session_id=OTHER, case_id="CB-100002", created_at=AT, updated_at=AT))
    store.append(OTHER, role="customer", client_message_id="c1", text="hi", at=AT + timedelta(minutes=20))

    idle = store.idle_since(AT + timedelta(minutes=10))

    assert [s.session_id for s in idle] == [SID]
    assert store.idle_since(AT) == []  # created at the cutoff: not idle since it


def test_a_turn_that_lands_after_the_job_read_the_index_keeps_the_chat_open(store):
    [candidate] = store.idle_since(AT + timedelta(minutes=1))
    store.append(SID, role="customer", client_message_id="c-1", text="wait!", at=AT)

    assert store.end_idle(SID, seen_seq=candidate.last_seq, text="idle", at=AT) is None
    assert store.get(SID).status == "active"


def test_ending_an_idle_session_adds_the_last_system_turn_and_waits_for_the_transcript(store):
    store.append(SID, role="customer", client_message_id="c1", text="hi", at=AT)

    ended = store.end_idle(SID, seen_seq=1, text="chat ended after 30 minutes without activity", at=AT)

    assert (ended.status, ended.ended_by, ended.last_seq) == ("ended", "system", 2)
    assert [(m.seq, m.role) for m in store.messages(SID)] == [(1, "customer"), (2, "system")]
    assert [s.session_id for s in store.ending()] == [SID]
    store.mark_transcript_recorded(SID)
    assert store.ending() == [] and store.get(SID).transcript_recorded


def test_a_due_transcript_mail_is_claimed_once_and_keeps_the_session_in_ending_until_it_settles(store):
    store.end(SID, by="customer", reason=None, at=AT)
    store.mark_transcript_recorded(SID, mail_due=True)
    assert store.get(SID).transcript_mail == "pending"
    assert [s.session_id for s in store.ending()] == [SID]

    assert store.claim_transcript_mail(SID, AT) == 1
    assert store.claim_transcript_mail(SID, AT) is None  # one sender at a time
    assert (store.get(SID).transcript_mail, store.get(SID).transcript_mail_claimed_at) == ("sending", AT)
    store.settle_transcript_mail(SID, "pending")  # a transient failure: the sweep sends it again
    assert [s.session_id for s in store.ending()] == [SID]
    assert store.claim_transcript_mail(SID, AT) == 2
    store.settle_transcript_mail(SID, "sent")

    session = store.get(SID)
    assert (session.transcript_mail, session.transcript_mailed, session.transcript_mail_attempts) == ("sent", True, 2)
    assert store.ending() == []
    store.mark_transcript_recorded(SID, mail_due=True)  # a repeated end keeps what was sent
    assert store.get(SID).transcript_mail == "sent" and store.claim_transcript_mail(SID, AT) is None
    store.settle_transcript_mail(SID, "failed")  # settles only a claimed send
    assert store.get(SID).transcript_mail == "sent"


def test_ended_sessions_and_turns_expire_after_the_retention(store):
    """The TTL attribute DynamoDB deletes by: written + retention for turns, ended + retention for sessions."""
    store.append(SID, role="customer", client_message_id="c1", text="hi", at=AT)
    store.end(SID, by="customer", reason=None, at=AT + timedelta(hours=1))

    expires = _expires_at(store, SID)

    retention = store.retention_seconds
    assert expires["session"] == int((AT + timedelta(hours=1, seconds=retention)).timestamp())
    assert expires["turns"] == [int((AT + timedelta(seconds=retention)).timestamp())]


def _expires_at(store, sid: str) -> dict:
    from functions.channels.chat.store import ChatStore

    if isinstance(store, ChatStore):
        from boto3.dynamodb.conditions import Key

        items = store.table.query(KeyConditionExpression=Key("PK").eq(f"CHAT#{sid}"))["Items"]
        return {
            "session": int(next(i for i in items if i["SK"] == "#META")["expires_at"]),
            "turns": [int(i["expires_at"]) for i in items if i["SK"].startswith("MSG#")],
        }
    return {
        "session": store.expires_at[(sid, 0)],
        "turns": [when for (s, seq), when in sorted(store.expires_at.items()) if s == sid and seq],
    }
