"""Problem rules without I/O or clock: the status lifecycle, who an actor is, routing rules, the
departments' escalation deadlines, which article a problem's fix goes to, which suggestions are
shown, and what a record of the table's stream is.
"""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from functions.cases.models import Actor, ActorType, Case, Priority
from functions.core.errors import InvalidInput, InvalidTransition
from functions.problems.models import (
    DepartmentCreate,
    DepartmentSuggestion,
    EscalationPolicy,
    Problem,
    ProblemSort,
    ProblemStatus,
    RoutingRule,
    SuggestedCase,
)

S = ProblemStatus

# -- lifecycle --------------------------------------------------------------------------------

TRANSITIONS: dict[S, frozenset[S]] = {
    S.CANDIDATE: frozenset({S.CONFIRMED, S.DISMISSED}),
    S.CONFIRMED: frozenset({S.ROOT_CAUSE_ANALYSIS, S.FIX_IN_PROGRESS, S.RESOLVED, S.DISMISSED}),
    S.ROOT_CAUSE_ANALYSIS: frozenset({S.CONFIRMED, S.FIX_IN_PROGRESS, S.RESOLVED}),
    S.FIX_IN_PROGRESS: frozenset({S.ROOT_CAUSE_ANALYSIS, S.RESOLVED}),
    S.RESOLVED: frozenset({S.FIX_IN_PROGRESS, S.CLOSED}),
    S.CLOSED: frozenset(),
    S.DISMISSED: frozenset({S.CANDIDATE}),
}
# Statuses in which the problem takes no more cases, merges or assignments.
FINAL = frozenset({S.CLOSED, S.DISMISSED})
# Assigning a department moves a problem this far (a candidate is confirmed on the way).
ASSIGN_PATH: dict[S, tuple[S, ...]] = {
    S.CANDIDATE: (S.CONFIRMED, S.ROOT_CAUSE_ANALYSIS),
    S.CONFIRMED: (S.ROOT_CAUSE_ANALYSIS,),
}
# A department records its fix on a problem in one of these (it moves to fix in progress).
FIX_FROM = frozenset({S.CONFIRMED, S.ROOT_CAUSE_ANALYSIS})
# Detection stops collecting cases for a problem that reaches one of these (confirmed and the
# analysis/fix statuses keep collecting).
CLOSING_STATUSES = frozenset({S.DISMISSED.value, S.RESOLVED.value, S.CLOSED.value})


def check_transition(from_: S, to: S) -> None:
    if to != from_ and to not in TRANSITIONS[from_]:
        raise InvalidTransition(from_.value, to.value, sorted(s.value for s in TRANSITIONS[from_]))


def status_updates(problem: Problem, to: S, now: datetime) -> dict[str, Any]:
    """The fields a move of ``problem`` to ``to`` at ``now`` changes (InvalidTransition if not allowed)."""
    check_transition(problem.status, to)
    updates: dict[str, Any] = {"status": to}
    if to == S.RESOLVED:
        updates["resolved_at"] = now
    elif to == S.CLOSED:
        updates["closed_at"] = now
    elif problem.status == S.RESOLVED:
        updates["resolved_at"] = None
    return updates


def status_target(current: S, asked: S | None, assigning: bool) -> S | None:
    """The status a change ends in: the one asked for, else (a new department assigned) the end
    of the assignment path, else none."""
    if asked is not None or not assigning:
        return asked
    path = ASSIGN_PATH.get(current, ())
    return path[-1] if path else None


def status_steps(current: S, target: S, assigning: bool) -> tuple[S, ...]:
    """The moves a change makes from ``current``: the whole assignment path when a department is
    assigned and ``target`` is on it (a candidate is confirmed on the way), else one move to ``target``."""
    path = ASSIGN_PATH.get(current, ()) if assigning else ()
    return path if target in path else (target,)


# -- actors -----------------------------------------------------------------------------------

SYSTEM = Actor(type=ActorType.SYSTEM, id="problems")
DETECTION = Actor(type=ActorType.SYSTEM, id="detection")
ESCALATION = Actor(type=ActorType.SYSTEM, id="escalation")


def as_actor(actor: Actor | str) -> Actor:
    """An Actor, or a plain id from another module ("department:finance" is a department, else system)."""
    if isinstance(actor, Actor):
        return actor
    kind, _, rest = actor.partition(":")
    if kind == "department" and rest:
        return Actor(type=ActorType.DEPARTMENT, id=rest[:128])
    return Actor(type=ActorType.SYSTEM, id=actor[:128] or "problems")


