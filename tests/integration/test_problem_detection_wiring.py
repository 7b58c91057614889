"""problem_stream: case INSERT records (as DynamoDB streams deliver them) reach detection, problem
status changes reach the reactions, suggestions reach the agents' API. Real ProblemService, moto."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from functions.cases.models import Actor, ActorType, Channel
from tests.streams import stream_record
from tests.unit.test_problem_detection import TOPICS, background

AGENT = Actor(type=ActorType.AGENT, id="agent-1")


@pytest.fixture
def wired(aws, monkeypatch):
    """The app's problem_stream with detection primed by a day of background traffic."""
    from functions import composition
    from functions.customers.models import CustomerIn

    composition.reset()
    # Words only, as where CASEBRIDGE_EMBEDDER is none (the meaning path: test_problem_detection_meaning.py)
    composition.container().override(embedder=None)
    composition.container().departments.seed()
    rng = random.Random(3)
    for i in range(40):
        composition.container().customer_store.upsert(
            CustomerIn(
                customer_id=f"cu{i}",
                name=f"Customer {i}",
                region=["north", "south", "east", "west"][i % 4],
                install_base=[{"product": f"P{rng.randrange(10)}"}],
            )
        )
    composition.container().customer_store.upsert(
        CustomerIn(customer_id="acme", name="Acme", region="north", install_base=[{"product": "P7"}])
    )
    history = background(random.Random(5), 1500)
    composition.container().detection().observe(history)
    return {
        "start": history[-1].at,
        "cases": composition.container().cases,
        "problems": composition.container().problems,
    }


def _burst_records(wired, n: int, first_minute: int = 5, seed: int = 9) -> tuple[list[dict], list[str]]:
    """Real cases about one topic, as INSERT records, minutes apart after the background."""
    from functions.cases.store import case_item
    from functions.core import dynamo

    rng = random.Random(seed)
    records, ids = [], []
    for i in range(n):
        case = wired["cases"].open_case(
            subject=" ".join(rng.sample(TOPICS[0], 4)),
            channel=Channel.EMAIL,
            actor=AGENT,
            customer_id="acme",
        )
        at = wired["start"] + timedelta(minutes=first_minute * (i + 1))
        item = dynamo.from_item(case_item(case.model_copy(update={"created_at": at})))
        records.append(stream_record("INSERT", json.loads(json.dumps(item, default=str)), seq=1000 * seed + i))
        ids.append(case.case_id)
    return records, ids


def _problem_modify(problems, problem_id: str, old_status: str, seq: int) -> dict:
    from functions.core import dynamo
    from functions.problems.store import problem_item

    problem = problems.get(problem_id)
    new = json.loads(json.dumps(dynamo.from_item(problem_item(problem)), default=str), parse_float=Decimal)
    old = {**new, "status": old_status}
    return stream_record("MODIFY", new, old, seq=seq)


def _state() -> dict:
    from functions.core import resources
    from functions.core.settings import get_settings
    from functions.problems.detection.store import S3StateStore

    return S3StateStore(get_settings().name(resources.DETECTION_BUCKET.logical)).load() or {}


def _candidates(problems) -> list:
    """Candidates holding real cases (background signals have no case records)."""
    from functions.problems.models import ProblemQuery

    return [
        p
        for p in problems.list_problems(ProblemQuery(limit=100)).items
        if p.status.value == "candidate" and p.case_count > 0
    ]


def test_a_burst_of_case_inserts_opens_a_candidate_problem(wired):
    from app import app

    # Given a burst of similar cases delivered as stream INSERT records
    records, ids = _burst_records(wired, 8)
    # When the app's problem_stream function handles the batch
    result = app.handler_map["problem_stream"]({"Records": records}, None)
    # Then a candidate problem holds cases of the burst
    assert result == {"batchItemFailures": []}
    [candidate] = _candidates(wired["problems"])
    linked = {link.case_id for link in wired["problems"].view(candidate.problem_id).links}
    assert linked and linked <= set(ids)
    assert candidate.evidence.growth is not None and candidate.evidence.growth.observed >= 4


