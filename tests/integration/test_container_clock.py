"""One clock for every service the container makes: a deployment's (and a test's) time is the
container's ``clock``, and a clock read twice at one instant still keeps a case's timeline in the
order it was written."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from functions.cases.models import new_event_id

STOPPED = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def test_event_ids_of_one_instant_sort_in_the_order_they_were_made():
    at = "2026-03-04T05:06:07.000000+00:00"
    # a later write's first event (seq 0) after an earlier write's second (seq 1)
    made = [new_event_id(at, 0), new_event_id(at, 1), new_event_id(at, 0), new_event_id(at, 2)]
    assert sorted(made) == made
    assert len(set(made)) == 4


def test_cases_and_bulk_actions_tell_time_by_the_containers_clock(client, agent_headers):
    from functions import composition

    c = composition.container()
    assert "cases" not in vars(c)  # a fresh container (the aws fixture's): its services are made below
    c.clock = lambda: STOPPED  # a stopped clock: every write below happens at one instant

    resp = client.http.post(
        "/cases",
        headers=agent_headers,
        body=json.dumps({"subject": "Printer jams", "contact_email": "ann@example.org", "description": "It jams."}),
    )
    assert resp.status_code == 201, resp.body
    case_id = resp.json_body["case_id"]
    for body in ({"priority": "high"}, {"tags": ["vip"]}):
        patched = client.http.patch(f"/cases/{case_id}", headers=agent_headers, body=json.dumps(body))
        assert patched.status_code == 200, patched.body

    case = c.cases.get(case_id)
    assert case.created_at == STOPPED and case.updated_at == STOPPED
    timeline = c.cases.view(case_id).timeline
    assert {e.at for e in timeline} == {STOPPED}
    changed = [e.changes for e in timeline if e.kind == "fields_changed" and e.changes]
    # written in this order at one instant, read back in it (before: ordered by a random suffix)
    assert [sorted(ch) for ch in changed[-2:]] == [["priority"], ["tags"]]
    assert c.bulk_actions.clock() == STOPPED and c.case_merging.clock() == STOPPED
    assert c.problems.lifecycle.clock() == STOPPED and c.triage.clock() == STOPPED
