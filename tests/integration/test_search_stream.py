"""The search indexer on stream events: the real sample event, the app's own Lambda function,
and a case written to (moto's) DynamoDB reaching the index through the local stack's pump."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from boto3.dynamodb.types import TypeSerializer

from functions.search.embedded import EmbeddedIndex
from functions.search.handlers import handle_stream_event
from functions.search.port import DocKind, SearchQuery


@pytest.fixture
def sample_event(shared_data) -> dict[str, Any]:
    return json.loads((shared_data / "events" / "dynamoStreamEvent.json").read_text())


def _image(item: dict[str, Any]) -> dict[str, Any]:
    ser = TypeSerializer()
    return {k: ser.serialize(v) for k, v in item.items()}


def _case(subject: str) -> dict[str, Any]:
    return {
        "PK": "CASE#CB-101",
        "SK": "#META",
        "type": "case",
        "case_id": "CB-101",
        "subject": subject,
        "status": "open",
        "customer_id": "acme",
    }


def _as_case_records(event: dict[str, Any]) -> dict[str, Any]:
    """The sample's INSERT then MODIFY, with our case item in place of its {Id, Message} item."""
    out = copy.deepcopy(event)
    first, second = out["Records"]
    keys = _image({"PK": "CASE#CB-101", "SK": "#META"})
    first["dynamodb"].update(Keys=keys, NewImage=_image(_case("Dishwasher leaks")))
    second["dynamodb"].update(
        Keys=keys, OldImage=_image(_case("Dishwasher leaks")), NewImage=_image(_case("Dishwasher leaks water"))
    )
    return out


@pytest.fixture
def index(tmp_path, container) -> EmbeddedIndex:
    """An embedded index as the container's search index (the stream handler asks the container)."""
    index = EmbeddedIndex(tmp_path / "search")
    container.override(search_index=index)
    return index


def test_the_sample_event_as_is_is_acknowledged_and_indexes_nothing(sample_event, index):
    assert handle_stream_event(sample_event) == {"batchItemFailures": []}
    assert index.count(DocKind.CASE) == 0


def test_the_sample_insert_then_modify_of_a_case_leaves_the_modified_case_searchable(sample_event, index):
    assert handle_stream_event(_as_case_records(sample_event)) == {"batchItemFailures": []}
    [hit] = index.search(SearchQuery(text="leaking dishwasher", kinds=[DocKind.CASE]))
    assert (hit.doc_id, hit.title) == ("CB-101", "Dishwasher leaks water")


def test_a_remove_record_takes_the_case_out_of_the_index(sample_event, index):
    event = _as_case_records(sample_event)
    remove = copy.deepcopy(event["Records"][1])
    remove["eventName"] = "REMOVE"
    remove["dynamodb"]["SequenceNumber"] = "333"
    remove["dynamodb"]["OldImage"] = remove["dynamodb"].pop("NewImage")
    event["Records"].append(remove)
    handle_stream_event(event)
    assert index.get(DocKind.CASE, "CB-101") is None


def test_the_apps_index_stream_function_uses_the_configured_embedded_index(sample_event, tmp_path, monkeypatch):
    from app import app
    from functions import composition

    monkeypatch.setenv("CASEBRIDGE_SEARCH_DIR", str(tmp_path / "app-index"))
    composition.reset()
    result = app.handler_map["index_stream"](_as_case_records(sample_event), None)
    assert result == {"batchItemFailures": []}
    assert composition.container().search_index.get(DocKind.CASE, "CB-101") is not None


@pytest.fixture
def moto_server(monkeypatch) -> Iterator[str]:
    """moto in server mode on loopback (its DynamoDB Streams API is what the local stack polls)."""
    from moto.server import ThreadedMotoServer

    from functions import composition
    from functions.local.provision import provision
    from functions.local.stack import HOST, free_port

    server = ThreadedMotoServer(ip_address=HOST, port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    monkeypatch.setenv("CASEBRIDGE_AWS_ENDPOINT_URL", f"http://{host}:{port}")
    composition.reset()
    provision()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.mark.slow
def test_a_case_opened_through_the_api_reaches_the_index_through_the_stream_pump(
    moto_server, agent_headers, tmp_path, monkeypatch
):
    from chalice.test import Client

    from app import app
    from functions import composition
    from functions.local import events

    monkeypatch.setenv("CASEBRIDGE_SEARCH_DIR", str(tmp_path / "pump-index"))
    composition.reset()
    handlers = events.event_handlers(app)
    [pump] = [p for p in events.build_pumps(handlers) if p.name == "index_stream"]
    body = {"subject": "Invoice shows the wrong VAT rate", "customer_id": "acme", "category": "billing"}
    with Client(app) as client:
        resp = client.http.post("/cases", headers=agent_headers, body=json.dumps(body))
    assert resp.status_code == 201, resp.body
    case_id = json.loads(resp.body)["case_id"]

    while pump.poll_once():
        pass

    hits = composition.container().search_index.search(SearchQuery(text="VAT invoice", kinds=[DocKind.CASE]))
    assert [h.doc_id for h in hits] == [case_id]
    assert hits[0].fields["category"] == "billing"
    assert pump.skipped == []