def test_a_redelivered_batch_does_not_count_a_case_twice(wired):
    from app import app

    # Given a batch already handled
    records, _ = _burst_records(wired, 3)
    app.handler_map["problem_stream"]({"Records": records}, None)
    total = _state()["detector"]["total"]
    # When the stream delivers the same batch again
    app.handler_map["problem_stream"]({"Records": records}, None)
    # Then the detector has not counted its cases again
    assert _state()["detector"]["total"] == total == 1503


def test_dismissing_a_candidate_closes_it_and_later_similar_cases_are_not_suggested(wired):
    from app import app
    from functions.composition import container
    from functions.problems.models import ProblemUpdate

    records, _ = _burst_records(wired, 8)
    app.handler_map["problem_stream"]({"Records": records}, None)
    [candidate] = _candidates(wired["problems"])
    # When an agent dismisses it and the problem's MODIFY record arrives
    wired["problems"].update(candidate.problem_id, ProblemUpdate(status="dismissed"), AGENT)
    app.handler_map["problem_stream"](
        {"Records": [_problem_modify(wired["problems"], candidate.problem_id, "candidate", 5000)]}, None
    )
    # Then later similar cases are not suggested for it
    later, _ = _burst_records(wired, 3, first_minute=50, seed=11)
    app.handler_map["problem_stream"]({"Records": later}, None)
    assert container().suggestion_store.list(candidate.problem_id) == []
    assert candidate.problem_id not in _state()["problems"].values()


def test_a_confirmed_problem_keeps_collecting_suggestions_shown_in_the_api(wired, client, agent_headers):
    from app import app
    from functions.problems.models import ProblemUpdate

    records, _ = _burst_records(wired, 8)
    app.handler_map["problem_stream"]({"Records": records}, None)
    [candidate] = _candidates(wired["problems"])
    # Given the candidate was confirmed (its MODIFY record handled)
    wired["problems"].update(candidate.problem_id, ProblemUpdate(status="confirmed"), AGENT)
    app.handler_map["problem_stream"](
        {"Records": [_problem_modify(wired["problems"], candidate.problem_id, "candidate", 5000)]}, None
    )
    # When later similar cases arrive
    later, later_ids = _burst_records(wired, 2, first_minute=45, seed=12)
    app.handler_map["problem_stream"]({"Records": later}, None)
    # Then agents see them suggested for the problem
    resp = client.http.get(f"/problems/{candidate.problem_id}/suggested-cases", headers=agent_headers)
    assert resp.status_code == 200, resp.body
    suggested = [s["case_id"] for s in json.loads(resp.body)["items"]]
    assert set(later_ids) <= set(suggested)


def test_accepting_a_suggestion_through_the_link_api_removes_it(wired, client, agent_headers):
    from app import app
    from functions.composition import container
    from functions.problems.models import ProblemIn, SuggestedCase

    # Given a problem with a suggested case
    records, ids = _burst_records(wired, 2)
    problem = wired["problems"].create(ProblemIn(title="Leaks", case_ids=[ids[0]]), AGENT)
    suggestion = SuggestedCase(
        problem_id=problem.problem_id, case_id=ids[1], similarity=0.5, suggested_at=wired["start"]
    )
    container().suggestion_store.put_many([suggestion])
    # When an agent links it through the existing link API
    resp = client.http.post(
        f"/problems/{problem.problem_id}/links",
        headers=agent_headers,
        body=json.dumps({"case_ids": [ids[1]], "link_type": "similar"}),
    )
    assert resp.status_code == 200, resp.body
    # Then it is no longer suggested, and the link's stream record removes the stored suggestion
    resp = client.http.get(f"/problems/{problem.problem_id}/suggested-cases", headers=agent_headers)
    assert json.loads(resp.body)["items"] == []
    link = stream_record(
        "INSERT",
        {
            "PK": f"PROBLEM#{problem.problem_id}",
            "SK": f"LINK#{ids[1]}",
            "problem_id": problem.problem_id,
            "case_id": ids[1],
        },
        seq=7000,
    )
    app.handler_map["problem_stream"]({"Records": [link]}, None)
    assert container().suggestion_store.list(problem.problem_id) == []


