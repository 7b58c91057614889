"""Similar-case quality and latency: the project's own search against a plain BM25 reference.

    python bench/similar_cases.py --cases CASES.csv --queries QUERIES.csv [--engine embedded]
        [--embedder onnx|none] [--weights 1:0,1:1,...]
    python bench/similar_cases.py --split ../shared/data/intents/banking77-train.csv --out /tmp/split

Both files are CSV with ``text,category``. Every row of ``--cases`` becomes a case item (subject =
text, category = category), goes through the indexer's own mappers (the composition root's
``search_mappers``, as the stream indexer receives them) into the engine, and every row of ``--queries`` is asked with ``similar_query(text)``: the same
index and query ``GET /cases/{id}/similar`` uses. A hit is a case of the query's category (the
query's category is used for nothing else). Prints one JSON object:

    p_at_1, mrr_at_10, map_at_10        the project's search
    p50_ms, p95_ms                      its query latency (index.search, one query at a time)
    bm25_p_at_1, bm25_mrr_at_10, bm25_map_at_10
                                        rank_bm25.BM25Okapi over lower-cased whitespace tokens, no stemming

``--embedder`` (default: the container's, i.e. the ONNX model where requirements-language.txt is
installed) gives the engine vectors (computed once, when the cases are indexed); ``--weights``
then runs the queries once per ``lexical:vector`` weight pair of the hybrid query (``1:0`` is the
lexical query alone) and prints one JSON object per pair, with ``lexical_weight`` and
``vector_weight``; without ``--weights`` the product's default (``functions.search.similar``).
Query vectors are computed once per query text and reused across pairs (latency figures include
the embedding only on the first pair: ``embed_ms_p50`` reports it apart).

``--split`` writes a deterministic split of one file (``--ratio`` of the rows, stratified by
category, become queries) to ``--out``/cases.csv and ``--out``/queries.csv and prints their paths.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from functions.search.indexing import Mappers

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def read_rows(path: str | Path) -> list[tuple[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [(r["text"], r["category"]) for r in csv.DictReader(fh)]


def write_rows(path: Path, rows: list[tuple[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "category"])
        w.writerows(rows)


def split(source: str, out: str, ratio: float, seed: int) -> dict[str, str]:
    rows = read_rows(source)
    by_cat: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        by_cat.setdefault(row[1], []).append(row)
    rng = random.Random(seed)
    cases: list[tuple[str, str]] = []
    queries: list[tuple[str, str]] = []
    for cat in sorted(by_cat):
        group = by_cat[cat][:]
        rng.shuffle(group)
        n = round(len(group) * ratio)
        queries += group[:n]
        cases += group[n:]
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_rows(out_dir / "cases.csv", cases)
    write_rows(out_dir / "queries.csv", queries)
    return {"cases": str(out_dir / "cases.csv"), "queries": str(out_dir / "queries.csv")}


def quality(ranked: list[list[str]], truth: list[str]) -> dict[str, float]:
    """P@1, MRR@10 and MAP@10 (relevant = same category; AP normalised by min(10, #relevant in top 10))."""
    p1 = mrr = ap_sum = 0.0
    for cats, want in zip(ranked, truth, strict=True):
        top = cats[:10]
        if top and top[0] == want:
            p1 += 1
        hits = 0
        ap = 0.0
        rr = 0.0
        for i, c in enumerate(top, start=1):
            if c == want:
                hits += 1
                ap += hits / i
                if not rr:
                    rr = 1.0 / i
        mrr += rr
        ap_sum += ap / hits if hits else 0.0
    n = len(truth) or 1
    return {"p_at_1": round(p1 / n, 4), "mrr_at_10": round(mrr / n, 4), "map_at_10": round(ap_sum / n, 4)}


def case_items(rows: list[tuple[str, str]]) -> list[dict[str, object]]:
    return [
        {
            "PK": f"CASE#BENCH-{i}",
            "SK": "#META",
            "type": "case",
            "case_id": f"BENCH-{i}",
            "subject": text,
            "description": "",
            "category": category,
            "status": "resolved",
            "channel": "web",
            "customer_id": f"cust-{i % 500}",
        }
        for i, (text, category) in enumerate(rows)
    ]


class CachedEmbedder:
    """The embedder, each distinct text embedded once (the sweep asks the same queries again)."""

    def __init__(self, inner) -> None:  # noqa: ANN001
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.cache: dict[str, list[float]] = {}
        self.times: list[float] = []

    def embed(self, texts):  # noqa: ANN001, ANN201
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            started = time.perf_counter()
            for text, vec in zip(missing, self.inner.embed(missing), strict=True):
                self.cache[text] = vec
            if len(missing) == 1:
                self.times.append((time.perf_counter() - started) * 1000)
        return [self.cache[t] for t in texts]


def build_index(engine: str, rows: list[tuple[str, str]], directory: str, mappers: Mappers, embedder=None):  # noqa: ANN001, ANN201
    from functions.search.port import DocKind

    if engine == "embedded":
        from functions.search.embedded import EmbeddedIndex

        index = EmbeddedIndex(directory, embedder=embedder)
    else:
        from functions.search.opensearch import OpenSearchIndex

        index = OpenSearchIndex.from_url(engine, prefix="casebridge-bench", embedder=embedder)
    index.recreate(DocKind.CASE)
    docs = []
    for item in case_items(rows):
        doc = mappers.to_doc(item)
        assert doc is not None
        docs.append(doc)
    for i in range(0, len(docs), 5000):
        index.upsert(docs[i : i + 5000])
    index.refresh()
    return index


def grid(weights: str | None, floors: str | None, far_words: str | None) -> list[dict[str, object]]:
    """The query settings to run: every ``lexical:vector`` pair with every floor and far-words value
    (an option not given: the product's default, i.e. left out)."""
    pairs: list[dict[str, object]] = [{}]
    if weights:
        pairs = [
            {"lexical_weight": float(lw), "vector_weight": float(vw)}
            for lw, vw in (pair.split(":") for pair in weights.split(","))
        ]
    if floors:
        values = [None if f.strip().lower() == "none" else float(f) for f in floors.split(",")]
        pairs = [{**p, "min_similarity": v} for p in pairs for v in values]
    if far_words:
        pairs = [{**p, "far_lexical_min_words": int(n)} for p in pairs for n in far_words.split(",")]
    return pairs


def run_search(index, queries: list[tuple[str, str]], **kwargs: object) -> tuple[list[list[str]], list[float]]:  # noqa: ANN001
    from functions.search.similar import similar_query

    ranked: list[list[str]] = []
    times: list[float] = []
    for text, _ in queries:
        q = similar_query(text, limit=10, **kwargs)  # type: ignore[arg-type]
        started = time.perf_counter()
        hits = index.search(q)
        times.append((time.perf_counter() - started) * 1000)
        ranked.append([str(h.fields.get("category", "")) for h in hits])
    return ranked, times


def bm25_reference(cases: list[tuple[str, str]], queries: list[tuple[str, str]]) -> list[list[str]]:
    import numpy as np
    from rank_bm25 import BM25Okapi

    bm25 = BM25Okapi([t.lower().split() for t, _ in cases])
    ranked = []
    for text, _ in queries:
        scores = bm25.get_scores(text.lower().split())
        top = np.argsort(-scores, kind="stable")[:10]
        ranked.append([cases[i][1] for i in top])
    return ranked


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1], 3)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases")
    p.add_argument("--queries")
    p.add_argument("--engine", default="embedded", help="embedded (default) or an OpenSearch URL")
    p.add_argument("--split", metavar="CSV", help="write a deterministic cases/queries split of CSV and exit")
    p.add_argument("--out", default=None, help="directory for --split (default: a new temp dir)")
    p.add_argument("--ratio", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=77)
    p.add_argument("--consensus-weight", type=float, default=None, help="override (for ablation)")
    p.add_argument("--embedder", choices=["default", "onnx", "none"], default="default")
    p.add_argument("--weights", default=None, help="lexical:vector pairs, e.g. 1:0,1:0.5,1:1,0.5:1")
    p.add_argument("--floors", default=None, help="min_similarity values (cosine), e.g. none,0.2,0.3")
    p.add_argument("--far-words", default=None, help="far_lexical_min_words values, e.g. 0,2")
    args = p.parse_args(argv)

    if args.split:
        print(json.dumps(split(args.split, args.out or tempfile.mkdtemp(prefix="split-"), args.ratio, args.seed)))
        return 0
    if not args.cases or not args.queries:
        p.error("--cases and --queries are required (or --split)")

    cases = read_rows(args.cases)
    queries = read_rows(args.queries)
    kwargs: dict[str, object] = {} if args.consensus_weight is None else {"consensus_weight": args.consensus_weight}
    from functions.composition import Container
    from functions.core.settings import Settings

    if args.embedder == "default":
        inner = Container().embedder
    else:
        from functions.search.engines import embedder_from_settings

        inner = embedder_from_settings(Settings(embedder=args.embedder))
    embedder = CachedEmbedder(inner) if inner is not None else None
    pairs = grid(args.weights, args.floors, args.far_words)
    truth = [c for _, c in queries]
    ref = quality(bm25_reference(cases, queries), truth)
    with tempfile.TemporaryDirectory(prefix="bench-similar-") as directory:
        started = time.perf_counter()
        index = build_index(args.engine, cases, directory, Container().search_mappers, embedder)
        build_s = time.perf_counter() - started
        for weights in pairs:
            run_search(index, queries[:20], **kwargs, **weights)  # warm up (first use of the analyzer, caches)
            ranked, times = run_search(index, queries, **kwargs, **weights)
            from functions.search.similar import FAR_LEXICAL_MIN_WORDS, LEXICAL_WEIGHT, MIN_SIMILARITY, VECTOR_WEIGHT

            result = {
                "engine": "embedded (tantivy)" if args.engine == "embedded" else "opensearch",
                "embedder": inner.model_id if inner is not None else None,
                "lexical_weight": weights.get("lexical_weight", LEXICAL_WEIGHT),
                "vector_weight": weights.get("vector_weight", VECTOR_WEIGHT) if inner is not None else 0.0,
                "min_similarity": weights.get("min_similarity", MIN_SIMILARITY),
                "far_lexical_min_words": weights.get("far_lexical_min_words", FAR_LEXICAL_MIN_WORDS),
                "cases": len(cases),
                "queries": len(queries),
                **quality(ranked, truth),
                "p50_ms": percentile(times, 50),
                "p95_ms": percentile(times, 95),
                "embed_ms_p50": round(statistics.median(embedder.times), 3) if embedder and embedder.times else None,
                "index_build_s": round(build_s, 2),
                "bm25_p_at_1": ref["p_at_1"],
                "bm25_mrr_at_10": ref["mrr_at_10"],
                "bm25_map_at_10": ref["map_at_10"],
            }
            print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
