"""Canned replies (macros): records, requests and the rendered preview."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from functions.cases.models import CaseStatus, Priority
from functions.core.models import Model
from functions.core.validators import Code

Title = Annotated[str, Field(min_length=1, max_length=200)]
Body = Annotated[str, Field(min_length=1, max_length=20_000)]
Language = Annotated[str, Field(min_length=2, max_length=16, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
Visibility = Literal["personal", "shared"]


class MacroActions(Model):
    """What applying the macro also does to the case (the app applies them with the reply)."""

    model_config = ConfigDict(extra="forbid")

    status: CaseStatus | None = None
    priority: Priority | None = None
    add_tags: Annotated[list[Code], Field(max_length=20)] = Field(default_factory=list)


class MacroText(Model):
    model_config = ConfigDict(extra="forbid")

    title: Title | None = Field(default=None, description="default: the macro's title")
    body: Body


class MacroIn(Model):
    model_config = ConfigDict(extra="forbid")

    title: Title
    body: Body = Field(description="text with placeholders: {{customer.name}}, {{case.id}}, {{agent.name}}, ...")
    translations: Annotated[dict[Language, MacroText], Field(max_length=30)] = Field(
        default_factory=dict, description="language (as on the case, e.g. de, fr-CH) -> title and body"
    )
    actions: MacroActions = Field(default_factory=MacroActions)
    visibility: Visibility = Field(default="personal", description="shared macros are created and changed by admins")
    version: int | None = Field(default=None, ge=1, description="on PUT: the version you saw (or send If-Match)")


class Macro(Model):
    macro_id: str
    title: str
    body: str
    translations: dict[str, MacroText] = Field(default_factory=dict)
    actions: MacroActions = Field(default_factory=MacroActions)
    visibility: Visibility = "personal"
    owner: str = Field(description="the agent who created it")
    created_at: datetime
    updated_at: datetime
    version: int = 1


class MacroList(Model):
    items: list[Macro]


class MacroPreview(Model):
    macro_id: str
    case_id: str
    language: str | None = Field(description="the translation used (None: the macro's own text)")
    title: str
    body: str = Field(description="the rendered body, for the composer; sending stays POST /cases/{id}/replies")
    missing: list[str] = Field(
        default_factory=list, description="placeholders left as written: no value for this case, or unknown"
    )
    actions: MacroActions
