"""Pure rules of live updates: which hint a table change is worth, who is still viewing a case."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from functions.live.models import Viewer, Watch

Hint = dict[str, Any]


def hint_for(event: str, new: Mapping[str, Any] | None, old: Mapping[str, Any] | None) -> Hint | None:
    """The hint one stream record is worth: a case, a problem, a chat turn written, a customer typing
    in a chat (the agents' console reads the session, whose ``customer_typing`` says it); else None.

    Hints carry ids and versions, never content: a client reads the change through the REST API."""
    item = new if event != "REMOVE" and new is not None else old
    if not item:
        return None
    kind, sk = item.get("type"), item.get("SK")
    if kind == "case" and sk == "#META":
        return {
            "type": "case_changed",
            "case_id": item.get("case_id"),
            "version": item.get("version"),
            "updated_at": item.get("updated_at"),
            "removed": event == "REMOVE",
        }
    if kind == "problem" and sk == "#META":
        return {"type": "problem_changed", "problem_id": item.get("problem_id"), "version": item.get("version")}
    if kind == "chat_message" and event == "INSERT":
        return {"type": "chat_message", "session_id": item.get("session_id"), "seq": item.get("seq")}
    if kind == "chat_session" and event == "MODIFY" and new and old:
        if new.get("customer_typing_at") and new.get("customer_typing_at") != old.get("customer_typing_at"):
            return {"type": "chat_typing", "session_id": item.get("session_id"), "role": "customer"}
    return None


def hints_for(changes: Iterable[tuple[str, Mapping[str, Any] | None, Mapping[str, Any] | None]]) -> list[Hint]:
    """The hints of a batch, one per thing changed (the last version of a case written twice)."""
    out: dict[tuple[str, str], Hint] = {}
    for event, new, old in changes:
        hint = hint_for(event, new, old)
        if hint is None:
            continue
        ident = hint.get("case_id") or hint.get("problem_id") or f"{hint.get('session_id')}#{hint.get('seq')}"
        out.pop((hint["type"], str(ident)), None)
        out[(hint["type"], str(ident))] = hint
    return list(out.values())


def current_viewers(watches: Iterable[Watch], now: datetime, ttl: timedelta) -> list[Viewer]:
    """The agents viewing a case: watches refreshed within ``ttl``, one per agent (typing if any of
    their connections is), in name order. A watch not refreshed in time has expired (a closed tab
    whose disconnect never arrived)."""
    by_agent: dict[str, Viewer] = {}
    for w in watches:
        if now - w.seen_at > ttl:
            continue
        seen = by_agent.get(w.agent_id)
        composing = w.composing and now - w.seen_at <= ttl
        if seen is None:
            by_agent[w.agent_id] = Viewer(agent_id=w.agent_id, name=w.name, composing=composing, seen_at=w.seen_at)
        else:
            seen.composing = seen.composing or composing
            seen.seen_at = max(seen.seen_at or w.seen_at, w.seen_at)
    return sorted(by_agent.values(), key=lambda v: (v.name.lower(), v.agent_id))


def presence_hint(case_id: str, viewers: list[Viewer]) -> Hint:
    return {
        "type": "presence",
        "case_id": case_id,
        "viewers": [{"agent_id": v.agent_id, "name": v.name, "composing": v.composing} for v in viewers],
    }
