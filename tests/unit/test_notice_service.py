"""Notice records use cases on the in-memory fakes, wired through the container as in production:
the records service drives delivery (start, signals) and delivery asks it for each dispatch.
The state machine is the FakeWorkflow: its jobs are run here by hand, as the queue would."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from functions.cases.models import Actor, ActorType, Case, Channel
from functions.core.errors import Conflict, Forbidden, InvalidInput, InvalidTransition, NotFound, VersionConflict
from functions.notify.contract import DispatchKind
from functions.notify.delivery.models import Job
from functions.notify.delivery.rules import execution_name
from functions.notify.models import (
    AudienceSpec,
    NoticeChannel,
    NoticeEventKind,
    NoticeIn,
    NoticePatch,
    NoticeStatus,
    NoticeTexts,
    Segment,
)
from functions.problems.models import Problem, ProblemStatus
from tests.fakes.notices import notice_parts

AGENT = Actor(type=ActorType.AGENT, id="a1")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
PRODUCT = "router-x"


@pytest.fixture
def parts(container) -> dict[str, Any]:
    p = notice_parts()
    container.override(**p)
    return p


@pytest.fixture
def notices(container, parts):
    return container.notices


def problem(parts: dict[str, Any], status: ProblemStatus = ProblemStatus.CONFIRMED, **kw: Any) -> str:
    pid = f"PB-{100001 + len(parts['problem_store'].problems)}"
    data = dict(title="Router reboots", product=PRODUCT, workaround="Disable wifi 6", status=status)
    parts["problem_store"].add(Problem(problem_id=pid, created_by=AGENT, created_at=NOW, updated_at=NOW, **(data | kw)))
    return pid


def customer(parts: dict[str, Any], cid: str, model: str = "rx1", **contact: Any) -> None:
    parts["customer_store"].add(
        cid,
        name=f"Customer {cid}",
        contacts=[{"contact_id": f"ct-{cid}", "email": f"{cid}@example.com", **contact}],
        assets=[{"product": PRODUCT, "model": model, "batch": "b1", "region": "eu"}],
    )


def segment(**values: list[str]) -> AudienceSpec:
    return AudienceSpec(segment=Segment(product=[PRODUCT], **values))


def draft(notices, pid: str, **kw: Any):
    return notices.create(pid, NoticeIn(audience=kw.pop("audience", segment()), **kw), AGENT)


def active(notices, parts, pid: str | None = None, **kw: Any) -> str:
    """An approved notice whose lifecycle's first job ran (snapshot taken, initial dispatch made)."""
    nid = draft(notices, pid or problem(parts), **kw).notice_id
    notices.approve(nid, AGENT)
    notices.next_dispatch(nid, DispatchKind.INITIAL)
    return nid


def signals(container, parts, nid: str) -> list[str]:
    """The signals the notice's lifecycle received: answered to its waiting task, or queued while
    it was busy (each next wait takes one: run until a wait parks)."""
    workflow = parts["notice_workflow"]
    n = 0
    while True:
        n += 1
        token = f"{nid}-wait-{len(workflow.answered)}-{n}"
        container.notice_delivery.handle_job(Job(type="await", notice_id=nid, task_token=token))
        if not workflow.answered or workflow.answered[-1][0] != token:
            break
    parts["delivery_store"].take_waiting(nid)  # the parked wait: nobody waits any more
    return [out["signal"] for token, out in workflow.answered if token.startswith(f"{nid}-")]


# -- drafts ---------------------------------------------------------------------------------------


def test_a_notice_for_a_candidate_problem_is_refused(notices, parts):
    with pytest.raises(Conflict):
        draft(notices, problem(parts, ProblemStatus.CANDIDATE))


