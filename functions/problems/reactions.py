"""Detection's reaction to a problem's status change (wired in ``functions.composition``).

A dismissed, resolved or closed (incl. merged-away) problem's candidate stops collecting cases,
and its open suggestions go. Every reaction is ``fn(problem_id, old_status, new_status)`` and
must be idempotent: the stream redelivers a batch whose reactions failed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from functions.core.logs import logger

if TYPE_CHECKING:
    from functions.problems.detection.service import DetectionService

# Detection stops collecting for these (confirmed and the analysis/fix states keep collecting).
CLOSING_STATUSES = frozenset({"dismissed", "resolved", "closed"})


class SuggestionClearer(Protocol):
    def clear(self, problem_id: str) -> int: ...


def detection_reaction(
    detection: Callable[[], DetectionService], suggestions: SuggestionClearer
) -> Callable[[str, str | None, str], None]:
    """``detection`` gives the detection service to close the candidate in (inside a stream batch,
    the batch's own, whose state is loaded once and saved once)."""

    def close_detection(problem_id: str, old_status: str | None, new_status: str) -> None:
        if new_status not in CLOSING_STATUSES or old_status == new_status:
            return
        closed = detection().close(problem_id)
        removed = suggestions.clear(problem_id)
        logger().info(
            "detection closed for problem",
            extra={"problem_id": problem_id, "status": new_status, "candidate_closed": closed, "suggestions": removed},
        )

    return close_detection
