"""What each Lambda function of the Chalice app may touch: the one place to review IAM.

Every function Chalice packages (the API handler, each event handler, each scheduled job) must
have an entry here; synthesis fails for a function without one, so a new handler cannot ship
with permissions nobody decided. The ``api`` construct turns each entry into its own IAM role
with exactly these actions on exactly these resources.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TableAccess = Literal["none", "read", "read_write"]
BucketAccess = Literal["read", "write", "read_write"]

# The DynamoDB actions the stores use (GetItem, Query, BatchGetItem, TransactWriteItems with
# condition checks, UpdateItem ADD counters, batch_writer). No Scan, no table management.
TABLE_READ_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:ConditionCheckItem",
)
TABLE_WRITE_ACTIONS = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
)
STREAM_READ_ACTIONS = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)
QUEUE_CONSUME_ACTIONS = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
)
TASK_RESPONSE_ACTIONS = ("states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat")
SEARCH_ACTIONS = ("es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpDelete")


@dataclass(frozen=True)
class Access:
    """One function's needs, named by the logical names in functions.core.resources."""

    table: TableAccess = "none"
    table_stream: bool = False
    buckets: tuple[tuple[str, BucketAccess], ...] = ()
    publish: tuple[str, ...] = ()  # topics
    send: tuple[str, ...] = ()  # queues it sends to
    consume: tuple[str, ...] = ()  # queues it is triggered by
    send_mail: bool = False  # SES SendEmail/SendRawEmail from the support address only
    signing_secret: bool = False  # reads the HMAC secret for customer links
    phone_api_key: bool = False  # reads the key the phone menu sends (GET /phone/notices)
    search: bool = False  # signed HTTP to the OpenSearch domain
    start_workflows: tuple[str, ...] = ()  # state machine names (stepfunctions/<name>.asl.json)
    # State machines whose waiting tasks it answers (SendTaskSuccess/Failure/Heartbeat). Those actions
    # support no resource-level permissions (the task token authorizes the call), so the grant is on
    # "*" whatever is named here; the names document which workflows the function takes part in.
    answer_workflows: tuple[str, ...] = ()


# Chalice function name -> what it may do. The API handler serves every HTTP route.
FUNCTIONS: dict[str, Access] = {
    "api_handler": Access(
        table="read_write",
        buckets=(("attachments", "read_write"), ("mail", "read"), ("notices", "read_write")),
        publish=("case-events",),
        send_mail=True,
        signing_secret=True,
        phone_api_key=True,
        search=True,
        # problem assigned -> escalation started; department links and the API answer its tasks
        start_workflows=("escalation", "proactive_updates"),
        # notices: pause / resume / cancel / update now signal the waiting lifecycle
        answer_workflows=("escalation", "proactive_updates"),
    ),
    # SES -> S3 + SNS -> SQS intake (functions/channels/email/handlers.py): reads the raw mail,
    # quarantines bad mail in the same bucket, stores attachments, acknowledges by mail with a
    # signed portal link.
    "handle_inbound_mail": Access(
        table="read_write",
        buckets=(("mail", "read_write"), ("attachments", "write")),
        consume=("inbound-mail",),
        send_mail=True,
        signing_secret=True,
    ),
    # DynamoDB stream of the main table -> search index (functions/search/handlers.py). Reads only
    # the stream; records that keep failing go to the on-failure queue (resources.STREAM_CONSUMERS).
    "index_stream": Access(table_stream=True, search=True, send=("search-index-failures",)),
    # DynamoDB stream of the main table -> problem detection (candidates, links, suggestions) and
    # reactions to problem status changes (functions/problems/service/stream.py). Reads the customer base
    # for segment counts; keeps the detector's state and the segment base in the detection bucket.
    "problem_stream": Access(
        table="read_write",
        table_stream=True,
        buckets=(("detection", "read_write"),),
        send=("problem-stream-failures",),
        # problem resolved / dismissed / closed -> signal the notices' lifecycles (Container.problem_reactions)
        answer_workflows=("proactive_updates",),
    ),
    # Hourly: recounts the customer base's segment values for detection's common thread when the
    # stored counts are a day old (functions/problems/handlers.py; Query only, no Scan).
    "refresh_segment_base": Access(table="read", buckets=(("detection", "read_write"),)),
    # Hourly: closes resolved cases the customer did not reopen (functions/cases/handlers.py).
    "close_resolved_cases": Access(table="read_write", publish=("case-events",)),
    # Every minute: records SLA warnings and breaches on the cases whose next check is due
    # (functions/cases/handlers.py; GSI5). Table only.
    "check_case_slas": Access(table="read_write"),
    # Every 5 minutes: ends idle chat sessions and puts their transcripts on the cases
    # (functions/channels/chat/handlers.py). Table only: no mail, no signing.
    "end_idle_chats": Access(table="read_write"),
    # Jobs of the escalation state machine (functions/problems/escalation/handlers.py): mails the
    # department signed links (keeps the task token in the table); on "fix delivered" resolves the
    # problem and its linked cases, whose customers are told through their channel.
    "handle_escalation_jobs": Access(
        table="read_write",
        consume=("escalation-jobs",),
        publish=("case-events",),
        send_mail=True,
        signing_secret=True,
    ),
    # Two-way SMS replies (functions/notify/handlers.py): STOP/START set the contact's sms_opt_in.
    "handle_sms_inbound": Access(table="read_write", consume=("sms-inbound",)),
    # Jobs of the notice lifecycle (functions/notify/delivery/handlers.py): the first job writes the
    # audience snapshot, every send job reads it; records deliveries and the waiting task token, sends notice mail in bulk (SES v2
    # templates) and SMS (PublishBatch, Subscribe on the sms-notices topic), answers its tasks.
    "handle_notice_jobs": Access(
        table="read_write",
        buckets=(("notices", "read_write"),),
        consume=("notice-jobs",),
        publish=("sms-notices",),
        send_mail=True,
        signing_secret=True,
        answer_workflows=("proactive_updates",),
    ),
}


class UndeclaredFunction(Exception):
    def __init__(self, names: list[str]) -> None:
        super().__init__(
            f"Chalice functions without declared permissions: {', '.join(sorted(names))}. "
            "Add an Access entry for each to infra/casebridge_infra/permissions.py FUNCTIONS."
        )
        self.names = names
