"""Replies with attachments on the case page: with JavaScript (files uploaded through POST
/web/uploads, their keys posted with the reply; the JSON reply takes the same keys) and without
(a multipart/form-data post with the files, held to the same size and type limits; what is wrong
said on the case page in the contact's language)."""

from __future__ import annotations

import json
import uuid
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from functions.composition import container
from functions.core import aws as core_aws
from functions.core.settings import get_settings, reset_settings

HTML = {"Accept": "text/html"}
PNG = b"\x89PNG\r\n\x1a\n fake image"


@pytest.fixture(autouse=True)
def _small_limits(monkeypatch):
    monkeypatch.setenv("CASEBRIDGE_UPLOAD_MAX_BYTES", "2048")
    monkeypatch.setenv("CASEBRIDGE_UPLOAD_MAX_FILES", "2")
    monkeypatch.setenv("CASEBRIDGE_PAGE_POST_MAX_BYTES", str(64 * 1024))
    reset_settings()
    yield
    reset_settings()


def _case(client, language=None):
    body = {"name": "Ann Example", "email": "ann@example.org", "subject": "Printer jams", "description": "Page 2."}
    if language:
        body["language"] = language
    resp = client.http.post("/web/cases", headers={"Content-Type": "application/json"}, body=json.dumps(body))
    assert resp.status_code == 201, resp.body
    url = urlparse(resp.json_body["portal_url"])
    return resp.json_body["case_id"], url.path, parse_qs(url.query)["token"][0]


def _multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, str, bytes]]) -> tuple[dict, bytes]:
    boundary = uuid.uuid4().hex
    out = b""
    for name, value in fields:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for name, filename, content_type, data in files:
        out += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    out += f"--{boundary}--\r\n".encode()
    return {"Content-Type": f"multipart/form-data; boundary={boundary}", **HTML}, out


def _last_message(case_id):
    view = container().cases.view(case_id)
    return [e for e in view.timeline if e.kind.value == "message_in"][-1].message


def _uploaded(client, filename="jam.png", content_type="image/png", data=PNG) -> str:
    resp = client.http.post(
        "/web/uploads",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"filename": filename, "content_type": content_type, "size": len(data)}),
    )
    assert resp.status_code == 201, resp.body
    key = resp.json_body["key"]
    core_aws.client("s3").put_object(
        Bucket=get_settings().attachments_bucket, Key=key, Body=data, ContentType=content_type
    )
    return key


def test_the_case_page_offers_files_with_the_reply_and_posts_them_itself_without_javascript(client):
    _, path, token = _case(client)
    page = client.http.get(f"{path}?token={token}", headers=HTML).body.decode()
    assert 'enctype="multipart/form-data"' in page
    assert '<input id="files" name="files" type="file" multiple' in page and "data-uploads" in page
    assert "<noscript>" in page  # the limit of a post without JavaScript


def test_a_multipart_reply_without_javascript_attaches_the_files(client):
    case_id, path, token = _case(client)
    headers, body = _multipart(
        [("token", token), ("body", "Here is a photo.")], [("files", "jam.png", "image/png", PNG)]
    )

    resp = client.http.post(f"{path}/page/reply", headers=headers, body=body)

    assert resp.status_code == 303, resp.body
    assert "done=case.replied" in resp.headers["Location"]
    message = _last_message(case_id)
    assert message.body_text == "Here is a photo."
    [attachment] = message.attachments
    assert (attachment.filename, attachment.content_type, attachment.size) == ("jam.png", "image/png", len(PNG))
    stored = core_aws.client("s3").get_object(Bucket=get_settings().attachments_bucket, Key=attachment.s3_key)
    assert stored["Body"].read() == PNG


def test_an_empty_file_input_is_no_file(client):
    case_id, path, token = _case(client)
    headers, body = _multipart(
        [("token", token), ("body", "No file.")], [("files", "", "application/octet-stream", b"")]
    )
    assert client.http.post(f"{path}/page/reply", headers=headers, body=body).status_code == 303
    assert _last_message(case_id).attachments == []


@pytest.mark.parametrize(
    ("files", "language", "said"),
    [
        ([("files", "big.png", "image/png", b"x" * 4096)], "en", "big.png is larger than"),
        ([("files", "run.exe", "application/x-msdownload", b"MZ")], "de", "run.exe ist keine Dateiart"),
        ([("files", f"{i}.png", "image/png", PNG) for i in range(3)], "fr", "2 fichiers au plus par réponse."),
        ([("files", "huge.png", "image/png", b"x" * 70_000)], "es", "demasiado grandes para enviarlos así"),
    ],
)
def test_a_file_the_limits_refuse_is_said_on_the_case_page_in_the_contacts_language(client, files, language, said):
    case_id, path, token = _case(client, language=language)
    headers, body = _multipart([("token", token), ("body", "See attached.")], files)

    resp = client.http.post(f"{path}/page/reply", headers=headers, body=body)

    assert resp.status_code == 400 and resp.headers["Content-Type"].startswith("text/html")
    page = resp.body.decode()
    assert said in page and 'role="alert"' in page
    assert all(m.body_text != "See attached." for m in [_last_message(case_id)])


def test_a_reply_with_keys_of_uploaded_files_attaches_them_with_javascript(client):
    case_id, path, token = _case(client)
    key = _uploaded(client)
    headers, body = _multipart([("token", token), ("body", "Uploaded first."), ("attachments", key)], [])

    assert client.http.post(f"{path}/page/reply", headers=headers, body=body).status_code == 303
    assert [a.s3_key for a in _last_message(case_id).attachments] == [key]


def test_the_json_reply_takes_uploaded_files_and_names_a_missing_one(client):
    case_id, path, token = _case(client)
    key = _uploaded(client)
    url = f"{path}/replies?token={token}"
    headers = {"Content-Type": "application/json"}

    ok = client.http.post(url, headers=headers, body=json.dumps({"body": "With a file.", "attachments": [key]}))
    missing = key.rsplit("/", 2)[0] + "/" + "0" * 32 + "/gone.png"
    bad = client.http.post(url, headers=headers, body=json.dumps({"body": "Again.", "attachments": [missing]}))

    assert ok.status_code == 201, ok.body
    assert [a.s3_key for a in _last_message(case_id).attachments] == [key]
    assert bad.status_code == 400 and bad.json_body["error"]["fields"][0]["field"] == "attachments.0"


def test_a_plain_urlencoded_reply_still_works(client):
    case_id, path, token = _case(client)
    resp = client.http.post(
        f"{path}/page/reply",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=urlencode({"token": token, "body": "No files."}),
    )
    assert resp.status_code == 303 and _last_message(case_id).body_text == "No files."
