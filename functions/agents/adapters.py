"""Who the agents are: the Cognito user pool in AWS, the seeded development agents locally."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from functions.agents.models import DirectoryEntry


class SeededDirectory:
    """The local stack's seeded agents (``Settings.dev_agents``: id, name, roles)."""

    def __init__(self, agents: list[tuple[str, str, list[str]]]) -> None:
        self._entries = [
            DirectoryEntry(agent_id=i, name=name or i, email=i if "@" in i else None, roles=sorted(roles))
            for i, name, roles in agents
        ]

    def agents(self) -> list[DirectoryEntry]:
        return [e.model_copy() for e in self._entries]


class CognitoDirectory:
    """The user pool's enabled users, their Cognito groups as roles, read again after ``ttl_seconds``.

    Reads the users once (ListUsers, 60 a page) and each group's members once (ListGroups,
    ListUsersInGroup): a handful of calls for a desk, where asking each user's groups
    (AdminListGroupsForUser) would be one call per agent. The agent's id is what the API records
    from the ID token: the email, else the user name (functions.core.http.authenticate_agent)."""

    def __init__(
        self,
        client: Callable[[], Any],
        user_pool_id: str,
        ttl_seconds: float = 60.0,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client, self.user_pool_id, self.ttl, self._now = client, user_pool_id, ttl_seconds, now
        self._cached: tuple[float, list[DirectoryEntry]] | None = None

    def agents(self) -> list[DirectoryEntry]:
        if self._cached is None or self._now() - self._cached[0] > self.ttl:
            self._cached = (self._now(), self._read())
        return [e.model_copy() for e in self._cached[1]]

    def _pages(self, method: str, key: str, token_name: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
        client = self._client()
        token: str | None = None
        while True:
            resp = getattr(client, method)(
                UserPoolId=self.user_pool_id, **kwargs, **({token_name: token} if token else {})
            )
            yield from resp.get(key, [])
            token = resp.get(token_name)
            if not token:
                return

    def _read(self) -> list[DirectoryEntry]:
        roles: dict[str, set[str]] = {}
        for group in self._pages("list_groups", "Groups", "NextToken", Limit=60):
            for user in self._pages(
                "list_users_in_group", "Users", "NextToken", GroupName=group["GroupName"], Limit=60
            ):
                roles.setdefault(user["Username"], set()).add(group["GroupName"])
        entries = []
        for user in self._pages("list_users", "Users", "PaginationToken", Limit=60):
            if not user.get("Enabled", True):
                continue
            attrs = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
            email = attrs.get("email")
            name = attrs.get("name") or " ".join(p for p in (attrs.get("given_name"), attrs.get("family_name")) if p)
            entries.append(
                DirectoryEntry(
                    agent_id=email or user["Username"],
                    name=name or email or user["Username"],
                    email=email,
                    roles=sorted(roles.get(user["Username"], set())),
                )
            )
        return sorted(entries, key=lambda e: (e.name.lower(), e.agent_id))
