"""Problem records through the agents' API (chalice.test.Client against moto; mails to a fake
mailer). The use cases behind the routes are tested on fakes in tests/unit/test_problem_service.py."""

from __future__ import annotations

import json

import pytest

from tests.fakes.mail import FakeMailer
from tests.fakes.problems import FakeEscalationStarter


def _case(client, headers, **over):
    body = {
        "subject": "Invoice charged twice",
        "description": "I was charged twice.",
        "contact_email": "ann@example.org",
        "channel": "email",
    }
    body.update(over)
    resp = client.http.post("/cases", headers=headers, body=json.dumps(body))
    assert resp.status_code == 201, resp.body
    return resp.json_body["case_id"]


def _problem(client, headers, **over):
    body = {"title": "Double charge on invoices", "description": "Billing run charged twice"}
    body.update(over)
    resp = client.http.post("/problems", headers=headers, body=json.dumps(body))
    assert resp.status_code == 201, resp.body
    return resp.json_body


def _patch(client, headers, pid, **body):
    return client.http.patch(f"/problems/{pid}", headers=headers, body=json.dumps(body))


def _get(client, headers, pid):
    resp = client.http.get(f"/problems/{pid}", headers=headers)
    assert resp.status_code == 200, resp.body
    return resp.json_body


@pytest.fixture
def escalations(container):
    """Records escalation starts instead of running the real workflow."""
    starter = FakeEscalationStarter()
    container.override(escalation=starter)
    return starter


@pytest.fixture
def departments(aws, container):
    return container.departments.seed()


@pytest.fixture
def mailer(container):
    """The mails the app sends (replies to the customers)."""
    fake = FakeMailer()
    container.override(mailer=fake)
    return fake


def _texts(mailer: FakeMailer) -> list[str]:
    return [m.get_body(preferencelist=("plain",)).get_content() for m in mailer.sent]


def test_problem_routes_refuse_requests_without_the_token(client):
    assert client.http.get("/problems").status_code == 401


def test_created_problem_starts_confirmed_with_a_timeline(client, agent_headers):
    problem = _problem(client, agent_headers)
    assert problem["problem_id"].startswith("PB-")
    view = _get(client, agent_headers, problem["problem_id"])
    assert view["status"] == "confirmed"
    assert [e["kind"] for e in view["timeline"]][0] == "created"
    assert view["timeline"][0]["actor"]["id"] == "dev-agent"


def test_problem_from_a_case_links_it_as_root_cause_and_marks_the_case(client, agent_headers):
    cid = _case(client, agent_headers)
    resp = client.http.post(f"/cases/{cid}/problem", headers=agent_headers, body=json.dumps({}))
    assert resp.status_code == 201, resp.body
    pid = resp.json_body["problem_id"]
    assert resp.json_body["title"] == "Invoice charged twice"
    view = _get(client, agent_headers, pid)
    assert [(link["case_id"], link["link_type"]) for link in view["links"]] == [(cid, "root_cause")]
    case = client.http.get(f"/cases/{cid}", headers=agent_headers).json_body
    assert case["problem_id"] == pid
    assert case["timeline"][-1]["changes"] == {"problem_id": {"from": None, "to": pid}}


def test_a_forbidden_transition_answers_409_naming_the_allowed_ones(client, agent_headers):
    pid = _problem(client, agent_headers, status="candidate")["problem_id"]
    resp = _patch(client, agent_headers, pid, status="resolved")
    assert resp.status_code == 409
    assert resp.json_body["error"]["code"] == "invalid_transition"
    assert "confirmed" in resp.json_body["error"]["message"]


def test_stale_version_answers_409_and_keeps_the_first_change(client, agent_headers):
    pid = _problem(client, agent_headers)["problem_id"]
    first = _patch(client, agent_headers, pid, version=1, owner="alice@example.org")
    assert first.status_code == 200
    assert first.headers["ETag"] == '"2"'
    second = _patch(client, agent_headers, pid, version=1, owner="bob@example.org")
    assert second.status_code == 409
    assert second.json_body["error"]["code"] == "version_conflict"
    assert _get(client, agent_headers, pid)["owner"] == "alice@example.org"


