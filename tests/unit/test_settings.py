"""Settings come from CASEBRIDGE_* environment variables, validated."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from functions.core.settings import Settings


def test_prefixed_variables_are_read_and_typed():
    s = Settings.from_env(
        {
            "CASEBRIDGE_STAGE": "prod",
            "CASEBRIDGE_MAX_ATTACHMENT_BYTES": "1024",
            "CASEBRIDGE_EMAIL_ACKNOWLEDGEMENTS": "false",
        }
    )
    assert (s.stage, s.max_attachment_bytes, s.email_acknowledgements) == ("prod", 1024, False)
    assert s.table_name == "casebridge-prod-main"


def test_region_comes_from_aws_region_and_unknown_variables_are_ignored():
    s = Settings.from_env({"AWS_REGION": "eu-west-1", "CASEBRIDGE_NO_SUCH_SETTING": "x", "PATH": "/bin"})
    assert s.region == "eu-west-1"


def test_secrets_are_not_shown_in_reprs():
    s = Settings.from_env({"CASEBRIDGE_SIGNING_SECRET": "hunter2-very-secret"})
    assert "hunter2" not in repr(s) and s.signing_secret.get_secret_value() == "hunter2-very-secret"


def test_a_malformed_value_names_the_setting():
    with pytest.raises(ValidationError) as exc:
        Settings.from_env({"CASEBRIDGE_AUTO_CLOSE_RESOLVED_AFTER_DAYS": "soon"})
    assert "auto_close_resolved_after_days" in str(exc.value)
