"""An in-memory fake of the ``Records`` port (functions/core/records.py), with the same conditions."""

from __future__ import annotations

from pydantic import BaseModel

from functions.core.errors import Duplicate, NotFound, VersionConflict


class InMemoryRecords[M: BaseModel]:
    def __init__(self, kind: str, id_field: str) -> None:
        self.kind, self.id_field = kind, id_field
        self.items: dict[str, M] = {}

    def _name(self) -> str:
        return self.kind.replace("_", " ")

    def get(self, ident: str) -> M:
        if ident not in self.items:
            raise NotFound(self._name(), ident)
        return self.items[ident].model_copy(deep=True)

    def list(self) -> list[M]:
        return [self.items[k].model_copy(deep=True) for k in sorted(self.items)]

    def create(self, record: M) -> M:
        ident = str(getattr(record, self.id_field))
        if ident in self.items:
            raise Duplicate(f"{self._name()} {ident} already exists")
        self.items[ident] = record.model_copy(deep=True)
        return record

    def replace(self, record: M, expected: int | None) -> M:
        ident = str(getattr(record, self.id_field))
        current = self.get(ident)
        if expected is not None and current.version != expected:  # type: ignore[attr-defined]
            raise VersionConflict(self._name(), ident, expected, current.version)  # type: ignore[attr-defined]
        self.items[ident] = record.model_copy(deep=True)
        return record

    def delete(self, ident: str, expected: int | None = None) -> None:
        current = self.get(ident)
        if expected is not None and current.version != expected:  # type: ignore[attr-defined]
            raise VersionConflict(self._name(), ident, expected, current.version)  # type: ignore[attr-defined]
        del self.items[ident]
