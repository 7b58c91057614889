"""The mails of the escalation workflow (pure composition; sending is the Mailer's)."""

from __future__ import annotations

from typing import Any

from functions.problems.escalation.models import Action, Job, JobKind, Level

LABELS = {
    Action.ACCEPT: "Accept: your department takes the root cause",
    Action.REJECT: "Reject (you will be asked for a reason)",
    Action.INFO: "Ask for more information",
    Action.DELIVER: "Record the root cause and the fix (marks it delivered)",
}

INTRO = {
    Level.DEPARTMENT: "Customer service has assigned a problem to your department ({department}).",
    Level.MANAGER: (
        "A problem assigned to your department ({department}) was not answered in time; "
        "as its manager, please answer for it."
    ),
    Level.SERVICE_OWNER: (
        "A problem assigned to {department} was answered neither by the department nor by its "
        "manager in time; as service owner, please decide."
    ),
}


def subject(job: Job) -> str:
    if job.kind is JobKind.FIX:
        return f"[Problem {job.problem_id}] Record the fix: {job.title}"
    prefix = "" if job.level in (None, Level.DEPARTMENT) else "ESCALATED: "
    return f"{prefix}[Problem {job.problem_id}] Please answer: {job.title}"


def body(job: Job, links: dict[Action, str], due_seconds: int | None) -> str:
    lines = []
    if job.kind is JobKind.FIX:
        lines.append(f"Your department ({job.department}) accepted problem {job.problem_id}: {job.title}.")
        lines.append("When the fix is delivered, record the root cause and the fix here:")
    else:
        lines.append(INTRO[job.level or Level.DEPARTMENT].format(department=job.department))
        lines.append("")
        lines.append(f"Problem {job.problem_id}: {job.title}")
        info = job.info or {}
        if info.get("answer"):
            lines.append("")
            lines.append(f"Your question: {info.get('question', '')}")
            lines.append(f"Customer service's answer: {info['answer']}")
    if due_seconds:
        lines.append("")
        lines.append(f"Please answer within {_duration(due_seconds)}.")
    lines.append("")
    for action, url in links.items():
        lines.append(f"{LABELS[action]}:")
        lines.append(url)
        lines.append("")
    lines.append("Each link opens a confirmation page; nothing happens until you confirm there.")
    lines.append("The links work once and expire.")
    return "\n".join(lines)


def _duration(seconds: int) -> str:
    if seconds % 86400 == 0:
        n = seconds // 86400
        return f"{n} day{'s' if n != 1 else ''}"
    if seconds % 3600 == 0:
        n = seconds // 3600
        return f"{n} hour{'s' if n != 1 else ''}"
    return f"{seconds} seconds"


def compose_job_mail(job: Job, links: dict[Action, str], policy: Any) -> Any:
    from functions.channels.email.compose import compose  # noqa: PLC0415

    return compose(
        from_address=policy.from_address,
        from_name=policy.from_name,
        to=job.recipient or "",
        subject=subject(job),
        body=body(job, links, job.due_seconds),
        mail_domain=policy.mail_domain,
        auto_submitted="auto-generated",
    )
