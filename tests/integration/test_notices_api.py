"""Notices through the API on the stores (moto): audience, preview, approval snapshot, lifecycle,
banners, phone, opt-outs. The lifecycle state machine is the FakeWorkflow (the records service
drives the real delivery service, wired by the container); its executions run for real in
tests/integration/test_notice_delivery.py."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.composition import container
from functions.notify.links import portal_token
from tests.fakes.workflows import FakeWorkflow

PRODUCT = "router-x"


@pytest.fixture
def workflow() -> FakeWorkflow:
    fake = FakeWorkflow()
    container().override(notice_workflow=fake)
    return fake


def started(workflow: FakeWorkflow) -> list[str]:
    """The notices whose lifecycle was started."""
    return [payload["notice_id"] for _, payload in workflow.started]


def signals(workflow: FakeWorkflow, notice_id: str) -> list[str]:
    """The signals the notice's lifecycle got, in order: as it waits for one after each send, every
    signal queued meanwhile reaches one of its next waits (run until a wait parks)."""
    from functions.notify.delivery.models import Job

    delivery = container().notice_delivery
    for n in range(100):
        token = f"{notice_id}-wait-{n}"
        delivery.handle_job(Job(type="await", notice_id=notice_id, task_token=token))
        if not workflow.answered or workflow.answered[-1][0] != token:
            break
    container().delivery_store.take_waiting(notice_id)  # the parked wait: nobody waits any more
    return [out["signal"] for token, out in workflow.answered if token.startswith(f"{notice_id}-wait-")]


def customer(
    cid: str, *, model: str = "rx1", batch: str = "b1", region: str = "eu", product: str = PRODUCT, **contact: Any
) -> None:
    from functions.customers.models import CustomerIn

    c = {"email": f"{cid}@example.com", "name": f"Contact {cid}", **contact}
    container().customer_store.upsert(
        CustomerIn.model_validate(
            {
                "customer_id": cid,
                "name": f"Customer {cid}",
                "region": region,
                "contacts": [c],
                "install_base": [{"product": product, "model": model, "batch": batch}],
            }
        )
    )


def problem(status: str = "confirmed", case_ids: list[str] | None = None, link_type: str = "root_cause") -> str:
    from functions.cases.models import Actor, ActorType
    from functions.problems.models import ProblemIn

    p = container().problems.create(
        ProblemIn(
            title="Router reboots",
            product=PRODUCT,
            workaround="Disable wifi 6",
            case_ids=case_ids or [],
            status=status,
            link_type=link_type,
        ),
        Actor(type=ActorType.AGENT, id="a1"),
    )
    return p.problem_id


def case_for(email: str, customer_id: str) -> str:
    from functions.cases.models import Actor, ActorType, Channel

    case = container().cases.open_case(
        subject="reboots",
        channel=Channel.EMAIL,
        actor=Actor(type=ActorType.CUSTOMER, id=email),
        contact_email=email,
        customer_id=customer_id,
        product=PRODUCT,
    )
    return case.case_id


def draft(client: Any, headers: dict[str, str], problem_id: str, **body: Any) -> dict[str, Any]:
    resp = client.http.post(f"/problems/{problem_id}/notices", headers=headers, body=json.dumps(body))
    assert resp.status_code == 201, resp.json_body
    return resp.json_body


def segment(**values: list[str]) -> dict[str, Any]:
    return {"include_affected": True, "include_likely": True, "segment": {"product": [PRODUCT], **values}}


def audience(client: Any, headers: dict[str, str], notice_id: str, sample: int = 50) -> dict[str, Any]:
    resp = client.http.get(f"/notices/{notice_id}/audience?sample={sample}", headers=headers)
    assert resp.status_code == 200, resp.json_body
    return resp.json_body


def approve(client: Any, headers: dict[str, str], notice_id: str) -> Any:
    return client.http.post(f"/notices/{notice_id}/approve", headers=headers)


# -- drafts ---------------------------------------------------------------------


def test_a_notice_for_a_candidate_problem_is_refused(client, agent_headers, workflow):
    pid = problem(status="candidate")
    resp = client.http.post(f"/problems/{pid}/notices", headers=agent_headers, body="{}")
    assert resp.status_code == 409


def test_a_draft_defaults_its_segment_to_the_problem_product(client, agent_headers, workflow):
    pid = problem()
    body = draft(client, agent_headers, pid)
    assert body["status"] == "draft"
    assert body["audience"]["segment"]["product"] == [PRODUCT]
    assert body["texts"]["subject"]


# -- audience -------------------------------------------------------------------


def test_the_audience_holds_the_segment_owners_and_not_the_others(client, agent_headers, workflow):
    customer("c1", model="rx1")
    customer("c2", model="rx1", region="us")
    customer("c3", model="rx2")
    customer("c4", product="toaster")
    pid = problem()
    notice = draft(client, agent_headers, pid, audience=segment(model=["rx1"], region=["eu"]))
    out = audience(client, agent_headers, notice["notice_id"])
    assert {s["customer_id"] for s in out["sample"]} == {"c1"}
    assert out["counts"]["recipients"] == 1


def test_affected_contacts_come_first_with_their_case(client, agent_headers, workflow):
    customer("c1")
    customer("c2")
    case_id = case_for("c2@example.com", "c2")
    pid = problem(case_ids=[case_id])
    notice = draft(client, agent_headers, pid, audience=segment())
    out = audience(client, agent_headers, notice["notice_id"])
    assert out["sample"][0]["customer_id"] == "c2"
    assert out["sample"][0]["affected"] is True
    assert out["sample"][0]["case_id"] == case_id
    assert out["counts"] == {"recipients": 2, "customers": 2, "affected": 1, "likely": 1, "email": 2, "sms": 0}


def test_a_case_linked_as_similar_by_detection_makes_its_contact_affected(client, agent_headers, workflow):
    customer("c1")
    case_id = case_for("c1@example.com", "c1")
    pid = problem(case_ids=[case_id], link_type="similar")
    notice = draft(client, agent_headers, pid, audience=segment())
    out = audience(client, agent_headers, notice["notice_id"])
    assert out["sample"][0]["affected"] is True and out["sample"][0]["case_id"] == case_id


def test_opted_out_contacts_are_excluded_per_channel(client, agent_headers, workflow):
    customer("c1", phone="+441234567001", sms_opt_in=True, email_opt_out=True)  # sms only
    customer("c2", phone="+441234567002", sms_opt_in=False)  # email only
    customer("c3", phone="+441234567003", email_opt_out=True)  # nothing left
    pid = problem()
    notice = draft(client, agent_headers, pid, audience=segment())
    out = audience(client, agent_headers, notice["notice_id"])
    by_customer = {s["customer_id"]: s for s in out["sample"]}
    assert set(by_customer) == {"c1", "c2"}
    assert by_customer["c1"]["email"] is None and by_customer["c1"]["phone"]
    assert by_customer["c2"]["phone"] is None and by_customer["c2"]["email"]
    assert out["counts"]["email"] == 1 and out["counts"]["sms"] == 1


def test_the_preview_masks_contact_details(client, agent_headers, workflow):
    customer("c1", phone="+441234567001", sms_opt_in=True)
    notice = draft(client, agent_headers, problem(), audience=segment())
    sample = audience(client, agent_headers, notice["notice_id"])["sample"][0]
    assert sample["email"] == "c***@example.com"
    assert "567" not in sample["phone"] and sample["phone"].endswith("001")


def test_a_preview_of_a_large_audience_stops_counting_and_says_so(client, agent_headers, workflow, monkeypatch):
    from functions import composition
    from functions.core.settings import get_settings

    # Given the deployment's preview limit (CASEBRIDGE_NOTICE_PREVIEW_CUSTOMERS) set to 3, and 5 owners
    service = composition.container().notices
    assert service.preview_customers == get_settings().notice_preview_customers == 2000
    monkeypatch.setattr(service, "preview_customers", 3)
    for i in range(5):
        customer(f"c{i}")
    notice = draft(client, agent_headers, problem(), audience=segment())
    # When an agent previews the draft
    out = audience(client, agent_headers, notice["notice_id"])
    # Then the counts are of the first 3 customers, marked as lower bounds
    assert out["complete"] is False
    assert out["counts"]["customers"] == 3 and out["counts"]["recipients"] == 3
    # and with the default limit the same audience is counted whole
    monkeypatch.setattr(service, "preview_customers", 2000)
    whole = audience(client, agent_headers, notice["notice_id"])
    assert whole["complete"] is True and whole["counts"]["customers"] == 5


def test_preview_sends_nothing_and_writes_no_snapshot(client, agent_headers, workflow, aws):
    from functions.core import aws as core_aws
    from functions.core.settings import get_settings

    customer("c1")
    notice = draft(client, agent_headers, problem(), audience=segment())
    audience(client, agent_headers, notice["notice_id"])
    assert workflow.started == [] and signals(workflow, notice["notice_id"]) == []
    listed = core_aws.client("s3").list_objects_v2(Bucket=get_settings().name("notices"))
    assert listed.get("KeyCount", 0) == 0


# -- approval -------------------------------------------------------------------


def test_approve_starts_the_workflow_whose_first_job_snapshots_the_audience(client, agent_headers, workflow):
    from functions.core import aws as core_aws
    from functions.core.settings import get_settings
    from functions.notify.contract import AudienceManifest, DispatchKind, manifest_key

    for i in range(5):
        customer(f"c{i}")
    customer("other", product="toaster")
    notice = draft(client, agent_headers, problem(), audience=segment())
    nid = notice["notice_id"]
    # When an agent approves: the notice is active and its lifecycle started, the audience not yet walked
    resp = approve(client, agent_headers, nid)
    assert resp.status_code == 200, resp.json_body
    assert resp.json_body["status"] == "active"
    assert resp.json_body["audience_count"] is None
    assert started(workflow) == [nid]
    assert resp.json_body["execution_arn"].endswith(f":notice-{nid}")
    s3 = core_aws.client("s3")
    bucket = get_settings().name("notices")
    assert s3.list_objects_v2(Bucket=bucket, Prefix=f"notices/{nid}/").get("KeyCount") == 0
    # and when the lifecycle's first job asks for the initial dispatch, the snapshot is taken first
    container().notices.next_dispatch(nid, DispatchKind.INITIAL)
    manifest = AudienceManifest.model_validate_json(s3.get_object(Bucket=bucket, Key=manifest_key(nid))["Body"].read())
    lines = [
        json.loads(line)
        for key in manifest.batches
        for line in s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines()
    ]
    view = client.http.get(f"/notices/{nid}", headers=agent_headers).json_body
    assert manifest.count == len(lines) == 5 == view["audience_count"]
    assert {r["customer_id"] for r in lines} == {f"c{i}" for i in range(5)}
    [snapshot] = [e for e in view["timeline"] if e["kind"] == "snapshot"]
    assert snapshot["data"]["recipients"] == 5 and snapshot["actor"]["type"] == "system"
    # the preview now reports the snapshot's counts
    preview = audience(client, agent_headers, nid)
    assert preview["snapshot"] is True and preview["counts"]["recipients"] == 5


def test_a_second_ask_for_the_initial_dispatch_takes_no_second_snapshot(client, agent_headers, workflow):
    from functions.notify.contract import DispatchKind

    customer("c1")
    nid = draft(client, agent_headers, problem(), audience=segment())["notice_id"]
    approve(client, agent_headers, nid)
    first = container().notices.next_dispatch(nid, DispatchKind.INITIAL)
    customer("c2")  # joins the segment after the snapshot
    again = container().notices.next_dispatch(nid, DispatchKind.INITIAL)
    view = client.http.get(f"/notices/{nid}", headers=agent_headers).json_body
    assert again == first
    assert view["audience_count"] == 1
    assert [e["kind"] for e in view["timeline"]].count("snapshot") == 1


def test_approving_twice_is_a_conflict(client, agent_headers, workflow):
    customer("c1")
    nid = draft(client, agent_headers, problem(), audience=segment())["notice_id"]
    assert approve(client, agent_headers, nid).status_code == 200
    assert approve(client, agent_headers, nid).status_code == 409
    assert started(workflow) == [nid]


def test_approving_with_a_stale_version_is_a_conflict(client, agent_headers, workflow):
    customer("c1")
    nid = draft(client, agent_headers, problem(), audience=segment())["notice_id"]
    resp = client.http.post(f"/notices/{nid}/approve", headers={**agent_headers, "If-Match": '"7"'})
    assert resp.status_code == 409
    assert started(workflow) == []


# -- lifecycle ------------------------------------------------------------------


def test_pause_resume_cancel_signal_the_workflow(client, agent_headers, workflow):
    customer("c1")
    nid = draft(client, agent_headers, problem(), audience=segment())["notice_id"]
    approve(client, agent_headers, nid)
    for action, status in (("pause", "paused"), ("resume", "active"), ("cancel", "cancelled")):
        resp = client.http.post(f"/notices/{nid}/{action}", headers=agent_headers)
        assert resp.status_code == 200, resp.json_body
        assert resp.json_body["status"] == status
    assert signals(workflow, nid) == ["paused", "resumed", "cancelled"]


def test_resuming_an_active_notice_is_a_conflict(client, agent_headers, workflow):
    customer("c1")
    nid = draft(client, agent_headers, problem(), audience=segment())["notice_id"]
    approve(client, agent_headers, nid)
    assert client.http.post(f"/notices/{nid}/resume", headers=agent_headers).status_code == 409


def test_pausing_a_draft_is_a_conflict(client, agent_headers, workflow):
    nid = draft(client, agent_headers, problem(), audience=segment())["notice_id"]
    assert client.http.post(f"/notices/{nid}/pause", headers=agent_headers).status_code == 409


def test_the_audience_cannot_change_after_approval(client, agent_headers, workflow):
    customer("c1")
    nid = draft(client, agent_headers, problem(), audience=segment())["notice_id"]
    approve(client, agent_headers, nid)
    resp = client.http.patch(
        f"/notices/{nid}", headers=agent_headers, body=json.dumps({"audience": segment(model=["x"])})
    )
    assert resp.status_code == 409


def test_an_agent_update_is_signalled_and_sent_once(client, agent_headers, workflow):
    from functions.notify.contract import DispatchKind

    customer("c1")
    nid = draft(client, agent_headers, problem(), audience=segment())["notice_id"]
    approve(client, agent_headers, nid)
    container().notices.next_dispatch(nid, DispatchKind.INITIAL)
    resp = client.http.post(
        f"/notices/{nid}/updates", headers=agent_headers, body=json.dumps({"text": "Patch on Friday"})
    )
    assert resp.status_code == 202, resp.json_body
    assert resp.json_body["signalled"] is False  # the lifecycle was not waiting: queued for its next wait
    assert signals(workflow, nid) == ["update_now"]
    first = container().notices.next_dispatch(nid, DispatchKind.UPDATE)
    second = container().notices.next_dispatch(nid, DispatchKind.UPDATE)
    assert first.body == "Patch on Friday" and first.seq == 2
    assert second.body != "Patch on Friday" and second.seq == 3


# -- banners and phone ----------------------------------------------------------


def _active_notice(client: Any, headers: dict[str, str]) -> str:
    """An approved notice whose lifecycle's first job ran (snapshot taken, initial dispatch made)."""
    from functions.notify.contract import DispatchKind

    customer("in1", phone="+441234567001", sms_opt_in=True)
    customer("out1", model="rx9", phone="+441234567009")
    nid = draft(client, headers, problem(), audience=segment(model=["rx1"]))["notice_id"]
    assert approve(client, headers, nid).status_code == 200
    container().notices.next_dispatch(nid, DispatchKind.INITIAL)
    return nid


