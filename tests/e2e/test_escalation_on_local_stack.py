"""The escalation workflow on the running local stack: the state machine executes in the
embedded AWS (moto server), calls back into it, and the department answers through its link."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
import uuid

from tests.e2e.test_local_stack import _poll


def test_a_problem_assigned_to_a_department_mails_links_and_the_link_accepts_it(stack):
    from functions.local.outbox import sent_mail

    # Given a case turned into a problem
    subject = f"Charged twice {uuid.uuid4().hex[:8]}"
    status, case = stack.request(
        "POST", "/cases", {"subject": subject, "contact_email": "anna.schmidt@nordwerk.example", "category": "billing"}
    )
    assert status == 201, case
    status, problem = stack.request("POST", f"/cases/{case['case_id']}/problem", {})
    assert status == 201, problem
    problem_id = problem["problem_id"]

    # When it is assigned to finance
    status, body = stack.request("POST", f"/problems/{problem_id}/assignment", {"department_id": "finance"})
    assert status == 200, body

    # Then finance gets a mail with signed links (the workflow ran in the embedded AWS)
    def department_mail():
        return [m for m in sent_mail(stack.aws_endpoint) if problem_id in (m.subject or "")]

    mails = _poll(department_mail)
    assert mails, "\n".join(stack.output[-30:])
    accept = re.search(r"^Accept\b.*\n(http://\S+/escalations/act\?token=\S+)", mails[0].body, re.M).group(1)

    # ...opening the link does not act; submitting the form does, once
    with urllib.request.urlopen(accept) as page:
        assert page.status == 200 and b"<form" in page.read()
    token = urllib.parse.parse_qs(urllib.parse.urlparse(accept).query)["token"][0]
    form = urllib.parse.urlencode({"token": token}).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{stack.api_url}/escalations/act", data=form)) as done:
        assert done.status == 200

    def accepted():
        _, page = stack.request("GET", f"/problems/{problem_id}/escalations")
        return [e for e in page["items"] if e["status"] == "accepted"]

    assert _poll(accepted)
