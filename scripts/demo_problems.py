"""Demo (README): a blip of customer emails becomes a problem, escalated to a department, fixed, and
the cases resolved with the fix; the knowledge base gets the permanent fix. Meanwhile the customers
likely to hit the problem (same model and batch) get a proactive notice, an update, then the resolution.

Run the local stack in one terminal, the demo in another::

    make run
    .venv/bin/python scripts/demo_problems.py

It drives the stack like its users do: mail to the SMTP inbox (customers), the HTTP API (agents),
the signed links of the department's mails read from the local outbox (the department), the outbox
and the portal (customers being told). Options: ``--data-dir`` (the stack's, default ``.local``),
``--cases``, ``--candidate-timeout``.
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

from functions.local.seed import INSTALL_BASE_ORGS, SEGMENT_OWNERS  # noqa: E402

# Customers of one segment: printer-x / px-200 / batch 2024-03 (the seeded install base: functions/local/seed.py).
SEGMENT = tuple((f"{stem}.example", name) for stem, name, _, _ in INSTALL_BASE_ORGS[:SEGMENT_OWNERS])
PRODUCT = "printer-x"
BLIP = (
    ("PX-200 jams on page 2 since the firmware update", "Our PX-200 jams on the second page since the update."),
    ("Printer PX-200 paper jam after update", "After the firmware update the PX-200 jams on page two of every job."),
    ("PX-200 jams after firmware update", "Since updating the firmware, our PX-200 printers jam on page 2."),
    ("Paper jam on PX-200 (page 2) after update", "The PX-200 keeps jamming at page 2 after last week's update."),
)
FALLBACK_DEPARTMENT = "manufacturing"
ROOT_CAUSE = "Firmware 4.2 shortened the feed delay for batch 2024-03 rollers"
FIX = "Firmware 4.2.1 restores the feed delay; printers update themselves overnight"
WORKAROUND = "Print from tray 1, or send jobs of one page, until the printer has updated itself"
UPDATE = "Firmware 4.2.1 is in testing; we expect to ship it this week. The workaround still applies."
NOTICE_INTERVAL = 7 * 24 * 3600  # periodic updates once a week; the demo sends one update by hand


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
    signing_secret: str = ""

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
            signing_secret=(data_dir / "signing-secret").read_text().strip(),
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


def show_evidence(problem: dict) -> None:
    """Why detection opened the candidate: the growth, the common thread (counts and lift), the terms."""
    evidence = problem.get("evidence") or {}
    growth = evidence.get("growth") or {}
    if growth:
        say(
            f"growth: {growth['observed']} cases in the last {growth['window_seconds'] / 3600:.0f}h window where "
            f"{growth['expected']:.2f} were expected (p = {growth['p_value']:.1e})"
        )
    for item in evidence.get("common_thread") or []:
        say(
            f"common thread: {item['attribute']}={item['value']}: {item['count']} of the group's customers "
            f"({item['group_share']:.0%} vs {item['base_share']:.0%} of the base), lift {item['lift']:.1f}"
        )
    if evidence.get("top_terms"):
        say(f"top terms: {', '.join(evidence['top_terms'][:8])}")


def link_suggestions(stack: Stack, problem: dict, case_ids: list[str], timeout: float = 30) -> dict:
    """Detection suggests the blip's later cases for the problem; the agent links them (similar)."""
    problem_id = problem["problem_id"]
    linked = {link["case_id"] for link in problem["links"]}
    wanted = set(case_ids) - linked

    def suggested() -> list[dict]:
        items = stack.ok("GET", f"/problems/{problem_id}/suggested-cases")["items"]
        return items if wanted <= {s["case_id"] for s in items} else []

    items = (
        (poll(suggested, timeout) or stack.ok("GET", f"/problems/{problem_id}/suggested-cases")["items"])
        if wanted
        else []
    )
    for item in items:
        say(f"suggested: {item['case_id']} (similarity {item['similarity']:.2f})")
    accept = [s["case_id"] for s in items]
    if accept:
        # the agent read them: same root cause (their customers count as affected for notices)
        stack.ok("POST", f"/problems/{problem_id}/links", {"case_ids": accept, "link_type": "root_cause"})
    view = dict(stack.ok("GET", f"/problems/{problem_id}"))
    say(f"linked {len(accept)} suggested cases: the problem now has {view['case_count']} cases")
    return view


def confirm(stack: Stack, problem: dict) -> dict:
    if problem["status"] != "candidate":
        return problem
    body = {
        "status": "confirmed",
        "version": problem["version"],
        "product": PRODUCT,
        "workaround": WORKAROUND,
        "comment": "same PX-200 jam: confirmed",
    }
    stack.ok("PATCH", f"/problems/{problem['problem_id']}", body)
    return dict(stack.ok("GET", f"/problems/{problem['problem_id']}"))


