"""Triage use cases: train a model from examples, classify a text, suggest a case's fields.

The model is loaded on first use and kept (per Lambda container), then looked up again after
``reload_after`` so that a model trained meanwhile is picked up.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from functions.core.errors import InvalidInput, Unavailable
from functions.triage import rules
from functions.triage.models import FIELDS, Example, TrainResult, TriageSuggestion
from functions.triage.ports import Cases, ModelStore, Ranked, TextEmbedder

if TYPE_CHECKING:
    from functions.triage.classifier import TriageModel

log = logging.getLogger(__name__)


class NoEmbedder(Unavailable):
    """Triage needs the sentence-embedding model and none is configured."""


class TooFewExamples(InvalidInput):
    pass


class FieldClassifier:
    """One field of a ``TriageService`` as an ``IntentClassifier`` (the chatbot's intents)."""

    def __init__(self, triage: TriageService, field: str) -> None:
        self.triage, self.field = triage, field

    def predict(self, text: str) -> Ranked:
        return self.triage.predict(text).get(self.field, [])


class TriageService:
    MIN_EXAMPLES = 10

    def __init__(
        self,
        store: ModelStore,
        embedder: Callable[[], TextEmbedder | None],
        clock: Callable[[], datetime],
        *,
        reload_after: timedelta = timedelta(hours=1),
        top: int = 3,
    ) -> None:
        self.store = store
        self._embedder = embedder
        self.clock = clock
        self.reload_after = reload_after
        self.top = top
        self._model: TriageModel | None = None
        self._version: str | None = None
        self._loaded_at: datetime | None = None

    # -- the model ------------------------------------------------------------------------------
    def _load(self) -> TriageModel | None:
        now = self.clock()
        # Without a model yet, look again after a minute (the first training lands soon after deploy).
        wait = self.reload_after if self._model is not None else min(self.reload_after, timedelta(minutes=1))
        if self._loaded_at is not None and now - self._loaded_at < wait:
            return self._model
        self._loaded_at = now
        found = self.store.current()
        if found is None:
            self._model, self._version = None, None
            return None
        version, data = found
        if version != self._version:
            from functions.triage.classifier import TriageModel  # noqa: PLC0415

            self._model, self._version = TriageModel.from_bytes(data), version
        return self._model

    @property
    def version(self) -> str | None:
        self._load()
        return self._version

    def classifier(self, field: str) -> FieldClassifier:
        if field not in FIELDS:
            raise ValueError(f"triage has no field {field!r}")
        return FieldClassifier(self, field)

    def predict(self, text: str) -> dict[str, Ranked]:
        """Per field, the most likely labels with confidences; {} when no model or no embedder."""
        embedder = self._embedder()  # None (no language runtime in this function): no model is read
        model = self._load() if embedder is not None else None
        if model is None or embedder is None:
            return {}
        if model.embedder_id != embedder.model_id:
            log.warning(
                "triage model %s was trained on %s, not %s", self._version, model.embedder_id, embedder.model_id
            )
            return {}
        import numpy as np  # noqa: PLC0415

        vec = np.asarray(embedder.embed([text])[0], dtype=np.float32)
        return model.predict(text, vec, self.top)

    def predict_vector(self, text: str, vector: Sequence[float], model_id: str) -> dict[str, Ranked]:
        """``predict`` for a text already embedded by ``model_id`` (detection has the vector): {}
        when there is no model, or the model was trained on another model's vectors."""
        model = self._load()
        if model is None or model.embedder_id != model_id:
            return {}
        import numpy as np  # noqa: PLC0415

        return model.predict(text, np.asarray(vector, dtype=np.float32), self.top)

    def cohesion(self, field: str, model_id: str) -> dict[str, float]:
        """How alike each label's training texts are (``TriageModel.cohesion``), for the current
        model if it reads ``model_id``'s vectors; else {}."""
        model = self._load()
        if model is None or model.embedder_id != model_id or field not in model.fields:
            return {}
        return model.cohesion(field)

    def suggest(
        self,
        subject: str,
        description: str,
        thresholds: Mapping[str, float | None],
        allowed: Mapping[str, set[str] | None] | None = None,
    ) -> TriageSuggestion | None:
        """The suggestion for a new case (None: no model yet)."""
        predictions = self.predict(rules.case_text(subject, description))
        if not predictions or self._version is None:
            return None
        return rules.decide(predictions, thresholds, model_version=self._version, at=self.clock(), allowed=allowed)

    # -- training -------------------------------------------------------------------------------
    def train(self, examples: Iterable[Example], **fit: Any) -> TrainResult:
        """Train on ``examples`` and store the model as a new version, which becomes the current one."""
        from functions.triage.classifier import TriageModel  # noqa: PLC0415

        embedder = self._embedder()
        if embedder is None:
            raise NoEmbedder("triage needs the sentence-embedding model (CASEBRIDGE_EMBEDDER=onnx)")
        rows = [e for e in examples if e.text.strip()]
        if len(rows) < self.MIN_EXAMPLES:
            raise TooFewExamples(f"{len(rows)} examples; triage needs at least {self.MIN_EXAMPLES}")
        started = time.perf_counter()
        texts = [e.text for e in rows]
        targets: dict[str, Sequence[str | None]] = {name: [getattr(e, name) for e in rows] for name in FIELDS}

        def embed(batch: Any) -> Any:
            return embedder.embed(list(batch))

        model = TriageModel.train(texts, targets, embed, embedder.model_id, **fit)
        now = self.clock()
        model.meta = {"trained_at": now.isoformat(), "examples": len(rows)}
        data = model.to_bytes()
        version = f"{now:%Y%m%dT%H%M%SZ}-{hashlib.sha256(data).hexdigest()[:8]}"
        self.store.save(version, data, {"trained_at": now.isoformat(), "examples": len(rows), "bytes": len(data)})
        self._model, self._version, self._loaded_at = model, version, now
        return TrainResult(
            version=version,
            examples=len(rows),
            labels={name: len(model.fields[name].labels) if name in model.fields else 0 for name in FIELDS},
            seconds=round(time.perf_counter() - started, 2),
        )


class CaseTriage:
    """New cases get triage's suggestion (the stream path: ``triage_stream``, never the request)."""

    def __init__(
        self,
        triage: TriageService,
        cases: Cases,
        thresholds: Mapping[str, float | None],
        allowed: Callable[[], Mapping[str, set[str] | None]] | None = None,
    ) -> None:
        self.triage = triage
        self.cases = cases
        self.thresholds = thresholds
        self.allowed = allowed

    def on_new_case(self, case_id: str) -> TriageSuggestion | None:
        """Suggest (and apply above the thresholds) for one case; None when no model is trained yet."""
        case = self.cases.get(case_id)
        if getattr(case, "triage", None) is not None:
            return None  # a stream record delivered again
        suggestion = self.triage.suggest(
            case.subject, case.description, self.thresholds, self.allowed() if self.allowed else None
        )
        if suggestion is not None:
            self.cases.record_triage(case_id, suggestion)
        return suggestion
