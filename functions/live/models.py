"""Live updates: the hints the server sends and the messages clients send, the viewers of a case."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from functions.core.models import Model

CaseId = Annotated[str, Field(min_length=1, max_length=64)]


class Viewer(Model):
    agent_id: str
    name: str
    composing: bool = False
    seen_at: datetime | None = None


class ViewerList(Model):
    """Who has the case open (presence), for clients whose socket is down."""

    case_id: str
    viewers: list[Viewer]


class Watch(Model):
    """One connection watching one case (a table item, refreshed by the client's heartbeat)."""

    case_id: str
    connection_id: str
    agent_id: str
    name: str
    composing: bool = False
    seen_at: datetime


class Connection(Model):
    connection_id: str
    agent_id: str
    name: str
    connected_at: datetime
    watching: str | None = None


class ClientMessage(Model):
    """What a client sends: watch a case (again every ~30 s: the heartbeat), stop, or say it is typing."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["watch", "unwatch", "composing", "ping"]
    case_id: CaseId | None = None
    composing: bool = False


class AgentIdentity(Model):
    agent_id: str
    name: str
