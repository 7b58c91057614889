"""Print how long ``casebridge local up`` takes to be ready, as JSON (a benchmark, not a test).

    .venv/bin/python scripts/local_stack_startup.py [runs]

``wall_seconds``: from starting the process to its READY line (imports included), the time a
user or CI waits; ``stack_seconds``: what the stack itself reports (AWS up, provisioned, seeded,
API and event delivery running).
"""

from __future__ import annotations

import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from functions.local.stack import free_port  # noqa: E402


def one_run() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as data_dir:
        cmd = [sys.executable, "-c", "from functions.cli import main; main()", "local", "up"]
        cmd += ["--api-port", str(free_port()), "--aws-port", str(free_port()), "--smtp-port", str(free_port())]
        cmd += ["--data-dir", data_dir]
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.startswith("READY "):
                wall = time.perf_counter() - started
                stack = json.loads(line[6:])["seconds_to_ready"]
                break
        else:
            raise SystemExit(f"stack exited with {proc.wait()} before it was ready")
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
        return {"wall_seconds": round(wall, 2), "stack_seconds": stack}


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    results = [one_run() for _ in range(runs)]
    print(
        json.dumps(
            {
                "benchmark": "local_stack_startup",
                "runs": runs,
                "wall_seconds_median": statistics.median(r["wall_seconds"] for r in results),
                "stack_seconds_median": statistics.median(r["stack_seconds"] for r in results),
                "results": results,
            }
        )
    )


if __name__ == "__main__":
    main()
