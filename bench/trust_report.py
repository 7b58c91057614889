"""The trust figures together: requests schemathesis sent and the 5xx it found, faults injected and
survived on each path, spoofing tries refused, mails fuzzed. Prints a table, then one JSON line.

    .venv/bin/python bench/trust_report.py                # the last run's figures (see below)
    .venv/bin/python bench/trust_report.py --rerun        # run the checks again first (~15-30 min)
    .venv/bin/python bench/trust_report.py --rerun --skip contract   # without the local stack's API run

Where the figures come from:

* API contract, faults: each check's test appends its figures once its assertions held
  (``tests/figures.py``: ``.local/trust/figures.jsonl`` by default; a failed contract run is
  recorded too, with its failures): ``tests/e2e/test_api_contract.py`` (schemathesis against a
  local stack), ``tests/integration/test_fault_injection.py`` (mail intake, problem detection),
  ``test_notice_delivery.py`` (the jobs handler), ``test_escalation_task_faults.py`` and
  ``test_notice_task_faults.py`` (Step Functions task failures). Without ``--rerun`` the report
  reads the file (the figures of the last ``make test`` or of these tests run alone); with it, the
  tests run into a file of their own. A path counts as survived when its test passed: a test that
  fails records nothing.
* Spoofing and mails fuzzed: ``bench/mail_trust.py`` (the intake on in-memory fakes), run here
  (``--mutations``), its answer kept in ``.local/trust/mail_trust.json``; without ``--rerun`` the
  kept answer is read when there is one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRUST = ROOT / ".local" / "trust"
FIGURES = TRUST / "figures.jsonl"
MAIL = TRUST / "mail_trust.json"

CHECKS = {
    "contract": ["tests/e2e/test_api_contract.py"],
    "faults": [
        "tests/integration/test_fault_injection.py",
        "tests/integration/test_notice_delivery.py::test_faults_under_the_delivery_jobs_end_with_every_recipient_notified_exactly_once",
        "tests/integration/test_escalation_task_faults.py",
        "tests/integration/test_notice_task_faults.py",
    ],
}


def rerun(skip: set[str], mutations: int) -> Path:
    """Run the checks into a fresh figures file; returns it. A failing check leaves its figures out."""
    TRUST.mkdir(parents=True, exist_ok=True)
    out = TRUST / f"run-{int(time.time())}.jsonl"
    env = {**os.environ, "CASEBRIDGE_TRUST_FIGURES": str(out)}
    env.setdefault("CASEBRIDGE_SHARED_DATA", str(ROOT.parent / "shared" / "data"))
    for name, targets in CHECKS.items():
        if name in skip:
            continue
        cmd = [sys.executable, "-m", "pytest", *targets, "-q", "-p", "no:cacheprovider"]
        code = subprocess.run(cmd, cwd=ROOT, env=env, check=False).returncode
        print(f"{name}: pytest exited {code}", file=sys.stderr)
    if "mail" not in skip:
        run_mail(mutations)
    if out.exists():  # the default file keeps them too: a later report without --rerun reads them
        with FIGURES.open("a", encoding="utf-8") as kept:
            kept.write(out.read_text())
    return out


def run_mail(mutations: int) -> dict:
    cmd = [sys.executable, str(ROOT / "bench" / "mail_trust.py"), "--mutations", str(mutations)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    TRUST.mkdir(parents=True, exist_ok=True)
    MAIL.write_text(json.dumps(result))
    return result


def last_runs(path: Path) -> list[dict]:
    """Each check's (and path's, and seed's) last record."""
    latest: dict[tuple, dict] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                rec = json.loads(line)
                latest[(rec["check"], rec.get("path"), rec.get("seed"))] = rec
    return list(latest.values())