# -- proactive notices (issue 6) -------------------------------------------------------------


def notice_segment(problem: dict) -> dict[str, list[str]]:
    """Likely affected: owners of the problem's product, narrowed by detection's common thread."""
    segment: dict[str, list[str]] = {"product": [problem.get("product") or PRODUCT]}
    for item in (problem.get("evidence") or {}).get("common_thread") or []:
        if item["attribute"] in ("model", "batch"):  # a region in the thread may be who wrote first
            segment.setdefault(item["attribute"], []).append(item["value"])
    return segment


def notice_subject(problem: dict) -> str:
    return f"Known issue with PX-200 printers: paper jams after the firmware update ({problem['problem_id']})"


def draft_notice(stack: Stack, problem: dict, segment: dict[str, list[str]]) -> dict:
    body = {
        "channels": ["email", "sms", "portal", "phone"],
        "audience": {"include_affected": True, "include_likely": True, "segment": segment},
        "texts": {
            "subject": notice_subject(problem),
            "body": (
                "Some PX-200 printers of batch 2024-03 jam on the second page since firmware 4.2. "
                f"We are working on a fix.\n\nIn the meantime: {WORKAROUND}."
            ),
            "sms_text": "PX-200 jams after firmware 4.2: print from tray 1 until the fix; we will update you.",
        },
        "interval_seconds": NOTICE_INTERVAL,
    }
    return dict(stack.ok("POST", f"/problems/{problem['problem_id']}/notices", body))


def preview_audience(stack: Stack, notice_id: str, sample: int = 5) -> dict:
    preview = dict(stack.ok("GET", f"/notices/{notice_id}/audience?sample={sample}"))
    c = preview["counts"]
    say(
        f"audience: {c['recipients']} recipients at {c['customers']} customers "
        f"({c['affected']} affected, {c['likely']} likely affected); by channel: {c['email']} email, {c['sms']} SMS"
    )
    for r in preview["sample"]:
        who = r.get("email") or r.get("phone")
        say(
            f"  sample: {r['customer_id']:<16} {who:<28} {'affected (' + str(r.get('case_id')) + ')' if r['affected'] else 'likely'}"
        )
    return preview


def notice_mails(stack: Stack, subject: str) -> list[Any]:
    """Notice mails in the outbox whose subject is ``subject`` (templated mail: its data holds it)."""
    found = []
    for mail in stack.outbox():
        data: Any = {}
        if mail.kind == "template":
            try:
                data = json.loads(mail.body or "{}")
            except ValueError:
                data = {}
        if (data.get("subject") if isinstance(data, dict) else None) == subject or mail.subject == subject:
            found.append(mail)
    return found


def wait_dispatch(stack: Stack, notice_id: str, kind: str, subject: str, timeout: float = 60) -> list[Any]:
    """The notice's ``kind`` dispatch has gone out: its mails, once as many as the snapshot's email recipients."""

    def sent() -> list[Any] | None:
        notice = stack.ok("GET", f"/notices/{notice_id}")
        if not any(d["kind"] == kind for d in notice["dispatches"]):
            return None
        mails = notice_mails(stack, subject)
        return mails if len(mails) >= (notice.get("email_count") or 0) else None

    mails = poll(sent, timeout)
    if not mails:
        raise SystemExit(f"the {kind} notice of {notice_id} was not sent within {timeout:.0f}s")
    return list(mails)


def show_mails(mails: list[Any], wrote: set[str], limit: int = 4) -> None:
    to = sorted({a.lower() for m in mails for a in m.to})
    never = [a for a in to if a not in wrote]
    say(f"{len(mails)} mails to {len(to)} addresses; {len(never)} of them never wrote in (likely affected):")
    for address in never[:limit]:
        say(f"  {address}")
    if len(never) > limit:
        say(f"  ... and {len(never) - limit} more")


def show_deliveries(stack: Stack, notice_id: str) -> None:
    notice = stack.ok("GET", f"/notices/{notice_id}")
    say(
        f"notice {notice_id} is {notice['status']}: snapshot of {notice.get('audience_count')} recipients "
        f"({notice.get('email_count')} email, {notice.get('sms_count')} SMS), dispatches: "
        + ", ".join(f"#{d['seq']} {d['kind']}" for d in notice["dispatches"])
    )
    want = (notice.get("email_count") or 0, notice.get("sms_count") or 0)

    def recorded() -> Any:
        # delivery counts are added when each batch job finishes, a moment after its mails went out
        status, body = stack.request("GET", f"/notices/{notice_id}/deliveries")
        if status != 200:
            return None
        done = all(d["sent_email"] >= want[0] and d["sent_sms"] >= want[1] for d in body["items"])
        return (status, body) if done else None

    status, deliveries = poll(recorded, 30) or stack.request("GET", f"/notices/{notice_id}/deliveries")
    if status == 200:
        for d in deliveries["items"]:
            say(f"  dispatch #{d['seq']} {d['kind']}: {d['sent_email']} emails, {d['sent_sms']} SMS published")


