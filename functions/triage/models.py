"""Triage records: predictions, a case's suggestion, training examples and results."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from functions.core.models import Model

# The fields triage suggests. ``department`` is the case's agent group (``Case.group_id``).
TriageField = Literal["category", "priority", "department"]
FIELDS: tuple[TriageField, ...] = ("category", "priority", "department")


class FieldSuggestion(Model):
    value: str
    confidence: float = Field(ge=0, le=1)
    applied: bool = Field(default=False, description="set on the case by triage (confidence at or above the threshold)")
    confirmed: bool = Field(
        default=False, description="an agent confirmed the applied value as right (training learns it as a label)"
    )


class TriageSuggestion(Model):
    """What triage suggested for a case, per field (a field without a trained model is absent)."""

    category: FieldSuggestion | None = None
    priority: FieldSuggestion | None = None
    department: FieldSuggestion | None = None
    model_version: str
    at: datetime


class Example(Model):
    """One training text and the labels agents left on it (None: not known)."""

    text: str
    category: str | None = None
    priority: str | None = None
    department: str | None = None


class TrainResult(Model):
    version: str
    examples: int
    labels: dict[str, int] = Field(description="per field: how many labels the model tells apart (0: no model)")
    seconds: float
