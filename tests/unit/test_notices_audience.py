"""Audience rules on in-memory fakes: de-duplication, channel opt-outs, segment filters, batching."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from functions.cases.models import Case, Channel
from functions.notify import audience as aud
from functions.notify.models import AudienceSpec, NoticeChannel, Segment
from functions.notify.optout import sms_keyword

ALL = [NoticeChannel.EMAIL, NoticeChannel.SMS, NoticeChannel.PORTAL]
NOW = datetime(2026, 1, 1, tzinfo=UTC)


class FakeSource:
    def __init__(self, customers: dict[str, dict[str, Any]], cases: list[Case] | None = None, page: int = 2) -> None:
        self.customers = customers
        self.cases = cases or []
        self.page = page
        self.pages_served = 0
        self.reads: dict[str, int] = {}

    def linked_cases(self, problem_id: str) -> list[Case]:
        return self.cases

    def customer_items(self, customer_id: str) -> list[dict[str, Any]]:
        self.reads[customer_id] = self.reads.get(customer_id, 0) + 1
        c = self.customers.get(customer_id)
        if c is None:
            return []
        items = [{"SK": "#PROFILE", "name": customer_id, "language": "de"}]
        return items + [{"SK": f"CONTACT#{ct['contact_id']}", **ct} for ct in c["contacts"]]

    def owner_pages(self, product: str, model: str | None, batch: str | None) -> Any:
        assets = [
            {"customer_id": cid, **a}
            for cid, c in self.customers.items()
            for a in c["assets"]
            if a["product"] == product and (model is None or a.get("model") == model)
        ]
        for start in range(0, len(assets), self.page):
            self.pages_served += 1
            yield assets[start : start + self.page]

    def last_message_id(self, case_id: str) -> str | None:
        return f"<{case_id}@mail>"

    def customer_of_email(self, email: str) -> str | None:
        return None


class FakeSink:
    def __init__(self) -> None:
        self.batches: dict[int, list[str]] = {}
        self.members: list[str] = []
        self.manifest: Any = None

    def put_batch(self, notice_id: str, batch: int, lines: list[str]) -> str:
        self.batches[batch] = list(lines)
        return f"k{batch}"

    def put_manifest(self, manifest: Any) -> None:
        self.manifest = manifest

    def add_members(self, notice_id: str, problem_id: str, customer_ids: list[str]) -> None:
        self.members += customer_ids


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
    source = FakeSource({"a": cust("a"), "b": cust("b")}, cases=[case("a")])
    recipients = [r for m in aud.iter_members("P", spec(), ALL, source) for r in m.recipients]
    assert [(r.customer_id, r.affected) for r in recipients] == [("a", True), ("b", False)]
    assert recipients[0].thread_message_id == "<CB-a@mail>"


def test_a_customer_with_many_linked_cases_is_read_once():
    # Given three cases of one customer linked to the problem (and no owner of the segment's product)
    cases = [case("a").model_copy(update={"case_id": f"CB-a{i}"}) for i in range(3)]
    source = FakeSource({"a": cust("a")}, cases=cases)
    members = list(aud.iter_members("P", AudienceSpec(segment=Segment(product=["other"])), ALL, source))
    # Then its members come from one directory read
    assert {m.customer_id for m in members} == {"a"}
    assert source.reads == {"a": 1}


def test_region_filter_keeps_only_matching_owners():
    source = FakeSource({"a": cust("a", region="eu"), "b": cust("b", region="us")})
    members = list(aud.iter_members("P", spec(region=["us"]), ALL, source))
    assert [m.customer_id for m in members] == ["b"]


def test_sms_is_only_for_opted_in_contacts():
    source = FakeSource({"a": cust("a", phone="+441234567001"), "b": cust("b", phone="+441234567002", sms_opt_in=True)})
    phones = {r.customer_id: r.phone for m in aud.iter_members("P", spec(), ALL, source) for r in m.recipients}
    assert phones == {"a": None, "b": "+441234567002"}


def test_a_contact_with_no_channel_left_is_no_recipient_but_its_customer_is_a_member():
    source = FakeSource({"a": cust("a", email_opt_out=True)})
    sink = FakeSink()
    manifest, counts = aud.snapshot("N", "P", aud.iter_members("P", spec(), ALL, source), sink, batch_size=10)
    assert manifest.count == 0 and sink.members == ["a"]


def test_email_is_left_out_when_the_notice_does_not_use_the_channel():
    source = FakeSource({"a": cust("a", phone="+441234567001", sms_opt_in=True)})
    rec = [r for m in aud.iter_members("P", spec(), [NoticeChannel.SMS], source) for r in m.recipients]
    assert rec[0].email is None and rec[0].phone


def test_the_snapshot_is_written_in_batches_of_the_configured_size():
    source = FakeSource({f"c{i}": cust(f"c{i}") for i in range(7)}, page=3)
    sink = FakeSink()
    manifest, _ = aud.snapshot("N", "P", aud.iter_members("P", spec(), ALL, source), sink, batch_size=3)
    assert [len(b) for b in sink.batches.values()] == [3, 3, 1]
    assert manifest.count == 7 and manifest.batches == ["k0", "k1", "k2"]
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

    sink = FakeSink()
    # When it is snapshotted in batches of 5
    manifest, _ = aud.snapshot("N", "P", members(), sink, batch_size=5)
    # Then every full batch is of one kind, and the remainders share the last batches
    import json

    batches = [[json.loads(line) for line in lines] for lines in sink.batches.values()]
    kinds = [{(r["language"], "phone" in r) for r in b} for b in batches]
    full = [k for b, k in zip(batches, kinds, strict=True) if len(b) == 5 and len(k) == 1]
    assert len(full) == 2  # en without phone (8) and de without phone (7) fill one batch each
    assert sum(len(b) for b in batches) == manifest.count == 23
