"""Deployed functions get the secrets' ARNs (signing secret, phone-menu key) and read the values from
Secrets Manager lazily."""

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


def test_the_phone_menu_key_is_read_from_secrets_manager_by_arn(aws, monkeypatch):
    from functions.core import aws as aws_clients  # noqa: PLC0415
    from functions.core.settings import Settings  # noqa: PLC0415

    arn = aws_clients.client("secretsmanager").create_secret(Name="cb/phone", SecretString="phone-from-sm")["ARN"]
    monkeypatch.delenv("CASEBRIDGE_PHONE_API_KEY", raising=False)
    monkeypatch.setenv("CASEBRIDGE_PHONE_API_KEY_ARN", arn)

    key = Settings.from_env().phone_api_key

    assert key is not None and key.get_secret_value() == "phone-from-sm"
    assert "phone-from-sm" not in repr(key)


def test_a_secret_read_by_arn_is_not_empty_before_its_first_read(aws):
    from functions.core import aws as aws_clients  # noqa: PLC0415
    from functions.core.settings import SecretFromSecretsManager  # noqa: PLC0415

    arn = aws_clients.client("secretsmanager").create_secret(Name="cb/any", SecretString="value")["ARN"]

    assert SecretFromSecretsManager(arn)  # truthiness reads it, as any use of the value would
