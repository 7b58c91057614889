"""Drafting an article from a case (scrubbed, duplicates found), and the permanent fix."""
# ruff: noqa: F811 - pytest fixtures imported from tests.fakes.fixtures are parameters here

from __future__ import annotations

import json

from tests.fakes.fixtures import embedded_search, reindex  # noqa: F401 - fixtures used by name

REVIEWER = {"X-Agent-Roles": "reviewer", "X-Agent-Id": "rita"}


def _case(client, headers, **over):
    body = {
        "subject": "Anna Schmidt: printer jams on page 2",
        "description": (
            "Hello, this is Anna Schmidt from Nordwerk. Our printer jams on the second page since the update. "
            "Order 4471-2210, call me on +49 30 1234567-01 or write to anna.schmidt@nordwerk.example. "
            "Deliveries go to Hauptstraße 5, 10115 Berlin."
        ),
        "contact_email": "anna.schmidt@nordwerk.example",
        "product": "printer-x",
    }
    body.update(over)
    resp = client.http.post("/cases", headers=headers, body=json.dumps(body))
    assert resp.status_code == 201, resp.body
    return resp.json_body


def _note(client, headers, case_id, text):
    assert (
        client.http.post(f"/cases/{case_id}/notes", headers=headers, body=json.dumps({"body": text})).status_code == 201
    )


def _draft(client, headers, case_id, body=None):
    resp = client.http.post(f"/cases/{case_id}/knowledge", headers=headers, body=json.dumps(body or {}))
    assert resp.status_code == 201, resp.body
    return resp.json_body


def test_a_draft_from_a_case_carries_no_personal_data_in_any_field(client, agent_headers, embedded_search):
    case = _case(client, agent_headers)
    _note(
        client,
        {**agent_headers, "X-Agent-Id": "bob.keller@casebridge.example"},
        case["case_id"],
        "Cause: firmware 4.2 feeds too early. Bob Keller checked with Anna by phone.\n"
        "Workaround: set feed delay to 200 ms.",
    )
    draft = _draft(client, agent_headers, case["case_id"])
    text = json.dumps(draft["article"]["content"])
    for leaked in (
        "Anna",
        "Schmidt",
        "anna.schmidt",
        "nordwerk",
        "Nordwerk",
        "4471-2210",
        "1234567",
        "Hauptstraße",
        "10115",
        "Bob",
        "Keller",
    ):
        assert leaked not in text, leaked
    assert draft["removed"]["email"] >= 1
    assert draft["article"]["content"]["cause"].startswith("firmware 4.2 feeds too early")
    assert draft["article"]["content"]["workaround"] == "set feed delay to 200 ms."


def test_a_draft_from_a_case_is_an_internal_draft_linked_to_the_case(client, agent_headers, embedded_search):
    case = _case(client, agent_headers)
    draft = _draft(client, agent_headers, case["case_id"])
    article = draft["article"]
    assert (article["status"], article["visibility"]) == ("draft", "internal")
    assert article["source_cases"] == [case["case_id"]]
    assert article["content"]["environment"]["product"] == "printer-x"
    timeline = client.http.get(f"/cases/{case['case_id']}", headers=agent_headers).json_body["timeline"]
    linked = [
        e for e in timeline if (e.get("data") or {}).get("knowledge", {}).get("article_id") == article["article_id"]
    ]
    assert linked and linked[0]["visibility"] == "internal"


def test_drafting_returns_likely_duplicates_with_scores(client, agent_headers, embedded_search, reindex):
    existing = client.http.post(
        "/knowledge/articles",
        headers=agent_headers,
        body=json.dumps({"title": "Printer jams on the second page", "symptoms": "Paper jams on page 2 after update."}),
    ).json_body
    other = client.http.post(
        "/knowledge/articles",
        headers=agent_headers,
        body=json.dumps({"title": "Router drops WiFi", "symptoms": "Wireless disconnects hourly."}),
    ).json_body
    reindex(embedded_search)
    draft = _draft(client, agent_headers, _case(client, agent_headers)["case_id"])
    ids = [d["article_id"] for d in draft["duplicates"]]
    assert draft["duplicates_checked"] is True
    assert ids[0] == existing["article_id"]
    assert other["article_id"] not in ids
    assert draft["duplicates"][0]["score"] > 0
    assert draft["duplicates"][0]["matched_terms"]


