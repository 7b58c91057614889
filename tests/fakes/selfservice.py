"""In-memory self-service stores (functions/selfservice/ports.py), behaving as the DynamoDB ones
(functions/selfservice/store.py): the fix catalogue (``Duplicate`` on a known id, versions checked
on save, ``NotFound`` on deleting an unknown fix, pages by fix id), public answers, and deflection
events (kept with their source and time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from functions.core.dynamo import decode_cursor, encode_cursor
from functions.core.errors import Duplicate, NotFound, VersionConflict
from functions.selfservice.models import DeflectionEvent, Fix, FixPage, PublicAnswer


class FakeFixStore:
    def __init__(self) -> None:
        self.fixes: dict[str, Fix] = {}

    def get(self, fix_id: str) -> Fix:
        found = self.fixes.get(fix_id)
        if found is None:
            raise NotFound("fix", fix_id)
        return found.model_copy(deep=True)

    def list_fixes(self, limit: int = 100, cursor: str | None = None) -> FixPage:
        start = decode_cursor(cursor)
        after = str(start.get("after", "")) if start else ""
        ids = sorted(i for i in self.fixes if i > after)
        page = ids[:limit]
        next_cursor = encode_cursor({"after": page[-1]}) if len(ids) > limit and page else None
        return FixPage(items=[self.get(i) for i in page], next_cursor=next_cursor)

    def create(self, fix: Fix) -> None:
        if fix.fix_id in self.fixes:
            raise Duplicate(f"fix {fix.fix_id} already exists")
        self.fixes[fix.fix_id] = fix.model_copy(deep=True)

    def save(self, fix: Fix, expected_version: int) -> None:
        current = self.fixes.get(fix.fix_id)
        if current is None or current.version != expected_version:
            raise VersionConflict("fix", fix.fix_id, expected_version, current.version if current else None)
        self.fixes[fix.fix_id] = fix.model_copy(deep=True)

    def delete(self, fix_id: str) -> None:
        if self.fixes.pop(fix_id, None) is None:
            raise NotFound("fix", fix_id)


class FakeAnswerStore:
    def __init__(self) -> None:
        self.answers: dict[str, PublicAnswer] = {}

    def get(self, answer_id: str) -> PublicAnswer:
        found = self.answers.get(answer_id)
        if found is None:
            raise NotFound("answer", answer_id)
        return found.model_copy(deep=True)

    def put(self, answer: PublicAnswer) -> None:
        self.answers[answer.answer_id] = answer.model_copy(deep=True)

    def delete(self, answer_id: str) -> bool:
        return self.answers.pop(answer_id, None) is not None


@dataclass(frozen=True)
class RecordedEvent:
    event: DeflectionEvent
    received_at: datetime
    source: str


class FakeEventStore:
    def __init__(self) -> None:
        self.recorded: list[RecordedEvent] = []

    def record(self, events: list[DeflectionEvent], received_at: datetime, source: str) -> int:
        self.recorded += [RecordedEvent(e.model_copy(deep=True), received_at, source) for e in events]
        return len(events)

    def session(self, session_id: str, limit: int = 500) -> list[dict[str, Any]]:
        """As the table holds them: the event's fields, ``event`` for its type, when and from where."""
        out = []
        for r in self.recorded:
            if r.event.session_id == session_id:
                data = r.event.model_dump(mode="json", exclude_none=True)
                data["event"] = data.pop("type")
                out.append({**data, "received_at": r.received_at.isoformat(), "source": r.source})
        return out[:limit]
