"""HTML pages behind the department links: a confirmation form (GET never acts) and outcomes."""

from __future__ import annotations

from html import escape

from functions.problems.escalation.models import Action, Task

TITLES = {
    Action.ACCEPT: "Accept this problem",
    Action.REJECT: "Reject this problem",
    Action.INFO: "Ask for more information",
    Action.DELIVER: "Record the root cause and the fix",
}

FIELDS = {
    Action.ACCEPT: (),
    Action.REJECT: (("reason", "Why does your department reject it?"),),
    Action.INFO: (("reason", "What information do you need?"),),
    Action.DELIVER: (("root_cause", "Root cause"), ("fix", "Permanent fix (delivered)")),
}


def _page(title: str, inner: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        '<meta name=robots content="noindex,nofollow">'
        f"<title>{escape(title)}</title></head><body><main><h1>{escape(title)}</h1>{inner}</main></body></html>"
    )


def confirm(task: Task, action: Action, token: str, title: str = "") -> str:
    fields = "".join(
        f"<p><label for={name}>{escape(label)}</label><br>"
        f"<textarea id={name} name={name} rows=5 cols=60 required></textarea></p>"
        for name, label in FIELDS[action]
    )
    subject = f"<p>Problem {escape(task.problem_id)}{': ' + escape(title) if title else ''}</p>"
    form = (
        '<form method=post action="act">'
        f'<input type=hidden name=token value="{escape(token, quote=True)}">'
        f"{fields}<p><button type=submit>Confirm: {escape(TITLES[action].lower())}</button></p></form>"
    )
    return _page(TITLES[action], subject + form)


def done(action: Action) -> str:
    return _page("Thank you", f"<p>Recorded: {escape(TITLES[action].lower())}.</p>")


def error(status: int, message: str) -> str:
    titles = {
        400: "Something is missing",
        401: "This link is not valid",
        403: "This link cannot be used",
        404: "Not found",
        409: "This link can no longer be used",
    }
    return _page(titles.get(status, "Something went wrong"), f"<p>{escape(message)}</p>")
