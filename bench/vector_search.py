"""The embedded engine's vector search at scale (functions.search.vectors: rows memory-mapped, an HNSW graph).

    python bench/vector_search.py [--sizes 10000,100000] [--queries 200]

Indexes ``N`` case documents whose vectors come from a seeded random embedder (unit vectors of the
model's 384 dimensions: the cost of exact search depends on N and the dimension, not on what the
vectors mean), then times, one JSON line per size:

    load_s              opening the vector store: a fresh engine's first query by meaning
    knn_p50_ms/p95_ms   the vector side of a query (``EmbeddedIndex._nearest``: the graph's nearest,
                        checked against the index and the query's filters), the query's vector given
    hybrid_p50_ms/p95   a whole hybrid query (lexical + vector + fusion), the query's embedding excluded
    index_mb            the vector store's files (float32 rows and the f16 graph), memory-mapped

``--ef 16,32,64,128`` also prints, per size and per ``expansion_search`` (ef) of the graph search,
one JSON line: ``recall_at_10`` of the graph's 10 nearest against the exact 10 nearest (the matrix
product over every row), and the graph search's p50 / p95 alone. The queries there are stored
rows with noise added (a query near the documents, as a real query is near its answers; random
vectors in 384 dimensions are the hardest case for HNSW: a lower bound of what text vectors give).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

WORDS = "refund invoice password login router wifi printer jam card declined delivery parcel app crash email".split()


class FixedEmbedder:
    """Every text gets the same (given) vector: the hybrid timing leaves the model out."""

    model_id = "random"  # the store holds vectors of one model: the RandomEmbedder's
    dim = 384

    def __init__(self, vector: list[float]) -> None:
        self.vector = vector

    def embed(self, texts):  # noqa: ANN001, ANN201
        return [self.vector for _ in texts]


class RandomEmbedder:
    model_id = "random"
    dim = 384

    def __init__(self, seed: int = 1) -> None:
        self.rng = np.random.default_rng(seed)

    def embed(self, texts):  # noqa: ANN001, ANN201
        v = self.rng.standard_normal((len(texts), self.dim)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        return v.tolist()


def recall_sweep(store, efs: list[int], queries: int, rng) -> None:  # noqa: ANN001
    """recall@10 of the store's graph against exact search, and the graph search's time, per ef."""
    store.count()  # takes in the rows and the graph
    graph, matrix = store._graph, np.asarray(store._matrix[: store._graph_rows])
    picks = rng.integers(0, len(matrix), queries)
    noisy = matrix[picks] + rng.standard_normal((queries, matrix.shape[1])).astype(np.float32) * 0.05
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    exact = [set(np.argsort(-(matrix @ q))[:10].tolist()) for q in noisy]
    for ef in efs:
        graph.expansion_search = ef
        found, times = 0, []
        for q, want in zip(noisy, exact, strict=True):
            t = time.perf_counter()
            keys = graph.search(q, 10).keys
            times.append((time.perf_counter() - t) * 1000)
            found += len(want & {int(k) for k in keys})
        times.sort()
        print(
            json.dumps(
                {
                    "rows": len(matrix),
                    "ef": ef,
                    "recall_at_10": round(found / (10 * queries), 4),
                    "graph_p50_ms": round(statistics.median(times), 3),
                    "graph_p95_ms": round(times[int(0.95 * (len(times) - 1))], 3),
                    "load_average": [round(x, 1) for x in os.getloadavg()],
                }
            ),
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="10000,100000")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--ef", default=None, help="expansion_search values for the recall sweep, e.g. 16,32,64,128")
    a = p.parse_args(argv)
    from functions.search.embedded import EmbeddedIndex
    from functions.search.port import DocKind, SearchDoc, SearchQuery

    rng = np.random.default_rng(7)
    for n in (int(x) for x in a.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="bench-vectors-") as directory:
            embedder = RandomEmbedder()
            index = EmbeddedIndex(directory, synonyms=None, embedder=embedder)
            for start in range(0, n, 5000):
                index.upsert(
                    [
                        SearchDoc(
                            doc_id=f"CB-{i}",
                            kind=DocKind.CASE,
                            title=" ".join(rng.choice(WORDS, 4)),
                            body=" ".join(rng.choice(WORDS, 12)),
                            fields={"status": "resolved", "customer_id": f"c{i % 500}"},
                        )
                        for i in range(start, min(n, start + 5000))
                    ]
                )
            index = EmbeddedIndex(directory, synonyms=None, embedder=embedder)  # another process's
            ix = index._kind(DocKind.CASE)
            queries = embedder.embed(["q"] * a.queries)
            t0 = time.perf_counter()
            index._nearest(ix, DocKind.CASE, SearchQuery(text="q", kinds=[DocKind.CASE]), queries[0], 10)
            load_s = time.perf_counter() - t0
            knn = []
            for q in queries:
                query = SearchQuery(text="refund", kinds=[DocKind.CASE], exclude={"customer_id": "c1"}, limit=10)
                t = time.perf_counter()
                index._nearest(ix, DocKind.CASE, query, q, 50)
                knn.append((time.perf_counter() - t) * 1000)
            hybrid = []
            index.embedder = FixedEmbedder(queries[0])
            for _ in range(a.queries):
                text = " ".join(rng.choice(WORDS, 5))
                t = time.perf_counter()
                index.search(SearchQuery(text=text, kinds=[DocKind.CASE], limit=10, vector_weight=1.0, candidates=20))
                hybrid.append((time.perf_counter() - t) * 1000)
            if a.ef:
                recall_sweep(ix.vector_store(embedder), [int(x) for x in a.ef.split(",")], a.queries, rng)
            knn.sort()
            hybrid.sort()
            print(
                json.dumps(
                    {
                        "docs": index.count(DocKind.CASE),
                        "dim": embedder.dim,
                        "load_s": round(load_s, 2),
                        "knn_p50_ms": round(statistics.median(knn), 2),
                        "knn_p95_ms": round(knn[int(0.95 * (len(knn) - 1))], 2),
                        "hybrid_p50_ms": round(statistics.median(hybrid), 2),
                        "hybrid_p95_ms": round(hybrid[int(0.95 * (len(hybrid) - 1))], 2),
                        "index_mb": round(sum(f.stat().st_size for f in (ix.path / "vectors").iterdir()) / 1e6, 1),
                        "machine": {"processor": platform.machine(), "cpus": os.cpu_count()},
                    }
                ),
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
