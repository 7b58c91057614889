"""Self-service search quality: the customers' query (``functions.selfservice.rules.public_query``)
over a set of articles, lexical alone and hybrid, against a plain BM25 reference.

    python bench/selfservice_search.py [--articles FILE --queries FILE] [--embedder onnx|none] [--weights 1:0,1:1,...]
                                       [--query customer|agent]

``--query agent`` asks the agents' question instead: the articles suggested beside a case
(``functions.knowledge.similar_cases.articles_query``, published articles only, its own weights),
each query text standing for a case's subject and description.

Two relevance sets:

* the default, ``bench/data/selfservice-articles.csv`` and ``bench/data/selfservice-queries.csv``:
  the local stack's two demo articles and twelve more written like them (a help center's usual
  topics: sign-in, billing, delivery, a router, a printer, an app), and 40 customer queries
  written as customers type them, most sharing few words with their article (written for this
  bench, CC0);
* ``--articles ../shared/data/faq/articles.csv --queries ../shared/data/faq/queries-dev.csv``:
  StackFAQ (125 articles, 624 rewordings of their questions; ../shared/data/README.md).

Articles: CSV ``article_id,title,body[,keywords]`` (keywords separated by ``|``); queries: CSV
``query_id,query,relevant_article_ids`` (ids separated by ``|``). Each article becomes a public
article document in the embedded engine (vectors computed once, when indexed, with the embedder);
each query is asked as the help center asks it. Prints one JSON object per ``lexical:vector``
weight pair (``1:0``: the lexical query alone; without ``--weights``: the product's default):
P@1, MRR@10, Recall@10, query latency p50/p95, and BM25's P@1 and MRR@10 (rank_bm25, lower-cased
whitespace tokens, title + body).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.similar_cases import CachedEmbedder, grid, percentile  # noqa: E402

DATA = ROOT / "bench" / "data"


def read_articles(path: str | Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def read_queries(path: str | Path) -> list[tuple[str, set[str]]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [(r["query"], set(r["relevant_article_ids"].split("|"))) for r in csv.DictReader(fh)]


def quality(ranked: list[list[str]], truth: list[set[str]]) -> dict[str, float]:
    p1 = mrr = rec = 0.0
    for ids, want in zip(ranked, truth, strict=True):
        top = ids[:10]
        p1 += 1.0 if top and top[0] in want else 0.0
        mrr += next((1.0 / i for i, d in enumerate(top, start=1) if d in want), 0.0)
        rec += len(want & set(top)) / len(want)
    n = len(truth) or 1
    return {"p_at_1": round(p1 / n, 4), "mrr_at_10": round(mrr / n, 4), "recall_at_10": round(rec / n, 4)}


def shown(ranked: list[list[str]], truth: list[set[str]]) -> dict[str, float]:
    """What a customer is shown: results per query (at most 10), and the share of them that are relevant."""
    total = sum(min(len(ids), 10) for ids in ranked)
    good = sum(len(want & set(ids[:10])) for ids, want in zip(ranked, truth, strict=True))
    return {"shown_mean": round(total / (len(ranked) or 1), 2), "shown_relevant": round(good / (total or 1), 4)}


def bm25(articles: list[dict[str, str]], queries: list[tuple[str, set[str]]]) -> list[list[str]]:
    import numpy as np
    from rank_bm25 import BM25Okapi

    model = BM25Okapi([f"{a['title']} {a['body']}".lower().split() for a in articles])
    out = []
    for text, _ in queries:
        scores = model.get_scores(text.lower().split())
        out.append([articles[i]["article_id"] for i in np.argsort(-scores, kind="stable")[:10]])
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--articles", default=str(DATA / "selfservice-articles.csv"))
    p.add_argument("--queries", default=str(DATA / "selfservice-queries.csv"))
    p.add_argument("--embedder", choices=["default", "onnx", "none"], default="default")
    p.add_argument("--weights", default=None, help="lexical:vector pairs, e.g. 1:0,1:1,0.5:1")
    p.add_argument("--floors", default=None, help="min_similarity values (cosine), e.g. none,0.2,0.3")
    p.add_argument("--far-words", default=None, help="far_lexical_min_words values, e.g. 0,2")
    p.add_argument("--query", choices=["customer", "agent"], default="customer", help="whose query (see above)")
    args = p.parse_args(argv)

    from functions.composition import Container
    from functions.core.settings import Settings
    from functions.knowledge import similar_cases
    from functions.search.embedded import EmbeddedIndex
    from functions.search.engines import embedder_from_settings
    from functions.search.port import DocKind, SearchDoc
    from functions.selfservice import rules

    inner = (
        Container().embedder if args.embedder == "default" else embedder_from_settings(Settings(embedder=args.embedder))
    )
    embedder = CachedEmbedder(inner) if inner is not None else None
    articles = read_articles(args.articles)
    queries = read_queries(args.queries)
    pairs = grid(args.weights, args.floors, args.far_words)
    truth = [want for _, want in queries]
    ref = quality(bm25(articles, queries), truth)
    with tempfile.TemporaryDirectory(prefix="bench-selfservice-") as directory:
        index = EmbeddedIndex(directory, embedder=embedder)
        started = time.perf_counter()
        index.upsert(
            [
                SearchDoc(
                    doc_id=a["article_id"],
                    kind=DocKind.ARTICLE,
                    title=a["title"],
                    body=a["body"],
                    keywords=[k for k in (a.get("keywords") or "").split("|") if k],
                    fields={"audience": "public", "published": "true", "status": "published", "visibility": "external"},
                )
                for a in articles
            ]
        )
        build_s = time.perf_counter() - started
        for weights in pairs:
            ranked: list[list[str]] = []
            times: list[float] = []
            for text, _ in queries:
                query = (
                    rules.public_query(text, 10, highlight=True, **weights)  # type: ignore[arg-type]
                    if args.query == "customer"
                    else similar_cases.articles_query(text, 10).model_copy(update=weights)
                )
                t0 = time.perf_counter()
                hits = index.search(query)
                times.append((time.perf_counter() - t0) * 1000)
                ranked.append([h.doc_id for h in hits])
            defaults = (
                rules.public_query("", 1, highlight=False)
                if args.query == "customer"
                else similar_cases.articles_query("", 1)
            )
            result = {
                "query": args.query,
                "articles": len(articles),
                "queries": len(queries),
                "embedder": inner.model_id if inner is not None else None,
                "lexical_weight": weights.get("lexical_weight", defaults.lexical_weight),
                "vector_weight": weights.get("vector_weight", defaults.vector_weight) if inner is not None else 0.0,
                "min_similarity": weights.get("min_similarity", defaults.min_similarity),
                "far_lexical_min_words": weights.get("far_lexical_min_words", defaults.far_lexical_min_words),
                **quality(ranked, truth),
                **shown(ranked, truth),
                "p50_ms": percentile(times, 50),
                "p95_ms": percentile(times, 95),
                "embed_ms_p50": round(statistics.median(embedder.times), 3) if embedder and embedder.times else None,
                "index_build_s": round(build_s, 2),
                "bm25_p_at_1": ref["p_at_1"],
                "bm25_mrr_at_10": ref["mrr_at_10"],
            }
            print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
