"""One contract per store of the channels and the portal: the store on moto and its in-memory
fake (tests/fakes/channels.py) pass the same tests, so that the use-case tests on the fakes say
something about the system. (The chat store's contract is in test_chat_store.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from functions.cases.models import Actor, ActorType, Case, Channel, EventKind, TimelineEvent
from functions.channels.email.models import InboundRecord, Outcome
from functions.core.errors import Duplicate, NotFound, VersionConflict

AT = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
DAY = "2026-01-02"


def _either(request, real, fake):
    """The store on moto (``real()``, inside the ``aws`` fixture) or the fake (``fake()``)."""
    if request.param == "moto":
        request.getfixturevalue("aws")
        return real()
    return fake()


# -- the mail store ---------------------------------------------------------------------------


@pytest.fixture(params=["moto", "fake"])
def mail(request):
    from functions.channels.email.store import MailStore
    from functions.core.settings import get_settings
    from tests.fakes.channels import FakeMailStore

    s = get_settings()
    return _either(
        request,
        lambda: MailStore(s.mail_bucket, s.attachments_bucket),
        lambda: FakeMailStore(s.mail_bucket, s.attachments_bucket),
    )


def test_a_raw_mail_is_kept_under_the_inbound_prefix_by_its_hash(mail):
    key = mail.put_raw(b"From: a@b.example\r\n\r\nhi")

    assert key.startswith("inbound/") and key.endswith(".eml")
    assert mail.put_raw(b"From: a@b.example\r\n\r\nhi") == key
    assert mail.get(mail.mail_bucket, key) == b"From: a@b.example\r\n\r\nhi"


def test_a_missing_object_or_bucket_is_not_found(mail):
    with pytest.raises(NotFound):
        mail.get(mail.mail_bucket, "inbound/nothing-here")
    with pytest.raises(NotFound):
        mail.get("no-such-bucket-anywhere", "inbound/x")


def test_the_quarantine_keeps_the_data_under_its_own_prefix(mail):
    key = mail.quarantine("rec_1", b"{}", ".json")

    assert key == "quarantine/rec_1.json"
    assert mail.get(mail.mail_bucket, key) == b"{}"


def test_attachments_go_to_the_attachments_bucket_with_a_safe_name(mail):
    key = mail.put_attachment("in_1", 2, "../report 2024/ä.pdf", b"%PDF", "application/pdf")

    assert key.startswith("email/in_1/02-") and "/" not in key[len("email/in_1/") :]
    assert mail.get(mail.attachments_bucket, key) == b"%PDF"
    with pytest.raises(NotFound):
        mail.get(mail.mail_bucket, key)


# -- the inbound log --------------------------------------------------------------------------


@pytest.fixture(params=["moto", "fake"])
def log(request):
    from functions.channels.email.store import InboundLog
    from tests.fakes.channels import FakeInboundLog

    return _either(request, InboundLog, FakeInboundLog)


def _record(n: int, outcome: Outcome = Outcome.CREATED, **over) -> InboundRecord:
    return InboundRecord(
        inbound_id=f"in_{n:04d}", received_at=AT + timedelta(minutes=n), outcome=outcome, reason="r", **over
    )


def test_a_record_is_found_by_its_id_and_an_unknown_one_is_not(log):
    log.put(_record(1, case_id="CB-100001"))

    assert log.find("in_0001").case_id == "CB-100001"
    assert log.get("in_0001").outcome == Outcome.CREATED
    assert log.find("in_9999") is None
    with pytest.raises(NotFound):
        log.get("in_9999")


def test_putting_a_record_again_replaces_it(log):
    log.put(_record(1, Outcome.QUARANTINED, quarantine_key="quarantine/in_0001.eml"))
    log.put(_record(1, Outcome.CREATED, attempts=2))

    assert (log.get("in_0001").outcome, log.get("in_0001").attempts) == (Outcome.CREATED, 2)
    assert log.list(Outcome.QUARANTINED).items == []


def test_the_log_lists_newest_first_page_by_page_and_by_outcome(log):
    for n in range(5):
        log.put(_record(n, Outcome.QUARANTINED if n % 2 else Outcome.CREATED))

    first = log.list(limit=2)
    second = log.list(limit=2, cursor=first.next_cursor)
    third = log.list(limit=2, cursor=second.next_cursor)

    assert [r.inbound_id for r in first.items + second.items + third.items] == [f"in_{n:04d}" for n in (4, 3, 2, 1, 0)]
    assert third.next_cursor is None
    assert [r.inbound_id for r in log.list(Outcome.QUARANTINED).items] == ["in_0003", "in_0001"]


# -- the web form's held submissions and the portal's link requests ---------------------------


@pytest.fixture(params=["moto", "fake"])
def held(request):
    from functions.channels.web.store import HeldSubmissions
    from tests.fakes.channels import FakeHeldSubmissions

    return _either(request, lambda: HeldSubmissions(retention_seconds=3600), lambda: FakeHeldSubmissions(3600))


def test_held_submissions_are_kept_whole_by_day_with_a_ttl(held):
    held.record(at=AT + timedelta(hours=1), reason="honeypot", form={"email": "b@x.example", "website": "spam"})
    held.record(at=AT, reason="honeypot", form={"email": "a@x.example"})
    held.record(at=AT + timedelta(days=1), reason="honeypot", form={"email": "c@x.example"})

    rows = held.on_day(DAY)

    assert [r["form"]["email"] for r in rows] == ["a@x.example", "b@x.example"]
    assert rows[1]["form"]["website"] == "spam" and rows[1]["reason"] == "honeypot"
    assert int(rows[0]["expires_at"]) == int((AT + timedelta(hours=1)).timestamp())


@pytest.fixture(params=["moto", "fake"])
def link_log(request):
    from functions.portal.store import LinkRequestLog
    from tests.fakes.channels import FakeLinkRequestLog

    return _either(request, lambda: LinkRequestLog(retention_seconds=3600), lambda: FakeLinkRequestLog(3600))


def test_link_requests_are_kept_by_day_without_the_address(link_log):
    link_log.record(at=AT, case_id="CB-100001", email_sha256="ab" * 32, matched=True, delivery="sent")

    [row] = link_log.on_day(DAY)

    assert (row["case_id"], row["matched"], row["delivery"], row["email_sha256"]) == (
        "CB-100001",
        True,
        "sent",
        "ab" * 32,
    )
    assert int(row["expires_at"]) == int((AT + timedelta(hours=1)).timestamp())
    assert link_log.on_day("2026-01-03") == []


# -- the case store under the case service (until tests/fakes/cases.py has its own) ------------


@pytest.fixture(params=["moto", "fake"])
def cases(request):
    from functions.cases.store import CaseStore
    from tests.fakes.channels import InMemoryCaseStore

    return _either(request, CaseStore, InMemoryCaseStore)


ACTOR = Actor(type=ActorType.SYSTEM, id="test")


def _case(store, **over) -> Case:
    data = {
        "case_id": f"CB-{store.next_number()}",
        "subject": "Printer jams",
        "channel": Channel.EMAIL,
        "created_at": AT,
        "updated_at": AT,
        **over,
    }
    return Case(**data)


def _event(case_id: str, n: int) -> TimelineEvent:
    return TimelineEvent(
        event_id=f"{AT.isoformat()}#{n:03d}abcd", case_id=case_id, at=AT, kind=EventKind.NOTE, actor=ACTOR, body=str(n)
    )


def test_case_numbers_follow_each_other(cases):
    first = cases.next_number()

    assert cases.next_number() == first + 1 and first > 100000


def test_a_new_case_is_written_with_its_events_and_pointers(cases):
    case = _case(cases)
    cases.create(case, [_event(case.case_id, 0)], ["<m1@x>"])

    assert cases.get(case.case_id).subject == "Printer jams"
    assert [e.body for e in cases.timeline(case.case_id)[0]] == ["0"]
    assert cases.find_by_pointers(["<nope@x>", "<m1@x>"]) == case.case_id
    with pytest.raises(NotFound):
        cases.get("CB-1")


def test_a_known_pointer_is_a_duplicate_and_nothing_is_written(cases):
    first = _case(cases)
    cases.create(first, [], ["<m1@x>"])
    second = _case(cases)

    with pytest.raises(Duplicate):
        cases.create(second, [_event(second.case_id, 0)], ["<m2@x>", "<m1@x>"])

    with pytest.raises(NotFound):
        cases.get(second.case_id)
    assert cases.find_by_pointers(["<m2@x>"]) is None


def test_a_save_from_an_old_version_is_a_version_conflict(cases):
    case = _case(cases)
    cases.create(case, [], [])
    cases.save(case.model_copy(update={"version": 2, "subject": "v2"}), 1, [_event(case.case_id, 1)], ["<a@x>"])

    with pytest.raises(VersionConflict):
        cases.save(case.model_copy(update={"version": 2, "subject": "late"}), 1, [], [])

    assert (cases.get(case.case_id).subject, cases.get(case.case_id).version) == ("v2", 2)
    with pytest.raises(Duplicate):
        cases.save(case.model_copy(update={"version": 3}), 2, [], ["<a@x>"])


def test_the_timeline_reads_in_order_page_by_page(cases):
    case = _case(cases)
    cases.create(case, [_event(case.case_id, n) for n in (2, 0, 1)], [])

    first, cursor = cases.timeline(case.case_id, limit=2)
    rest, _ = cases.timeline(case.case_id, limit=2, cursor=cursor)

    assert [e.body for e in first + rest] == ["0", "1", "2"]
    assert cases.event(case.case_id, first[0].event_id).body == "0"
