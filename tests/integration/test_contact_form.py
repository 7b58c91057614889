"""The contact form as the customers' site serves it (a plain HTML form post, the confirmation with
the case number, the form again with what is wrong in the page's language), and attachments
uploaded straight to S3 through presigned POSTs (moto)."""

from __future__ import annotations

import base64
import json
import re
import uuid
from urllib.parse import urlencode

import pytest

from functions.composition import container
from functions.core import aws as core_aws
from functions.core.settings import get_settings
from tests.fakes.mail import FakeMailer

FORM = {
    "name": "Ann Example",
    "email": "ann@example.org",
    "subject": "Printer jams on page 2",
    "description": "Since the last firmware update the printer jams on every second page.",
    "website": "",
}
FORM_TYPE = {"Content-Type": "application/x-www-form-urlencoded"}


def _post(client, lang="en", pairs=None, **over):
    body = urlencode([*({**FORM, **over}).items(), *(pairs or [])])
    return client.http.post(f"/help/{lang}/contact", headers=FORM_TYPE, body=body)


def _upload(client, filename="jam.png", content_type="image/png", data=b"\x89PNG fake image"):
    resp = client.http.post(
        "/web/uploads",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"filename": filename, "content_type": content_type, "size": len(data)}),
    )
    assert resp.status_code == 201, resp.body
    out = resp.json_body
    # what the browser's POST to S3 leaves there
    core_aws.client("s3").put_object(
        Bucket=get_settings().attachments_bucket, Key=out["key"], Body=data, ContentType=content_type
    )
    return out


def test_the_form_page_works_without_javascript(client):
    resp = client.http.get("/help/de/contact?q=Drucker+klemmt")
    assert resp.status_code == 200
    page = resp.body.decode()
    assert '<form class="contact" method="post" action="/help/de/contact"' in page
    assert 'value="Drucker klemmt"' in page  # the search the customer came from
    assert '<label for="email">Ihre E-Mail-Adresse</label>' in page
    assert 'name="website"' in page and 'aria-hidden="true"' in page  # the honeypot, hidden from people


def _multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]) -> tuple[dict, bytes]:
    boundary = uuid.uuid4().hex
    out = b""
    for name, value in fields:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for filename, content_type, data in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        )
        out += head.encode() + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return {"Content-Type": f"multipart/form-data; boundary={boundary}"}, out


def test_the_form_page_offers_attachments_without_javascript(client):
    page = client.http.get("/help/en/contact").body.decode()

    assert 'enctype="multipart/form-data"' in page
    field = re.search(r"<div class=\"field\" data-uploads[^>]*>", page).group(0)
    assert " hidden" not in field  # visible before (and without) the script
    files = re.search(r'<input id="files"[^>]*>', page).group(0)
    assert 'name="files"' in files and " multiple" in files
    assert f'accept="{get_settings().upload_content_types}"' in files
    assert 'aria-describedby="files-hint"' in files
    mb = get_settings().upload_max_bytes // (1024 * 1024)
    assert f"of {mb} MB each" in page  # the limit, said beside the input
    assert f"at most {get_settings().page_post_max_bytes // (1024 * 1024)} MB together" in page


def test_a_multipart_form_post_attaches_its_files_to_the_first_message(client, agent_headers):
    data = b"\x89PNG fake image"
    headers, body = _multipart(list(FORM.items()), [("jam.png", "image/png", data)])

    resp = client.http.post("/help/en/contact", headers=headers, body=body)

    assert resp.status_code == 200, resp.body
    case_id = re.search(r"<strong data-case-id>([A-Z]+-[0-9]+)</strong>", resp.body.decode()).group(1)
    view = client.http.get(f"/cases/{case_id}", headers=agent_headers).json_body
    [first] = [e["message"] for e in view["timeline"] if e["kind"] == "message_in"]
    assert [(a["filename"], a["content_type"], a["size"]) for a in first["attachments"]] == [
        ("jam.png", "image/png", len(data))
    ]


def test_a_file_of_a_type_not_accepted_comes_back_as_the_files_error(client):
    headers, body = _multipart(list(FORM.items()), [("run.exe", "application/x-msdownload", b"MZ")])

    resp = client.http.post("/help/en/contact", headers=headers, body=body)

    assert resp.status_code == 400
    page = resp.body.decode()
    assert 'id="files-error"' in page
    assert re.search(r'<input id="files"[^>]*aria-invalid="true"', page)
    assert 'value="Printer jams on page 2"' in page  # what the customer wrote stays


