"""What triage needs and what it offers.

Offered: ``IntentClassifier`` (one field: text -> labels with confidences; the chatbot's intents)
and ``Triage`` (the three fields at once). Needed: a ``TextEmbedder`` (the search domain's
embedder, given by the composition root), a ``ModelStore`` (versioned model files) and the
training examples (a callable the composition root builds over the cases).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from functions.triage.models import TriageSuggestion

Ranked = list[tuple[str, float]]  # (label, confidence), most likely first


class IntentClassifier(Protocol):
    """One field's classifier: the most likely labels of a text, with confidences in [0, 1]."""

    def predict(self, text: str) -> Ranked: ...


class Triage(Protocol):
    """Every field's classifier over one model: field -> ranked labels (a field without a trained
    model is absent). ``version`` names the model file (None: no model trained yet)."""

    @property
    def version(self) -> str | None: ...

    def predict(self, text: str) -> dict[str, Ranked]: ...


class TextEmbedder(Protocol):
    """Texts to L2-normalised vectors (the search domain's ``Embedder``)."""

    model_id: str
    dim: int

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class ModelStore(Protocol):
    """Versioned model files: each save is a new version and becomes the current one."""

    def save(self, version: str, data: bytes, meta: dict[str, object]) -> None: ...

    def current(self) -> tuple[str, bytes] | None:
        """(version, bytes) of the current model, or None when none was trained."""
        ...


class CaseView(Protocol):
    """What triage reads of a case."""

    subject: str
    description: str


class Cases(Protocol):
    """The case service, as triage uses it."""

    def get(self, case_id: str) -> CaseView: ...

    def record_triage(self, case_id: str, suggestion: TriageSuggestion) -> object: ...
