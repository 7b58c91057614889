"""Figures the trust checks leave behind for ``bench/trust_report.py``: each check, once its
assertions held, appends one JSON line (``record``) to ``$CASEBRIDGE_TRUST_FIGURES`` or, by
default, ``.local/trust/figures.jsonl``, so the report can read the last run's figures or rerun the
checks into a file of its own. Figures only: counts, never customer data."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / ".local" / "trust" / "figures.jsonl"


def path() -> Path:
    return Path(os.environ.get("CASEBRIDGE_TRUST_FIGURES") or DEFAULT)


def record(check: str, **figures: object) -> None:
    """Append ``{"check": check, "at": <epoch>, **figures}``; the report keeps each check's last run."""
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"check": check, "at": round(time.time()), **figures}) + "\n")
