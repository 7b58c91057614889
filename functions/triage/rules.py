"""Pure triage rules: which suggestions are applied, which of a case's fields training may learn, the text."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from functions.triage.models import FIELDS, FieldSuggestion, TriageSuggestion

Ranked = list[tuple[str, float]]


def case_text(subject: str, description: str) -> str:
    """What triage reads of a case: its subject and first message."""
    return f"{subject}\n{description}".strip()


def decide(
    predictions: Mapping[str, Ranked],
    thresholds: Mapping[str, float | None],
    *,
    model_version: str,
    at: datetime,
    allowed: Mapping[str, set[str] | None] | None = None,
) -> TriageSuggestion:
    """The suggestion for a case: each field's most likely label, applied when its confidence is at
    or above the field's threshold (a field with no threshold, or None, is only suggested). A label
    not in ``allowed[field]`` (when given) is never applied (e.g. a department that no longer exists)."""
    fields: dict[str, Any] = {}
    for name in FIELDS:
        ranked = predictions.get(name) or []
        if not ranked:
            continue
        label, confidence = ranked[0]
        threshold = thresholds.get(name)
        ok = allowed is None or allowed.get(name) is None or label in (allowed.get(name) or set())
        applied = threshold is not None and confidence >= threshold and ok
        fields[name] = FieldSuggestion(value=label, confidence=min(max(confidence, 0.0), 1.0), applied=applied)
    return TriageSuggestion(model_version=model_version, at=at, **fields)


def applied_fields(suggestion: TriageSuggestion) -> dict[str, str]:
    """field -> value of the fields triage applies."""
    out: dict[str, str] = {}
    for name in FIELDS:
        s: FieldSuggestion | None = getattr(suggestion, name)
        if s is not None and s.applied:
            out[name] = s.value
    return out


def agent_labels(
    values: Mapping[str, str | None],
    suggestion: TriageSuggestion | None,
    corrections: Mapping[str, str],
) -> dict[str, str | None]:
    """What training may learn from a case: per field, its value (``values``: field -> the case's
    value), except a field triage applied that no agent corrected since, which is None (unknown).
    Such a value is triage's own guess: learning it would feed the model its own output. A field an
    agent set (triage only suggested it, or the agent accepted that suggestion), confirmed (the
    applied value, ``confirmed``) or corrected (in ``corrections``) keeps its value."""
    out: dict[str, str | None] = {}
    for name in FIELDS:
        value = values.get(name)
        s: FieldSuggestion | None = getattr(suggestion, name) if suggestion is not None else None
        if s is not None and s.applied and not s.confirmed and name not in corrections and value == s.value:
            value = None
        out[name] = value
    return out
