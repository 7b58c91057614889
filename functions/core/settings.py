"""One typed settings model, read once per process. Logic receives values, never os.environ."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from functions.core import resources


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CASEBRIDGE_", extra="ignore")

    stage: str = "local"
    resource_prefix: str | None = None
    region: str = Field(default="us-east-1", validation_alias="AWS_REGION")
    # Set only on the local stack: every boto3 client talks to the embedded AWS there.
    aws_endpoint_url: str | None = None

    # Mail identity: the address customers write to and that acknowledgements come from.
    support_address: str = "support@casebridge.local"
    support_name: str = "Casebridge Support"
    mail_domain: str = "casebridge.local"
    # Public base URL of the API, used in signed links sent to customers.
    public_base_url: str = "http://127.0.0.1:8000"

    max_attachment_bytes: int = 10 * 1024 * 1024
    max_total_attachment_bytes: int = 25 * 1024 * 1024

    # HMAC secret for customer links. In AWS it comes from Secrets Manager through
    # the environment; the local stack generates one per checkout.
    signing_secret: SecretStr = SecretStr("")
    customer_link_ttl_seconds: int = 30 * 24 * 3600

    # Agent authentication: Cognito in AWS; a development token on the local stack.
    cognito_user_pool_arn: str | None = None
    dev_agent_token: SecretStr | None = None

    case_number_prefix: str = "CB"
    # Resolved cases the customer does not reopen are closed after this many days.
    auto_close_resolved_after_days: int = Field(default=7, ge=1)

    @property
    def prefix(self) -> str:
        return self.resource_prefix or f"casebridge-{self.stage}"

    def name(self, logical: str) -> str:
        return resources.physical_name(self.prefix, logical)

    @property
    def table_name(self) -> str:
        return self.name(resources.MAIN_TABLE.logical)

    @property
    def mail_bucket(self) -> str:
        return self.name(resources.MAIL_BUCKET.logical)

    @property
    def attachments_bucket(self) -> str:
        return self.name(resources.ATTACHMENTS_BUCKET.logical)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """For tests and the local stack, which change the environment before first use."""
    get_settings.cache_clear()