def test_a_draft_defaults_its_segment_and_texts_to_the_problem(notices, parts):
    thread = {"attribute": "model", "value": "rx1", "count": 4, "group_share": 0.8, "base_share": 0.1, "lift": 8.0}
    pid = problem(parts, evidence={"common_thread": [{**thread, "p_value": 1e-3}]})
    notice = notices.create(pid, NoticeIn(), AGENT)
    assert notice.status is NoticeStatus.DRAFT and notice.notice_id == "NT-100001"
    assert notice.audience.segment.product == [PRODUCT] and notice.audience.segment.model == ["rx1"]
    assert notice.texts.subject == "Known issue: Router reboots" and "Disable wifi 6" in notice.texts.body
    assert [e.kind for e in notices.view(notice.notice_id).timeline] == [NoticeEventKind.CREATED]


def test_a_patch_changes_the_texts_once_and_records_what_changed(notices, parts):
    nid = draft(notices, problem(parts)).notice_id
    texts = NoticeTexts(subject="New", body="Body", sms_text="sms")
    changed = notices.update(nid, NoticePatch(texts=texts, interval_seconds=3600), AGENT, if_match=1)
    assert changed.version == 2 and changed.texts == texts
    again = notices.update(nid, NoticePatch(texts=texts), AGENT)
    assert again.version == 2  # nothing changed: nothing written
    [event] = [e for e in notices.view(nid).timeline if e.kind is NoticeEventKind.CHANGED]
    assert event.changes["interval_seconds"] == {"from": 24 * 3600, "to": 3600}
    assert event.changes["texts"]["to"]["subject"] == "New"


def test_a_patch_with_a_stale_version_is_a_conflict(notices, parts):
    nid = draft(notices, problem(parts)).notice_id
    with pytest.raises(VersionConflict):
        notices.update(nid, NoticePatch(interval_seconds=3600, version=7), AGENT)


def test_the_audience_cannot_change_after_approval(notices, parts):
    customer(parts, "c1")
    nid = draft(notices, problem(parts)).notice_id
    notices.approve(nid, AGENT)
    with pytest.raises(Conflict):
        notices.update(nid, NoticePatch(audience=segment(model=["x"])), AGENT)
    notices.update(nid, NoticePatch(interval_seconds=600), AGENT)  # texts and interval may change


# -- preview and approval ---------------------------------------------------------------------------


def test_a_preview_of_a_large_audience_stops_counting_and_says_so(container, parts):
    for i in range(5):
        customer(parts, f"c{i}")
    container.notices.preview_customers = 3
    nid = draft(container.notices, problem(parts)).notice_id
    out = container.notices.preview(nid, sample=10)
    assert out.complete is False and out.counts.customers == 3 and len(out.sample) == 3
    container.notices.preview_customers = 2000
    whole = container.notices.preview(nid, sample=10)
    assert whole.complete is True and whole.counts.customers == 5
    assert parts["notice_audience_files"].files == {} and parts["notice_workflow"].started == []


def test_a_likely_affected_audience_needs_a_product(notices, parts):
    nid = draft(notices, problem(parts), audience=AudienceSpec(segment=Segment())).notice_id
    with pytest.raises(InvalidInput):
        notices.preview(nid, sample=1)
    with pytest.raises(InvalidInput):
        notices.approve(nid, AGENT)


def test_approve_starts_the_lifecycle_whose_first_job_takes_the_snapshot(container, parts):
    # Given five owners of the product and one of another
    for i in range(5):
        customer(parts, f"c{i}")
    parts["customer_store"].add("other", contacts=[{"contact_id": "x", "email": "x@example.com"}])
    notices = container.notices
    nid = draft(notices, problem(parts)).notice_id
    # When an agent approves: the notice is active and its lifecycle started, the audience not yet walked
    approved = notices.approve(nid, AGENT)
    assert approved.status is NoticeStatus.ACTIVE and approved.audience_count is None
    assert parts["notice_workflow"].started == [(execution_name(nid), {"notice_id": nid})]
    assert approved.execution_arn and approved.execution_arn.endswith(execution_name(nid))
    assert parts["notice_audience_files"].files == {}
    # and when the lifecycle's first job (prepare) runs, the snapshot is taken, then the dispatch made
    container.notice_delivery.handle_job(Job(type="prepare", notice_id=nid, task_token="t1", kind=DispatchKind.INITIAL))
    [(_, answer)] = parts["notice_workflow"].answered
    lines = parts["notice_audience_files"].lines(nid)
    assert answer["status"] == "send" and answer["seq"] == 1 and len(answer["batches"]) == 1
    assert sorted(r.customer_id for r in lines) == [f"c{i}" for i in range(5)]
    view = notices.view(nid)
    assert view.audience_count == 5 and view.customer_count == 5
    assert [e.kind for e in view.timeline if e.kind is NoticeEventKind.SNAPSHOT] == [NoticeEventKind.SNAPSHOT]
    assert notices.preview(nid, sample=0).snapshot is True


