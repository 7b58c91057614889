"""Base class for the domain's pydantic models.

``defer_build=True``: pydantic builds a model's validator and serializer on its first use
instead of at class creation. A Lambda container serves a handful of routes, so most
models of the app are never built in it; building them all at import cost about 25 ms of
every cold start (see bench/cold_start.py). Behaviour is unchanged: the first
``model_validate`` / ``model_dump`` / ``model_json_schema`` builds the model.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    model_config = ConfigDict(defer_build=True)