def test_banners_show_only_for_customers_in_the_audience(client, agent_headers, workflow):
    nid = _active_notice(client, agent_headers)
    inside = client.http.get(f"/portal/notices?token={portal_token('in1')}")
    outside = client.http.get(f"/portal/notices?token={portal_token('out1')}")
    assert [n["notice_id"] for n in inside.json_body["items"]] == [nid]
    assert outside.json_body["items"] == []


def test_banners_need_a_valid_token(client, agent_headers, workflow):
    assert client.http.get("/portal/notices?token=forged.token").status_code == 401


def test_a_paused_notice_shows_no_banner(client, agent_headers, workflow):
    nid = _active_notice(client, agent_headers)
    client.http.post(f"/notices/{nid}/pause", headers=agent_headers)
    assert client.http.get(f"/portal/notices?token={portal_token('in1')}").json_body["items"] == []


def test_banners_show_the_last_dispatch_of_each_active_notice(client, agent_headers, workflow):
    from functions.notify.contract import DispatchKind

    # Given a customer in the audience of two active notices, one of which sent an update
    customer("in1")
    first = draft(client, agent_headers, problem(), audience=segment())["notice_id"]
    second = draft(client, agent_headers, problem(), audience=segment(model=["rx1"]))["notice_id"]
    initial = {}
    for nid in (first, second):
        assert approve(client, agent_headers, nid).status_code == 200
        initial[nid] = container().notices.next_dispatch(nid, DispatchKind.INITIAL)
    client.http.post(f"/notices/{second}/updates", headers=agent_headers, body=json.dumps({"text": "Patch on Friday"}))
    update = container().notices.next_dispatch(second, DispatchKind.UPDATE)
    # When the customer's portal asks for banners
    items = client.http.get(f"/portal/notices?token={portal_token('in1')}").json_body["items"]
    # Then each notice shows what it last sent
    by_id = {n["notice_id"]: n for n in items}
    assert set(by_id) == {first, second}
    assert by_id[second]["body"] == update.body == "Patch on Friday"
    assert by_id[first]["body"] == initial[first].body and by_id[first]["title"] == initial[first].subject
    assert initial[second].body != "Patch on Friday"