def test_approving_twice_or_with_a_stale_version_is_a_conflict(notices, parts):
    customer(parts, "c1")
    nid = draft(notices, problem(parts)).notice_id
    with pytest.raises(VersionConflict):
        notices.approve(nid, AGENT, if_match=7)
    notices.approve(nid, AGENT)
    with pytest.raises(InvalidTransition):
        notices.approve(nid, AGENT)
    assert len(parts["notice_workflow"].started) == 1


def test_a_lifecycle_that_cannot_start_puts_the_notice_back_to_draft(container, parts):
    class Down:
        def start(self, *a: Any, **kw: Any) -> str:
            raise RuntimeError("Step Functions is down")

    container.override(notice_workflow=Down())
    nid = draft(container.notices, problem(parts)).notice_id
    with pytest.raises(RuntimeError):
        container.notices.approve(nid, AGENT)
    view = container.notices.view(nid)
    assert view.status is NoticeStatus.DRAFT
    [failed] = [e for e in view.timeline if e.kind is NoticeEventKind.START_FAILED]
    assert failed.data == {"error": "RuntimeError"} and failed.actor.type is ActorType.SYSTEM


def test_a_second_ask_for_the_initial_dispatch_takes_no_second_snapshot(notices, parts):
    customer(parts, "c1")
    nid = draft(notices, problem(parts)).notice_id
    notices.approve(nid, AGENT)
    first = notices.next_dispatch(nid, DispatchKind.INITIAL)
    customer(parts, "c2")  # joins the segment after the snapshot
    again = notices.next_dispatch(nid, DispatchKind.INITIAL)
    assert again == first and notices.get(nid).audience_count == 1
    assert [e.kind for e in notices.view(nid).timeline].count(NoticeEventKind.SNAPSHOT) == 1


# -- the lifecycle ----------------------------------------------------------------------------------


def test_pause_resume_cancel_reach_the_lifecycle_in_order(container, parts):
    customer(parts, "c1")
    notices = container.notices
    nid = draft(notices, problem(parts)).notice_id
    notices.approve(nid, AGENT)
    statuses = [notices.pause(nid, AGENT).status, notices.resume(nid, AGENT).status, notices.cancel(nid, AGENT).status]
    assert statuses == [NoticeStatus.PAUSED, NoticeStatus.ACTIVE, NoticeStatus.CANCELLED]
    assert signals(container, parts, nid) == ["paused", "resumed", "cancelled"]


def test_resuming_an_active_notice_or_pausing_a_draft_is_a_conflict(notices, parts):
    customer(parts, "c1")
    pid = problem(parts)
    running = draft(notices, pid).notice_id
    notices.approve(running, AGENT)
    with pytest.raises(InvalidTransition):
        notices.resume(running, AGENT)
    with pytest.raises(InvalidTransition):
        notices.pause(draft(notices, pid).notice_id, AGENT)


def test_cancelling_a_draft_signals_nothing(container, parts):
    nid = draft(container.notices, problem(parts)).notice_id
    container.notices.cancel(nid, AGENT)
    assert signals(container, parts, nid) == []


