"""Demo (README): a blip of customer emails becomes a problem, escalated to a department, fixed, and
the cases resolved with the fix; the knowledge base gets the permanent fix.

Run the local stack in one terminal, the demo in another::

    make run
    .venv/bin/python scripts/demo_problems.py

It drives the stack like its users do: mail to the SMTP inbox (customers), the HTTP API (agents),
the signed links of the department's mails read from the local outbox (the department). Options:
``--data-dir`` (the stack's, default ``.local``), ``--cases``, ``--candidate-timeout``.
"""

from __future__ import annotations

import argparse
import json
import re
import smtplib
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Customers of one segment: printer-x / px-200 / batch 2024-03 (see functions/local/seed.py).
SEGMENT = (("nordwerk.example", "Nordwerk"), ("pacificfreight.example", "Pacific Freight"))
BLIP = (
    ("PX-200 jams on page 2 since the firmware update", "Our PX-200 jams on the second page since the update."),
    ("Printer PX-200 paper jam after update", "After the firmware update the PX-200 jams on page two of every job."),
    ("PX-200 jams after firmware update", "Since updating the firmware, our PX-200 printers jam on page 2."),
    ("Paper jam on PX-200 (page 2) after update", "The PX-200 keeps jamming at page 2 after last week's update."),
)
FALLBACK_DEPARTMENT = "manufacturing"
ROOT_CAUSE = "Firmware 4.2 shortened the feed delay for batch 2024-03 rollers"
FIX = "Firmware 4.2.1 restores the feed delay; printers update themselves overnight"


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def say(text: str) -> None:
    print(f"   {text}", flush=True)


