"""The ``KnowledgeSync`` adapter over the real knowledge service (moto): what the fake of the port
(tests/fakes/problems.py ``FakeKnowledgeSync``) stands for."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from functions.cases.models import Actor, ActorType
from functions.core.errors import NotFound
from functions.problems.models import Problem

T0 = datetime(2026, 3, 1, tzinfo=UTC)
REVIEWER = frozenset({"reviewer"})


def fixed_problem(**over) -> Problem:
    data = {
        "problem_id": "PB-100001",
        "title": "Invoices double-charge VAT",
        "description": "VAT twice on March invoices",
        "product": "billing",
        "workaround": "Credit the VAT by hand",
        "root_cause": "VAT applied twice",
        "permanent_fix": "Rate table fixed",
        "created_by": Actor(type=ActorType.AGENT, id="ann"),
        "created_at": T0,
        "updated_at": T0,
    }
    return Problem.model_validate(data | over)


@pytest.fixture
def sync(aws, container):
    return container.problem_knowledge, container.knowledge


def test_without_an_article_the_fix_is_a_new_article_waiting_for_review(sync):
    knowledge_sync, knowledge = sync
    done = knowledge_sync.put_fix(fixed_problem(), None, ["CB-1", "CB-2"], "department:finance")
    assert (done.action, done.article_status, done.version) == ("created", "in_review", 1)
    article = knowledge.view(done.article_id)
    assert (article.content.cause, article.content.resolution, article.content.workaround) == (
        "VAT applied twice",
        "Rate table fixed",
        "Credit the VAT by hand",
    )
    assert article.content.workaround_superseded and article.source_cases == ["CB-1", "CB-2"]
    assert knowledge_sync.resolution(done.article_id) == "Rate table fixed"


def test_a_published_article_gets_the_fix_as_a_new_version_in_review(sync):
    from functions.knowledge.models import ArticleIn, TransitionIn
    from functions.knowledge.rules import Action

    knowledge_sync, knowledge = sync
    article = knowledge.create("ann", ArticleIn(title="VAT charged twice", resolution="Credit the VAT by hand"))
    knowledge.transition(article.article_id, "ann", frozenset(), Action.SUBMIT, TransitionIn())
    knowledge.transition(article.article_id, "rita", REVIEWER, Action.PUBLISH, TransitionIn())
    done = knowledge_sync.put_fix(fixed_problem(), article.article_id, [], "department:finance")
    assert (done.article_id, done.action, done.version, done.article_status) == (
        article.article_id,
        "updated",
        2,
        "in_review",
    )
    assert knowledge.view(article.article_id).content.resolution == "Rate table fixed"
    assert "PB-100001" in knowledge.view(article.article_id).problem_ids


def test_a_retired_article_is_replaced_by_a_new_one(sync):
    from functions.knowledge.models import ArticleIn, TransitionIn
    from functions.knowledge.rules import Action

    knowledge_sync, knowledge = sync
    article = knowledge.create("ann", ArticleIn(title="VAT charged twice", resolution="old"))
    knowledge.transition(article.article_id, "rita", REVIEWER, Action.RETIRE, TransitionIn())
    done = knowledge_sync.put_fix(fixed_problem(), article.article_id, [], "department:finance")
    assert done.action == "created" and done.article_id != article.article_id


def test_an_unknown_article_is_not_found_or_replaced(sync):
    knowledge_sync, _ = sync
    with pytest.raises(NotFound):
        knowledge_sync.resolution("KB-404")
    assert knowledge_sync.put_fix(fixed_problem(), "KB-404", [], "department:finance").action == "created"
