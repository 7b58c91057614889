"""Macros and saved views through the API (chalice.test.Client against moto): records, who sees
and changes what, the preview on a real case. The use cases are tested on fakes in
tests/unit/test_case_macros.py and tests/unit/test_case_saved_views.py."""

from __future__ import annotations

import json
from typing import Any

from functions.cases.models import Actor, ActorType, Channel


def _as(headers: dict[str, str], agent_id: str, admin: bool = False) -> dict[str, str]:
    return headers | {"X-Agent-Id": agent_id} | ({"X-Agent-Roles": "admin"} if admin else {})


def _post(client: Any, path: str, headers: dict[str, str], body: dict[str, Any]) -> Any:
    return client.http.post(path, headers=headers, body=json.dumps(body))


def test_a_macro_previews_on_a_case_in_its_language_and_stays_private(client, agent_headers, container):
    alice, bob = _as(agent_headers, "alice"), _as(agent_headers, "bob")
    # a German customer's mail (the API's POST /cases takes no language: the mail intake sets it)
    case_id = container.cases.open_case(
        subject="Drucker",
        channel=Channel.EMAIL,
        actor=Actor(type=ActorType.CUSTOMER),
        contact_email="anna@nordwerk.example",
        contact_name="Anna Schmidt",
        language="de",
    ).case_id
    body = {"title": "Thanks", "body": "Hi {{customer.name}} ({{case.id}})",
            "translations": {"de": {"body": "Hallo {{customer.name}} ({{case.id}}), {{agent.name}}"}},
            "actions": {"status": "pending_customer", "add_tags": ["answered"]}}  # fmt: skip
    created = _post(client, "/macros", alice, body)
    assert created.status_code == 201 and created.headers["ETag"] == '"1"'
    macro_id = created.json_body["macro_id"]
    preview = _post(client, f"/cases/{case_id}/macros/{macro_id}/preview", alice, {})
    assert preview.status_code == 200, preview.body
    assert preview.json_body["body"] == f"Hallo Anna Schmidt ({case_id}), {{{{agent.name}}}}"
    assert preview.json_body["missing"] == ["agent.name"] and preview.json_body["language"] == "de"
    assert preview.json_body["actions"]["status"] == "pending_customer"
    # Bob sees neither the macro nor that it exists
    assert client.http.get(f"/macros/{macro_id}", headers=bob).status_code == 404
    assert client.http.get("/macros", headers=bob).json_body["items"] == []
    # A shared macro needs an admin
    assert _post(client, "/macros", bob, body | {"visibility": "shared"}).status_code == 403
    assert (
        _post(client, "/macros", _as(agent_headers, "bob", admin=True), body | {"visibility": "shared"}).status_code
        == 201
    )
    assert len(client.http.get("/macros", headers=alice).json_body["items"]) == 2


def test_a_macro_is_replaced_with_its_version_and_deleted(client, agent_headers):
    alice = _as(agent_headers, "alice")
    macro_id = _post(client, "/macros", alice, {"title": "A", "body": "b"}).json_body["macro_id"]
    put = client.http.put(
        f"/macros/{macro_id}", headers=alice | {"If-Match": '"1"'}, body=json.dumps({"title": "B", "body": "c"})
    )
    assert put.status_code == 200 and put.json_body["version"] == 2
    stale = client.http.put(
        f"/macros/{macro_id}", headers=alice, body=json.dumps({"title": "C", "body": "d", "version": 1})
    )
    assert stale.status_code == 409 and stale.json_body["error"]["code"] == "version_conflict"
    assert client.http.delete(f"/macros/{macro_id}", headers=alice | {"If-Match": '"2"'}).status_code == 204
    assert client.http.get(f"/macros/{macro_id}", headers=alice).status_code == 404
    bad = _post(client, "/macros", alice, {"title": "", "body": "x", "visibility": "team"})
    assert bad.status_code == 400 and {f["field"] for f in bad.json_body["error"]["fields"]} == {"title", "visibility"}


def test_saved_views_are_checked_against_the_case_list_and_shared_by_admins(client, agent_headers):
    alice, admin = _as(agent_headers, "alice"), _as(agent_headers, "lea", admin=True)
    bad = _post(client, "/views", alice, {"name": "Mine", "query": "status=lost&colour=red"})
    assert bad.status_code == 400
    assert {f["field"] for f in bad.json_body["error"]["fields"]} == {"query.status", "query.colour"}
    mine = _post(client, "/views", alice, {"name": "Mine", "query": "?status=new&priority=urgent", "order": 2})
    assert mine.status_code == 201 and mine.json_body["query"] == "status=new&priority=urgent"
    assert _post(client, "/views", alice, {"name": "All", "query": "", "visibility": "shared"}).status_code == 403
    shared = _post(
        client, "/views", admin, {"name": "All open", "query": "status=open", "visibility": "shared", "order": 1}
    )
    assert shared.status_code == 201
    listed = client.http.get("/views", headers=alice).json_body["items"]
    assert [v["name"] for v in listed] == ["All open", "Mine"]
    view_id = shared.json_body["view_id"]
    body = json.dumps({"name": "Taken", "query": "", "visibility": "shared"})
    assert client.http.put(f"/views/{view_id}", headers=alice, body=body).status_code == 403
    assert client.http.put(f"/views/{view_id}", headers=admin | {"If-Match": '"1"'}, body=body).status_code == 200
    assert client.http.delete(f"/views/{view_id}", headers=alice).status_code == 403
    assert client.http.delete(f"/views/{view_id}", headers=admin).status_code == 204
