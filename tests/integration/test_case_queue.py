# ruff: noqa: F811 - pytest fixtures imported from tests.fakes.fixtures are parameters here
"""The queue's views (GET /cases): the fake and the DynamoDB store (on moto) select and order the same
cases; the API parses the parameters and searches text through the embedded engine."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.cases.models import Case, CaseQuery, CaseStatus, Channel, Priority, QueueSort, SlaFilter
from functions.sla.models import CaseSla, Metric
from tests.fakes.cases import FakeCaseStore
from tests.fakes.fixtures import embedded_search, reindex  # noqa: F401 - fixtures used by name

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)


@pytest.fixture(params=["fake", "dynamodb"])
def cases(request):
    if request.param == "fake":
        return FakeCaseStore()
    request.getfixturevalue("aws")
    from functions.cases.store import CaseStore

    return CaseStore()


def a_case(number: int, minute: int = 0, **over: Any) -> Case:
    at = T0 + timedelta(minutes=minute or number)
    data: dict[str, Any] = {
        "case_id": f"CB-{number}",
        "subject": f"Case {number}",
        "channel": Channel.EMAIL,
        "created_at": at,
        "updated_at": at,
    }
    data.update(over)
    return Case.model_validate(data)


def a_clock(due: datetime, *, warn: int = 30, breached: bool = False, paused: bool = False) -> CaseSla:
    return CaseSla(
        policy_id="default",
        calendar_id="office",
        priority="normal",
        started_at=T0,
        first_response_due=due,
        warn_before_minutes=warn,
        breached=[Metric.FIRST_RESPONSE] if breached else [],
        paused_since=T0 if paused else None,
        next_check=None if paused else due,
    )


def ids(page) -> list[str]:
    return [c.case_id for c in page.items]


def every_page(cases, q: CaseQuery) -> list[str]:
    seen, cursor = [], None
    while True:
        page = cases.query(q.model_copy(update={"cursor": cursor}), NOW)
        seen += ids(page)
        if not (cursor := page.next_cursor):
            return seen


def test_several_statuses_are_one_view_newest_activity_first_each_case_once(cases):
    statuses = [CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING_CUSTOMER, CaseStatus.RESOLVED]
    for n in range(1, 13):
        cases.create(a_case(n, status=statuses[n % 4]), [], [])
    q = CaseQuery(status=[CaseStatus.NEW, CaseStatus.OPEN], limit=2)

    assert every_page(cases, q) == ["CB-12", "CB-9", "CB-8", "CB-5", "CB-4", "CB-1"]
    assert every_page(cases, q.model_copy(update={"sort": QueueSort.OLDEST_UPDATE})) == [
        "CB-1", "CB-4", "CB-5", "CB-8", "CB-9", "CB-12"
    ]  # fmt: skip
    assert cases.query(q, NOW).total_estimate is None  # more than a page, by the index: not counted
    assert cases.query(q.model_copy(update={"limit": 10}), NOW).total_estimate == 6


def test_unassigned_tagged_and_grouped_cases(cases):
    cases.create(a_case(1, assignee="bob", tags=["vip", "billing"]), [], [])
    cases.create(a_case(2, tags=["vip", "billing"], group_id="tier2"), [], [])
    cases.create(a_case(3, tags=["vip"]), [], [])
    cases.create(a_case(4, tags=["billing"], group_id="tier2", status=CaseStatus.OPEN), [], [])

    assert ids(cases.query(CaseQuery(assignee="none"), NOW)) == ["CB-4", "CB-3", "CB-2"]
    assert ids(cases.query(CaseQuery(tag=["vip", "billing"]), NOW)) == ["CB-2", "CB-1"]
    assert ids(cases.query(CaseQuery(group_id="tier2", status=[CaseStatus.NEW]), NOW)) == ["CB-2"]
    assert ids(cases.query(CaseQuery(assignee="bob", tag=["billing"]), NOW)) == ["CB-1"]


def test_views_sorted_by_created_priority_and_due_page_by_their_own_order(cases):
    cases.create(a_case(1, priority=Priority.LOW, sla=a_clock(T0 + timedelta(hours=5))), [], [])
    cases.create(a_case(2, priority=Priority.URGENT, sla=a_clock(T0 + timedelta(hours=2))), [], [])
    cases.create(a_case(3, priority=Priority.URGENT), [], [])
    cases.create(a_case(4, priority=Priority.HIGH, sla=a_clock(T0 + timedelta(hours=3))), [], [])
    # updated long after it was created: the newest activity, the oldest case
    cases.create(a_case(5, updated_at=T0 + timedelta(minutes=50), created_at=T0), [], [])

    def view(sort: QueueSort) -> list[str]:
        return every_page(cases, CaseQuery(sort=sort, limit=2))

    assert view(QueueSort.UPDATED) == ["CB-5", "CB-4", "CB-3", "CB-2", "CB-1"]
    assert view(QueueSort.CREATED) == ["CB-4", "CB-3", "CB-2", "CB-1", "CB-5"]
    assert view(QueueSort.PRIORITY) == ["CB-3", "CB-2", "CB-4", "CB-5", "CB-1"]
    assert view(QueueSort.DUE) == ["CB-2", "CB-4", "CB-1", "CB-3", "CB-5"]  # no clock: last, by number
    assert cases.query(CaseQuery(sort=QueueSort.PRIORITY, limit=2), NOW).total_estimate == 5


def test_sla_filters_follow_the_clock_at_the_time_of_the_query(cases):
    cases.create(a_case(1, sla=a_clock(NOW + timedelta(hours=2))), [], [])  # ok
    cases.create(a_case(2, sla=a_clock(NOW + timedelta(minutes=10))), [], [])  # at risk
    cases.create(a_case(3, sla=a_clock(NOW - timedelta(minutes=1))), [], [])  # due passed, not checked yet
    cases.create(a_case(4, sla=a_clock(NOW - timedelta(hours=1), breached=True, paused=True)), [], [])
    cases.create(a_case(5, sla=a_clock(NOW + timedelta(minutes=5), paused=True)), [], [])  # paused
    cases.create(a_case(6), [], [])  # no clock

    assert ids(cases.query(CaseQuery(sla=SlaFilter.BREACHED), NOW)) == ["CB-4", "CB-3"]
    assert ids(cases.query(CaseQuery(sla=SlaFilter.BREACHING_SOON), NOW)) == ["CB-2"]
    later = NOW + timedelta(hours=1, minutes=45)
    assert ids(cases.query(CaseQuery(sla=SlaFilter.BREACHING_SOON), later)) == ["CB-1"]


def test_a_page_that_reads_its_budget_answers_short_with_a_cursor_that_loses_nothing(aws):
    from functions.cases.store import CaseStore

    store = CaseStore()
    store.MAX_PAGES, store.PAGE_ITEMS = 2, 5
    for n in range(1, 31):
        store.create(a_case(n, product="printer-x" if n in (3, 17, 29) else "router-y"), [], [])
    seen, cursor, short = [], None, 0
    while True:
        page = store.query(CaseQuery(product="printer-x", limit=2, cursor=cursor), NOW)
        short += len(page.items) < 2 and page.next_cursor is not None
        seen += ids(page)
        if not (cursor := page.next_cursor):
            break
    assert seen == ["CB-29", "CB-17", "CB-3"]
    assert short  # at least one page came back short, with a cursor


def _mixed(cases, n: int = 40) -> None:
    """``n`` cases over four statuses and priorities; every third has a running SLA clock, every
    fifth is tagged vip, every seventh belongs to group tier2."""
    statuses = [CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING_CUSTOMER, CaseStatus.RESOLVED]
    priorities = list(Priority)
    for k in range(1, n + 1):
        cases.create(
            a_case(
                k,
                status=statuses[k % 4],
                priority=priorities[(k // 4) % 4],
                sla=a_clock(T0 + timedelta(minutes=(k * 37) % 300)) if k % 3 == 0 else None,
                tags=["vip"] if k % 5 == 0 else [],
                group_id="tier2" if k % 7 == 0 else None,
            ),
            [],
            [],
        )


@pytest.mark.parametrize("sort", [QueueSort.PRIORITY, QueueSort.DUE])
@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"status": [CaseStatus.NEW, CaseStatus.OPEN]},
        {"status": [CaseStatus.OPEN], "tag": ["vip"]},
        {"assignee": "none", "group_id": "tier2"},
        {"status": [CaseStatus.NEW, CaseStatus.PENDING_CUSTOMER], "priority": Priority.URGENT},
    ],
)
def test_sorted_views_page_through_their_index_in_the_order_of_the_whole_view(aws, sort, filters):
    """sort=priority / sort=due read GSI6 / GSI7 page by page: every page continues the order of the
    whole view (the fake sorts the whole view in memory), each case once, the filters combined."""
    from functions.cases.store import CaseStore

    store, fake = CaseStore(), FakeCaseStore()
    _mixed(store)
    _mixed(fake)
    q = CaseQuery(sort=sort, limit=3, **filters)
    expected = every_page(fake, q.model_copy(update={"limit": 100}))
    assert expected  # the view is not empty
    assert every_page(store, q) == expected
    first = store.query(q, NOW)
    assert first.items and len(first.items) <= 3
    if first.next_cursor:  # a cursor from the sorted index is the sort key: the in-memory path's too
        assert store.query(q.model_copy(update={"cursor": first.next_cursor}), NOW).items


def test_a_sorted_view_follows_a_change_of_priority_or_status_at_once(aws):
    from functions.cases.store import CaseStore

    store = CaseStore()
    for k in range(1, 6):
        store.create(a_case(k, status=CaseStatus.OPEN), [], [])
    q = CaseQuery(sort=QueueSort.PRIORITY, status=[CaseStatus.OPEN], limit=2)
    assert every_page(store, q) == ["CB-5", "CB-4", "CB-3", "CB-2", "CB-1"]

    one = store.get("CB-1")
    store.save(one.model_copy(update={"priority": Priority.URGENT, "version": one.version + 1}), one.version, [])
    three = store.get("CB-3")
    store.save(
        three.model_copy(update={"status": CaseStatus.RESOLVED, "version": three.version + 1}), three.version, []
    )

    assert every_page(store, q) == ["CB-1", "CB-5", "CB-4", "CB-2"]
    assert store.status_counts(["open", "resolved"]) == {"open": 4, "resolved": 1}


def test_a_large_sorted_view_gives_an_estimate_of_its_size(aws):
    from functions.cases.store import CaseStore

    store = CaseStore()
    _mixed(store, 60)
    whole = CaseQuery(sort=QueueSort.DUE, limit=5)
    assert store.query(whole, NOW).total_estimate == 60  # the status counts
    opened = CaseQuery(sort=QueueSort.PRIORITY, status=[CaseStatus.NEW, CaseStatus.OPEN], limit=5)
    assert store.query(opened, NOW).total_estimate == 30
    narrowed = store.query(opened.model_copy(update={"tag": ["vip"]}), NOW)  # 6 of the 30 match
    assert narrowed.total_estimate is not None and 5 <= narrowed.total_estimate <= 30
    # a view that ends on its first page is counted exactly; later pages are not counted again
    assert store.query(opened.model_copy(update={"limit": 50}), NOW).total_estimate == 30
    second = store.query(opened.model_copy(update={"cursor": store.query(opened, NOW).next_cursor}), NOW)
    assert second.total_estimate is None


def test_cases_of_an_earlier_release_join_the_sorted_views_after_the_backfill(aws):
    """Cases written before GSI6 / GSI7 (no keys there, no status counts) are missing from the sorted
    views until ``casebridge cases backfill-queue`` gives them their keys and counts the statuses."""
    from click.testing import CliRunner

    from functions.cases.store import CaseStore, case_item
    from functions.cli import main
    from functions.core import dynamo

    store = CaseStore()
    for k in range(1, 6):
        item = case_item(a_case(k, priority=Priority.URGENT if k == 2 else Priority.NORMAL))
        for key in ("GSI6PK", "GSI6SK", "GSI7PK", "GSI7SK"):
            item.pop(key)
        dynamo.table().put_item(Item=item)
    q = CaseQuery(sort=QueueSort.PRIORITY, limit=2)
    assert every_page(store, q) == []

    result = CliRunner().invoke(main, ["cases", "backfill-queue", "--aws"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1]) == {"cases": 5, "rewritten": 5, "counts": {"new": 5}}
    assert every_page(store, q) == ["CB-2", "CB-5", "CB-4", "CB-3", "CB-1"]
    assert store.query(q, NOW).total_estimate == 5
    assert store.backfill_queue_indexes()["rewritten"] == 0  # a second run has nothing to do


# ---------------------------------------------------------------------------------------- the API
def _create(client, headers, **body: Any) -> str:
    payload = {"subject": "Printer jams", "contact_email": "ann@example.org", **body}
    resp = client.http.post("/cases", headers=headers, body=json.dumps(payload))
    assert resp.status_code == 201, resp.body
    return resp.json_body["case_id"]


def _patch(client, headers, case_id: str, **body: Any) -> None:
    resp = client.http.patch(f"/cases/{case_id}", headers=headers, body=json.dumps(body))
    assert resp.status_code == 200, resp.body


def test_the_api_takes_lists_me_none_and_sort(client, agent_headers):
    mine = _create(client, agent_headers, priority="low")
    other = _create(client, agent_headers, priority="urgent")
    loose = _create(client, agent_headers)
    _patch(client, agent_headers, mine, assignee="dev-agent", tags=["vip", "billing"])
    _patch(client, agent_headers, other, assignee="bob", tags=["vip"])
    _patch(client, agent_headers, loose, status="resolved")

    def get(url: str) -> list[str]:
        resp = client.http.get(url, headers=agent_headers)
        assert resp.status_code == 200, resp.body
        return [c["case_id"] for c in resp.json_body["items"]]

    assert get("/cases?assignee=me") == [mine]  # the shared development token's agent is dev-agent
    assert get("/cases?assignee=none") == [loose]
    assert get("/cases?status=new,open") == [other, mine]
    assert get("/cases?status=new&status=open&status=resolved&sort=priority") == [other, loose, mine]
    assert get("/cases?tag=vip&tag=billing") == [mine]
    first = client.http.get("/cases?status=new,open&limit=1&sort=created", headers=agent_headers).json_body
    assert first["total_estimate"] == 2 and first["next_cursor"]


def test_updated_within_is_a_span_before_the_time_of_each_query(client, agent_headers):
    from functions.composition import container

    now = [datetime(2026, 12, 1, 9, 0, tzinfo=UTC)]
    container().cases.clock = lambda: now[0]
    old = _create(client, agent_headers, subject="From last week")
    now[0] += timedelta(days=6)
    recent = _create(client, agent_headers, subject="From yesterday")
    now[0] += timedelta(days=1)

    def get(query: str) -> list[str]:
        resp = client.http.get(f"/cases?{query}", headers=agent_headers)
        assert resp.status_code == 200, resp.body
        return [c["case_id"] for c in resp.json_body["items"]]

    assert get("updated_within=P7D") == [recent, old]  # the first case is exactly 7 days old: inclusive
    assert get("updated_within=PT24H") == [recent]
    # the same query a day later: the span has moved on, the first case left it
    now[0] += timedelta(hours=1)
    assert get("updated_within=P7D") == [recent]
    # with updated_since too, the later of the two bounds
    assert get("updated_within=P30D&updated_since=2026-12-07T08:00:00Z") == [recent]
    assert get("updated_within=PT1H&updated_since=2026-11-01") == []


@pytest.mark.parametrize("span", ["P0D", "-P1D", "P400D", "week", "P1M", "PT30S", "P1DT"])
def test_an_updated_within_that_is_no_span_of_up_to_a_year_is_400_naming_it(client, agent_headers, span):
    resp = client.http.get(f"/cases?updated_within={span}", headers=agent_headers)
    assert resp.status_code == 400, resp.body
    assert any(f["field"] == "updated_within" for f in resp.json_body["error"]["fields"]), resp.json_body


@pytest.mark.parametrize(
    "query", ["sort=oldest", "status=new,nope", "sla=late", "assignee=a&assignee=b", "tag=a%20b", "cursor=zz"]
)
def test_bad_queue_parameters_are_400_naming_them(client, agent_headers, query):
    resp = client.http.get(f"/cases?{query}", headers=agent_headers)
    assert resp.status_code == 400, resp.body
    assert resp.json_body["error"]["code"] in ("invalid_input", "validation_error")


def test_text_search_finds_message_bodies_contact_and_number_and_reads_the_case_fresh(
    client, agent_headers, embedded_search, reindex
):
    from functions import composition
    from functions.cases.models import Actor, ActorType, Message

    jam = _create(client, agent_headers, subject="Printer jams", contact_email="zelda@example.org")
    other = _create(client, agent_headers, subject="Invoice twice", contact_email="ann@example.org")
    service = composition.container().cases
    message = Message(channel=Channel.EMAIL, direction="in", body_text="the fuser smells of burnt toast")
    service.add_inbound(other, message, Actor(type=ActorType.CUSTOMER))
    reindex(embedded_search)

    def search(query: str) -> list[str]:
        resp = client.http.get(f"/cases?{query}", headers=agent_headers)
        assert resp.status_code == 200, resp.body
        return [c["case_id"] for c in resp.json_body["items"]]

    assert search("q=burnt+toast") == [other]
    assert search("q=zelda") == [jam]
    assert search(f"q={jam}") == [jam]
    # the index has not seen this change yet: the case is read again and left out
    _patch(client, agent_headers, jam, status="resolved")
    assert search("q=zelda&status=new,open") == []
