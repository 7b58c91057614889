"""Knowledge articles through the API: lifecycle, versions, concurrency, what customers see."""

from __future__ import annotations

import json

import pytest

REVIEWER = {"X-Agent-Roles": "reviewer", "X-Agent-Id": "rita"}


def _article(**over):
    body = {
        "title": "Printer jams on page 2 after firmware update",
        "symptoms": "The printer jams on the second page of every job.",
        "environment": {"product": "printer-x", "model": "px-200", "version": "4.2"},
        "cause": "Firmware 4.2 feeds the second sheet too early.",
        "resolution": "Set the feed delay to 200 ms in the service menu.",
        "keywords": ["jam", "paper feed"],
        "visibility": "external",
    }
    body.update(over)
    return body


def _create(client, headers, **over):
    resp = client.http.post("/knowledge/articles", headers=headers, body=json.dumps(_article(**over)))
    assert resp.status_code == 201, resp.body
    return resp.json_body


def _post(client, headers, path, body=None, extra=None):
    return client.http.post(path, headers={**headers, **(extra or {})}, body=json.dumps(body or {}))


def _publish(client, headers, article_id, version):
    assert _post(client, headers, f"/knowledge/articles/{article_id}/submit", {"version": version}).status_code == 200
    resp = _post(client, headers, f"/knowledge/articles/{article_id}/publish", {"version": version}, REVIEWER)
    assert resp.status_code == 200, resp.body
    return resp.json_body


def test_a_new_article_is_a_draft_at_version_1_with_an_etag(client, agent_headers):
    article = _create(client, agent_headers)
    resp = client.http.get(f"/knowledge/articles/{article['article_id']}", headers=agent_headers)
    assert resp.status_code == 200
    assert resp.json_body["status"] == "draft"
    assert resp.json_body["latest_version"] == 1
    assert resp.json_body["published_version"] is None
    assert resp.headers["ETag"] == '"1"'


def test_review_and_publish_serves_the_article_to_customers(client, agent_headers):
    article = _create(client, agent_headers)
    published = _publish(client, agent_headers, article["article_id"], 1)
    assert published["status"] == "published"
    assert published["published_version"] == 1
    assert published["published_by"] == "rita"
    resp = client.http.get(f"/selfservice/articles/{article['article_id']}")
    assert resp.status_code == 200
    assert resp.json_body["resolution"].startswith("Set the feed delay")


def test_publishing_needs_the_reviewer_role(client, agent_headers):
    article = _create(client, agent_headers)
    _post(client, agent_headers, f"/knowledge/articles/{article['article_id']}/submit")
    resp = _post(client, agent_headers, f"/knowledge/articles/{article['article_id']}/publish")
    assert resp.status_code == 403
    assert resp.json_body["error"]["code"] == "forbidden"


def test_a_draft_cannot_be_published_without_review(client, agent_headers):
    article = _create(client, agent_headers)
    resp = _post(client, agent_headers, f"/knowledge/articles/{article['article_id']}/publish", extra=REVIEWER)
    assert resp.status_code == 409
    assert resp.json_body["error"]["code"] == "invalid_transition"
    assert "submit" in resp.json_body["error"]["message"]


def test_a_retired_article_accepts_no_transition_and_no_edit(client, agent_headers):
    article = _create(client, agent_headers)
    aid = article["article_id"]
    _publish(client, agent_headers, aid, 1)
    assert _post(client, agent_headers, f"/knowledge/articles/{aid}/retire", extra=REVIEWER).status_code == 200
    assert _post(client, agent_headers, f"/knowledge/articles/{aid}/submit").status_code == 409
    edit = client.http.patch(
        f"/knowledge/articles/{aid}", headers=agent_headers, body=json.dumps({"version": 1, "title": "New"})
    )
    assert edit.status_code == 409
    assert client.http.get(f"/selfservice/articles/{aid}").status_code == 404


def test_an_edit_makes_a_new_draft_version_while_customers_keep_the_published_one(client, agent_headers):
    article = _create(client, agent_headers)
    aid = article["article_id"]
    _publish(client, agent_headers, aid, 1)
    resp = client.http.patch(
        f"/knowledge/articles/{aid}",
        headers=agent_headers,
        body=json.dumps({"version": 1, "resolution": "Install firmware 4.3.", "note": "new firmware"}),
    )
    assert resp.status_code == 200, resp.body
    assert resp.json_body["status"] == "draft"
    assert resp.json_body["latest_version"] == 2
    assert resp.json_body["published_version"] == 1
    assert resp.headers["ETag"] == '"2"'
    customer = client.http.get(f"/selfservice/articles/{aid}").json_body
    assert customer["version"] == 1
    assert customer["resolution"].startswith("Set the feed delay")


def test_publishing_the_reviewed_draft_replaces_what_customers_see(client, agent_headers):
    aid = _create(client, agent_headers)["article_id"]
    _publish(client, agent_headers, aid, 1)
    client.http.patch(
        f"/knowledge/articles/{aid}",
        headers=agent_headers,
        body=json.dumps({"version": 1, "resolution": "Firmware 4.3."}),
    )
    _publish(client, agent_headers, aid, 2)
    assert client.http.get(f"/selfservice/articles/{aid}").json_body["resolution"] == "Firmware 4.3."