def author(actor: Actor) -> str:
    """How another domain names the actor ("department:finance", "agent:ann")."""
    return f"{actor.type.value}:{actor.id}"


def plain(value: Any) -> Any:
    """An enum's value, anything else as is (for a timeline event's changes)."""
    return value.value if hasattr(value, "value") else value


# -- routing rules ----------------------------------------------------------------------------
#
# A rule matches when every criterion it sets matches (a criterion lists alternatives):
# ``categories`` / ``products`` against the problem's own and its linked cases' values, and
# ``keywords`` as whole words (case-insensitive) in the problem's title and description.
# Rules are tried by ascending ``order``; the first match wins.

# department -> (categories, keywords). Each gives two default rules: by category (orders 10..50),
# then by keyword (orders 110..150), since a rule needs every criterion it sets.
_DEFAULTS: tuple[tuple[str, str, list[str], list[str]], ...] = (
    ("billing", "finance", ["billing", "invoice", "refund", "payment"], ["invoice", "charged", "refund", "billing"]),
    ("shipping", "fulfillment", ["shipping", "delivery", "order"], ["delivery", "shipment", "parcel", "tracking"]),
    ("hardware", "manufacturing", ["hardware", "defect"], ["broken", "defective", "batch", "cracked", "overheating"]),
    ("manual", "documentation", ["documentation", "how-to"], ["manual", "instructions", "documentation", "guide"]),
    ("software", "engineering", ["software", "technical", "app", "login"], ["app", "firmware", "crash", "login"]),
)
DEFAULT_RULES: tuple[dict[str, Any], ...] = tuple(
    rule
    for i, (name, dept, categories, keywords) in enumerate(_DEFAULTS)
    for rule in (
        {"rule_id": name, "order": 10 * (i + 1), "department_id": dept, "categories": categories},
        {"rule_id": f"{name}-words", "order": 100 + 10 * (i + 1), "department_id": dept, "keywords": keywords},
    )
)


def default_rules() -> list[RoutingRule]:
    """The rules in force until a deployment replaces them (version 0)."""
    return [RoutingRule.model_validate(r) for r in DEFAULT_RULES]


