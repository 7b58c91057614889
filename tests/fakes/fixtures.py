"""Fixtures for knowledge / self-service tests: a search index wired into the composition root."""

from __future__ import annotations

from functools import lru_cache

import pytest

from tests.fakes.search import FakeSearchIndex, sync_from_table


def _install(monkeypatch: pytest.MonkeyPatch, index: object) -> None:
    from functions import composition

    # lru_cache gives it the cache_clear() that composition.reset() may call
    monkeypatch.setattr(composition, "search_index", lru_cache(maxsize=1)(lambda: index), raising=False)


@pytest.fixture
def embedded_search(tmp_path, monkeypatch):
    """The real embedded engine (tantivy) in a temporary directory, as the app's search index."""
    from functions.search.embedded import EmbeddedIndex

    index = EmbeddedIndex(tmp_path / "search")
    _install(monkeypatch, index)
    return index


@pytest.fixture
def fake_search(monkeypatch):
    index = FakeSearchIndex()
    _install(monkeypatch, index)
    return index


@pytest.fixture
def reindex(aws):
    """Call with the index after writes: what the DynamoDB stream indexer would have done."""
    return sync_from_table
