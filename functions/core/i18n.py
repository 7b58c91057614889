"""The customers' languages: which one a page speaks, its words, and dates and numbers in it.

Pure (no I/O but reading the shipped catalogues, once, on first use): the customers' pages
(help center, contact form, case page, known issues, unsubscribe and preferences) are written in
English, German, French or Spanish, the languages the notices' templates have. A page takes the
first of: a language the customer chose (``?lang=``), the contact's language on record, the
browser's ``Accept-Language``; English when none of them is one of the four.

Catalogues: ``functions/core/messages/{lang}.json``, flat ``"key": "text with {placeholders}"``.
A key missing in a language falls back to English (a test holds the four catalogues to the same
keys). Dates are written in UTC on the server; the pages' script rewrites every ``<time>`` in the
reader's own time zone and locale (Intl) when it runs.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES: tuple[str, ...] = ("en", "de", "fr", "es")
DEFAULT_LANGUAGE = "en"
NATIVE_NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español"}
_DIR = Path(__file__).resolve().parent / "messages"


def base_language(tag: str | None) -> str | None:
    """``"de-AT"`` -> ``"de"``; None for anything that is not one of the four."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def parse_accept_language(header: str | None) -> list[str]:
    """The language tags of an ``Accept-Language`` header, most wanted first (q=0 dropped)."""
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag and tag != "*" and q > 0:
            ranked.append((-q, position, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(*preferred: str | None, accept_language: str | None = None) -> str:
    """The first of ``preferred`` that is one of the four, else the browser's best match, else English."""
    for tag in (*preferred, *parse_accept_language(accept_language)):
        lang = base_language(tag)
        if lang:
            return lang
    return DEFAULT_LANGUAGE


@cache
def catalogue(lang: str) -> dict[str, Any]:
    path = _DIR / f"{lang if lang in LANGUAGES else DEFAULT_LANGUAGE}.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def t(lang: str, key: str, **values: Any) -> str:
    """The text of ``key`` in ``lang`` (English when the language lacks it), placeholders filled."""
    text = catalogue(lang).get(key)
    if not isinstance(text, str):
        text = catalogue(DEFAULT_LANGUAGE).get(key, key)
    return str(text).format(**values) if values else str(text)


class Words:
    """``t`` bound to one language: ``w = Words("de"); w("site.search")``."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE

    def __call__(self, key: str, **values: Any) -> str:
        return t(self.lang, key, **values)


def format_date(value: date | datetime, lang: str) -> str:
    """``2 December 2026`` / ``2. Dezember 2026`` / ``2 décembre 2026`` / ``2 de diciembre de 2026``."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC).date()
    months = catalogue(lang).get("date.months") or catalogue(DEFAULT_LANGUAGE)["date.months"]
    pattern = t(lang, "date.pattern")
    return pattern.format(day=value.day, month=months[value.month - 1], year=value.year)


def format_datetime(value: datetime, lang: str) -> str:
    """The date and the UTC time, in the language's words (``… 14:05 UTC``; English: ``2:05 PM UTC``)."""
    at = value.astimezone(UTC)
    if lang == "en":
        hour = at.hour % 12 or 12
        clock = f"{hour}:{at.minute:02d} {'AM' if at.hour < 12 else 'PM'}"
    else:
        clock = f"{at.hour:02d}:{at.minute:02d}"
    return t(lang, "date.at", date=format_date(at, lang), time=clock)


def format_number(value: int | float, lang: str) -> str:
    """Digits grouped in the language's way: 12,345 / 12.345 / 12 345 / 12.345."""
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    if lang == "en":
        return text
    group = {"de": ".", "es": ".", "fr": "\u202f"}.get(lang, ",")
    decimal = "," if lang in ("de", "es", "fr") else "."
    return text.replace(",", "\0").replace(".", decimal).replace("\0", group)


def format_bytes(size: int, lang: str) -> str:
    if size < 1024:
        return f"{format_number(size, lang)} B"
    if size < 1024 * 1024:
        return f"{format_number(round(size / 1024, 1), lang)} KB"
    return f"{format_number(round(size / (1024 * 1024), 1), lang)} MB"
