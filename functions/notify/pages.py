"""The HTML pages of an unsubscribe link (confirmation, done, error): small, no JavaScript, in the
reader's language (``?lang=``, else the browser's Accept-Language; functions.core.i18n)."""

from __future__ import annotations

import html

from functions.core.i18n import Words
from functions.notify.links import UNSUBSCRIBE_PATH


def page(title: str, message: str, token: str | None = None, *, lang: str = "en", button: str | None = None) -> str:
    """A page with ``title`` and ``message``; with ``token``, the form that confirms the unsubscribe."""
    w = Words(lang)
    form = ""
    if token:
        form = (
            f'<form method="post" action="{UNSUBSCRIBE_PATH}?token={html.escape(token, quote=True)}">'
            '<input type="hidden" name="confirm" value="yes">'
            f'<button type="submit">{html.escape(button or w("unsubscribe.button"))}</button></form>'
        )
    return (
        f'<!doctype html><html lang="{w.lang}"><head><meta charset="utf-8"><meta name="robots" content="noindex">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title></head><body><main><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(message)}</p>{form}</main></body></html>"
    )


def confirm_page(token: str, lang: str) -> str:
    w = Words(lang)
    return page(w("unsubscribe.title"), w("unsubscribe.question"), token, lang=lang)


def done_page(lang: str) -> str:
    w = Words(lang)
    return page(w("unsubscribe.done_title"), w("unsubscribe.done"), lang=lang)


def error_page(lang: str, message: str | None = None) -> str:
    w = Words(lang)
    return page(w("link.title"), message or w("link.broken"), lang=lang)
