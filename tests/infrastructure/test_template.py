"""The synthesized CloudFormation templates (both stages): what gets deployed, checked offline."""

from __future__ import annotations

import json
from typing import Any

from functions.core import resources
from tests.infrastructure.conftest import props, resources_of

DEV_PREFIX = "casebridge-dev"


def _statements(template: dict[str, Any], role_logical_prefix: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for policy in resources_of(template, "AWS::IAM::Policy").values():
        roles = json.dumps(policy["Properties"].get("Roles", []))
        if role_logical_prefix in roles:
            out += policy["Properties"]["PolicyDocument"]["Statement"]
    return out


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    acts: set[str] = set()
    for st in statements:
        a = st["Action"]
        acts |= {a} if isinstance(a, str) else set(a)
    return acts


def test_every_table_of_resources_is_deployed_with_its_keys_and_indexes(dev):
    tables = props(dev, "AWS::DynamoDB::GlobalTable")
    by_name = {t["TableName"]: t for t in tables}
    assert set(by_name) == {f"{DEV_PREFIX}-{t.logical}" for t in resources.TABLES}
    for t in resources.TABLES:
        deployed = by_name[f"{DEV_PREFIX}-{t.logical}"]
        assert deployed["KeySchema"] == [
            {"AttributeName": t.pk, "KeyType": "HASH"},
            {"AttributeName": t.sk, "KeyType": "RANGE"},
        ]
        gsis = {
            g["IndexName"]: [k["AttributeName"] for k in g["KeySchema"]] for g in deployed["GlobalSecondaryIndexes"]
        }
        assert gsis == {ix.name: [ix.pk, ix.sk] for ix in t.indexes}


def test_tables_have_streams_pitr_ttl_and_encryption(dev):
    for t in resources.TABLES:
        deployed = next(p for p in props(dev, "AWS::DynamoDB::GlobalTable") if p["TableName"].endswith(t.logical))
        assert deployed["StreamSpecification"] == {"StreamViewType": t.stream}
        replica = deployed["Replicas"][0]
        assert replica["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        assert deployed["SSESpecification"]["SSEEnabled"] is True
        if t.ttl_attribute:
            assert deployed["TimeToLiveSpecification"] == {"AttributeName": t.ttl_attribute, "Enabled": True}


def test_prod_tables_are_deletion_protected_and_retained_dev_tables_are_not(dev, prod):
    prod_table = next(iter(resources_of(prod, "AWS::DynamoDB::GlobalTable").values()))
    dev_table = next(iter(resources_of(dev, "AWS::DynamoDB::GlobalTable").values()))
    assert prod_table["Properties"]["Replicas"][0]["DeletionProtectionEnabled"] is True
    assert prod_table["DeletionPolicy"] == "Retain"
    assert dev_table["Properties"]["Replicas"][0].get("DeletionProtectionEnabled") in (False, None)


def test_every_queue_has_a_dead_letter_queue_with_the_defined_receive_count(dev):
    queues = resources_of(dev, "AWS::SQS::Queue")
    by_name = {q["Properties"]["QueueName"]: (logical, q["Properties"]) for logical, q in queues.items()}
    for q in resources.QUEUES:
        _, main = by_name[f"{DEV_PREFIX}-{q.logical}"]
        dlq_logical, _ = by_name[f"{DEV_PREFIX}-{resources.dlq_logical(q)}"]
        assert main["RedrivePolicy"] == {
            "deadLetterTargetArn": {"Fn::GetAtt": [dlq_logical, "Arn"]},
            "maxReceiveCount": q.max_receive_count,
        }
        assert main["VisibilityTimeout"] == q.visibility_timeout
    assert len(by_name) == 2 * len(resources.QUEUES)


def test_queues_are_encrypted_and_refuse_plain_http(dev):
    for queue in props(dev, "AWS::SQS::Queue"):
        assert queue["SqsManagedSseEnabled"] is True
    policies = props(dev, "AWS::SQS::QueuePolicy")
    assert len(policies) == 2 * len(resources.QUEUES)
    for policy in policies:
        assert any(
            st["Effect"] == "Deny" and st.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
            for st in policy["PolicyDocument"]["Statement"]
        )


def test_topics_match_resources_are_kms_encrypted_and_feed_their_subscriber_queues(dev):
    topics = {t["TopicName"]: t for t in props(dev, "AWS::SNS::Topic")}
    expected = {f"{DEV_PREFIX}-{t.logical}" for t in resources.TOPICS}
    assert expected <= set(topics)
    assert set(topics) - expected == {f"{DEV_PREFIX}-alarms"}
    assert all("KmsMasterKeyId" in t for t in topics.values())
    subscriptions = props(dev, "AWS::SNS::Subscription")
    assert len(subscriptions) == sum(len(t.subscribers) for t in resources.TOPICS)
    assert all(s["Protocol"] == "sqs" for s in subscriptions)


def test_buckets_are_encrypted_private_versioned_tls_only_with_lifecycle_rules(dev):
    buckets = {b["BucketName"]: b for b in props(dev, "AWS::S3::Bucket")}
    expected = {f"{DEV_PREFIX}-{b.logical}" for b in resources.BUCKETS}
    assert set(buckets) - expected == {
        f"{DEV_PREFIX}-{name}" for name in ("access-logs", "site-logs", "site-agents", "site-customers")
    }
    for name in expected:
        b = buckets[name]
        assert (
            b["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"][
                "SSEAlgorithm"
            ]
            == "AES256"
        )
        assert b["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert b["VersioningConfiguration"] == {"Status": "Enabled"}
        assert b["LifecycleConfiguration"]["Rules"]
        assert b["LoggingConfiguration"]["DestinationBucketName"]
    # the detection state, rewritten after every stream batch, keeps a short undo history only
    rules = {r["Id"]: r for r in buckets[f"{DEV_PREFIX}-detection"]["LifecycleConfiguration"]["Rules"]}
    assert rules["expire-old-versions"]["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 1,
        "NewerNoncurrentVersions": 20,
    }
    mail = {r["Id"]: r for r in buckets[f"{DEV_PREFIX}-mail"]["LifecycleConfiguration"]["Rules"]}
    assert mail["expire-old-versions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    for policy in props(dev, "AWS::S3::BucketPolicy"):
        assert any(
            st["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(st)
            for st in policy["PolicyDocument"]["Statement"]
        )


def test_ses_may_put_objects_only_under_the_inbound_prefix_of_the_mail_bucket(dev):
    statements = [st for p in props(dev, "AWS::S3::BucketPolicy") for st in p["PolicyDocument"]["Statement"]]
    ses = [st for st in statements if st.get("Principal") == {"Service": "ses.amazonaws.com"}]
    assert len(ses) == 1
    assert ses[0]["Action"] == "s3:PutObject"
    assert ses[0]["Resource"]["Fn::Join"][1][-1] == f"/{resources.INBOUND_PREFIX}*"


def test_receipt_rule_stores_mail_in_the_mail_bucket_and_notifies_the_inbound_topic(dev):
    (rule,) = props(dev, "AWS::SES::ReceiptRule")
    (action,) = rule["Rule"]["Actions"]
    s3_action = action["S3Action"]
    assert s3_action["ObjectKeyPrefix"] == resources.INBOUND_PREFIX
    mail_bucket = next(
        k
        for k, v in resources_of(dev, "AWS::S3::Bucket").items()
        if v["Properties"]["BucketName"] == f"{DEV_PREFIX}-mail"
    )
    topic = next(
        k
        for k, v in resources_of(dev, "AWS::SNS::Topic").items()
        if v["Properties"]["TopicName"] == f"{DEV_PREFIX}-inbound-mail"
    )
    assert s3_action["BucketName"] == {"Ref": mail_bucket}
    assert s3_action["TopicArn"] == {"Ref": topic}
    assert rule["Rule"]["ScanEnabled"] is True and rule["Rule"]["TlsPolicy"] == "Require"


def test_each_function_runs_with_its_own_role_and_chalice_creates_none(dev):
    functions = resources_of(dev, "AWS::Serverless::Function")
    roles = [f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()]
    assert len(set(roles)) == len(functions)
    assert "DefaultRole" not in dev["Resources"]
    assert all(r.startswith("FunctionRolesRole") for r in roles)


def test_no_function_policy_has_wildcard_actions_or_table_scans(dev):
    statements = _statements(dev, "FunctionRolesRole")
    actions = _actions(statements)
    assert not any(a == "*" or a.endswith(":*") for a in actions)
    assert "dynamodb:Scan" not in actions
    assert not any(a.startswith(("dynamodb:Create", "dynamodb:Delete" + "Table", "s3:Delete", "iam:")) for a in actions)


def test_the_scheduled_job_may_touch_only_the_table_topic_and_its_logs(dev):
    actions = _actions(_statements(dev, "FunctionRolesRolecloseresolvedcases"))
    assert {a.split(":")[0] for a in actions} == {"dynamodb", "sns", "kms", "logs"}


def test_mail_may_be_sent_only_from_the_support_address(dev):
    statements = [st for st in _statements(dev, "FunctionRolesRole") if "ses:SendRawEmail" in json.dumps(st["Action"])]
    assert statements
    for st in statements:
        assert st["Condition"] == {"StringEquals": {"ses:FromAddress": "support@mail.example.com"}}


def _secret(template: dict[str, Any], name: str) -> str:
    """The secret's logical id (names are generated by CloudFormation: see test_guard_rails)."""
    logical = {"signing-secret": "SigningSecret", "phone-api-key": "PhoneApiKey"}[name]
    (found,) = [k for k in resources_of(template, "AWS::SecretsManager::Secret") if k.startswith(logical)]
    return found


def test_functions_get_the_signing_secret_arn_and_never_a_secret_value(dev):
    secret = _secret(dev, "signing-secret")
    phone_key = _secret(dev, "phone-api-key")
    for fn in resources_of(dev, "AWS::Serverless::Function").values():
        env = fn["Properties"]["Environment"]["Variables"]
        assert env["CASEBRIDGE_SIGNING_SECRET_ARN"] == {"Ref": secret}
        assert "CASEBRIDGE_SIGNING_SECRET" not in env
        assert env["CASEBRIDGE_PHONE_API_KEY_ARN"] == {"Ref": phone_key}
        assert "CASEBRIDGE_PHONE_API_KEY" not in env
        assert env["CASEBRIDGE_STAGE"] == "dev"
        assert env["CASEBRIDGE_RESOURCE_PREFIX"] == DEV_PREFIX
    assert "resolve:secretsmanager" not in json.dumps(dev)


def test_only_the_api_handler_may_read_the_phone_menu_key(dev):
    phone_key = _secret(dev, "phone-api-key")
    readers: set[str] = set()
    for policy in resources_of(dev, "AWS::IAM::Policy").values():
        for st in policy["Properties"]["PolicyDocument"]["Statement"]:
            if "secretsmanager:GetSecretValue" in json.dumps(st["Action"]) and phone_key in json.dumps(st["Resource"]):
                readers |= {role["Ref"] for role in policy["Properties"]["Roles"]}
    assert readers
    assert all(r.startswith("FunctionRolesRoleapihandler") for r in readers), readers


def test_agent_routes_use_the_stages_own_cognito_pool(dev, prod):
    for template in (dev, prod):
        pool = next(iter(resources_of(template, "AWS::Cognito::UserPool")))
        api = next(iter(resources_of(template, "AWS::Serverless::Api").values()))
        auth = api["Properties"]["DefinitionBody"]["securityDefinitions"]["AgentsPool"]
        assert auth["x-amazon-apigateway-authorizer"]["providerARNs"] == [{"Fn::GetAtt": [pool, "Arn"]}]
        for fn in resources_of(template, "AWS::Serverless::Function").values():
            assert fn["Properties"]["Environment"]["Variables"]["CASEBRIDGE_COGNITO_USER_POOL_ARN"] == {
                "Fn::GetAtt": [pool, "Arn"]
            }


def test_search_domain_admits_only_the_function_roles_over_https(dev):
    (domain,) = props(dev, "AWS::OpenSearchService::Domain")
    assert domain["DomainEndpointOptions"]["EnforceHTTPS"] is True
    assert domain["EncryptionAtRestOptions"]["Enabled"] is True
    assert domain["NodeToNodeEncryptionOptions"]["Enabled"] is True
    assert domain["AdvancedSecurityOptions"]["Enabled"] is True
    principals = [st["Principal"] for st in domain["AccessPolicies"]["Statement"]]
    assert all("FunctionRolesRole" in json.dumps(p) for p in principals)


def test_alarms_cover_every_dead_letter_queue_and_api_server_errors(dev):
    alarms = props(dev, "AWS::CloudWatch::Alarm")
    names = {a["AlarmName"] for a in alarms}
    assert {f"{DEV_PREFIX}-{q.logical}-dlq-not-empty" for q in resources.QUEUES} <= names
    assert f"{DEV_PREFIX}-api-5xx" in names
    topic = next(
        k
        for k, v in resources_of(dev, "AWS::SNS::Topic").items()
        if v["Properties"]["TopicName"] == f"{DEV_PREFIX}-alarms"
    )
    assert all(a["AlarmActions"] == [{"Ref": topic}] for a in alarms)


def test_cdk_nag_aws_solutions_pass_with_every_acknowledgement_explained(synth):
    report = json.loads((synth.outdir / "validation-report.json").read_text())
    (nag,) = [r for r in report["pluginReports"] if r["pluginName"] == "AwsSolutions"]
    assert nag["conclusion"] == "success"
    assert nag["violations"] == []
    for suppressed in nag["suppressedViolations"]:
        assert len(suppressed["reason"]) > 40, suppressed["acknowledgedId"]


# ---------------------------------------------------------------------------- the search indexer's stream
def _logical_by_name(template: dict[str, Any], type_: str, name_key: str, name: str) -> str:
    return next(k for k, v in resources_of(template, type_).items() if v["Properties"].get(name_key) == name)


def _indexer_mapping(template: dict[str, Any]) -> dict[str, Any]:
    name = f"{DEV_PREFIX}-{resources.SEARCH_INDEXER.function.replace('_', '-')}"
    function = _logical_by_name(template, "AWS::Serverless::Function", "FunctionName", name)
    (mapping,) = [
        m for m in props(template, "AWS::Lambda::EventSourceMapping") if m["FunctionName"] == {"Ref": function}
    ]
    return mapping


def test_the_indexer_reads_the_main_tables_stream_from_the_configured_position(dev):
    mapping = _indexer_mapping(dev)
    table = _logical_by_name(
        dev, "AWS::DynamoDB::GlobalTable", "TableName", f"{DEV_PREFIX}-{resources.MAIN_TABLE.logical}"
    )
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [table, "StreamArn"]}
    assert mapping["StartingPosition"] == resources.SEARCH_INDEXER.starting_position == "TRIM_HORIZON"
    assert mapping["BatchSize"] == resources.SEARCH_INDEXER.batch_size


def test_the_indexer_reports_partial_failures_bisects_and_retries_a_bounded_number_of_times(dev):
    mapping = _indexer_mapping(dev)
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] == resources.SEARCH_INDEXER.max_retry_attempts
    assert 0 <= mapping["MaximumRetryAttempts"] <= 10  # -1 (the default) would retry until the record expires


def test_records_the_indexer_cannot_apply_go_to_the_search_index_failures_queue(dev):
    queue = _logical_by_name(
        dev, "AWS::SQS::Queue", "QueueName", f"{DEV_PREFIX}-{resources.SEARCH_INDEX_FAILURES_QUEUE.logical}"
    )
    assert _indexer_mapping(dev)["DestinationConfig"] == {"OnFailure": {"Destination": {"Fn::GetAtt": [queue, "Arn"]}}}


def test_the_indexers_role_may_read_the_stream_send_to_its_failure_queue_and_nothing_broader(dev):
    from casebridge_infra import permissions  # noqa: PLC0415

    table = _logical_by_name(
        dev, "AWS::DynamoDB::GlobalTable", "TableName", f"{DEV_PREFIX}-{resources.MAIN_TABLE.logical}"
    )
    queue = _logical_by_name(
        dev, "AWS::SQS::Queue", "QueueName", f"{DEV_PREFIX}-{resources.SEARCH_INDEX_FAILURES_QUEUE.logical}"
    )
    statements = _statements(dev, "FunctionRolesRoleindexstream")
    by_service: dict[str, list[dict[str, Any]]] = {}
    for st in statements:
        assert st["Effect"] == "Allow"
        actions = [st["Action"]] if isinstance(st["Action"], str) else st["Action"]
        (service,) = {a.split(":")[0] for a in actions}
        by_service.setdefault(service, []).append({**st, "Action": sorted(actions)})
    assert set(by_service) == {"logs", "dynamodb", "sqs", "es"}
    (stream,) = by_service["dynamodb"]
    # ListStreams has no resource-level permission: on the stream ARN it grants nothing, and it is not granted on "*".
    assert stream["Action"] == sorted(permissions.STREAM_READ_ACTIONS)
    assert stream["Resource"] == {"Fn::GetAtt": [table, "StreamArn"]}
    (send,) = by_service["sqs"]
    assert set(send["Action"]) <= {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}
    assert "sqs:SendMessage" in send["Action"]
    assert send["Resource"] == {"Fn::GetAtt": [queue, "Arn"]}
    (own_logs,) = by_service["logs"]
    assert own_logs["Resource"]["Fn::GetAtt"][0].startswith("FunctionRolesLogsindexstream")
    (search,) = by_service["es"]
    assert search["Action"] == sorted(permissions.SEARCH_ACTIONS)
    assert all("domain/casebridge-dev-search" in json.dumps(r) for r in search["Resource"])


def test_a_message_on_the_search_index_failures_queue_raises_an_alarm(dev):
    queue_name = f"{DEV_PREFIX}-{resources.SEARCH_INDEX_FAILURES_QUEUE.logical}"
    queue = _logical_by_name(dev, "AWS::SQS::Queue", "QueueName", queue_name)
    (alarm,) = [a for a in props(dev, "AWS::CloudWatch::Alarm") if a["AlarmName"] == f"{queue_name}-not-empty"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]
    assert alarm["Threshold"] == 1 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert "reindex" in alarm["AlarmDescription"]


def test_functions_run_60_seconds_except_those_resources_gives_more_time(dev):
    functions = {f["FunctionName"]: f for f in props(dev, "AWS::Serverless::Function")}
    jobs = functions[f"{DEV_PREFIX}-handle-notice-jobs"]
    assert jobs["Timeout"] == resources.FUNCTION_TIMEOUTS["handle_notice_jobs"] == 900
    others = {name: f["Timeout"] for name, f in functions.items() if name != f"{DEV_PREFIX}-handle-notice-jobs"}
    assert others and set(others.values()) == {resources.DEFAULT_FUNCTION_TIMEOUT} == {60}


def test_each_queue_hides_a_message_for_at_least_six_times_its_consumers_timeout(dev):
    """AWS Lambda's guidance for SQS event sources: a visibility timeout of at least six times the
    function's timeout, so that a batch retried after throttling is not delivered twice meanwhile."""
    queues = {q["QueueName"]: q.get("VisibilityTimeout", 30) for q in props(dev, "AWS::SQS::Queue")}
    checked = 0
    for function in props(dev, "AWS::Serverless::Function"):
        for event in function.get("Events", {}).values():
            if event["Type"] != "SQS":
                continue
            queue = event["Properties"]["Queue"]["Fn::Sub"].rsplit(":", 1)[-1]
            assert queues[queue] >= 6 * function["Timeout"], (queue, function["FunctionName"])
            checked += 1
    assert checked == 5  # inbound-mail, escalation-jobs, sms-inbound, notice-jobs, case-jobs


def test_every_sqs_consumer_reports_partial_batch_failures(dev):
    # The handlers answer with batchItemFailures (functions/core/batch.py); without this setting Lambda
    # would take that answer as success and delete the failed records.
    consumers = {
        name: fn
        for name, fn in resources_of(dev, "AWS::Serverless::Function").items()
        if any(e["Type"] == "SQS" for e in (fn["Properties"].get("Events") or {}).values())
    }
    assert set(consumers) == {
        "HandleInboundMail",
        "HandleEscalationJobs",
        "HandleSmsInbound",
        "HandleNoticeJobs",
        "HandleCaseJobs",
    }
    for name, fn in consumers.items():
        for event in fn["Properties"]["Events"].values():
            assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"], name


def test_what_api_gateway_answers_itself_is_in_the_one_error_shape(dev):
    from functions.core.http import GATEWAY_ERRORS

    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in resources_of(dev, "AWS::ApiGateway::GatewayResponse").values()
    }
    assert set(responses) == set(GATEWAY_ERRORS)
    for kind, (status, code, _message) in GATEWAY_ERRORS.items():
        body = json.loads(responses[kind]["ResponseTemplates"]["application/json"])
        assert responses[kind]["StatusCode"] == str(status)
        assert body["error"]["code"] == code and body["error"]["fields"] == []
