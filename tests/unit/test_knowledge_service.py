"""The knowledge service's use cases on the in-memory fakes: the article lifecycle, what customers
see, drafting from a case, and similar cases ranked through a search index (the fake one and the
embedded engine)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from functions.cases.models import Actor, ActorType, Case, Channel, EventKind, Message, ReplyIn
from functions.cases.service import CaseService
from functions.cases.store import case_item
from functions.composition import Container
from functions.core.dynamo import from_item
from functions.core.errors import Forbidden, InvalidTransition, NotFound, VersionConflict
from functions.customers.models import CustomerIn
from functions.knowledge.models import (
    ArticleEdit,
    ArticleIn,
    DraftFromCaseIn,
    FeedbackIn,
    PermanentFixIn,
    SimilarQuery,
    TransitionIn,
)
from functions.knowledge.rules import Action
from functions.knowledge.service import KnowledgeService
from functions.knowledge.store import article_item
from functions.search.port import SearchIndex
from tests.fakes.cases import FakeCaseStore, FakeReplyChannel
from tests.fakes.customers import FakeCustomerStore
from tests.fakes.knowledge import FakeArticleStore
from tests.fakes.search import FakeSearchIndex

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REVIEWER = frozenset({"reviewer"})
NOBODY: frozenset[str] = frozenset()
MAPPERS = Container().search_mappers


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        self.at += timedelta(seconds=1)  # every step a little later: timelines keep their order
        return self.at


class World:
    def __init__(self, index: SearchIndex | None = None) -> None:
        self.clock = Clock()
        self.customers = FakeCustomerStore(clock=self.clock)
        self.case_store = FakeCaseStore()
        self.channel = FakeReplyChannel()
        self.cases = CaseService(
            self.case_store, directory=self.customers, reply_channels={Channel.EMAIL: self.channel}, clock=self.clock
        )
        self.articles = FakeArticleStore()
        self.index = index if index is not None else FakeSearchIndex()
        self.service = KnowledgeService(
            self.articles,
            search=self.index,
            cases=self.cases,
            customers=self.customers,
            reviewer_roles=REVIEWER,
            clock=self.clock,
        )

    def article(self, **over) -> str:
        data = {
            "title": "Printer jams on page 2 after firmware update",
            "symptoms": "The printer jams on the second page of every job.",
            "resolution": "Set the feed delay to 200 ms.",
            "visibility": "external",
        }
        data.update(over)
        return self.service.create("amy", ArticleIn.model_validate(data)).article_id

    def publish(self, article_id: str) -> None:
        version = self.service.get(article_id).latest_version
        self.service.transition(article_id, "amy", NOBODY, Action.SUBMIT, TransitionIn(version=version))
        self.service.transition(article_id, "rita", REVIEWER, Action.PUBLISH, TransitionIn(version=version))

    def case(self, subject: str, description: str = "", customer: str | None = None, **over) -> Case:
        return self.cases.open_case(
            subject=subject,
            description=description,
            channel=Channel.EMAIL,
            actor=Actor(type=ActorType.AGENT, id="amy"),
            customer_id=customer,
            **over,
        )

    def index_everything(self) -> None:
        """What the stream indexer does with the table's items (the same mappers)."""
        items = [case_item(c) for c in self.case_store.cases.values()]
        items += [article_item(a) for a in self.articles.articles.values()]
        docs = [doc for item in items if (doc := MAPPERS.to_doc(from_item(item))) is not None]
        self.index.upsert(docs)
        self.index.refresh()


@pytest.fixture
def world() -> World:
    return World()


# -- the lifecycle ---------------------------------------------------------------------------------
def test_a_new_article_is_a_draft_at_version_1(world):
    view = world.service.view(world.article())

    assert (view.status.value, view.latest_version, view.published_version, view.content_version) == (
        "draft",
        1,
        None,
        1,
    )


def test_an_edit_is_a_new_draft_version_while_the_published_one_stays_served(world):
    aid = world.article()
    world.publish(aid)

    edited = world.service.edit(aid, "bob", ArticleEdit(version=1, resolution="Install firmware 4.3."))

    assert (edited.status.value, edited.latest_version, edited.published_version) == ("draft", 2, 1)
    assert world.service.customer_article(aid).resolution == "Set the feed delay to 200 ms."
    assert [(v.version, v.published) for v in world.service.versions(aid).items] == [(2, False), (1, True)]


