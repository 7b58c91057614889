"""The HTML pages of an unsubscribe link (confirmation, done, error): small, no JavaScript."""

from __future__ import annotations

import html

from functions.notify.links import UNSUBSCRIBE_PATH


def page(title: str, message: str, token: str | None = None) -> str:
    """A page with ``title`` and ``message``; with ``token``, the form that confirms the unsubscribe."""
    form = ""
    if token:
        form = (
            f'<form method="post" action="{UNSUBSCRIBE_PATH}?token={html.escape(token, quote=True)}">'
            '<input type="hidden" name="confirm" value="yes">'
            '<button type="submit">Unsubscribe</button></form>'
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">'
        f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(message)}</p>{form}</body></html>"
    )
