"""The queue's list latency (GET /cases through the case service) at 10,000 cases: DynamoDB on
in-process moto for the views by index, the embedded engine (tantivy) for text search. Prints one
JSON line: the median and worst milliseconds of the first page (50 cases) of each main view, and
what each view holds.

    .venv/bin/python bench/case_queue.py [--cases 10000] [--rounds 5]

moto answers in-process (no network, no 1 MB page latency), so these figures measure the store's
work (pages read, items deserialized, the merge and sort); DynamoDB adds ~5-10 ms per page read.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STATUSES = [
    ("new", 10),
    ("open", 25),
    ("pending_customer", 15),
    ("pending_department", 5),
    ("resolved", 20),
    ("closed", 25),
]
WORDS = "printer jams invoice refund router login password delivery late broken screen battery charge".split()


def _env(search_dir: str) -> None:
    for key, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("CASEBRIDGE_STAGE", "bench"),
        ("CASEBRIDGE_SIGNING_SECRET", secrets.token_urlsafe(32)),
        ("POWERTOOLS_LOG_LEVEL", "WARNING"),
    ):
        os.environ.setdefault(key, value)
    os.environ["CASEBRIDGE_SEARCH_DIR"] = search_dir
    os.environ.pop("CASEBRIDGE_AWS_ENDPOINT_URL", None)


def _cases(n: int, now: datetime) -> list:
    from functions.cases.models import Case
    from functions.sla.models import CaseSla

    rng = random.Random(13)
    statuses = [s for s, w in STATUSES for _ in range(w)]
    out = []
    for i in range(n):
        created = now - timedelta(minutes=rng.randint(10, 60 * 24 * 60))
        updated = min(now, created + timedelta(minutes=rng.randint(0, 60 * 24 * 5)))
        status = rng.choice(statuses)
        running = status in ("new", "open", "pending_department")
        due = created + timedelta(hours=rng.choice([4, 8, 24, 72]))
        sla = CaseSla(
            policy_id="default",
            calendar_id="office",
            priority="normal",
            started_at=created,
            first_response_due=due,
            warn_before_minutes=60,
            breached=["first_response"] if running and due < now and rng.random() < 0.9 else [],
            paused_since=None if running else updated,
            next_check=due if running else None,
        )
        subject = " ".join(rng.sample(WORDS, 3))
        out.append(
            Case(
                case_id=f"CB-{100000 + i}",
                subject=subject,
                description=f"{subject} since last week, order {rng.randint(1000, 9999)}",
                channel=rng.choice(["email", "web", "chat", "phone"]),
                status=status,
                priority=rng.choice(["low", "normal", "normal", "normal", "high", "urgent"]),
                assignee=None if rng.random() < 0.2 else f"agent-{rng.randint(1, 20)}",
                customer_id=f"cust-{rng.randint(1, 500)}",
                contact_email=f"person{i}@example.org",
                tags=rng.sample(["vip", "billing", "hardware", "returns", "outage"], rng.randint(0, 2)),
                created_at=created,
                updated_at=updated,
                sla=sla,
            )
        )
    return out


def _time(fn, rounds: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1), round(max(times), 1), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-text", action="store_true", help="no search index build, no text views")
    args = parser.parse_args()
    _env(tempfile.mkdtemp(prefix="casebridge-bench-queue-"))

    from moto import mock_aws

    from functions.local import moto_fixes
    from functions.local.provision import provision

    moto_fixes.apply()
    with mock_aws():
        provision()
        from functions import composition
        from functions.cases.models import CaseQuery
        from functions.cases.store import case_item
        from functions.core import dynamo
        from functions.core.errors import InvalidInput

        now = datetime.now(UTC)
        cases = _cases(args.cases, now)
        c = composition.container()
        load = time.perf_counter()
        counts: dict[str, int] = {}
        with dynamo.table().batch_writer() as batch:
            for case in cases:
                batch.put_item(Item=case_item(case))
                counts[case.status.value] = counts.get(case.status.value, 0) + 1
            for status, n in counts.items():  # what CaseStore.create keeps one case at a time
                batch.put_item(Item={"PK": "COUNT#cases", "SK": f"STATUS#{status}", "n": n})
        loaded = time.perf_counter() - load
        index_start = time.perf_counter()
        from functions.search.port import DocKind

        if not args.skip_text:
            c.search_indexing.rebuild([DocKind.CASE])
        indexed = time.perf_counter() - index_start
        service = c.cases
        service.clock = lambda: now
        open_ = "new,open,pending_customer,pending_department"
        views = {
            "all (updated)": {},
            "all open (4 statuses merged)": {"status": open_},
            "my open (assignee + statuses)": {"assignee": "agent-7", "status": open_},
            "unassigned new/open": {"assignee": "none", "status": "new,open"},
            "open, tag vip": {"status": open_, "tag": "vip"},
            "open, sla=breached": {"status": open_, "sla": "breached"},
            "open, sort=priority": {"status": open_, "sort": "priority"},
            "open, sort=due": {"status": open_, "sort": "due"},
            "all, sort=priority": {"sort": "priority"},
            "open, tag vip, sort=priority": {"status": open_, "tag": "vip", "sort": "priority"},
            "unassigned new/open, sort=due": {"assignee": "none", "status": "new,open", "sort": "due"},
            "text q=printer refund": {"q": "printer refund"},
            "text q=invoice, open": {"q": "invoice", "status": open_},
        }
        figures = {}
        for name, params in views.items():
            if args.skip_text and "q" in params:
                continue
            q = CaseQuery.model_validate({**params, "limit": 50})
            try:
                median, worst, page = _time(lambda q=q: service.list_cases(q), args.rounds)
            except InvalidInput as exc:
                figures[name] = {"refused": str(exc)}
                continue
            figures[name] = {"median_ms": median, "max_ms": worst, "total_estimate": page.total_estimate}
        print(
            json.dumps(
                {
                    "bench": "case_queue",
                    "cases": args.cases,
                    "page": 50,
                    "rounds": args.rounds,
                    "load_seconds": round(loaded, 1),
                    "index_seconds": round(indexed, 1),
                    "views": figures,
                    "machine": f"{platform.machine()} {os.cpu_count()} cpu, python {platform.python_version()}",
                    "note": "DynamoDB on in-process moto (no network), text search on the embedded engine",
                }
            )
        )


if __name__ == "__main__":
    main()