def test_public_active_notices_match_the_product_and_hold_no_customer_data(client, agent_headers, workflow):
    nid = _active_notice(client, agent_headers)
    hit = client.http.get(f"/notices/active?product={PRODUCT}&model=rx1").json_body["items"]
    miss = client.http.get(f"/notices/active?product={PRODUCT}&model=rx9").json_body["items"]
    assert [n["notice_id"] for n in hit] == [nid]
    assert miss == []
    assert set(hit[0]) == {"notice_id", "problem_id", "title", "body", "updated_at"}


def test_the_phone_endpoint_rejects_requests_without_the_key(client, agent_headers, workflow, monkeypatch):
    monkeypatch.setenv("CASEBRIDGE_PHONE_API_KEY", "phone-key")
    from functions.core.settings import reset_settings

    reset_settings()
    assert client.http.get("/phone/notices?caller=%2B441234567001").status_code == 401
    wrong = client.http.get("/phone/notices?caller=%2B441234567001", headers={"X-Api-Key": "nope"})
    assert wrong.status_code == 401


def test_the_phone_endpoint_gives_the_callers_message(client, agent_headers, workflow, monkeypatch):
    # The key as deployed: in Secrets Manager, the function knows only its ARN
    from functions.core import aws as aws_clients
    from functions.core.settings import reset_settings

    arn = aws_clients.client("secretsmanager").create_secret(Name="cb/phone-api-key", SecretString="phone-key")["ARN"]
    monkeypatch.setenv("CASEBRIDGE_PHONE_API_KEY_ARN", arn)

    reset_settings()
    nid = _active_notice(client, agent_headers)
    key = {"X-Api-Key": "phone-key"}
    known = client.http.get("/phone/notices?caller=%2B441234567001", headers=key).json_body
    other = client.http.get("/phone/notices?caller=%2B441234567009", headers=key).json_body
    assert known["notice_id"] == nid and "Router reboots" in known["message"]
    assert other["message"] is None


