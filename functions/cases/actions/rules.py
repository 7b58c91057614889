"""Pure rules of the actions on many cases: what a bulk change still does to one case as it is
now, and how a selection is cut into chunks."""

from __future__ import annotations

from functions.cases import rules as case_rules
from functions.cases.actions.models import BulkUpdate
from functions.cases.models import Case, CaseStatus, CaseUpdate, EventKind, TimelineEvent
from functions.core.errors import Conflict, InvalidInput


def change_for(case: Case, update: BulkUpdate) -> CaseUpdate | None:
    """The case update that brings ``case`` (as read now) where the bulk change asks, with the
    case's version as the expected one; None when it already is there. A status the case cannot
    move to from where it is now raises ``InvalidTransition`` (the change no longer applies: it is
    reported, not forced). Tags are added and removed on the case's current tags, so a tag an agent
    set meanwhile stays."""
    fields: dict[str, object] = {}
    if update.status is not None and update.status != case.status:
        case_rules.check_transition(case.status, update.status)
        fields["status"] = update.status
    if update.priority is not None and update.priority != case.priority:
        fields["priority"] = update.priority
    if update.unassign and case.assignee is not None:
        fields["unassign"] = True
    elif update.assignee is not None and update.assignee != case.assignee:
        fields["assignee"] = update.assignee
    if update.add_tags or update.remove_tags:
        removed = set(update.remove_tags)
        tags = [t for t in case.tags if t not in removed]
        tags += [t for t in dict.fromkeys(update.add_tags) if t not in tags]
        if tags != case.tags:
            fields["tags"] = tags
    if not fields:
        return None
    return CaseUpdate.model_validate({**fields, "version": case.version, "comment": update.comment})


def chunks(case_ids: list[str], size: int) -> list[list[str]]:
    """The ids, each once in the order first given, in chunks of ``size``."""
    unique = list(dict.fromkeys(case_ids))
    return [unique[i : i + size] for i in range(0, len(unique), size)]


# -- merge and split ------------------------------------------------------------------------------

# The timeline events that are interactions (what a customer or an agent said): they move in a
# split; a merge carries the whole timeline.
INTERACTIONS = frozenset(
    {
        EventKind.MESSAGE_IN,
        EventKind.MESSAGE_OUT,
        EventKind.NOTE,
        EventKind.CHAT_TRANSCRIPT,
        EventKind.AUTO_REPLY,
        EventKind.HANDOFF,
        EventKind.DELIVERY_FAILED,
    }
)


def check_merge(source: Case, target: Case, confirm_other_customer: bool) -> None:
    if source.case_id == target.case_id:
        raise InvalidInput("a case cannot be merged into itself", fields=[_field("into", "the case itself")])
    if source.merged_into:
        raise Conflict(f"case {source.case_id} was merged into {source.merged_into} already")
    if target.merged_into:
        raise Conflict(f"case {target.case_id} was merged into {target.merged_into}; merge into that one")
    if target.status is CaseStatus.CLOSED:
        raise Conflict(f"case {target.case_id} is closed; a merge goes into a case that is still worked on")
    if source.customer_id != target.customer_id and not confirm_other_customer:
        raise Conflict(
            f"cases {source.case_id} and {target.case_id} belong to different customers; "
            "send confirm_other_customer: true to merge them all the same",
            fields=[_field("confirm_other_customer", "required for cases of different customers")],
        )


def merged_tags(target: Case, source: Case) -> list[str]:
    return target.tags + [t for t in source.tags if t not in target.tags]


def moved(event: TimelineEvent, case_id: str, from_case: str) -> TimelineEvent:
    """The event as it appears on ``case_id``'s timeline (same id: it sorts where it happened)."""
    return event.model_copy(update={"case_id": case_id, "moved_from": event.moved_from or from_case})


def check_split(case: Case, timeline: list[TimelineEvent], event_ids: list[str]) -> list[TimelineEvent]:
    """The events to split off, in timeline order; InvalidInput naming unknown ids and events that
    are not interactions; Conflict for a merged case."""
    if case.merged_into:
        raise Conflict(f"case {case.case_id} was merged into {case.merged_into}; split that one")
    by_id = {e.event_id: e for e in timeline}
    unknown = [i for i in dict.fromkeys(event_ids) if i not in by_id]
    if unknown:
        raise InvalidInput(
            f"not on case {case.case_id}'s timeline: {', '.join(unknown)}",
            fields=[_field("event_ids", f"unknown: {i}") for i in unknown],
        )
    wanted = set(event_ids)
    chosen = [e for e in timeline if e.event_id in wanted]
    not_moving = [e.event_id for e in chosen if e.kind not in INTERACTIONS]
    if not_moving:
        raise InvalidInput(
            "only interactions (messages, notes, transcripts) are split off",
            fields=[_field("event_ids", f"not an interaction: {i}") for i in not_moving],
        )
    return chosen


def pointer_keys(event: TimelineEvent) -> list[str]:
    """The message ids an event's message is known by (its pointers: a reply to any threads)."""
    if event.message is None:
        return []
    keys = [event.message.message_id] if event.message.message_id else []
    extra = event.message.meta.get("extra_message_ids") or []
    keys += [k for k in extra if isinstance(k, str)]
    return list(dict.fromkeys(keys))


def _field(name: str, message: str) -> dict[str, str]:
    return {"field": name, "message": message, "type": "value_error"}
