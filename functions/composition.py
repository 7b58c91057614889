"""The composition root: the one place where ports meet their adapters.

A ``Container`` builds every service, store and adapter from the settings, lazily (on first use:
import time is cold-start time) and once per container. Handlers, CLI commands and the local
stack ask ``container()`` for what they need; nothing else builds a service.

Tests replace a part through the container, never by patching modules::

    c = composition.install(Container(mailer=FakeMailer()))   # or the ``container`` fixture
    c.cases.open_case(...)                                     # the case service, built with the fake

A part given to the constructor (or to ``override`` before first use) is used as is, and every
part built after it is built with it. Two domains that react to each other are wired here with
explicit callables (problems -> detection and notices; notice records <-> notice delivery;
problems <-> escalation), never through registries, ``importlib`` look-ups or context variables.

This module imports services, stores and adapters (inside the methods that build them), never
handlers.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from types import FunctionType
from typing import TYPE_CHECKING, Any

from functions.core.settings import Settings, get_settings

if TYPE_CHECKING:
    from functions.cases.logic import CaseService, ReplyChannel
    from functions.cases.models import Channel
    from functions.cases.store import CaseStore
    from functions.channels.chat.logic import ChatService
    from functions.channels.chat.store import ChatStore
    from functions.channels.email.intake import IntakeServices
    from functions.channels.email.mailer import SesMailer
    from functions.channels.web.logic import WebIntake
    from functions.core.idempotency import IdempotencyStore
    from functions.core.workflows import Workflow
    from functions.customers.store import CustomerStore
    from functions.knowledge.logic import KnowledgeService
    from functions.knowledge.store import ArticleStore
    from functions.notify.delivery.adapters import SesEmailSender, SnsSmsSender
    from functions.notify.delivery.service import DeliveryService
    from functions.notify.delivery.store import AudienceFiles, DeliveryStore
    from functions.notify.service import NoticeService, OptOutService
    from functions.notify.store import DirectoryAudience, NoticeStore, SnapshotStore
    from functions.portal.logic import PortalService
    from functions.portal.notify import CustomerMailer
    from functions.problems.departments import DepartmentStore
    from functions.problems.detection.segments import SegmentBaseCache
    from functions.problems.detection.service import DetectionService
    from functions.problems.escalation.logic import EscalationService
    from functions.problems.logic import ProblemService
    from functions.problems.routing import RoutingStore
    from functions.problems.store import ProblemStore
    from functions.problems.suggestions import SuggestionStore
    from functions.search.port import SearchIndex
    from functions.selfservice.logic import SelfService

# (problem_id, old status or None, new status): what a part does when a problem changes status.
ProblemReaction = Callable[[str, str | None, str], None]


class Container:
    """Every part of the system, built on first use from ``settings``. See the module docstring."""

    def __init__(self, settings: Settings | None = None, **parts: Any) -> None:
        if settings is not None:
            self.__dict__["settings"] = settings
        self.override(**parts)

    def override(self, **parts: Any) -> Container:
        """Use these parts instead of building them (before first use: built parts keep what they got)."""
        for name, part in parts.items():
            if not isinstance(getattr(type(self), name, None), cached_property | FunctionType):
                raise AttributeError(f"the container has no part {name!r}")
            self.__dict__[name] = part
        return self

    @cached_property
    def settings(self) -> Settings:
        return get_settings()

    # -- shared ---------------------------------------------------------------------------------
    @cached_property
    def idempotency_store(self) -> IdempotencyStore:
        from functions.core.idempotency import IdempotencyStore  # noqa: PLC0415

        s = self.settings
        return IdempotencyStore(
            retention_seconds=s.idempotency_retention_seconds, stale_after_seconds=s.idempotency_stale_after_seconds
        )

    @cached_property
    def search_index(self) -> SearchIndex:
        """OpenSearch when an endpoint is configured (AWS), else the embedded engine on disk (local)."""
        from functions.search.engines import search_index_from_settings  # noqa: PLC0415

        return search_index_from_settings(self.settings)

    @cached_property
    def mailer(self) -> SesMailer:
        """Sends one composed mail through SES (acknowledgements, replies, department mails)."""
        from functions.channels.email.mailer import SesMailer  # noqa: PLC0415

        return SesMailer()

    # -- customers and cases -------------------------------------------------------------------
    @cached_property
    def customer_store(self) -> CustomerStore:
        from functions.customers.store import CustomerStore  # noqa: PLC0415

        return CustomerStore()

    @cached_property
    def case_store(self) -> CaseStore:
        from functions.cases.store import CaseStore  # noqa: PLC0415

        return CaseStore()

    @cached_property
    def reply_channels(self) -> dict[Channel, ReplyChannel]:
        """How an agent's reply reaches the customer, by the channel the case came from."""
        from functions.cases.models import Channel  # noqa: PLC0415
        from functions.channels.chat.outbound import ChatReplyChannel  # noqa: PLC0415
        from functions.channels.email.outbound import EmailReplyChannel  # noqa: PLC0415

        email = EmailReplyChannel(self.mailer, self.settings, self.portal_link)
        # Web-form, phone and API customers get replies by email; chat replies by email once the chat ended.
        return {
            Channel.EMAIL: email,
            Channel.WEB: email,
            Channel.PHONE: email,
            Channel.API: email,
            Channel.CHAT: ChatReplyChannel(lambda: self.chat, email),
        }

    @cached_property
    def cases(self) -> CaseService:
        from functions.cases.logic import CaseService  # noqa: PLC0415

        return CaseService(
            self.case_store,
            directory=self.customer_store,
            reply_channels=self.reply_channels,
            number_prefix=self.settings.case_number_prefix,
            idempotency=self.idempotency_store,
        )

    # -- channels and the customer portal ---------------------------------------------------------
    @cached_property
    def customer_mailer(self) -> CustomerMailer:
        """Mails a customer the link to their case (acknowledgements, fresh links on request)."""
        from functions.channels.email.outbound import CaseLinkMailer  # noqa: PLC0415

        return CaseLinkMailer(self.mailer, self.settings)

    def portal_link(self, case_id: str, contact: str | None) -> str | None:
        """The customer's signed link to the case, or None without an address or signing secret."""
        from functions.portal.links import link_or_none  # noqa: PLC0415

        return link_or_none(self.settings.public_base_url, case_id, contact)

    @cached_property
    def email_intake(self) -> IntakeServices:
        from functions.channels.email.intake import IntakeConfig, IntakeServices  # noqa: PLC0415
        from functions.channels.email.store import InboundLog, MailStore  # noqa: PLC0415

        s = self.settings
        return IntakeServices(
            cases=self.cases,
            directory=self.customer_store,
            mail=MailStore(s.mail_bucket, s.attachments_bucket),
            log=InboundLog(),
            mailer=self.mailer,
            config=IntakeConfig(
                support_address=s.support_address,
                support_name=s.support_name,
                mail_domain=s.mail_domain,
                case_prefix=s.case_number_prefix,
                public_base_url=s.public_base_url,
                max_attachment_bytes=s.max_attachment_bytes,
                max_total_attachment_bytes=s.max_total_attachment_bytes,
                send_acknowledgements=s.email_acknowledgements,
            ),
            portal_link=self.portal_link,
        )

    @cached_property
    def web_intake(self) -> WebIntake:
        from functions.channels.web.logic import WebIntake  # noqa: PLC0415
        from functions.channels.web.store import HeldSubmissions  # noqa: PLC0415

        s = self.settings
        return WebIntake(
            self.cases,
            base_url=s.public_base_url,
            held=HeldSubmissions(retention_seconds=s.intake_log_retention_seconds),
            mailer=self.customer_mailer,
            require_consent=s.web_form_require_consent,
        )

    @cached_property
    def chat_store(self) -> ChatStore:
        from functions.channels.chat.store import ChatStore  # noqa: PLC0415

        return ChatStore(retention_seconds=self.settings.chat_retention_seconds)

    @cached_property
    def chat(self) -> ChatService:
        from functions.channels.chat.logic import ChatService  # noqa: PLC0415

        s = self.settings
        return ChatService(
            self.chat_store,
            self.cases,
            base_url=s.public_base_url,
            token_ttl=s.chat_session_ttl_seconds,
            max_messages=s.chat_max_messages,
            idempotency=self.idempotency_store,
        )

    @cached_property
    def portal(self) -> PortalService:
        from functions.portal.logic import PortalService  # noqa: PLC0415
        from functions.portal.store import LinkRequestLog  # noqa: PLC0415

        s = self.settings
        return PortalService(
            self.cases,
            base_url=s.public_base_url,
            link_log=LinkRequestLog(retention_seconds=s.intake_log_retention_seconds),
            mailer=self.customer_mailer,
        )

    # -- knowledge and self-service ---------------------------------------------------------------
    @cached_property
    def article_store(self) -> ArticleStore:
        from functions.knowledge.store import ArticleStore  # noqa: PLC0415

        return ArticleStore()

    @cached_property
    def knowledge(self) -> KnowledgeService:
        from functions.knowledge.logic import KnowledgeService  # noqa: PLC0415

        roles = frozenset(r.strip() for r in self.settings.knowledge_reviewer_roles.split(",") if r.strip())
        return KnowledgeService(
            self.article_store,
            search=self.search_index,
            cases=self.cases,
            customers=self.customer_store,
            reviewer_roles=roles,
        )

    @cached_property
    def self_service(self) -> SelfService:
        from functions.selfservice.logic import SelfService  # noqa: PLC0415
        from functions.selfservice.store import AnswerStore, EventStore, FixStore  # noqa: PLC0415

        return SelfService(
            search=self.search_index,
            fixes=FixStore(),
            answers=AnswerStore(),
            events=EventStore(retention_days=self.settings.selfservice_event_retention_days),
            cases=self.cases,
        )

    # -- problems -------------------------------------------------------------------------------
    @cached_property
    def problem_store(self) -> ProblemStore:
        from functions.problems.store import ProblemStore  # noqa: PLC0415

        return ProblemStore()

    @cached_property
    def department_store(self) -> DepartmentStore:
        from functions.problems.departments import DepartmentStore  # noqa: PLC0415

        return DepartmentStore()

    @cached_property
    def routing_store(self) -> RoutingStore:
        from functions.problems.routing import RoutingStore  # noqa: PLC0415

        return RoutingStore()

    @cached_property
    def suggestion_store(self) -> SuggestionStore:
        from functions.problems.suggestions import SuggestionStore  # noqa: PLC0415

        return SuggestionStore()

    @cached_property
    def problems(self) -> ProblemService:
        from functions.problems.logic import ProblemService  # noqa: PLC0415

        return ProblemService(
            self.problem_store,
            self.cases,
            customers=self.customer_store,
            departments=self.department_store,
            escalation=self.escalation,  # escalation reaches back to problems through a callable
            knowledge=self.knowledge,
            cost_per_channel=self.settings.problem_cost_per_channel,
        )

    @cached_property
    def escalation(self) -> EscalationService:
        from functions.core.timeutil import iso, utcnow  # noqa: PLC0415
        from functions.problems.escalation.logic import EscalationService, Policy  # noqa: PLC0415
        from functions.problems.escalation.resolve import ProblemServiceResolver  # noqa: PLC0415
        from functions.problems.escalation.store import EscalationStore, Workflow  # noqa: PLC0415

        s = self.settings
        policy = Policy(
            due_policy=s.escalation_due_seconds,
            fix_due_seconds=s.escalation_fix_due_seconds,
            info_due_seconds=s.escalation_info_due_seconds,
            link_ttl_seconds=s.escalation_link_ttl_seconds,
            base_url=s.public_base_url,
            from_address=s.support_address,
            from_name=s.support_name,
            mail_domain=s.mail_domain,
            service_owner=s.escalation_service_owner or s.support_address,
        )
        return EscalationService(
            EscalationStore(),
            Workflow(),
            self.mailer,
            ProblemServiceResolver(lambda: self.problems),
            policy,
            lambda: iso(utcnow()),
        )

    @cached_property
    def segment_base(self) -> SegmentBaseCache:
        """The customer base's segment counts (kept in S3, recounted when stale); cached per process."""
        from datetime import timedelta  # noqa: PLC0415

        from functions.core import dynamo, resources  # noqa: PLC0415
        from functions.problems.detection.segments import (  # noqa: PLC0415
            SegmentBaseCache,
            customer_rows,
            segment_base_from_customers,
        )

        s = self.settings
        return SegmentBaseCache(
            s.name(resources.DETECTION_BUCKET.logical),
            lambda: segment_base_from_customers(customer_rows(dynamo.table())),
            max_age=timedelta(hours=s.detection_segment_base_max_age_hours),
        )

    def detection(self) -> DetectionService:
        """A detection service over the deployment's state (a new one per stream batch: it holds its state)."""
        from functions.core import resources  # noqa: PLC0415
        from functions.problems.detection.models import DetectionConfig  # noqa: PLC0415
        from functions.problems.detection.service import DetectionService, ProblemSink, S3StateStore  # noqa: PLC0415

        s = self.settings
        config = DetectionConfig.model_validate(
            {**s.detection_config, "auto_link_similarity": s.detection_auto_link_similarity}
        )
        return DetectionService(
            S3StateStore(s.name(resources.DETECTION_BUCKET.logical)),
            ProblemSink(self.problems),
            config,
            base=self.segment_base.get(),
        )

    def problem_reactions(self, detection: Callable[[], DetectionService] | None = None) -> list[ProblemReaction]:
        """What happens when a problem changes status, in order: detection stops collecting for a
        closed problem (in the detection ``detection`` gives: a stream batch passes its own, whose
        state it loads once and saves once), then the problem's notices react."""
        from functions.problems.reactions import detection_reaction  # noqa: PLC0415

        def notices(problem_id: str, old_status: str | None, new_status: str) -> None:
            if old_status != new_status:
                self.notices.on_problem_status(problem_id, new_status)

        return [detection_reaction(detection or self.detection, self.suggestion_store), notices]

    # -- proactive notices ------------------------------------------------------------------------
    # Records (functions/notify) and delivery (functions/notify/delivery) reach each other only
    # through these callables: ``notices`` gets delivery as its NoticeWorkflow, ``notice_delivery``
    # gets the records service as its NoticeSource (functions/notify/contract.py).
    @cached_property
    def notice_store(self) -> NoticeStore:
        from functions.notify.store import NoticeStore  # noqa: PLC0415

        return NoticeStore()

    @cached_property
    def notice_snapshots(self) -> SnapshotStore:
        """The audience snapshots in the ``notices`` bucket, as the records part writes them."""
        from functions.core import resources  # noqa: PLC0415
        from functions.notify.store import SnapshotStore  # noqa: PLC0415

        return SnapshotStore(self.settings.name(resources.NOTICES_BUCKET.logical))

    @cached_property
    def notice_audience(self) -> DirectoryAudience:
        """Where a notice's audience is read from (problems, cases, customers) and written to."""
        from functions.notify.store import DirectoryAudience  # noqa: PLC0415

        return DirectoryAudience(self.notice_store, self.notice_snapshots, self.customer_store, self.problem_store)

    @cached_property
    def notices(self) -> NoticeService:
        from functions.notify.service import NoticeService  # noqa: PLC0415

        s = self.settings
        return NoticeService(
            self.notice_store,
            self.problem_store,
            self.notice_audience,
            self.notice_audience,
            lambda: self.notice_delivery,  # the workflow: delivery starts and signals the lifecycle
            self.customer_store,
            batch_size=s.notice_batch_size,
            preview_customers=s.notice_preview_customers,
        )

    @cached_property
    def notice_optouts(self) -> OptOutService:
        from functions.notify.service import OptOutService  # noqa: PLC0415

        return OptOutService(self.customer_store)

    @cached_property
    def delivery_store(self) -> DeliveryStore:
        from functions.notify.delivery.store import DeliveryStore  # noqa: PLC0415

        return DeliveryStore()

    @cached_property
    def notice_audience_files(self) -> AudienceFiles:
        """The audience snapshots in the ``notices`` bucket, as delivery reads them."""
        from functions.core import resources  # noqa: PLC0415
        from functions.notify.delivery.store import AudienceFiles  # noqa: PLC0415

        return AudienceFiles(self.settings.name(resources.NOTICES_BUCKET.logical))

    @cached_property
    def notice_email_sender(self) -> SesEmailSender:
        from functions.notify.delivery.adapters import SesEmailSender  # noqa: PLC0415

        s = self.settings
        return SesEmailSender(
            from_address=s.support_address,
            from_name=s.support_name,
            mail_domain=s.mail_domain,
            max_attempts=s.notice_sdk_max_attempts,
        )

    @cached_property
    def notice_sms_sender(self) -> SnsSmsSender:
        from functions.core import aws, resources  # noqa: PLC0415
        from functions.notify.delivery.adapters import SnsSmsSender  # noqa: PLC0415

        s = self.settings
        return SnsSmsSender(
            lambda: s.notice_sms_topic_arn or aws.arn("sns", s.name(resources.SMS_NOTICES_TOPIC.logical)),
            max_attempts=s.notice_sdk_max_attempts,
        )

    @cached_property
    def notice_workflow(self) -> Workflow:
        """The notice lifecycle state machine (stepfunctions/proactive_updates.asl.json)."""
        from functions.core import resources  # noqa: PLC0415
        from functions.core.workflows import StateMachine  # noqa: PLC0415

        return StateMachine(resources.NOTICE_WORKFLOW, "notice_state_machine_arn")

    @cached_property
    def notice_delivery(self) -> DeliveryService:
        from functions.core.timeutil import iso, utcnow  # noqa: PLC0415
        from functions.notify.delivery.service import DeliveryService, Policy  # noqa: PLC0415
        from functions.notify.links import unsubscribe_url  # noqa: PLC0415

        s = self.settings
        policy = Policy(
            send_rate=s.notice_send_rate,
            max_concurrency=s.notice_max_concurrency,
            job_seconds=s.notice_job_seconds,
            sms_mode=s.notice_sms_mode,
        )
        return DeliveryService(
            self.delivery_store,
            self.notice_audience_files,
            self.notice_email_sender,
            self.notice_sms_sender,
            self.notice_workflow,
            lambda: self.notices,  # the notice source: what the next dispatch says and to whom
            lambda contact_id, customer_id: unsubscribe_url(contact_id, customer_id, s.public_base_url),
            policy,
            lambda: iso(utcnow()),
        )


_current: list[Container] = []


def container() -> Container:
    """The process's container (built from the settings on first use)."""
    if not _current:
        _current.append(Container())
    return _current[0]


def install(c: Container) -> Container:
    """Make ``c`` the process's container (tests, the local stack, the CLI)."""
    _current[:] = [c]
    return c


def reset() -> None:
    """Forget the container, the settings and the AWS clients (tests and the local stack change
    settings between runs)."""
    from functions.core import aws  # noqa: PLC0415
    from functions.core.settings import reset_settings  # noqa: PLC0415

    _current.clear()
    reset_settings()
    aws.reset_clients()
