"""What a case becomes as an article draft. Pure: no I/O, no clock.

The case's texts are split into KCS fields (agents' notes labelled ``Cause:``, ``Workaround:``,
``Fix:``; the description or first message as symptoms; the last agent reply as the resolution),
quoted history is cut, and every field is scrubbed (functions.knowledge.scrub) with what the case
knows about its people (``known_pii``).
"""

from __future__ import annotations

import re
from collections import Counter

from functions.cases.models import ActorType, CaseView, EventKind
from functions.customers.models import Customer
from functions.knowledge.models import ArticleContent, DraftFromCaseIn, Environment
from functions.knowledge.scrub import KnownPII, Scrubber

_LABELS = {
    "cause": re.compile(r"^\s*(?:root\s*cause|cause|ursache)\s*:\s*", re.I),
    "workaround": re.compile(r"^\s*(?:workaround|work-around|temporary fix)\s*:\s*", re.I),
    "resolution": re.compile(r"^\s*(?:resolution|fix|solution|solved by|lösung)\s*:\s*", re.I),
}
_QUOTE_START = re.compile(
    r"^(?:On .{0,200} wrote:|-{2,}\s*Original Message\s*-{2,}|Am .{0,200} schrieb .{0,200}:)\s*$", re.I
)


def strip_quoted(text: str) -> str:
    """The new part of a reply: without '>' lines and what follows 'On ... wrote:'."""
    out: list[str] = []
    for line in (text or "").splitlines():
        if _QUOTE_START.match(line.strip()):
            break
        if line.lstrip().startswith(">"):
            continue
        out.append(line)
    return "\n".join(out).strip()


def split_notes(notes: list[str]) -> dict[str, list[str]]:
    """Agents' notes by KCS field: 'Cause: ...', 'Workaround: ...', 'Fix: ...'; the rest under 'other'."""
    parts: dict[str, list[str]] = {"cause": [], "workaround": [], "resolution": [], "other": []}
    for note in notes:
        current = "other"
        buffer: list[str] = []
        for line in note.splitlines():
            label = next((k for k, rx in _LABELS.items() if rx.match(line)), None)
            if label is not None:
                if buffer and "\n".join(buffer).strip():
                    parts[current].append("\n".join(buffer).strip())
                current, buffer = label, [_LABELS[label].sub("", line, count=1)]
            else:
                buffer.append(line)
        if buffer and "\n".join(buffer).strip():
            parts[current].append("\n".join(buffer).strip())
    return parts


def names_from_address(email: str) -> tuple[list[str], str | None]:
    """'anna.schmidt@nordwerk.example' -> (['anna schmidt'], 'nordwerk'); public mail domains name nobody."""
    from functions.core.validators import PUBLIC_MAIL_DOMAINS  # noqa: PLC0415

    local, _, domain = email.lower().rpartition("@")
    parts = [p for p in re.split(r"[._-]+", local) if p]
    names = [" ".join(parts)] if 2 <= len(parts) <= 3 and all(p.isalpha() and len(p) >= 2 for p in parts) else []
    label = domain.split(".")[0] if domain and domain not in PUBLIC_MAIL_DOMAINS else ""
    return names, (label if len(label) >= 4 else None)


def known_pii(view: CaseView, customer: Customer | None = None) -> KnownPII:
    """Everything the case knows about the people in it."""
    names = [view.contact_name or ""]
    emails = [view.contact_email or ""]
    phones = [view.contact_phone or ""]
    for event in view.timeline:
        if event.actor.type == ActorType.AGENT:
            names += [event.actor.name or "", event.actor.id or ""]
        elif event.actor.type == ActorType.CUSTOMER:
            names.append(event.actor.name or "")
        if event.message is not None:
            names.append(event.message.from_name or "")
            emails += [event.message.from_address or "", *event.message.to, *event.message.cc]
    handoff = view.context.handoff
    if handoff is not None:
        names.append(handoff.customer.name or "")
        emails.append(handoff.customer.email or "")
        phones.append(handoff.customer.phone or "")
    organisations = [view.customer_id or ""]
    if customer is not None:
        organisations.append(customer.name or "")
        for contact in customer.contacts:
            names.append(contact.name or "")
            emails.append(contact.email or "")
            phones.append(contact.phone or "")
    support = {e.lower() for e in emails if e and e.lower().startswith(("support@", "noreply@", "no-reply@"))}
    for email in (e for e in emails if e and e.lower() not in support):
        names_, organisation = names_from_address(email)
        names += names_
        organisations.append(organisation or "")
    return KnownPII(
        names=tuple(n for n in names if n),
        emails=tuple(e for e in emails if e and e.lower() not in support),
        phones=tuple(p for p in phones if p),
        organisations=tuple(o for o in organisations if o),
    )


def last_agent_reply(view: CaseView) -> str:
    """The new part of the last agent reply on the case ('' when there is none)."""
    replies = [
        e
        for e in view.timeline
        if e.kind == EventKind.MESSAGE_OUT and e.actor.type == ActorType.AGENT and (e.body or e.message)
    ]
    if not replies:
        return ""
    last = replies[-1]
    return strip_quoted(last.body or (last.message.body_text if last.message else ""))


def draft_content(view: CaseView, options: DraftFromCaseIn, scrubber: Scrubber) -> tuple[ArticleContent, Counter[str]]:
    """The article a case suggests, every field scrubbed; with what was removed, by kind."""
    removed: Counter[str] = Counter()

    def clean(text: str | None) -> str:
        result = scrubber.scrub(text or "")
        removed.update(result.removed)
        return result.text.strip()

    agent_notes = [
        e.body or ""
        for e in view.timeline
        if e.kind == EventKind.NOTE and e.actor.type == ActorType.AGENT and not (e.data or {}).get("knowledge")
    ]
    last_reply = last_agent_reply(view)
    notes = split_notes(agent_notes)
    first_in = next((e for e in view.timeline if e.kind == EventKind.MESSAGE_IN and e.body), None)
    symptoms = view.description or (strip_quoted(first_in.body or "") if first_in else "")
    resolution_parts = notes["resolution"] or ([last_reply] if last_reply else [])
    if notes["resolution"] and last_reply:
        resolution_parts.append(f"Reply to the customer:\n{last_reply}")
    if notes["other"]:
        resolution_parts.append("Notes from the case:\n" + "\n".join(f"- {n}" for n in notes["other"]))
    keywords = [clean(k) for k in [*options.keywords, *(view.tags or []), view.category or ""] if k]
    content = ArticleContent(
        title=(clean(options.title or view.subject) or "Untitled")[:200],
        symptoms=clean(symptoms)[:20_000],
        environment=Environment(product=view.product, model=view.model),
        cause=clean("\n\n".join(notes["cause"]))[:20_000],
        resolution=clean("\n\n".join(resolution_parts))[:20_000],
        workaround=clean("\n\n".join(notes["workaround"]))[:20_000],
        keywords=[k[:60] for k in dict.fromkeys(keywords) if k][:30],
        visibility=options.visibility,
    )
    return content, removed