def test_if_match_header_is_an_optimistic_lock_too(client, agent_headers):
    pid = _problem(client, agent_headers)["problem_id"]
    resp = client.http.patch(
        f"/problems/{pid}", headers={**agent_headers, "If-Match": '"7"'}, body=json.dumps({"title": "x"})
    )
    assert resp.status_code == 409


def test_every_change_is_on_the_timeline_with_who_and_what(client, agent_headers):
    pid = _problem(client, agent_headers)["problem_id"]
    _patch(client, {**agent_headers, "X-Agent-Id": "carol"}, pid, workaround="Refund by hand", comment="for now")
    event = _get(client, agent_headers, pid)["timeline"][-1]
    assert event["kind"] == "fields_changed"
    assert event["actor"]["id"] == "carol"
    assert event["changes"] == {"workaround": {"from": None, "to": "Refund by hand"}}
    assert event["body"] == "for now"


def test_unknown_field_in_a_patch_is_a_400_naming_it(client, agent_headers):
    pid = _problem(client, agent_headers)["problem_id"]
    resp = _patch(client, agent_headers, pid, colour="red")
    assert resp.status_code == 400
    assert resp.json_body["error"]["fields"][0]["field"] == "colour"


def test_unknown_problem_is_404(client, agent_headers):
    assert client.http.get("/problems/PB-1", headers=agent_headers).status_code == 404


def test_list_filters_by_status(client, agent_headers):
    a = _problem(client, agent_headers)["problem_id"]
    b = _problem(client, agent_headers, status="candidate")["problem_id"]
    resp = client.http.get("/problems?status=candidate", headers=agent_headers)
    assert [p["problem_id"] for p in resp.json_body["items"]] == [b]
    everything = client.http.get("/problems", headers=agent_headers).json_body["items"]
    assert {p["problem_id"] for p in everything} == {a, b}


# -- links and merge -------------------------------------------------------------


def test_linking_cases_counts_them_and_reports_already_linked_ones(client, agent_headers):
    c1, c2 = _case(client, agent_headers), _case(client, agent_headers)
    pid = _problem(client, agent_headers, case_ids=[c1])["problem_id"]
    resp = client.http.post(
        f"/problems/{pid}/links", headers=agent_headers, body=json.dumps({"case_ids": [c1, c2], "link_type": "similar"})
    )
    assert resp.status_code == 200, resp.body
    assert resp.json_body["linked"] == [c2]
    assert resp.json_body["already_linked"] == [c1]
    assert resp.json_body["problem"]["case_count"] == 2
    links = {link["case_id"]: link["link_type"] for link in _get(client, agent_headers, pid)["links"]}
    assert links == {c1: "root_cause", c2: "similar"}


def test_a_case_belongs_to_at_most_one_problem(client, agent_headers):
    cid = _case(client, agent_headers)
    first = _problem(client, agent_headers, case_ids=[cid])["problem_id"]
    other = _problem(client, agent_headers)["problem_id"]
    resp = client.http.post(f"/problems/{other}/links", headers=agent_headers, body=json.dumps({"case_ids": [cid]}))
    assert resp.status_code == 409
    assert first in resp.json_body["error"]["message"]
    assert _get(client, agent_headers, other)["links"] == []


def test_linking_an_unknown_case_is_a_400_naming_case_ids(client, agent_headers):
    pid = _problem(client, agent_headers)["problem_id"]
    resp = client.http.post(f"/problems/{pid}/links", headers=agent_headers, body=json.dumps({"case_ids": ["CB-1"]}))
    assert resp.status_code == 400
    assert resp.json_body["error"]["fields"][0]["field"] == "case_ids"


def test_unlinking_frees_the_case_for_another_problem(client, agent_headers):
    cid = _case(client, agent_headers)
    pid = _problem(client, agent_headers, case_ids=[cid])["problem_id"]
    resp = client.http.delete(f"/problems/{pid}/links/{cid}", headers=agent_headers)
    assert resp.status_code == 200, resp.body
    assert resp.json_body["case_count"] == 0
    assert client.http.get(f"/cases/{cid}", headers=agent_headers).json_body["problem_id"] is None
    other = _problem(client, agent_headers, case_ids=[cid])["problem_id"]
    assert client.http.get(f"/cases/{cid}", headers=agent_headers).json_body["problem_id"] == other


