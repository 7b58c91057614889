"""GET /notices/{id}/deliveries: per-dispatch delivery counts for agents."""

from __future__ import annotations


def test_deliveries_of_an_unknown_notice_is_404(aws, client, agent_headers):
    resp = client.http.get("/notices/NT-999999/deliveries", headers=agent_headers)
    assert resp.status_code == 404, resp.body


def test_deliveries_need_an_agent(aws, client):
    resp = client.http.get("/notices/NT-999999/deliveries")
    assert resp.status_code == 401, resp.body