def test_an_agent_update_is_signalled_and_sent_once(container, parts):
    customer(parts, "c1")
    notices = container.notices
    nid = active(notices, parts)
    # the lifecycle waits for a signal: the update reaches it at once
    container.notice_delivery.handle_job(Job(type="await", notice_id=nid, task_token="waiting"))
    _, signalled = notices.update_now(nid, "Patch on Friday", AGENT)
    assert signalled and parts["notice_workflow"].answered[-1] == ("waiting", {"signal": "update_now"})
    first = notices.next_dispatch(nid, DispatchKind.UPDATE)
    second = notices.next_dispatch(nid, DispatchKind.UPDATE)
    assert first.body == "Patch on Friday" and first.seq == 2
    assert second.body != "Patch on Friday" and second.seq == 3 and "status confirmed" in second.body


def test_an_update_asked_while_the_lifecycle_sends_is_queued_for_its_next_wait(container, parts):
    customer(parts, "c1")
    nid = active(container.notices, parts)
    _, signalled = container.notices.update_now(nid, "Patch on Friday", AGENT)
    assert signalled is False
    assert signals(container, parts, nid) == ["update_now"]


def test_updates_of_a_paused_notice_are_not_made_but_its_resolution_is(notices, parts):
    customer(parts, "c1")
    nid = active(notices, parts)
    notices.pause(nid, AGENT)
    assert notices.next_dispatch(nid, DispatchKind.UPDATE) is None
    resolution = notices.next_dispatch(nid, DispatchKind.RESOLUTION)
    assert resolution.kind is DispatchKind.RESOLUTION and resolution.subject.startswith("Resolved: ")
    assert notices.get(nid).status is NoticeStatus.COMPLETED
    assert notices.next_dispatch(nid, DispatchKind.RESOLUTION) == resolution  # asked again: the same one


def test_updates_and_the_resolution_are_framed_in_each_customers_language_the_agents_words_as_written(notices, parts):
    customer(parts, "c1")
    nid = active(notices, parts)
    subject = notices.get(nid).texts.subject

    update = notices.next_dispatch(nid, DispatchKind.UPDATE)  # no text of the agent's: from the problem
    notices.update_now(nid, "Patch am Freitag", AGENT)
    written = notices.next_dispatch(nid, DispatchKind.UPDATE)
    resolution = notices.next_dispatch(nid, DispatchKind.RESOLUTION)

    de = update.in_language("de-AT")
    assert (update.subject, de.subject) == (f"Update: {subject}", f"Aktualisierung: {subject}")
    assert update.body == "Update on Router reboots: status confirmed.\n\nWorkaround: Disable wifi 6"
    assert de.body == "Neuigkeiten zu Router reboots: Stand bestätigt.\n\nÜbergangslösung: Disable wifi 6"
    assert update.in_language("fr").sms_text.startswith("Mise à jour : Point sur Router reboots")
    assert update.in_language("pt") == update.in_language(None) == update  # no words for it: English
    assert written.in_language("es").body == written.body == "Patch am Freitag"
    assert written.in_language("es").subject == f"Actualización: {subject}"
    assert resolution.in_language("de").body == "Behoben: Router reboots.\n\nDas Problem ist behoben."
    assert resolution.body == "Resolved: Router reboots.\n\nThe issue has been fixed."
    assert notices.next_dispatch(nid, DispatchKind.RESOLUTION) == resolution  # stored with its translations


def test_no_update_or_resolution_before_the_initial_notice(notices, parts):
    customer(parts, "c1")
    nid = draft(notices, problem(parts)).notice_id
    notices.approve(nid, AGENT)
    assert notices.next_dispatch(nid, DispatchKind.UPDATE) is None
    assert notices.next_dispatch(nid, DispatchKind.RESOLUTION) is None


def test_a_dispatch_made_while_an_agent_changes_the_notice_is_made_on_the_new_version(notices, parts):
    customer(parts, "c1")
    nid = active(notices, parts)
    store = parts["notice_store"]
    save = store.save
    raced: list[int] = []

    def agent_first(notice, expected, events, dispatch=None):
        if not raced:  # an agent changes the interval between the read and the write
            raced.append(1)
            notices.update(nid, NoticePatch(interval_seconds=600), AGENT)
        return save(notice, expected, events, dispatch)

    store.save = agent_first
    update = notices.next_dispatch(nid, DispatchKind.UPDATE)
    assert update.seq == 2
    final = notices.get(nid)
    assert final.interval_seconds == 600 and [d.seq for d in final.dispatches] == [1, 2]


