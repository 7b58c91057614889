"""Similar-case query latency at scale on the embedded engine.

    python bench/search_latency.py [--cases 100000] [--queries 1000] [--source banking77-train.csv]

Builds a corpus of ``--cases`` cases by sampling the texts of ``--source`` (CSV ``text,category``)
and perturbing each copy (a word dropped, two swapped, a product or order reference added, a
second sentence from the same category), indexes it through the indexer's mapper into a fresh
embedded index, then runs ``--queries`` similar-case queries (``similar_query``, the query
``GET /cases/{id}/similar`` sends, with a customer excluded as the API does), one at a time.
Prints one JSON object: index build time and query latency p50 / p95 / max in milliseconds.
"""

from __future__ import annotations

import argparse
import json
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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=100_000)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--source", default=str(DEFAULT_SOURCE))
    p.add_argument("--seed", type=int, default=1)
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
    queries = [rows[rng.randrange(len(rows))] for _ in range(args.queries)]
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as directory:
        index = EmbeddedIndex(directory)
        started = time.perf_counter()
        docs = [d for d in (mappers.to_doc(item) for item in items) if d is not None]
        for i in range(0, len(docs), 10_000):
            index.upsert(docs[i : i + 10_000])
        build_s = time.perf_counter() - started
        assert index.count(DocKind.CASE) == len(docs)
        for text, _ in queries[:50]:  # warm up: page cache, analyzer
            index.search(similar_query(text))
        times = []
        hits = 0
        for n, (text, _) in enumerate(queries):
            q = similar_query(text, exclude_customer_id=f"cust-{n % 500}", limit=10)
            t0 = time.perf_counter()
            result = index.search(q)
            times.append((time.perf_counter() - t0) * 1000)
            hits += bool(result)
    print(
        json.dumps(
            {
                "engine": "embedded (tantivy)",
                "cases": len(docs),
                "queries": len(queries),
                "queries_with_hits": hits,
                "index_build_s": round(build_s, 2),
                "p50_ms": percentile(times, 50),
                "p95_ms": percentile(times, 95),
                "max_ms": round(max(times), 3),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
