"""Similar-case query latency at scale on the embedded engine, hybrid (lexical + vectors) by default.

    python bench/search_latency.py [--cases 100000] [--queries 1000] [--source banking77-train.csv]
                                   [--vectors words|none] [--model-queries 200]
                                   [--index-dir DIR] [--profile] [--query like|text]

Builds a corpus of ``--cases`` cases by sampling the texts of ``--source`` (CSV ``text,category``)
and perturbing each copy (a word dropped, two swapped, a product or order reference added, a
second sentence from the same category), indexes it through the indexer's mapper into a fresh
embedded index, then runs ``--queries`` similar-case queries (``similar_query``, the query
``GET /cases/{id}/similar`` sends: hybrid 1:1, the case itself and its customer excluded as the API
does), one at a time. Each query is an indexed case's: by default (``--query like``) its vector
is the one the indexer stored (``SearchQuery.like``), as the API asks, so no model runs in the
query; ``--query text`` embeds the query's text instead (the figures before ``like``, with the
real model's time added as below).

Vectors: the model would take hours to embed 100,000 texts on these machines, so the corpus and
the queries get ``--vectors words`` (a seeded random 384-dimension vector per word, summed and
normalised: texts that share words are near, as with the model; what a query costs depends on the
number and dimension of the vectors, not on the model). The real model's cost per query text is
timed apart on ``--model-queries`` of the query texts (where requirements-language.txt is
installed) and, with ``--query text``, added to the p50 / p95 in ``with_model_p50_ms`` /
``with_model_p95_ms``.
``--vectors none``: lexical only (the figure before hybrid search).

Prints one JSON object: index build time, the open time of the vector store (a fresh engine's
first query by meaning after the build), query latency p50 / p95 / max in milliseconds, and the
load average before and after the queries.

``--index-dir DIR``: build the index there (kept), or reuse it when it already holds ``--cases``
cases (no build time then). ``--profile``: cProfile the timed queries and print the top functions
by cumulative and by own time to stderr (the latency figures are then cProfile's, not comparable).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.similar_cases import percentile, read_rows  # noqa: E402

DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "intents" / "banking77-train.csv"
PRODUCTS = ["visa debit", "mastercard", "premium plan", "metal card", "business account", "savings pot", "app"]


def perturb(text: str, same_category: list[str], rng: random.Random) -> str:
    words = text.split()
    roll = rng.random()
    if roll < 0.25 and len(words) > 3:
        del words[rng.randrange(len(words))]
    elif roll < 0.5 and len(words) > 3:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    out = " ".join(words)
    if rng.random() < 0.4:
        out += f" ({rng.choice(PRODUCTS)}, order {rng.randrange(10**6, 10**7)})"
    if rng.random() < 0.3:
        out += " " + rng.choice(same_category)
    return out


def corpus(source: Path, n: int, seed: int) -> list[tuple[str, str]]:
    rows = read_rows(source)
    by_cat: dict[str, list[str]] = {}
    for text, cat in rows:
        by_cat.setdefault(cat, []).append(text)
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        text, cat = rows[rng.randrange(len(rows))]
        out.append((perturb(text, by_cat[cat], rng), cat))
    return out


class WordVectors:
    """``Embedder`` for the bench: a text's vector is the normalised sum of its words' seeded random vectors."""

    model_id = "bench-word-vectors"
    dim = 384

    def __init__(self, seed: int = 1) -> None:
        import numpy as np

        self.np = np
        self.seed = seed
        self.words: dict[str, object] = {}

    def _word(self, word: str):  # noqa: ANN202
        v = self.words.get(word)
        if v is None:
            rng = self.np.random.default_rng([self.seed, *word.encode()])
            v = self.words[word] = rng.standard_normal(self.dim).astype(self.np.float32)
        return v

    def embed(self, texts):  # noqa: ANN001, ANN201
        np = self.np
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i] += self._word(word.strip(".,!?()"))
        out /= np.clip(np.linalg.norm(out, axis=1, keepdims=True), 1e-9, None)
        return out.tolist()


def model_query_ms(texts: list[str]) -> list[float] | None:
    """The real model's time to embed each query text, one at a time (None where it is not installed)."""
    try:
        from functions.search.embedding import OnnxEmbedder

        embedder = OnnxEmbedder()
        embedder.embed(["warm up"])
    except ImportError:
        return None
    times = []
    for text in texts:
        t0 = time.perf_counter()
        embedder.embed([text])
        times.append((time.perf_counter() - t0) * 1000)
    return times


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--source", default=str(DEFAULT_SOURCE))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--vectors", choices=["words", "none"], default="words")
    p.add_argument("--model-queries", type=int, default=200)
    p.add_argument("--index-dir", default=None, help="build the index here and keep it (reused if complete)")
    p.add_argument("--profile", action="store_true", help="cProfile the timed queries (top functions to stderr)")
    p.add_argument("--query", choices=["like", "text"], default="like", help="the stored vector or the text embedded")
    args = p.parse_args(argv)

    from bench.similar_cases import case_items
    from functions.composition import Container
    from functions.search.embedded import EmbeddedIndex
    from functions.search.port import DocKind
    from functions.search.similar import similar_query

    mappers = Container().search_mappers  # what the stream indexer receives
    rows = corpus(Path(args.source), args.cases, args.seed)
    items = case_items(rows)
    rng = random.Random(args.seed + 1)
    picked = [rng.randrange(len(rows)) for _ in range(args.queries)]
    queries = [rows[i] for i in picked]
    embedder = WordVectors(args.seed) if args.vectors == "words" else None
    with contextlib.ExitStack() as stack:
        directory = args.index_dir or stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-latency-"))
        index = EmbeddedIndex(directory, embedder=embedder)
        started = time.perf_counter()
        docs = [d for d in (mappers.to_doc(item) for item in items) if d is not None]
        build_s = None
        if index.count(DocKind.CASE) != len(docs):
            index.reindex(DocKind.CASE, [])
            for i in range(0, len(docs), 10_000):
                index.upsert(docs[i : i + 10_000])
            build_s = round(time.perf_counter() - started, 2)
        assert index.count(DocKind.CASE) == len(docs)
        open_s = None
        if embedder is not None:  # another process's engine: its first query by meaning opens the store
            index = EmbeddedIndex(directory, embedder=embedder)
            t0 = time.perf_counter()
            index.search(similar_query("card declined"))
            open_s = round(time.perf_counter() - t0, 3)
        if embedder is not None:  # the stand-in's word vectors of the queries made now, not while timed
            embedder.embed([text for text, _ in queries])
        for text, _ in queries[:50]:  # warm up: page cache, analyzer
            index.search(similar_query(text))
        times = []
        hits = 0
        load_before = [round(x, 1) for x in os.getloadavg()]
        profiler = cProfile.Profile() if args.profile else None
        for i, (text, _) in zip(picked, queries, strict=True):
            q = similar_query(
                text,
                exclude_case_ids=[str(items[i]["case_id"])],
                exclude_customer_id=str(items[i]["customer_id"]),
                limit=10,
                like_case_id=str(items[i]["case_id"]) if args.query == "like" else None,
            )
            if profiler is not None:
                profiler.enable()
            t0 = time.perf_counter()
            result = index.search(q)
            times.append((time.perf_counter() - t0) * 1000)
            if profiler is not None:
                profiler.disable()
            hits += bool(result)
        if profiler is not None:
            stats = pstats.Stats(profiler, stream=sys.stderr).strip_dirs()
            stats.sort_stats("cumulative").print_stats(30)
            stats.sort_stats("tottime").print_stats(20)
    with_text = embedder is not None and args.query == "text"
    model = model_query_ms([t for t, _ in queries[: args.model_queries]]) if with_text else None
    out = {
        "engine": "embedded (tantivy" + (" + usearch vectors)" if embedder is not None else ")"),
        "query": ("hybrid 1:1, " + ("the case's stored vector" if args.query == "like" else "the text embedded"))
        if embedder is not None
        else "lexical",
        "cases": len(docs),
        "queries": len(queries),
        "queries_with_hits": hits,
        "index_build_s": build_s,
        "vector_open_s": open_s,
        "p50_ms": percentile(times, 50),
        "p95_ms": percentile(times, 95),
        "max_ms": round(max(times), 3),
        "load_average_before": load_before,
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    if model:
        out["model_query_embed_p50_ms"] = percentile(model, 50)
        out["model_query_embed_p95_ms"] = percentile(model, 95)
        out["with_model_p50_ms"] = round(percentile(times, 50) + percentile(model, 50), 3)
        out["with_model_p95_ms"] = round(percentile(times, 95) + percentile(model, 95), 3)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
