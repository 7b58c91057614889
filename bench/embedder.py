"""The sentence-embedding model's cost: load time, time per text, and what it adds to a Lambda function.

    python bench/embedder.py [--texts 200] [--loads 3] [--source banking77-train.csv] [--no-package]

* ``load_s``: a fresh interpreter's first ``OnnxEmbedder().embed`` (imports of onnxruntime,
  tokenizers and numpy, the sha256 checks of the pinned files, the ONNX session), median of ``--loads``.
* ``per_text_ms``: one text at a time, one thread, ``--texts`` texts of ``--source`` (p50 / p95).
* ``layer_*``: the Lambda layer as built by ``make language-layer`` (build/language-layer/python),
  unpacked and zipped; ``function_unpacked_bytes``: the functions' own package (``chalice
  package``, the same for every function); ``total_unpacked_bytes`` against Lambda's 250 MB limit
  (function and layers together, unpacked). ``--no-package`` leaves the package figures out.

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "intents" / "banking77-train.csv"
LAYER = ROOT / "build" / "language-layer" / "python"
LAMBDA_UNPACKED_LIMIT = 250 * 1024 * 1024
LOAD = (
    "import time, json; t0 = time.perf_counter(); "
    "from functions.search.embedding import OnnxEmbedder; OnnxEmbedder().embed(['warm up']); "
    "print(json.dumps(time.perf_counter() - t0))"
)


def texts(source: Path, n: int) -> list[str]:
    if source.is_file():
        with source.open(newline="", encoding="utf-8") as fh:
            rows = [r["text"] for r in csv.DictReader(fh)]
        return rows[:: max(1, len(rows) // n)][:n]
    return [f"my card number {i} was declined at the shop" for i in range(n)]


def tree_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def zipped_bytes(path: Path) -> int:
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "layer.zip"
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for f in sorted(path.rglob("*")):
                if f.is_file():
                    zf.write(f, Path("python") / f.relative_to(path))
        return out.stat().st_size


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))], 2)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--texts", type=int, default=200)
    p.add_argument("--loads", type=int, default=3)
    p.add_argument("--source", default=str(DEFAULT_SOURCE))
    p.add_argument("--no-package", action="store_true")
    args = p.parse_args(argv)

    from functions.search.embedding import MODEL_ID, OnnxEmbedder

    loads = [
        float(subprocess.run([sys.executable, "-c", LOAD], cwd=ROOT, check=True, capture_output=True, text=True).stdout)
        for _ in range(args.loads)
    ]
    embedder = OnnxEmbedder()
    embedder.embed(["warm up"])
    per_text = []
    for text in texts(Path(args.source), args.texts):
        t0 = time.perf_counter()
        embedder.embed([text])
        per_text.append((time.perf_counter() - t0) * 1000)
    out: dict[str, object] = {
        "model": MODEL_ID,
        "load_s": round(statistics.median(loads), 3),
        "per_text_p50_ms": percentile(per_text, 50),
        "per_text_p95_ms": percentile(per_text, 95),
        "model_files_bytes": embedder.package_bytes(),
    }
    if not args.no_package:
        if LAYER.is_dir():
            out["layer_unpacked_bytes"] = tree_bytes(LAYER)
            out["layer_zipped_bytes"] = zipped_bytes(LAYER)
        else:
            out["layer_unpacked_bytes"] = None  # not built: make language-layer
        from bench.cold_start import _env, build_package

        with tempfile.TemporaryDirectory(prefix="bench-embedder-") as d:
            function = build_package(Path(d), _env(str(Path(d) / "pycache")))
            out["function_unpacked_bytes"] = tree_bytes(function)
        if out["layer_unpacked_bytes"] is not None:
            total = int(out["layer_unpacked_bytes"]) + int(out["function_unpacked_bytes"])  # type: ignore[call-overload]
            out["total_unpacked_bytes"] = total
            out["lambda_limit_bytes"] = LAMBDA_UNPACKED_LIMIT
            out["fits"] = total <= LAMBDA_UNPACKED_LIMIT
    out["load_average"] = [round(x, 1) for x in os.getloadavg()]
    out["machine"] = {"processor": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version()}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
