"""Pure rules of the actions on many cases: what a bulk change still does to one case as it is
now, and how a selection is cut into chunks."""

from __future__ import annotations

from functions.cases import rules as case_rules
from functions.cases.actions.models import BulkUpdate
from functions.cases.models import Case, CaseUpdate


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