def test_suggested_cases_of_an_unknown_problem_is_404(client, agent_headers):
    resp = client.http.get("/problems/PB-999999/suggested-cases", headers=agent_headers)
    assert resp.status_code == 404


def test_a_failing_reaction_fails_the_batch_without_losing_detection(wired):
    from app import app
    from functions import composition
    from functions.problems.models import ProblemUpdate
    from functions.problems.service.stream import ReactionsFailed

    # Given reactions whose last one fails
    _CALLS.clear()
    c = composition.container()
    reactions = c.problem_reactions
    c.override(problem_reactions=lambda detection=None: [*reactions(detection), _boom])
    records, _ = _burst_records(wired, 8)
    app.handler_map["problem_stream"]({"Records": records}, None)
    [candidate] = _candidates(wired["problems"])
    wired["problems"].update(candidate.problem_id, ProblemUpdate(status="dismissed"), AGENT)
    # When the MODIFY record is handled
    with pytest.raises(ReactionsFailed):
        app.handler_map["problem_stream"](
            {"Records": [_problem_modify(wired["problems"], candidate.problem_id, "candidate", 5000)]}, None
        )
    # Then detection's own reaction still closed the candidate, and the batch raised for a retry
    assert candidate.problem_id not in _state()["problems"].values()
    assert _CALLS == [(candidate.problem_id, "candidate", "dismissed")]


class CountingState:
    """A state store that counts the reads and writes it passes on."""

    def __init__(self, state, calls: list[str]) -> None:
        self.state, self.calls = state, calls

    def load(self):
        self.calls.append("load")
        return self.state.load()

    def save(self, state) -> None:
        self.calls.append("save")
        self.state.save(state)


def test_one_batch_reads_and_writes_the_detection_state_once(wired):
    from app import app
    from functions import composition
    from functions.problems.models import ProblemUpdate

    # Given a candidate opened by an earlier batch and dismissed by an agent
    records, _ = _burst_records(wired, 8)
    app.handler_map["problem_stream"]({"Records": records}, None)
    [candidate] = _candidates(wired["problems"])
    wired["problems"].update(candidate.problem_id, ProblemUpdate(status="dismissed"), AGENT)
    calls: list[str] = []
    c = composition.container()
    build = c.detection

    def counting():
        detection = build()
        detection.state = CountingState(detection.state, calls)
        return detection

    c.override(detection=counting)
    # When one batch holds cases, the dismissal's MODIFY record (its reaction closes the candidate), and more cases
    before, _ = _burst_records(wired, 2, first_minute=45, seed=13)
    after, _ = _burst_records(wired, 2, first_minute=50, seed=14)
    modify = _problem_modify(wired["problems"], candidate.problem_id, "candidate", 5000)
    app.handler_map["problem_stream"]({"Records": [*before, modify, *after]}, None)
    # Then the state was read once and written once
    assert calls == ["load", "save"]
    # and, in order, the cases after the dismissal were not suggested for it
    assert candidate.problem_id not in _state()["problems"].values()
    assert _state()["detector"]["total"] == 1500 + 8 + 4
    assert c.suggestion_store.list(candidate.problem_id) == []


_CALLS: list = []


def _boom(problem_id: str, old_status: str | None, new_status: str) -> None:
    _CALLS.append((problem_id, old_status, new_status))
    raise RuntimeError("notices are down")


