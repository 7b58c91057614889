"""The unsubscribe pages in the reader's language (?lang=, else the contact's stored language, else the
browser's Accept-Language)."""

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


def test_the_unsubscribe_pages_speak_the_contacts_stored_language_before_the_browsers(client, aws):
    for cid, language in (("c2", "fr"), ("c3", "es"), ("c4", "de")):
        customer(cid, language=language)
        url = unsubscribe_url(_contact(cid).contact_id, cid, base_url="")
        page = client.http.get(url, headers={"Accept-Language": "en-GB,en;q=0.9"}).body.decode()
        assert f'<html lang="{language}">' in page
    done = client.http.post(
        url, headers={"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "fr"}, body="confirm=yes"
    ).body.decode()
    assert '<html lang="de">' in done  # the contact's language on the answer too
    chosen = client.http.get(url + "&lang=es").body.decode()
    assert '<html lang="es">' in chosen  # ?lang= wins


def test_a_contact_without_a_stored_language_gets_the_browsers(client, aws):
    customer("c5")
    url = unsubscribe_url(_contact("c5").contact_id, "c5", base_url="")
    page = client.http.get(url, headers={"Accept-Language": "es-ES,es;q=0.9"}).body.decode()
    assert '<html lang="es">' in page
