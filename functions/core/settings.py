"""One typed settings model, read once per process. Logic receives values, never os.environ.

Every field is read from ``CASEBRIDGE_<FIELD>`` (``region`` from ``AWS_REGION``) and
validated by pydantic. STYLE.md suggests pydantic-settings for this; we measured that
importing it costs about 65 ms of every Lambda cold start (bench/cold_start.py,
``python -X importtime``: more than the rest of our own code), for the one thing used here,
reading prefixed environment variables, which ``Settings.from_env`` does in a few lines.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from functions.core import resources

ENV_PREFIX = "CASEBRIDGE_"


class DevAgent(BaseModel):
    """A seeded agent of the local stack and its development token."""

    id: str = Field(min_length=1, max_length=128)
    name: str = ""
    token: SecretStr
    roles: list[str] = Field(default_factory=list)


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=False)

    stage: str = "local"
    resource_prefix: str | None = None
    region: str = "us-east-1"
    # Set only on the local stack: every boto3 client talks to the embedded AWS there.
    aws_endpoint_url: str | None = None
    # Per service, where it differs (the LocalStack lane: DynamoDB on moto, the rest on LocalStack),
    # as JSON: {"dynamodb": "http://127.0.0.1:5000"}.
    aws_endpoints: dict[str, str] = Field(default_factory=dict)

    def endpoint_for(self, service: str) -> str | None:
        return self.aws_endpoints.get(service, self.aws_endpoint_url)

    # Mail identity: the address customers write to and that acknowledgements come from.
    support_address: str = "support@casebridge.local"
    support_name: str = "Casebridge Support"
    mail_domain: str = "casebridge.local"
    # Public base URL of the API, used in signed links sent to customers.
    public_base_url: str = "http://127.0.0.1:8000"
    # Public base URL of the customers' site (help center, contact form, case pages): the absolute
    # links of the static article pages and the sitemap. Empty: the API's public_base_url.
    help_site_url: str = ""
    # Attachments of the contact form and the case page go straight to S3 through presigned POSTs
    # (the attachments bucket, uploads/ prefix): at most this many files of this size, these types,
    # each upload URL valid this long.
    # "Send me a new link" answers after this long whatever happened (no timing tells whether a case
    # or an address exists); the work (a look-up, a mail) must fit in it.
    # The chat widget: its business hours are the SLA calendar with this id (no such calendar: always
    # open); an agent is there to chat when their availability switch is on and they were seen (the
    # agents' chat console, which reads every few seconds, or GET /me) within this many seconds.
    chat_calendar_id: str = "chat"
    chat_agent_seen_seconds: int = Field(default=60, ge=1)
    # Chats started per client (IP) and per address per hour before 429 rate_limited (a sliding hour,
    # functions.core.limits; the client as client_ip_hops says).
    chat_start_client_max: int = Field(default=20, ge=1)
    chat_start_address_max: int = Field(default=10, ge=1)
    # Abuse protection of the contact form (functions.channels.web): submissions per client (IP) and per
    # address per hour before a proof-of-work challenge is asked for, and the counts after which even a
    # solved challenge is refused (429). Behind CloudFront the client is the X-Forwarded-For entry this
    # many hops from the right (0: the source IP API Gateway saw).
    web_form_client_limit: int = Field(default=5, ge=0)
    web_form_client_max: int = Field(default=30, ge=1)
    web_form_address_limit: int = Field(default=3, ge=0)
    web_form_address_max: int = Field(default=10, ge=1)
    web_challenge_bits: int = Field(default=16, ge=1, le=28)
    web_challenge_ttl_seconds: int = Field(default=600, ge=30)
    client_ip_hops: int = Field(default=0, ge=0, le=5)
    portal_link_answer_seconds: float = Field(default=1.0, ge=0, le=10)
    # "Send me a new link" mails per case per day, a sliding day (functions.core.limits); more requests
    # get the same answer and no mail.
    portal_link_mails_per_case_per_day: int = Field(default=3, ge=1)
    # Abuse limits of the other public writes (functions.core.limits; 0 turns one off): customer chat
    # turns per session per minute, self-service events and "did this help?" answers per client per
    # hour, and acknowledgement mails per address per hour (past it the mail still becomes a case,
    # without an acknowledgement).
    chat_messages_per_session_per_minute: int = Field(default=30, ge=0)
    selfservice_events_per_client_per_hour: int = Field(default=600, ge=0)
    feedback_per_client_per_hour: int = Field(default=60, ge=0)
    acknowledgements_per_address_per_hour: int = Field(default=5, ge=0)
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    upload_max_files: int = Field(default=5, ge=1, le=20)
    upload_ttl_seconds: int = Field(default=300, ge=30, le=3600)
    # A page's own post with files (a form without JavaScript, multipart/form-data) as a whole:
    # Lambda takes at most 6 MB and API Gateway hands the body over base64-encoded (4/3 larger).
    page_post_max_bytes: int = Field(default=4 * 1024 * 1024, ge=64 * 1024, le=4_400_000)
    upload_content_types: str = (
        "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,text/csv,"
        "application/zip,application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )

    max_attachment_bytes: int = 10 * 1024 * 1024
    max_total_attachment_bytes: int = 25 * 1024 * 1024
    # Email channel: acknowledge new cases by mail (never auto-replies, bounces or our own mail).
    email_acknowledgements: bool = True

    # HMAC secret for customer links. In AWS it comes from Secrets Manager through
    # the environment; the local stack generates one per checkout.
    signing_secret: SecretStr = SecretStr("")
    customer_link_ttl_seconds: int = 30 * 24 * 3600
    # In AWS the deployment passes the secret's ARN, never its value (infra/, docs/deploy.md): the
    # value is fetched from Secrets Manager on first use, not at import (cold start).
    signing_secret_arn: str | None = None

    # Web form, customer portal and chat (functions.channels.web / .chat, functions.portal).
    # Require an explicit consent tick on the web form (some jurisdictions' privacy policies want it).
    web_form_require_consent: bool = False
    # How long a chat session token is valid, and how long chat items stay in the table
    # (the transcript is on the case for good once the session ends).
    chat_session_ttl_seconds: int = 12 * 3600
    chat_retention_seconds: int = 90 * 24 * 3600
    chat_max_messages: int = 2000
    # Chat sessions without a turn for this long are ended by the 5-minute `end_idle_chats` job.
    chat_idle_minutes: int = Field(default=30, ge=1)
    # Idempotency-Key records (functions.core.idempotency): kept this long; a claim whose request
    # never finished (crash) may be taken over by a repeat after stale_after seconds.
    idempotency_retention_seconds: int = Field(default=24 * 3600, ge=60)
    idempotency_stale_after_seconds: int = Field(default=300, ge=10)
    # Honeypot-suppressed web submissions and portal link requests are kept this long for review.
    intake_log_retention_seconds: int = 30 * 24 * 3600

    # Origins whose pages may call the API from a browser (comma-separated, e.g.
    # "https://d1234.cloudfront.net,https://help.example.com"): the deployed sites (infra), the local
    # stack's web ports. Empty: no cross-origin browser access.
    cors_allowed_origins: str = ""

    # Agent authentication: Cognito in AWS; a development token on the local stack.
    cognito_user_pool_arn: str | None = None
    # The pool's app clients whose ID tokens may open a live-updates WebSocket (comma-separated; the
    # CDK app sets the agents' app's client): the token's audience must be one of them.
    cognito_client_ids: str = ""
    dev_agent_token: SecretStr | None = None
    # Local stack: seeded agents, each with its own development token; the API takes the agent's id
    # and roles from the token (JSON: [{"id": ..., "name": ..., "token": ..., "roles": [...]}]).
    dev_agents: list[DevAgent] = Field(default_factory=list)

    case_number_prefix: str = "CB"

    # Live updates (functions/live): the WebSocket API stage's management endpoint
    # (https://{api-id}.execute-api.{region}.amazonaws.com/{stage}; the CDK app sets it), and how long
    # a viewer counts as present after its last heartbeat (clients send one every 30 s).
    live_endpoint: str | None = None
    live_presence_seconds: int = Field(default=75, ge=10, le=3600)

    # POST /customers/import: bigger files go through `casebridge customers import`.
    import_max_bytes: int = 256 * 1024
    import_max_rows: int = 1000

    # Proactive notices (functions/notify): recipients per audience snapshot batch file, and the
    # shared key the phone menu (e.g. an Amazon Connect contact flow) sends as X-Api-Key: deployed,
    # read from Secrets Manager by its ARN (phone_api_key_arn) on first use; locally, the value
    # itself. Unset, GET /phone/notices refuses every request.
    notice_batch_size: int = Field(default=1000, ge=1, le=100_000)
    # The audience preview of a draft counts at most this many customers (one read each) within the
    # request, then says its counts are lower bounds; the snapshot after approval counts everyone.
    notice_preview_customers: int = Field(default=2000, ge=1, le=100_000)
    # Notice delivery (functions/notify/delivery, stepfunctions/proactive_updates.asl.json): the
    # deployment sets the state machine's ARN and the SMS topic's (else derived from the names);
    # send rate in messages per second across the account (SES/SNS quota; 0: unpaced), shared by
    # the Map's concurrent batch jobs; botocore adaptive-retry attempts per send call.
    notice_state_machine_arn: str | None = None
    notice_sms_topic_arn: str | None = None
    notice_send_rate: float = Field(default=14.0, ge=0)
    notice_max_concurrency: int = Field(default=4, ge=1, le=1000)
    notice_sdk_max_attempts: int = Field(default=5, ge=1, le=20)
    # A send job stops after this many seconds (below the Lambda timeout); the state machine runs
    # it again for the rest of its batch (error "Partial").
    notice_job_seconds: float = Field(default=40.0, gt=0)
    # SMS: "topic" subscribes each opted-in phone once to the sms-notices topic (a filter policy per
    # contact) and sends with PublishBatch, falling back to one Publish per phone once the topic's
    # filter-policy quota is reached; "direct" always publishes per phone (no subscriptions).
    notice_sms_mode: Literal["topic", "direct"] = "topic"
    phone_api_key: SecretStr | None = None
    phone_api_key_arn: str | None = None

    # Resolved cases the customer does not reopen are closed after this many days.
    auto_close_resolved_after_days: int = Field(default=7, ge=1)

    # Knowledge and self-service (functions.knowledge, functions.selfservice).
    # Agents with any of these roles (Cognito groups) review, publish and retire articles.
    knowledge_reviewer_roles: str = "reviewer,reviewers"
    # Agents with any of these roles (Cognito groups) change the desk's configuration: SLA calendars
    # and policies, groups and assignment rules, shared views, canned replies.
    admin_roles: str = "admin,admins"
    # Self-service deflection events are kept this long (analytics reads them before).
    selfservice_event_retention_days: int = Field(default=400, ge=1)
    # POST /selfservice/events: at most this many events and bytes per request.
    selfservice_max_events_per_post: int = Field(default=25, ge=1, le=100)
    selfservice_max_event_bytes: int = Field(default=16 * 1024, ge=1024)

    # Search (functions.search): OpenSearch when search_endpoint is set (the AWS deployment sets
    # it), else the embedded engine (Tantivy) with its indexes in search_dir.
    search_endpoint: str | None = None
    # "es" (Amazon OpenSearch Service), "aoss" (Serverless): SigV4-signed; "" for a self-managed
    # cluster (basic auth as user:password in search_endpoint, if any).
    search_sigv4_service: str = "es"
    search_replicas: int = Field(default=1, ge=0)
    # Embedded engine's directory (default: <temp dir>/casebridge-search/<prefix>); the local stack
    # sets <data dir>/search.
    search_dir: str | None = None
    # Synonym rules for both engines (default: functions/search/synonyms.txt, shipped in the package).
    search_synonyms_path: str | None = None
    # The sentence-embedding model of hybrid search (docs/language.md): "onnx", "none", or "auto"
    # (onnx where requirements-language.txt is installed). embedder_model_path: another copy of the
    # pinned model file (its sha256 is still checked).
    embedder: Literal["auto", "onnx", "none"] = "auto"
    embedder_model_path: str | None = None
    # Triage (functions.triage, README "Triage"): a new case's suggested field is applied when its
    # confidence is at or above the field's threshold, else only suggested (JSON; a field absent or
    # null is never applied). The current model is looked up again after triage_reload_seconds.
    triage_thresholds: dict[str, float | None] = Field(
        default_factory=lambda: dict[str, float | None](category=0.9, priority=0.9, department=0.9)
    )
    triage_reload_seconds: int = Field(default=3600, ge=0)

    # Problems (functions.problems): cost of one interaction on a linked case, by the case's channel,
    # as JSON ({"email": 4.0, ...}); channels not listed are reported as unpriced.
    problem_cost_per_channel: dict[str, float] = Field(
        default_factory=lambda: {"email": 4.0, "chat": 3.0, "phone": 6.5, "web": 3.5}
    )

    # Problem escalation (functions.problems.escalation, stepfunctions/escalation.asl.json).
    # The deployment sets the state machine's ARN; without it, it is derived from the name.
    escalation_state_machine_arn: str | None = None
    # Default deadline for a department's answer, by problem priority ("priority=seconds,..."), for
    # departments without their own escalation_policy (functions.problems.rules.due_seconds_for);
    # each of the department, its manager and the service owner gets this long in turn.
    escalation_due_seconds: str = "urgent=14400,high=86400,normal=259200,low=604800"
    escalation_fix_due_seconds: int = Field(default=30 * 24 * 3600, ge=1)
    escalation_info_due_seconds: int = Field(default=7 * 24 * 3600, ge=1)
    # Signed accept / reject / information / fix links in department mails expire after this.
    escalation_link_ttl_seconds: int = Field(default=14 * 24 * 3600, ge=60)
    # Who is escalated to after a department's manager when the department names no service owner.
    escalation_service_owner: str | None = None

    # Problem detection (functions/problems/service/stream.py, functions/problems/detection/). A later case
    # whose similarity to an open candidate's cases reaches this is linked to it automatically
    # (none: every match is only suggested to agents).
    detection_auto_link_similarity: float | None = Field(default=None, ge=0.0, le=1.0)
    # Other DetectionConfig knobs as JSON ({"warmup_cases": 500, ...}); unknown keys are an error.
    detection_config: dict[str, Any] = Field(default_factory=dict)
    # The customer base's segment counts are recomputed from the customer items at most this often.
    detection_segment_base_max_age_hours: float = Field(default=24.0, gt=0)

    @model_validator(mode="after")
    def _secrets_from_arns(self) -> Settings:
        where = {"region": self.region, "endpoint_url": self.aws_endpoint_url}
        if self.signing_secret_arn and not self.signing_secret.get_secret_value():
            self.signing_secret = SecretFromSecretsManager(self.signing_secret_arn, **where)
        if self.phone_api_key_arn and self.phone_api_key is None:
            self.phone_api_key = SecretFromSecretsManager(self.phone_api_key_arn, **where)
        return self

    @field_validator("dev_agents", mode="before")
    @classmethod
    def _agents_json(cls, value: object) -> object:
        if isinstance(value, str):
            import json  # noqa: PLC0415

            return json.loads(value) if value.strip() else []
        return value

    @field_validator(
        "problem_cost_per_channel", "detection_config", "aws_endpoints", "triage_thresholds", mode="before"
    )
    @classmethod
    def _cost_json(cls, value: object) -> object:
        if isinstance(value, str):
            import json  # noqa: PLC0415

            return json.loads(value) if value.strip() else {}
        return value

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``CASEBRIDGE_*`` variables (case-insensitive names; unknown ones ignored)."""
        env = os.environ if environ is None else environ
        data: dict[str, str] = {
            key[len(ENV_PREFIX) :].lower(): value for key, value in env.items() if key.upper().startswith(ENV_PREFIX)
        }
        if env.get("AWS_REGION"):
            data.setdefault("region", env["AWS_REGION"])
        return cls.model_validate(data)

    @property
    def prefix(self) -> str:
        return self.resource_prefix or f"casebridge-{self.stage}"

    def name(self, logical: str) -> str:
        return resources.physical_name(self.prefix, logical)

    @property
    def cognito_clients(self) -> list[str]:
        return [c.strip() for c in self.cognito_client_ids.split(",") if c.strip()]

    @property
    def cors_origins(self) -> frozenset[str]:
        return frozenset(o.strip().rstrip("/") for o in self.cors_allowed_origins.split(",") if o.strip())

    @property
    def table_name(self) -> str:
        return self.name(resources.MAIN_TABLE.logical)

    @property
    def mail_bucket(self) -> str:
        return self.name(resources.MAIL_BUCKET.logical)

    @property
    def site_url(self) -> str:
        """Where customers' links point: the customers' site, else the API."""
        return self.help_site_url or self.public_base_url

    @property
    def attachments_bucket(self) -> str:
        return self.name(resources.ATTACHMENTS_BUCKET.logical)


class SecretFromSecretsManager(SecretStr):
    """A SecretStr whose value is read from Secrets Manager on first ``get_secret_value()``."""

    def __init__(self, arn: str, *, region: str | None = None, endpoint_url: str | None = None) -> None:
        super().__init__("")
        self._arn = arn
        self._where = {"region_name": region, "endpoint_url": endpoint_url}
        self._loaded = False

    def get_secret_value(self) -> str:
        if not self._loaded:
            # its own client: functions.core.aws builds clients from the settings, which are being built
            import boto3  # noqa: PLC0415 - deferred to first use

            response = boto3.client("secretsmanager", **self._where).get_secret_value(SecretId=self._arn)
            self._secret_value = response["SecretString"]
            self._loaded = True
        return self._secret_value

    def __len__(self) -> int:
        # SecretStr's truthiness is its length: before the first read that would be 0 ("no secret").
        return len(self.get_secret_value())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()


def reset_settings() -> None:
    """For tests and the local stack, which change the environment before first use."""
    get_settings.cache_clear()