def test_two_edits_from_the_same_version_conflict(world):
    aid = world.article()
    world.service.edit(aid, "alice", ArticleEdit(version=1, title="Alice's title"))

    with pytest.raises(VersionConflict):
        world.service.edit(aid, "bob", ArticleEdit(title="Bob's title"), if_match=1)

    assert world.service.get(aid).title == "Alice's title"


def test_only_reviewers_publish_and_only_what_is_in_review(world):
    aid = world.article()
    with pytest.raises(InvalidTransition):
        world.service.transition(aid, "rita", REVIEWER, Action.PUBLISH, TransitionIn())
    world.service.transition(aid, "amy", NOBODY, Action.SUBMIT, TransitionIn())

    with pytest.raises(Forbidden):
        world.service.transition(aid, "amy", NOBODY, Action.PUBLISH, TransitionIn())
    published = world.service.transition(aid, "rita", REVIEWER, Action.PUBLISH, TransitionIn(version=1))

    assert (published.status.value, published.published_by) == ("published", "rita")


def test_customers_see_only_published_external_articles_and_are_counted(world):
    internal, draft, public = world.article(visibility="internal"), world.article(), world.article()
    world.publish(internal)
    world.publish(public)

    for hidden in (internal, draft, "KB-9999"):
        with pytest.raises(NotFound):
            world.service.customer_article(hidden)
    world.service.customer_article(public)
    world.service.feedback(public, FeedbackIn(helpful=False, comment="call me at +49 30 1234567"), customer=True)

    stats = world.service.view(public).stats
    assert (stats.views, stats.helpful_no) == (1, 1)
    assert "1234567" not in str(world.articles.feedback[public])
    with pytest.raises(NotFound):
        world.service.feedback(internal, FeedbackIn(helpful=True), customer=True)


def test_the_permanent_fix_keeps_the_workaround_marked_superseded(world):
    aid = world.article(workaround="Print from tray 1.")
    world.publish(aid)

    view = world.service.permanent_fix(
        aid, "rita", REVIEWER, PermanentFixIn(root_cause="Feed timing.", fix="Firmware 4.3.", problem_id="PRB-7")
    )

    assert (view.status.value, view.published_version, view.problem_ids) == ("published", 2, ["PRB-7"])
    assert (view.content.workaround, view.content.workaround_superseded) == ("Print from tray 1.", True)


def test_an_article_that_helped_a_case_is_linked_both_ways_once(world):
    aid, case = world.article(), world.case("Jam")

    world.service.link_helped(aid, "amy", case.case_id)
    article = world.service.link_helped(aid, "amy", case.case_id)

    assert article.helped_cases == [case.case_id]
    notes = [e for e in world.cases.view(case.case_id).timeline if (e.data or {}).get("knowledge")]
    assert len(notes) == 1 and notes[0].visibility == "internal"
    with pytest.raises(NotFound):
        world.service.link_helped(aid, "amy", "CB-999999")


# -- drafting from a case ---------------------------------------------------------------------------
def test_a_draft_from_a_case_carries_none_of_the_peoples_data(world):
    world.customers.upsert(
        CustomerIn.model_validate(
            {
                "customer_id": "nordwerk",
                "name": "Nordwerk",
                "contacts": [{"name": "Anna Schmidt", "email": "anna.schmidt@nordwerk.example"}],
            }
        )
    )
    case = world.case(
        "Anna Schmidt: printer jams on page 2",
        "Hello, this is Anna Schmidt. Call me on +49 30 1234567-01 or write to anna.schmidt@nordwerk.example.",
        contact_email="anna.schmidt@nordwerk.example",
        product="printer-x",
    )
    agent = Actor(type=ActorType.AGENT, id="bob.keller@casebridge.example")
    world.cases.add_note(
        case.case_id,
        agent,
        "Cause: firmware 4.2 feeds too early. Bob Keller called Anna.\nWorkaround: feed delay 200 ms.",
    )

    draft = world.service.draft_from_case(case.case_id, "bob", DraftFromCaseIn())

    text = draft.article.content.model_dump_json()
    for leaked in ("Anna", "Schmidt", "nordwerk", "1234567", "Bob", "Keller"):
        assert leaked not in text, leaked
    assert draft.article.content.cause.startswith("firmware 4.2 feeds too early")
    assert draft.article.content.workaround == "feed delay 200 ms."
    assert draft.removed["email"] >= 1
    assert (draft.article.status.value, draft.article.source_cases) == ("draft", [case.case_id])
    notes = [e for e in world.cases.view(case.case_id).timeline if e.kind == EventKind.NOTE and e.data]
    assert notes[-1].data == {"knowledge": {"article_id": draft.article.article_id, "relation": "source"}}


