"""The help center's pure parts and use cases on fakes: languages, known issues matching a search
and counted as deflections, the pages' escaping and their frame, the static article pages, the
knowledge service keeping the help site in step with what customers are served."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from functions.core import i18n
from functions.core.i18n import Words, format_date, format_number, negotiate
from functions.knowledge import pages as article_pages
from functions.knowledge.models import ArticleIn, TransitionIn
from functions.knowledge.rules import Action
from functions.knowledge.service import KnowledgeService
from functions.search.port import DocKind, SearchDoc
from functions.selfservice import pages, rules
from functions.selfservice.models import SearchParams, SelfServiceHit
from functions.selfservice.service import SelfService
from tests.fakes.knowledge import FakeArticleStore
from tests.fakes.search import FakeSearchIndex
from tests.fakes.selfservice import FakeAnswerStore, FakeEventStore, FakeFixStore

AT = datetime(2026, 12, 2, 14, 5, tzinfo=UTC)


@dataclass
class Issue:
    notice_id: str
    title: str
    body: str
    updated_at: datetime = AT


class FakeSite:
    def __init__(self) -> None:
        self.files: dict[str, str] = {}

    def put(self, key: str, body: str, content_type: str) -> None:
        self.files[key] = body


# -- languages --------------------------------------------------------------------------------
def test_the_language_is_the_chosen_one_then_the_browsers_then_english():
    assert negotiate("de-AT", accept_language="fr") == "de"
    assert negotiate(None, "pt", accept_language="pt-BR, es;q=0.8, fr;q=0.9") == "fr"
    assert negotiate(accept_language="it, *;q=0.1") == "en"
    assert negotiate(accept_language="es;q=0, fr;q=0.1") == "fr"


def test_the_four_catalogues_have_the_same_keys():
    folder = Path(i18n.__file__).parent / "messages"
    keys = {lang: set(json.loads((folder / f"{lang}.json").read_text())) for lang in i18n.LANGUAGES}
    assert all(k == keys["en"] for k in keys.values())


def test_dates_and_numbers_are_written_the_languages_way():
    assert format_date(AT, "de") == "2. Dezember 2026"
    assert format_date(AT, "es") == "2 de diciembre de 2026"
    assert format_number(12345, "de") == "12.345"
    assert format_number(12345, "en") == "12,345"


# -- known issues --------------------------------------------------------------------------------
def test_a_known_issue_matches_a_search_sharing_half_its_terms():
    title, body = "PX-200 printers jam on page 2", "Since the firmware update the PX-200 jams."
    assert rules.notice_matches("printer jams after the update", title, body)
    assert not rules.notice_matches("invoice", title, body)
    assert not rules.notice_matches("the a of", title, body)  # nothing meaningful asked


def _service(issues: list[Issue], docs: list[SearchDoc] | None = None) -> tuple[SelfService, FakeEventStore]:
    index = FakeSearchIndex()
    index.upsert(docs or [])
    events = FakeEventStore()
    service = SelfService(
        search=index,
        fixes=FakeFixStore(),
        answers=FakeAnswerStore(),
        events=events,
        known_issues=lambda: list(issues),
    )
    return service, events


def test_a_search_puts_the_known_issues_it_matches_first_and_counts_them():
    issue = Issue("N-1", "Router reboots every hour", "We are rolling back the update.")
    doc = SearchDoc(
        doc_id="KB-1", kind=DocKind.ARTICLE, title="Router reboots", body="reboots", fields={"audience": "public"}
    )
    service, events = _service([issue, Issue("N-2", "Invoices late", "Mail delays.")], [doc])

    results, matching = service.help_search(SearchParams(q="router reboots", session="s" * 16))

    assert [n.notice_id for n in matching] == ["N-1"]
    assert [r.id for r in results.results] == ["KB-1"]
    recorded = [(r.event.type, r.event.result_kind, r.event.result_id) for r in events.recorded]
    assert recorded == [("searched", None, None), ("notice_viewed", "notice", "N-1")]


def test_known_issues_that_cannot_be_read_leave_the_help_center_answering():
    def broken() -> list[Issue]:
        raise RuntimeError("table down")

    service = SelfService(
        search=None, fixes=FakeFixStore(), answers=FakeAnswerStore(), events=FakeEventStore(), known_issues=broken
    )
    assert service.known_issues() == []


def test_article_feedback_is_the_sessions_solved_it_or_not_helped():
    service, events = _service([])
    service.article_feedback("s" * 16, "KB-9", helped=False)
    service.article_feedback(None, "KB-9", helped=True)  # no session: nothing to count it in
    assert [(r.event.type, r.event.result_id) for r in events.recorded] == [("not_helped", "KB-9")]


# -- pages -------------------------------------------------------------------------------------------
def test_search_results_escape_what_they_show_but_the_engines_emphasis():
    hit = SelfServiceHit(
        kind="answer", id="A-1", title="<script>x</script>", snippet="the <em>router</em> & <b>", score=1, url=""
    )
    page = pages.results(Words("en"), "router", [hit], [], [])
    assert "<script>x" not in page and "&lt;script&gt;x" in page
    assert "the <em>router</em> &amp; &lt;b&gt;" in page
    assert 'href="/help/en/answers/A-1"' in page
    assert '<meta name="robots" content="noindex">' in page


def test_every_page_links_its_other_languages_and_names_its_own():
    page = pages.known_issues_page(Words("fr"), [Issue("N-1", "Panne", "Nous corrigeons.")])
    assert '<html lang="fr">' in page
    for code in ("en", "de", "es"):
        assert f'href="/help/{code}/known-issues" hreflang="{code}"' in page
    assert 'id="notice-N-1"' in page
    assert "2 décembre 2026 à 14:05 UTC" in page


# -- the static article pages ------------------------------------------------------------------------
def test_the_site_follows_publish_and_retire():
    store, site = FakeArticleStore(), FakeSite()
    service = KnowledgeService(store, site=site, site_url="https://help.example.com", clock=lambda: AT)
    reviewers = frozenset({"reviewers"})
    view = service.create("a1", ArticleIn(title="Modem resets", symptoms="It resets.", visibility="external"))
    service.transition(view.article_id, "a1", reviewers, Action.SUBMIT, TransitionIn(version=view.latest_version))
    assert site.files == {}  # nothing is served before publishing
    service.transition(view.article_id, "r1", reviewers, Action.PUBLISH, TransitionIn(version=view.latest_version))

    key = article_pages.page_key("es", view.article_id)
    assert key == f"help/es/articles/{view.article_id}"
    assert "<h1>Modem resets</h1>" in site.files[key]
    assert f"https://help.example.com/help/de/articles/{view.article_id}" in site.files["sitemap.xml"]

    service.transition(view.article_id, "r1", reviewers, Action.RETIRE, TransitionIn(version=view.latest_version))
    assert "Este artículo ya no está disponible" in site.files[key]
    assert view.article_id not in site.files["sitemap.xml"]


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_an_article_page_is_a_whole_indexable_document(lang: str):
    from functions.knowledge.models import CustomerArticle

    article = CustomerArticle.model_validate(
        {
            "article_id": "KB-7",
            "version": 1,
            "title": "Wifi drops",
            "symptoms": "It drops.",
            "resolution": "Restart.",
            "cause": "",
            "workaround": "",
            "workaround_superseded": False,
            "keywords": [],
            "environment": {},
            "updated_at": AT,
        }
    )
    page = article_pages.article_page(article, lang, "https://help.example.com")
    assert page.startswith("<!doctype html>")
    assert '<link rel="canonical" href="https://help.example.com/help/' + lang + '/articles/KB-7">' in page
    assert '"@type": "TechArticle"' in page