def test_unlinking_a_case_that_is_not_linked_is_404(client, agent_headers):
    pid = _problem(client, agent_headers)["problem_id"]
    assert client.http.delete(f"/problems/{pid}/links/CB-1", headers=agent_headers).status_code == 404


def test_merge_moves_the_cases_and_closes_the_merged_problem_with_a_pointer(client, agent_headers):
    c1, c2, c3 = (_case(client, agent_headers) for _ in range(3))
    target = _problem(client, agent_headers, case_ids=[c1])["problem_id"]
    source = _problem(client, agent_headers, case_ids=[c2, c3])["problem_id"]
    resp = client.http.post(
        f"/problems/{target}/merge", headers=agent_headers, body=json.dumps({"source_problem_id": source})
    )
    assert resp.status_code == 200, resp.body
    assert sorted(resp.json_body["moved_cases"]) == sorted([c2, c3])
    merged = _get(client, agent_headers, source)
    assert (merged["status"], merged["merged_into"], merged["links"]) == ("closed", target, [])
    view = _get(client, agent_headers, target)
    assert {link["case_id"] for link in view["links"]} == {c1, c2, c3}
    assert view["case_count"] == 3
    assert client.http.get(f"/cases/{c2}", headers=agent_headers).json_body["problem_id"] == target


def test_merging_a_problem_into_itself_is_a_400(client, agent_headers):
    pid = _problem(client, agent_headers)["problem_id"]
    resp = client.http.post(
        f"/problems/{pid}/merge", headers=agent_headers, body=json.dumps({"source_problem_id": pid})
    )
    assert resp.status_code == 400


# -- resolve -------------------------------------------------------------------------


def test_resolve_tells_the_customers_and_resolves_the_cases(client, agent_headers, mailer):
    c1, c2 = _case(client, agent_headers), _case(client, agent_headers, contact_email="bea@example.org")
    pid = _problem(client, agent_headers, case_ids=[c1, c2])["problem_id"]
    resp = client.http.post(
        f"/problems/{pid}/resolve",
        headers=agent_headers,
        body=json.dumps({"fix_note": "We refunded the double charge."}),
    )
    assert resp.status_code == 200, resp.body
    assert sorted(resp.json_body["resolved_cases"]) == sorted([c1, c2])
    assert resp.json_body["problem"]["status"] == "resolved"
    assert resp.json_body["problem"]["permanent_fix"] == "We refunded the double charge."
    texts = _texts(mailer)
    assert len(texts) == 2
    assert all("We refunded the double charge." in text for text in texts)
    case = client.http.get(f"/cases/{c1}", headers=agent_headers).json_body
    assert case["status"] == "resolved"
    assert case["timeline"][-2]["kind"] == "message_out"


def test_resolve_without_a_fix_note_or_recorded_fix_is_a_400(client, agent_headers, mailer):
    pid = _problem(client, agent_headers, case_ids=[_case(client, agent_headers)])["problem_id"]
    resp = client.http.post(f"/problems/{pid}/resolve", headers=agent_headers, body=json.dumps({}))
    assert resp.status_code == 400
    assert resp.json_body["error"]["fields"][0]["field"] == "fix_note"
    assert mailer.sent == []


def test_recorded_fix_is_the_default_note(client, agent_headers, mailer):
    cid = _case(client, agent_headers)
    pid = _problem(client, agent_headers, case_ids=[cid])["problem_id"]
    fix = client.http.post(
        f"/problems/{pid}/fix",
        headers=agent_headers,
        body=json.dumps({"root_cause": "billing job ran twice", "permanent_fix": "Job is now idempotent."}),
    )
    assert fix.json_body["status"] == "fix_in_progress"
    resp = client.http.post(f"/problems/{pid}/resolve", headers=agent_headers, body=json.dumps({}))
    assert resp.json_body["resolved_cases"] == [cid]
    assert "Job is now idempotent." in _texts(mailer)[0]