def test_a_plain_form_post_opens_the_case_and_confirms_with_its_number(client, agent_headers):
    mailer = FakeMailer()
    container().override(mailer=mailer)
    resp = _post(client)

    assert resp.status_code == 200, resp.body
    page = resp.body.decode()
    case_id = re.search(r"<strong data-case-id>([A-Z]+-[0-9]+)</strong>", page).group(1)
    assert "token=" not in page  # the link to the case goes by mail only
    case = client.http.get(f"/cases/{case_id}", headers=agent_headers).json_body
    assert (case["channel"], case["contact_email"], case["language"]) == ("web", "ann@example.org", "en")
    [ack] = [m for m in mailer.sent if m["To"] == "ann@example.org"]
    assert f"/portal/cases/{case_id}?token=" in ack.get_content()


def test_what_is_wrong_comes_back_in_the_form_in_the_pages_language(client):
    resp = _post(client, "fr", email="not an address", description="")

    assert resp.status_code == 400
    page = resp.body.decode()
    assert "Veuillez saisir une adresse e-mail valide." in page
    assert "Veuillez remplir ce champ." in page
    assert 'aria-invalid="true"' in page
    assert 'value="Printer jams on page 2"' in page  # what the customer wrote stays


def test_the_honeypot_thanks_the_bot_without_a_case(client):
    resp = _post(client, website="http://spam.example")
    assert resp.status_code == 200
    assert "data-case-id" not in resp.body.decode()


def test_an_upload_is_presigned_for_its_type_and_size_and_attached_to_the_case(client, agent_headers):
    upload = _upload(client)
    policy = json.loads(base64.b64decode(upload["fields"]["policy"]))
    assert ["content-length-range", 1, get_settings().upload_max_bytes] in policy["conditions"]
    assert {"Content-Type": "image/png"} in policy["conditions"]
    assert upload["fields"]["key"] == upload["key"] and upload["key"].endswith("/jam.png")

    resp = _post(client, pairs=[("attachments", upload["key"])])
    case_id = re.search(r"data-case-id>([A-Z]+-[0-9]+)<", resp.body.decode()).group(1)
    timeline = client.http.get(f"/cases/{case_id}", headers=agent_headers).json_body["timeline"]
    [message] = [e["message"] for e in timeline if e["kind"] == "message_in"]
    [attachment] = message["attachments"]
    assert (attachment["filename"], attachment["content_type"], attachment["s3_key"]) == (
        "jam.png",
        "image/png",
        upload["key"],
    )


def test_uploads_of_a_type_or_size_not_accepted_are_refused_naming_the_field(client):
    def ask(**body):
        full = {"filename": "x.exe", "content_type": "image/png", "size": 10, **body}
        return client.http.post("/web/uploads", headers={"Content-Type": "application/json"}, body=json.dumps(full))

    exe = ask(content_type="application/x-msdownload")
    assert exe.status_code == 400 and exe.json_body["error"]["fields"][0]["field"] == "content_type"
    huge = ask(size=get_settings().upload_max_bytes + 1)
    assert huge.status_code == 400 and huge.json_body["error"]["fields"][0]["field"] == "size"


def test_an_attachment_that_was_never_uploaded_is_asked_for_again(client):
    key = "uploads/2026-12-03/" + "0" * 32 + "/ghost.pdf"
    resp = _post(client, pairs=[("attachments", key)])
    assert resp.status_code == 400
    assert "An attachment could not be found" in resp.body.decode()
    bad = _post(client, pairs=[("attachments", "../../etc/passwd")])
    assert bad.status_code == 400


@pytest.mark.parametrize("path", ["/help/xx/contact", "/help/xx/case-link"])
def test_a_page_in_a_language_the_site_does_not_have_is_a_404_page_not_json(client, path):
    resp = client.http.get(path)
    assert resp.status_code == 404
    assert resp.headers["Content-Type"].startswith("text/html")
    assert b'<html lang="en"' in resp.body and b"/help/en" in resp.body