# -- reactions to the problem -----------------------------------------------------------------------


def test_resolving_the_problem_signals_resolved_and_the_resolution_completes(container, parts):
    customer(parts, "c1")
    pid = problem(parts)
    notices = container.notices
    nid = active(notices, parts, pid)
    assert notices.on_problem_status(pid, "resolved") == [nid]
    assert signals(container, parts, nid) == ["resolved"]
    parts["problem_store"].problems[pid] = (
        parts["problem_store"]
        .get(pid)
        .model_copy(update={"status": ProblemStatus.RESOLVED, "permanent_fix": "Firmware 2.1"})
    )
    resolution = notices.next_dispatch(nid, DispatchKind.RESOLUTION)
    assert "Firmware 2.1" in resolution.body and notices.get(nid).status is NoticeStatus.COMPLETED
    assert notices.next_dispatch(nid, DispatchKind.UPDATE) is None


def test_dismissing_the_problem_stops_its_notices(container, parts):
    customer(parts, "c1")
    pid = problem(parts)
    running = active(container.notices, parts, pid)
    drafted = draft(container.notices, pid).notice_id
    assert sorted(container.notices.on_problem_status(pid, "dismissed")) == sorted([running, drafted])
    assert container.notices.get(running).status is NoticeStatus.STOPPED
    assert container.notices.get(drafted).status is NoticeStatus.STOPPED
    assert signals(container, parts, running) == ["stopped"] and signals(container, parts, drafted) == []


# -- what customers see -----------------------------------------------------------------------------


def test_banners_show_the_last_dispatch_of_each_active_notice_of_the_customer(notices, parts):
    customer(parts, "in1")
    customer(parts, "out1", model="rx9")
    pid = problem(parts)
    first = active(notices, parts, pid)
    second = active(notices, parts, pid, audience=segment(model=["rx1"]))
    notices.update_now(second, "Patch on Friday", AGENT)
    update = notices.next_dispatch(second, DispatchKind.UPDATE)
    by_id = {b.notice_id: b for b in notices.banners("in1")}
    assert set(by_id) == {first, second}
    assert by_id[second].body == update.body == "Patch on Friday"
    assert [b.notice_id for b in notices.banners("out1")] == [first]  # the product's notice, not the rx1 one
    notices.pause(first, AGENT)
    assert [b.notice_id for b in notices.banners("in1")] == [second]


def test_a_case_link_shows_the_banners_of_its_address_customer_and_a_stranger_none(notices, parts):
    customer(parts, "in1")
    nid = active(notices, parts)
    assert [b.notice_id for b in notices.banners(None, "IN1@example.com")] == [nid]
    with pytest.raises(Forbidden):
        notices.banners(None, "stranger@example.com")


def test_the_phone_menu_announces_the_callers_notice_else_the_products(notices, parts):
    customer(parts, "in1", phone="+441234567001")
    customer(parts, "out1", model="rx9", phone="+441234567009")
    nid = active(notices, parts, audience=segment(model=["rx1"]))
    known = notices.phone_message("+441234567001", None)
    assert known.notice_id == nid and known.known_caller and "Router reboots" in known.message
    other = notices.phone_message("+441234567009", None)
    assert other.message is None and other.known_caller
    by_product = notices.phone_message(None, PRODUCT)
    assert by_product.notice_id == nid and not by_product.known_caller


def test_a_notice_without_the_phone_channel_is_not_announced(notices, parts):
    customer(parts, "in1", phone="+441234567001")
    active(notices, parts, channels=[NoticeChannel.EMAIL])
    assert notices.phone_message("+441234567001", PRODUCT).message is None


