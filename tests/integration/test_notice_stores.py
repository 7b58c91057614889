"""The notice stores on DynamoDB and S3 (moto), and their in-memory fakes held to the same behaviour:
each test runs on both, so a fake the use-case tests rely on cannot drift from the real store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.cases.models import Actor, ActorType
from functions.core.errors import Duplicate, NotFound, VersionConflict
from functions.notify.contract import AudienceManifest, Dispatch, DispatchKind, DispatchRecord, Recipient
from functions.notify.delivery.models import Channel, DeliveryRecord, DeliveryStatus
from functions.notify.models import (
    AudienceSpec,
    Notice,
    NoticeChannel,
    NoticeEvent,
    NoticeEventKind,
    NoticeQuery,
    NoticeStatus,
    NoticeTexts,
    Segment,
)
from tests.fakes.notices import FakeAudienceFiles, FakeDeliveryStore, FakeNoticeStore

AGENT = Actor(type=ActorType.AGENT, id="a1")
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture(params=["moto", "fake"])
def delivery_store(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        return FakeDeliveryStore()
    request.getfixturevalue("aws")
    from functions.notify.delivery.store import DeliveryStore

    return DeliveryStore()


@pytest.fixture(params=["moto", "fake"])
def notice_store(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        return FakeNoticeStore()
    request.getfixturevalue("aws")
    from functions.notify.store import NoticeStore

    return NoticeStore()


class S3Audience:
    """The bucket as both halves use it: the records' writer and delivery's reader."""

    def __init__(self) -> None:
        from functions.core import resources
        from functions.core.settings import get_settings
        from functions.notify.delivery.store import AudienceFiles
        from functions.notify.store import SnapshotStore

        bucket = get_settings().name(resources.NOTICES_BUCKET.logical)
        self.writer, self.reader = SnapshotStore(bucket), AudienceFiles(bucket)

    def put_batch(self, notice_id: str, batch: int, lines: list[str]) -> str:
        return self.writer.put_batch(notice_id, batch, lines)

    def put_manifest(self, manifest: AudienceManifest) -> None:
        self.writer.put_manifest(manifest)

    def manifest(self, notice_id: str) -> AudienceManifest:
        return self.reader.manifest(notice_id)

    def recipients(self, key: str) -> Any:
        return self.reader.recipients(key)


@pytest.fixture(params=["moto", "fake"])
def audience_files(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        return FakeAudienceFiles()
    request.getfixturevalue("aws")
    return S3Audience()


def record(contact: str, claim: str = "c1", seq: int = 1, batch: int = 0, **kw: Any) -> DeliveryRecord:
    data: dict[str, Any] = dict(
        notice_id="NT-1", seq=seq, batch=batch, channel=Channel.EMAIL, contact_id=contact,
        status=DeliveryStatus.CLAIMED, claim=claim,
    )  # fmt: skip
    return DeliveryRecord(**(data | kw))


def dispatch(seq: int = 1, notice_id: str = "NT-1") -> Dispatch:
    return Dispatch(
        notice_id=notice_id, problem_id="PB-1", seq=seq, kind=DispatchKind.INITIAL, subject=f"s{seq}", body="b",
        sms_text="t", created_at=T0,
    )  # fmt: skip


def notice(notice_id: str = "NT-100001", problem_id: str = "PB-1", **kw: Any) -> Notice:
    data: dict[str, Any] = dict(
        notice_id=notice_id,
        problem_id=problem_id,
        channels=[NoticeChannel.EMAIL],
        audience=AudienceSpec(segment=Segment(product=["p"])),
        texts=NoticeTexts(subject="s", body="b", sms_text="t"),
        interval_seconds=3600,
        created_by=AGENT,
        created_at=T0,
        updated_at=T0,
    )
    return Notice(**(data | kw))


def event(notice_id: str, n: int, kind: NoticeEventKind = NoticeEventKind.CHANGED) -> NoticeEvent:
    at = T0 + timedelta(seconds=n)
    return NoticeEvent(event_id=f"{at.isoformat()}#{n:03d}", notice_id=notice_id, at=at, kind=kind, actor=AGENT)


# -- delivery records ---------------------------------------------------------------------------


def test_a_claim_is_written_once_only(delivery_store):
    assert delivery_store.claim([record("a"), record("b")]) == [record("a"), record("b")]
    again = delivery_store.claim([record("a", claim="c2"), record("c", claim="c2")])
    assert again == [record("c", claim="c2")]
    existing = delivery_store.existing("NT-1", 1, 0)
    assert set(existing) == {"email#a", "email#b", "email#c"}
    assert existing["email#a"]["status"] == "claimed" and existing["email#a"]["claim"] == "c1"


def test_a_claim_of_more_than_a_transaction_holds_still_writes_each_record_once(delivery_store):
    delivery_store.claim([record("r7", claim="old")])
    claimed = delivery_store.claim([record(f"r{i}") for i in range(150)])
    assert len(claimed) == 149 and "r7" not in {r.contact_id for r in claimed}
    assert len(delivery_store.existing("NT-1", 1, 0)) == 150


def test_records_are_kept_per_batch_and_channel(delivery_store):
    delivery_store.claim([record("a"), record("a", batch=1), record("a", channel=Channel.SMS)])
    assert set(delivery_store.existing("NT-1", 1, 0)) == {"email#a", "sms#a"}
    assert set(delivery_store.existing("NT-1", 1, 1)) == {"email#a"}
    assert delivery_store.existing("NT-1", 2, 0) == {}


def test_marking_records_the_outcome_and_a_release_needs_the_claim_that_holds_it(delivery_store):
    delivery_store.claim([record("a"), record("b"), record("c")])
    delivery_store.mark([record("a", status=DeliveryStatus.SENT, provider_id="m-1")])
    delivery_store.release([record("b", claim="someone-else")])
    delivery_store.release([record("c")])
    existing = delivery_store.existing("NT-1", 1, 0)
    assert {k: v["status"] for k, v in existing.items()} == {"email#a": "sent", "email#b": "claimed"}
    assert [r.contact_id for r in delivery_store.claimed_not_sent("NT-1", 1, 1)] == ["b"]


def test_a_dispatch_is_kept_from_its_first_write_and_counts_add_up(delivery_store):
    with pytest.raises(NotFound):
        delivery_store.dispatch("NT-1", 1)
    delivery_store.put_dispatch(dispatch(), 3)
    delivery_store.put_dispatch(dispatch().model_copy(update={"subject": "again"}), 9)  # a redelivered prepare
    assert delivery_store.dispatch("NT-1", 1).subject == "s1"
    delivery_store.add_counts("NT-1", 1, {"sent_email": 2, "failed": 0})
    delivery_store.add_counts("NT-1", 1, {"sent_email": 3, "sent_sms": 1})
    delivery_store.add_counts("NT-1", 2, {"sent_sms": 4})  # a dispatch whose item was not written yet
    delivery_store.batch_done("NT-1", 1, 0)
    delivery_store.batch_done("NT-1", 1, 2)
    delivery_store.batch_done("NT-1", 1, 0)  # a batch done twice (its job delivered again) counts once
    assert delivery_store.counts("NT-1", 1) == {
        "sent_email": 5, "sent_sms": 1, "failed": 0, "uncertain": 0, "batches": 3, "batches_done": 2,
    }  # fmt: skip
    assert delivery_store.counts("NT-1", 9)["sent_email"] == 0
    assert {seq: c["sent_sms"] for seq, c in delivery_store.all_counts("NT-1").items()} == {1: 1, 2: 4}


def test_a_prepared_answer_is_found_again(delivery_store):
    assert delivery_store.prepared("NT-1", "x#1#initial") is None
    delivery_store.put_prepared("NT-1", "x#1#initial", {"status": "send", "seq": 1}, 2_000_000_000)
    assert delivery_store.prepared("NT-1", "x#1#initial") == {"status": "send", "seq": 1}


def test_signals_sent_while_the_lifecycle_is_busy_are_queued_for_its_next_wait_in_order(delivery_store):
    store = delivery_store
    # Given no task waiting (the lifecycle is sending): two signals arrive
    assert store.take_waiting("NT-9", "update_now") is None
    assert store.take_waiting("NT-9", "resolved") is None
    # When the lifecycle parks its next tasks, each gets the oldest queued signal instead of waiting
    assert store.put_waiting("NT-9", "tok-1", paused=False, execution=None, now="t") == "update_now"
    assert store.put_waiting("NT-9", "tok-2", paused=False, execution=None, now="t") == "resolved"
    # Then with the queue empty the next task waits, and a signal takes its token exactly once
    assert store.put_waiting("NT-9", "tok-3", paused=True, execution="ex", now="t") is None
    taken = store.take_waiting("NT-9", "cancelled")
    assert taken["task_token"] == "tok-3" and taken["paused"] is True and taken["execution"] == "ex"
    assert store.take_waiting("NT-9") is None


def test_subscriptions_and_the_topic_full_marker(delivery_store):
    delivery_store.put_subscription("CT-1", "+15550001", "arn:sub:1")
    delivery_store.put_subscription("CT-2", "+15550002", "arn:sub:2")
    assert delivery_store.subscribed(["CT-1", "CT-2", "CT-3"]) == {"CT-1": "+15550001", "CT-2": "+15550002"}
    assert delivery_store.drop_subscription("CT-1") == "arn:sub:1"
    assert delivery_store.drop_subscription("CT-1") is None
    topic = "arn:aws:sns:us-east-1:123456789012:sms-notices"
    assert not delivery_store.topic_full(topic, 1000)
    delivery_store.put_topic_full(topic, "FilterPolicyLimitExceeded", "t", 2000)
    assert delivery_store.topic_full(topic, 1999) and not delivery_store.topic_full(topic, 2000)


# -- notices ------------------------------------------------------------------------------------


def test_a_notice_is_created_once(notice_store):
    notice_store.create(notice(), [event("NT-100001", 0, NoticeEventKind.CREATED)])
    with pytest.raises(Duplicate):
        notice_store.create(notice(), [])
    assert notice_store.get("NT-100001") == notice()
    with pytest.raises(NotFound):
        notice_store.get("NT-404")


def test_notice_numbers_follow_each_other(notice_store):
    first = notice_store.next_number()
    assert notice_store.next_number() == first + 1 and first > 100000


def test_a_save_needs_the_version_it_read_and_writes_nothing_otherwise(notice_store):
    notice_store.create(notice(), [event("NT-100001", 0)])
    v2 = notice(status=NoticeStatus.ACTIVE, version=2)
    notice_store.save(v2, 1, [event("NT-100001", 1)])
    with pytest.raises(VersionConflict) as err:
        notice_store.save(notice(status=NoticeStatus.CANCELLED, version=2), 1, [event("NT-100001", 2)])
    assert err.value.current == 2
    assert notice_store.get("NT-100001").status is NoticeStatus.ACTIVE
    assert len(notice_store.timeline("NT-100001")) == 2


def test_a_dispatch_is_saved_with_its_notice_once(notice_store):
    notice_store.create(notice(), [])
    made = [DispatchRecord(seq=1, kind=DispatchKind.INITIAL, at=T0)]
    notice_store.save(notice(version=2, dispatches=made), 1, [event("NT-100001", 1)], dispatch(notice_id="NT-100001"))
    with pytest.raises(VersionConflict):  # the same dispatch again, even at the right version
        notice_store.save(notice(version=3, dispatches=made), 2, [], dispatch(notice_id="NT-100001"))
    assert notice_store.get("NT-100001").version == 2
    assert notice_store.dispatch("NT-100001", 1) == dispatch(notice_id="NT-100001")
    assert notice_store.dispatch("NT-100001", 2) is None
    assert notice_store.dispatches([("NT-100001", 1), ("NT-100001", 5)]) == {
        ("NT-100001", 1): dispatch(notice_id="NT-100001")
    }


def test_notices_are_found_by_problem_status_and_member(notice_store):
    notice_store.create(notice("NT-1", "PB-1"), [])
    notice_store.create(notice("NT-2", "PB-1", created_at=T0 + timedelta(minutes=1)), [])
    notice_store.create(notice("NT-3", "PB-2"), [])
    notice_store.save(notice("NT-2", "PB-1", status=NoticeStatus.ACTIVE, version=2), 1, [])
    assert [n.notice_id for n in notice_store.of_problem("PB-1")] == ["NT-1", "NT-2"]
    assert [n.notice_id for n in notice_store.with_status(NoticeStatus.ACTIVE)] == ["NT-2"]
    assert [n.notice_id for n in notice_store.with_status(NoticeStatus.DRAFT)] == ["NT-1", "NT-3"]
    notice_store.add_members("NT-2", "PB-1", ["CU-1", "CU-2"])
    notice_store.add_members("NT-3", "PB-2", ["CU-1"])
    assert notice_store.memberships("CU-1") == ["NT-2", "NT-3"] and notice_store.memberships("CU-9") == []
    assert sorted(n.notice_id for n in notice_store.get_many(["NT-2", "NT-3", "NT-404"])) == ["NT-2", "NT-3"]


def test_the_timeline_is_in_event_order(notice_store):
    notice_store.create(notice(), [event("NT-100001", 5), event("NT-100001", 1)])
    notice_store.save(notice(version=2), 1, [event("NT-100001", 3)])
    assert [e.at for e in notice_store.timeline("NT-100001")] == [T0 + timedelta(seconds=s) for s in (1, 3, 5)]


# -- the audience snapshot ----------------------------------------------------------------------


def test_the_snapshot_written_by_records_is_what_delivery_reads(audience_files):
    people = [Recipient(customer_id=f"CU-{i}", contact_id=f"CT-{i}", email=f"c{i}@example.org") for i in range(3)]
    key = audience_files.put_batch("NT-1", 7, [r.model_dump_json(exclude_none=True) for r in people])
    assert key == "notices/NT-1/audience/00007.jsonl"
    manifest = AudienceManifest(
        notice_id="NT-1", count=3, email_count=3, sms_count=0, batch_size=10, batches=[key], created_at=T0
    )
    audience_files.put_manifest(manifest)
    assert audience_files.manifest("NT-1") == manifest
    assert list(audience_files.recipients(key)) == people


def test_the_directory_entry_of_a_customer_holds_its_contacts_in_order(aws):
    from functions.customers.models import CustomerIn
    from functions.customers.store import CustomerStore
    from functions.notify.store import NoticeStore

    CustomerStore().upsert(
        CustomerIn.model_validate(
            {
                "customer_id": "c1",
                "name": "Customer c1",
                "language": "de",
                "contacts": [
                    {"email": "b@example.com", "name": "B", "sms_opt_in": True, "phone": "+441234567001"},
                    {"email": "a@example.com", "name": "A", "email_opt_out": True},
                ],
            }
        )
    )
    entry = NoticeStore().directory_entry("c1")
    assert entry is not None and entry.name == "Customer c1" and entry.language == "de"
    assert sorted(c["email"] for c in entry.contacts) == ["a@example.com", "b@example.com"]
    assert [c["contact_id"] for c in entry.contacts] == sorted(c["contact_id"] for c in entry.contacts)
    by_email = {c["email"]: c for c in entry.contacts}
    assert by_email["a@example.com"]["email_opt_out"] is True and by_email["b@example.com"]["sms_opt_in"] is True
    assert all("PK" not in c and "SK" not in c for c in entry.contacts)
    assert NoticeStore().directory_entry("nobody") is None


def test_notices_are_listed_newest_first_by_problem_status_or_all_across_pages(notice_store):
    # Given five notices of two problems, two of them active
    for n in range(5):
        notice_store.create(notice(f"NT-{n}", f"PB-{n % 2}", created_at=T0 + timedelta(minutes=n)), [])
    for n in (1, 4):
        active = notice(f"NT-{n}", f"PB-{n % 2}", status=NoticeStatus.ACTIVE, version=2,
                        created_at=T0 + timedelta(minutes=n), updated_at=T0 + timedelta(hours=n))  # fmt: skip
        notice_store.save(active, 1, [])

    def walk(**q: Any) -> list[list[str]]:
        pages, cursor = [], None
        while True:
            page = notice_store.page(NoticeQuery(limit=2, cursor=cursor, **q))
            pages.append([n.notice_id for n in page.items])
            if not (cursor := page.next_cursor):
                return pages

    # Then every notice comes once, newest first, two a page
    assert sum(walk(), []) == ["NT-4", "NT-3", "NT-2", "NT-1", "NT-0"]
    assert walk()[0] == ["NT-4", "NT-3"]
    assert sum(walk(problem_id="PB-0"), []) == ["NT-4", "NT-2", "NT-0"]
    assert sum(walk(status=NoticeStatus.ACTIVE), []) == ["NT-4", "NT-1"]
    assert sum(walk(problem_id="PB-0", status=NoticeStatus.DRAFT), []) == ["NT-2", "NT-0"]
    assert sum(walk(problem_id="PB-9"), []) == []
