"""problem_stream with an embedder: case INSERT records are embedded once each, through the
container's embedder, and a burst of paraphrases (few shared words) opens a candidate. Real
ProblemService, moto; the deterministic ConceptEmbedder stands in for the model."""

from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest

from functions.cases.models import Actor, ActorType, Channel
from tests.fakes.search import ConceptEmbedder
from tests.integration.test_problem_detection_wiring import _candidates
from tests.streams import stream_record
from tests.unit.test_problem_detection import background
from tests.unit.test_problem_detection_meaning import CONCEPTS, paraphrase

AGENT = Actor(type=ActorType.AGENT, id="agent-1")


@pytest.fixture
def meaning(aws):
    """The app's problem_stream with the fake embedder, primed by a day of background traffic."""
    from functions import composition
    from functions.customers.models import CustomerIn

    composition.reset()
    fake = ConceptEmbedder(CONCEPTS, dim=256)
    c = composition.container().override(embedder=fake)
    c.departments.seed()
    rng = random.Random(3)
    for i in range(40):
        c.customer_store.upsert(
            CustomerIn(
                customer_id=f"cu{i}",
                name=f"Customer {i}",
                region=["north", "south", "east", "west"][i % 4],
                install_base=[{"product": f"P{rng.randrange(10)}"}],
            )
        )
    c.customer_store.upsert(
        CustomerIn(customer_id="acme", name="Acme", region="north", install_base=[{"product": "P7"}])
    )
    history = background(random.Random(5), 1500)
    c.detection().observe(history)
    fake.calls.clear()
    return {"start": history[-1].at, "cases": c.cases, "problems": c.problems, "embedder": fake}


def _paraphrase_records(meaning, n: int) -> tuple[list[dict], list[str], list[str]]:
    """Cases saying one thing in different words, as INSERT records five minutes apart."""
    from functions.cases.store import case_item
    from functions.core import dynamo

    rng = random.Random(9)
    records, ids, subjects = [], [], []
    for i in range(n):
        subject = paraphrase(rng, i)
        case = meaning["cases"].open_case(subject=subject, channel=Channel.EMAIL, actor=AGENT, customer_id="acme")
        at = meaning["start"] + timedelta(minutes=5 * (i + 1))
        item = dynamo.from_item(case_item(case.model_copy(update={"created_at": at})))
        records.append(stream_record("INSERT", json.loads(json.dumps(item, default=str)), seq=9000 + i))
        ids.append(case.case_id)
        subjects.append(subject)
    return records, ids, subjects


def test_a_burst_of_paraphrases_through_the_stream_opens_a_candidate_by_meaning(meaning):
    from app import app

    # Given paraphrases of one problem delivered as stream INSERT records
    records, ids, subjects = _paraphrase_records(meaning, 8)
    # When the app's problem_stream function handles the batch, then the same batch again
    assert app.handler_map["problem_stream"]({"Records": records}, None) == {"batchItemFailures": []}
    app.handler_map["problem_stream"]({"Records": records}, None)
    # Then a candidate problem holds cases of the burst
    [candidate] = _candidates(meaning["problems"])
    linked = {link.case_id for link in meaning["problems"].view(candidate.problem_id).links}
    assert len(linked) >= 4 and linked <= set(ids)
    # and each case was embedded once, in one call for the batch (the redelivery embedded nothing)
    calls = meaning["embedder"].calls
    assert len(calls) == 1
    assert [text.split("\n")[0] for text in calls[0]] == subjects