def test_public_notices_match_the_product_model_and_batch(notices, parts):
    customer(parts, "c1")
    nid = active(notices, parts, audience=segment(model=["rx1"]))
    assert [n.notice_id for n in notices.for_product(PRODUCT, "rx1", None)] == [nid]
    assert notices.for_product(PRODUCT, "rx9", None) == []
    assert notices.for_product("toaster", None, None) == []


# -- opt-outs ---------------------------------------------------------------------------------------


def test_unsubscribing_opts_the_contact_out_of_email_only(container, parts):
    customer(parts, "c1", phone="+441234567001", sms_opt_in=True)
    assert container.notice_optouts.unsubscribe("c1", "ct-c1")
    contact = parts["customer_store"].contact("c1", "ct-c1")
    assert contact["email_opt_out"] is True and contact["sms_opt_in"] is True
    assert container.notice_optouts.unsubscribe("c1", "gone") is False


def test_stop_and_start_replies_change_the_contacts_sms_choice(container, parts):
    customer(parts, "c1", phone="+441234567001", sms_opt_in=True)
    optouts = container.notice_optouts
    assert optouts.sms_reply("+441234567001", "Stop") == "stop"
    assert parts["customer_store"].contact("c1", "ct-c1")["sms_opt_in"] is False
    assert optouts.sms_reply("+441234567001", "START") == "start"
    assert parts["customer_store"].contact("c1", "ct-c1")["sms_opt_in"] is True
    assert optouts.sms_reply("+441234567001", "stopped working again") is None
    assert optouts.sms_reply("+449999999999", "STOP") is None


# -- the whole loop in memory -----------------------------------------------------------------------


def test_an_approved_notice_reaches_its_audience_once_through_delivery(container, parts):
    # Given two affected contacts (one on a linked case) and three likely affected, one with SMS
    for i in range(4):
        customer(parts, f"c{i}", phone=f"+44123456700{i}", sms_opt_in=i == 1)
    case = Case(
        case_id="CB-1", subject="s", channel=Channel.EMAIL, customer_id="c0", contact_id="ct-c0",
        contact_email="c0@example.com", created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    pid = problem(parts)
    parts["customer_store"].link(pid, case)
    parts["customer_store"].message_ids["CB-1"] = "<case-1@example.com>"
    nid = draft(container.notices, pid).notice_id
    container.notices.approve(nid, AGENT)
    delivery = container.notice_delivery
    # When the lifecycle's jobs run (prepare, then each batch, then once more as a redelivery)
    delivery.handle_job(Job(type="prepare", notice_id=nid, task_token="p", kind=DispatchKind.INITIAL))
    answer = parts["notice_workflow"].answered[-1][1]
    for key in answer["batches"] * 2:
        delivery.handle_job(Job(type="send", notice_id=nid, task_token=f"s-{key}", seq=answer["seq"], key=key))
    # Then every contact got one mail, the SMS contact one SMS, the affected one threaded to its case
    email, sms = parts["notice_email_sender"], parts["notice_sms_sender"]
    assert email.received() == {f"c{i}@example.com": 1 for i in range(4)}
    assert sms.received() == {"+441234567001": 1}
    [(_, threaded)] = email.to("c0@example.com")
    assert threaded.thread_message_id == "<case-1@example.com>"
    assert "/notices/unsubscribe?token=" in threaded.unsubscribe_url
    assert [(i.seq, i.sent_email, i.sent_sms) for i in delivery.deliveries(nid).items] == [(1, 4, 1)]
    with pytest.raises(NotFound):
        delivery.deliveries("NT-404")


def test_events_of_a_save_are_ordered_in_the_timeline(notices, parts):
    customer(parts, "c1")
    nid = active(notices, parts)
    kinds = [e.kind for e in notices.view(nid).timeline]
    assert kinds[:2] == [NoticeEventKind.CREATED, NoticeEventKind.APPROVED]
    assert kinds[-1] is NoticeEventKind.DISPATCHED and NoticeEventKind.SNAPSHOT in kinds
