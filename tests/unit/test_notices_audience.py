"""Audience rules on in-memory fakes: de-duplication, channel opt-outs, segment filters, batching."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from functions.cases.models import Case, Channel
from functions.notify import audience as aud
from functions.notify.models import AudienceSpec, NoticeChannel, Segment
from functions.notify.rules import sms_keyword
from tests.fakes.notices import FakeAudienceFiles, FakeDirectory

ALL = [NoticeChannel.EMAIL, NoticeChannel.SMS, NoticeChannel.PORTAL]
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def directory(customers: dict[str, dict[str, Any]], cases: list[Case] | None = None, page: int = 2) -> FakeDirectory:
    d = FakeDirectory(page_size=page)
    for cid, c in customers.items():
        d.add(cid, name=cid, language="de", contacts=c["contacts"], assets=c["assets"])
    d.link("P", *(cases or []))
    for c in cases or []:
        d.message_ids[c.case_id] = f"<{c.case_id}@mail>"
    return d


def cust(cid: str, *, region: str = "eu", model: str = "m1", **contact: Any) -> dict[str, Any]:
    return {
        "contacts": [{"contact_id": f"ct-{cid}", "email": f"{cid}@x.com", **contact}],
        "assets": [{"product": "p", "model": model, "batch": "b1", "region": region, "tier": "standard"}],
    }


def spec(**segment: Any) -> AudienceSpec:
    return AudienceSpec(segment=Segment(product=["p"], **segment))


def case(cid: str) -> Case:
    return Case(
        case_id=f"CB-{cid}",
        subject="s",
        channel=Channel.EMAIL,
        customer_id=cid,
        contact_id=f"ct-{cid}",
        contact_email=f"{cid}@x.com",
        created_at=NOW,
        updated_at=NOW,
    )


def test_a_contact_both_affected_and_likely_is_listed_once_as_affected():
    source = directory({"a": cust("a"), "b": cust("b")}, cases=[case("a")])
    recipients = [r for m in aud.iter_members("P", spec(), ALL, source) for r in m.recipients]
    assert [(r.customer_id, r.affected) for r in recipients] == [("a", True), ("b", False)]
    assert recipients[0].thread_message_id == "<CB-a@mail>"


def test_a_customer_with_many_linked_cases_is_read_once():
    # Given three cases of one customer linked to the problem (and no owner of the segment's product)
    cases = [case("a").model_copy(update={"case_id": f"CB-a{i}"}) for i in range(3)]
    source = directory({"a": cust("a")}, cases=cases)
    members = list(aud.iter_members("P", AudienceSpec(segment=Segment(product=["other"])), ALL, source))
    # Then its members come from one directory read
    assert {m.customer_id for m in members} == {"a"}
    assert source.reads == {"a": 1}


def test_region_filter_keeps_only_matching_owners():
    source = directory({"a": cust("a", region="eu"), "b": cust("b", region="us")})
    members = list(aud.iter_members("P", spec(region=["us"]), ALL, source))
    assert [m.customer_id for m in members] == ["b"]


def test_sms_is_only_for_opted_in_contacts():
    source = directory({"a": cust("a", phone="+441234567001"), "b": cust("b", phone="+441234567002", sms_opt_in=True)})
    phones = {r.customer_id: r.phone for m in aud.iter_members("P", spec(), ALL, source) for r in m.recipients}
    assert phones == {"a": None, "b": "+441234567002"}


def test_a_contact_with_no_channel_left_is_no_recipient_but_its_customer_is_a_member():
    source = directory({"a": cust("a", email_opt_out=True)})
    sink = FakeAudienceFiles()
    manifest, counts = aud.snapshot("N", "P", aud.iter_members("P", spec(), ALL, source), sink, 10, NOW)
    assert manifest.count == 0 and sink.members == ["a"]


def test_email_is_left_out_when_the_notice_does_not_use_the_channel():
    source = directory({"a": cust("a", phone="+441234567001", sms_opt_in=True)})
    rec = [r for m in aud.iter_members("P", spec(), [NoticeChannel.SMS], source) for r in m.recipients]
    assert rec[0].email is None and rec[0].phone


def test_the_snapshot_is_written_in_batches_of_the_configured_size():
    source = directory({f"c{i}": cust(f"c{i}") for i in range(7)}, page=3)
    sink = FakeAudienceFiles()
    manifest, _ = aud.snapshot("N", "P", aud.iter_members("P", spec(), ALL, source), sink, 3, NOW)
    assert [len(b) for b in sink.files.values()] == [3, 3, 1]
    assert manifest.count == 7 and manifest.batches == [f"notices/N/audience/0000{i}.jsonl" for i in range(3)]
    assert sink.manifest("N") == manifest and manifest.created_at == NOW
    assert source.pages_served == 3


def test_the_likely_audience_needs_a_product():
    assert AudienceSpec(segment=Segment()).segment.is_empty()


def test_masking_keeps_the_first_letter_and_domain():
    assert aud.mask_email("jane@example.com") == "j***@example.com"
    assert aud.mask_phone("+441234567001") == "+44*******001"


def test_sms_keywords():
    assert sms_keyword("STOP") == "stop"
    assert sms_keyword(" unsubscribe ") == "stop"
    assert sms_keyword("Quit.") == "stop"
    assert sms_keyword("start") == "start"
    assert sms_keyword("stopped working") is None
    assert sms_keyword("") is None


def test_full_batches_hold_one_language_and_channel_mix_so_bulk_calls_are_full():
    from functions.notify.contract import Recipient

    # Given an audience that alternates languages and channel mixes
    def members():
        for i in range(23):
            lang = "de" if i % 2 else "en"
            phone = "+441234567001" if i % 3 == 0 else None
            r = Recipient(
                customer_id=f"c{i}", contact_id=f"k{i}", email=f"x{i}@example.org", phone=phone, language=lang
            )
            yield aud.Member(customer_id=f"c{i}", name=None, affected=False, recipients=[r])

    sink = FakeAudienceFiles()
    # When it is snapshotted in batches of 5
    manifest, _ = aud.snapshot("N", "P", members(), sink, 5, NOW)
    # Then every full batch is of one kind, and the remainders share the last batches
    import json

    batches = [[json.loads(line) for line in lines] for lines in sink.files.values()]
    kinds = [{(r["language"], "phone" in r) for r in b} for b in batches]
    full = [k for b, k in zip(batches, kinds, strict=True) if len(b) == 5 and len(k) == 1]
    assert len(full) == 2  # en without phone (8) and de without phone (7) fill one batch each
    assert sum(len(b) for b in batches) == manifest.count == 23
