"""Experiment: the triage classifier over MiniLM with its top layers fine-tuned on the training texts.

    .venv/bin/pip install jax==0.12.0.1 jaxlib==0.12.0.1 onnx==1.23.2   # this bench only; not shipped
    python bench/intents_finetune.py --cv 5 [--folds 1,2] [--top 2] [--epochs 4] [--train-seeds 0,1,2]
    python bench/intents_finetune.py --test            # the 80/20 split's test part (look once)
    OPENBLAS_NUM_THREADS=1 taskset -c 1 python bench/intents_finetune.py --costs   # what running tuned layers would cost

Why: the shipped classifier (``bench/intents.py --classifier``) plateaus at ~0.930 in 5-fold
cross-validation whatever is tuned over the frozen sentence vectors (README, docs/language.md). This
measures the next lever: MiniLM's own weights, read from the pinned int8 ONNX file (dequantised:
weight = int8 x scale), run in JAX; the top ``--top`` of its 6 layers and a cosine head over the
mean-pooled unit vector (initialised at the class means, logits x ``--scale``) are trained with
Adam (linear warm-up over the first 10 % of steps, linear decay; decoupled weight decay 0.01 on
the layers), batches of 32 grouped by length, texts cut at 64 tokens. The tuned vectors then take
the frozen ones' place in the shipped ``TriageModel`` (TF-IDF + vectors softmax, 0.3 x 5-NN vote),
and the head's probabilities are blended in at each ``--head-weights`` share.

``--costs`` measures what shipping tuned layers would cost, one JSON line: whether onnxruntime
honours ``SessionOptions.add_initializer`` overrides of the int8 weights at each optimisation level
(the largest change of the output when one layer's weights are overridden with zeros), one text's
session time with optimisation on and off, the top one and two layers in numpy after the shared
pass (one text, one thread; exact GELU by scipy, which jax brings), and the installed size of jax,
jaxlib and onnx.

Prints one JSON line per fold (accuracy of the head alone, of the shipped model over the frozen
and over the tuned vectors, and of each blend) and one with the folds' means. With several
``--train-seeds`` (the batches' orders) each seed's figures are prefixed ``seed{n}_`` and the line
adds their mean (``seeds_mean_``), their soup (``soup_``: the seeds' tuned weights and heads
averaged into one model) and their ensemble (``ensemble_``: their probabilities averaged). The folds and the
split are ``bench/intents.py``'s (seed 77; ``--cv 5``: stratified, the test part unused), so
its figures for the frozen vectors are comparable line by line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench.intents import (  # noqa: E402
    Rows,
    _package_bytes,
    cached_vectors,
    cv_folds,
    default_data,
    machine,
    read_rows,
    split,
)

HEADS = 12
MAX_TOKENS = 64


def minilm_weights(model_path: str) -> tuple[dict[str, np.ndarray], list[dict[str, np.ndarray]]]:
    """MiniLM's embeddings and its 6 layers' weights, dequantised from the int8 ONNX file."""
    import onnx  # noqa: PLC0415
    from onnx import numpy_helper  # noqa: PLC0415

    graph = onnx.load(model_path).graph
    init = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    weights = dict(init)
    for node in graph.node:  # Cast(name_q) -> name_f; Mul(name_f, name_scale) -> name
        a, b = (list(node.input) + ["", ""])[:2]
        if node.op_type == "Mul" and a.endswith("_f") and b.endswith("_scale"):
            weights[node.output[0]] = init[a[:-2] + "_q"].astype(np.float32) * init[b]
    matmuls = [n.input[1] for n in graph.node if n.op_type == "MatMul" and n.input[1] in weights]
    if len(matmuls) != 36:
        raise SystemExit(f"expected 36 weight MatMuls (6 layers x 6) in {model_path}, found {len(matmuls)}")
    emb = "inner.embeddings."
    embeddings = {
        "word": weights[emb + "word_embeddings.weight"],
        "pos": weights[emb + "position_embeddings.weight"],
        "type": weights[emb + "token_type_embeddings.weight"],
        "ln_g": weights[emb + "LayerNorm.weight"],
        "ln_b": weights[emb + "LayerNorm.bias"],
    }
    layers = []
    for n in range(6):
        pre = f"inner.encoder.layer.{n}."
        q, k, v, o, i, out = matmuls[6 * n : 6 * n + 6]
        layers.append(
            {
                "wq": weights[q],
                "wk": weights[k],
                "wv": weights[v],
                "wo": weights[o],
                "wi": weights[i],
                "wout": weights[out],
                "bq": weights[pre + "attention.self.query.bias"],
                "bk": weights[pre + "attention.self.key.bias"],
                "bv": weights[pre + "attention.self.value.bias"],
                "bo": weights[pre + "attention.output.dense.bias"],
                "ln1_g": weights[pre + "attention.output.LayerNorm.weight"],
                "ln1_b": weights[pre + "attention.output.LayerNorm.bias"],
                "bi": weights[pre + "intermediate.dense.bias"],
                "bout": weights[pre + "output.dense.bias"],
                "ln2_g": weights[pre + "output.LayerNorm.weight"],
                "ln2_b": weights[pre + "output.LayerNorm.bias"],
            }
        )
    return embeddings, layers


class Encoder:
    """MiniLM in JAX: the frozen bottom layers (jitted once per batch shape), the trainable top."""

    def __init__(self, top: int) -> None:
        import jax  # noqa: PLC0415
        import jax.numpy as jnp  # noqa: PLC0415
        from tokenizers import Tokenizer  # noqa: PLC0415

        from functions.search.embedding import TOKENIZER_PATH, default_model_path  # noqa: PLC0415

        self.jax, self.jnp = jax, jnp
        embeddings, layers = minilm_weights(str(default_model_path()))
        self.embeddings = {k: jnp.asarray(v) for k, v in embeddings.items()}
        as_jax = [{k: jnp.asarray(v) for k, v in d.items()} for d in layers]
        self.frozen, self.top = as_jax[: 6 - top], as_jax[6 - top :]
        self.tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.prefix = jax.jit(self._prefix)
        self.pooled = jax.jit(self._pooled)

    def _ln(self, x: Any, g: Any, b: Any) -> Any:
        jnp = self.jnp
        m = x.mean(-1, keepdims=True)
        return (x - m) / jnp.sqrt(((x - m) ** 2).mean(-1, keepdims=True) + 1e-12) * g + b

    def _layer(self, d: dict[str, Any], x: Any, mask: Any) -> Any:
        jax, jnp = self.jax, self.jnp
        b, t, dim = x.shape
        hd = dim // HEADS

        def heads(y: Any) -> Any:
            return y.reshape(b, t, HEADS, hd).transpose(0, 2, 1, 3)

        q, k, v = (heads(x @ d[w] + d[bias]) for w, bias in (("wq", "bq"), ("wk", "bk"), ("wv", "bv")))
        scores = jnp.where(mask[:, None, None, :] > 0, q @ k.transpose(0, 1, 3, 2) / jnp.sqrt(hd), -1e9)
        att = (jax.nn.softmax(scores, -1) @ v).transpose(0, 2, 1, 3).reshape(b, t, dim)
        x = self._ln(x + att @ d["wo"] + d["bo"], d["ln1_g"], d["ln1_b"])
        h = jax.nn.gelu(x @ d["wi"] + d["bi"], approximate=False)
        return self._ln(x + h @ d["wout"] + d["bout"], d["ln2_g"], d["ln2_b"])

    def _prefix(self, ids: Any, mask: Any) -> Any:
        e = self.embeddings
        x = e["word"][ids] + e["pos"][: ids.shape[1]][None] + e["type"][0][None, None]
        x = self._ln(x, e["ln_g"], e["ln_b"])
        for d in self.frozen:
            x = self._layer(d, x, mask)
        return x

    def _pooled(self, top: list[dict[str, Any]], x: Any, mask: Any) -> Any:
        jnp = self.jnp
        for d in top:
            x = self._layer(d, x, mask)
        w = mask[..., None].astype(x.dtype)
        v = (x * w).sum(1) / jnp.clip(w.sum(1), 1e-9)
        return v / jnp.clip(jnp.linalg.norm(v, axis=-1, keepdims=True), 1e-12)

    def batches(
        self, texts: Sequence[str], size: int, rng: np.random.Generator | None = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(row indices, ids, mask) batches of texts of like length (shuffled with ``rng``), padded
        to a multiple of 8 tokens (few shapes to compile)."""
        enc = self.tokenizer.encode_batch(list(texts))
        lens = np.array([len(e.ids) for e in enc])
        order = np.argsort(lens + (rng.random(len(lens)) * 3 if rng is not None else 0), kind="stable")
        chunks = [order[i : i + size] for i in range(0, len(order), size)]
        if rng is not None:
            rng.shuffle(chunks)
        for idx in chunks:
            width = int(-(-lens[idx].max() // 8) * 8)
            ids = np.zeros((len(idx), width), np.int32)
            mask = np.zeros((len(idx), width), np.int32)
            for j, i in enumerate(idx):
                ids[j, : lens[i]] = enc[i].ids
                mask[j, : lens[i]] = 1
            yield idx, ids, mask

    def vectors(self, top: list[dict[str, Any]], texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), 384), np.float32)
        for idx, ids, mask in self.batches(texts, 64):
            out[idx] = np.asarray(self.pooled(top, self.prefix(ids, mask), mask))
        return out