def ordered(rules: Iterable[RoutingRule]) -> list[RoutingRule]:
    return sorted(rules, key=lambda r: (r.order, r.rule_id))


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+(?:[-'][a-z0-9]+)*", text.lower()))


def rule_matches(rule: RoutingRule, categories: set[str], products: set[str], text: str) -> str | None:
    """Why the rule matches (a short reason), or None."""
    reasons: list[str] = []
    if rule.categories:
        hit = sorted(categories & {c.lower() for c in rule.categories})
        if not hit:
            return None
        reasons.append(f"category {hit[0]}")
    if rule.products:
        hit = sorted(products & {p.lower() for p in rule.products})
        if not hit:
            return None
        reasons.append(f"product {hit[0]}")
    if rule.keywords:
        words = _words(text)
        hit = [k for k in rule.keywords if _words(k) and _words(k) <= words]
        if not hit:
            return None
        reasons.append(f"keyword {hit[0]!r}")
    return ", ".join(reasons)


def suggest_department(
    problem: Problem, rules: Iterable[RoutingRule], cases: Iterable[Case] = ()
) -> DepartmentSuggestion | None:
    """The department of the first rule (by order) that matches the problem, with the rule and why."""
    categories: set[str] = set()
    products: set[str] = set()
    for value in (problem.category, *(c.category for c in cases)):
        if value:
            categories.add(value.lower())
    for value in (problem.product, *(c.product for c in cases)):
        if value:
            products.add(value.lower())
    text = f"{problem.title}\n{problem.description}"
    for rule in ordered(rules):
        reason = rule_matches(rule, categories, products, text)
        if reason is not None:
            return DepartmentSuggestion(department_id=rule.department_id, rule_id=rule.rule_id, reason=reason)
    return None


def rules_sending_to(department_id: str, rules: Iterable[RoutingRule]) -> list[str]:
    """The ids of the rules that send problems to this department (it cannot be removed while any do)."""
    return [r.rule_id for r in rules if r.department_id == department_id]


def unknown_departments(rules: Iterable[RoutingRule], known: set[str]) -> list[dict[str, str]]:
    """The fields of a rule set naming departments that do not exist (each rule's must)."""
    return [
        {"field": f"rules.{i}.department_id", "message": f"unknown department {r.department_id}", "type": "not_found"}
        for i, r in enumerate(rules)
        if r.department_id not in known
    ]


# -- departments ------------------------------------------------------------------------------

DEFAULT_DEPARTMENTS: tuple[dict[str, Any], ...] = (
    {"department_id": "finance", "name": "Finance", "description": "billing, invoices, refunds, payments"},
    {"department_id": "manufacturing", "name": "Manufacturing", "description": "defective units, bad batches"},
    {"department_id": "fulfillment", "name": "Fulfillment", "description": "shipping, delivery, returns logistics"},
    {"department_id": "documentation", "name": "Documentation", "description": "manuals, guides, unclear instructions"},
    {"department_id": "engineering", "name": "Engineering", "description": "software, firmware, apps, outages"},
)


def default_departments(mail_domain: str) -> list[DepartmentCreate]:
    """The departments a new deployment starts with, their contacts at ``mail_domain``."""
    return [
        DepartmentCreate(
            **spec,
            contact_email=f"{spec['department_id']}@{mail_domain}",
            manager_email=f"{spec['department_id']}-manager@{mail_domain}",
        )
        for spec in DEFAULT_DEPARTMENTS
    ]


# -- escalation deadlines ---------------------------------------------------------------------
#
# ``due_seconds_for`` is the one place that computes them. A department's own
# ``escalation_policy`` (hours by priority) wins; a department without one (``null``) gets the
# deployment's default policy, ``Settings.escalation_due_seconds`` ("priority=seconds,...").

DEFAULT_PRIORITY = "normal"


def parse_policy(policy: str) -> dict[str, int]:
    """The deployment's default policy: ``"urgent=14400,high=86400"`` -> {"urgent": 14400, "high": 86400}."""
    out: dict[str, int] = {}
    for part in policy.split(","):
        if not part.strip():
            continue
        name, _, value = part.partition("=")
        if not value.strip().isdigit() or int(value) < 1:
            raise ValueError(f"escalation due policy: {part!r} is not priority=seconds")
        out[name.strip().lower()] = int(value)
    return out


def due_seconds(priority: str | None, policy: str) -> int:
    """Seconds by priority under a default policy string (unknown priority: normal, else the longest)."""
    table = parse_policy(policy)
    key = (priority or DEFAULT_PRIORITY).lower()
    if key in table:
        return table[key]
    if DEFAULT_PRIORITY in table:
        return table[DEFAULT_PRIORITY]
    return max(table.values())


def due_seconds_for(department_policy: EscalationPolicy | None, priority: Priority | str | None, default: str) -> int:
    """How long a department has to answer an escalation of a problem of ``priority``: its own
    policy (hours by priority) if it sets one, else the deployment's default policy (seconds)."""
    key = plain(priority)
    if department_policy is not None and key is not None:
        try:
            return int(department_policy.hours_for(Priority(key))) * 3600
        except (KeyError, ValueError):
            pass
    return due_seconds(key, default)


# -- knowledge --------------------------------------------------------------------------------

# Linked cases whose timelines are read to find the article they produced or were helped by.
ARTICLE_SCAN_CASES = 100


def article_of_timelines(timelines: Iterable[Iterable[Any]]) -> str | None:
    """The article the cases' timelines point to most: one a case was drafted from counts twice,
    one that helped it once (events' ``data["knowledge"]``)."""
    votes: Counter[str] = Counter()
    for timeline in timelines:
        for event in timeline:
            ref = (event.data or {}).get("knowledge") or {}
            if ref.get("article_id"):
                votes[str(ref["article_id"])] += 2 if ref.get("relation") == "source" else 1
    return votes.most_common(1)[0][0] if votes else None


# -- suggested cases --------------------------------------------------------------------------


def open_suggestions(suggestions: Iterable[SuggestedCase], linked: Mapping[str, str]) -> list[SuggestedCase]:
    """The suggestions to show, most similar first: a case linked to any problem is left out (its
    link's stream record may not have removed the suggestion yet)."""
    return sorted((s for s in suggestions if s.case_id not in linked), key=lambda s: (-s.similarity, s.case_id))


# -- the table's stream -----------------------------------------------------------------------

ItemKind = Literal["case", "problem", "link", "escalation"]


def item_kind(item: Mapping[str, Any] | None) -> ItemKind | None:
    """What an item of the table is, by its keys (docs/data-model.md), for the items the problem
    stream reads: a case, a problem or a problem's case link."""
    if not item:
        return None
    pk, sk = str(item.get("PK", "")), str(item.get("SK", ""))
    if pk.startswith("CASE#") and sk == "#META":
        return "case"
    if pk.startswith("PROBLEM#") and sk == "#META":
        return "problem"
    if pk.startswith("PROBLEM#") and sk.startswith("LINK#"):
        return "link"
    if pk.startswith("PROBLEM#") and sk.startswith("ESCALATION#"):
        return "escalation"
    return None


# The escalation statuses the workflow writes that get a line on the problem's timeline: not
# ``awaiting_department`` (the "department assigned" line says it) nor ``cancelled`` (the problem's
# own change that stopped the escalation is on the timeline).
ESCALATION_TIMELINE_STATUSES = frozenset(
    {
        "escalated_to_manager",
        "escalated_to_service_owner",
        "unanswered",
        "rejected",
        "info_requested",
        "accepted",
        "fix_overdue",
        "fix_delivered",
        "failed",
    }
)


@dataclass(frozen=True)
class EscalationLine:
    """An escalation's new status, as the problem's timeline tells it."""

    problem_id: str
    escalation_id: str
    status: str
    at: str  # when the workflow wrote it (the item's updated_at)
    department: str | None = None
    failure: str | None = None  # the error that ended a failed escalation's workflow

    def body(self) -> str:
        to = f"escalation to {self.department}" if self.department else "escalation"
        if self.status == "failed":
            return f"{to} failed: {self.failure or 'unknown error'}"
        return f"{to}: {self.status.replace('_', ' ')}"


def escalation_line(new: Mapping[str, Any], old: Mapping[str, Any] | None) -> EscalationLine | None:
    """The timeline line for an escalation item's stream change (None: its status did not change to
    one the timeline tells)."""
    status = new.get("status")
    if status not in ESCALATION_TIMELINE_STATUSES or (old is not None and old.get("status") == status):
        return None
    return EscalationLine(
        problem_id=str(new.get("problem_id") or str(new.get("PK", "")).removeprefix("PROBLEM#")),
        escalation_id=str(new.get("escalation_id") or str(new.get("SK", "")).removeprefix("ESCALATION#")),
        status=str(status),
        at=str(new.get("updated_at") or ""),
        department=str(new["department"]) if new.get("department") else None,
        failure=str(new["failure"]) if new.get("failure") else None,
    )


def record_fields(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item's own fields, without the table's keys and type."""
    return {k: v for k, v in item.items() if not (k in ("PK", "SK", "type") or k.startswith("GSI"))}


# -- the problems' list: text and sort --------------------------------------------------------


def matches_text(problem: Problem, text: str) -> bool:
    """Every word of ``text`` occurs (any case) in the problem's title, description or number."""
    haystack = f"{problem.problem_id} {problem.title} {problem.description}".casefold()
    return all(word in haystack for word in text.casefold().split())


def search_problems(problems: Iterable[Problem], text: str | None, sort: ProblemSort) -> list[Problem]:
    """The problems matching ``text`` (all when None), in the list's order: ``updated`` and
    ``created`` newest first, ``linked_cases`` most cases first; ties by the newer change, then
    the number."""
    found = [p for p in problems if text is None or matches_text(p, text)]
    found.sort(key=lambda p: (p.updated_at, p.problem_id), reverse=True)
    if sort is ProblemSort.CREATED:
        found.sort(key=lambda p: p.created_at, reverse=True)
    elif sort is ProblemSort.LINKED_CASES:
        found.sort(key=lambda p: p.case_count, reverse=True)
    return found


def offset_cursor(offset: int) -> str:
    """The cursor of a searched or re-sorted list: how many of its problems came before."""
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


def cursor_offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        offset = data["offset"]
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidInput("cursor is not valid; use next_cursor from a previous page") from exc
    if not isinstance(offset, int) or offset < 0:
        raise InvalidInput("cursor is not valid; use next_cursor from a previous page")
    return offset
