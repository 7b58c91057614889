"""Attachments through short-lived links (GET /cases/{case_id}/attachments/{attachment_id}) on moto."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest


@pytest.fixture
def case_with_attachments(client, aws):
    from functions import composition
    from functions.cases.models import Actor, ActorType, Attachment, Channel, Message
    from functions.core import aws as core_aws

    bucket = composition.container().settings.attachments_bucket
    core_aws.client("s3").put_object(
        Bucket=bucket, Key="email/in-1/00-report.pdf", Body=b"%PDF-1.4", ContentType="application/pdf"
    )
    stored = Attachment(
        filename="report.pdf", content_type="application/pdf", size=8, md5="a" * 32, s3_key="email/in-1/00-report.pdf"
    )
    skipped = Attachment(
        filename="video.mp4", content_type="video/mp4", size=90_000_000, md5="b" * 32, skipped_reason="too large"
    )
    message = Message(channel=Channel.EMAIL, direction="in", body_text="see attached", attachments=[stored, skipped])
    case = composition.container().cases.open_case(
        subject="Report", channel=Channel.EMAIL, actor=Actor(type=ActorType.CUSTOMER), message=message
    )
    return case.case_id


def test_the_timeline_lists_attachments_with_their_id_and_a_stored_one_has_a_short_lived_link(
    client, agent_headers, case_with_attachments
):
    case_id = case_with_attachments
    view = client.http.get(f"/cases/{case_id}", headers=agent_headers).json_body
    ids = [a["attachment_id"] for e in view["timeline"] if e.get("message") for a in e["message"]["attachments"]]
    assert ids == ["a" * 32, "b" * 32]

    resp = client.http.get(f"/cases/{case_id}/attachments/{'a' * 32}", headers=agent_headers)
    assert resp.status_code == 200, resp.body
    link = resp.json_body
    assert (link["filename"], link["content_type"], link["size"]) == ("report.pdf", "application/pdf", 8)
    url = urlparse(link["url"])
    params = parse_qs(url.query)
    assert url.path.endswith("/email/in-1/00-report.pdf")
    assert params["response-content-disposition"] == ["attachment"]
    assert params["response-content-type"] == ["application/pdf"]
    assert params.get("X-Amz-Expires", params.get("Expires")) is not None


def test_a_skipped_attachment_is_404_saying_why_and_an_unknown_one_404(client, agent_headers, case_with_attachments):
    case_id = case_with_attachments
    skipped = client.http.get(f"/cases/{case_id}/attachments/{'b' * 32}", headers=agent_headers)
    assert skipped.status_code == 404
    assert "too large" in skipped.json_body["error"]["message"]
    assert client.http.get(f"/cases/{case_id}/attachments/nope", headers=agent_headers).status_code == 404
    assert client.http.get("/cases/CB-999999/attachments/nope", headers=agent_headers).status_code == 404
    assert client.http.get(f"/cases/{case_id}/attachments/{'a' * 32}").status_code == 401
