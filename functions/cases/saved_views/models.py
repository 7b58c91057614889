"""Saved views of the queue: records and requests."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from functions.core.models import Model

Name = Annotated[str, Field(min_length=1, max_length=100)]
Query = Annotated[str, Field(max_length=2000)]
Visibility = Literal["personal", "shared"]


class SavedViewIn(Model):
    model_config = ConfigDict(extra="forbid")

    name: Name
    query: Query = Field(
        default="", description="the queue's URL query string (GET /cases parameters), e.g. status=new&priority=high"
    )
    visibility: Visibility = Field(default="personal", description="shared views are created and changed by admins")
    order: Annotated[int, Field(ge=0, le=10_000)] = Field(default=0, description="position in the list (ascending)")
    version: int | None = Field(default=None, ge=1, description="on PUT: the version you saw (or send If-Match)")


class SavedView(Model):
    view_id: str
    name: str
    query: str
    visibility: Visibility = "personal"
    owner: str
    order: int = 0
    created_at: datetime
    updated_at: datetime
    version: int = 1


class SavedViewList(Model):
    items: list[SavedView]
