"""An in-memory fake of the escalation store port (functions/problems/escalation/ports.py), with
the store's conditional writes: a task is stored once, its mail claimed once, its answer claimed
once (``AlreadyUsed``)."""

from __future__ import annotations

from typing import Any

from functions.core import errors
from functions.problems.escalation.models import AlreadyUsed, EscalationView, Task


class FakeEscalationStore:
    def __init__(self) -> None:
        self.tasks: dict[str, Task] = {}
        self.expires: dict[str, int] = {}
        self.mailed: dict[str, str] = {}  # task id -> when its mail was claimed
        self.views: dict[tuple[str, str], EscalationView] = {}

    def put_task(self, task: Task, *, expires_at: int) -> Task:
        if task.task_id in self.tasks:
            return self.tasks[task.task_id]
        self.tasks[task.task_id] = task
        self.expires[task.task_id] = expires_at
        return task

    def claim_mail(self, task_id: str, now: str) -> bool:
        if task_id not in self.tasks or task_id in self.mailed:
            return False
        self.mailed[task_id] = now
        return True

    def release_mail(self, task_id: str) -> None:
        self.mailed.pop(task_id, None)

    def task(self, task_id: str) -> Task:
        if task_id not in self.tasks:
            raise errors.NotFound("escalation task", task_id)
        return self.tasks[task_id]

    def claim(self, task_id: str, nonce: str, action: str, now: str) -> None:
        task = self.tasks.get(task_id)
        if task is None or task.used_nonce:
            raise AlreadyUsed("this link was already used; the request has been answered")
        self.tasks[task_id] = task.model_copy(update={"used_nonce": nonce, "used_action": action})

    def release(self, task_id: str, nonce: str) -> None:
        task = self.tasks.get(task_id)
        if task is not None and task.used_nonce == nonce:
            self.tasks[task_id] = task.model_copy(update={"used_nonce": None, "used_action": None})

    def _view(self, problem_id: str, escalation_id: str) -> EscalationView:
        return self.views.get(
            (problem_id, escalation_id), EscalationView(problem_id=problem_id, escalation_id=escalation_id)
        )

    def set_current_task(self, problem_id: str, escalation_id: str, task: Task, department: str, now: str) -> None:
        update: dict[str, Any] = {
            "current_task_id": task.task_id,
            "current_task_kind": task.kind.value,
            "level": task.level.value if task.level else None,
            "department": department,
        }
        self.views[(problem_id, escalation_id)] = self._view(problem_id, escalation_id).model_copy(update=update)

    def mark_resolved(self, problem_id: str, escalation_id: str, now: str) -> None:
        view = self._view(problem_id, escalation_id)
        self.views[(problem_id, escalation_id)] = view.model_copy(update={"resolved": True})

    def mark_cancelled(self, problem_id: str, escalation_id: str, reason: str, now: str) -> None:
        view = self._view(problem_id, escalation_id)
        update = {"status": "cancelled", "reason": reason, "current_task_id": None, "current_task_kind": None}
        self.views[(problem_id, escalation_id)] = view.model_copy(update=update)

    def escalation(self, problem_id: str, escalation_id: str) -> EscalationView:
        if (problem_id, escalation_id) not in self.views:
            raise errors.NotFound("escalation", escalation_id)
        return self.views[(problem_id, escalation_id)]

    def escalations(self, problem_id: str) -> list[EscalationView]:
        return [v for (pid, _), v in sorted(self.views.items()) if pid == problem_id]