# -- departments, routing, assignment -------------------------------------------------


def test_seeded_departments_are_listed(client, agent_headers, departments):
    items = client.http.get("/departments", headers=agent_headers).json_body["items"]
    assert {"finance", "manufacturing", "fulfillment", "documentation", "engineering"} <= {
        d["department_id"] for d in items
    }
    finance = next(d for d in items if d["department_id"] == "finance")
    assert finance["escalation_policy"] is None  # the deployment's default policy applies


def test_a_department_may_set_its_own_escalation_policy_and_remove_it(client, agent_headers):
    body = {
        "department_id": "legal",
        "name": "Legal",
        "contact_email": "legal@example.org",
        "manager_email": "gc@example.org",
        "escalation_policy": {"due_hours": {"urgent": 1, "high": 2, "normal": 3, "low": 4}},
    }
    created = client.http.post("/departments", headers=agent_headers, body=json.dumps(body)).json_body
    assert created["escalation_policy"]["due_hours"]["urgent"] == 1
    replace = {k: v for k, v in body.items() if k not in ("department_id", "escalation_policy")} | {"version": 1}
    resp = client.http.put("/departments/legal", headers=agent_headers, body=json.dumps(replace))
    assert resp.status_code == 200, resp.body
    assert resp.json_body["escalation_policy"] is None


def test_department_crud_with_version(client, agent_headers):
    body = {
        "department_id": "legal",
        "name": "Legal",
        "contact_email": "legal@example.org",
        "manager_email": "gc@example.org",
    }
    assert client.http.post("/departments", headers=agent_headers, body=json.dumps(body)).status_code == 201
    assert client.http.post("/departments", headers=agent_headers, body=json.dumps(body)).status_code == 409
    replace = {k: v for k, v in body.items() if k != "department_id"} | {"name": "Legal & Compliance", "version": 1}
    resp = client.http.put("/departments/legal", headers=agent_headers, body=json.dumps(replace))
    assert resp.status_code == 200, resp.body
    assert resp.json_body["version"] == 2
    assert client.http.put("/departments/legal", headers=agent_headers, body=json.dumps(replace)).status_code == 409
    assert client.http.delete("/departments/legal", headers=agent_headers).status_code == 204
    assert client.http.get("/departments/legal", headers=agent_headers).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"contact_email": "not-an-email"}, "contact_email"),
        ({"escalation_policy": {"due_hours": {"urgent": 4}}}, "escalation_policy"),
        ({"escalation_policy": {"due_hours": {"urgent": 0, "high": 1, "normal": 2, "low": 3}}}, "escalation_policy"),
        ({"department_id": "has space"}, "department_id"),
    ],
)
def test_department_validation_names_the_field(client, agent_headers, change, field):
    body = {
        "department_id": "legal",
        "name": "Legal",
        "contact_email": "legal@example.org",
        "manager_email": "gc@example.org",
    }
    resp = client.http.post("/departments", headers=agent_headers, body=json.dumps(body | change))
    assert resp.status_code == 400
    assert resp.json_body["error"]["fields"][0]["field"].startswith(field)


def test_replaced_routing_rules_are_used_in_their_order(client, agent_headers, departments):
    rules = {
        "rules": [
            {"rule_id": "late", "order": 20, "department_id": "finance", "keywords": ["manual"]},
            {
                "rule_id": "docs",
                "order": 5,
                "department_id": "documentation",
                "products": ["printer-x"],
                "keywords": ["manual"],
            },
        ]
    }
    resp = client.http.put("/routing-rules", headers=agent_headers, body=json.dumps(rules))
    assert resp.status_code == 200, resp.body
    assert [r["rule_id"] for r in resp.json_body["rules"]] == ["docs", "late"]
    pid = _problem(client, agent_headers, title="The manual is wrong about toner", product="printer-x")["problem_id"]
    suggestion = client.http.get(f"/problems/{pid}/department-suggestion", headers=agent_headers).json_body
    assert (suggestion["department_id"], suggestion["rule_id"]) == ("documentation", "docs")
    other = _problem(client, agent_headers, title="The manual is wrong", product="printer-z")["problem_id"]
    suggestion = client.http.get(f"/problems/{other}/department-suggestion", headers=agent_headers).json_body
    assert suggestion["rule_id"] == "late"


