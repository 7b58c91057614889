"""The help center through the API on moto: static article pages and the sitemap in the help-site
bucket as articles are published and retired; the search page with its known issues on top; the
known-issues page and JSON; "did this help?" as a plain form post; every one of them a deflection
event of the customer's session."""
# ruff: noqa: F811 - pytest fixtures imported from tests.fakes.fixtures are parameters here

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from functions.composition import container
from functions.core import aws as core_aws
from functions.core import resources
from functions.core.settings import get_settings
from tests.fakes.fixtures import embedded_search, reindex  # noqa: F401 - fixtures used by name
from tests.integration.test_notices_api import _active_notice, workflow  # noqa: F401 - a fixture used by name

REVIEWER = {"X-Agent-Roles": "reviewer"}


def _site(key: str) -> tuple[str, dict[str, Any]] | None:
    s3 = core_aws.client("s3")
    bucket = get_settings().name(resources.HELP_SITE_BUCKET.logical)
    try:
        obj = s3.get_object(Bucket=bucket, Key=key)
    except s3.exceptions.NoSuchKey:
        return None
    return obj["Body"].read().decode(), obj


def _publish(client: Any, headers: dict[str, str], title: str, symptoms: str) -> str:
    body = {"title": title, "symptoms": symptoms, "resolution": "Restart the <b>router</b>.", "visibility": "external"}
    aid = client.http.post("/knowledge/articles", headers=headers, body=json.dumps(body)).json_body["article_id"]
    client.http.post(f"/knowledge/articles/{aid}/submit", headers=headers, body="{}")
    resp = client.http.post(f"/knowledge/articles/{aid}/publish", headers={**headers, **REVIEWER}, body="{}")
    assert resp.status_code == 200, resp.body
    return aid


def _cookie(resp: Any) -> str:
    match = re.match(r"cb_ss=([A-Za-z0-9_-]+);", resp.headers.get("Set-Cookie", ""))
    assert match, resp.headers
    return match.group(1)


def _events(client: Any, headers: dict[str, str], session: str) -> list[dict[str, Any]]:
    resp = client.http.get(f"/selfservice/sessions/{session}/events", headers=headers)
    assert resp.status_code == 200, resp.body
    return resp.json_body["items"]


def test_publishing_writes_indexable_pages_in_every_language_and_the_sitemap(client, agent_headers):
    aid = _publish(client, agent_headers, "Router drops wifi", "The wifi light blinks and the connection drops.")

    for lang in ("en", "de", "fr", "es"):
        found = _site(f"help/{lang}/articles/{aid}")
        assert found, lang
        page, obj = found
        assert obj["ContentType"].startswith("text/html")
        assert "max-age=" in obj["CacheControl"]
        assert f'<html lang="{lang}">' in page
        assert '<meta name="robots" content="index,follow">' in page
        assert "<h1>Router drops wifi</h1>" in page
        assert "Restart the &lt;b&gt;router&lt;/b&gt;." in page  # what an article says is never markup
        assert f'hreflang="de" href="{get_settings().public_base_url}/help/de/articles/{aid}"' in page
        assert f'action="/help/{lang}/feedback/{aid}"' in page
    assert "Hat das geholfen?" in _site(f"help/de/articles/{aid}")[0]
    sitemap = _site("sitemap.xml")[0]
    assert f"/help/fr/articles/{aid}</loc>" in sitemap
    assert "Sitemap: " in _site("robots.txt")[0]


def test_a_retired_article_says_so_and_leaves_the_sitemap(client, agent_headers):
    aid = _publish(client, agent_headers, "Old modem resets", "The modem resets at night.")
    resp = client.http.post(f"/knowledge/articles/{aid}/retire", headers={**agent_headers, **REVIEWER}, body="{}")
    assert resp.status_code == 200, resp.body

    page = _site(f"help/en/articles/{aid}")[0]
    assert "no longer available" in page
    assert 'content="noindex"' in page
    assert f"/articles/{aid}<" not in _site("sitemap.xml")[0]


def test_the_search_page_lists_every_kind_and_records_the_sessions_search(
    client, agent_headers, embedded_search, reindex
):
    aid = _publish(client, agent_headers, "Invoice shows the wrong VAT", "The invoice total has the wrong VAT rate.")
    client.http.post("/selfservice/catalogue/seed", headers=agent_headers)
    reindex(embedded_search)

    resp = client.http.get("/help/en/search?q=invoice")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/html")
    page = resp.body.decode()
    assert f'href="/help/en/articles/{aid}"' in page
    assert 'href="/help/en/fixes/resend-invoice"' in page
    session = _cookie(resp)
    assert [e["event"] for e in _events(client, agent_headers, session)] == ["searched"]

    # the same session's next search keeps its cookie and adds to its events
    again = client.http.get("/help/de/search?q=invoice", headers={"Cookie": f"cb_ss={session}"})
    assert "Set-Cookie" not in again.headers
    assert 'lang="de"' in again.body.decode()
    assert len(_events(client, agent_headers, session)) == 2


def test_feedback_from_the_plain_form_counts_for_the_article_and_the_session(client, agent_headers):
    aid = _publish(client, agent_headers, "Router drops wifi", "The wifi drops.")
    resp = client.http.post(
        f"/help/en/feedback/{aid}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body="helpful=yes",
    )
    assert resp.status_code == 200, resp.body
    assert "Thank you" in resp.body.decode()
    session = _cookie(resp)
    [event] = _events(client, agent_headers, session)
    assert (event["event"], event["result_kind"], event["result_id"]) == ("solved_it", "article", aid)
    stats = client.http.get(f"/knowledge/articles/{aid}", headers=agent_headers).json_body["stats"]
    assert stats["helpful_yes"] == 1

    bad = client.http.post(
        f"/help/en/feedback/{aid}", headers={"Content-Type": "application/x-www-form-urlencoded"}, body="helpful=maybe"
    )
    # a page route answers bad input with a page that names the field
    assert bad.status_code == 400 and bad.headers["Content-Type"].startswith("text/html")
    assert "helpful" in bad.body.decode()


def test_an_unknown_language_or_page_is_the_help_centers_404(client):
    assert client.http.get("/help/xx").status_code == 404
    resp = client.http.get("/help/fr/answers/nope")
    assert resp.status_code == 404
    assert "Page introuvable" in resp.body.decode()
    root = client.http.get("/help", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert (root.status_code, root.headers["Location"]) == (302, "/help/es")


@pytest.mark.usefixtures("workflow")
def test_a_known_issue_is_a_banner_a_page_and_the_top_of_a_matching_search(
    client, agent_headers, embedded_search, reindex
):
    nid = _active_notice(client, agent_headers)
    [issue] = container().notices.public_active()
    reindex(embedded_search)

    home = client.http.get("/help/en").body.decode()
    assert issue.title in home and f"/help/en/known-issues#notice-{nid}" in home

    listed = client.http.get("/notices/known-issues").json_body["items"]
    assert [n["notice_id"] for n in listed] == [nid]

    page = client.http.get("/help/fr/known-issues")
    assert f'id="notice-{nid}"' in page.body.decode()
    session = _cookie(page)
    [seen] = _events(client, agent_headers, session)
    assert (seen["event"], seen["result_id"]) == ("notice_viewed", nid)

    words = issue.title.split()[:3]
    search = client.http.get("/help/en/search?q=" + "+".join(words)).body.decode()
    assert search.index(f'id="notice-{nid}"') < search.index('role="status"')
    unrelated = client.http.get("/help/en/search?q=invoice+vat").body.decode()
    assert f'id="notice-{nid}"' not in unrelated