# -- reactions ------------------------------------------------------------------


def test_resolving_the_problem_signals_resolved_and_the_resolution_completes(client, agent_headers, workflow):
    from functions.notify.contract import DispatchKind

    customer("c1")
    pid = problem()
    nid = draft(client, agent_headers, pid, audience=segment())["notice_id"]
    approve(client, agent_headers, nid)
    container().notices.next_dispatch(nid, DispatchKind.INITIAL)
    assert container().notices.on_problem_status(pid, "resolved") == [nid]
    assert signals(workflow, nid) == ["resolved"]
    resolution = container().notices.next_dispatch(nid, DispatchKind.RESOLUTION)
    assert resolution.kind == DispatchKind.RESOLUTION
    assert client.http.get(f"/notices/{nid}", headers=agent_headers).json_body["status"] == "completed"
    assert container().notices.next_dispatch(nid, DispatchKind.UPDATE) is None


def test_dismissing_the_problem_stops_its_notices(client, agent_headers, workflow):

    customer("c1")
    pid = problem()
    nid = draft(client, agent_headers, pid, audience=segment())["notice_id"]
    approve(client, agent_headers, nid)
    container().notices.on_problem_status(pid, "dismissed")
    assert client.http.get(f"/notices/{nid}", headers=agent_headers).json_body["status"] == "stopped"
    assert signals(workflow, nid) == ["stopped"]


