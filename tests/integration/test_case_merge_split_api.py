"""Merge and split through the API (chalice.test.Client against moto): the two cases written at
once, the timeline moved, message pointers followed. The use cases are tested on fakes in
tests/unit/test_case_merge_split.py."""

from __future__ import annotations

import json
from typing import Any

from functions.cases.models import Actor, ActorType, Channel, Message

CUSTOMER = Actor(type=ActorType.CUSTOMER)


def _mail(container: Any, mid: str, customer_id: str = "CU-1") -> str:
    message = Message(channel=Channel.EMAIL, direction="in", body_text=f"mail {mid}", message_id=mid)
    case = container.cases.open_case(
        subject=f"about {mid}", channel=Channel.EMAIL, actor=CUSTOMER, message=message, customer_id=customer_id,
        contact_email="ann@example.org", pointers=[mid],
    )  # fmt: skip
    return str(case.case_id)


def test_merge_closes_the_case_moves_its_timeline_and_threads_its_mails_into_the_target(
    client, agent_headers, container
):
    source, target, other = _mail(container, "<a@x>"), _mail(container, "<b@x>"), _mail(container, "<c@x>", "CU-2")
    # guards: itself, another customer without the confirmation, a stale version
    post = lambda cid, body: client.http.post(f"/cases/{cid}/merge", headers=agent_headers, body=json.dumps(body))  # noqa: E731
    assert post(source, {"into": source}).status_code == 400
    assert post(source, {"into": other}).status_code == 409
    assert post(source, {"into": target, "version": 9}).json_body["error"]["code"] == "version_conflict"
    resp = post(source, {"into": target, "version": 1})
    assert resp.status_code == 200, resp.body
    assert resp.json_body["merged"]["status"] == "closed" and resp.json_body["merged"]["merged_into"] == target
    timeline = client.http.get(f"/cases/{target}", headers=agent_headers).json_body["timeline"]
    moved = [e for e in timeline if e.get("moved_from") == source and e["kind"] == "message_in"]
    assert [e["body"] for e in moved] == ["mail <a@x>"]
    assert [e["data"]["merged_case_id"] for e in timeline if e["kind"] == "merged"] == [source]
    assert container.cases.find_case_for_message_ids(["<a@x>"]) == target
    assert post(source, {"into": target}).status_code == 200  # asked again: finishes, moves nothing twice
    again = client.http.get(f"/cases/{target}", headers=agent_headers).json_body["timeline"]
    assert len(again) == len(timeline)


def test_split_makes_a_new_case_with_the_interaction_and_its_message_id(client, agent_headers, container):
    original = _mail(container, "<a@x>")
    message = Message(channel=Channel.EMAIL, direction="in", body_text="another topic", message_id="<t2@x>")
    _, event = container.cases.add_inbound(original, message, CUSTOMER, pointers=["<t2@x>"])
    body = {"event_ids": [event.event_id], "subject": "Another topic"}
    resp = client.http.post(f"/cases/{original}/split", headers=agent_headers, body=json.dumps(body))
    assert resp.status_code == 201, resp.body
    new = resp.json_body["case"]["case_id"]
    assert resp.json_body["case"]["context"]["split_from"] == original
    new_timeline = client.http.get(f"/cases/{new}", headers=agent_headers).json_body["timeline"]
    assert [e["body"] for e in new_timeline if e["kind"] == "message_in"] == ["another topic"]
    old_timeline = client.http.get(f"/cases/{original}", headers=agent_headers).json_body["timeline"]
    assert event.event_id not in [e["event_id"] for e in old_timeline] and old_timeline[-1]["kind"] == "split"
    assert container.cases.find_case_for_message_ids(["<t2@x>"]) == new
    bad = client.http.post(f"/cases/{original}/split", headers=agent_headers, body=json.dumps(body))
    assert bad.status_code == 400 and bad.json_body["error"]["fields"][0]["field"] == "event_ids"
