"""The help center's dynamic pages (pure: models in, HTML out): home, search results, a public
answer, an automated fix, known issues, the "thank you" of the feedback form.

Every page is a whole document from ``functions.core.pages.document`` and works without
JavaScript: the search is a GET form, feedback a POST form. The customers' site script
(``web/customers``) adds suggestions while typing and records clicks. The article pages are
static (functions.knowledge.pages); these are not indexed (``noindex``) but for the home page.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from functions.core.i18n import LANGUAGES, Words, format_date, format_datetime
from functions.core.pages import attr, document, esc, help_url, notice_banner, paragraphs, time_tag
from functions.core.timeutil import iso
from functions.selfservice import rules
from functions.selfservice.models import CustomerAnswer, PublicFix, SelfServiceHit
from functions.selfservice.ports import KnownIssue


def banner(w: Words, issues: Sequence[KnownIssue]) -> str:
    return notice_banner(
        w, ((n.title, n.body, help_url(w.lang, rules.page_tail("notice", n.notice_id))) for n in issues[:3])
    )


def search_form(w: Words, query: str = "") -> str:
    return (
        f'<form class="search" role="search" method="get" action="{attr(help_url(w.lang, "search"))}">'
        f'<label for="q">{esc(w("search.label"))}</label>'
        '<div class="search-row">'
        f'<input id="q" name="q" type="search" value="{attr(query)}" maxlength="200" required autocomplete="off"'
        ' data-suggest="suggestions">'
        f'<button type="submit">{esc(w("site.search"))}</button></div>'
        f'<div id="suggestions" class="suggestions" hidden><h2 class="visually-hidden">{esc(w("search.suggestions"))}</h2>'
        '<ul class="plain"></ul></div>'
        "</form>"
    )


def _issue_item(w: Words, issue: KnownIssue, heading: str = "h3") -> str:
    updated = time_tag(iso(issue.updated_at), format_datetime(issue.updated_at, w.lang))
    return (
        f'<li class="issue" id="notice-{attr(issue.notice_id)}" data-notice="{attr(issue.notice_id)}">'
        f"<{heading}>{esc(issue.title)}</{heading}>"
        f'<p class="meta">{esc(w("known.updated"))} {updated}</p>{paragraphs(issue.body)}</li>'
    )


def home(w: Words, issues: Sequence[KnownIssue]) -> str:
    main = f"<h1>{esc(w('home.title'))}</h1><p>{esc(w('home.intro'))}</p>" + search_form(w)
    main += (
        f'<p class="next">{esc(w("article.still"))} <a href="{attr(help_url(w.lang, "contact"))}">'
        f"{esc(w('contact.title'))}</a></p>"
    )
    alternates = {code: help_url(code) for code in LANGUAGES}
    return document(
        w,
        title=w("home.title"),
        main=main,
        banner=banner(w, issues),
        indexable=True,
        alternates=alternates,
        description=w("home.intro"),
        page="search",
    )


def result_url(w: Words, hit: SelfServiceHit) -> str:
    return help_url(w.lang, rules.page_tail(hit.kind, hit.id))


def results(
    w: Words,
    query: str,
    hits: Sequence[SelfServiceHit],
    matching: Sequence[KnownIssue],
    all_issues: Sequence[KnownIssue],
) -> str:
    parts = [f"<h1>{esc(w('search.results_for', query=query))}</h1>", search_form(w, query)]
    if matching:
        parts.append(
            f'<section class="known-matches" aria-labelledby="known-matches"><h2 id="known-matches">'
            f'{esc(w("known.matching"))}</h2><ul class="plain">{"".join(_issue_item(w, n) for n in matching)}</ul></section>'
        )
    if hits:
        items = []
        for position, hit in enumerate(hits):
            # the snippet's only markup is the engine's <em> around matched terms: escape, then restore it
            snippet = esc(hit.snippet).replace("&lt;em&gt;", "<em>").replace("&lt;/em&gt;", "</em>")
            items.append(
                f'<li><a href="{attr(result_url(w, hit))}" data-result-kind="{hit.kind}" data-result-id="{attr(hit.id)}"'
                f' data-position="{position}">{esc(hit.title)}</a>'
                f' <span class="kind">{esc(w("kind." + hit.kind))}</span>'
                + (f"<p>{snippet}</p>" if snippet else "")
                + "</li>"
            )
        parts.append(
            f'<p role="status">{esc(w("search.count", count=len(hits)))}</p><ol class="results">{"".join(items)}</ol>'
        )
    else:
        parts.append(f'<p role="status">{esc(w("search.none"))}</p>')
    parts.append(
        f'<p class="next">{esc(w("article.still"))} <a href="{attr(help_url(w.lang, "contact", {"q": query}))}">'
        f"{esc(w('contact.title'))}</a></p>"
    )
    return document(
        w,
        title=w("search.results_for", query=query),
        main="".join(parts),
        banner="" if matching else banner(w, all_issues),
        language_links={code: help_url(code, "search", {"q": query}) for code in LANGUAGES},
        page="search",
    )


def answer_page(w: Words, answer: CustomerAnswer, issues: Sequence[KnownIssue]) -> str:
    updated = time_tag(iso(answer.updated_at), format_date(answer.updated_at, w.lang))
    main = (
        f'<article class="article" data-answer="{attr(answer.answer_id)}"><h1>{esc(answer.title)}</h1>'
        f'<p class="meta">{esc(w("article.updated"))} {updated}</p>'
        f"<section><h2>{esc(w('answer.question'))}</h2>{paragraphs(answer.question)}</section>"
        f"<section><h2>{esc(w('answer.answer'))}</h2>{paragraphs(answer.answer)}</section></article>"
        f'<p class="next">{esc(w("article.still"))} <a href="{attr(help_url(w.lang, "contact"))}">'
        f"{esc(w('contact.title'))}</a></p>"
    )
    tail = rules.page_tail("answer", answer.answer_id)
    return document(
        w,
        title=answer.title,
        main=main,
        banner=banner(w, issues),
        language_links={code: help_url(code, tail) for code in LANGUAGES},
        page="answer",
    )


def fix_page(w: Words, fix: PublicFix, issues: Sequence[KnownIssue]) -> str:
    action = fix.action
    data = f'data-fix="{attr(fix.fix_id)}"'
    if action.type == "link":
        run = f'<p><a class="button" href="{attr(action.target)}" {data}>{esc(w("fix.run"))}</a></p>'
    elif action.type == "api":
        method = (action.method or "POST").lower()
        run = (
            f'<form method="{method}" action="{attr(action.target)}" {data}>'
            f'<button type="submit">{esc(w("fix.run"))}</button></form>'
        )
    else:  # a back-office run: the customer asks for it through the contact form
        run = (
            f'<p><a class="button" href="{attr(help_url(w.lang, "contact", {"fix": fix.fix_id}))}" {data}>'
            f"{esc(w('fix.request'))}</a></p>"
        )
    verify = f'<p class="note">{esc(w("fix.verify"))}</p>' if fix.requires_verification else ""
    main = f'<article class="article"><h1>{esc(fix.title)}</h1>{paragraphs(fix.description)}{verify}{run}</article>'
    tail = rules.page_tail("fix", fix.fix_id)
    return document(
        w,
        title=fix.title,
        main=main,
        banner=banner(w, issues),
        language_links={code: help_url(code, tail) for code in LANGUAGES},
        page="fix",
    )


def known_issues_page(w: Words, issues: Sequence[KnownIssue]) -> str:
    if issues:
        body = f'<ul class="plain issues">{"".join(_issue_item(w, n, "h2") for n in issues)}</ul>'
    else:
        body = f'<p role="status">{esc(w("known.none"))}</p>'
    main = f"<h1>{esc(w('known.title'))}</h1><p>{esc(w('known.intro'))}</p>{body}"
    return document(
        w,
        title=w("known.title"),
        main=main,
        language_links={code: help_url(code, "known-issues") for code in LANGUAGES},
        page="known-issues",
    )


def feedback_done(w: Words, article_id: str, helped: bool) -> str:
    back = help_url(w.lang, rules.page_tail("article", article_id))
    if helped:
        main = f"<h1>{esc(w('feedback.thanks'))}</h1><p>{esc(w('feedback.glad'))}</p>"
    else:
        main = (
            f"<h1>{esc(w('feedback.thanks'))}</h1><p>{esc(w('feedback.sorry'))}</p>"
            f'<p><a class="button" href="{attr(help_url(w.lang, "contact", {"article": article_id}))}">'
            f"{esc(w('contact.title'))}</a></p>"
        )
    main += f'<p><a href="{attr(back)}">{esc(w("feedback.back"))}</a></p>'
    return document(w, title=w("feedback.thanks"), main=main, page="article")


def not_found(w: Words) -> str:
    main = (
        f"<h1>{esc(w('notfound.title'))}</h1><p>{esc(w('notfound.text'))}</p>"
        f'<p><a href="{attr(help_url(w.lang))}">{esc(w("site.search"))}</a></p>'
    )
    return document(w, title=w("notfound.title"), main=main)


def fix_path(lang: str, fix_id: str) -> str:
    return help_url(lang, f"fixes/{quote(fix_id, safe='')}")
