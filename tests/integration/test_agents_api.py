"""The agents' API on moto: the directory of seeded agents (locally) or the Cognito user pool,
availability, groups and assignment rules."""

from __future__ import annotations

import json

import pytest

AGENTS = [
    {"id": "ann@casebridge.local", "name": "Ann", "token": "ann-token", "roles": ["admins"]},
    {"id": "bob@casebridge.local", "name": "Bob", "token": "bob-token", "roles": []},
]
ANN = {"Authorization": "Bearer ann-token", "Content-Type": "application/json"}
BOB = {"Authorization": "Bearer bob-token", "Content-Type": "application/json"}


@pytest.fixture(autouse=True)
def _seeded_agents(monkeypatch):
    monkeypatch.setenv("CASEBRIDGE_DEV_AGENTS", json.dumps(AGENTS))
    from functions.core.settings import reset_settings

    reset_settings()
    yield
    reset_settings()


def test_the_directory_lists_the_seeded_agents_with_availability_and_open_cases(client):
    opened = client.http.post("/cases", headers=ANN, body=json.dumps({"subject": "Printer jams"})).json_body
    client.http.patch(f"/cases/{opened['case_id']}", headers=ANN, body=json.dumps({"assignee": "bob@casebridge.local"}))
    assert (
        client.http.patch("/agents/bob@casebridge.local", headers=BOB, body='{"available": false}').status_code == 200
    )
    agents = {a["agent_id"]: a for a in client.http.get("/agents", headers=BOB).json_body["items"]}
    assert agents["bob@casebridge.local"]["open_cases"] == 1 and agents["bob@casebridge.local"]["available"] is False
    assert agents["ann@casebridge.local"]["roles"] == ["admins"] and agents["ann@casebridge.local"]["name"] == "Ann"
    me = client.http.get("/me", headers=BOB).json_body
    assert me["agent_id"] == "bob@casebridge.local" and me["last_seen_at"]


def test_an_agent_may_not_switch_someone_elses_availability_but_an_admin_may(client):
    resp = client.http.patch("/agents/ann@casebridge.local", headers=BOB, body='{"available": false}')
    assert resp.status_code == 403 and resp.json_body["error"]["code"] == "forbidden"
    resp = client.http.patch("/agents/bob%40casebridge.local", headers=ANN, body='{"available": false}')
    assert resp.status_code == 200 and resp.json_body["available"] is False  # "@" percent-encoded or not
    bad = client.http.patch("/agents/bob@casebridge.local", headers=ANN, body='{"available": "maybe"}')
    assert bad.status_code == 400 and bad.json_body["error"]["fields"][0]["field"] == "available"


def test_admins_keep_groups_and_rules_and_every_agent_reads_them(client):
    group = {"group_id": "front", "name": "Front desk", "members": ["ann@casebridge.local", "bob@casebridge.local"]}
    assert client.http.post("/groups", headers=BOB, body=json.dumps(group)).status_code == 403
    created = client.http.post("/groups", headers=ANN, body=json.dumps(group))
    assert created.status_code == 201 and created.headers["ETag"] == '"1"'
    unknown = client.http.post("/groups", headers=ANN, body=json.dumps({**group, "group_id": "x", "members": ["zed"]}))
    assert unknown.status_code == 400 and unknown.json_body["error"]["fields"][0]["field"] == "members.0"
    rules = {"rules": [{"rule_id": "billing", "match": {"keywords": ["invoice"]}, "group_id": "front"}]}
    put = client.http.put("/assignment-rules", headers=ANN, body=json.dumps(rules))
    assert put.status_code == 200 and put.json_body["version"] == 1
    stale = client.http.put("/assignment-rules", headers={**ANN, "If-Match": '"0"'}, body=json.dumps(rules))
    assert stale.status_code == 409 and stale.json_body["error"]["code"] == "version_conflict"
    assert client.http.get("/assignment-rules", headers=BOB).json_body["rules"][0]["group_id"] == "front"
    in_use = client.http.delete("/groups/front", headers=ANN)
    assert in_use.status_code == 409
    agents = {a["agent_id"]: a["groups"] for a in client.http.get("/agents", headers=BOB).json_body["items"]}
    assert agents == {"ann@casebridge.local": ["front"], "bob@casebridge.local": ["front"]}


