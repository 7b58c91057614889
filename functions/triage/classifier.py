"""The triage classifier, pure numpy: TF-IDF word (and optionally character, hashed) n-gram features
plus a sentence embedder's vectors, one softmax (multinomial logistic) regression per field blended
with a k-nearest-neighbour vote over the training texts' vectors, and the model file's format.

No I/O here: texts' vectors come in (``embed``), the model file is bytes in and out. numpy is
imported when a model is trained or read, never at module import of a Lambda path (this module
is imported by ``service`` only inside the functions that need it).
"""

from __future__ import annotations

import io
import json
import math
import re
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

Embed = Callable[[Sequence[str]], Any]  # texts -> (n, dim) array of L2-normalised vectors
FORMAT = "casebridge-triage/1"
# The configuration chosen by cross-validation on the banking77 training split (README "Triage":
# bench/intents.py --classifier --cv 5, 8,005 texts each validated once): 30 epochs of Adam, then a
# 0.3 share of a 5-nearest-neighbour vote at temperature 0.02 (accuracy 0.930; the former 0.2 share
# of a 10-NN vote at 0.05: 0.927, lower on each of the 5 folds). 8 epochs looked better on three
# 10 % validation parts (0.934 against 0.929) but not in the 5 folds (0.927 / 0.927) nor on the test.
EPOCHS = 30
KNN_WEIGHT = 0.3
KNN_K = 5
KNN_TEMPERATURE = 0.02
_WORD = re.compile(r"[a-z0-9']+")


