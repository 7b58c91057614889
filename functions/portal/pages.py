"""The case page and the link pages (pure: the portal's models in, HTML out).

The signed link a customer was mailed opens ``/portal/cases/{id}?token=...``: browsers get this
page (content negotiation: JSON stays for API clients), in the contact's language. It shows the
status in plain words, the conversation, the known issue of the case's problem with its latest
update, a reply form with attachments and "this solved it" / reopen, all plain form posts carrying
the token in a hidden field (works without JavaScript: the reply form posts its files itself as
multipart/form-data; with the site script they go straight to S3 first, as the contact form's do). The pages never put the token anywhere but the forms and
the address the customer already has, and send ``Referrer-Policy: no-referrer``.

"Send me a new link" (``/help/{lang}/case-link``) answers the same page whatever was asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from functions.core.i18n import LANGUAGES, Words, format_datetime
from functions.core.pages import attr, document, esc, help_url, paragraphs, time_tag
from functions.core.timeutil import iso
from functions.portal.models import PortalCase, PortalEvent
from functions.portal.ports import KnownIssueView


@dataclass(frozen=True)
class UploadLimits:
    max_files: int
    max_bytes: int
    content_types: str
    post_max_bytes: int


def _uploads(w: Words, limits: UploadLimits) -> str:
    """The reply's file input: posted with the form without JavaScript; with the site script each
    file goes to S3 first (``data-uploads``, as on the contact form) and only its key is posted."""
    mb = 1024 * 1024
    return (
        f'<div class="field" data-uploads data-max-files="{limits.max_files}" data-max-bytes="{limits.max_bytes}"'
        f' data-types="{attr(limits.content_types)}" data-too-big="{attr(w("contact.file_too_big"))}"'
        f' data-bad-type="{attr(w("contact.file_bad_type"))}" data-failed="{attr(w("contact.file_failed"))}"'
        f' data-uploaded="{attr(w("contact.file_uploaded"))}">'
        f'<label for="files">{esc(w("contact.files"))} <span class="note">{esc(w("contact.optional"))}</span></label>'
        f'<p class="note" id="files-hint">{esc(w("contact.files_hint", count=limits.max_files, size=limits.max_bytes // mb))}'
        f"<noscript> {esc(w('case.files_no_js', size=limits.post_max_bytes // mb))}</noscript></p>"
        f'<input id="files" name="files" type="file" multiple accept="{attr(limits.content_types)}"'
        ' aria-describedby="files-hint">'
        '<ul class="plain uploads" role="status" aria-live="polite"></ul></div>'
    )


def case_path(case_id: str) -> str:
    return f"/portal/cases/{quote(case_id, safe='')}"


def _event(w: Words, e: PortalEvent) -> str:
    at = time_tag(iso(e.at), format_datetime(e.at, w.lang))
    who = {"customer": w("case.you"), "support": e.author_name or w("case.support"), "system": w("site.name")}[e.author]
    if e.kind == "status_changed" and e.status:
        return f'<li class="event status"><p>{esc(w("case.now", status=w("status." + e.status)))} · {at}</p></li>'
    if e.kind == "created":
        return ""
    body = paragraphs(e.body or "")
    if e.transcript:
        body += "".join(
            f"<p><strong>{esc(line.author_name or line.role)}:</strong> {esc(line.text)}</p>" for line in e.transcript
        )
    files = "".join(f"<li>{esc(a.filename)}</li>" for a in e.attachments)
    return (
        f'<li class="event {e.author}"><p class="meta"><strong>{esc(who)}</strong> · {at}</p>{body}'
        + (f'<ul class="files">{files}</ul>' if files else "")
        + "</li>"
    )


def _form(action: str, token: str, inner: str, css: str = "", *, multipart: bool = False) -> str:
    return (
        f'<form method="post" action="{attr(action)}"'
        + (' enctype="multipart/form-data"' if multipart else "")
        + (f' class="{css}"' if css else "")
        + ">"
        f'<input type="hidden" name="token" value="{attr(token)}">{inner}</form>'
    )


def case_page(
    w: Words,
    case: PortalCase,
    token: str,
    issues: Sequence[KnownIssueView] = (),
    *,
    notice: str = "",
    error: str = "",
    uploads: UploadLimits | None = None,
) -> str:
    """``error``: why the reply just posted was not taken (shown above the reply form, status 400)."""
    path = case_path(case.case_id)
    status = w("status." + case.status)
    parts = [
        f'<p class="meta">{esc(w("case.number"))} <strong>{esc(case.case_id)}</strong></p>',
        f"<h1>{esc(case.subject)}</h1>",
        f'<p class="case-status" data-status="{case.status}">{esc(w("case.status"))} <strong>{esc(status)}</strong></p>',
        f'<p class="note">{esc(w("status_help." + case.status))}</p>',
    ]
    if notice:
        parts.append(f'<p class="done" role="status" tabindex="-1" data-focus>{esc(notice)}</p>')
    for issue in issues[:3]:
        updated = time_tag(iso(issue.updated_at), format_datetime(issue.updated_at, w.lang))
        parts.append(
            f'<section class="issue" aria-labelledby="issue-{attr(issue.notice_id)}">'
            f'<h2 id="issue-{attr(issue.notice_id)}">{esc(w("case.known_issue"))}: {esc(issue.title)}</h2>'
            f'<p class="meta">{esc(w("known.updated"))} {updated}</p>{paragraphs(issue.body)}</section>'
        )
    first = f'<li class="event customer"><p class="meta"><strong>{esc(w("case.you"))}</strong> · {time_tag(iso(case.created_at), format_datetime(case.created_at, w.lang))}</p>{paragraphs(case.description)}</li>'
    if any(e.kind == "message_in" for e in case.timeline):
        first = ""  # the first message is in the timeline itself (a form, a mail)
    events = "".join(_event(w, e) for e in case.timeline)
    parts.append(f'<h2>{esc(w("case.conversation"))}</h2><ol class="plain conversation">{first}{events}</ol>')
    if case.can_reply:
        alert = f'<p class="error" role="alert" id="reply-error">{esc(error)}</p>' if error else ""
        described = ' aria-describedby="reply-error" aria-invalid="true"' if error else ""
        parts.append(
            _form(
                f"{path}/page/reply",
                token,
                alert + f'<div class="field"><label for="body">{esc(w("case.reply"))}</label>'
                f'<textarea id="body" name="body" rows="6" maxlength="20000" required{described}></textarea></div>'
                + (_uploads(w, uploads) if uploads else "")
                + f'<button type="submit">{esc(w("case.send_reply"))}</button>',
                "reply",
                multipart=uploads is not None,
            )
        )
    if case.status in ("received", "in_progress", "awaiting_your_reply"):
        parts.append(_form(f"{path}/page/solved", token, f'<button type="submit">{esc(w("case.solved"))}</button>'))
    elif case.status == "solved":
        parts.append(_form(f"{path}/page/reopen", token, f'<button type="submit">{esc(w("case.reopen"))}</button>'))
    elif case.status == "closed":
        parts.append(f'<p><a href="{attr(help_url(w.lang, "contact"))}">{esc(w("contact.title"))}</a></p>')
    return document(
        w,
        title=f"{case.case_id} · {case.subject}",
        main="".join(parts),
        language_links={code: f"{path}?lang={code}" for code in LANGUAGES},
        page="case",
    )


def broken_link_page(w: Words, status: int) -> str:
    """A link that does not work (tampered, expired, for another case): how to get a new one."""
    key = "link.expired" if status == 403 else "link.broken"
    main = (
        f"<h1>{esc(w('link.title'))}</h1><p>{esc(w(key))}</p>"
        f'<p><a class="button" href="{attr(help_url(w.lang, "case-link"))}">{esc(w("link.request"))}</a></p>'
    )
    return document(w, title=w("link.title"), main=main, page="case")


def link_request_page(w: Words) -> str:
    main = (
        f"<h1>{esc(w('link.request'))}</h1><p>{esc(w('link.intro'))}</p>"
        f'<form method="post" action="{attr(help_url(w.lang, "case-link"))}">'
        f'<div class="field"><label for="case_id">{esc(w("case.number"))}</label>'
        '<input id="case_id" name="case_id" type="text" required maxlength="32" autocomplete="off"></div>'
        f'<div class="field"><label for="email">{esc(w("contact.email"))}</label>'
        '<input id="email" name="email" type="email" required maxlength="254" autocomplete="email"></div>'
        f'<button type="submit">{esc(w("link.send"))}</button></form>'
    )
    return document(
        w,
        title=w("link.request"),
        main=main,
        language_links={code: help_url(code, "case-link") for code in LANGUAGES},
        page="case",
    )


def link_requested_page(w: Words) -> str:
    """The one answer to every link request: the same words whatever the case or address."""
    main = f'<h1>{esc(w("link.request"))}</h1><p role="status">{esc(w("link.sent"))}</p>'
    return document(w, title=w("link.request"), main=main, page="case")
