"""Deployed functions get the signing secret's ARN and read the value from Secrets Manager lazily."""

from __future__ import annotations


def test_signing_secret_is_read_from_secrets_manager_by_arn_on_first_use(aws, monkeypatch):
    from functions.core import aws as aws_clients  # noqa: PLC0415
    from functions.core.settings import Settings  # noqa: PLC0415

    arn = aws_clients.client("secretsmanager").create_secret(Name="cb/signing", SecretString="from-secrets-manager")[
        "ARN"
    ]
    monkeypatch.delenv("CASEBRIDGE_SIGNING_SECRET")
    monkeypatch.setenv("CASEBRIDGE_SIGNING_SECRET_ARN", arn)

    settings = Settings.from_env()

    assert settings.signing_secret.get_secret_value() == "from-secrets-manager"


def test_an_explicit_signing_secret_wins_over_the_arn(monkeypatch):
    from functions.core.settings import Settings  # noqa: PLC0415

    monkeypatch.setenv("CASEBRIDGE_SIGNING_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:111111111111:secret:x")

    assert Settings.from_env().signing_secret.get_secret_value() == "test-signing-secret-not-for-production"
