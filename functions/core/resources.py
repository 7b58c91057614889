"""The one definition of every AWS resource the system uses.

Both the local stack (``functions.local``) and the infrastructure code (``infra/``)
read these definitions, so that table keys, indexes, queues, topics and buckets
cannot drift apart. Physical names are ``{prefix}-{logical}``; the prefix is
``casebridge-{stage}`` unless a deployment overrides it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class Index:
    name: str
    pk: str
    sk: str


@dataclass(frozen=True)
class TableDef:
    logical: str
    pk: str
    sk: str
    indexes: tuple[Index, ...] = ()
    stream: str = "NEW_AND_OLD_IMAGES"
    ttl_attribute: str | None = None


@dataclass(frozen=True)
class QueueDef:
    logical: str
    visibility_timeout: int = 120
    max_receive_count: int = 5  # then the message moves to the dead-letter queue
    fifo: bool = False


@dataclass(frozen=True)
class TopicDef:
    logical: str
    subscribers: tuple[str, ...] = field(default=())  # logical queue names


@dataclass(frozen=True)
class BucketDef:
    logical: str
    purpose: str


# Single table design: see docs/data-model.md for the key design and access patterns.
MAIN_TABLE = TableDef(
    logical="main",
    pk="PK",
    sk="SK",
    indexes=(
        Index("GSI1", "GSI1PK", "GSI1SK"),  # lists ordered by time: all cases, customers, inbound log
        Index("GSI2", "GSI2PK", "GSI2SK"),  # cases by status; install base by product
        Index("GSI3", "GSI3PK", "GSI3SK"),  # cases by customer
        Index("GSI4", "GSI4PK", "GSI4SK"),  # cases by assignee
        Index("GSI5", "GSI5PK", "GSI5SK"),  # sparse: cases whose SLA clock runs, by its next check
        Index("GSI6", "GSI6PK", "GSI6SK"),  # cases by status, urgent first then newest activity (sort=priority)
        Index("GSI7", "GSI7PK", "GSI7SK"),  # cases by status, nearest SLA due first (sort=due)
    ),
    ttl_attribute="expires_at",
)

TABLES: tuple[TableDef, ...] = (MAIN_TABLE,)

MAIL_BUCKET = BucketDef("mail", "raw inbound MIME as SES stores it, and quarantined mail")
ATTACHMENTS_BUCKET = BucketDef("attachments", "attachments extracted from inbound messages")
# Problem detection's state (functions/problems/detection/store.py: one gzipped JSON document,
# rewritten per stream batch) and its cached segment base (same module).
DETECTION_BUCKET = BucketDef("detection", "problem detection state and the customer base's segment counts")
# Proactive notices: audience snapshots (keys in functions/notify/contract.py).
NOTICES_BUCKET = BucketDef("notices", "audience snapshots of proactive notices (JSON Lines batches + manifest)")
# The help center's static pages (functions/knowledge/store.py HelpSiteBucket): one HTML page per published
# external article and language (help/{lang}/articles/{id}), sitemap.xml and robots.txt, rewritten when an
# article is published, retired or changed. The customers' site serves it (CloudFront; locally
# functions/local/site.py).
HELP_SITE_BUCKET = BucketDef("help-site", "the help center's static article pages and sitemap (served to customers)")
# Trained models (functions/triage/store.py): triage/models/{version}.npz, never overwritten, and the
# pointer triage/current.json to the current version.
MODELS_BUCKET = BucketDef("models", "trained models: the triage classifier's versions and the current pointer")
BUCKETS: tuple[BucketDef, ...] = (
    MAIL_BUCKET,
    ATTACHMENTS_BUCKET,
    DETECTION_BUCKET,
    NOTICES_BUCKET,
    HELP_SITE_BUCKET,
    MODELS_BUCKET,
)

# Lambda functions run this long unless FUNCTION_TIMEOUTS says otherwise (infra/casebridge_infra/
# constructs/api.py). A queue that feeds a function hides a received message for at least six times
# the function's timeout (AWS Lambda's guidance for SQS event sources: a batch retried after the
# function was throttled must not become visible, and be delivered a second time, meanwhile).
DEFAULT_FUNCTION_TIMEOUT = 60
VISIBILITY_PER_FUNCTION_TIMEOUT = 6
# The notice jobs take the audience snapshot (a walk over the install base) and send paced batches.
NOTICE_JOBS_FUNCTION_TIMEOUT = 900
_CONSUMER_VISIBILITY = VISIBILITY_PER_FUNCTION_TIMEOUT * DEFAULT_FUNCTION_TIMEOUT

INBOUND_MAIL_QUEUE = QueueDef("inbound-mail", visibility_timeout=_CONSUMER_VISIBILITY)
# On-failure destination of the search indexer's stream mapping: what Lambda sends here describes
# stream records that kept failing (shard, sequence range) so they can be replayed by hand.
SEARCH_INDEX_FAILURES_QUEUE = QueueDef("search-index-failures")
# Jobs the escalation state machine (stepfunctions/escalation.asl.json) puts on a queue: "notify the
# department" (with the task token), fix and information requests, "resolve the problem".
ESCALATION_JOBS_QUEUE = QueueDef("escalation-jobs", visibility_timeout=_CONSUMER_VISIBILITY)
# On-failure destination of problem_stream's mapping (functions/problems/handlers.py).
PROBLEM_STREAM_FAILURES_QUEUE = QueueDef("problem-stream-failures")
# Two-way SMS replies (STOP / START) from SNS: functions/notify/handlers.py handle_sms_inbound.
SMS_INBOUND_QUEUE = QueueDef("sms-inbound", visibility_timeout=_CONSUMER_VISIBILITY)
# Jobs of the notice lifecycle (stepfunctions/proactive_updates.asl.json): prepare a dispatch, send one
# audience batch, finish, await a signal (functions/notify/delivery/handlers.py handle_notice_jobs).
NOTICE_JOBS_QUEUE = QueueDef(
    "notice-jobs", visibility_timeout=VISIBILITY_PER_FUNCTION_TIMEOUT * NOTICE_JOBS_FUNCTION_TIMEOUT
)
# Steps of bulk changes of cases (functions/cases/actions/handlers.py handle_case_jobs): resolve a
# selection into chunks, change one chunk of cases.
CASE_JOBS_QUEUE = QueueDef("case-jobs", visibility_timeout=_CONSUMER_VISIBILITY)
# Lambda functions that need more than DEFAULT_FUNCTION_TIMEOUT (infra/casebridge_infra/constructs/api.py).
FUNCTION_TIMEOUTS: dict[str, int] = {"handle_notice_jobs": NOTICE_JOBS_FUNCTION_TIMEOUT}
QUEUES: tuple[QueueDef, ...] = (
    INBOUND_MAIL_QUEUE,
    SEARCH_INDEX_FAILURES_QUEUE,
    ESCALATION_JOBS_QUEUE,
    PROBLEM_STREAM_FAILURES_QUEUE,
    SMS_INBOUND_QUEUE,
    NOTICE_JOBS_QUEUE,
    CASE_JOBS_QUEUE,
)

INBOUND_MAIL_TOPIC = TopicDef("inbound-mail", subscribers=("inbound-mail",))
CASE_EVENTS_TOPIC = TopicDef("case-events")
# SNS two-way SMS publishes inbound replies here.
SMS_INBOUND_TOPIC = TopicDef("sms-inbound", subscribers=("sms-inbound",))
# Notice SMS: PublishBatch here; each opted-in phone is subscribed once (protocol sms) with a filter
# policy on its contact_id, so an entry reaches only its contact (functions/notify/delivery).
SMS_NOTICES_TOPIC = TopicDef("sms-notices")
TOPICS: tuple[TopicDef, ...] = (INBOUND_MAIL_TOPIC, CASE_EVENTS_TOPIC, SMS_INBOUND_TOPIC, SMS_NOTICES_TOPIC)


@dataclass(frozen=True)
class StreamConsumerDef:
    """A Lambda function of the app fed by a table's DynamoDB stream.

    Declared here, not with ``on_dynamodb_record`` (which needs the stream ARN at import): the CDK
    stack creates the event source mapping from this, the local stack's ``StreamPump`` too.
    """

    function: str  # Chalice function name (``@bp.lambda_function(name=...)``)
    table: str  # logical table name
    batch_size: int = 100
    starting_position: str = "TRIM_HORIZON"
    max_batching_window_seconds: int = 1
    max_retry_attempts: int = 10
    bisect_on_error: bool = True
    on_failure_queue: str | None = None  # logical queue name
    parallelization_factor: int = 1  # concurrent batches per shard (1: one writer at a time)


SEARCH_INDEXER = StreamConsumerDef(
    function="index_stream",
    table=MAIN_TABLE.logical,
    on_failure_queue=SEARCH_INDEX_FAILURES_QUEUE.logical,
)
# Problem detection and reactions to problem status changes (functions/problems/service/stream.py). One
# batch at a time per shard: the detection state (one S3 object) has a single writer.
PROBLEM_STREAM = StreamConsumerDef(
    function="problem_stream",
    table=MAIN_TABLE.logical,
    batch_size=100,
    on_failure_queue=PROBLEM_STREAM_FAILURES_QUEUE.logical,
    parallelization_factor=1,
)
# "This changed" hints to the agents' open WebSocket connections (functions/live): at most a second
# late, not retried long (a hint that cannot be posted is stale soon; clients also poll as a fallback).
LIVE_STREAM = StreamConsumerDef(
    function="live_stream",
    table=MAIN_TABLE.logical,
    starting_position="LATEST",
    max_batching_window_seconds=0,
    max_retry_attempts=2,
)
# Triage of new cases (functions/triage/handlers.py): a suggestion per case INSERT, once (the case
# keeps it); a record that fails is retried a few times and then left (the case has no suggestion).
TRIAGE_STREAM = StreamConsumerDef(
    function="triage_stream",
    table=MAIN_TABLE.logical,
    batch_size=20,
    starting_position="LATEST",
    max_retry_attempts=3,
)
STREAM_CONSUMERS: tuple[StreamConsumerDef, ...] = (SEARCH_INDEXER, PROBLEM_STREAM, LIVE_STREAM, TRIAGE_STREAM)

# Prefix under which SES receipt stores raw mail in MAIL_BUCKET.
INBOUND_PREFIX = "inbound/"
QUARANTINE_PREFIX = "quarantine/"


# State machines: one per stepfunctions/<name>.asl.json; physical name ``{prefix}-{name}``.
ESCALATION_WORKFLOW = "escalation"
NOTICE_WORKFLOW = "proactive_updates"


def workflow_substitutions(
    *,
    tables: Mapping[str, str],
    queues: Mapping[str, str],
    topics: Mapping[str, str] = MappingProxyType({}),
    buckets: Mapping[str, str] = MappingProxyType({}),
) -> dict[str, str]:
    """The one mapping of ``${Placeholders}`` in stepfunctions/*.asl.json to values.

    Takes logical name -> table name, queue URL, topic ARN, bucket name; the CDK stack passes
    its constructs' tokens, the local stack the names it provisioned.
    """
    subs: dict[str, str] = {}
    for logical, name in tables.items():
        subs[f"Table_{logical.replace('-', '_')}"] = name
    subs["TableName"] = tables[MAIN_TABLE.logical]
    for logical, arn in topics.items():
        subs[f"Topic_{logical.replace('-', '_')}"] = arn
    for logical, url in queues.items():
        subs[f"Queue_{logical.replace('-', '_')}"] = url
    for logical, name in buckets.items():
        subs[f"Bucket_{logical.replace('-', '_')}"] = name
    return subs


def physical_name(prefix: str, logical: str) -> str:
    return f"{prefix}-{logical}"


def dlq_logical(queue: QueueDef) -> str:
    return f"{queue.logical}-dlq"
