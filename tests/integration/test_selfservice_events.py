"""Deflection events: validated, bounded, recorded (never silently dropped)."""
# ruff: noqa: F811 - pytest fixtures imported from tests.fakes.fixtures are parameters here

from __future__ import annotations

import json

from tests.fakes.fixtures import embedded_search, reindex  # noqa: F401 - fixtures used by name

SESSION = "sess_0123456789"


def _post(client, body, raw=None):
    return client.http.post(
        "/selfservice/events",
        headers={"Content-Type": "application/json"},
        body=raw if raw is not None else json.dumps(body),
    )


def _recorded(session=SESSION):
    from functions.selfservice.store import EventStore

    return EventStore().session(session)


def test_a_batch_of_events_is_recorded(client):
    events = [
        {"session_id": SESSION, "type": "searched", "query": "printer jams"},
        {"session_id": SESSION, "type": "clicked", "result_kind": "article", "result_id": "KB-1001", "position": 0},
        {"session_id": SESSION, "type": "solved_it", "result_kind": "article", "result_id": "KB-1001"},
    ]
    resp = _post(client, {"events": events})
    assert resp.status_code == 202
    assert resp.json_body == {"accepted": 3}
    assert sorted(e["event"] for e in _recorded()) == ["clicked", "searched", "solved_it"]


def test_a_single_event_object_is_accepted(client):
    resp = _post(client, {"session_id": SESSION, "type": "opened_case", "case_id": "CB-100001"})
    assert resp.status_code == 202
    assert _recorded()[0]["case_id"] == "CB-100001"


def test_an_unknown_event_type_is_refused_naming_the_field(client):
    resp = _post(client, {"events": [{"session_id": SESSION, "type": "liked"}]})
    assert resp.status_code == 400
    assert resp.json_body["error"]["fields"][0]["field"] == "events.0.type"
    assert _recorded() == []


def test_a_click_without_its_result_is_refused_naming_the_fields(client):
    resp = _post(
        client,
        {
            "events": [
                {"session_id": SESSION, "type": "searched", "query": "x"},
                {"session_id": SESSION, "type": "clicked"},
            ]
        },
    )
    assert resp.status_code == 400
    fields = [f["field"] for f in resp.json_body["error"]["fields"]]
    assert fields == ["events.1.result_kind", "events.1.result_id"]
    assert _recorded() == []  # all or nothing: the client resends the corrected batch


def test_a_bad_session_id_is_refused(client):
    resp = _post(client, {"session_id": "x", "type": "solved_it"})
    assert resp.status_code == 400
    assert resp.json_body["error"]["fields"][0]["field"] == "session_id"


def test_too_many_events_are_refused(client):
    events = [{"session_id": SESSION, "type": "solved_it"}] * 26
    resp = _post(client, {"events": events})
    assert resp.status_code == 400
    assert resp.json_body["error"]["fields"][0]["field"] == "events"


def test_a_body_over_the_size_bound_is_413(client):
    resp = _post(client, None, raw=json.dumps({"events": [], "pad": "x" * 20_000}))
    assert resp.status_code == 413


def test_personal_data_typed_into_a_query_is_not_stored(client):
    _post(client, {"session_id": SESSION, "type": "searched", "query": "refund to jane.doe@example.org"})
    assert _recorded()[0]["query"] == "refund to [email]"


def test_search_with_a_session_records_what_was_searched(client, embedded_search):
    assert client.http.get(f"/selfservice/search?q=printer&session={SESSION}").status_code == 200
    assert [e["event"] for e in _recorded()] == ["searched"]


def test_events_are_listed_by_day_for_analytics(client):
    from functions.core.timeutil import utcnow
    from functions.selfservice.store import EventStore

    _post(client, {"session_id": SESSION, "type": "solved_it"})
    day = utcnow().strftime("%Y-%m-%d")
    assert [e["session_id"] for e in EventStore().day(day)] == [SESSION]
