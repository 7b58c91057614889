"""The contact form as pages (pure: values in, HTML out): the form, the form again with what is
wrong, and the confirmation with the case number.

A plain HTML form posting to ``/help/{lang}/contact`` as multipart/form-data (no JavaScript
needed: attachments travel with the form as ``files``, held to the page post's size). The
customers' site script adds article suggestions while the customer writes the subject (recorded
as 'suggested' events) and uploads attachments straight to S3 through presigned POSTs before the
form is sent (their keys travel as ``attachments`` fields; the file input then sends nothing). ``website`` is the honeypot: hidden
from people and from assistive technology, only bots fill it in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from functions.core.i18n import LANGUAGES, Words
from functions.core.pages import attr, described_by, document, error_summary, esc, field_error, help_url

FIELDS = ("name", "email", "subject", "description", "product")


def _input(
    w: Words, name: str, values: Mapping[str, str], errors: Mapping[str, str], *, kind: str = "text", **extra: str
) -> str:
    required = name != "product"
    hint = f"{name}-hint" if f"contact.{name}_hint" in _HINTS else None
    label = esc(w(f"contact.{name}")) + ("" if required else f" <span class='note'>{esc(w('contact.optional'))}</span>")
    hint_html = f'<p class="note" id="{hint}">{esc(w(f"contact.{name}_hint"))}</p>' if hint else ""
    attrs = "".join(f' {k.replace("_", "-")}="{attr(v)}"' for k, v in extra.items())
    common = f'id="{name}" name="{name}"' + (" required" if required else "") + described_by(errors, name, hint) + attrs
    if kind == "textarea":
        control = f'<textarea {common} rows="8" maxlength="20000">{esc(values.get(name, ""))}</textarea>'
    else:
        control = f'<input {common} type="{kind}" value="{attr(values.get(name, ""))}">'
    return f'<div class="field"><label for="{name}">{label}</label>{hint_html}{field_error(w, errors, name)}{control}</div>'


_HINTS = {"contact.description_hint", "contact.subject_hint"}


def contact_page(
    w: Words,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    session: str = "",
    consent_required: bool = False,
    max_files: int = 5,
    max_bytes: int = 10 * 1024 * 1024,
    content_types: str = "",
    post_max_bytes: int = 4 * 1024 * 1024,
    challenge: Any = None,
) -> str:
    values = values or {}
    errors = errors or {}
    action = help_url(w.lang, "contact")
    consent = ""
    if consent_required:
        checked = " checked" if values.get("consent") == "yes" else ""
        consent = (
            f'<div class="field">{field_error(w, errors, "consent")}<input type="checkbox" id="consent" name="consent"'
            f' value="yes"{checked}{described_by(errors, "consent")}> <label for="consent">{esc(w("contact.consent"))}</label></div>'
        )
    mb = 1024 * 1024
    uploads = (
        f'<div class="field" data-uploads data-max-files="{max_files}" data-max-bytes="{max_bytes}"'
        f' data-types="{attr(content_types)}" data-too-big="{attr(w("contact.file_too_big"))}"'
        f' data-bad-type="{attr(w("contact.file_bad_type"))}" data-failed="{attr(w("contact.file_failed"))}"'
        f' data-uploaded="{attr(w("contact.file_uploaded"))}">'
        f'<label for="files">{esc(w("contact.files"))} <span class="note">{esc(w("contact.optional"))}</span></label>'
        f'<p class="note" id="files-hint">{esc(w("contact.files_hint", count=max_files, size=max_bytes // mb))}'
        f"<noscript> {esc(w('contact.files_no_js', size=post_max_bytes // mb))}</noscript></p>"
        + field_error(w, errors, "files")
        + f'<input id="files" name="files" type="file" multiple accept="{attr(content_types)}"'
        + described_by(errors, "files", "files-hint")
        + ">"
        '<ul class="plain uploads" role="status" aria-live="polite"></ul></div>'
    )
    main = (
        f"<h1>{esc(w('contact.title'))}</h1><p>{esc(w('contact.intro'))}</p>"
        + error_summary(w, errors)
        + f'<form class="contact" method="post" action="{attr(action)}" enctype="multipart/form-data" data-contact novalidate>'
        + _input(w, "name", values, errors, autocomplete="name", maxlength="200")
        + _input(w, "email", values, errors, kind="email", autocomplete="email", maxlength="254")
        + _input(w, "subject", values, errors, maxlength="200", data_suggest="contact-suggestions", autocomplete="off")
        + '<div id="contact-suggestions" class="suggestions" hidden>'
        + f'<h2 class="visually-hidden">{esc(w("contact.suggested"))}</h2><p>{esc(w("contact.suggested"))}</p><ul class="plain"></ul></div>'
        + _input(w, "description", values, errors, kind="textarea")
        + _input(w, "product", values, errors, maxlength="64")
        + uploads
        + consent
        + '<div class="hp" aria-hidden="true"><label for="website">Website</label>'
        '<input id="website" name="website" type="text" tabindex="-1" autocomplete="off" value=""></div>'
        + (
            f'<input type="hidden" name="challenge" value="{attr(challenge.challenge)}" data-challenge="{challenge.bits}">'
            '<input type="hidden" name="solution" value="">'
            if challenge is not None
            else ""
        )
        + f'<input type="hidden" name="session" value="{attr(session)}">'
        + f'<input type="hidden" name="language" value="{attr(w.lang)}">'
        + f'<button type="submit">{esc(w("contact.send"))}</button></form>'
    )
    return document(
        w,
        title=w("contact.title"),
        main=main,
        language_links={code: help_url(code, "contact") for code in LANGUAGES},
        page="contact",
    )


def sent_page(w: Words, case_id: str | None) -> str:
    """The confirmation: the case number, and where the link to follow it went (never the link itself:
    the mail proves the address)."""
    if case_id:
        main = (
            f"<h1>{esc(w('contact.sent_title'))}</h1>"
            f'<p class="case-number">{esc(w("contact.case_number"))} <strong data-case-id>{esc(case_id)}</strong></p>'
            f"<p>{esc(w('contact.sent_text'))}</p>"
        )
    else:  # held for review (the honeypot): the same thanks, without a number
        main = f"<h1>{esc(w('contact.sent_title'))}</h1><p>{esc(w('contact.sent_text'))}</p>"
    main += f'<p><a href="{attr(help_url(w.lang))}">{esc(w("feedback.back_home"))}</a></p>'
    return document(w, title=w("contact.sent_title"), main=main, page="contact")
