"""The notice senders against the providers' APIs: what SES v2 and SNS are asked, and how their
answers and errors become outcomes.

SES v2: moto lacks SendBulkEmail (the local stack adds it: functions/local/moto_fixes.py), so the
request is checked with botocore's Stubber, which validates it against the SES v2 API model and
compares it whole. SNS: moto, read through the API only (subscriptions, an SQS queue subscribed
to the topic); the answers moto cannot give (partial batch failures, quota and throttling
errors) through the Stubber or a botocore hook.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.stub import Stubber

from functions.notify.contract import Dispatch, DispatchKind
from functions.notify.delivery.adapters import SesEmailSender, SnsSmsSender
from functions.notify.delivery.models import (
    NoticeMail,
    SenderThrottled,
    SendOutcome,
    SendStatus,
    TopicFull,
    TopicSms,
)

DISPATCH = Dispatch(
    notice_id="NT-100001",
    problem_id="PB-1",
    seq=2,
    kind=DispatchKind.UPDATE,
    subject="Update: router reboots",
    body="A fix is on its way.",
    sms_text="Fix coming.",
    created_at=datetime(2026, 11, 23, tzinfo=UTC),
)
TOPIC = "arn:aws:sns:us-east-1:123456789012:casebridge-test-sms-notices"


def mail(n: int, **kw: Any) -> NoticeMail:
    data: dict[str, Any] = dict(
        contact_id=f"CT-{n}", to=f"c{n}@example.org", name=f"Contact {n}", unsubscribe_url=f"https://x/u?token={n}"
    )
    return NoticeMail(**(data | kw))


def client_error(code: str, operation: str) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": code}}, operation)


# -- SES v2 SendBulkEmail -------------------------------------------------------------------------


@pytest.fixture
def ses() -> tuple[SesEmailSender, Stubber]:
    client = boto3.client("sesv2", region_name="us-east-1")
    sender = SesEmailSender(
        from_address="support@example.org", from_name="Support", mail_domain="mail.example.org", client=client
    )
    with Stubber(client) as stub:
        yield sender, stub
        stub.assert_no_pending_responses()


def test_a_bulk_mail_request_names_the_template_and_gives_each_destination_its_data_and_headers(ses):
    sender, stub = ses
    mails = [mail(1, thread_message_id="case-1@example.org"), mail(2, name=None)]
    expected = {
        "FromEmailAddress": "Support <support@example.org>",
        "DefaultContent": {
            "Template": {
                "TemplateName": "casebridge-notice-fr",
                "TemplateData": json.dumps(
                    {"name": "", "subject": DISPATCH.subject, "body": DISPATCH.body, "unsubscribe_url": ""}
                ),
                "Headers": [{"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"}],
            }
        },
        "BulkEmailEntries": [
            {
                "Destination": {"ToAddresses": ["c1@example.org"]},
                "ReplacementEmailContent": {
                    "ReplacementTemplate": {
                        "ReplacementTemplateData": json.dumps(
                            {
                                "name": "Contact 1",
                                "subject": DISPATCH.subject,
                                "body": DISPATCH.body,
                                "unsubscribe_url": "https://x/u?token=1",
                            }
                        )
                    }
                },
                "ReplacementHeaders": [
                    {
                        "Name": "List-Unsubscribe",
                        "Value": "<https://x/u?token=1>, <mailto:unsubscribe@mail.example.org?subject=unsubscribe%20CT-1>",
                    },
                    {"Name": "In-Reply-To", "Value": "<case-1@example.org>"},
                    {"Name": "References", "Value": "<case-1@example.org>"},
                ],
            },
            {
                "Destination": {"ToAddresses": ["c2@example.org"]},
                "ReplacementEmailContent": {
                    "ReplacementTemplate": {
                        "ReplacementTemplateData": json.dumps(
                            {
                                "name": "",
                                "subject": DISPATCH.subject,
                                "body": DISPATCH.body,
                                "unsubscribe_url": "https://x/u?token=2",
                            }
                        )
                    }
                },
                "ReplacementHeaders": [
                    {
                        "Name": "List-Unsubscribe",
                        "Value": "<https://x/u?token=2>, <mailto:unsubscribe@mail.example.org?subject=unsubscribe%20CT-2>",
                    }
                ],
            },
        ],
        "DefaultEmailTags": [{"Name": "notice", "Value": "NT-100001"}, {"Name": "seq", "Value": "2"}],
    }
    answer = {"BulkEmailEntryResults": [{"Status": "SUCCESS", "MessageId": "m-1"}] * 2}
    stub.add_response("send_bulk_email", answer, expected)
    assert (
        sender.send_bulk("casebridge-notice-fr", DISPATCH, mails)
        == [SendOutcome(SendStatus.SENT, provider_id="m-1")] * 2
    )


def test_each_destinations_status_becomes_its_outcome(ses):
    sender, stub = ses
    results = [
        {"Status": "SUCCESS", "MessageId": "m-1"},
        {"Status": "ACCOUNT_THROTTLED", "Error": "slow down"},
        {"Status": "MESSAGE_REJECTED", "Error": "rejected"},
    ]  # and no answer for the fourth
    stub.add_response("send_bulk_email", {"BulkEmailEntryResults": results})
    assert sender.send_bulk("casebridge-notice-en", DISPATCH, [mail(i) for i in range(4)]) == [
        SendOutcome(SendStatus.SENT, provider_id="m-1"),
        SendOutcome(SendStatus.RETRY),
        SendOutcome(SendStatus.FAILED, error="MESSAGE_REJECTED"),
        SendOutcome(SendStatus.RETRY),
    ]


def test_a_throttled_bulk_call_answers_retry_for_every_mail_and_another_error_raises(ses):
    sender, stub = ses
    stub.add_client_error("send_bulk_email", service_error_code="TooManyRequestsException", http_status_code=429)
    assert sender.send_bulk("casebridge-notice-en", DISPATCH, [mail(1), mail(2)]) == [SendOutcome(SendStatus.RETRY)] * 2
    stub.add_client_error("send_bulk_email", service_error_code="MessageRejected", http_status_code=400)
    with pytest.raises(botocore.exceptions.ClientError):
        sender.send_bulk("casebridge-notice-en", DISPATCH, [mail(1)])


# -- SNS: the notices topic and direct SMS --------------------------------------------------------


@pytest.fixture
def sns(aws: dict) -> SnsSmsSender:
    topic = aws["topics"]["sms-notices"]
    return SnsSmsSender(lambda: topic, client=boto3.client("sns", region_name="us-east-1"))


def test_a_contact_is_subscribed_by_sms_with_a_filter_on_its_id_and_unsubscribed_again(sns):
    arn = sns.subscribe("CT-1", "+15550000001")
    client = sns.client
    [sub] = client.list_subscriptions_by_topic(TopicArn=sns.topic)["Subscriptions"]
    assert sub["SubscriptionArn"] == arn and sub["Protocol"] == "sms" and sub["Endpoint"] == "+15550000001"
    attributes = client.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert json.loads(attributes["FilterPolicy"]) == {"contact_id": ["CT-1"]}
    sns.unsubscribe(arn)
    sns.unsubscribe(arn)  # already gone: fine
    sns.unsubscribe(None)
    assert client.list_subscriptions_by_topic(TopicArn=sns.topic)["Subscriptions"] == []


def test_subscribing_a_contact_again_is_the_same_subscription(sns):
    # A retried job may subscribe a contact whose subscription it made but could not record: SNS
    # answers the existing subscription (tests/fakes/notices.py FakeSmsSender does the same).
    first = sns.subscribe("CT-2", "+15550000002")
    again = sns.subscribe("CT-2", "+15550000002")
    assert again == first
    assert len(sns.client.list_subscriptions_by_topic(TopicArn=sns.topic)["Subscriptions"]) == 1


def test_topic_messages_carry_their_contact_notice_and_seq(sns, aws):
    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="sms-probe")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.client.subscribe(TopicArn=sns.topic, Protocol="sqs", Endpoint=queue_arn)
    messages = [TopicSms(f"CT-{i}", f"text {i}", "NT-100001", 2) for i in range(3)]

    outcomes = sns.publish_batch(messages)

    assert [o.status for o in outcomes] == [SendStatus.SENT] * 3 and all(o.provider_id for o in outcomes)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    bodies = sorted((json.loads(m["Body"]) for m in got), key=lambda b: b["Message"])
    assert [b["Message"] for b in bodies] == ["text 0", "text 1", "text 2"]
    assert [b["MessageAttributes"]["contact_id"]["Value"] for b in bodies] == ["CT-0", "CT-1", "CT-2"]
    assert {b["MessageAttributes"]["notice_id"]["Value"] for b in bodies} == {"NT-100001"}
    assert {(b["MessageAttributes"]["seq"]["Type"], b["MessageAttributes"]["seq"]["Value"]) for b in bodies} == {
        ("Number", "2")
    }


def test_a_batch_entry_failing_by_the_senders_fault_is_failed_and_by_the_providers_is_retried():
    client = boto3.client("sns", region_name="us-east-1")
    sender = SnsSmsSender(lambda: TOPIC, client=client)
    messages = [TopicSms(f"CT-{i}", "t", "NT-1", 1) for i in range(3)]
    with Stubber(client) as stub:
        stub.add_response(
            "publish_batch",
            {
                "Successful": [{"Id": "0", "MessageId": "s-0"}],
                "Failed": [
                    {"Id": "1", "Code": "InvalidParameter", "SenderFault": True},
                    {"Id": "2", "Code": "InternalError", "SenderFault": False},
                ],
            },
            {"TopicArn": TOPIC, "PublishBatchRequestEntries": SnsSmsSender.entries(messages)},
        )
        assert sender.publish_batch(messages) == [
            SendOutcome(SendStatus.SENT, provider_id="s-0"),
            SendOutcome(SendStatus.FAILED, error="InvalidParameter"),
            SendOutcome(SendStatus.RETRY),
        ]


def test_a_throttled_topic_batch_answers_retry_for_every_message(sns):
    def throttled(**kwargs: Any) -> None:
        raise client_error("Throttled", "PublishBatch")

    sns.client.meta.events.register("before-call.sns.PublishBatch", throttled)
    assert sns.publish_batch([TopicSms("CT-1", "t", "NT-1", 1)] * 2) == [SendOutcome(SendStatus.RETRY)] * 2


def test_a_direct_sms_is_transactional_and_a_refused_number_fails_for_good(sns):
    sent = sns.publish_direct("+15550000001", "Routers may restart. Reply STOP to opt out.")
    assert sent.status is SendStatus.SENT and sent.provider_id
    assert sns.publish_direct("not-a-number", "text") == SendOutcome(SendStatus.FAILED, error="InvalidParameter")

    client = boto3.client("sns", region_name="us-east-1")
    with Stubber(client) as stub:
        expected = {
            "PhoneNumber": "+15550000001",
            "Message": "hi",
            "MessageAttributes": {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
        }
        stub.add_response("publish", {"MessageId": "d-1"}, expected)
        stub.add_client_error("publish", service_error_code="Throttling", http_status_code=400)
        stub.add_client_error("publish", service_error_code="AuthorizationError", http_status_code=403)
        direct = SnsSmsSender(lambda: TOPIC, client=client)
        assert direct.publish_direct("+15550000001", "hi") == SendOutcome(SendStatus.SENT, provider_id="d-1")
        assert direct.publish_direct("+15550000001", "hi") == SendOutcome(SendStatus.RETRY)
        with pytest.raises(botocore.exceptions.ClientError):
            direct.publish_direct("+15550000001", "hi")


@pytest.mark.parametrize(
    ("code", "raised"),
    [
        ("FilterPolicyLimitExceeded", TopicFull),
        ("SubscriptionLimitExceeded", TopicFull),
        ("Throttling", SenderThrottled),
        ("AuthorizationError", botocore.exceptions.ClientError),
    ],
)
def test_a_refused_subscription_says_why(code: str, raised: type[Exception]):
    client = boto3.client("sns", region_name="us-east-1")
    sender = SnsSmsSender(lambda: TOPIC, client=client)
    with Stubber(client) as stub:
        stub.add_client_error("subscribe", service_error_code=code, http_status_code=400)
        with pytest.raises(raised) as err:
            sender.subscribe("CT-1", "+15550000001")
    if raised is TopicFull:
        assert err.value.code == code  # type: ignore[attr-defined]
