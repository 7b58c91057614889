"""One log line per event: the app's logger has Powertools' JSON handler only."""

from __future__ import annotations

import logging


def test_the_app_logs_each_line_once_as_json():
    # Given the app loaded as Lambda loads it, and the structured logger in use
    from app import app  # noqa: F401
    from functions.core.logs import logger

    logger()
    # Then the "casebridge" logger has no handler but Powertools' (Chalice adds a plain one by
    # default, which printed every line a second time, without its fields)
    handlers = logging.getLogger("casebridge").handlers
    assert handlers
    assert {type(h.formatter).__name__ for h in handlers} == {"LambdaPowertoolsFormatter"}
