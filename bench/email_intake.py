"""Email intake throughput: the whole pipeline (parse, thread, store on in-process moto) vs bare
``email.message_from_bytes`` on the same corpus, in one run. Prints one JSON object.

    .venv/bin/python bench/email_intake.py [--corpus ../shared/data/mail] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _env() -> None:
    for key, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("CASEBRIDGE_STAGE", "bench"),
        ("CASEBRIDGE_SIGNING_SECRET", secrets.token_urlsafe(32)),
        ("POWERTOOLS_LOG_LEVEL", "WARNING"),
    ):
        os.environ.setdefault(key, value)
    os.environ.pop("CASEBRIDGE_AWS_ENDPOINT_URL", None)


def bare(raws: list[bytes], min_seconds: float = 1.0) -> tuple[float, int]:
    n, start = 0, time.perf_counter()
    while True:
        for raw in raws:
            message_from_bytes(raw)
        n += len(raws)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return n / elapsed, n


def parse_only(raws: list[bytes], min_seconds: float = 1.0) -> float:
    from functions.channels.email.parse import parse_mail

    n, start = 0, time.perf_counter()
    while True:
        for raw in raws:
            parse_mail(raw)
        n += len(raws)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return n / elapsed


def pipeline(raws: list[bytes], rounds: int) -> tuple[float, int, dict[str, int]]:
    from moto import mock_aws

    from functions import composition
    from functions.local import moto_fixes
    from functions.local.provision import provision

    moto_fixes.apply()
    total, seconds, counts = 0, 0.0, {}
    for _ in range(rounds):  # a fresh account each round, so no mail is a duplicate of the last round
        composition.reset()
        with mock_aws():
            provision()
            intake = composition.container().email_intake
            start = time.perf_counter()
            for raw in raws:
                outcome = intake.ingest_raw(raw, None, source="bench")
                counts[outcome.outcome.value] = counts.get(outcome.outcome.value, 0) + 1
            seconds += time.perf_counter() - start
            total += len(raws)
    return total / seconds, total, counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "data" / "mail"))
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    _env()
    from functions.core.logs import logger

    logger().setLevel("WARNING")  # stdout carries the one JSON object
    files = sorted(p for p in Path(args.corpus).iterdir() if p.suffix == ".box")
    raws = [p.read_bytes() for p in files]
    bare_rate, _ = bare(raws)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < 1.0:
        for raw in raws:
            message_from_bytes(raw, policy=policy.default)
        n += len(raws)
    modern_rate = n / (time.perf_counter() - start)
    parse_rate = parse_only(raws)
    pipe_rate, pipe_n, counts = pipeline(raws, args.rounds)
    print(
        json.dumps(
            {
                "benchmark": "email_intake",
                "corpus": str(Path(args.corpus).resolve()),
                "mails": len(raws),
                "corpus_bytes": sum(len(r) for r in raws),
                "bare_message_from_bytes_per_s": round(bare_rate, 1),
                "bare_policy_default_per_s": round(modern_rate, 1),
                "parse_mail_per_s": round(parse_rate, 1),
                "pipeline_per_s": round(pipe_rate, 2),
                "pipeline_mails": pipe_n,
                "pipeline_outcomes": counts,
                "ratio_pipeline_vs_bare": round(pipe_rate / bare_rate, 5),
                "ratio_parse_mail_vs_bare": round(parse_rate / bare_rate, 4),
                "note": "pipeline includes S3 puts, DynamoDB transactions and SES sends on in-process moto",
                "machine": {
                    "cpu_count": os.cpu_count(),
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                },
            }
        )
    )


if __name__ == "__main__":
    main()