def test_the_refresh_schedule_stores_the_counts_of_the_customer_base(client):
    from functions import composition
    from functions.customers.models import CustomerIn

    def run() -> dict[str, Any]:
        composition.install(composition.Container())  # a new process each time
        # the payload docs/data-model.md gives for a manual run after the first deploy
        event = {
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
        return client.lambda_.invoke("refresh_segment_base", event).payload

    store = composition.container().customer_store
    store.upsert(CustomerIn(customer_id="acme", name="Acme", region="north", install_base=[{"product": "P7"}]))
    first = run()
    assert first["recounted"] is True and first["totals"]["product"] == 1
    assert run()["recounted"] is False  # a day has not passed
    assert composition.container().segment_base.get().counts["product"] == {"P7": 1}


def test_the_segment_base_comes_from_the_customer_store(aws):
    from functions import composition
    from functions.customers.models import CustomerIn
    from functions.problems.detection.rules import segment_base_from_customers
    from functions.problems.detection.store import CustomerBaseReader

    store = composition.container().customer_store
    store.upsert(CustomerIn(customer_id="acme", name="Acme", region="north", install_base=[{"product": "P7"}]))
    store.upsert(CustomerIn(customer_id="bolt", name="Bolt", region="south", tier="premium"))
    base = segment_base_from_customers(CustomerBaseReader().rows())
    assert base.counts["region"] == {"north": 1, "south": 1}
    assert base.counts["product"] == {"P7": 1}
    assert base.counts["tier"] == {"standard": 1, "premium": 1}


def test_the_local_stacks_stream_pumps_include_problem_stream():
    from app import app
    from functions.core import resources
    from functions.local import events

    consumers = {c.function: (c, h) for c, h in events.event_handlers(app).stream_consumers}
    consumer, handler = consumers["problem_stream"]
    assert consumer == resources.PROBLEM_STREAM and consumer.parallelization_factor == 1
    assert handler is app.handler_map["problem_stream"]


def test_with_a_triage_model_the_stream_groups_new_cases_by_triage_s_category(aws, monkeypatch):
    """The composition gives detection triage's classifier: a model trained and stored in the
    models bucket (moto) gives the cases the stream delivers their category as their intent (the
    cohesion floor off in the deployment's detection config: the fake embedder's cosines are not
    on the model's scale)."""
    from app import app
    from functions import composition
    from functions.core.settings import reset_settings
    from functions.triage.models import Example
    from tests.fakes.search import ConceptEmbedder
    from tests.fakes.triage import TINY

    monkeypatch.setenv("CASEBRIDGE_DETECTION_CONFIG", '{"intent_cohesion": 0.0}')
    reset_settings()
    composition.reset()
    composition.container().override(embedder=ConceptEmbedder())
    composition.container().triage.train(
        [Example(text=t, category=c, priority=p, department=d) for t, c, p, d in TINY], epochs=60
    )
    from functions.cases.store import case_item
    from functions.core import dynamo

    # When the stream delivers new cases about a stolen card and about wifi
    subjects = ["my card was stolen this morning", "card lost in the street", "the wifi router drops all day"]
    records = []
    for i, subject in enumerate(subjects):
        case = composition.container().cases.open_case(subject=subject, channel=Channel.EMAIL, actor=AGENT)
        item = dynamo.from_item(case_item(case))
        records.append(stream_record("INSERT", json.loads(json.dumps(item, default=str)), seq=i + 1))
    result = app.handler_map["problem_stream"]({"Records": records}, None)
    # Then detection's state holds a group per category triage gave them, the two card cases in one
    assert result == {"batchItemFailures": []}
    state = _state()["detector"]
    assert set(state["intents"]) == {"lost_card", "network"}
    by_group = {}
    for row in state["pool"]:
        by_group.setdefault(row[1], []).append(row[4])
    assert sorted(len(v) for k, v in by_group.items() if k in state["intents"].values()) == [1, 2]