def grams(text: str, chars: tuple[int, int] | None = None) -> list[str]:
    """Lower-case words and adjacent word pairs; with ``chars`` (lo, hi) also the character
    n-grams of lo to hi characters inside each word padded with spaces (scikit-learn's
    ``char_wb``), prefixed with a tab so they never meet a word."""
    toks = _WORD.findall(text.lower())
    out = toks + [f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False)]
    if chars:
        lo, hi = chars
        for tok in toks:
            padded = f" {tok} "
            for n in range(lo, hi + 1):
                out.extend("\t" + padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


def bucket(gram: str, buckets: int) -> int:
    """A character n-gram's hashed column (crc32: the same in every process, unlike ``hash``)."""
    return zlib.crc32(gram.encode()) % buckets


@dataclass
class Tfidf:
    """Word uni- and bigram (and with ``chars`` character n-gram) TF-IDF (sublinear tf, smooth idf,
    L2-normalised), sparse per text. With ``buckets`` the character n-grams are hashed into that
    many columns after the words' (a bounded size whatever the data); without, they are terms of
    the vocabulary (files written before hashing)."""

    vocab: dict[str, int]
    idf: Any  # np.ndarray float32 (len(vocab) + buckets,)
    chars: tuple[int, int] | None = None
    buckets: int = 0

    @classmethod
    def fit(
        cls, texts: Sequence[str], min_df: int = 2, chars: tuple[int, int] | None = None, buckets: int = 0
    ) -> Tfidf:
        import numpy as np  # noqa: PLC0415

        df: Counter[str] = Counter()
        hashed: Counter[int] = Counter()
        for text in texts:
            if buckets and chars:
                words = grams(text)
                df.update(set(words))
                hashed.update({bucket(g, buckets) for g in grams(text, chars)[len(words) :]})
            else:
                df.update(set(grams(text, chars)))
        if min_df > 1 and sum(1 for n in df.values() if n >= min_df) < 50:
            min_df = 1  # a small training set keeps every term
        terms = sorted(g for g, n in df.items() if n >= min_df)
        vocab = {g: i for i, g in enumerate(terms)}
        n = len(texts)
        idf = np.array(
            [math.log((1 + n) / (1 + df[g])) + 1.0 for g in terms]
            + [math.log((1 + n) / (1 + hashed[b])) + 1.0 for b in range(buckets if chars else 0)],
            dtype=np.float32,
        )
        return cls(vocab, idf, chars, buckets if chars else 0)

    @property
    def size(self) -> int:
        return len(self.vocab) + self.buckets

    def _columns(self, text: str) -> Counter[int]:
        if not self.buckets:
            return Counter(self.vocab[g] for g in grams(text, self.chars) if g in self.vocab)
        words = grams(text)
        counts = Counter(self.vocab[g] for g in words if g in self.vocab)
        base = len(self.vocab)
        counts.update(base + bucket(g, self.buckets) for g in grams(text, self.chars)[len(words) :])
        return counts

    def sparse(self, text: str) -> tuple[Any, Any]:
        """(term indices, weights) of one text."""
        import numpy as np  # noqa: PLC0415

        counts = self._columns(text)
        idx = np.fromiter(counts, dtype=np.int64, count=len(counts))
        val = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float32, count=len(counts))
        val *= self.idf[idx]
        norm = float(np.linalg.norm(val))
        return idx, (val / norm if norm > 0 else val)

    def dense(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np  # noqa: PLC0415

        out = np.zeros((len(texts), self.size), dtype=np.float32)
        for r, text in enumerate(texts):
            idx, val = self.sparse(text)
            out[r, idx] = val
        return out


@dataclass
class Softmax:
    """Multinomial logistic regression over [embedding | tf-idf] features."""

    labels: list[str]
    w: Any  # (features, classes) float32
    b: Any  # (classes,) float32

    @classmethod
    def fit(
        cls,
        emb: np.ndarray,
        tfidf: Tfidf,
        texts: Sequence[str],
        y_labels: Sequence[str],
        *,
        epochs: int = EPOCHS,
        batch: int = 128,
        lr: float = 0.01,
        l2: float = 1e-6,
        seed: int = 7,
        balanced: bool = False,
    ) -> Softmax:
        """Minibatch Adam on the cross-entropy with an L2 penalty (numpy; full softmax). ``balanced``:
        each text's loss weighted by n / (classes x its class's count), so rare labels count as much
        as common ones."""
        import numpy as np  # noqa: PLC0415

        labels = sorted(set(y_labels))
        index = {lab: i for i, lab in enumerate(labels)}
        y = np.array([index[lab] for lab in y_labels], dtype=np.int64)
        n, d_emb = emb.shape
        d = d_emb + tfidf.size
        k = len(labels)
        w = np.zeros((d, k), dtype=np.float32)
        counts = np.bincount(y, minlength=k)
        b = np.log(counts / n + 1e-9).astype(np.float32)
        weight = (n / (k * counts[y])).astype(np.float32) if balanced else np.ones(n, dtype=np.float32)
        sparse = [tfidf.sparse(t) for t in texts]
        m_w, v_w = np.zeros_like(w), np.zeros_like(w)
        m_b, v_b = np.zeros_like(b), np.zeros_like(b)
        beta1, beta2, eps = 0.9, 0.999, 1e-8
        rng = np.random.default_rng(seed)
        step = 0
        x = np.zeros((batch, d), dtype=np.float32)
        for _ in range(epochs):
            order = rng.permutation(n)
            for start in range(0, n, batch):
                rows = order[start : start + batch]
                m = len(rows)
                xb = x[:m]
                xb[:] = 0.0
                xb[:, :d_emb] = emb[rows]
                for r, row in enumerate(rows):
                    idx, val = sparse[row]
                    xb[r, d_emb + idx] = val
                logits = xb @ w + b
                logits -= logits.max(axis=1, keepdims=True)
                p = np.exp(logits)
                p /= p.sum(axis=1, keepdims=True)
                p[np.arange(m), y[rows]] -= 1.0
                p *= weight[rows, None] / m
                g_w = xb.T @ p + l2 * w
                g_b = p.sum(axis=0)
                step += 1
                for param, g, mo, ve in ((w, g_w, m_w, v_w), (b, g_b, m_b, v_b)):
                    mo *= beta1
                    mo += (1 - beta1) * g
                    ve *= beta2
                    ve += (1 - beta2) * g * g
                    mhat = mo / (1 - beta1**step)
                    vhat = ve / (1 - beta2**step)
                    param -= lr * mhat / (np.sqrt(vhat) + eps)
        return cls(labels, w, b)

    def probabilities(self, vec: np.ndarray, idx: np.ndarray, val: np.ndarray) -> np.ndarray:
        import numpy as np  # noqa: PLC0415

        d_emb = vec.shape[0]
        logits = vec @ self.w[:d_emb] + val @ self.w[d_emb + idx] + self.b
        logits = logits - logits.max()
        p = np.exp(logits)
        return np.asarray(p / p.sum())


@dataclass
class Neighbours:
    """The training texts' vectors (int8 in the file, a quarter of float32) and, per field, each
    text's label (its index in that field's ``Softmax.labels``; -1: unknown). A text's vote: its
    ``k`` most similar training texts, each weighted exp(cosine / ``temperature``)."""

    vectors: Any  # (n, dim) float32, L2-normalised
    labels: dict[str, Any]  # field -> (n,) int16
    k: int = KNN_K
    weight: float = KNN_WEIGHT  # the vote's share of a field's probabilities
    temperature: float = KNN_TEMPERATURE

    def similarities(self, vec: np.ndarray) -> np.ndarray:
        """Cosine of ``vec`` to every training text (once per text, shared by the fields). einsum, not
        ``@``: one thread, where OpenBLAS's threaded matrix-vector product took 40-50 ms instead of
        1 ms on two shared, loaded cores."""
        import numpy as np  # noqa: PLC0415

        return np.einsum("ij,j->i", self.vectors, vec.astype(np.float32, copy=False))

    def cohesion(self, name: str, classes: int) -> np.ndarray | None:
        """Per label of a field, how alike its training texts are: the mean cosine of their vectors
        to the label's centroid (1: all the same; a broad label of several kinds of request is
        lower). NaN for a label without texts. One pass over the vectors."""
        import numpy as np  # noqa: PLC0415

        labels = self.labels.get(name)
        if labels is None:
            return None
        known = labels >= 0
        sums = np.zeros((classes, self.vectors.shape[1]), dtype=np.float32)
        np.add.at(sums, labels[known], self.vectors[known])
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        centroids = sums / np.where(norms > 0, norms, 1.0)
        cos = np.einsum("ij,ij->i", self.vectors[known], centroids[labels[known]])
        total = np.bincount(labels[known], weights=cos, minlength=classes)
        count = np.bincount(labels[known], minlength=classes)
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)

    def vote(self, name: str, sims: np.ndarray, classes: int) -> np.ndarray | None:
        """One field's vote (probabilities over its labels) from the ``similarities`` of a text."""
        import numpy as np  # noqa: PLC0415

        labels = self.labels.get(name)
        if labels is None:
            return None
        sims = np.where(labels >= 0, sims, -np.inf)  # texts without this field's label take no part
        k = min(self.k, int((labels >= 0).sum()))
        if k == 0:
            return None
        near = np.argpartition(-sims, k - 1)[:k]
        w = np.exp((sims[near] - sims[near].max()) / self.temperature)
        v = np.bincount(labels[near], weights=w, minlength=classes)
        return np.asarray(v / v.sum())


