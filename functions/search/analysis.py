"""Text analysis shared by both engines: the synonym file, query words, stop words.

Pure Python, nothing heavy. Both engines analyse text the same way: words (runs of letters and
digits), lower case, words of 40 bytes or more dropped, the Snowball English ("Porter2") stemmer;
no stop words removed (they weigh less in queries instead), synonyms expanded in the query, not
in the index. The embedded engine runs Tantivy's ``en_stem`` analyzer (Rust); OpenSearch runs
``OPENSEARCH_ANALYZER`` (a pattern tokenizer, ``lowercase``, ``length``, the ``porter2`` stemmer);
``analyze`` below is the same chain in Python (``snowballstemmer``, loaded on first use), which the
OpenSearch adapter uses to plan queries and ``tests/contract`` holds against both. What a
deployment can see and edit is here too: the synonym list (Solr format, one file for both engines).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULT_SYNONYMS_PATH = Path(__file__).with_name("synonyms.txt")

# Lucene's English stop words (what OpenSearch's "_english_" stop filter removes) plus a few
# pronouns and auxiliaries that carry no meaning in a support request.
STOP_WORDS = frozenset(
    """a an and are as at be but by for if in into is it no not of on or such that the their then
    there these they this to was will with i me my we our you your he she him her its am been
    do does did have has had can could would should im i'm it's what when how why which who""".split()
)

# Words: letters and digits (Unicode), like Tantivy's SimpleTokenizer and the standard tokenizer.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-cased words of a text, in order (the surface forms a user typed)."""
    return [w.lower() for w in _WORD.findall(text)]


MAX_TOKEN_BYTES = 40  # Tantivy's remove_long(40): tokens of 40 bytes or more are dropped

# The OpenSearch analyzer that does what ``analyze`` does (index settings: functions.search.opensearch).
OPENSEARCH_TOKENIZER: dict[str, Any] = {"type": "pattern", "pattern": "[^\\p{L}\\p{N}]+"}
OPENSEARCH_FILTERS: dict[str, dict[str, Any]] = {
    "casebridge_long": {"type": "length", "max": MAX_TOKEN_BYTES - 1},
    "casebridge_stemmer": {"type": "stemmer", "language": "porter2"},
}
OPENSEARCH_ANALYZER: dict[str, Any] = {
    "type": "custom",
    "tokenizer": "casebridge_words",
    "filter": ["lowercase", "casebridge_long", "casebridge_stemmer"],
}


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import snowballstemmer  # noqa: PLC0415 - first use only (the OpenSearch path, the tests)

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The index term of one lower-cased word ("" when the word is too long to be indexed)."""
    if len(word.encode("utf-8")) >= MAX_TOKEN_BYTES:
        return ""
    return str(_stemmer().stemWord(word))


def analyze(text: str) -> list[str]:
    """The index terms of a text, in order: what both engines' analyzers produce."""
    return [s for s in (stem(w) for w in words(text)) if s]


@dataclass(frozen=True)
class Synonyms:
    """Rules from a Solr-format synonym file.

    ``groups``: sets of equivalent phrases. ``mappings``: phrase -> phrases it also searches for.
    Phrases are tuples of words.
    """

    groups: tuple[tuple[tuple[str, ...], ...], ...] = ()
    mappings: tuple[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]], ...] = ()
    lines: tuple[str, ...] = field(default=())  # the rules as written (for OpenSearch's filter)

    def expand(self, query_words: Sequence[str]) -> list[str]:
        """Words to add to a query: the other members of every rule a phrase of the query matches.

        Returns words not already in the query, in a stable order.
        """
        present = set(query_words)
        extra: list[str] = []

        def add(phrases: Iterable[tuple[str, ...]]) -> None:
            for phrase in phrases:
                for w in phrase:
                    if w not in present:
                        present.add(w)
                        extra.append(w)

        for group in self.groups:
            hit = [p for p in group if _contains(query_words, p)]
            if hit:
                add(p for p in group if p not in hit)
        for sources, targets in self.mappings:
            if _contains(query_words, sources):
                add(targets)
        return extra


def _contains(seq: Sequence[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    if n == 1:
        return phrase[0] in seq
    return any(tuple(seq[i : i + n]) == phrase for i in range(len(seq) - n + 1))


def parse_synonyms(text: str) -> Synonyms:
    groups: list[tuple[tuple[str, ...], ...]] = []
    mappings: list[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]] = []
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        lines.append(line)
        if "=>" in line:
            left, right = line.split("=>", 1)
            targets = _phrases(right)
            for source in _phrases(left):
                mappings.append((source, targets))
        else:
            group = _phrases(line)
            if len(group) > 1:
                groups.append(group)
    return Synonyms(tuple(groups), tuple(mappings), tuple(lines))


def _phrases(part: str) -> tuple[tuple[str, ...], ...]:
    out = []
    for item in part.split(","):
        ws = tuple(words(item))
        if ws:
            out.append(ws)
    return tuple(out)


@lru_cache(maxsize=8)
def load_synonyms(path: str | None = None) -> Synonyms:
    """The synonym rules of a file (the one shipped in this package unless a path is given)."""
    file = Path(path) if path else DEFAULT_SYNONYMS_PATH
    return parse_synonyms(file.read_text(encoding="utf-8"))
