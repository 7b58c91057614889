"""The senders of notice delivery: SES v2 and SNS, and their request formats and error codes.

* ``SesEmailSender`` (``ports.EmailSender``): SES v2 ``SendBulkEmail`` with a stored template
  (``casebridge-notice-{lang}``, ``templates.py``), 50 destinations a call, each with its
  template data and its ``List-Unsubscribe`` (and threading) headers.
* ``SnsSmsSender`` (``ports.SmsSender``): the ``sms-notices`` topic, where each opted-in phone
  is subscribed once with the filter policy ``{"contact_id": [id]}`` so that a ``PublishBatch``
  entry (10 a call) carrying ``contact_id`` reaches exactly its contact; and ``Publish`` straight
  to a phone number. SNS allows 200 filter policies per topic and 10,000 per account by default:
  ``Subscribe`` answering ``FilterPolicyLimitExceeded`` is ``TopicFull``.

Both use a client with botocore's adaptive retry mode (client-side rate limiting on throttling),
made on first use; a call the provider still throttles answers RETRY for its messages.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from functions.notify.contract import Dispatch
from functions.notify.delivery.models import (
    NoticeMail,
    SenderThrottled,
    SendOutcome,
    SendStatus,
    TopicFull,
    TopicSms,
)

# SES per-destination statuses retried later; any other status but SUCCESS is a refusal for good.
EMAIL_RETRYABLE = frozenset(
    {
        "ACCOUNT_THROTTLED",
        "TRANSIENT_FAILURE",
        "FAILED",
        "ACCOUNT_DAILY_QUOTA_EXCEEDED",
        "ACCOUNT_SENDING_PAUSED",
        "CONFIGURATION_SET_SENDING_PAUSED",
        "MAIL_FROM_DOMAIN_NOT_VERIFIED",
        "TEMPLATE_NOT_FOUND",
        "CONFIGURATION_SET_NOT_FOUND",
        "INVALID_SENDING_POOL_NAME",
        "ACCOUNT_SUSPENDED",
    }
)
# Error codes of a throttled (or transient) call, SES and SNS.
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "LimitExceededException",
        "ThrottledException",
        "RequestLimitExceeded",
        "ServiceUnavailable",
        "InternalFailure",
        "InternalError",
        "Throttled",  # SNS (ThrottledException)
        "KMSThrottling",
    }
)
# SNS Subscribe: the topic (or account) cannot take another filtered subscription.
TOPIC_FULL_CODES = frozenset({"FilterPolicyLimitExceeded", "SubscriptionLimitExceeded"})
# SNS Publish to a phone number refused for this recipient (bad or disabled number): failed for good.
SMS_REFUSED_CODES = frozenset({"InvalidParameter", "InvalidParameterValue", "EndpointDisabled"})
RETRY = SendOutcome(SendStatus.RETRY)


def error_code(exc: Exception) -> str:
    """The provider's error code of a botocore ``ClientError`` ("" for other errors)."""
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def is_throttling(exc: Exception) -> bool:
    return error_code(exc) in THROTTLING_CODES or type(exc).__name__ in {"ConnectionError", "EndpointConnectionError"}


def _angle(message_id: str) -> str:
    message_id = message_id.strip()
    return message_id if message_id.startswith("<") else f"<{message_id}>"


def _tag(value: str) -> str:
    """SES tag values: letters, digits, _ and - only."""
    return "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in value)[:256]


class _Client:
    """A boto3 client made on first use (``make``), or the one given."""

    def __init__(self, make: Callable[[], Any], client: Any | None) -> None:
        self._make = make
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._make()
        return self._client


class SesEmailSender(_Client):
    """SES v2 SendBulkEmail with a stored template; the template data of every notice template is
    ``name``, ``subject``, ``body`` and ``unsubscribe_url``."""

    def __init__(
        self,
        *,
        from_address: str,
        from_name: str,
        mail_domain: str,
        client: Any | None = None,
        max_attempts: int = 5,
    ) -> None:
        from functions.core import aws  # noqa: PLC0415

        super().__init__(lambda: aws.client("sesv2", adaptive_attempts=max_attempts), client)
        self.from_address, self.from_name, self.mail_domain = from_address, from_name, mail_domain

    def request(self, template: str, dispatch: Dispatch, mails: list[NoticeMail]) -> dict[str, Any]:
        """The SendBulkEmail request of ``mails``."""
        entries = []
        for m in mails:
            mailto = f"mailto:unsubscribe@{self.mail_domain}?subject=unsubscribe%20{m.contact_id}"
            headers = [{"Name": "List-Unsubscribe", "Value": f"<{m.unsubscribe_url}>, <{mailto}>"}]
            if m.thread_message_id:
                ref = _angle(m.thread_message_id)
                headers += [{"Name": "In-Reply-To", "Value": ref}, {"Name": "References", "Value": ref}]
            data = {
                "name": m.name or "",
                "subject": dispatch.subject,
                "body": dispatch.body,
                "unsubscribe_url": m.unsubscribe_url,
            }
            entries.append(
                {
                    "Destination": {"ToAddresses": [m.to]},
                    "ReplacementEmailContent": {"ReplacementTemplate": {"ReplacementTemplateData": json.dumps(data)}},
                    "ReplacementHeaders": headers,
                }
            )
        default = {"name": "", "subject": dispatch.subject, "body": dispatch.body, "unsubscribe_url": ""}
        return {
            "FromEmailAddress": f"{self.from_name} <{self.from_address}>",
            "DefaultContent": {
                "Template": {
                    "TemplateName": template,
                    "TemplateData": json.dumps(default),
                    "Headers": [{"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"}],
                }
            },
            "BulkEmailEntries": entries,
            "DefaultEmailTags": [
                {"Name": "notice", "Value": _tag(dispatch.notice_id)},
                {"Name": "seq", "Value": str(dispatch.seq)},
            ],
        }

    def send_bulk(self, template: str, dispatch: Dispatch, mails: list[NoticeMail]) -> list[SendOutcome]:
        try:
            results = self.client.send_bulk_email(**self.request(template, dispatch, mails))["BulkEmailEntryResults"]
        except Exception as exc:
            if is_throttling(exc):
                return [RETRY] * len(mails)
            raise
        out = [_email_outcome(r) for r in results[: len(mails)]]
        return out + [RETRY] * (len(mails) - len(out))  # a destination without an answer was not sent