# -- opt-outs -------------------------------------------------------------------


def _contact(cid: str) -> Any:

    return container().customer_store.get(cid).contacts[0]


def test_opening_the_unsubscribe_link_changes_nothing(client, aws):
    from functions.notify.links import unsubscribe_url

    customer("c1")
    url = unsubscribe_url(_contact("c1").contact_id, "c1", base_url="")
    resp = client.http.get(url)
    assert resp.status_code == 200 and "<form" in resp.body.decode()
    assert _contact("c1").email_opt_out is False


def test_posting_the_unsubscribe_link_opts_out_of_email(client, aws):
    from functions.notify.links import unsubscribe_url

    customer("c1")
    url = unsubscribe_url(_contact("c1").contact_id, "c1", base_url="")
    resp = client.http.post(
        url, headers={"Content-Type": "application/x-www-form-urlencoded"}, body="List-Unsubscribe=One-Click"
    )
    assert resp.status_code == 200
    assert _contact("c1").email_opt_out is True


def test_a_forged_unsubscribe_token_is_refused(client, aws):
    customer("c1")
    resp = client.http.post(
        "/notices/unsubscribe?token=forged", headers={"Content-Type": "application/x-www-form-urlencoded"}, body="x=1"
    )
    assert resp.status_code == 401
    assert _contact("c1").email_opt_out is False


