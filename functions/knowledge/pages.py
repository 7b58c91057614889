"""The help center's static article pages and sitemap (pure: text in, HTML and XML out).

``KnowledgeService`` writes them to the help-site bucket (``ports.HelpSiteStore``) whenever what
customers are served of an article changes: one page per language at
``help/{lang}/articles/{id}`` (the site chrome in that language, the article as written), linked to
each other with hreflang; a retired article's pages say so (noindex) instead of disappearing, so a
bookmark still explains itself; ``sitemap.xml`` lists every served article in every language.
Search engines index these pages; the rest of the help center is dynamic (functions.selfservice).

"Did this help?" is a plain form posting to ``/help/{lang}/feedback/{id}`` (works without
JavaScript; the page's script sends it in the background and adds the self-service session).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape

from functions.core.i18n import LANGUAGES, Words, format_date
from functions.core.pages import article_url, attr, document, esc, help_url, paragraphs, time_tag
from functions.core.timeutil import iso
from functions.knowledge.models import CustomerArticle

SITEMAP_KEY = "sitemap.xml"
ROBOTS_KEY = "robots.txt"


def page_key(lang: str, article_id: str) -> str:
    """The bucket key of an article's page (no extension: the object's Content-Type says HTML)."""
    return article_url(lang, article_id).lstrip("/")


def _absolute(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def _section(heading: str, text: str, css: str = "") -> str:
    if not text.strip():
        return ""
    cls = f' class="{css}"' if css else ""
    return f"<section{cls}><h2>{esc(heading)}</h2>{paragraphs(text)}</section>"


def feedback_form(w: Words, article_id: str) -> str:
    action = help_url(w.lang, f"feedback/{quote(article_id, safe='')}")
    return (
        f'<form class="feedback" method="post" action="{attr(action)}" data-feedback="{attr(w("feedback.thanks"))}">'
        f"<fieldset><legend>{esc(w('article.helped'))}</legend>"
        '<input type="hidden" name="session" value="" data-session>'
        f'<button type="submit" name="helpful" value="yes">{esc(w("article.yes"))}</button> '
        f'<button type="submit" name="helpful" value="no">{esc(w("article.no"))}</button>'
        '</fieldset><p class="feedback-status" role="status" aria-live="polite"></p></form>'
    )


def article_page(article: CustomerArticle, lang: str, base_url: str) -> str:
    w = Words(lang)
    env = article.environment
    facts = [(w("article.product"), env.product), (w("article.model"), env.model), (w("article.version"), env.version)]
    env_html = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts if v)
    workaround = ""
    if article.workaround.strip():
        heading = w("article.old_workaround") if article.workaround_superseded else w("article.workaround")
        workaround = _section(heading, article.workaround, "superseded" if article.workaround_superseded else "")
    updated = time_tag(iso(article.updated_at), format_date(article.updated_at, lang))
    structured = {
        "@context": "https://schema.org",
        "@type": "TechArticle",
        "headline": article.title,
        "dateModified": article.updated_at.isoformat(),
        "inLanguage": lang,
        "url": _absolute(base_url, article_url(lang, article.article_id)),
    }
    ld = json.dumps(structured, ensure_ascii=False).replace("<", "\\u003c")
    main = (
        f'<article class="article" data-article="{attr(article.article_id)}">'
        f"<h1>{esc(article.title)}</h1>"
        f'<p class="meta">{esc(w("article.updated"))} {updated}</p>'
        + (f'<dl class="facts">{env_html}</dl>' if env_html else "")
        + _section(w("article.symptoms"), article.symptoms)
        + _section(w("article.cause"), article.cause)
        + _section(w("article.resolution"), article.resolution)
        + workaround
        + "</article>"
        + feedback_form(w, article.article_id)
        + f'<p class="next">{esc(w("article.still"))} <a href="{attr(help_url(lang, "contact"))}">{esc(w("contact.title"))}</a></p>'
        + f'<script type="application/ld+json">{ld}</script>'
    )
    alternates = {code: _absolute(base_url, article_url(code, article.article_id)) for code in LANGUAGES}
    description = " ".join((article.symptoms or article.resolution).split())[:155]
    return document(
        w,
        title=article.title,
        main=main,
        indexable=True,
        canonical=alternates[lang],
        alternates=alternates,
        description=description or None,
        language_links={code: article_url(code, article.article_id) for code in LANGUAGES},
        page="article",
    )


def retired_page(article_id: str, title: str | None, lang: str) -> str:
    """What a retired (or no longer external) article's address shows: not indexed, a way on."""
    w = Words(lang)
    main = (
        f"<h1>{esc(w('article.gone'))}</h1>"
        + (f"<p>{esc(title)}</p>" if title else "")
        + f'<p>{esc(w("article.gone_next"))} <a href="{attr(help_url(lang))}">{esc(w("site.search"))}</a></p>'
    )
    return document(
        w,
        title=w("article.gone"),
        main=main,
        language_links={code: article_url(code, article_id) for code in LANGUAGES},
        page="article",
    )


def sitemap(articles: Iterable[tuple[str, datetime]], base_url: str) -> str:
    """Every help center home and served article, in every language, with its alternates."""
    urls: list[str] = []

    def entry(paths: dict[str, str], modified: datetime | None) -> None:
        for path in paths.values():
            links = "".join(
                f'<xhtml:link rel="alternate" hreflang="{other}" href="{xml_escape(_absolute(base_url, p))}"/>'
                for other, p in paths.items()
            )
            last = f"<lastmod>{modified.date().isoformat()}</lastmod>" if modified else ""
            urls.append(f"<url><loc>{xml_escape(_absolute(base_url, path))}</loc>{last}{links}</url>")

    entry({code: help_url(code) for code in LANGUAGES}, None)
    for article_id, modified in articles:
        entry({code: article_url(code, article_id) for code in LANGUAGES}, modified)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">'
        + "".join(urls)
        + "</urlset>"
    )


def robots(base_url: str) -> str:
    return f"User-agent: *\nAllow: /help/\nDisallow: /portal/\n\nSitemap: {_absolute(base_url, '/' + SITEMAP_KEY)}\n"