def _email_outcome(result: dict[str, Any]) -> SendOutcome:
    status = str(result.get("Status", "FAILED"))
    if status == "SUCCESS":
        return SendOutcome(SendStatus.SENT, provider_id=result.get("MessageId"))
    if status in EMAIL_RETRYABLE:
        return RETRY
    return SendOutcome(SendStatus.FAILED, error=status)


class SnsSmsSender(_Client):
    """SNS: the ``sms-notices`` topic with one filtered SMS subscription per contact, and Publish
    straight to a phone number (``sms_type``: notices are service information the customer opted
    in to, not marketing: Transactional, SNS's higher-reliability route)."""

    def __init__(
        self,
        topic_arn: Callable[[], str],
        *,
        sms_type: str = "Transactional",
        client: Any | None = None,
        max_attempts: int = 5,
    ) -> None:
        from functions.core import aws  # noqa: PLC0415

        super().__init__(lambda: aws.client("sns", adaptive_attempts=max_attempts), client)
        self._topic_arn = topic_arn
        self._topic: str | None = None
        self.sms_type = sms_type

    @property
    def topic(self) -> str:
        if self._topic is None:
            self._topic = self._topic_arn()
        return self._topic

    def subscribe(self, contact_id: str, phone: str) -> str:
        try:
            resp = self.client.subscribe(
                TopicArn=self.topic,
                Protocol="sms",
                Endpoint=phone,
                Attributes={"FilterPolicy": json.dumps({"contact_id": [contact_id]})},
                ReturnSubscriptionArn=True,
            )
        except Exception as exc:
            code = error_code(exc) or type(exc).__name__.removesuffix("Exception")
            if code in TOPIC_FULL_CODES:
                raise TopicFull(code) from exc
            if is_throttling(exc):
                raise SenderThrottled(code) from exc
            raise
        return str(resp["SubscriptionArn"])

    def unsubscribe(self, subscription_arn: str | None) -> None:
        if not subscription_arn:
            return
        try:
            self.client.unsubscribe(SubscriptionArn=subscription_arn)
        except self.client.exceptions.NotFoundException:
            pass

    @staticmethod
    def entries(messages: list[TopicSms]) -> list[dict[str, Any]]:
        """The PublishBatch entries of ``messages`` (Id: the message's index)."""
        return [
            {
                "Id": str(n),
                "Message": m.text,
                "MessageAttributes": {
                    "contact_id": {"DataType": "String", "StringValue": m.contact_id},
                    "notice_id": {"DataType": "String", "StringValue": m.notice_id},
                    "seq": {"DataType": "Number", "StringValue": str(m.seq)},
                },
            }
            for n, m in enumerate(messages)
        ]

    def publish_batch(self, messages: list[TopicSms]) -> list[SendOutcome]:
        try:
            resp = self.client.publish_batch(TopicArn=self.topic, PublishBatchRequestEntries=self.entries(messages))
        except Exception as exc:
            if is_throttling(exc):
                return [RETRY] * len(messages)
            raise
        ok = {e["Id"]: e.get("MessageId") for e in resp.get("Successful", [])}
        bad = {e["Id"]: e for e in resp.get("Failed", [])}
        out = []
        for n in range(len(messages)):
            if str(n) in ok:
                out.append(SendOutcome(SendStatus.SENT, provider_id=ok[str(n)]))
            elif str(n) in bad and bad[str(n)].get("SenderFault"):
                out.append(SendOutcome(SendStatus.FAILED, error=str(bad[str(n)].get("Code", "failed"))))
            else:
                out.append(RETRY)  # the provider's fault (or no answer): a retry sends it
        return out

    def publish_direct(self, phone: str, text: str) -> SendOutcome:
        try:
            resp = self.client.publish(
                PhoneNumber=phone,
                Message=text,
                MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": self.sms_type}},
            )
        except Exception as exc:
            if is_throttling(exc):
                return RETRY
            code = error_code(exc)
            if code not in SMS_REFUSED_CODES:
                raise
            return SendOutcome(SendStatus.FAILED, error=code)
        return SendOutcome(SendStatus.SENT, provider_id=str(resp["MessageId"]))
