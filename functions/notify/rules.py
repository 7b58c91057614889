"""Pure rules of notice records: status transitions, default audience and texts, the texts of each
dispatch, what a patch changes, SMS reply keywords. No I/O, no clock: times come in."""

from __future__ import annotations

import re
from typing import Any

from functions.core.errors import Conflict, InvalidInput, InvalidTransition
from functions.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, Words
from functions.notify.contract import DispatchKind, DispatchText
from functions.notify.models import (
    FINAL,
    AudienceSpec,
    Notice,
    NoticePatch,
    NoticeStatus,
    NoticeTexts,
    Segment,
)
from functions.problems.models import Problem, ProblemStatus

S = NoticeStatus
# A notice can be written for a confirmed problem that is not yet resolved.
NOTIFIABLE = frozenset({ProblemStatus.CONFIRMED, ProblemStatus.ROOT_CAUSE_ANALYSIS, ProblemStatus.FIX_IN_PROGRESS})
TRANSITIONS: dict[NoticeStatus, frozenset[NoticeStatus]] = {
    S.DRAFT: frozenset({S.ACTIVE, S.CANCELLED, S.STOPPED}),
    S.ACTIVE: frozenset({S.PAUSED, S.CANCELLED, S.COMPLETED, S.STOPPED}),
    S.PAUSED: frozenset({S.ACTIVE, S.CANCELLED, S.COMPLETED, S.STOPPED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.STOPPED: frozenset(),
}
SEGMENT_ATTRIBUTES = ("product", "model", "batch", "region", "tier")
# SMS replies that opt a phone out of / back in to notice SMS (the first word, any case).
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "QUIT", "CANCEL", "END", "OPTOUT"})
START_WORDS = frozenset({"START", "UNSTOP", "SUBSCRIBE"})


def check_transition(from_: NoticeStatus, to: NoticeStatus) -> None:
    if to not in TRANSITIONS[from_]:
        raise InvalidTransition(from_.value, to.value, sorted(s.value for s in TRANSITIONS[from_]))


def check_notifiable(problem: Problem) -> None:
    if problem.status not in NOTIFIABLE:
        raise Conflict(
            f"problem {problem.problem_id} is {problem.status.value}: notices are for confirmed, unresolved problems"
        )


def check_audience(spec: AudienceSpec) -> None:
    if spec.include_likely and spec.segment.is_empty():
        raise InvalidInput(
            "a likely-affected audience needs at least one product in the segment",
            fields=[{"field": "audience.segment.product", "message": "required", "type": "missing"}],
        )


def default_segment(problem: Problem, cases: list[Any]) -> Segment:
    """The problem's product (else its cases' products) narrowed by detection's common thread."""
    values: dict[str, list[str]] = {a: [] for a in SEGMENT_ATTRIBUTES}
    if problem.product:
        values["product"].append(problem.product)
    else:
        values["product"] += sorted({c.product for c in cases if getattr(c, "product", None)})
    for item in problem.evidence.common_thread:
        if item.attribute in values and item.value not in values[item.attribute]:
            values[item.attribute].append(item.value)
    return Segment.model_validate(values)


def default_texts(problem: Problem) -> NoticeTexts:
    body = f"We are aware of an issue: {problem.title}.\n\nOur team is working on it."
    if problem.workaround:
        body += f"\n\nIn the meantime: {problem.workaround}"
    sms = f"Known issue: {problem.title}"[:160]
    return NoticeTexts(subject=f"Known issue: {problem.title}"[:200], body=body, sms_text=sms)


def update_body(problem: Problem, lang: str = DEFAULT_LANGUAGE) -> str:
    w = Words(lang)
    body = w("notice.update_body", title=problem.title, status=w(f"notice.status.{problem.status.value}"))
    if problem.workaround:
        body += "\n\n" + w("notice.workaround", workaround=problem.workaround)
    return body


def dispatch_texts(
    notice: Notice, problem: Problem, kind: DispatchKind, lang: str = DEFAULT_LANGUAGE
) -> tuple[str, str, str]:
    """(subject, body, SMS text) of the notice's next dispatch of ``kind`` for readers of ``lang``:
    the notice's own words as the agent wrote them, framed ("Update:", "Resolved:") and, where the
    notice has no text of its own, written from the problem in that language."""
    t, w = notice.texts, Words(lang)
    if kind == DispatchKind.INITIAL:
        return t.subject, t.body, t.sms_text
    if kind == DispatchKind.UPDATE:
        body = notice.pending_update or t.update_text or update_body(problem, lang)
        return w("notice.update_subject", subject=t.subject)[:200], body, short(w("notice.update_sms", text=body))
    fix = t.resolution_text or problem.permanent_fix or w("notice.fixed")
    body = w("notice.resolved_body", title=problem.title, fix=fix)
    return w("notice.resolved_subject", subject=t.subject)[:200], body, short(w("notice.resolved_sms", text=fix))


def dispatch_translations(notice: Notice, problem: Problem, kind: DispatchKind) -> dict[str, DispatchText]:
    """The dispatch's texts in each customers' language other than English (which the dispatch
    itself holds); none for the initial dispatch, the notice's own words alone."""
    if kind == DispatchKind.INITIAL:
        return {}
    translations = {}
    for lang in LANGUAGES:
        if lang != DEFAULT_LANGUAGE:
            subject, body, sms = dispatch_texts(notice, problem, kind, lang)
            translations[lang] = DispatchText(subject=subject, body=body, sms_text=sms)
    return translations


def may_dispatch(notice: Notice, kind: DispatchKind) -> bool:
    """Whether a new dispatch of ``kind`` may be made: updates only while active, the resolution
    from a paused notice too (customers should learn of the fix), and nothing but the initial one
    before the initial one was made."""
    allowed = (S.ACTIVE, S.PAUSED) if kind == DispatchKind.RESOLUTION else (S.ACTIVE,)
    if notice.status not in allowed:
        return False
    return kind == DispatchKind.INITIAL or any(d.kind == DispatchKind.INITIAL for d in notice.dispatches)


def patch_changes(notice: Notice, patch: NoticePatch) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """What ``patch`` changes of ``notice``: (new values, {field: {"from", "to"}} for the timeline).
    Nothing changes once the notice is final; channels and audience only in draft."""
    if notice.status in FINAL:
        raise Conflict(f"notice {notice.notice_id} is {notice.status.value}: it can no longer change")
    fields = patch.model_dump(exclude_unset=True, exclude={"version"})
    if notice.status != S.DRAFT and ({"channels", "audience"} & fields.keys()):
        raise Conflict("channels and audience are fixed once the notice is approved")
    updates: dict[str, Any] = {}
    changes: dict[str, dict[str, Any]] = {}
    for key in fields:
        new_value, old_value = getattr(patch, key), getattr(notice, key)
        if new_value != old_value:
            updates[key] = new_value
            changes[key] = {"from": _jsonable(old_value), "to": _jsonable(new_value)}
    return updates, changes


def sms_keyword(text: str) -> str | None:
    """ "stop" / "start" when the reply is an opt-out / opt-in word, else None."""
    word = re.sub(r"[^A-Za-z]", "", (text or "").strip().split(" ")[0] if text else "").upper()
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return None


def short(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _jsonable(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return getattr(value, "value", value)