def poll(fetch: Callable[[], Any], timeout: float, interval: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = fetch()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(interval)


@dataclass
class Stack:
    api_url: str
    aws_endpoint: str
    smtp_address: str | None
    support_address: str
    token: str

    @classmethod
    def from_data_dir(cls, data_dir: Path) -> Stack:
        state = data_dir / "stack.json"
        if not state.exists():
            raise SystemExit(f"no running local stack ({state} missing): start it with 'make run'")
        info = json.loads(state.read_text())
        return cls(
            api_url=info["api_url"],
            aws_endpoint=info["aws_endpoint"],
            smtp_address=info.get("smtp_address"),
            support_address=info["support_address"],
            token=(data_dir / "dev-agent-token").read_text().strip(),
        )

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"}
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.api_url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - loopback
                raw = resp.read()
                return resp.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            return exc.code, json.loads(raw) if raw else None

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, out = self.request(method, path, body)
        if status >= 300:
            raise SystemExit(f"{method} {path} answered {status}: {out}")
        return out

    def outbox(self) -> list[Any]:
        from functions.local.outbox import sent_mail  # noqa: PLC0415

        return sent_mail(self.aws_endpoint)


# -- the steps (the e2e test runs them too) ---------------------------------------------------


def send_blip(stack: Stack, n: int, tag: str) -> list[str]:
    """Mail ``n`` similar complaints from customers of one segment; returns the senders."""
    if not stack.smtp_address:
        raise SystemExit("the running stack has no SMTP inbox (started with --smtp-port 0)")
    host, port = stack.smtp_address.rsplit(":", 1)
    senders = []
    with smtplib.SMTP(host, int(port), timeout=30) as smtp:
        for i in range(n):
            domain, _ = SEGMENT[i % len(SEGMENT)]
            subject, body = BLIP[i % len(BLIP)]
            sender = f"it.{tag}.{i}@{domain}"
            msg = EmailMessage()
            msg["From"], msg["To"], msg["Subject"] = sender, stack.support_address, subject
            msg["Message-ID"] = make_msgid(domain=domain)
            msg.set_content(f"{body}\n\nRegards,\nIT desk")
            smtp.send_message(msg)
            senders.append(sender)
            say(f"mail from {sender}: {subject}")
    return senders


def wait_cases(stack: Stack, senders: list[str], timeout: float = 60) -> list[str]:
    wanted = {s.lower() for s in senders}

    def ours() -> list[str]:
        page = stack.ok("GET", "/cases?channel=email&limit=200")
        found = [c["case_id"] for c in page["items"] if (c.get("contact_email") or "").lower() in wanted]
        return sorted(found) if len(found) >= len(wanted) else []

    found = poll(ours, timeout)
    if not found:
        raise SystemExit(f"the {len(senders)} mails did not all become cases within {timeout:.0f}s")
    return list(found)


def wait_candidate(stack: Stack, case_ids: list[str], timeout: float) -> dict | None:
    """The candidate problem detection opened for these cases (polls GET /problems?status=candidate)."""
    ours = set(case_ids)

    def candidate() -> dict | None:
        for item in stack.ok("GET", "/problems?status=candidate&limit=100")["items"]:
            view = stack.ok("GET", f"/problems/{item['problem_id']}")
            if ours & {link["case_id"] for link in view["links"]}:
                return dict(view)
        return None

    return poll(candidate, timeout, interval=2.0)


def open_by_hand(stack: Stack, case_ids: list[str]) -> dict:
    """What an agent does without detection: a problem from the first case, the others linked."""
    problem = stack.ok("POST", f"/cases/{case_ids[0]}/problem", {"priority": "high"})
    if case_ids[1:]:
        stack.ok("POST", f"/problems/{problem['problem_id']}/links", {"case_ids": case_ids[1:]})
    return dict(stack.ok("GET", f"/problems/{problem['problem_id']}"))


def confirm(stack: Stack, problem: dict) -> dict:
    if problem["status"] != "candidate":
        return problem
    body = {"status": "confirmed", "version": problem["version"], "comment": "same PX-200 jam: confirmed"}
    return dict(stack.ok("PATCH", f"/problems/{problem['problem_id']}", body))


def assign(stack: Stack, problem: dict) -> str:
    suggestion = problem.get("suggested_department") or {}
    department = suggestion.get("department_id") or FALLBACK_DEPARTMENT
    why = suggestion.get("reason") or "no routing rule matched: the demo's choice"
    say(f"suggested department: {department} ({why})")
    stack.ok("POST", f"/problems/{problem['problem_id']}/assignment", {"department_id": department})
    return department


def department_link(stack: Stack, problem_id: str, label: str, timeout: float = 60) -> tuple[Any, str]:
    """The newest mail about ``problem_id`` that has a link after a line starting with ``label``."""
    pattern = re.compile(rf"^{label}\b.*\n(http\S+/escalations/act\?token=\S+)", re.M)

    def find() -> tuple[Any, str] | None:
        for mail in reversed(stack.outbox()):
            if problem_id in (mail.subject or "") and (m := pattern.search(mail.body)):
                return mail, m.group(1)
        return None

    found = poll(find, timeout)
    if not found:
        raise SystemExit(f"no department mail with a '{label}' link for {problem_id} within {timeout:.0f}s")
    return found


def follow_link(stack: Stack, url: str, fields: dict[str, str] | None = None) -> None:
    """Open the link (a confirmation page: nothing happens), then submit its form."""
    with urllib.request.urlopen(url, timeout=30) as page:  # noqa: S310 - loopback link from the outbox
        html = page.read().decode()
        title = re.search(r"<h1>(.*?)</h1>", html)
        say(f"GET  link -> {page.status}, confirmation page: {title.group(1) if title else '?'}")
    token = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["token"][0]
    form = urllib.parse.urlencode({"token": token, **(fields or {})}).encode()
    req = urllib.request.Request(f"{stack.api_url}/escalations/act", data=form)
    with urllib.request.urlopen(req, timeout=30) as done:  # noqa: S310 - loopback
        html = done.read().decode()
        text = re.search(r"<p>(.*?)</p>", html)
        say(f"POST form -> {done.status}: {text.group(1) if text else ''}")


def wait_resolved(stack: Stack, problem_id: str, timeout: float = 60) -> dict:
    def resolved() -> dict | None:
        view = stack.ok("GET", f"/problems/{problem_id}")
        return dict(view) if view["status"] == "resolved" and view.get("article_id") else None

    view = poll(resolved, timeout)
    if not view:
        raise SystemExit(f"problem {problem_id} was not resolved within {timeout:.0f}s")
    return dict(view)


def escalate_to_resolution(stack: Stack, problem: dict) -> dict:
    """From a confirmed problem: assign, accept by link, deliver the fix by link, wait until resolved."""
    problem_id = problem["problem_id"]
    step("Assign the suggested department: the escalation workflow starts")
    department = assign(stack, problem)
    mail, accept = department_link(stack, problem_id, "Accept")
    say(f"mail to {', '.join(mail.to)}: {(mail.subject or '').strip()}")

    step(f"{department} accepts through the link in its mail")
    follow_link(stack, accept)

    step(f"{department} records the root cause and the fix through the link of its next mail (fix delivered)")
    mail, deliver = department_link(stack, problem_id, "Record")
    say(f"mail to {', '.join(mail.to)}: {(mail.subject or '').strip()}")
    follow_link(stack, deliver, {"root_cause": ROOT_CAUSE, "fix": FIX})
    return wait_resolved(stack, problem_id)


def show_outcome(stack: Stack, view: dict) -> None:
    step(f"Problem {view['problem_id']} is {view['status']}")
    say(f"root cause: {view['root_cause']}")
    say(f"permanent fix: {view['permanent_fix']}")
    customers = set()
    for link in view["links"]:
        case = stack.ok("GET", f"/cases/{link['case_id']}")
        customers.add((case.get("contact_email") or "").lower())
        say(f"case {case['case_id']} ({case.get('contact_email')}): {case['status']}")
    told = [m for m in stack.outbox() if FIX in m.body and customers & {a.lower() for a in m.to}]
    say(f"customers told by email: {len(told)}")
    article = stack.ok("GET", f"/knowledge/articles/{view['article_id']}")
    step(f"Knowledge article {article['article_id']} (v{article['latest_version']}, {article['status']})")
    say(f"title: {article['content']['title']}")
    say(f"cause: {article['content']['cause']}")
    say(f"resolution: {article['content']['resolution']}")
    timeline = [e for e in view["timeline"] if e["kind"] == "knowledge_updated"]
    if timeline:
        say(f"on the problem's timeline: {timeline[-1]['body']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".local", help="the running stack's data dir")
    parser.add_argument("--cases", type=int, default=8, help="how many customer mails in the blip")
    parser.add_argument("--candidate-timeout", type=float, default=60.0, help="seconds to wait for detection")
    args = parser.parse_args(argv)
    stack = Stack.from_data_dir(args.data_dir)
    tag = uuid.uuid4().hex[:6]

    step(f"A blip: {args.cases} similar mails from customers of one segment (printer-x px-200, batch 2024-03)")
    senders = send_blip(stack, args.cases, tag)
    case_ids = wait_cases(stack, senders)
    say(f"cases opened from the mails: {', '.join(case_ids)}")

    step(f"Waiting up to {args.candidate_timeout:.0f}s for detection to open a candidate problem")
    problem = wait_candidate(stack, case_ids, args.candidate_timeout)
    if problem is not None:
        say(f"candidate {problem['problem_id']}: {problem['title']}")
        for key, value in (problem.get("evidence") or {}).items():
            say(f"evidence {key}: {json.dumps(value)[:300]}")
        step(f"An agent confirms {problem['problem_id']}")
        problem = confirm(stack, problem)
    else:
        say("no candidate appeared: detection (the stream handler problem_stream) opens one when the group")
        say("grows faster than its baseline; a fresh stack has little baseline, or detection is not wired.")
        say("opening the problem by hand instead: from the first case, the others linked")
        problem = open_by_hand(stack, case_ids)
    say(f"problem {problem['problem_id']} is {problem['status']}, {problem.get('case_count')} cases linked")

    view = escalate_to_resolution(stack, problem)
    show_outcome(stack, view)

    # HOOK(issue 6, notices): the notices part continues the demo here, e.g. the proactive notice
    # to the other customers of the segment who have not written in yet.
    return 0


if __name__ == "__main__":
    sys.exit(main())
