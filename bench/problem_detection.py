"""Problem-blip detection on a synthetic case stream built from a labelled corpus.

    python bench/problem_detection.py --corpus ../shared/data/intents/banking77-train.csv --seed 1

The corpus is a CSV with ``text,category``. The bench builds a customer base (products with
models and batches, regions, tiers, channels), a stream of background cases (about one a
minute; category drawn with uneven weights over all categories, text drawn from that
category's rows, customer drawn from the whole base), and injects ``--bursts`` bursts: each
picks a category and one segment (attribute=value holding 1 to 15 % of the customers), and
adds 15 to 40 cases of that category over 2 to 6 hours, from customers of that segment only.

Agents act on a candidate (confirm or dismiss it) ``--review-hours`` after it opens: the bench
then closes it in the detector, so that its groups are tested again.

The detector (``functions.problems.detection.Detector``) sees each case's text, timestamp,
customer and the customer's segment attributes. It never sees the category: the corpus's
category is used only to build the stream and to score.

``--perfect-text`` replaces every case's text with one word naming its category, so that cases
of one category are identical and of two categories share nothing: the detector's tests with a
perfect text signature. It measures what the statistics alone allow (the delay's floor on this
stream), apart from how well words link short requests of one intent. ``--text-noise P`` (with
``--perfect-text``) gives a share P of each category's texts the word of another category, at
random: a signature that is right about a case's intent with probability 1 - P, to see how the
delay grows as the signature errs.

``--signatures words,meaning`` (the default: both, one JSON line each, same stream): ``words``
gives the detector no vectors (as with ``CASEBRIDGE_EMBEDDER=none``); ``meaning`` gives each case
its sentence embedding (the product's ``OnnxEmbedder``, all-MiniLM-L6-v2 int8), as
``DetectionService`` does through its embedder port. Each distinct corpus text is embedded once
and the vectors are kept in ``--embed-cache`` (a temporary folder by default), so the cost figures
are the detector's alone (embedding a case: docs/language.md, about 5 to 14 ms a text).

``--triage-split SHARE`` (with the meaning signature) gives the detector triage's category too,
as ``DetectionService`` does when the deployment has a triage model: per category, SHARE of the
corpus's distinct texts are the deployment's resolved cases, on which the product's
``TriageModel`` is trained (default settings, the category field only); the stream (background
and bursts) draws its texts from the rest, so no text the classifier learnt from is ever
classified. Each stream case's ``intent`` is triage's top category where detection accepts it
(``rules.accepted_intent``: its probability at least ``intent_confidence``, 0.5, and the
category's training texts at least ``intent_cohesion`` alike, 0.7: both ``DetectionConfig``, so
``--config`` and ``--sweep`` set them). One ``"triage"`` line says how many texts trained it, its
broadest labels, the share of stream texts given an intent and the share of those right. The
split changes the stream's texts: compare with ``--config '{"intent_groups": false}'`` on the
same split. ``--triage-coarse`` makes triage learn a coarse taxonomy instead (each category
folded into the first word of ``COARSE`` its name holds: 14 labels, "card" alone holding 23 of
the 77), as a deployment whose categories are broad would have. ``BENCH_EXPLAIN=1`` prints each false candidate to stderr (its cases' true and
predicted categories, its growth).

``--seeds 1,2,3,4,5`` runs several seeds and prints, per signature, one line per seed and one
``"summary"`` line (mean and worst over the seeds). ``--sweep '{"meaning_join_similarity": [0.5,
0.6], ...}'`` runs every combination of those DetectionConfig values (with ``--config`` as the
base) over the seeds, one summary line per combination (no cost run): how the thresholds in
``DetectionConfig`` were chosen.

Scoring. A candidate belongs to the burst that holds most of its cases; it is a true
detection if that burst holds at least half of them, else a false candidate. Prints one JSON
object:

    bursts, detected, recall             bursts with at least one true candidate
    median_delay_cases                   burst cases that had arrived when its first true
                                         candidate opened (the triggering case included)
    false_candidates_per_1000_cases
    purity                               mean over all candidates of the share of its cases
                                         from its burst (0 for a candidate of background only)
    segment_found                        share of detected bursts whose first candidate's top
                                         common-thread item is the injected attribute=value
    duplicates_per_burst                 further true candidates of an already detected burst
    link_precision                       share of link suggestions that were burst cases
    fifth_case_cosine                    how alike a burst's cases look to the detector when the
                                         goal says it should open: the cosine (the detector's own
                                         case vectors) of each burst's fifth case to each of its
                                         first four; median, 75th percentile, and the share at or
                                         above join_similarity
    cost_us_at_1000, cost_us_at_100000   mean microseconds per case (observe) after 1,000,
                                         (20,000) and 100,000 cases on a separate background stream
    work_at_1000, work_at_100000         postings scanned per case there, and groups held
    groups_at_N, state_kb_at_N           groups held and the gzipped JSON state (``to_state``, as
                                         the state store writes it) after N = 1,000, 20,000 and
                                         100,000 cases of that stream (the measured sample included)
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

# One BLAS thread, as on a Lambda function's share of a core: on a shared, loaded machine
# OpenBLAS's threads made the pool's matrix product 20 times slower (14 ms instead of 0.7 ms).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from functions.problems.detection.detector import Detector, SegmentBase, to_state  # noqa: E402
from functions.problems.detection.models import CaseSignal, DetectionConfig  # noqa: E402
from functions.problems.detection.rules import accepted_intent  # noqa: E402

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
SEGMENT_CHOICES = ("product", "model", "batch", "region", "tier", "channel")


def read_corpus(path: str) -> dict[str, list[str]]:
    by_cat: dict[str, list[str]] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            by_cat.setdefault(row["category"], []).append(row["text"])
    return by_cat


def perfect_text(corpus: dict[str, list[str]], noise: float = 0.0, seed: int = 0) -> dict[str, list[str]]:
    """The same rows, each text replaced by one made-up word for its category (letters only); with
    ``noise``, that share of each category's rows carries the word of another category, drawn at
    random (a signature that mistakes one case in 1/noise for an unrelated intent)."""
    words = {c: "cat" + "".join(chr(ord("a") + int(d)) for d in f"{i:03d}") for i, c in enumerate(sorted(corpus))}
    rng = random.Random(f"noise-{seed}")
    others = sorted(words)
    out = {}
    for category, rows in sorted(corpus.items()):
        out[category] = [
            words[rng.choice([c for c in others if c != category])] if rng.random() < noise else words[category]
            for _ in rows
        ]
    return out


def customer_base(rng: random.Random, n: int) -> list[tuple[str, dict[str, str]]]:
    products = [f"P{i}" for i in range(1, 9)]
    product_w = [rng.uniform(0.5, 3.0) for _ in products]
    regions = ["north", "south", "east", "west", "central", "islands"]
    region_w = [rng.uniform(0.5, 2.0) for _ in regions]
    tiers, tier_w = ["standard", "premium", "enterprise"], [0.7, 0.25, 0.05]
    channels, channel_w = ["email", "chat", "web", "phone"], [0.4, 0.3, 0.2, 0.1]
    out = []
    for i in range(n):
        p = rng.choices(products, product_w)[0]
        m = f"{p}-M{rng.randint(1, 3)}"
        b = f"{m}-B{rng.randint(1, 4)}"
        segs = {
            "product": p,
            "model": m,
            "batch": b,
            "region": rng.choices(regions, region_w)[0],
            "tier": rng.choices(tiers, tier_w)[0],
            "channel": rng.choices(channels, channel_w)[0],
        }
        out.append((f"CU{i:05d}", segs))
    return out


def pick_segment(rng: random.Random, customers: list[tuple[str, dict[str, str]]]) -> tuple[str, str]:
    while True:
        attribute = rng.choice(SEGMENT_CHOICES)
        shares = Counter(s[attribute] for _, s in customers)
        value = rng.choice(sorted(shares))
        if 0.01 <= shares[value] / len(customers) <= 0.15:
            return attribute, value


def build_stream(corpus: dict[str, list[str]], seed: int, n_background: int, n_bursts: int, warmup: int):
    rng = random.Random(seed)
    customers = customer_base(rng, 5000)
    cats = sorted(corpus)
    cat_w = [rng.uniform(0.3, 3.0) for _ in cats]
    events: list[tuple[float, str, str, int | None]] = []  # (seconds, text, customer index, burst)
    t = 0.0
    for _ in range(n_background):
        t += rng.expovariate(1 / 60.0)
        cat = rng.choices(cats, cat_w)[0]
        events.append((t, rng.choice(corpus[cat]), str(rng.randrange(len(customers))), None))
    horizon = t
    bursts = []
    burst_cats = rng.sample(cats, n_bursts)
    for b in range(n_bursts):
        attribute, value = pick_segment(rng, customers)
        members = [i for i, (_, s) in enumerate(customers) if s[attribute] == value]
        start = rng.uniform(warmup * 60.0, horizon - 6 * 3600.0)
        span = rng.uniform(2, 6) * 3600.0
        size = rng.randint(15, 40)
        cat = burst_cats[b]
        for _ in range(size):
            events.append((start + rng.uniform(0, span), rng.choice(corpus[cat]), str(rng.choice(members)), b))
        bursts.append({"category": cat, "segment": [attribute, value], "size": size, "hours": round(span / 3600, 2)})
    events.sort(key=lambda e: e[0])
    return customers, events, bursts


Vectors = dict[str, list[float]]


def load_vectors(corpus: dict[str, list[str]], cache_dir: str | None) -> tuple[Vectors, dict]:
    """Every distinct corpus text's vector by the product's embedder, cached on disk by model and
    corpus; and what it cost (seconds, texts) when computed now."""
    import numpy as np

    from functions.core.settings import Settings
    from functions.search.engines import embedder_from_settings

    embedder = embedder_from_settings(Settings(embedder="onnx"))
    assert embedder is not None
    texts = sorted({t for rows in corpus.values() for t in rows})
    key = hashlib.sha256("\n".join([embedder.model_id, *texts]).encode()).hexdigest()[:16]
    folder = Path(cache_dir or Path(tempfile.gettempdir()) / "casebridge-bench-vectors")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{embedder.model_id}-{key}.npy"
    info: dict = {"embedder": embedder.model_id, "texts": len(texts), "cached": path.exists()}
    if path.exists():
        matrix = np.load(path)
    else:
        t0 = time.perf_counter()
        rows: list[list[float]] = []
        for start in range(0, len(texts), 512):
            rows += embedder.embed(texts[start : start + 512])
            print(f"embedded {len(rows)} of {len(texts)} texts", file=sys.stderr, flush=True)
        matrix = np.asarray(rows, dtype=np.float32)
        info["embed_seconds"] = round(time.perf_counter() - t0, 1)
        np.save(path, matrix)
    return {t: row.tolist() for t, row in zip(texts, matrix, strict=True)}, info


def signal(
    i: int,
    at: float,
    text: str,
    customer: tuple[str, dict[str, str]],
    vectors: Vectors | None = None,
    intents: Triaged | None = None,
    config: DetectionConfig | None = None,
) -> CaseSignal:
    cid, segs = customer
    vector = vectors[text] if vectors is not None else None
    intent = accepted_intent(intents[text], config or DetectionConfig()) if intents is not None else None
    return CaseSignal(
        case_id=f"C{i}",
        text=text,
        vector=vector,
        intent=intent,
        at=START + timedelta(seconds=at),
        customer_id=cid,
        **segs,
    )


def split_corpus(corpus: dict[str, list[str]], share: float, seed: int = 77):
    """(the stream's texts, the resolved cases triage learns from): per category, ``share`` of its
    distinct texts go to triage's training set, the rest to the stream; no text is in both."""
    rng = random.Random(seed)
    stream, train = {}, {}
    for cat, rows in sorted(corpus.items()):
        texts = sorted(set(rows))
        rng.shuffle(texts)
        cut = max(1, round(len(texts) * share))
        train[cat], stream[cat] = texts[:cut], texts[cut:]
    return stream, train


# A coarse taxonomy (``--triage-coarse``): each banking77 category becomes the first of these words
# its name contains ("other" if none), e.g. card_arrival -> card, pending_top_up -> top_up.
COARSE = (
    "top_up",
    "topping",
    "transfer",
    "withdrawal",
    "cash",
    "exchange",
    "currenc",
    "card",
    "pin",
    "passcode",
    "identity",
    "verify",
    "refund",
    "payment",
    "balance",
    "fee",
    "charge",
    "account",
    "details",
)


def coarse(category: str) -> str:
    word = next((w for w in COARSE if w in category), "other")
    return {"topping": "top_up", "currenc": "exchange", "verify": "identity", "cash": "withdrawal"}.get(word, word)


Triaged = dict[str, tuple[str, float, float]]  # text -> triage's (category, probability, cohesion)


def predict_intents(stream, train, vectors: Vectors, taxonomy=lambda c: c) -> tuple[Triaged, dict]:
    """Triage's model (the product's ``TriageModel``, default settings) trained on ``train``; each
    stream text's top category, its probability and the category's cohesion, as the product's
    ``TriageIntents`` gives them to detection (which keeps those ``rules.accepted_intent`` accepts)."""
    import numpy as np

    from functions.triage.classifier import TriageModel

    texts = [t for rows in train.values() for t in rows]
    labels = [taxonomy(c) for c, rows in train.items() for _ in rows]
    t0 = time.perf_counter()
    model = TriageModel.train(
        texts, {"category": labels}, lambda b: [vectors[t] for t in b], "bench", vectors=[vectors[t] for t in texts]
    )
    trained = time.perf_counter() - t0
    cohesion = model.cohesion("category")
    out: Triaged = {}
    for rows in stream.values():
        for t in rows:
            label, p = model.predict(t, np.asarray(vectors[t], dtype=np.float32), top=1)["category"][0]
            out[t] = (label, p, cohesion.get(label, 0.0))
    info = {
        "train_texts": len(texts),
        "stream_texts": len(out),
        "train_seconds": round(trained, 1),
        "labels": len(cohesion),
        "cohesion": dict(sorted(cohesion.items(), key=lambda kv: kv[1])[:5]),  # the broadest labels
    }
    return out, info


def intents_given(stream, triaged: Triaged, config: DetectionConfig, taxonomy=lambda c: c) -> dict:
    """The share of stream texts detection gives an intent at ``config``, and of those the share right."""
    given = right = 0
    for cat, rows in stream.items():
        for t in rows:
            intent = accepted_intent(triaged[t], config)
            given += intent is not None
            right += intent == taxonomy(cat)
    n = sum(len(rows) for rows in stream.values())
    return {"given": round(given / n, 4), "given_right": round(right / max(given, 1), 4)}


def run_detection(
    corpus,
    seed: int,
    n_background: int,
    n_bursts: int,
    config: DetectionConfig,
    review_hours: float = 24.0,
    vectors: Vectors | None = None,
    intents: Triaged | None = None,
) -> dict:
    customers, events, bursts = build_stream(corpus, seed, n_background, n_bursts, warmup=2000)
    base = SegmentBase()
    for _, segs in customers:
        base.add(segs)
    detector = Detector(config, base=base)
    truth: dict[str, int | None] = {}
    text_of: dict[str, str] = {}
    cat_of = {t: c for c, rows in corpus.items() for t in rows}
    seen_per_burst: Counter[int] = Counter()
    candidates = []
    links = []
    reviews: list[tuple[float, str]] = []  # (when agents act on it, candidate id)
    burst_vectors: dict[int, list[tuple[dict[str, float], object]]] = {}
    fifth: list[float] = []
    for i, (at, text, cust, burst) in enumerate(events):
        while reviews and reviews[0][0] <= at:
            detector.close(reviews.pop(0)[1])
        case = signal(i, at, text, customers[int(cust)], vectors, intents, config)
        truth[case.case_id] = burst
        text_of[case.case_id] = cat_of.get(text, "?") + ("/" + str(case.intent) if case.intent else "")
        if burst is not None:
            seen_per_burst[burst] += 1
        for ev in detector.observe(case):
            if ev.kind == "candidate":
                candidates.append((ev, dict(seen_per_burst)))
                reviews.append((at + review_hours * 3600.0, ev.candidate_id))
            else:
                links.append(ev)
        if burst is not None and len(burst_vectors.setdefault(burst, [])) < 5:
            seen5 = burst_vectors[burst]
            emb = None
            if vectors is not None:
                import numpy as np

                emb = np.asarray(vectors[text], dtype=np.float32)
            seen5.append((detector.pool[-1].vector, emb))  # the case just observed
            if len(seen5) == 5:
                fifth += [detector.pair_similarity(*seen5[4], *v) for v in seen5[:4]]
    first: dict[int, tuple] = {}
    false = 0
    duplicates = 0
    purities = []
    for cand, seen in candidates:
        labels = Counter(truth[c] for c in cand.case_ids)
        top, top_n = max(((b, n) for b, n in labels.items() if b is not None), key=lambda x: x[1], default=(None, 0))
        share = top_n / len(cand.case_ids)
        purities.append(share)
        if top is None or share < 0.5:
            false += 1
            if os.environ.get("BENCH_EXPLAIN"):
                cats = Counter(text_of[c] for c in cand.case_ids)
                print(
                    json.dumps(
                        {
                            "false": cand.candidate_id,
                            "group": cand.group_id,
                            "cases": len(cand.case_ids),
                            "labels": dict(labels),
                            "texts": dict(cats.most_common(4)),
                            "growth": cand.evidence.growth.model_dump(mode="json"),
                        }
                    ),
                    file=sys.stderr,
                )
        elif top in first:
            duplicates += 1
        else:
            first[top] = (cand, seen.get(top, 0))
    delays = [d for _, d in first.values()]
    found = 0
    for b, (cand, _) in first.items():
        thread = cand.evidence.common_thread
        if thread and [thread[0].attribute, thread[0].value] == bursts[b]["segment"]:
            found += 1
    link_hits = sum(1 for ev in links if truth[ev.case_id] is not None)
    return {
        "bursts": len(bursts),
        "detected": len(first),
        "recall": round(len(first) / len(bursts), 4),
        "median_delay_cases": statistics.median(delays) if delays else None,
        "false_candidates": false,
        "false_candidates_per_1000_cases": round(1000 * false / len(events), 4),
        "purity": round(statistics.fmean(purities), 4) if purities else None,
        "segment_found": round(found / len(first), 4) if first else None,
        "duplicates_per_burst": round(duplicates / len(bursts), 3),
        "link_suggestions": len(links),
        "link_precision": round(link_hits / len(links), 4) if links else None,
        "fifth_case_cosine": {
            "median": round(statistics.median(fifth), 3),
            "p75": round(statistics.quantiles(fifth, n=4)[2], 3),
            "share_at_join_similarity": round(
                sum(
                    c >= (config.meaning_join_similarity if vectors is not None else config.join_similarity)
                    for c in fifth
                )
                / len(fifth),
                3,
            ),
        },
        "cases": len(events),
        "groups": len(detector.groups),
        "missed": [bursts[b] for b in range(len(bursts)) if b not in first],
    }


def state_kb(detector: Detector) -> float:
    """The gzipped JSON state, as the deployment's state store writes it."""
    body = gzip.compress(json.dumps(to_state(detector), separators=(",", ":")).encode())
    return round(len(body) / 1024, 1)


def measure_cost(
    corpus,
    seed: int,
    config: DetectionConfig,
    sizes=(1000, 20_000, 100_000),
    sample: int = 1000,
    vectors: Vectors | None = None,
) -> dict:
    rng = random.Random(seed + 7)
    customers = customer_base(rng, 5000)
    rows = [t for texts in corpus.values() for t in texts]
    detector = Detector(config)
    out: dict[str, object] = {}
    i, at = 0, 0.0

    def feed(n: int) -> None:
        nonlocal i, at
        for _ in range(n):
            at += rng.expovariate(1 / 60.0)
            detector.observe(signal(i, at, rng.choice(rows), rng.choice(customers), vectors))
            i += 1

    for size in sizes:
        feed(size - i)
        cases = [(rng.choice(rows), rng.choice(customers)) for _ in range(sample)]
        signals = []
        for text, cust in cases:
            at += rng.expovariate(1 / 60.0)
            signals.append(signal(i, at, text, cust, vectors))
            i += 1
        before, scored = detector.counters.postings_scanned, detector.counters.vectors_scored
        t0 = time.perf_counter()
        for s in signals:
            detector.observe(s)
        elapsed = time.perf_counter() - t0
        out[f"cost_us_at_{size}"] = round(1e6 * elapsed / sample, 1)
        out[f"work_at_{size}"] = {
            "postings_scanned_per_case": round((detector.counters.postings_scanned - before) / sample, 1),
            "vectors_scored_per_case": round((detector.counters.vectors_scored - scored) / sample, 1),
            "groups": len(detector.groups),
        }
        out[f"groups_at_{size}"] = len(detector.groups)
        out[f"state_kb_at_{size}"] = state_kb(detector)
    return out


SUMMARY_KEYS = ("recall", "median_delay_cases", "false_candidates_per_1000_cases", "purity", "segment_found")


def summary(results: list[dict]) -> dict:
    """Mean over the seeds of each goal's figure, and its worst seed."""
    out: dict = {}
    for key in SUMMARY_KEYS:
        values = [r[key] if r[key] is not None else float("nan") for r in results]
        worst = max(values) if key in ("median_delay_cases", "false_candidates_per_1000_cases") else min(values)
        out[key] = {"mean": round(statistics.fmean(values), 3), "worst": round(worst, 3)}
    out["goals_met"] = (
        out["recall"]["worst"] >= 0.95
        and out["median_delay_cases"]["mean"] <= 5
        and out["purity"]["mean"] >= 0.9
        and out["false_candidates_per_1000_cases"]["mean"] <= 1
        and out["segment_found"]["mean"] >= 0.9
    )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seeds", default=None, help="several seeds, e.g. 1,2,3,4,5 (then a summary line too)")
    ap.add_argument("--cases", type=int, default=20_000, help="background cases")
    ap.add_argument("--bursts", type=int, default=12)
    ap.add_argument("--review-hours", type=float, default=24.0, help="agents confirm or dismiss a candidate after")
    ap.add_argument("--no-cost", action="store_true", help="skip the 100,000-case cost run")
    ap.add_argument("--config", default="{}", help="JSON overrides of DetectionConfig")
    ap.add_argument("--signatures", default="words,meaning", help="words, meaning, or both (see above)")
    ap.add_argument("--embed-cache", default=None, help="folder for the corpus's vectors (default: a temp folder)")
    ap.add_argument(
        "--triage-split",
        type=float,
        default=0.0,
        help="this share of each category's texts trains triage; the stream draws from the rest (0: no triage)",
    )
    ap.add_argument(
        "--triage-coarse", action="store_true", help="with --triage-split: triage learns coarse categories (COARSE)"
    )
    ap.add_argument("--sweep", default=None, help="JSON: DetectionConfig field -> values to try (see above)")
    ap.add_argument(
        "--perfect-text", action="store_true", help="each case's text is one word naming its category (see above)"
    )
    ap.add_argument(
        "--text-noise",
        type=float,
        default=0.0,
        help="with --perfect-text: this share of cases carry another category's word (see above)",
    )
    args = ap.parse_args(argv)
    corpus = read_corpus(args.corpus)
    overrides = json.loads(args.config)
    if not 0.0 <= args.text_noise < 1.0 or (args.text_noise and not args.perfect_text):
        ap.error("--text-noise takes a share in [0, 1) and goes with --perfect-text")
    signatures = [s for s in args.signatures.split(",") if s]
    if not set(signatures) <= {"words", "meaning"}:
        ap.error("--signatures takes words, meaning or both")
    if args.perfect_text:
        corpus = perfect_text(corpus, args.text_noise, args.seed)
        # One word per category: its posting must reach every recent case of the category.
        overrides = {"postings_per_term": DetectionConfig().neighbour_pool, **overrides}
        signatures = ["words"]
    seeds = [int(x) for x in args.seeds.split(",")] if args.seeds else [args.seed]
    vectors, embed_info = None, None
    if "meaning" in signatures:
        vectors, embed_info = load_vectors(corpus, args.embed_cache)
    intents = None
    if args.triage_split:
        if vectors is None:
            ap.error("--triage-split needs the meaning signature")
        corpus, train = split_corpus(corpus, args.triage_split)
        taxonomy = coarse if args.triage_coarse else (lambda c: c)
        intents, triage_info = predict_intents(corpus, train, vectors, taxonomy)
        triage_info.update(intents_given(corpus, intents, DetectionConfig.model_validate(overrides), taxonomy))
        print(json.dumps({"triage": triage_info}), flush=True)

    if args.sweep:
        grid = json.loads(args.sweep)
        names = sorted(grid)
        for values in itertools.product(*(grid[n] for n in names)):
            trial = {**overrides, **dict(zip(names, values, strict=True))}
            config = DetectionConfig.model_validate(trial)
            for signature in signatures:
                vecs = vectors if signature == "meaning" else None
                known = intents if signature == "meaning" else None  # triage needs the vectors
                results = [
                    run_detection(corpus, s, args.cases, args.bursts, config, args.review_hours, vecs, known)
                    for s in seeds
                ]
                line = {"sweep": dict(zip(names, values, strict=True)), "signature": signature, "seeds": seeds}
                line.update(summary(results))
                line["per_seed"] = {
                    str(s): {k: r[k] for k in SUMMARY_KEYS} for s, r in zip(seeds, results, strict=True)
                }
                print(json.dumps(line), flush=True)
        return 0

    config = DetectionConfig.model_validate(overrides)
    for signature in signatures:
        vecs = vectors if signature == "meaning" else None
        known = intents if signature == "meaning" else None  # triage needs the vectors
        results = []
        for seed in seeds:
            result = {
                "seed": seed,
                "signature": signature,
                "perfect_text": args.perfect_text,
                "text_noise": args.text_noise,
                **run_detection(corpus, seed, args.cases, args.bursts, config, args.review_hours, vecs, known),
            }
            if signature == "meaning":
                result["embedding"] = embed_info
                if known is not None:
                    result["triage"] = triage_info
            if not args.no_cost:
                result.update(measure_cost(corpus, seed, config, vectors=vecs))
            result["config"] = config.model_dump()
            results.append(result)
            print(json.dumps(result), flush=True)
        if len(seeds) > 1:
            print(json.dumps({"summary": signature, "seeds": seeds, **summary(results)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
