"""Saved views of the queue (functions/cases/saved_views): the query checked against the case
list's parameters, who sees and changes which view; on the in-memory fakes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from functions.cases.saved_views import rules
from functions.cases.saved_views.models import SavedViewIn
from functions.cases.saved_views.service import ViewService
from functions.core.errors import Forbidden, InvalidInput, NotFound, VersionConflict
from tests.fakes.records import InMemoryRecords

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ALICE, BOB = "alice@desk.example", "bob@desk.example"


@pytest.fixture
def views() -> ViewService:
    return ViewService(InMemoryRecords("saved_view", "view_id"), lambda: T0)


def _in(**over) -> SavedViewIn:
    return SavedViewIn.model_validate({"name": "Urgent", "query": "status=new&priority=urgent"} | over)


@pytest.mark.parametrize("query", ["", "?status=open", "assignee=sam&channel=chat&limit=100", "customer_id=CU-1"])
def test_a_query_the_case_list_takes_is_kept_without_its_question_mark(query):
    assert rules.check_query(query) == query.removeprefix("?")


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("status=lost", ["query.status"]),
        ("colour=red&priority=high", ["query.colour"]),
        ("cursor=abc", ["query.cursor"]),
        ("limit=5000&status=nope", ["query.limit", "query.status"]),
        ("status", ["query"]),  # not a query string
    ],
)
def test_a_query_the_case_list_does_not_take_is_refused_naming_each_parameter(query, fields):
    with pytest.raises(InvalidInput) as err:
        rules.check_query(query)
    assert sorted(f["field"] for f in err.value.fields) == fields


def test_agents_see_their_own_and_the_shared_views_in_order(views):
    mine = views.create(_in(name="Mine", order=2), ALICE, False)
    shared = views.create(_in(name="Everyone", order=1, visibility="shared"), BOB, True)
    theirs = views.create(_in(name="Theirs"), BOB, False)
    assert [v.view_id for v in views.list(ALICE)] == [shared.view_id, mine.view_id]
    assert [v.view_id for v in views.list(BOB)] == [theirs.view_id, shared.view_id]
    with pytest.raises(NotFound):
        views.replace(theirs.view_id, _in(), ALICE, False, None)


def test_only_admins_create_or_change_shared_views(views):
    with pytest.raises(Forbidden):
        views.create(_in(visibility="shared"), ALICE, False)
    shared = views.create(_in(visibility="shared"), BOB, True)
    with pytest.raises(Forbidden):
        views.replace(shared.view_id, _in(name="Mine"), ALICE, False, None)
    with pytest.raises(Forbidden):
        views.delete(shared.view_id, ALICE, False, None)
    mine = views.create(_in(), ALICE, False)
    with pytest.raises(Forbidden):
        views.replace(mine.view_id, _in(visibility="shared"), ALICE, False, None)
    changed = views.replace(shared.view_id, _in(name="Renamed", visibility="shared"), ALICE, True, 1)
    assert (changed.name, changed.owner, changed.version) == ("Renamed", BOB, 2)


def test_a_replacement_is_checked_and_versioned(views):
    view = views.create(_in(), ALICE, False)
    with pytest.raises(InvalidInput):
        views.replace(view.view_id, _in(query="sort=mood"), ALICE, False, None)
    second = views.replace(view.view_id, _in(query="?status=open", order=3), ALICE, False, None)
    assert (second.query, second.order, second.version) == ("status=open", 3, 2)
    with pytest.raises(VersionConflict):
        views.replace(view.view_id, _in(version=1), ALICE, False, None)
    with pytest.raises(VersionConflict):
        views.delete(view.view_id, ALICE, False, 1)
    views.delete(view.view_id, ALICE, False, 2)
    assert views.list(ALICE) == []
