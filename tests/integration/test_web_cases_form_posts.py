"""POST /web/cases takes plain HTML form posts too (urlencoded, and multipart with files) and
answers them with a page in the form's language or the browser's; JSON clients keep JSON."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlencode

import pytest

from functions.composition import container
from functions.core.settings import reset_settings

FIELDS = {
    "name": "Ann Example",
    "email": "ann@example.org",
    "subject": "Printer jams",
    "description": "It jams on page 2.",
}
PNG = b"\x89PNG\r\n\x1a\n fake image"


@pytest.fixture(autouse=True)
def _limits(monkeypatch):
    monkeypatch.setenv("CASEBRIDGE_UPLOAD_MAX_BYTES", "2048")
    reset_settings()
    yield
    reset_settings()


def _urlencoded(client, headers=None, **over):
    return client.http.post(
        "/web/cases",
        headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
        body=urlencode({**FIELDS, **over}),
    )


def _multipart(client, files, **over):
    boundary = uuid.uuid4().hex
    body = b""
    for name, value in {**FIELDS, **over}.items():
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for filename, content_type, data in files:
        body += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    body += f"--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    return client.http.post("/web/cases", headers=headers, body=body)


def _case_id(page: str) -> str:
    import re

    return re.search(r"CB-\d+", page).group(0)


def test_a_urlencoded_post_opens_the_case_and_answers_a_page(client):
    resp = _urlencoded(client)

    assert resp.status_code == 201 and resp.headers["Content-Type"].startswith("text/html")
    case = container().cases.get(_case_id(resp.body.decode()))
    assert case.contact_email == "ann@example.org" and case.subject == "Printer jams"


def test_the_page_speaks_the_forms_language_else_the_browsers(client):
    german = _urlencoded(client, language="de").body.decode()
    french = _urlencoded(client, headers={"Accept-Language": "fr-CH,fr;q=0.9,en;q=0.5"}).body.decode()

    assert 'lang="de"' in german and container().cases.get(_case_id(german)).language == "de"
    assert 'lang="fr"' in french


def test_a_form_post_with_a_missing_field_gets_the_form_again_naming_it(client):
    resp = _urlencoded(client, email="", language="es")

    assert resp.status_code == 400 and resp.headers["Content-Type"].startswith("text/html")
    page = resp.body.decode()
    assert 'lang="es"' in page and 'aria-invalid="true"' in page


def test_a_multipart_post_attaches_its_files_within_the_limits(client):
    ok = _multipart(client, [("jam.png", "image/png", PNG)])
    too_big = _multipart(client, [("big.png", "image/png", b"x" * 4096)])

    assert ok.status_code == 201, ok.body
    case_id = _case_id(ok.body.decode())
    first = [e for e in container().cases.view(case_id).timeline if e.kind.value == "message_in"][0]
    assert [a.filename for a in first.message.attachments] == ["jam.png"]
    assert too_big.status_code == 400 and too_big.headers["Content-Type"].startswith("text/html")


def test_json_clients_keep_json(client):
    resp = client.http.post("/web/cases", headers={"Content-Type": "application/json"}, body=json.dumps(FIELDS))
    assert resp.status_code == 201 and resp.json_body["case_id"].startswith("CB-")


def test_a_body_of_another_type_is_refused_with_415(client):
    resp = client.http.post("/web/cases", headers={"Content-Type": "text/plain"}, body="hello")
    assert resp.status_code == 415
