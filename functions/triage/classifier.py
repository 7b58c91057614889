"""The triage classifier, pure numpy: TF-IDF word (and optionally character) n-gram features plus a
sentence embedder's vectors, one softmax (multinomial logistic) regression per field, and the
model file's format.

No I/O here: texts' vectors come in (``embed``), the model file is bytes in and out. numpy is
imported when a model is trained or read, never at module import of a Lambda path (this module
is imported by ``service`` only inside the functions that need it).
"""

from __future__ import annotations

import io
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

Embed = Callable[[Sequence[str]], Any]  # texts -> (n, dim) array of L2-normalised vectors
FORMAT = "casebridge-triage/1"
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


@dataclass
class Tfidf:
    """Word uni- and bigram (and with ``chars`` character n-gram) TF-IDF (sublinear tf, smooth idf,
    L2-normalised), sparse per text."""

    vocab: dict[str, int]
    idf: Any  # np.ndarray float32 (len(vocab),)
    chars: tuple[int, int] | None = None

    @classmethod
    def fit(cls, texts: Sequence[str], min_df: int = 2, chars: tuple[int, int] | None = None) -> Tfidf:
        import numpy as np  # noqa: PLC0415

        df: Counter[str] = Counter()
        for text in texts:
            df.update(set(grams(text, chars)))
        if min_df > 1 and sum(1 for n in df.values() if n >= min_df) < 50:
            min_df = 1  # a small training set keeps every term
        terms = sorted(g for g, n in df.items() if n >= min_df)
        vocab = {g: i for i, g in enumerate(terms)}
        n = len(texts)
        idf = np.array([math.log((1 + n) / (1 + df[g])) + 1.0 for g in terms], dtype=np.float32)
        return cls(vocab, idf, chars)

    @property
    def size(self) -> int:
        return len(self.vocab)

    def sparse(self, text: str) -> tuple[Any, Any]:
        """(term indices, weights) of one text."""
        import numpy as np  # noqa: PLC0415

        counts = Counter(g for g in grams(text, self.chars) if g in self.vocab)
        idx = np.fromiter((self.vocab[g] for g in counts), dtype=np.int64, count=len(counts))
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
        epochs: int = 30,
        batch: int = 128,
        lr: float = 0.01,
        l2: float = 1e-5,
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
class TriageModel:
    """One TF-IDF vocabulary and one ``Softmax`` per field, for vectors of one embedding model."""

    embedder_id: str
    tfidf: Tfidf
    fields: dict[str, Softmax] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        targets: dict[str, Sequence[str | None]],
        embed: Embed,
        embedder_id: str,
        *,
        chars: tuple[int, int] | None = None,
        min_df: int = 2,
        vectors: Any = None,
        **fit: Any,
    ) -> TriageModel:
        """A model per field of ``targets`` (labels aligned with ``texts``; None: unknown for that text).
        A field with fewer than two labels gets no model (its predictions are empty). ``chars``: add
        character n-grams of that many characters to the TF-IDF features; ``vectors``: the texts'
        vectors when already computed (else ``embed`` computes them)."""
        import numpy as np  # noqa: PLC0415

        tfidf = Tfidf.fit(texts, min_df=min_df, chars=chars)
        if vectors is not None:
            vecs = np.asarray(vectors, dtype=np.float32)
        else:
            vecs = np.vstack([np.asarray(embed(texts[i : i + 64]), dtype=np.float32) for i in range(0, len(texts), 64)])
        model = cls(embedder_id, tfidf)
        for name, labels in targets.items():
            rows = [i for i, lab in enumerate(labels) if lab]
            known = [labels[i] or "" for i in rows]
            if len(set(known)) < 2:
                continue
            model.fields[name] = Softmax.fit(vecs[rows], tfidf, [texts[i] for i in rows], known, **fit)
        return model

    def predict(self, text: str, vec: np.ndarray, top: int = 3) -> dict[str, list[tuple[str, float]]]:
        """Per field: the ``top`` labels, most likely first, with their probabilities."""
        import numpy as np  # noqa: PLC0415

        idx, val = self.tfidf.sparse(text)
        out: dict[str, list[tuple[str, float]]] = {}
        for name, clf in self.fields.items():
            p = clf.probabilities(vec, idx, val)
            best = np.argsort(-p)[:top]
            out[name] = [(clf.labels[i], round(float(p[i]), 4)) for i in best]
        return out

    # -- the model file: an .npz without pickles -------------------------------------------------
    def to_bytes(self) -> bytes:
        import numpy as np  # noqa: PLC0415

        header = {
            "format": FORMAT,
            "embedder_id": self.embedder_id,
            "terms": list(self.tfidf.vocab),
            "chars": list(self.tfidf.chars) if self.tfidf.chars else None,
            "fields": {name: clf.labels for name, clf in self.fields.items()},
            "meta": self.meta,
        }
        arrays: dict[str, Any] = {"header": np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)}
        arrays["idf"] = self.tfidf.idf
        for name, clf in self.fields.items():
            arrays[f"{name}.w"] = clf.w.astype(np.float16)
            arrays[f"{name}.b"] = clf.b
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
            )
            fields = {
                name: Softmax(labels, npz[f"{name}.w"].astype(np.float32), npz[f"{name}.b"].astype(np.float32))
                for name, labels in header["fields"].items()
            }
        return cls(header["embedder_id"], tfidf, fields, header.get("meta", {}))
