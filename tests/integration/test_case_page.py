"""The readable case page behind the signed link (content negotiation: HTML for browsers, JSON for
API clients), its reply, "this solved it" and reopen forms, the known issue of the case's problem,
and "send me a new link" answering the same page whatever was asked."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from functions.composition import container
from functions.core.settings import reset_settings

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
FORM_TYPE = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(autouse=True)
def _quick_link_answers(monkeypatch):
    monkeypatch.setenv("CASEBRIDGE_PORTAL_LINK_ANSWER_SECONDS", "0")
    reset_settings()


def _case(client, language=None):
    body = {
        "name": "Ann Example",
        "email": "ann@example.org",
        "subject": "Printer jams on page 2",
        "description": "It jams on every second page.",
        **({"language": language} if language else {}),
    }
    resp = client.http.post("/web/cases", headers={"Content-Type": "application/json"}, body=json.dumps(body))
    assert resp.status_code == 201, resp.body
    url = urlparse(resp.json_body["portal_url"])
    return resp.json_body["case_id"], url.path, parse_qs(url.query)["token"][0]


def _page(client, path, token, **query):
    resp = client.http.get(f"{path}?{urlencode({'token': token, **query})}", headers=HTML)
    return resp, resp.body.decode()


def test_a_browser_gets_the_readable_page_and_an_api_client_json(client):
    case_id, path, token = _case(client)

    resp, page = _page(client, path, token)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/html")
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert "<h1>Printer jams on page 2</h1>" in page and case_id in page
    assert "Received" in page and "It jams on every second page." in page

    data = client.http.get(f"{path}?token={token}", headers={"Accept": "application/json"})
    assert data.json_body["status"] == "received"


def test_the_page_speaks_the_contacts_language_unless_the_customer_chooses(client):
    _, path, token = _case(client, language="de")
    assert 'lang="de"' in _page(client, path, token)[1]
    assert 'lang="fr"' in _page(client, path, token, lang="fr")[1]


def test_reply_solved_and_reopen_are_plain_forms(client, agent_headers):
    case_id, path, token = _case(client)

    reply = client.http.post(
        f"{path}/page/reply", headers=FORM_TYPE, body=urlencode({"token": token, "body": "Also page 4."})
    )
    assert reply.status_code == 303
    location = reply.headers["Location"]
    assert location.startswith(f"{path}?token=") and "done=case.replied" in location
    page = client.http.get(location, headers=HTML).body.decode()
    assert "Also page 4." in page and "Your reply is on the case." in page

    solved = client.http.post(f"{path}/page/solved", headers=FORM_TYPE, body=urlencode({"token": token}))
    assert solved.status_code == 303
    assert container().cases.get(case_id).status.value == "resolved"
    assert "Reopen" in client.http.get(solved.headers["Location"], headers=HTML).body.decode()

    client.http.post(f"{path}/page/reopen", headers=FORM_TYPE, body=urlencode({"token": token}))
    assert container().cases.get(case_id).status.value == "open"


def test_a_link_that_does_not_work_says_how_to_get_a_new_one(client):
    _, path, token = _case(client)
    resp, page = _page(client, path, token[:-4] + "AAAA")
    assert resp.status_code == 401
    assert 'href="/help/en/case-link"' in page
    other, _ = _page(client, "/portal/cases/CB-999999", token)
    assert other.status_code == 403
    forged = client.http.post(f"{path}/page/solved", headers=FORM_TYPE, body=urlencode({"token": "nope"}))
    assert forged.status_code == 401


def test_a_new_link_is_asked_for_with_the_same_answer_whatever_the_case_or_address(client):
    case_id, _, _ = _case(client)
    answers = []
    for case, email in (
        (case_id, "ann@example.org"),
        (case_id, "eve@example.org"),
        ("CB-999999", "x@y.org"),
        ("??", ""),
    ):
        resp = client.http.post(
            "/help/es/case-link", headers=FORM_TYPE, body=urlencode({"case_id": case, "email": email})
        )
        answers.append((resp.status_code, resp.body))
    assert len(set(answers)) == 1 and answers[0][0] == 200
    assert "Si el número de caso y la dirección coinciden" in answers[0][1].decode()
    assert client.http.get("/help/es/case-link").status_code == 200
