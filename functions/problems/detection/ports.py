"""The ports of detection: where its state and the segment base live, where candidates go."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, Protocol

from functions.cases.models import Case
from functions.problems.detection.detector import SegmentBase


class StateStore(Protocol):
    """The detector's state as one document. ``save`` refuses (``Conflict``) to overwrite a state
    written by another writer since this store's ``load``."""

    def load(self) -> dict[str, Any] | None: ...
    def save(self, state: dict[str, Any]) -> None: ...


class Embedder(Protocol):
    """Texts to L2-normalised vectors whose dot product says how close two texts are in meaning
    (the search domain's ``Embedder``, given by the composition root). Vectors of one ``model_id``
    are only compared with vectors of the same ``model_id``."""

    model_id: str

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class IntentClassifier(Protocol):
    """The deployment's triage category for a text (the triage domain's classifier, given by the
    composition root): ``(label, probability, cohesion)`` for the vector ``model_id`` made of
    ``text`` (cohesion: how alike the label's training texts are, the mean cosine to their
    centroid), or None when there is no model yet or the model reads another model's vectors."""

    def intent(self, text: str, vector: Sequence[float], model_id: str) -> tuple[str, float, float] | None: ...


class CandidateSink(Protocol):
    """What detection needs from the problem records (``adapters.ProblemSink`` over the problem services)."""

    def create_candidate(
        self, evidence: dict[str, Any], case_ids: list[str], title: str, description: str, key: str
    ) -> str:
        """Open a candidate problem; returns its problem id."""
        ...

    def link_similar(self, problem_id: str, case_id: str) -> None: ...


class SegmentBaseStore(Protocol):
    """The stored segment base and when it was counted (None: none stored yet)."""

    def load(self) -> tuple[SegmentBase, datetime] | None: ...
    def save(self, base: SegmentBase, counted_at: datetime) -> None: ...


class CustomerBase(Protocol):
    """Every customer's region, tier and install base: ``{"region", "tier", "install_base": [{product, model, batch}]}``."""

    def rows(self) -> Iterator[dict[str, Any]]: ...


class ProblemRecords(Protocol):
    """What ``ProblemSink`` needs of the problem services."""

    def case_records(self, case_ids: list[str]) -> list[Case]: ...
    def create_candidate(
        self,
        evidence: dict[str, Any],
        case_ids: list[str],
        title: str,
        description: str = "",
        actor: Any = None,
        key: str | None = None,
    ) -> Any: ...
    def link_similar(self, problem_id: str, case_id: str, actor: Any) -> bool: ...
