"""Fixtures for knowledge / self-service tests: a search index as the container's part."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.fakes.search import FakeSearchIndex, sync_from_table


@pytest.fixture
def embedded_search(tmp_path, container):
    """The real embedded engine (tantivy) in a temporary directory, as the app's search index."""
    from functions.search.embedded import EmbeddedIndex

    index = EmbeddedIndex(tmp_path / "embedded-search")
    container.override(search_index=index)
    return index


@pytest.fixture
def fake_search(container):
    index = FakeSearchIndex()
    container.override(search_index=index)
    return index


@pytest.fixture
def reindex(aws, container) -> Callable[[Any], int]:
    """Call with the index after writes: what the DynamoDB stream indexer would have done."""
    return lambda index: sync_from_table(index, container.search_mappers)