def _sms_record(phone: str, text: str) -> dict[str, Any]:
    inner = {"originationNumber": phone, "destinationNumber": "+15550000000", "messageBody": text}
    body = json.dumps({"Type": "Notification", "Message": json.dumps(inner)})
    return {"Records": [{"messageId": "m1", "body": body, "eventSource": "aws:sqs", "receiptHandle": "r"}]}


def test_a_stop_reply_opts_the_contact_out_of_sms_and_start_back_in(aws):
    from functions.notify.handlers import handle_sms_inbound

    customer("c1", phone="+441234567001", sms_opt_in=True)
    handle_sms_inbound(_sms_record("+441234567001", "Stop"), None)
    assert _contact("c1").sms_opt_in is False
    handle_sms_inbound(_sms_record("+441234567001", "START"), None)
    assert _contact("c1").sms_opt_in is True


def test_other_sms_replies_change_nothing(aws):
    from functions.notify.handlers import handle_sms_inbound

    customer("c1", phone="+441234567001", sms_opt_in=True)
    handle_sms_inbound(_sms_record("+441234567001", "stopped working again"), None)
    assert _contact("c1").sms_opt_in is True


def test_an_unreadable_sms_record_alone_is_reported_failed_and_the_readable_ones_are_handled(aws):
    from functions.notify.handlers import handle_sms_inbound

    # Given a batch with one garbled record and one STOP
    customer("c1", phone="+441234567001", sms_opt_in=True)
    event = _sms_record("+441234567001", "STOP")
    event["Records"].insert(
        0, {"messageId": "bad", "body": "{not json", "eventSource": "aws:sqs", "receiptHandle": "r0"}
    )
    # When it is handled, only the garbled record is reported failed (SQS delivers it again, then
    # keeps it in the dead-letter queue)
    response = handle_sms_inbound(event, None)
    assert response["batchItemFailures"] == [{"itemIdentifier": "bad"}]
    # Then the readable STOP was honoured
    assert _contact("c1").sms_opt_in is False


def test_the_notices_list_filters_by_problem_and_status_and_refuses_an_unknown_status(client, agent_headers, workflow):
    first, second = problem(), problem()
    a = draft(client, agent_headers, first)["notice_id"]
    b = draft(client, agent_headers, second)["notice_id"]
    assert approve(client, agent_headers, b).status_code == 200
    listed = client.http.get("/notices", headers=agent_headers).json_body
    assert [n["notice_id"] for n in listed["items"]] == [b, a] and listed["next_cursor"] is None
    by_problem = client.http.get(f"/notices?problem_id={first}", headers=agent_headers).json_body["items"]
    assert [n["notice_id"] for n in by_problem] == [a]
    active = client.http.get("/notices?status=active", headers=agent_headers).json_body["items"]
    assert [n["notice_id"] for n in active] == [b]
    bad = client.http.get("/notices?status=sent", headers=agent_headers)
    assert bad.status_code == 400 and bad.json_body["error"]["fields"][0]["field"] == "status"
