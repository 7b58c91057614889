"""The local stack's patch of moto for SES v2 templates and bulk sending (moto 5.2.5 lacks them:
functions/local/moto_fixes.py). It is what the local stack and the e2e suite send notice mail
through; notice delivery's own tests do not depend on it (they use the in-memory senders, and the
SES adapter is checked against the SES v2 API model: tests/integration/test_notice_delivery_adapters.py).
Reading moto's SES backend is the point here: it is where the patch puts the mail."""

from __future__ import annotations

import email
import json
from email import policy as email_policy

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from functions.local import moto_fixes

TEMPLATE = {"Subject": "{{subject}}", "Text": "Hello {{name}}", "Html": "<p>Hello {{name}}</p>"}


@pytest.fixture
def sesv2():
    moto_fixes.apply()
    with mock_aws():
        boto3.client("ses", region_name="us-east-1").verify_email_identity(EmailAddress="support@example.org")
        client = boto3.client("sesv2", region_name="us-east-1")
        client.create_email_template(TemplateName="t-en", TemplateContent=TEMPLATE)
        yield client


def _bulk(client, entries, template="t-en"):
    return client.send_bulk_email(
        FromEmailAddress="Support <support@example.org>",
        DefaultContent={
            "Template": {
                "TemplateName": template,
                "TemplateData": json.dumps({"subject": "Notice", "name": "customer"}),
                "Headers": [{"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"}],
            }
        },
        BulkEmailEntries=entries,
    )["BulkEmailEntryResults"]


def _sent():
    return [
        email.message_from_string(m.raw_data, policy=email_policy.default)
        for m in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
    ]


def test_a_template_can_be_read_back_and_not_created_twice(sesv2):
    assert sesv2.get_email_template(TemplateName="t-en")["TemplateContent"] == TEMPLATE
    with pytest.raises(sesv2.exceptions.AlreadyExistsException):
        sesv2.create_email_template(TemplateName="t-en", TemplateContent=TEMPLATE)


def test_bulk_sending_renders_each_destination_with_its_data_and_headers(sesv2):
    entries = [
        {
            "Destination": {"ToAddresses": ["ann@example.org"]},
            "ReplacementEmailContent": {
                "ReplacementTemplate": {"ReplacementTemplateData": json.dumps({"name": "<Ann>"})}
            },
            "ReplacementHeaders": [{"Name": "In-Reply-To", "Value": "<case@x>"}],
        },
        {"Destination": {"ToAddresses": ["bob@example.org"]}},
    ]
    results = _bulk(sesv2, entries)
    assert [r["Status"] for r in results] == ["SUCCESS", "SUCCESS"]
    ann, bob = _sent()
    assert ann["To"] == "ann@example.org" and ann["Subject"] == "Notice"
    assert ann["In-Reply-To"] == "<case@x>" and ann["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert ann.get_body(preferencelist=("plain",)).get_content().strip() == "Hello <Ann>"
    assert "Hello &lt;Ann&gt;" in ann.get_body(preferencelist=("html",)).get_content()
    assert bob.get_body(preferencelist=("plain",)).get_content().strip() == "Hello customer"


def test_bulk_sending_with_an_unknown_template_reports_it_per_destination(sesv2):
    results = _bulk(sesv2, [{"Destination": {"ToAddresses": ["ann@example.org"]}}], template="nope")
    assert results[0]["Status"] == "TEMPLATE_NOT_FOUND"
    assert _sent() == []
