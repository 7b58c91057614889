"""Recall of the vector store's HNSW graph against exact search, per ef and connectivity, on two vector sets.

    python bench/vector_recall.py [--real PATH.npy] [--words 100000] [--queries 500]
                                  [--ef 16,32,48,64,128] [--connectivity 16,32]

The graph is built as the store builds it (``functions.search.vectors.new_graph``: cosine, f16,
the store's ``expansion_add``); only ``connectivity`` and ``expansion_search`` (ef) vary. Two sets:

* ``real``: MiniLM vectors of banking77 texts (the model the product uses), from the bench vector
  cache (``bench/problem_detection.py`` writes ``/tmp/casebridge-bench-vectors/<model>-<key>.npy``:
  one row per distinct corpus text; ``--real`` names the file, the newest there by default).
  ``--queries`` rows are held out of the graph and used as queries: real texts near their answers.
* ``words``: ``--words`` cases of ``bench/search_latency.py``'s corpus with its word-vector stand-in
  (what its 100,000-case latency figure searches), queried by a second corpus's texts (another
  seed: the same sentences, perturbed anew).

Per set, connectivity and ef, one JSON line: ``recall_at_10`` (the graph's 10 nearest against the
exact 10 nearest by a float32 matrix product over every row) and ``graph_p50_ms`` / ``graph_p95_ms``
of that search; and, as the product asks, the first 10 of a search for ``--product-count`` rows
(the similar-case query asks the store for 62: 50 candidates, a quarter more, one excluded):
``product_recall_at_10`` and ``product_recall_at_50`` with its time. usearch widens a search to at
least the count asked, so an ef below the count changes nothing there. One thread per search.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

CACHE = Path("/tmp/casebridge-bench-vectors")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))], 3)


def real_vectors(path: str | None, queries: int, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """(rows, held-out query rows, file name) of the cached MiniLM vectors."""
    if path is None:
        found = sorted(CACHE.glob("*.npy"), key=lambda p: p.stat().st_mtime)
        if not found:
            raise SystemExit(f"no cached vectors in {CACHE}: run bench/problem_detection.py first, or give --real")
        path = str(found[-1])
    matrix = np.load(path).astype(np.float32)
    order = np.random.default_rng(seed).permutation(len(matrix))
    return matrix[order[queries:]], matrix[order[:queries]], Path(path).name


def word_vectors(n: int, queries: int, seed: int, source: str) -> tuple[np.ndarray, np.ndarray]:
    """search_latency.py's corpus of ``n`` cases and ``queries`` texts of another seed's, by its word vectors."""
    from bench.search_latency import WordVectors, corpus

    embedder = WordVectors(seed)
    rows = [text for text, _ in corpus(Path(source), n, seed)]
    others = [text for text, _ in corpus(Path(source), queries, seed + 100)]
    embed = lambda texts: np.asarray(embedder.embed(texts), dtype=np.float32)  # noqa: E731
    return np.concatenate([embed(rows[i : i + 5000]) for i in range(0, n, 5000)]), embed(others)


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Each row's ``k`` best columns, best first (exact search)."""
    part = np.argpartition(-scores, k, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1)
    return np.take_along_axis(part, order, axis=1)


def sweep(
    name: str, rows: np.ndarray, queries: np.ndarray, efs: list[int], connectivities: list[int], count: int
) -> None:
    from functions.search.vectors import new_graph

    exact = np.concatenate([_top(queries[i : i + 100] @ rows.T, 50) for i in range(0, len(queries), 100)])
    for connectivity in connectivities:
        graph = new_graph(rows.shape[1], connectivity=connectivity)
        t0 = time.perf_counter()
        graph.add(np.arange(len(rows), dtype=np.uint64), rows)
        build_s = round(time.perf_counter() - t0, 1)
        for ef in efs:
            graph.expansion_search = ef
            line = {"vectors": name, "rows": len(rows), "connectivity": connectivity, "ef": ef, "build_s": build_s}
            for label, k in (("", 10), ("product_", count)):
                hit10 = hit50 = 0
                times: list[float] = []
                for q, want in zip(queries, exact, strict=True):
                    t = time.perf_counter()
                    keys = graph.search(q, k, threads=1).keys
                    times.append((time.perf_counter() - t) * 1000)
                    hit10 += len(set(want[:10].tolist()) & {int(x) for x in keys[:10]})
                    hit50 += len(set(want[:50].tolist()) & {int(x) for x in keys[:50]})
                line[f"{label}recall_at_10"] = round(hit10 / (10 * len(queries)), 4)
                if label:
                    line[f"{label}recall_at_50"] = round(hit50 / (50 * len(queries)), 4)
                line[f"{label}graph_p50_ms"] = percentile(times, 50)
                line[f"{label}graph_p95_ms"] = percentile(times, 95)
            line["load_average"] = [round(x, 1) for x in os.getloadavg()]
            print(json.dumps(line), flush=True)


def main(argv: list[str] | None = None) -> int:
    from bench.search_latency import DEFAULT_SOURCE

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--real", default=None, help="a .npy of MiniLM vectors (default: the newest in the bench cache)")
    p.add_argument("--words", type=int, default=100_000, help="cases of the word-vector stand-in (0: skip)")
    p.add_argument("--source", default=str(DEFAULT_SOURCE))
    p.add_argument("--queries", type=int, default=500)
    p.add_argument("--ef", default="16,32,48,64,128")
    p.add_argument("--connectivity", default="16,32")
    p.add_argument("--product-count", type=int, default=62)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--skip-real", action="store_true")
    a = p.parse_args(argv)
    random.seed(a.seed)
    efs = [int(x) for x in a.ef.split(",")]
    connectivities = [int(x) for x in a.connectivity.split(",")]
    print(json.dumps({"machine": {"processor": platform.machine(), "cpus": os.cpu_count()}}), flush=True)
    if not a.skip_real:
        rows, queries, name = real_vectors(a.real, a.queries, a.seed)
        sweep(f"minilm ({name})", rows, queries, efs, connectivities, a.product_count)
    if a.words:
        rows, queries = word_vectors(a.words, a.queries, a.seed, a.source)
        sweep("words (search_latency.py stand-in)", rows, queries, efs, connectivities, a.product_count)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