def test_the_cognito_directory_reads_users_and_their_groups_as_roles(client, container):
    from functions.agents.adapters import CognitoDirectory
    from functions.core import aws

    idp = aws.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="agents")["UserPool"]["Id"]
    for username, email, name in (("u1", "lea@example.com", "Lea Berg"), ("u2", "max@example.com", None)):
        attrs = [{"Name": "email", "Value": email}] + ([{"Name": "name", "Value": name}] if name else [])
        idp.admin_create_user(UserPoolId=pool, Username=username, UserAttributes=attrs)
    idp.create_group(GroupName="admins", UserPoolId=pool)
    idp.admin_add_user_to_group(UserPoolId=pool, Username="u1", GroupName="admins")
    idp.admin_create_user(
        UserPoolId=pool, Username="gone", UserAttributes=[{"Name": "email", "Value": "g@example.com"}]
    )
    idp.admin_disable_user(UserPoolId=pool, Username="gone")
    container.override(agent_directory=CognitoDirectory(lambda: aws.client("cognito-idp"), pool))

    agents = client.http.get("/agents", headers=BOB).json_body["items"]

    assert [(a["agent_id"], a["name"], a["roles"]) for a in agents] == [
        ("lea@example.com", "Lea Berg", ["admins"]),
        ("max@example.com", "max@example.com", []),
    ]


def test_the_cognito_directory_is_read_again_only_after_its_ttl(aws):
    from functions.agents.adapters import CognitoDirectory

    calls = []

    class Client:
        def list_groups(self, **kw):
            calls.append("list_groups")
            return {"Groups": []}

        def list_users(self, **kw):
            calls.append("list_users")
            return {"Users": [{"Username": "u", "Enabled": True, "Attributes": []}]}

    clock = [0.0]
    directory = CognitoDirectory(lambda: Client(), "pool", ttl_seconds=60, now=lambda: clock[0])
    directory.agents()
    clock[0] = 59
    directory.agents()
    assert calls == ["list_groups", "list_users"]
    clock[0] = 61
    assert [e.agent_id for e in directory.agents()] == ["u"]
    assert len(calls) == 4


def test_new_mail_is_assigned_round_robin_to_the_available_members_of_the_rules_group(client):
    from functions.composition import container

    group = {"group_id": "front", "name": "Front desk", "members": ["ann@casebridge.local", "bob@casebridge.local"]}
    client.http.post("/groups", headers=ANN, body=json.dumps(group))
    rules = {"rules": [{"rule_id": "all", "group_id": "front"}]}
    client.http.put("/assignment-rules", headers=ANN, body=json.dumps(rules))
    client.http.patch("/agents/ann@casebridge.local", headers=ANN, body='{"available": false}')

    def mail(n: int) -> bytes:
        return (
            f"From: Cy <cy@acme.example>\r\nTo: support@casebridge.local\r\nSubject: Jam {n}\r\n"
            f"Message-ID: <m{n}@acme.example>\r\n\r\nIt jams.\r\n"
        ).encode()

    intake = container().email_intake
    intake.ingest_raw(mail(1), None, source="test")
    client.http.patch("/agents/ann@casebridge.local", headers=ANN, body='{"available": true}')
    intake.ingest_raw(mail(2), None, source="test")
    intake.ingest_raw(mail(2), None, source="test")  # redelivered: no second case, no second turn taken
    intake.ingest_raw(mail(3), None, source="test")

    # turns 1, 2, 3 over the members available at each (functions/agents/rules.py round_robin):
    # [bob] -> bob; [ann, bob] -> bob; [ann, bob] -> ann (the redelivery took no turn)
    cases = client.http.get("/cases", headers=BOB).json_body["items"]
    assert sorted((c["subject"], c["group_id"], c["assignee"]) for c in cases) == [
        ("Jam 1", "front", "bob@casebridge.local"),
        ("Jam 2", "front", "bob@casebridge.local"),
        ("Jam 3", "front", "ann@casebridge.local"),
    ]
    first = next(c for c in cases if c["subject"] == "Jam 1")
    timeline = client.http.get(f"/cases/{first['case_id']}", headers=BOB).json_body["timeline"]
    routed = [e for e in timeline if e["kind"] == "fields_changed"]
    assert routed[0]["actor"]["type"] == "system" and routed[0]["changes"]["assignee"]["to"] == "bob@casebridge.local"
