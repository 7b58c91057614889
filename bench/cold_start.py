"""Cold-start import cost of the Lambda entry point (app.py) against a bare ``import boto3``.

Each sample is a fresh interpreter that times only the import (``time.perf_counter``
around it, so interpreter start-up is excluded from both sides). Samples of the two
sides alternate so that machine noise hits both alike. Prints one JSON object:

    {"app": {"median_ms", "p90_ms", ...}, "boto3": {...}, "ratio_of_medians", "goal", "machine": {...}}

Usage: python bench/cold_start.py [--repetitions 20] [--source] [--importtime-top 15] [--no-bytecode] [--env KEY=VALUE ...]

By default both sides are imported from the real Lambda package: ``chalice package`` is run,
its deployment.zip unpacked into a temporary folder, and each sample runs ``python -I -S``
with only that folder (and the standard library) on ``sys.path``: app.py, functions/ and the
pinned requirements exactly as Lambda gets them, boto3 included. ``--source`` measures the
working tree in the development virtualenv instead (where pydantic scans the entry points of
every installed tool, which Lambda does not).

Goal: ratio_of_medians <= 1.2 (app.py costs at most 20 % more than boto3 alone). Note that
boto3 itself is not imported by app.py (stores import it on first use), so a real cold
start pays both.

``--importtime-top N`` adds the N most expensive modules of one ``python -X importtime -c
'import app'`` run (self time and cumulative time, in ms) so a regression can be located.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_RATIO = 1.2

TIMER = (
    "import time; t0 = time.perf_counter(); import {module}; t1 = time.perf_counter(); print(repr((t1 - t0) * 1000.0))"
)


def _env(pycache: str) -> dict[str, str]:
    # What Lambda has: no endpoint override, a region, the stage. Bytecode goes to a private
    # cache (never into the working tree, where chalice package would pick it up); the
    # warm-up samples fill it, so both sides are measured with compiled bytecode.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEBRIDGE_")}
    env.update({"CASEBRIDGE_STAGE": "bench", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"})
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def build_package(workdir: Path, env: dict[str, str]) -> Path:
    """chalice package -> unzipped deployment package folder."""
    import zipfile

    out = workdir / "package"
    chalice = Path(sys.executable).parent / "chalice"
    subprocess.run(
        [str(chalice), "package", "--stage", "dev", str(out)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    unzipped = workdir / "lambda"
    with zipfile.ZipFile(out / "deployment.zip") as zf:
        zf.extractall(unzipped)
    return unzipped


def _sample(
    module: str, env: dict[str, str], package: Path | None = None, bytecode: bool = True, layer: Path | None = None
) -> float:
    if package is not None:
        # -I: ignore PYTHON* variables and the user site; -S: no site-packages at all. A layer's
        # python/ folder comes after the function's own, as Lambda puts /opt/python.
        paths = [str(package), *([str(layer)] if layer else [])]
        code = f"import sys; sys.path[:0] = {paths!r}; " + TIMER.format(module=module)
        cmd = [sys.executable, "-I", "-S", *([] if bytecode else ["-B"]), "-c", code]
        cwd = package
    else:
        cmd = [sys.executable, "-c", TIMER.format(module=module)]
        cwd = ROOT
    result = subprocess.run(
        cmd,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout.strip())


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100.0
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _stats(values: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(values), 2),
        "p90_ms": round(_percentile(values, 90), 2),
        "min_ms": round(min(values), 2),
        "max_ms": round(max(values), 2),
    }


def importtime_top(n: int, env: dict[str, str]) -> list[dict[str, object]]:
    """The n modules with the largest cumulative import time under ``import app``."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in result.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            rows.append(
                {
                    "module": m.group(4),
                    "self_ms": int(m.group(1)) / 1000,
                    "cumulative_ms": int(m.group(2)) / 1000,
                    "depth": (len(m.group(3)) - 1) // 2,
                }
            )
    return sorted(rows, key=lambda r: -float(r["cumulative_ms"]))[:n]  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repetitions", "-n", type=int, default=20)
    parser.add_argument("--importtime-top", type=int, default=0, metavar="N")
    parser.add_argument("--source", action="store_true", help="measure the working tree, not the Lambda package")
    parser.add_argument(
        "--no-bytecode",
        action="store_true",
        help="compile every module from source on each sample, as Lambda does with a package that ships no .pyc",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for both sides (try a setting)",
    )
    parser.add_argument(
        "--layer",
        type=Path,
        default=None,
        metavar="DIR",
        help="a Lambda layer's python/ folder on both sides' path (build/language-layer/python: the API's)",
    )
    args = parser.parse_args()
    extra_env = dict(item.split("=", 1) for item in args.env)

    with tempfile.TemporaryDirectory(prefix="casebridge-bench-pycache-") as pycache:
        env = {**_env(pycache), **extra_env}
        if args.no_bytecode:
            # an empty cache that is never written: nothing compiled is found, ever
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        package = None if args.source else build_package(Path(pycache), env)
        bytecode = not args.no_bytecode

        def sample(module: str) -> float:
            return _sample(module, env, package, bytecode, args.layer)

        for _ in range(2):  # warm the OS file cache and the bytecode cache, unmeasured
            sample("app")
            sample("boto3")
        app_ms: list[float] = []
        boto3_ms: list[float] = []
        for _ in range(args.repetitions):  # alternate, so that noise hits both sides alike
            app_ms.append(sample("app"))
            boto3_ms.append(sample("boto3"))
        top = importtime_top(args.importtime_top, env) if args.importtime_top else None

    app_stats, boto3_stats = _stats(app_ms), _stats(boto3_ms)
    ratio = app_stats["median_ms"] / boto3_stats["median_ms"]
    out: dict[str, object] = {
        "benchmark": "cold_start_import",
        "repetitions": args.repetitions,
        "extra_env": extra_env,
        "layer": str(args.layer) if args.layer else None,
        "bytecode": not args.no_bytecode,
        "measured": "working tree in the dev virtualenv" if args.source else "unzipped chalice package (python -I -S)",
        "app": app_stats,
        "boto3": boto3_stats,
        "ratio_of_medians": round(ratio, 3),
        "goal_ratio": GOAL_RATIO,
        "meets_goal": ratio <= GOAL_RATIO,
        "machine": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "machine": platform.machine(),
            "processor": platform.processor() or None,
            "cpus": os.cpu_count(),
            "load_average_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        },
    }
    if top is not None:
        out["importtime_top"] = top
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