def test_the_last_agent_reply_becomes_the_resolution(world):
    case = world.case("Printer jams", contact_email="ann@example.org")
    world.cases.reply(
        case.case_id,
        Actor(type=ActorType.AGENT, id="bob"),
        ReplyIn(body="Please install firmware 4.3.\n\nOn Monday Ann wrote:\n> it jams"),
    )

    draft = world.service.draft_from_case(case.case_id, "bob", DraftFromCaseIn())

    assert draft.article.content.resolution == "Please install firmware 4.3."


def test_drafting_names_likely_duplicates_best_first(world):
    existing = world.article(title="Printer jams on the second page", symptoms="Paper jams on page 2.")
    other = world.article(title="Router drops WiFi", symptoms="Wireless disconnects hourly.")
    world.index_everything()

    draft = world.service.draft_from_case(world.case("Printer jams on page 2").case_id, "bob", DraftFromCaseIn())

    ids = [d.article_id for d in draft.duplicates]
    assert draft.duplicates_checked and ids[0] == existing and other not in ids


def test_drafting_goes_on_when_search_is_down(world):
    def down(query):
        raise ConnectionError("search is down")

    world.index.search = down  # type: ignore[method-assign]

    draft = world.service.draft_from_case(world.case("Printer jams").case_id, "bob", DraftFromCaseIn())

    assert (draft.duplicates, draft.duplicates_checked) == ([], False)


def test_drafting_from_an_unknown_case_is_not_found(world):
    with pytest.raises(NotFound):
        world.service.draft_from_case("CB-999999", "bob", DraftFromCaseIn())


# -- similar cases --------------------------------------------------------------------------------------
@pytest.fixture(params=["fake", "embedded"])
def ranked(request, tmp_path) -> World:
    """A world whose search index is the fake one or the real embedded engine (tantivy)."""
    if request.param == "fake":
        return World(FakeSearchIndex())
    from functions.search.embedded import EmbeddedIndex

    return World(EmbeddedIndex(tmp_path / "search"))


def test_similar_cases_are_other_customers_cases_best_first(ranked):
    mine = ranked.case("Printer jams on page two", "paper jam after firmware update", "acme")
    same_customer = ranked.case("Printer jams again", "paper jam on page two", "acme")
    best = ranked.case("Paper jam in printer", "printer jams on page two since update", "globex")
    weaker = ranked.case("Printer makes noise", "the printer is loud", "initech")
    unrelated = ranked.case("Router drops wifi", "wireless disconnects", "globex")
    ranked.index_everything()

    similar = ranked.service.similar(mine.case_id, SimilarQuery())

    ids = [c.case_id for c in similar.cases]
    assert ids[:2] == [best.case_id, weaker.case_id]
    assert {mine.case_id, same_customer.case_id, unrelated.case_id}.isdisjoint(ids)
    assert similar.cases[0].score > similar.cases[1].score > 0 and similar.cases[0].matched_terms


def test_similar_cases_suggest_published_articles_only(ranked):
    mine = ranked.case("Printer jams on page two", "paper jam", "acme")
    internal = ranked.article(title="Printer paper jam (internal)", symptoms="jam", visibility="internal")
    external = ranked.article(title="Printer paper jam (external)", symptoms="jam")
    ranked.article(title="Printer paper jam (draft)", symptoms="jam")
    ranked.publish(internal)
    ranked.publish(external)
    ranked.index_everything()

    articles = ranked.service.similar(mine.case_id, SimilarQuery()).articles

    assert sorted(a.article_id for a in articles) == sorted([internal, external])


def test_similar_cases_of_an_unknown_case_is_not_found(world):
    with pytest.raises(NotFound):
        world.service.similar("CB-999999", SimilarQuery())


def test_a_message_on_the_case_does_not_change_what_is_similar(world):
    # the query is the case's subject and description, not its conversation
    mine = world.case("Printer jams", "paper jam", "acme")
    world.cases.add_inbound(
        mine.case_id,
        Message(channel=Channel.EMAIL, direction="in", body_text="router wifi router wifi"),
        Actor(type=ActorType.CUSTOMER),
    )
    router = world.case("Router wifi", "router wifi drops", "globex")
    world.index_everything()

    assert router.case_id not in [c.case_id for c in world.service.similar(mine.case_id, SimilarQuery()).cases]
