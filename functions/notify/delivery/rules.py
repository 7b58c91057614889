"""Pure rules of notice delivery: which stored mail template a language gets, the SMS text, the
lifecycle's execution name, the per-dispatch counters. No I/O, no clock."""

from __future__ import annotations

from functions.notify.contract import Dispatch, DispatchRecord
from functions.notify.delivery.models import (
    OPT_OUT_TEXT,
    SMS_MAX_CHARS,
    TEMPLATE_LANGUAGES,
    TEMPLATE_NAME,
    DispatchDeliveries,
)

# What delivery counts per dispatch (kept with the dispatch: GET /notices/{id}/deliveries).
COUNTS = ("sent_email", "sent_sms", "failed", "uncertain", "batches", "batches_done")


def template_name(language: str) -> str:
    """The stored mail template of a recipient's language; English for a language without one."""
    lang = (language or "en").split("-")[0].lower()
    return TEMPLATE_NAME.format(lang=lang if lang in TEMPLATE_LANGUAGES else "en")


def sms_text(dispatch: Dispatch) -> str:
    """The dispatch's SMS text in one message (160 characters), ending with the opt-out word."""
    room = SMS_MAX_CHARS - len(OPT_OUT_TEXT) - 1
    text = " ".join(dispatch.sms_text.split())
    if len(text) > room:
        text = text[: room - 1].rstrip() + "…"
    return f"{text} {OPT_OUT_TEXT}"


def execution_name(notice_id: str) -> str:
    """The notice's lifecycle execution (one per notice: starting it again is idempotent). Step
    Functions execution names: 1-80 characters, no spaces or special characters."""
    return "notice-" + "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in notice_id)[:73]


def deliveries(made: list[DispatchRecord], counts: dict[int, dict[str, int]]) -> list[DispatchDeliveries]:
    """Each dispatch made with its counts (zero for one no batch has counted yet)."""
    none = dict.fromkeys(COUNTS, 0)
    return [DispatchDeliveries(seq=d.seq, kind=d.kind, **counts.get(d.seq, none)) for d in made]