@dataclass
class TriageModel:
    """One TF-IDF vocabulary and one ``Softmax`` per field (blended with the ``Neighbours`` vote when
    there is one), for vectors of one embedding model."""

    embedder_id: str
    tfidf: Tfidf
    fields: dict[str, Softmax] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    neighbours: Neighbours | None = None
    cohesions: dict[str, dict[str, float]] = field(default_factory=dict, repr=False, compare=False)  # not in the file

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        targets: dict[str, Sequence[str | None]],
        embed: Embed,
        embedder_id: str,
        *,
        chars: tuple[int, int] | None = None,
        char_buckets: int = 0,
        min_df: int = 2,
        vectors: Any = None,
        knn: float = KNN_WEIGHT,
        knn_k: int = KNN_K,
        knn_temperature: float = KNN_TEMPERATURE,
        **fit: Any,
    ) -> TriageModel:
        """A model per field of ``targets`` (labels aligned with ``texts``; None: unknown for that text).
        A field with fewer than two labels gets no model (its predictions are empty). ``chars``: add
        character n-grams of that many characters to the TF-IDF features (hashed into
        ``char_buckets`` columns when given); ``vectors``: the texts' vectors when already computed
        (else ``embed`` computes them); ``knn``: the share of a ``knn_k``-nearest-neighbour vote in
        each field's probabilities (0: the softmax alone, and no vectors in the file), its neighbours
        weighted exp(cosine / ``knn_temperature``). The defaults (with ``Softmax.fit``'s ``EPOCHS``)
        are the configuration chosen on validation splits (README "Triage")."""
        import numpy as np  # noqa: PLC0415

        tfidf = Tfidf.fit(texts, min_df=min_df, chars=chars, buckets=char_buckets)
        if vectors is not None:
            vecs = np.asarray(vectors, dtype=np.float32)
        else:
            vecs = np.vstack([np.asarray(embed(texts[i : i + 64]), dtype=np.float32) for i in range(0, len(texts), 64)])
        model = cls(embedder_id, tfidf)
        index: dict[str, Any] = {}
        for name, labels in targets.items():
            rows = [i for i, lab in enumerate(labels) if lab]
            known = [labels[i] or "" for i in rows]
            if len(set(known)) < 2:
                continue
            clf = Softmax.fit(vecs[rows], tfidf, [texts[i] for i in rows], known, **fit)
            model.fields[name] = clf
            pos = {lab: i for i, lab in enumerate(clf.labels)}
            index[name] = np.array([pos[lab] if lab else -1 for lab in labels], dtype=np.int16)
        if knn > 0 and model.fields:
            q = np.clip(np.round(vecs * 127.0), -127, 127).astype(np.int8)  # what the file keeps
            model.neighbours = Neighbours(_unit(q.astype(np.float32)), index, knn_k, knn, knn_temperature)
        return model

    def probabilities(self, name: str, text: str, vec: np.ndarray, knn: float | None = None) -> np.ndarray:
        """One field's probabilities over its labels (``knn``: the vote's share instead of the model's)."""
        idx, val = self.tfidf.sparse(text)
        sims = self.neighbours.similarities(vec) if self.neighbours is not None else None
        return self._blend(name, self.fields[name].probabilities(vec, idx, val), sims, knn)

    def _blend(self, name: str, p: np.ndarray, sims: np.ndarray | None, knn: float | None = None) -> np.ndarray:
        nb = self.neighbours
        weight = (nb.weight if knn is None else knn) if nb is not None else 0.0
        if nb is None or sims is None or weight <= 0:
            return p
        vote = nb.vote(name, sims, len(p))
        return p if vote is None else (1.0 - weight) * p + weight * vote

    def cohesion(self, name: str) -> dict[str, float]:
        """A field's labels and how alike each one's training texts are (``Neighbours.cohesion``;
        {} without the neighbours' vectors). Computed once per model and field."""
        cache = self.cohesions
        if name not in cache:
            clf = self.fields.get(name)
            values = self.neighbours.cohesion(name, len(clf.labels)) if self.neighbours and clf else None
            cache[name] = (
                {}
                if values is None or clf is None
                else {lab: round(float(v), 4) for lab, v in zip(clf.labels, values, strict=True) if v == v}
            )
        return cache[name]

    def predict(self, text: str, vec: np.ndarray, top: int = 3) -> dict[str, list[tuple[str, float]]]:
        """Per field: the ``top`` labels, most likely first, with their probabilities."""
        import numpy as np  # noqa: PLC0415

        idx, val = self.tfidf.sparse(text)
        sims = self.neighbours.similarities(vec) if self.neighbours is not None else None
        out: dict[str, list[tuple[str, float]]] = {}
        for name, clf in self.fields.items():
            p = self._blend(name, clf.probabilities(vec, idx, val), sims)
            best = np.argsort(-p)[:top]
            out[name] = [(clf.labels[i], round(float(p[i]), 4)) for i in best]
        return out

    # -- the model file: an .npz without pickles -------------------------------------------------
    def to_bytes(self) -> bytes:
        import numpy as np  # noqa: PLC0415

        nb = self.neighbours
        header = {
            "format": FORMAT,
            "embedder_id": self.embedder_id,
            "terms": list(self.tfidf.vocab),
            "chars": list(self.tfidf.chars) if self.tfidf.chars else None,
            "char_buckets": self.tfidf.buckets,
            "fields": {name: clf.labels for name, clf in self.fields.items()},
            "neighbours": {"k": nb.k, "weight": nb.weight, "temperature": nb.temperature} if nb else None,
            "meta": self.meta,
        }
        arrays: dict[str, Any] = {"header": np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)}
        arrays["idf"] = self.tfidf.idf
        for name, clf in self.fields.items():
            arrays[f"{name}.w"] = clf.w.astype(np.float16)
            arrays[f"{name}.b"] = clf.b
        if nb is not None:
            arrays["nn.vectors"] = np.clip(np.round(nb.vectors * 127.0), -127, 127).astype(np.int8)
            for name, labels in nb.labels.items():
                arrays[f"nn.{name}"] = labels.astype(np.int16)
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> TriageModel:
        import numpy as np  # noqa: PLC0415

        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            header = json.loads(npz["header"].tobytes().decode())
            if header.get("format") != FORMAT:
                raise ValueError(f"not a triage model file: format {header.get('format')!r}")
            chars = header.get("chars")
            tfidf = Tfidf(
                {t: i for i, t in enumerate(header["terms"])},
                npz["idf"].astype(np.float32),
                (int(chars[0]), int(chars[1])) if chars else None,
                int(header.get("char_buckets") or 0),
            )
            fields = {
                name: Softmax(labels, npz[f"{name}.w"].astype(np.float32), npz[f"{name}.b"].astype(np.float32))
                for name, labels in header["fields"].items()
            }
            nb = None
            if header.get("neighbours"):
                h = header["neighbours"]
                labels = {name: npz[f"nn.{name}"].astype(np.int16) for name in fields if f"nn.{name}" in npz.files}
                vecs = _unit(npz["nn.vectors"].astype(np.float32))
                nb = Neighbours(vecs, labels, int(h["k"]), float(h["weight"]), float(h["temperature"]))
        return cls(header["embedder_id"], tfidf, fields, header.get("meta", {}), nb)


def _unit(x: np.ndarray) -> np.ndarray:
    import numpy as np  # noqa: PLC0415

    return np.asarray(x / np.clip(np.linalg.norm(x, axis=1, keepdims=True), 1e-12, None), dtype=np.float32)
