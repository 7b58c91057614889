"""Triage through the app's functions on moto: the weekly training on resolved cases writes a
versioned model to S3, a new case's stream INSERT gets a suggestion (applied above the threshold,
with an event by "triage"), the case API shows it, and an agent's change of a suggested field is kept
as a correction. The embedder is the unit tests' fake (tests/fakes/search.py ConceptEmbedder)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from boto3.dynamodb.types import TypeSerializer

from functions.cases.models import Actor, ActorType, CaseStatus, CaseUpdate, Channel, Priority
from tests.fakes.search import ConceptEmbedder
from tests.fakes.triage import TINY

AGENT = Actor(type=ActorType.AGENT, id="agent-1")
SCHEDULED = {
    "version": "0",
    "id": "manual",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "",
    "time": "",
    "region": "",
    "resources": [],
    "detail": {},
}


@pytest.fixture
def wired(aws):
    """A fresh container with the fake embedder and thresholds the tiny data set clears."""
    from functions import composition
    from functions.agents.models import GroupCreate
    from functions.core.settings import get_settings

    settings = get_settings().model_copy(
        update={"triage_thresholds": {"category": 0.5, "priority": None, "department": 0.5}}
    )
    c = composition.install(composition.Container(settings=settings, embedder=ConceptEmbedder()))
    for group in ("cards", "tech", "finance"):
        c.agents.create_group(GroupCreate(group_id=group, name=group.title()))
    return c


def _resolved_cases(c) -> None:
    for text, category, priority, department in TINY:
        case = c.cases.open_case(subject=text, channel=Channel.EMAIL, actor=AGENT)
        c.cases.update(
            case.case_id,
            AGENT,
            CaseUpdate(status=CaseStatus.OPEN, category=category, priority=Priority(priority), group_id=department),
        )
        c.cases.update(case.case_id, AGENT, CaseUpdate(status=CaseStatus.RESOLVED))


def _insert(case) -> dict[str, Any]:
    from functions.cases.store import case_item
    from functions.core import dynamo

    ser = TypeSerializer()
    item = json.loads(json.dumps(dynamo.from_item(case_item(case)), default=str))
    image = {k: ser.serialize(v) for k, v in item.items() if v is not None}
    return {
        "eventID": "e1",
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": {"PK": image["PK"], "SK": image["SK"]},
            "NewImage": image,
            "SequenceNumber": "101",
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }


def _models(aws_bucket: str) -> list[str]:
    import boto3

    listed = boto3.client("s3").list_objects_v2(Bucket=aws_bucket, Prefix="triage/")
    return sorted(o["Key"] for o in listed.get("Contents", []))


def test_the_weekly_training_stores_a_versioned_model_from_the_resolved_cases(wired, client):
    from functions.core import resources

    _resolved_cases(wired)
    result = client.lambda_.invoke("train_triage", SCHEDULED).payload
    assert result["examples"] == len(TINY)
    assert result["labels"] == {"category": 3, "priority": 3, "department": 3}
    bucket = wired.settings.name(resources.MODELS_BUCKET.logical)
    assert _models(bucket) == ["triage/current.json", f"triage/models/{result['version']}.npz"]


def test_a_new_case_gets_a_suggestion_through_the_stream_and_the_api_shows_it(wired, client, agent_headers):
    from functions import composition

    _resolved_cases(wired)
    version = wired.triage.train(wired.triage_examples(), epochs=60).version
    composition.install(composition.Container(settings=wired.settings, embedder=ConceptEmbedder()))  # a new process

    # Given a new case with nothing set
    case = wired.cases.open_case(
        subject="Someone stole my card", description="it was taken from my bag", channel=Channel.WEB, actor=AGENT
    )
    # When the stream delivers its INSERT to triage_stream
    answer = client.lambda_.invoke("triage_stream", {"Records": [_insert(case)]}).payload
    assert answer == {"batchItemFailures": []}

    # Then the case view carries the suggestion; category and department are applied, priority
    # (no threshold) only suggested
    view = client.http.get(f"/cases/{case.case_id}", headers=agent_headers).json_body
    triage = view["triage"]
    assert triage["model_version"] == version
    assert triage["category"]["value"] == "lost_card" and triage["category"]["applied"] is True
    assert triage["department"]["value"] == "cards" and triage["department"]["applied"] is True
    assert triage["priority"]["value"] == "urgent" and triage["priority"]["applied"] is False
    assert 0.5 <= triage["category"]["confidence"] <= 1
    assert view["category"] == "lost_card" and view["group_id"] == "cards" and view["priority"] == "normal"
    [event] = [e for e in view["timeline"] if e["actor"].get("id") == "triage"]
    assert event["kind"] == "fields_changed" and event["changes"]["category"] == {"from": None, "to": "lost_card"}

    # And the record delivered again changes nothing
    client.lambda_.invoke("triage_stream", {"Records": [_insert(case)]})
    again = client.http.get(f"/cases/{case.case_id}", headers=agent_headers).json_body
    assert again["version"] == view["version"]


def test_an_agents_change_of_a_suggested_field_is_kept_as_a_correction(wired, client, agent_headers):
    from functions import composition

    _resolved_cases(wired)
    wired.triage.train(wired.triage_examples(), epochs=60)
    composition.install(composition.Container(settings=wired.settings, embedder=ConceptEmbedder()))
    case = wired.cases.open_case(subject="card lost in the street", channel=Channel.WEB, actor=AGENT)
    client.lambda_.invoke("triage_stream", {"Records": [_insert(case)]})
    version = client.http.get(f"/cases/{case.case_id}", headers=agent_headers).json_body["version"]

    # When the agent sets another category and accepts the suggested priority
    r = client.http.patch(
        f"/cases/{case.case_id}",
        headers=agent_headers,
        body=json.dumps({"version": version, "category": "billing", "priority": "urgent"}),
    )
    assert r.status_code == 200, r.body
    # Then the category is a correction (training data), the priority is not
    view = client.http.get(f"/cases/{case.case_id}", headers=agent_headers).json_body
    assert view["triage_corrections"] == {"category": "billing"}
    changed = [e for e in view["timeline"] if e["kind"] == "fields_changed" and e["actor"]["type"] == "agent"]
    assert changed[-1]["data"] == {"triage_corrections": {"category": "billing"}}


def test_without_a_model_a_new_case_gets_no_suggestion(wired, client, agent_headers):
    case = wired.cases.open_case(subject="card lost", channel=Channel.WEB, actor=AGENT)
    assert client.lambda_.invoke("triage_stream", {"Records": [_insert(case)]}).payload == {"batchItemFailures": []}
    assert client.http.get(f"/cases/{case.case_id}", headers=agent_headers).json_body["triage"] is None


def test_the_local_stacks_stream_pumps_include_triage_stream():
    from app import app
    from functions.core import resources
    from functions.local import events

    consumers = {c.function: (c, h) for c, h in events.event_handlers(app).stream_consumers}
    consumer, handler = consumers["triage_stream"]
    assert consumer == resources.TRIAGE_STREAM
    assert handler is app.handler_map["triage_stream"]


def test_the_weekly_training_without_resolved_cases_keeps_the_current_model(wired, client):
    from functions.core import resources

    result = client.lambda_.invoke("train_triage", SCHEDULED).payload
    assert "at least" in result["skipped"]
    assert _models(wired.settings.name(resources.MODELS_BUCKET.logical)) == []


def test_training_learns_only_what_agents_set_or_corrected_not_what_triage_applied(wired, client, agent_headers):
    from functions import composition

    _resolved_cases(wired)
    wired.triage.train(wired.triage_examples(), epochs=60)
    composition.install(composition.Container(settings=wired.settings, embedder=ConceptEmbedder()))
    # Given two new cases whose category and department triage applied (priority only suggested)
    untouched = wired.cases.open_case(subject="Someone stole my card", channel=Channel.WEB, actor=AGENT)
    corrected = wired.cases.open_case(subject="card lost in the street", channel=Channel.WEB, actor=AGENT)
    client.lambda_.invoke("triage_stream", {"Records": [_insert(untouched), _insert(corrected)]})
    assert wired.cases.get(untouched.case_id).category == "lost_card"
    # When an agent resolves the first without touching its fields, and on the second corrects the
    # category and accepts the suggested priority before resolving it
    wired.cases.update(untouched.case_id, AGENT, CaseUpdate(status=CaseStatus.OPEN))
    wired.cases.update(untouched.case_id, AGENT, CaseUpdate(status=CaseStatus.RESOLVED))
    wired.cases.update(
        corrected.case_id, AGENT, CaseUpdate(status=CaseStatus.OPEN, category="billing", priority=Priority.URGENT)
    )
    wired.cases.update(corrected.case_id, AGENT, CaseUpdate(status=CaseStatus.RESOLVED))

    # Then training learns no label triage applied itself, and every label an agent gave
    examples = {e.text: e for e in wired.triage_examples()}
    first = examples["Someone stole my card"]
    assert (first.category, first.department, first.priority) == (None, None, "normal")
    second = examples["card lost in the street"]
    assert (second.category, second.department, second.priority) == ("billing", None, "urgent")
    assert len(examples) == len(TINY) + 2  # the agents' own cases are all still there
    assert all(e.category for t, e in examples.items() if t not in ("Someone stole my card", "card lost in the street"))


def test_an_agents_one_click_confirmation_of_an_applied_field_is_a_training_label(wired, client, agent_headers):
    from functions import composition

    _resolved_cases(wired)
    wired.triage.train(wired.triage_examples(), epochs=60)
    composition.install(composition.Container(settings=wired.settings, embedder=ConceptEmbedder()))
    case = wired.cases.open_case(subject="Someone stole my card", channel=Channel.WEB, actor=AGENT)
    client.lambda_.invoke("triage_stream", {"Records": [_insert(case)]})
    seen = client.http.get(f"/cases/{case.case_id}", headers=agent_headers).json_body
    assert seen["category"] == "lost_card" and seen["triage"]["category"]["applied"]
    # a field triage only suggested cannot be confirmed: a 400 naming it
    bad = client.http.patch(
        f"/cases/{case.case_id}",
        headers={**agent_headers, "Content-Type": "application/json"},
        body=json.dumps({"version": seen["version"], "triage_confirm": ["priority"]}),
    )
    assert bad.status_code == 400 and "priority" in bad.json_body["error"]["message"]
    # When the agent confirms the applied category (one request, nothing else changed)
    ok = client.http.patch(
        f"/cases/{case.case_id}",
        headers={**agent_headers, "Content-Type": "application/json"},
        body=json.dumps({"version": seen["version"], "triage_confirm": ["category"]}),
    )
    assert ok.status_code == 200, ok.json_body
    assert ok.json_body["triage"]["category"]["confirmed"] is True and ok.json_body["category"] == "lost_card"
    timeline = client.http.get(f"/cases/{case.case_id}", headers=agent_headers).json_body["timeline"]
    assert any("confirmed triage's category lost_card" in (e.get("body") or "") for e in timeline)
    wired.cases.update(case.case_id, AGENT, CaseUpdate(status=CaseStatus.RESOLVED))
    # Then training learns the confirmed category (without the confirmation it would be no label)
    example = {e.text: e for e in wired.triage_examples()}["Someone stole my card"]
    assert example.category == "lost_card" and example.department is None