def test_two_edits_from_the_same_version_conflict(client, agent_headers):
    aid = _create(client, agent_headers)["article_id"]
    first = client.http.patch(
        f"/knowledge/articles/{aid}", headers=agent_headers, body=json.dumps({"version": 1, "title": "Alice's title"})
    )
    second = client.http.patch(
        f"/knowledge/articles/{aid}",
        headers={**agent_headers, "If-Match": '"1"'},
        body=json.dumps({"title": "Bob's title"}),
    )
    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json_body["error"]["code"] == "version_conflict"
    assert client.http.get(f"/knowledge/articles/{aid}", headers=agent_headers).json_body["title"] == "Alice's title"


def test_an_edit_without_a_version_is_refused_naming_the_field(client, agent_headers):
    aid = _create(client, agent_headers)["article_id"]
    resp = client.http.patch(f"/knowledge/articles/{aid}", headers=agent_headers, body=json.dumps({"title": "x"}))
    assert resp.status_code == 400
    assert resp.json_body["error"]["fields"][0]["field"] == "version"


def test_a_reviewer_cannot_publish_a_version_they_did_not_see(client, agent_headers):
    aid = _create(client, agent_headers)["article_id"]
    _post(client, agent_headers, f"/knowledge/articles/{aid}/submit")
    client.http.patch(
        f"/knowledge/articles/{aid}", headers=agent_headers, body=json.dumps({"version": 1, "cause": "changed"})
    )
    resp = _post(client, agent_headers, f"/knowledge/articles/{aid}/publish", {"version": 1}, REVIEWER)
    assert resp.status_code == 409


def test_versions_are_listed_newest_first_with_the_published_one_marked(client, agent_headers):
    aid = _create(client, agent_headers)["article_id"]
    _publish(client, agent_headers, aid, 1)
    client.http.patch(
        f"/knowledge/articles/{aid}", headers=agent_headers, body=json.dumps({"version": 1, "title": "v2"})
    )
    items = client.http.get(f"/knowledge/articles/{aid}/versions", headers=agent_headers).json_body["items"]
    assert [(v["version"], v["published"]) for v in items] == [(2, False), (1, True)]
    old = client.http.get(f"/knowledge/articles/{aid}?version=1", headers=agent_headers).json_body
    assert old["content"]["title"].startswith("Printer jams")


def test_internal_articles_never_reach_customers(client, agent_headers):
    aid = _create(client, agent_headers, visibility="internal")["article_id"]
    _publish(client, agent_headers, aid, 1)
    assert client.http.get(f"/selfservice/articles/{aid}").status_code == 404
    assert _post(client, {}, f"/selfservice/articles/{aid}/feedback", {"helpful": True}).status_code == 404


def test_a_draft_is_not_served_to_customers(client, agent_headers):
    aid = _create(client, agent_headers)["article_id"]
    assert client.http.get(f"/selfservice/articles/{aid}").status_code == 404


def test_customer_views_and_feedback_are_counted(client, agent_headers):
    aid = _create(client, agent_headers)["article_id"]
    _publish(client, agent_headers, aid, 1)
    client.http.get(f"/selfservice/articles/{aid}")
    client.http.get(f"/selfservice/articles/{aid}")
    assert _post(client, {}, f"/selfservice/articles/{aid}/feedback", {"helpful": True}).status_code == 201
    _post(client, {}, f"/selfservice/articles/{aid}/feedback", {"helpful": False, "comment": "did not work"})
    stats = client.http.get(f"/knowledge/articles/{aid}", headers=agent_headers).json_body["stats"]
    assert (stats["views"], stats["helpful_yes"], stats["helpful_no"]) == (2, 1, 1)


def test_feedback_without_the_helpful_answer_is_refused_naming_the_field(client, agent_headers):
    aid = _create(client, agent_headers)["article_id"]
    _publish(client, agent_headers, aid, 1)
    resp = _post(client, {}, f"/selfservice/articles/{aid}/feedback", {"comment": "meh"})
    assert resp.status_code == 400
    assert resp.json_body["error"]["fields"][0]["field"] == "helpful"


def test_an_article_that_helped_a_case_is_linked_both_ways(client, agent_headers):
    aid = _create(client, agent_headers)["article_id"]
    case = client.http.post(
        "/cases", headers=agent_headers, body=json.dumps({"subject": "Jam", "contact_email": "ann@example.org"})
    ).json_body
    resp = _post(client, agent_headers, f"/knowledge/articles/{aid}/helped", {"case_id": case["case_id"]})
    assert resp.status_code == 200
    assert resp.json_body["helped_cases"] == [case["case_id"]]
    _post(client, agent_headers, f"/knowledge/articles/{aid}/helped", {"case_id": case["case_id"]})
    timeline = client.http.get(f"/cases/{case['case_id']}", headers=agent_headers).json_body["timeline"]
    notes = [e for e in timeline if (e.get("data") or {}).get("knowledge")]
    assert len(notes) == 1 and notes[0]["visibility"] == "internal"


def test_listing_by_status(client, agent_headers):
    a = _create(client, agent_headers)["article_id"]
    b = _create(client, agent_headers)["article_id"]
    _publish(client, agent_headers, b, 1)
    page = client.http.get("/knowledge/articles?status=published", headers=agent_headers).json_body
    assert [i["article_id"] for i in page["items"]] == [b]
    assert a != b


@pytest.mark.parametrize("path", ["/knowledge/articles", "/knowledge/articles/KB-1001"])
def test_agent_routes_need_the_agent_token(client, path):
    assert client.http.get(path).status_code == 401