def test_the_last_agent_reply_becomes_the_resolution(client, agent_headers, embedded_search, container):
    from functions.cases.models import Message

    class Channel:
        def send_reply(self, case, body, agent, thread):
            return Message(channel="email", direction="out", body_text=body, message_id="<r1@x>")

    container.override(reply_channels={c: Channel() for c in ("email", "phone", "web")})
    case = _case(client, agent_headers, channel="phone")
    reply = "Hi Anna,\n\nplease install firmware 4.3.\n\nKind regards,\nBob Keller\nSupport"
    resp = client.http.post(
        f"/cases/{case['case_id']}/replies", headers=agent_headers, body=json.dumps({"body": reply})
    )
    assert resp.status_code == 201, resp.body
    content = _draft(client, agent_headers, case["case_id"])["article"]["content"]
    assert "please install firmware 4.3." in content["resolution"]
    assert "Anna" not in content["resolution"] and "Bob" not in content["resolution"]


def test_drafting_from_an_unknown_case_is_404(client, agent_headers, embedded_search):
    resp = client.http.post("/cases/CB-999999/knowledge", headers=agent_headers, body="{}")
    assert resp.status_code == 404


def _published(client, headers, **over):
    body = {"title": "Sensor drifts", "symptoms": "Readings drift.", "resolution": "Recalibrate weekly.", **over}
    aid = client.http.post("/knowledge/articles", headers=headers, body=json.dumps(body)).json_body["article_id"]
    client.http.post(f"/knowledge/articles/{aid}/submit", headers=headers, body="{}")
    client.http.post(f"/knowledge/articles/{aid}/publish", headers={**headers, **REVIEWER}, body="{}")
    return aid


def test_the_permanent_fix_republishes_with_the_workaround_marked_superseded(client, agent_headers):
    aid = _published(client, agent_headers, workaround="Power-cycle the sensor.")
    resp = client.http.post(
        f"/knowledge/articles/{aid}/permanent-fix",
        headers={**agent_headers, **REVIEWER},
        body=json.dumps(
            {
                "root_cause": "Thermal drift in batch 2023-q4.",
                "fix": "Firmware 2.1 compensates.",
                "problem_id": "PRB-7",
                "version": 1,
            }
        ),
    )
    assert resp.status_code == 200, resp.body
    view = resp.json_body
    assert (view["status"], view["latest_version"], view["published_version"]) == ("published", 2, 2)
    assert view["content"]["resolution"] == "Firmware 2.1 compensates."
    assert view["content"]["workaround"] == "Power-cycle the sensor."
    assert view["content"]["workaround_superseded"] is True
    assert view["problem_ids"] == ["PRB-7"]


def test_the_permanent_fix_from_a_non_reviewer_waits_in_review(client, agent_headers):
    aid = _published(client, agent_headers)
    resp = client.http.post(
        f"/knowledge/articles/{aid}/permanent-fix",
        headers=agent_headers,
        body=json.dumps({"root_cause": "Thermal drift.", "fix": "Firmware 2.1."}),
    )
    assert resp.json_body["status"] == "in_review"
    assert resp.json_body["published_version"] == 1
    customer = client.http.get(f"/selfservice/articles/{aid}")
    assert customer.status_code == 404  # internal by default


def test_the_permanent_fix_keeps_the_old_resolution_as_superseded_workaround(client, agent_headers):
    aid = _published(client, agent_headers)
    view = client.http.post(
        f"/knowledge/articles/{aid}/permanent-fix",
        headers={**agent_headers, **REVIEWER},
        body=json.dumps({"root_cause": "Thermal drift.", "fix": "Firmware 2.1."}),
    ).json_body
    assert view["content"]["workaround"] == "Recalibrate weekly."
    assert view["content"]["workaround_superseded"] is True


def test_the_permanent_fix_without_root_cause_is_refused_naming_the_field(client, agent_headers):
    aid = _published(client, agent_headers)
    resp = client.http.post(
        f"/knowledge/articles/{aid}/permanent-fix", headers=agent_headers, body=json.dumps({"fix": "x"})
    )
    assert resp.status_code == 400
    assert resp.json_body["error"]["fields"][0]["field"] == "root_cause"
