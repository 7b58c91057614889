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
# The agents directory (functions/agents/adapters.py CognitoDirectory): users and their groups.
USER_POOL_READ_ACTIONS = ("cognito-idp:ListUsers", "cognito-idp:ListGroups", "cognito-idp:ListUsersInGroup")
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
    read_user_pool: bool = False  # lists the agents' user pool: users and groups (GET /agents)
    # posts to the live-updates WebSocket API's connections (execute-api:ManageConnections, its stage only)
    post_to_connections: bool = False
    start_workflows: tuple[str, ...] = ()  # state machine names (stepfunctions/<name>.asl.json)
    # State machines whose waiting tasks it answers (SendTaskSuccess/Failure/Heartbeat). Those actions
    # support no resource-level permissions (the task token authorizes the call), so the grant is on
    # "*" whatever is named here; the names document which workflows the function takes part in.
    answer_workflows: tuple[str, ...] = ()
    # State machines whose executions it stops (DescribeExecution + StopExecution on their executions).
    stop_workflows: tuple[str, ...] = ()


# Chalice function name -> what it may do. The API handler serves every HTTP route.
FUNCTIONS: dict[str, Access] = {
    "api_handler": Access(
        table="read_write",
        # help-site: an article published, retired or changed rewrites its static pages and the sitemap
        buckets=(("attachments", "read_write"), ("mail", "read"), ("notices", "read_write"), ("help-site", "write")),
        publish=("case-events",),
        send_mail=True,
        signing_secret=True,
        phone_api_key=True,
        search=True,
        send=("case-jobs",),  # POST /cases/bulk queues the job's first step
        read_user_pool=True,
        # problem assigned -> escalation started; department links and the API answer its tasks
        start_workflows=("escalation", "proactive_updates"),
        # assigning another department stops the problem's running escalation
        stop_workflows=("escalation",),
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
    # reactions to problem status changes, escalations' status changes onto the problem's timeline
    # (functions/problems/service/stream.py). Reads the customer base
    # for segment counts; keeps the detector's state and the segment base in the detection bucket;
    # reads triage's current model (the models bucket) to group cases by their category.
    "problem_stream": Access(
        table="read_write",
        table_stream=True,
        buckets=(("detection", "read_write"), ("models", "read")),
        send=("problem-stream-failures",),
        # problem resolved / dismissed / closed -> signal the notices' lifecycles and stop the
        # problem's running escalations (Container.problem_reactions)
        answer_workflows=("proactive_updates",),
        stop_workflows=("escalation",),
    ),
    # Hourly: recounts the customer base's segment values for detection's common thread when the
    # stored counts are a day old (functions/problems/handlers.py; Query only, no Scan).
    "refresh_segment_base": Access(table="read", buckets=(("detection", "read_write"),)),
    # Hourly: closes resolved cases the customer did not reopen (functions/cases/handlers.py).
    "close_resolved_cases": Access(table="read_write", publish=("case-events",)),
    # Every minute: records SLA warnings and breaches on the cases whose next check is due
    # (functions/cases/handlers.py; GSI5). Table only.
    "check_case_slas": Access(table="read_write"),
    # Every 5 minutes: ends idle chat sessions, puts their transcripts on the cases and mails each
    # transcript to the customer with the signed link to the case (functions/channels/chat/handlers.py).
    "end_idle_chats": Access(table="read_write", send_mail=True, signing_secret=True),
    # Jobs of the escalation state machine (functions/problems/escalation/handlers.py): mails the
    # department signed links (keeps the task token in the table); on "fix delivered" resolves the
    # problem and its linked cases, whose customers are told through their channel.
    "handle_escalation_jobs": Access(
        table="read_write",
        # a job for a problem that moved on ends its execution instead of mailing
        stop_workflows=("escalation",),
        buckets=(("help-site", "write"),),  # a delivered fix rewrites its article's static pages
        consume=("escalation-jobs",),
        publish=("case-events",),
        send_mail=True,
        signing_secret=True,
    ),
    # Steps of bulk changes of cases (functions/cases/actions/handlers.py): resolves a selection into
    # chunks and queues them on its own queue, changes each case of a chunk (links to problems too).
    "handle_case_jobs": Access(table="read_write", consume=("case-jobs",), send=("case-jobs",)),
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
    # The live-updates WebSocket API (functions/live/handlers.py): connections and watches are table
    # items; presence is posted to the case's viewers at once.
    "websocket_connect": Access(table="read_write"),
    "websocket_message": Access(table="read_write", post_to_connections=True),
    "websocket_disconnect": Access(table="read_write", post_to_connections=True),
    # DynamoDB stream of the main table -> "this changed" hints to every open connection (reads the
    # connections; forgets those that are gone).
    "live_stream": Access(table="read_write", table_stream=True, post_to_connections=True),
    # DynamoDB stream of the main table -> a new case's triage suggestion (functions/triage/handlers.py):
    # reads the current model from the models bucket, the agent groups, and writes the case.
    "triage_stream": Access(table="read_write", table_stream=True, buckets=(("models", "read"),)),
    # Weekly: trains the triage classifier on the resolved cases (Query only) and writes the new model
    # version and the current pointer to the models bucket.
    "train_triage": Access(table="read", buckets=(("models", "write"),)),
}


class UndeclaredFunction(Exception):
    def __init__(self, names: list[str]) -> None:
        super().__init__(
            f"Chalice functions without declared permissions: {', '.join(sorted(names))}. "
            "Add an Access entry for each to infra/casebridge_infra/permissions.py FUNCTIONS."
        )
        self.names = names
