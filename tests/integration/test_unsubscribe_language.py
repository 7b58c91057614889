"""The unsubscribe pages in the reader's language (the browser's Accept-Language, or ?lang=)."""

from __future__ import annotations

from functions.notify.links import unsubscribe_url
from tests.integration.test_notices_api import _contact, customer


def test_the_unsubscribe_pages_speak_the_browsers_language(client, aws):
    customer("c1")
    url = unsubscribe_url(_contact("c1").contact_id, "c1", base_url="")
    page = client.http.get(url, headers={"Accept-Language": "de-DE,de;q=0.9"}).body.decode()
    assert '<html lang="de">' in page and "Abmelden</button>" in page
    done = client.http.post(
        url + "&lang=fr", headers={"Content-Type": "application/x-www-form-urlencoded"}, body="confirm=yes"
    ).body.decode()
    assert "Vous êtes désabonné" in done
    forged = client.http.get("/notices/unsubscribe?token=forged&lang=es")
    assert forged.status_code == 401 and "Este enlace no funciona" in forged.body.decode()
