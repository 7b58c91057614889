"""Mail trust figures: spoofing tries refused, backscatter tries answered, mutated mails that crashed
the intake. The real intake on the in-memory fakes of the test suite (no AWS). Prints one JSON object.

    .venv/bin/python bench/mail_trust.py [--corpus ../shared/data/mail] [--mutations 2000] [--seed 15]

* spoofing: a reply to a customer's case (by In-Reply-To to our acknowledgement, by the case
  token in the subject, by a known Message-ID) with the owner's From faked, under every
  combination of SPF, DKIM and DMARC verdicts; "refused" = it did not join the case. Tries with
  DMARC pass (or SPF or DKIM pass without DMARC fail) are the owner's own mail: they must join.
* backscatter: mails that must get no acknowledgement (null envelope sender, empty Return-Path,
  no From, garbage, failed authentication); "answered" counts acknowledgements sent to them.
* mutations: corpus mails with bytes flipped, cut, duplicated and spliced, each delivered as an
  SES notification with random verdicts; counted: inputs, outcomes, unhandled exceptions.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import platform
import random
import sys
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
os.environ.setdefault("CASEBRIDGE_SIGNING_SECRET", "bench-only-secret")

STATUSES = ("PASS", "FAIL", "GRAY", "NOT_CHECKED")


def notification(raw: bytes, source: str, verdicts: dict[str, str], policy: str | None = None) -> str:
    receipt = {f"{k}Verdict": {"status": v} for k, v in verdicts.items()}
    receipt["action"] = {"type": "SNS", "encoding": "BASE64"}
    if policy:
        receipt["dmarcPolicy"] = policy
    note = {
        "notificationType": "Received",
        "receipt": receipt,
        "mail": {"source": source},
        "content": base64.b64encode(raw).decode(),
    }
    return json.dumps({"Type": "Notification", "Message": json.dumps(note)})


def mail(subject: str, msgid: str, body: str, frm: str = "Ann <ann@acme.example>", **headers: str) -> bytes:
    msg = EmailMessage()
    if frm:
        msg["From"] = frm
    msg["To"] = "support@casebridge.local"
    msg["Subject"] = subject
    msg["Message-ID"] = msgid
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return bytes(msg)


PASSING = {"spam": "PASS", "virus": "PASS", "spf": "PASS", "dkim": "PASS", "dmarc": "PASS"}


def spoofing() -> dict[str, int]:
    from tests.fakes.channels import install_channel_fakes

    tries = refused = owner_tries = owner_joined = wrongly_refused = 0
    for n, (spf, dkim, dmarc, shape) in enumerate(
        itertools.product(STATUSES, STATUSES, STATUSES, ("in-reply-to", "subject", "message-id"))
    ):
        fakes = install_channel_fakes()
        intake = fakes.container.email_intake
        [first] = intake.ingest_queue_body(
            notification(mail("Printer jams", "<m1@acme.example>", "It jams."), "ann@acme.example", PASSING)
        )
        ack = str(fakes.mailer.sent[-1]["Message-ID"])
        headers = {"In_Reply_To": ack} if shape == "in-reply-to" else {}
        subject = f"Re: [{first.case}] Printer jams" if shape == "subject" else "Re: Printer jams"
        msgid = "<m1@acme.example>" if shape == "message-id" else f"<r{n}@acme.example>"
        raw = mail(subject, msgid, f"New bank details {n}", **headers)
        verdicts = {**PASSING, "spf": spf, "dkim": dkim, "dmarc": dmarc}
        [out] = intake.ingest_queue_body(notification(raw, "x@evil.example", verdicts, "reject"))
        joined = out.case == first.case
        forged = dmarc == "FAIL" or (spf == "FAIL" and dkim == "FAIL")
        if forged:
            tries += 1
            refused += not joined
        else:
            owner_tries += 1
            owner_joined += joined
            wrongly_refused += not joined
    return {
        "forged_replies": tries,
        "forged_refused": refused,
        "authentic_replies": owner_tries,
        "authentic_joined": owner_joined,
        "authentic_refused": wrongly_refused,
    }


def backscatter() -> dict[str, int]:
    from tests.fakes.channels import install_channel_fakes

    cases = [
        (mail("Hello", "<b1@acme.example>", "hi"), "", PASSING),
        (b"Return-Path: <>\r\n" + mail("Hello", "<b2@acme.example>", "hi"), "ann@acme.example", PASSING),
        (mail("Hello", "<b3@acme.example>", "hi", frm=""), "victim@victim.example", PASSING),
        (b"\x00\x01 garbage \xff\r\n", "victim@victim.example", PASSING),
        (mail("Hello", "<b5@acme.example>", "hi"), "x@evil.example", {**PASSING, "dmarc": "FAIL"}),
        (mail("Hello", "<b6@acme.example>", "hi"), "x@evil.example", {**PASSING, "spf": "FAIL", "dkim": "FAIL"}),
    ]
    answered = 0
    for raw, source, verdicts in cases:
        fakes = install_channel_fakes()
        fakes.container.email_intake.ingest_queue_body(notification(raw, source, verdicts))
        answered += len(fakes.mailer.sent)
    return {"tries": len(cases), "acknowledgements_sent": answered}


def mutate(rng: random.Random, raw: bytes, others: list[bytes]) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(5)
        if not data:
            break
        i = rng.randrange(len(data))
        if op == 0:
            data[i] = rng.randrange(256)
        elif op == 1:
            del data[i : i + rng.randint(1, 200)]
        elif op == 2:
            data[i:i] = data[i : i + rng.randint(1, 200)]
        elif op == 3:
            other = rng.choice(others)
            j = rng.randrange(len(other) or 1)
            data[i:] = other[j:]
        else:
            data[i:i] = rng.choice([b"\r\n\r\n", b"=?gb2312?B?", b"--", b"begin 644 x\r\n", b"\x00", b"=\r\n"])
    return bytes(data)


def mutations(corpus: Path, count: int, seed: int) -> dict[str, object]:
    from functions.channels.email.parse import parse_mail
    from tests.fakes.channels import install_channel_fakes

    raws = [p.read_bytes() for p in sorted(corpus.glob("*.box"))]
    if not raws:
        return {"skipped": f"no corpus at {corpus}"}
    rng = random.Random(seed)
    outcomes: dict[str, int] = {}
    reasons: dict[str, int] = {}
    crashes: list[str] = []
    fakes = install_channel_fakes()
    intake = fakes.container.email_intake
    start = time.perf_counter()
    for n in range(count):
        raw = mutate(rng, rng.choice(raws), raws)
        verdicts = {k: rng.choice(STATUSES) for k in PASSING}
        try:
            parse_mail(raw)
            for out in intake.ingest_queue_body(notification(raw, rng.choice(["", "a@b.example"]), verdicts)):
                outcomes[out.outcome.value] = outcomes.get(out.outcome.value, 0) + 1
                if out.outcome.value == "quarantined":
                    why = (out.reason or "").split(":")[0]
                    reasons[why] = reasons.get(why, 0) + 1
        except Exception as exc:  # noqa: BLE001 - what we count
            crashes.append(f"{n}: {type(exc).__name__}: {exc}"[:200])
        if n % 200 == 199:
            fakes = install_channel_fakes()  # keep the fakes small
            intake = fakes.container.email_intake
    return {
        "inputs": count,
        "seed": seed,
        "outcomes": dict(sorted(outcomes.items())),
        "quarantine_reasons": dict(sorted(reasons.items())),
        "unhandled_exceptions": len(crashes),
        "first_exceptions": crashes[:3],
        "seconds": round(time.perf_counter() - start, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "data" / "mail")
    parser.add_argument("--mutations", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    import logging

    logging.disable(logging.CRITICAL)  # quarantines log an exception each; the figures are the output
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "spoofing": spoofing(),
        "backscatter": backscatter(),
        "mutations": mutations(args.corpus, args.mutations, args.seed),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
