"""The frame of every customers' page: one small HTML document, the same on every page.

Pure: the help center's pages (functions.selfservice.pages, the static article pages of
functions.knowledge.pages), the contact form (functions.channels.web.pages), the case page and
the link request page (functions.portal.pages), known issues and the notice preferences
(functions.notify.pages) all put their ``<main>`` in ``document``.

Every page works without JavaScript. ``/assets/site.css`` and ``/assets/help.js`` come from the
customers' site (``web/customers``, built into ``web/customers/dist``); the script only makes a page
better (suggestions while typing, attachments, localised times) and finds its work by
``data-*`` attributes. Text goes through ``esc`` (or ``attr`` in attributes): nothing a customer,
an agent or an article wrote is ever markup here.

URLs: the customers' site serves every page under ``/help/{lang}/...`` (articles as static files
from the help-site bucket, the rest from the API), the case page under ``/portal/cases/{id}``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from urllib.parse import quote, urlencode

from functions.core.i18n import LANGUAGES, NATIVE_NAMES, Words

CSS = "/assets/site.css"
SCRIPT = "/assets/help.js"
HELP = "/help"


def esc(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=False)


def attr(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def help_url(lang: str, tail: str = "", query: Mapping[str, str | int | None] | None = None) -> str:
    """``/help/de/search?q=...``: a path of the help center in one language."""
    path = f"{HELP}/{lang}" + (f"/{tail.lstrip('/')}" if tail else "")
    params = {k: v for k, v in (query or {}).items() if v not in (None, "")}
    return path + ("?" + urlencode(params) if params else "")


def article_url(lang: str, article_id: str) -> str:
    return help_url(lang, f"articles/{quote(article_id, safe='')}")


def paragraphs(text: str | None) -> str:
    """Plain text as paragraphs (blank lines split them, single line breaks stay)."""
    blocks = [b.strip() for b in (text or "").replace("\r\n", "\n").split("\n\n")]
    return "".join(f"<p>{esc(b).replace(chr(10), '<br>')}</p>" for b in blocks if b)


def time_tag(at_iso: str, shown: str) -> str:
    """A ``<time>`` the page's script rewrites in the reader's time zone and locale."""
    return f'<time datetime="{attr(at_iso)}">{esc(shown)}</time>'


def notice_banner(w: Words, notices: Iterable[tuple[str, str, str]]) -> str:
    """The known-issues banner: (title, latest update, link) of each active notice."""
    items = [
        f'<li><strong>{esc(title)}</strong> {esc(_first_line(body))} <a href="{attr(link)}">{esc(w("known.more"))}</a></li>'
        for title, body, link in notices
    ]
    if not items:
        return ""
    return (
        f'<section class="banner" aria-labelledby="banner-title"><h2 id="banner-title">{esc(w("known.banner"))}</h2>'
        f'<ul class="plain">{"".join(items)}</ul></section>'
    )


def _first_line(text: str, limit: int = 200) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def document(
    w: Words,
    *,
    title: str,
    main: str,
    banner: str = "",
    indexable: bool = False,
    canonical: str | None = None,
    alternates: Mapping[str, str] | None = None,
    description: str | None = None,
    language_links: Mapping[str, str] | None = None,
    page: str = "",
) -> str:
    """A whole page. ``alternates``: the same page in each language (hreflang links);
    ``language_links``: where the footer's language switch goes (default: each language's help center)."""
    lang = w.lang
    head = [
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>{esc(title)} · {esc(w('site.name'))}</title>",
        f'<meta name="robots" content="{"index,follow" if indexable else "noindex"}">',
    ]
    if description:
        head.append(f'<meta name="description" content="{attr(description)}">')
    if canonical:
        head.append(f'<link rel="canonical" href="{attr(canonical)}">')
    for other, href in (alternates or {}).items():
        head.append(f'<link rel="alternate" hreflang="{attr(other)}" href="{attr(href)}">')
    head += [f'<link rel="stylesheet" href="{CSS}">', f'<script type="module" src="{SCRIPT}"></script>']
    links = language_links or {code: help_url(code) for code in LANGUAGES}
    switch = "".join(
        f'<li><a href="{attr(href)}" hreflang="{code}" lang="{code}"'
        + (' aria-current="true"' if code == lang else "")
        + f">{esc(NATIVE_NAMES[code])}</a></li>"
        for code, href in links.items()
    )
    nav = [
        ("search", help_url(lang), w("site.search")),
        ("known-issues", help_url(lang, "known-issues"), w("known.title")),
        ("contact", help_url(lang, "contact"), w("contact.title")),
    ]
    nav_items = "".join(
        f'<li><a href="{attr(href)}"' + (' aria-current="page"' if key == page else "") + f">{esc(text)}</a></li>"
        for key, href, text in nav
    )
    return (
        f'<!doctype html><html lang="{lang}"><head>{"".join(head)}</head>'
        f'<body data-lang="{lang}" data-page="{attr(page)}">'
        f'<a class="skip" href="#main">{esc(w("site.skip"))}</a>'
        f'<header class="site-header"><a class="brand" href="{attr(help_url(lang))}">{esc(w("site.name"))}</a>'
        f'<nav aria-label="{attr(w("site.nav"))}"><ul>{nav_items}</ul></nav></header>'
        f'<div id="banner" data-banner="{attr(w("known.banner"))}" data-more="{attr(w("known.more"))}"'
        f' data-filled="{"yes" if banner else "no"}">{banner}</div>'
        f'<main id="main" tabindex="-1">{main}</main>'
        f'<footer class="site-footer"><nav aria-label="{attr(w("site.languages"))}"><ul>{switch}</ul></nav></footer>'
        "</body></html>"
    )


def field_error(w: Words, errors: Mapping[str, str], name: str) -> str:
    """The error of one form field, tied to it by id (``aria-describedby="{name}-error"``)."""
    message = errors.get(name)
    return f'<p class="field-error" id="{attr(name)}-error">{esc(message)}</p>' if message else ""


def described_by(errors: Mapping[str, str], name: str, hint: str | None = None) -> str:
    ids = [i for i in (hint, f"{name}-error" if name in errors else None) if i]
    invalid = ' aria-invalid="true"' if name in errors else ""
    return (f' aria-describedby="{attr(" ".join(ids))}"' if ids else "") + invalid


def error_summary(w: Words, errors: Mapping[str, str]) -> str:
    """The list of what is wrong, at the top of a form, each item a link to its field."""
    if not errors:
        return ""
    items = "".join(f'<li><a href="#{attr(name)}">{esc(message)}</a></li>' for name, message in errors.items())
    return (
        f'<div class="error-summary" role="alert" tabindex="-1" data-focus><h2>{esc(w("form.problems"))}</h2>'
        f"<ul>{items}</ul></div>"
    )


# -- the self-service session ----------------------------------------------------------------------
# A random first-party cookie (no personal data) that makes a customer's searches, known issues
# seen, feedback and the case they went on to open one session's deflection events, with or
# without the pages' script (which reads it to record clicks).
SESSION_COOKIE = "cb_ss"
HTML_TYPE = "text/html; charset=utf-8"


def session_from_headers(headers: Mapping[str, str] | None) -> tuple[str, dict[str, str]]:
    """The session id from the request's cookie, or a new one and the header that sets it."""
    import re  # noqa: PLC0415
    import secrets  # noqa: PLC0415

    for part in ((headers or {}).get("cookie") or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE and re.fullmatch(r"[A-Za-z0-9_-]{16,64}", value):
            return value, {}
    session = secrets.token_urlsafe(16)
    # Lax: sent on the customer's own navigation; readable by the page's script (it only names the session).
    return session, {"Set-Cookie": f"{SESSION_COOKIE}={session}; Path=/; Max-Age=1800; SameSite=Lax"}


def page_headers(cache: str = "no-store", extra: Mapping[str, str] | None = None) -> dict[str, str | list[str]]:
    return {
        "Content-Type": HTML_TYPE,
        "Cache-Control": cache,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        **(extra or {}),
    }


def error_page(lang: str | None, status: int, message: str) -> str:
    """A page for an error of a page route (``functions.core.http.route(html=True)``): 404 says the
    page is not there (in the page's language when the path names one), other statuses say why."""
    w = Words(lang if lang in LANGUAGES else "en")
    if status == 404:
        title, text = w("notfound.title"), w("notfound.text")
    else:
        title, text = message, ""
    main = f"<h1>{esc(title)}</h1>" + (f"<p>{esc(text)}</p>" if text else "")
    main += f'<p><a href="{attr(help_url(w.lang))}">{esc(w("site.search"))}</a></p>'
    return document(w, title=title, main=main)