def fine_tune(
    enc: Encoder, texts: Sequence[str], y: np.ndarray, n_labels: int, a: argparse.Namespace, seed: int
) -> tuple[list[dict[str, Any]], np.ndarray, list[float]]:
    """The tuned top layers, the head (384 x labels, unit columns) and each epoch's mean loss."""
    jax, jnp = enc.jax, enc.jnp
    start = enc.vectors(enc.top, texts)
    head = np.stack([start[y == c].mean(0) for c in range(n_labels)], 1)
    params = {"top": enc.top, "head": jnp.asarray(head)}

    def loss(p: dict[str, Any], x: Any, mask: Any, yy: Any) -> Any:
        v = enc._pooled(p["top"], x, mask)
        w = p["head"] / jnp.linalg.norm(p["head"], axis=0, keepdims=True)
        logp = jax.nn.log_softmax(a.scale * (v @ w))
        return -jnp.take_along_axis(logp, yy[:, None], 1).mean()

    steps = a.epochs * -(-len(texts) // 32)
    warm = max(1, int(0.1 * steps))

    @jax.jit
    def step(p: Any, m: Any, s: Any, x: Any, mask: Any, yy: Any, t: Any) -> Any:
        value, g = jax.value_and_grad(loss)(p, x, mask, yy)
        scale = jnp.where(t <= warm, t / warm, jnp.maximum(0.0, (steps - t) / (steps - warm)))
        m = jax.tree.map(lambda mv, gv: 0.9 * mv + 0.1 * gv, m, g)
        s = jax.tree.map(lambda sv, gv: 0.999 * sv + 0.001 * gv * gv, s, g)

        def update(lr: float, decay: float) -> Any:
            def f(pv: Any, mv: Any, sv: Any) -> Any:
                adam = (mv / (1 - 0.9**t)) / (jnp.sqrt(sv / (1 - 0.999**t)) + 1e-8)
                return pv - lr * scale * (adam + decay * pv)

            return f

        new = {
            "top": jax.tree.map(update(a.lr, 0.01), p["top"], m["top"], s["top"]),
            "head": update(a.head_lr, 0.0)(p["head"], m["head"], s["head"]),
        }
        return new, m, s, value

    m = jax.tree.map(jnp.zeros_like, params)
    s = jax.tree.map(jnp.zeros_like, params)
    rng = np.random.default_rng(seed)
    losses: list[float] = []
    t = 0
    for _ in range(a.epochs):
        total, n = 0.0, 0
        for idx, ids, mask in enc.batches(texts, 32, rng):
            t += 1
            params, m, s, value = step(params, m, s, enc.prefix(ids, mask), mask, jnp.asarray(y[idx]), t)
            total, n = total + float(value), n + 1
        losses.append(round(total / n, 4))
    head = np.asarray(params["head"])
    return params["top"], head / np.linalg.norm(head, axis=0, keepdims=True), losses


def run_fold(enc: Encoder, train: Rows, val: Rows, a: argparse.Namespace, name: str) -> dict[str, Any]:
    """One fold: the shipped model over the frozen vectors, then per training seed over the tuned
    ones (alone and blended with the head); with several seeds also their soup (the seeds' tuned
    weights and heads averaged into one model, which is what could ship) and their ensemble (the
    seeds' blended probabilities averaged: one model run per seed)."""
    from functions.search.embedding import OnnxEmbedder  # noqa: PLC0415
    from functions.triage.classifier import TriageModel  # noqa: PLC0415

    labels = sorted({c for _, c in train})
    index = {c: i for i, c in enumerate(labels)}
    texts = [t for t, _ in train]
    vtexts = [t for t, _ in val]
    truth = [c for _, c in val]
    y = np.array([index[c] for _, c in train])
    categories: dict[str, Sequence[str | None]] = {"category": [c for _, c in train]}

    def accuracy(pred: Sequence[str]) -> float:
        return round(sum(p == t for p, t in zip(pred, truth, strict=True)) / len(truth), 4)

    def shipped(tv: np.ndarray, vv: np.ndarray) -> tuple[list[str], np.ndarray]:
        """The shipped model trained over ``tv``: its labels' order and the validation texts' probabilities."""
        model = TriageModel.train(texts, categories, None, "experiment", vectors=tv)
        model = TriageModel.from_bytes(model.to_bytes())
        field_labels = list(model.fields["category"].labels)
        return field_labels, np.stack([model.probabilities("category", t, vv[i]) for i, t in enumerate(vtexts)])

    def tuned_view(
        top: list[dict[str, Any]], head: np.ndarray, tag: str
    ) -> tuple[dict[str, float], dict[float, np.ndarray]]:
        """Accuracies over tuned weights (keys prefixed ``tag``) and the blends' probabilities."""
        tuned, vtuned = enc.vectors(top, texts), enc.vectors(top, vtexts)
        logits = a.scale * (vtuned @ head)
        head_p = np.exp(logits - logits.max(1, keepdims=True))
        head_p /= head_p.sum(1, keepdims=True)
        field_labels, probs = shipped(tuned, vtuned)
        head_p = head_p[:, [index[c] for c in field_labels]]
        pick = lambda p: accuracy([field_labels[int(i)] for i in p.argmax(1)])  # noqa: E731
        got = {f"{tag}head_alone": pick(head_p), f"{tag}shipped_model_tuned": pick(probs)}
        blends = {0.0: probs}
        for w in a.head_weights:
            blends[w] = (1 - w) * probs + w * head_p
            got[f"{tag}tuned_with_head_{w:g}"] = pick(blends[w])
        return got, blends

    emb = OnnxEmbedder(threads=1)

    def encode(ts: Sequence[str]) -> np.ndarray:
        return np.asarray(emb.embed(list(ts)), dtype=np.float32)

    field_labels, frozen = shipped(
        cached_vectors(texts, encode, a.vectors_cache), cached_vectors(vtexts, encode, a.vectors_cache)
    )
    out: dict[str, Any] = {
        "evaluated_on": name,
        "shipped_model_frozen": accuracy([field_labels[int(i)] for i in frozen.argmax(1)]),
    }
    tunes, all_blends, losses, tune_s = [], [], {}, []
    for seed in a.train_seeds:
        t0 = time.perf_counter()
        top, head, losses[seed] = fine_tune(enc, texts, y, len(labels), a, seed)
        tune_s.append(round(time.perf_counter() - t0, 1))
        tag = "" if len(a.train_seeds) == 1 else f"seed{seed}_"
        got, blends = tuned_view(top, head, tag)
        out.update(got)
        tunes.append((top, head))
        all_blends.append(blends)
    if len(a.train_seeds) > 1:
        jax = enc.jax
        soup_top = jax.tree.map(lambda *leaves: sum(leaves) / len(leaves), *[t for t, _ in tunes])
        soup_head = sum(h for _, h in tunes) / len(tunes)
        soup_head = soup_head / np.linalg.norm(soup_head, axis=0, keepdims=True)
        out.update(tuned_view(soup_top, soup_head, "soup_")[0])
        for w in all_blends[0]:
            mean = np.mean([b[w] for b in all_blends], axis=0)
            key = "ensemble_shipped_model_tuned" if w == 0.0 else f"ensemble_tuned_with_head_{w:g}"
            out[key] = accuracy([field_labels[int(i)] for i in mean.argmax(1)])
        for key in ("head_alone", "shipped_model_tuned", *(f"tuned_with_head_{w:g}" for w in a.head_weights)):
            out[f"seeds_mean_{key}"] = round(statistics.mean(out[f"seed{s}_{key}"] for s in a.train_seeds), 4)
    out.update(
        {
            "epoch_losses": losses,
            "tune_s": tune_s,
            "train_seeds": a.train_seeds,
            "top_layers": a.top,
            "epochs": a.epochs,
            "lr": a.lr,
            "head_lr": a.head_lr,
            "scale": a.scale,
            "train": len(train),
            "validated": len(val),
            "machine": machine(),
        }
    )
    return out


def _percentiles(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {"p50": round(times[len(times) // 2], 3), "p95": round(times[int(0.95 * (len(times) - 1))], 3)}


def run_costs(repeat: int = 300) -> dict[str, Any]:
    """What running tuned layers would cost (see the module's docstring)."""
    import onnx  # noqa: PLC0415
    import onnxruntime as ort  # noqa: PLC0415
    from scipy.special import erf  # noqa: PLC0415

    from functions.search.embedding import default_model_path  # noqa: PLC0415

    path = str(default_model_path())
    graph = onnx.load(path).graph
    quantised = {i.name: i for i in graph.initializer if i.name.endswith("_q")}
    weight = next(n.input[1] for n in reversed(graph.node) if n.op_type == "MatMul" and n.input[1] + "_q" in quantised)
    zeros = np.zeros(tuple(quantised[weight + "_q"].dims), dtype=np.int8)
    tokens = 16
    ids = np.array([[101] + [2054] * (tokens - 2) + [102]], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
    levels = {
        "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "disabled": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
    }

    kept: list[Any] = []

    def session(level: Any, override: bool = False) -> Any:
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        options.graph_optimization_level = level
        if override:  # the value must outlive the session (onnxruntime keeps a pointer, not a copy)
            kept.append(ort.OrtValue.ortvalue_from_numpy(zeros))
            options.add_initializer(weight + "_q", kept[-1])
        return ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])

    out: dict[str, Any] = {"overridden": weight + "_q", "tokens": tokens, "override_changes_output_by": {}}
    for name, level in levels.items():
        plain = session(level).run(None, feeds)[0]
        changed = session(level, override=True).run(None, feeds)[0]
        out["override_changes_output_by"][name] = float(np.abs(plain - changed).max())
    for name in ("all", "disabled"):
        s = session(levels[name])
        s.run(None, feeds)
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            s.run(None, feeds)
            times.append((time.perf_counter() - t) * 1000.0)
        out[f"session_ms_{name}"] = _percentiles(times)

    _, layers = minilm_weights(path)

    def ln(x: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
        m = x.mean(-1, keepdims=True)
        return (x - m) / np.sqrt(((x - m) ** 2).mean(-1, keepdims=True) + 1e-12) * g + b

    def layer(d: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
        t, dim = x.shape
        hd = dim // HEADS
        q, k, v = (
            (x @ d[w] + d[bias]).reshape(t, HEADS, hd).transpose(1, 0, 2)
            for w, bias in (("wq", "bq"), ("wk", "bk"), ("wv", "bv"))
        )
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(hd)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        att = ((scores / scores.sum(-1, keepdims=True)) @ v).transpose(1, 0, 2).reshape(t, dim)
        x = ln(x + att @ d["wo"] + d["bo"], d["ln1_g"], d["ln1_b"])
        h = x @ d["wi"] + d["bi"]
        h = 0.5 * h * (1.0 + erf(h / np.sqrt(2.0)))
        return ln(x + h @ d["wout"] + d["bout"], d["ln2_g"], d["ln2_b"])

    rng = np.random.default_rng(0)
    for n_tokens in (12, 16, 32):
        x = rng.standard_normal((n_tokens, 384)).astype(np.float32)
        for top in (1, 2):
            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                y = x
                for d in layers[6 - top :]:
                    y = layer(d, y)
                times.append((time.perf_counter() - t) * 1000.0)
            out[f"numpy_top{top}_ms_{n_tokens}_tokens"] = _percentiles(times)
    out["installed_bytes"] = {m: _package_bytes(m) for m in ("jax", "jaxlib", "onnx")}
    out["machine"] = machine()
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=default_data())
    p.add_argument("--seed", type=int, default=77, help="the split's seed (bench/intents.py's)")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--cv", type=int, help="stratified K-fold cross-validation over the training part")
    group.add_argument("--test", action="store_true", help="train on the training part, measure on the test part")
    group.add_argument("--costs", action="store_true", help="what running tuned layers would cost (no training)")
    p.add_argument("--folds", default=None, help="with --cv: only these folds (1-based, comma-separated)")
    p.add_argument("--top", type=int, default=2, help="how many of MiniLM's 6 layers are tuned")
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--lr", type=float, default=5e-5, help="the layers' learning rate")
    p.add_argument("--head-lr", type=float, default=2e-3)
    p.add_argument("--scale", type=float, default=20.0, help="the cosine head's logit scale")
    p.add_argument("--head-weights", default="0.2,0.35,0.5", help="the head's shares in the blends")
    p.add_argument(
        "--train-seeds",
        default="0",
        help="the batches' orders, comma-separated; with several, each seed's figures, their mean, their soup and ensemble",
    )
    p.add_argument("--vectors-cache", default=None, help="an .npz keeping the frozen vectors between runs")
    a = p.parse_args(argv)
    try:
        a.head_weights = [float(w) for w in a.head_weights.split(",") if w.strip()]
        a.train_seeds = [int(x) for x in a.train_seeds.split(",") if x.strip()]
        folds = {int(f) for f in a.folds.split(",") if f.strip()} if a.folds else None
    except ValueError as exc:
        p.error(f"--head-weights takes numbers, --folds fold numbers, comma-separated: {exc}")
    if not all(0.0 <= w <= 1.0 for w in a.head_weights):
        p.error("--head-weights: shares from 0 to 1")
    if not 0 <= a.top <= 6:
        p.error("--top: 0 to 6 layers")
    if a.cv is not None and (a.cv < 2 or (folds and not folds <= set(range(1, a.cv + 1)))):
        p.error(f"--cv takes 2 or more folds; --folds names folds 1 to {a.cv}")
    try:
        import jax  # noqa: F401, PLC0415
        import onnx  # noqa: F401, PLC0415
    except ImportError as exc:
        raise SystemExit(f"this bench needs jax and onnx (see its first lines): {exc}") from None
    if a.costs:
        print(json.dumps(run_costs()), flush=True)
        return

    indexed, queries = split(read_rows(a.data), seed=a.seed)
    if a.test:
        runs = [(indexed, queries, "test")]
    else:
        runs = [
            (*fold, f"cross-validation fold {i + 1} of {a.cv}")
            for i, fold in enumerate(cv_folds(indexed, a.cv, a.seed))
            if folds is None or i + 1 in folds
        ]
    results = []
    for train, val, name in runs:
        result = run_fold(Encoder(a.top), train, val, a, name)
        results.append(result)
        print(json.dumps(result), flush=True)
    if len(results) > 1:
        keys = [
            k for k, v in results[0].items() if isinstance(v, float) and k not in ("lr", "head_lr", "scale", "tune_s")
        ]
        mean = {k: round(statistics.mean(r[k] for r in results), 4) for k in keys}
        print(json.dumps({"evaluated_on": f"mean of {len(results)} folds", **mean}), flush=True)


if __name__ == "__main__":
    main()
