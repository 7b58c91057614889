"""In-memory fakes of the triage domain's ports."""

from __future__ import annotations


class InMemoryModelStore:
    """``ModelStore``: every saved version kept, the last one current."""

    def __init__(self) -> None:
        self.versions: dict[str, bytes] = {}
        self.meta: dict[str, dict[str, object]] = {}
        self.pointer: str | None = None

    def save(self, version: str, data: bytes, meta: dict[str, object]) -> None:
        if version in self.versions:
            raise ValueError(f"version {version} exists")
        self.versions[version] = data
        self.meta[version] = meta
        self.pointer = version

    def current(self) -> tuple[str, bytes] | None:
        if self.pointer is None:
            return None
        return self.pointer, self.versions[self.pointer]


# A tiny data set the fake embedder and TF-IDF tell apart: (text, category, priority, department).
TINY = [
    *[
        (f"my card was stolen yesterday {w}", "lost_card", "urgent", "cards")
        for w in ("help", "please", "now", "today", "quick")
    ],
    *[
        (f"card lost in the street {w}", "lost_card", "urgent", "cards")
        for w in ("help", "please", "now", "today", "again")
    ],
    *[
        (f"the wifi router drops every hour {w}", "network", "normal", "tech")
        for w in ("help", "please", "now", "today", "quick")
    ],
    *[
        (f"internet connection keeps failing {w}", "network", "normal", "tech")
        for w in ("help", "please", "now", "today", "again")
    ],
    *[
        (f"invoice shows a wrong amount {w}", "billing", "low", "finance")
        for w in ("help", "please", "now", "today", "quick")
    ],
    *[
        (f"charged twice on my bill {w}", "billing", "low", "finance")
        for w in ("help", "please", "now", "today", "again")
    ],
]