def summarize(records: list[dict], mail: dict | None) -> dict:
    contract = [r for r in records if r["check"] == "api_contract"]
    api = None
    if contract:
        last = max(contract, key=lambda r: r["at"])
        keys = ("operations", "requests", "server_errors", "failures", "examples_per_operation", "passed")
        api = {k: last.get(k) for k in keys}
    paths: dict[str, dict] = defaultdict(lambda: {"runs": 0, "injected": 0})
    for r in records:
        if r["check"] == "faults":
            p = paths[r["path"]]
            p["runs"] += 1
            p["injected"] += int(r.get("injected", 0))
    faults = {
        "paths": dict(sorted(paths.items())),
        "injected": sum(p["injected"] for p in paths.values()),
        "survived_runs": sum(p["runs"] for p in paths.values()),
    }
    spoofing = None
    if mail:
        s, b, m = mail["spoofing"], mail["backscatter"], mail["mutations"]
        spoofing = {
            "forged_replies": s["forged_replies"],
            "forged_refused": s["forged_refused"],
            "authentic_joined": f"{s['authentic_joined']}/{s['authentic_replies']}",
            "backscatter_tries": b["tries"],
            "backscatter_answered": b["acknowledgements_sent"],
        }
        mails = {"mails": m["inputs"], "unhandled_exceptions": m["unhandled_exceptions"], "seed": m["seed"]}
    stamps = [r["at"] for r in records]
    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
        "recorded": [time.strftime("%Y-%m-%d %H:%M", time.gmtime(t)) for t in (min(stamps), max(stamps))]
        if stamps
        else None,
        "api_contract": api,
        "faults": faults,
        "spoofing": spoofing,
        "mails_fuzzed": mails if mail else None,
    }


def table(report: dict) -> str:
    rows: list[tuple[str, str]] = []
    api = report["api_contract"]
    if api:
        per = f"{api['examples_per_operation']} examples per operation"
        if api.get("operations"):
            per = f"{api['operations']} operations, {per}"
        rows.append(("requests fuzzed (schemathesis)", f"{api['requests']} ({per})"))
        rows.append(("5xx found", str(api["server_errors"])))
        rows.append(("contract failures", str(api["failures"])))
    else:
        rows.append(("requests fuzzed (schemathesis)", "no run recorded"))
    faults = report["faults"]
    for name, p in faults["paths"].items():
        rows.append((f"faults: {name}", f"{p['injected']} injected, {p['runs']} run(s) survived"))
    rows.append(("faults in all", f"{faults['injected']} injected over {faults['survived_runs']} survived runs"))
    spoof = report["spoofing"]
    if spoof:
        rows.append(("forged replies refused", f"{spoof['forged_refused']} of {spoof['forged_replies']}"))
        rows.append(("authentic replies joined", spoof["authentic_joined"]))
        rows.append(("backscatter tries answered", f"{spoof['backscatter_answered']} of {spoof['backscatter_tries']}"))
    mails = report["mails_fuzzed"]
    if mails:
        rows.append(("mails fuzzed (mutated)", ", ".join(f"{k} {v}" for k, v in mails.items())))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rerun", action="store_true", help="run the checks again before reporting")
    parser.add_argument("--skip", action="append", default=[], choices=["contract", "faults", "mail"])
    parser.add_argument("--figures", type=Path, default=FIGURES, help="the figures file to read (without --rerun)")
    parser.add_argument("--mutations", type=int, default=2000, help="mutated mails for bench/mail_trust.py")
    args = parser.parse_args()
    skip = set(args.skip)
    if args.rerun:
        records = last_runs(rerun(skip, args.mutations))
        mail = json.loads(MAIL.read_text()) if "mail" not in skip and MAIL.exists() else None
    else:
        records = last_runs(args.figures)
        mail = json.loads(MAIL.read_text()) if MAIL.exists() else (None if "mail" in skip else run_mail(args.mutations))
    report = summarize(records, mail)
    when = " to ".join(report["recorded"]) + " UTC" if report["recorded"] else "nothing recorded"
    print(f"trust report: checks run {when}; now on {report['machine']}")
    print(table(report))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
