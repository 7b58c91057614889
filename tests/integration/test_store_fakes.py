"""The in-memory fakes (tests/fakes) and the DynamoDB stores (on moto) pass the same tests: what a
use-case test learns on a fake holds for the real store.

Each test runs twice: ``fake`` and ``dynamodb``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.cases.models import (
    Actor,
    ActorType,
    Case,
    CaseQuery,
    CaseStatus,
    Channel,
    EventKind,
    TimelineEvent,
    new_event_id,
)
from functions.core.errors import Conflict, Duplicate, InvalidInput, NotFound, VersionConflict
from functions.core.timeutil import iso
from functions.customers.models import CustomerIn
from functions.knowledge.models import Article, ArticleContent, ArticleQuery, ArticleVersion
from tests.fakes.cases import FakeCaseStore
from tests.fakes.customers import FakeCustomerStore
from tests.fakes.knowledge import FakeArticleStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["fake", "dynamodb"])
def kind(request) -> str:
    if request.param == "dynamodb":
        request.getfixturevalue("aws")
    return request.param


# ---------------------------------------------------------------------------------------- cases
@pytest.fixture
def cases(kind):
    if kind == "fake":
        return FakeCaseStore()
    from functions.cases.store import CaseStore

    return CaseStore()


def a_case(number: int, *, at: datetime = T0, **over: Any) -> Case:
    data: dict[str, Any] = {
        "case_id": f"CB-{number}",
        "subject": f"Case {number}",
        "channel": Channel.EMAIL,
        "created_at": at,
        "updated_at": at,
    }
    data.update(over)
    return Case.model_validate(data)


def an_event(case_id: str, at: datetime, seq: int = 0) -> TimelineEvent:
    return TimelineEvent(
        event_id=new_event_id(iso(at), seq),
        case_id=case_id,
        at=at,
        kind=EventKind.NOTE,
        actor=Actor(type=ActorType.AGENT, id="alice"),
        body=f"note at {at.isoformat()}",
    )


def test_case_numbers_increase_from_the_start(cases):
    assert [cases.next_number() for _ in range(3)] == [100001, 100002, 100003]


def test_a_new_case_is_written_with_its_events_and_pointers(cases):
    case = a_case(1)
    cases.create(case, [an_event("CB-1", T0)], ["<m1@x>", "<m2@x>"])

    assert cases.get("CB-1") == case
    assert cases.find_by_pointers(["<zz@x>", "<m2@x>"]) == "CB-1"
    with pytest.raises(NotFound):
        cases.get("CB-2")


def test_a_known_pointer_makes_a_create_a_duplicate_that_writes_nothing(cases):
    cases.create(a_case(1), [], ["<m1@x>"])

    with pytest.raises(Duplicate, match="CB-1"):
        cases.create(a_case(2), [an_event("CB-2", T0)], ["<new@x>", "<m1@x>"])

    with pytest.raises(NotFound):
        cases.get("CB-2")
    assert cases.find_by_pointers(["<new@x>"]) is None


def test_a_case_id_written_twice_is_a_duplicate(cases):
    cases.create(a_case(1), [], [])

    with pytest.raises(Duplicate):
        cases.create(a_case(1, subject="again"), [], [])

    assert cases.get("CB-1").subject == "Case 1"


def test_a_save_from_a_stale_version_conflicts_naming_the_current_one(cases):
    cases.create(a_case(1), [], [])
    cases.save(a_case(1, version=2, subject="v2"), 1, [])

    with pytest.raises(VersionConflict) as conflict:
        cases.save(a_case(1, version=2, subject="stale"), 1, [an_event("CB-1", T0)])

    assert (conflict.value.expected, conflict.value.current) == (1, 2)
    assert cases.get("CB-1").subject == "v2"
    assert cases.timeline("CB-1")[0] == []
    with pytest.raises(VersionConflict) as missing:
        cases.save(a_case(9, version=2), 1, [])
    assert missing.value.current is None


def test_a_save_with_a_known_pointer_is_a_duplicate_that_writes_nothing(cases):
    cases.create(a_case(1), [], ["<m1@x>"])

    with pytest.raises(Duplicate):
        cases.save(a_case(1, version=2, subject="v2"), 1, [an_event("CB-1", T0)], ["<m1@x>"])

    assert (cases.get("CB-1").version, cases.timeline("CB-1")[0]) == (1, [])


def test_added_pointers_leave_known_ones_alone(cases):
    cases.create(a_case(1), [], ["<m1@x>"])
    cases.create(a_case(2), [], [])

    cases.add_pointers("CB-2", ["<m1@x>", "<m2@x>"])

    assert cases.find_by_pointers(["<m1@x>"]) == "CB-1"
    assert cases.find_by_pointers(["<m2@x>"]) == "CB-2"


def test_a_timeline_is_read_oldest_first_a_page_at_a_time(cases):
    events = [an_event("CB-1", T0 + timedelta(minutes=m)) for m in range(5)]
    cases.create(a_case(1), events[:1], [])
    for n, event in enumerate(events[1:], start=1):
        cases.save(a_case(1, version=n + 1), n, [event])
    seen, cursor = [], None
    while True:
        page, cursor = cases.timeline("CB-1", limit=2, cursor=cursor)
        seen += [e.event_id for e in page]
        if not cursor:
            break

    assert seen == [e.event_id for e in events]
    assert cases.event("CB-1", events[2].event_id) == events[2]
    with pytest.raises(NotFound):
        cases.event("CB-1", "nope")
    with pytest.raises(InvalidInput):
        cases.timeline("CB-1", cursor="%%%")


def test_cases_are_queried_newest_activity_first_with_filters_and_pages(cases):
    for n in range(1, 8):
        at = T0 + timedelta(minutes=n)
        product = "printer-x" if n % 2 else "router-y"
        cases.create(a_case(n, at=at, product=product, customer_id="acme" if n < 4 else "globex"), [], [])
    seen, cursor = [], None
    while True:
        page = cases.query(CaseQuery(product="printer-x", limit=2, cursor=cursor))
        seen += [c.case_id for c in page.items]
        if not (cursor := page.next_cursor):
            break

    assert seen == ["CB-7", "CB-5", "CB-3", "CB-1"]
    assert [c.case_id for c in cases.query(CaseQuery(customer_id="acme")).items] == ["CB-3", "CB-2", "CB-1"]
    since = T0 + timedelta(minutes=6)
    assert [c.case_id for c in cases.query(CaseQuery(updated_since=since)).items] == ["CB-7", "CB-6"]


def test_updated_since_without_an_offset_is_utc_and_includes_its_instant(cases):
    # a link or saved view may carry a date or a time without offset (the agents' app keeps them
    # as given): read as UTC, not compared naive with the cases' times (that was a TypeError, 500)
    for n in range(1, 4):
        cases.create(a_case(n, at=T0 + timedelta(days=n - 1)), [], [])
    by_date = CaseQuery.model_validate({"updated_since": "2026-03-03"})
    at_second = CaseQuery.model_validate({"updated_since": "2026-03-03T09:00:00"})
    just_after = CaseQuery.model_validate({"updated_since": "2026-03-03T10:00:00.000001+01:00"})
    assert by_date.updated_since == datetime(2026, 3, 3, tzinfo=UTC)
    assert [c.case_id for c in cases.query(by_date).items] == ["CB-3", "CB-2"]
    assert [c.case_id for c in cases.query(at_second).items] == ["CB-3", "CB-2"]
    assert [c.case_id for c in cases.query(just_after).items] == ["CB-3"]


def test_cases_are_queried_by_status_and_by_assignee(cases):
    cases.create(a_case(1, status=CaseStatus.OPEN, assignee="bob"), [], [])
    cases.create(a_case(2, status=CaseStatus.OPEN, updated_at=T0 + timedelta(minutes=1)), [], [])
    cases.create(a_case(3, status=CaseStatus.RESOLVED, assignee="bob"), [], [])

    assert [c.case_id for c in cases.query(CaseQuery(status=CaseStatus.OPEN)).items] == ["CB-2", "CB-1"]
    assert sorted(c.case_id for c in cases.query(CaseQuery(assignee="bob")).items) == ["CB-1", "CB-3"]
    assert [c.case_id for c in cases.query(CaseQuery(assignee="bob", status=CaseStatus.OPEN)).items] == ["CB-1"]


def test_resolved_cases_are_found_by_the_age_of_their_resolution(cases):
    old, recent = T0, T0 + timedelta(days=6)
    cases.create(a_case(1, status=CaseStatus.RESOLVED, resolved_at=old, updated_at=old), [], [])
    cases.create(a_case(2, status=CaseStatus.RESOLVED, resolved_at=recent, updated_at=recent), [], [])
    cases.create(a_case(3, status=CaseStatus.OPEN, updated_at=old), [], [])

    assert [c.case_id for c in cases.resolved_before(T0 + timedelta(days=3))] == ["CB-1"]


# ---------------------------------------------------------------------------------------- customers
@pytest.fixture
def customers(kind):
    if kind == "fake":
        return FakeCustomerStore()
    from functions.customers.store import CustomerStore

    return CustomerStore()


def a_customer(cid: str, *contacts: dict[str, Any], **over: Any) -> CustomerIn:
    data: dict[str, Any] = {
        "customer_id": cid,
        "name": cid.title(),
        "tier": "premium",
        "email_domains": [f"{cid}.example"],
        "contacts": list(contacts),
        "install_base": [{"product": "px-200", "model": "px-200a", "batch": "L1"}],
    }
    data.update(over)
    return CustomerIn.model_validate(data)


def test_a_customer_comes_back_as_written_and_a_replace_counts_the_version(customers):
    written = customers.upsert(
        a_customer("acme", {"email": "zed@acme.example"}, {"email": "ann@acme.example", "phone": "+4930123456"})
    )
    assert (written, written.version) == (customers.get("acme"), 1)
    assert [c.contact_id for c in written.contacts] == sorted(c.contact_id or "" for c in written.contacts)
    assert customers.contact_by_email("ANN@acme.example").phone == "+4930123456"

    again = customers.upsert(a_customer("acme", {"email": "ann@acme.example"}, name="Acme Ltd"))

    assert (again.version, again.created_at, again.name) == (2, written.created_at, "Acme Ltd")
    assert customers.contact_by_email("zed@acme.example") is None  # no longer listed
    assert customers.contact_by_phone("+4930123456") is None
    assert customers.contact_by_email("ann@acme.example").customer_id == "acme"


def test_an_address_resolves_to_its_contacts_own_language(customers):
    customers.upsert(a_customer("acme", {"email": "ann@acme.example", "language": "fr"}, {"email": "zed@acme.example"}))

    assert customers.contact_by_email("ann@acme.example").language == "fr"
    assert customers.contact_by_email("zed@acme.example").language is None  # the customer's says nothing of them


def test_an_address_of_another_customer_is_a_conflict_that_leaves_nothing(customers):
    customers.upsert(a_customer("acme", {"email": "ops@acme.example"}))

    with pytest.raises(Conflict):
        customers.upsert(a_customer("globex", {"email": "kim@globex.example"}, {"email": "OPS@acme.example"}))

    assert customers.contact_by_email("kim@globex.example") is None
    assert customers.customer_by_domain("globex.example") is None
    assert customers.contact_by_email("ops@acme.example").customer_id == "acme"
    with pytest.raises(Conflict):
        customers.upsert(a_customer("globex", email_domains=["acme.example"]))


def test_opt_outs_stand_and_unknown_contacts_are_said_so(customers):
    customers.upsert(a_customer("lumen", {"email": "ines@lumen.example", "sms_opt_in": True}))
    ref = customers.contact_by_email("ines@lumen.example")

    assert customers.set_contact_channels("lumen", ref.contact_id, email_opt_out=True, sms_opt_in=False)
    assert not customers.set_contact_channels("lumen", "ct_nobody", email_opt_out=True)
    customers.upsert(a_customer("lumen", {"email": "ines@lumen.example", "sms_opt_in": True}))

    contact = customers.get("lumen").contacts[0]
    assert (contact.email_opt_out, contact.sms_opt_in) == (True, False)


def test_owners_are_read_by_product_model_and_batch_in_the_index_order(customers):
    customers.upsert(a_customer("beta", install_base=[{"product": "px-200", "model": "px-200a", "batch": "L2"}]))
    customers.upsert(a_customer("acme", region="eu-central"))
    customers.upsert(a_customer("corp", install_base=[{"product": "px-200", "model": "px-100", "quantity": 3}]))

    assert [o["customer_id"] for o in customers.owners_of("px-200")] == ["corp", "acme", "beta"]
    assert [o["customer_id"] for o in customers.owners_of("px-200", "px-200a", "L2")] == ["beta"]
    assert customers.owners_of("px-200", "px-200a", "L1") == [
        {
            "customer_id": "acme",
            "region": "eu-central",
            "tier": "premium",
            "product": "px-200",
            "model": "px-200a",
            "batch": "L1",
            "quantity": 1,
        }
    ]
    assert [len(page) for page in customers.owner_pages("px-200", page_size=2)][:2] == [2, 1]


def test_a_customer_search_lists_those_holding_every_word_in_id_order_a_page_at_a_time(customers):
    customers.upsert(a_customer("c4", name="Nordwerk Logistik GmbH", region="eu-central"))
    customers.upsert(a_customer("c2", name="Kiefer Bau", email_domains=["nordwerk-bau.de"]))
    customers.upsert(a_customer("c1", name="NORDWERK Energie", region="us-east"))
    customers.upsert(a_customer("c3", name="Acme Corp"))
    customers.upsert(a_customer("c5", name="Genève Horlogerie SA"))

    def search(text: str, limit: int = 50) -> list[str]:
        seen, cursor = [], None
        while True:
            page = customers.list_customers(limit=limit, cursor=cursor, text=text)
            assert len(page.items) <= limit
            seen += [c.customer_id for c in page.items]
            if not (cursor := page.next_cursor):
                return seen

    assert search("nordwerk") == ["c1", "c2", "c4"]  # name any case, or a mail domain
    assert search("nordwerk", limit=1) == ["c1", "c2", "c4"]
    assert search("Nordwerk EU-central") == ["c4"]  # every word, in name or region
    assert search("c3") == ["c3"]  # the id
    assert search("nordwerk acme") == []
    assert search("geneve") == search("GENÈVE") == ["c5"]  # any accents
    assert customers.list_customers(text="energie").items[0].install_base[0].product == "px-200"  # whole customers


def test_the_table_s_search_reads_a_bounded_number_of_customers_a_page_and_goes_on_from_there(aws, monkeypatch):
    from functions.customers import store as module

    monkeypatch.setattr(module, "SEARCH_READ_BUDGET", 3)
    monkeypatch.setattr(module, "SEARCH_PAGE", 2)
    customers = module.CustomerStore()
    for cid in ("c1", "c2", "c3", "c4", "c5"):
        customers.upsert(a_customer(cid, name="Kiefer Bau" if cid == "c5" else "Acme"))

    first = customers.list_customers(limit=10, text="kiefer")
    second = customers.list_customers(limit=10, cursor=first.next_cursor, text="kiefer")

    assert (first.items, first.next_cursor is not None) == ([], True)  # three read, none matched
    assert ([c.customer_id for c in second.items], second.next_cursor) == (["c5"], None)


def test_customers_are_listed_by_id_a_page_at_a_time_and_deleted_with_their_addresses(customers):
    for cid in ("c3", "c1", "c2"):
        customers.upsert(a_customer(cid, {"email": f"x@{cid}.example"}))
    seen, cursor = [], None
    while True:
        page = customers.list_customers(limit=2, cursor=cursor)
        seen += [c.customer_id for c in page.items]
        if not (cursor := page.next_cursor):
            break

    customers.delete("c2")

    assert seen == ["c1", "c2", "c3"]
    assert [c.customer_id for c in customers.list_customers().items] == ["c1", "c3"]
    assert customers.contact_by_email("x@c2.example") is None and customers.customer_by_domain("c2.example") is None
    with pytest.raises(NotFound):
        customers.delete("c2")


# ---------------------------------------------------------------------------------------- articles
@pytest.fixture
def articles(kind):
    if kind == "fake":
        return FakeArticleStore()
    from functions.knowledge.store import ArticleStore

    return ArticleStore()


def an_article(number: int, *, version: int = 1, status: str = "draft", at: datetime = T0) -> Article:
    content = ArticleContent(title=f"Article {number} v{version}")
    return Article.model_validate(
        {
            "article_id": f"KB-{number}",
            "status": status,
            "latest_version": version,
            "title": content.title,
            "visibility": content.visibility,
            "created_at": T0,
            "updated_at": at,
            "created_by": "amy",
            "updated_by": "amy",
            "served": content,
        }
    )


def a_version(number: int, version: int) -> ArticleVersion:
    return ArticleVersion(
        article_id=f"KB-{number}",
        version=version,
        content=ArticleContent(title=f"Article {number} v{version}"),
        created_at=T0,
        created_by="amy",
    )


def test_article_numbers_increase_from_the_start(articles):
    assert [articles.next_number() for _ in range(2)] == [1001, 1002]


def test_versions_are_kept_newest_first_and_saves_check_version_and_status(articles):
    first = an_article(1)
    articles.create(first, a_version(1, 1))
    second = an_article(1, version=2)
    articles.save(second, first, a_version(1, 2))

    with pytest.raises(VersionConflict):
        articles.save(an_article(1, version=3), first, a_version(1, 3))
    with pytest.raises(VersionConflict):
        articles.save(an_article(1, version=2, status="retired"), an_article(1, version=2, status="in_review"))

    assert [v.version for v in articles.versions("KB-1")] == [2, 1]
    assert articles.get("KB-1") == second
    with pytest.raises(NotFound):
        articles.version("KB-1", 3)


def test_articles_are_listed_newest_change_first_by_status(articles):
    for n, status in ((1, "draft"), (2, "published"), (3, "draft")):
        articles.create(an_article(n, status=status, at=T0 + timedelta(minutes=n)), a_version(n, 1))

    page = articles.list_articles(ArticleQuery(limit=1))
    rest = articles.list_articles(ArticleQuery(limit=5, cursor=page.next_cursor))

    assert [a.article_id for a in page.items + rest.items] == ["KB-3", "KB-2", "KB-1"]
    assert [a.article_id for a in articles.list_articles(ArticleQuery(status="draft")).items] == ["KB-3", "KB-1"]


def test_a_case_is_linked_once_and_counters_add_up(articles):
    articles.create(an_article(1), a_version(1, 1))

    assert articles.link_case("KB-1", "helped", "CB-1", T0) is True
    assert articles.link_case("KB-1", "helped", "CB-1", T0) is False
    with pytest.raises(NotFound):
        articles.link_case("KB-9", "helped", "CB-1", T0)
    articles.count("KB-1", views=1)
    stats = articles.count("KB-1", views=1, helpful_yes=1)

    assert articles.get("KB-1").helped_cases == ["CB-1"]
    assert (stats.views, stats.helpful_yes, stats.helpful_no) == (2, 1, 0)
    assert articles.stats("KB-1") == stats