def portal_banner(stack: Stack, customer_id: str) -> None:
    """What the customer's portal page shows (its signed link, as notice mails carry it)."""
    from functions.core import signing  # noqa: PLC0415
    from functions.notify.links import PORTAL_PURPOSE  # noqa: PLC0415

    token = signing.sign(PORTAL_PURPOSE, {"customer_id": customer_id}, secret=stack.signing_secret or None)
    req = urllib.request.Request(f"{stack.api_url}/portal/notices?token={urllib.parse.quote(token)}")
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - loopback
        items = json.loads(resp.read())["items"]
    for item in items:
        say(f"portal banner for {customer_id}: {item['title']}")
        say(f"  {item['body'].splitlines()[0]}")
    if not items:
        say(f"no portal banner for {customer_id}")


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
    case_ids = set()
    for link in view["links"]:
        case = stack.ok("GET", f"/cases/{link['case_id']}")
        customers.add((case.get("contact_email") or "").lower())
        case_ids.add(case["case_id"])
        say(f"case {case['case_id']} ({case.get('contact_email')}): {case['status']}")
    told = [
        m
        for m in stack.outbox()
        if FIX in m.body
        and customers & {a.lower() for a in m.to}
        and any(cid in f"{m.subject or ''} {m.body}" for cid in case_ids)  # the case's own mail, not a notice
    ]
    say(f"customers told on their case, by email: {len(told)}")
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
    parser.add_argument("--cases", type=int, default=6, help="how many customer mails in the blip (distinct customers)")
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
        say(f"candidate {problem['problem_id']}: {problem['title']} ({problem['case_count']} cases linked)")
        show_evidence(problem)
        step(f"An agent confirms {problem['problem_id']} (product {PRODUCT}, with a workaround)")
        problem = confirm(stack, problem)
        step("Detection suggested the blip's later cases for the problem: the agent links them")
        problem = link_suggestions(stack, problem, case_ids)
    else:
        say("no candidate appeared: detection (the stream handler problem_stream) opens one when the group")
        say("grows faster than its baseline; a fresh stack has little baseline, or detection is not wired.")
        say("opening the problem by hand instead: from the first case, the others linked")
        problem = open_by_hand(stack, case_ids)
    say(f"problem {problem['problem_id']} is {problem['status']}, {problem.get('case_count')} cases linked")

    notice = proactive_notice(stack, problem, senders)
    view = escalate_to_resolution(stack, problem)
    show_outcome(stack, view)

    step("The resolution notice goes to the whole audience")
    mails = wait_dispatch(stack, notice["notice_id"], "resolution", f"Resolved: {notice_subject(problem)}")
    show_mails(mails, {s.lower() for s in senders}, limit=2)
    show_deliveries(stack, notice["notice_id"])
    return 0


def proactive_notice(stack: Stack, problem: dict, senders: list[str]) -> dict:
    """Issue 6: the notice to the affected and likely-affected customers, and an update."""
    wrote = {s.lower() for s in senders}
    segment = notice_segment(problem)
    step("Proactive notice: draft it for the affected and the likely affected (same segment)")
    say("segment: " + ", ".join(f"{k}={'|'.join(v)}" for k, v in segment.items()))
    notice = draft_notice(stack, problem, segment)
    say(f"notice {notice['notice_id']} ({notice['status']}), updates every {notice['interval_seconds'] // 86400} days")
    preview_audience(stack, notice["notice_id"])

    step(f"The agent approves {notice['notice_id']}: the initial notice goes out")
    notice = dict(stack.ok("POST", f"/notices/{notice['notice_id']}/approve", {"version": notice["version"]}))
    mails = wait_dispatch(stack, notice["notice_id"], "initial", notice_subject(problem))
    show_mails(mails, wrote)
    show_deliveries(stack, notice["notice_id"])
    quiet = [
        stem
        for stem, *_ in INSTALL_BASE_ORGS[:SEGMENT_OWNERS]
        if not any(w.endswith(f"@{stem}.example") for w in wrote)
    ]
    owner = quiet[-1] if quiet else "nordwerk"  # a customer of the segment who never wrote in
    portal_banner(stack, owner)

    step("An update, written by the agent, sent now")
    stack.ok("POST", f"/notices/{notice['notice_id']}/updates", {"text": UPDATE})
    mails = wait_dispatch(stack, notice["notice_id"], "update", f"Update: {notice_subject(problem)}")
    show_mails(mails, wrote, limit=2)
    portal_banner(stack, owner)
    return notice


if __name__ == "__main__":
    sys.exit(main())