def test_routing_rules_naming_an_unknown_department_are_a_400(client, agent_headers, departments):
    rules = {"rules": [{"rule_id": "x", "department_id": "nowhere", "keywords": ["x"]}]}
    resp = client.http.put("/routing-rules", headers=agent_headers, body=json.dumps(rules))
    assert resp.status_code == 400
    assert resp.json_body["error"]["fields"][0]["field"] == "rules.0.department_id"


def test_a_department_a_routing_rule_sends_problems_to_is_a_409_to_delete(client, agent_headers, departments):
    resp = client.http.delete("/departments/finance", headers=agent_headers)
    assert resp.status_code == 409
    assert "billing" in resp.json_body["error"]["message"]
    assert client.http.get("/departments/finance", headers=agent_headers).status_code == 200


def test_routing_rules_start_as_the_defaults_and_are_replaced_on_the_version_seen(client, agent_headers, departments):
    assert client.http.get("/routing-rules", headers=agent_headers).json_body["version"] == 0
    rules = {"rules": [{"rule_id": "x", "department_id": "finance", "keywords": ["x"]}], "version": 3}
    assert client.http.put("/routing-rules", headers=agent_headers, body=json.dumps(rules)).status_code == 409
    resp = client.http.put(
        "/routing-rules", headers={**agent_headers, "If-Match": '"0"'}, body=json.dumps(rules | {"version": None})
    )
    assert resp.status_code == 200, resp.body
    assert resp.json_body["version"] == 1


def test_routing_rule_without_criteria_is_a_400(client, agent_headers):
    rules = {"rules": [{"rule_id": "x", "department_id": "finance"}]}
    assert client.http.put("/routing-rules", headers=agent_headers, body=json.dumps(rules)).status_code == 400


def test_assigning_a_department_starts_its_escalation_and_moves_to_root_cause_analysis(
    client, agent_headers, departments, escalations
):
    pid = _problem(client, agent_headers, status="candidate")["problem_id"]
    resp = client.http.post(
        f"/problems/{pid}/assignment",
        headers=agent_headers,
        body=json.dumps({"department_id": "finance", "owner": "fin-lead"}),
    )
    assert resp.status_code == 200, resp.body
    assert (resp.json_body["status"], resp.json_body["department_id"]) == ("root_cause_analysis", "finance")
    assert escalations.started == [(pid, "finance", "root_cause_analysis")]


def test_assigning_an_unknown_department_is_a_400_and_starts_nothing(client, agent_headers, escalations):
    pid = _problem(client, agent_headers)["problem_id"]
    resp = _patch(client, agent_headers, pid, department_id="nowhere")
    assert resp.status_code == 400
    assert escalations.started == []


def test_the_list_searches_title_and_description_and_sorts_by_linked_cases(client, agent_headers):
    c1, c2 = _case(client, agent_headers), _case(client, agent_headers)
    printer = _problem(client, agent_headers, title="PX-200 jams", description="after the firmware update")[
        "problem_id"
    ]
    billing = _problem(client, agent_headers, case_ids=[c1, c2])["problem_id"]
    found = client.http.get("/problems?q=FIRMWARE+px-200", headers=agent_headers).json_body
    assert [p["problem_id"] for p in found["items"]] == [printer]
    by_cases = client.http.get("/problems?sort=linked_cases&limit=1", headers=agent_headers).json_body
    assert [p["problem_id"] for p in by_cases["items"]] == [billing]
    rest = client.http.get(
        f"/problems?sort=linked_cases&limit=1&cursor={by_cases['next_cursor']}", headers=agent_headers
    )
    assert [p["problem_id"] for p in rest.json_body["items"]] == [printer] and rest.json_body["next_cursor"] is None
    assert client.http.get("/problems?sort=size", headers=agent_headers).status_code == 400
    assert client.http.get("/problems?sort=created&cursor=nonsense", headers=agent_headers).status_code == 400
