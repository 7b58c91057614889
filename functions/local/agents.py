"""The local stack's agents: a few seeded agents, each with its own development token.

The tokens are generated once per checkout and kept (owner-only) in ``<data dir>/agents.json``;
the stack passes them to the API as ``CASEBRIDGE_DEV_AGENTS``, so the API derives the agent's id
and roles from the token alone, and serves them to the agents' app (``functions.local.web``),
whose sign-in screen offers them. Several agents make assignment and hand-offs testable.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

# id (what the API records as the actor and the assignee), display name, roles (Cognito groups in AWS).
DEMO_AGENTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("alex.meyer@casebridge.local", "Alex Meyer", ("reviewers", "admins")),
    ("sam.garcia@casebridge.local", "Sam Garcia", ()),
    ("robin.novak@casebridge.local", "Robin Novak", ()),
    ("lea.berg@casebridge.local", "Lea Berg", ("reviewers", "admin")),
)


def load_agents(data_dir: Path) -> list[dict[str, Any]]:
    """The seeded agents with their tokens, creating tokens for agents that have none yet."""
    path = data_dir / "agents.json"
    known: dict[str, str] = {}
    if path.exists():
        try:
            known = {a["id"]: a["token"] for a in json.loads(path.read_text()) if a.get("id") and a.get("token")}
        except (ValueError, TypeError, KeyError):
            known = {}
    agents = [
        {"id": agent_id, "name": name, "roles": list(roles), "token": known.get(agent_id) or secrets.token_urlsafe(32)}
        for agent_id, name, roles in DEMO_AGENTS
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(json.dumps(agents, indent=2) + "\n")
    return agents
