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

from collections.abc import Callable, Iterator
from functools import cached_property
from types import FunctionType
from typing import TYPE_CHECKING, Any

from functions.core.settings import Settings, get_settings

if TYPE_CHECKING:
    from datetime import datetime

    from functions.agents.ports import Directory
    from functions.agents.service import AgentService
    from functions.cases.actions.ports import JobQueue
    from functions.cases.actions.service import BulkActions, CaseMerging
    from functions.cases.adapters import S3AttachmentLinks
    from functions.cases.macros.service import MacroService
    from functions.cases.models import Channel
    from functions.cases.ports import CaseRouter, ReplyChannel
    from functions.cases.saved_views.service import ViewService
    from functions.cases.service import CaseService
    from functions.cases.store import CaseStore
    from functions.channels.chat.ports import ChatStorePort, TranscriptMail
    from functions.channels.chat.service import ChatService
    from functions.channels.email.ports import InboundLogPort, Mailer, MailStorePort
    from functions.channels.email.service import EmailIntake
    from functions.channels.web.ports import HeldLog
    from functions.channels.web.service import WebIntake
    from functions.channels.web.store import RateCounters, Uploads
    from functions.core.idempotency import IdempotencyStore
    from functions.core.workflows import Workflow
    from functions.customers.service import CustomerService
    from functions.customers.store import CustomerStore
    from functions.knowledge.service import KnowledgeService
    from functions.knowledge.store import ArticleStore, HelpSiteBucket
    from functions.live.ports import Poster, TokenVerifier
    from functions.live.service import LiveService
    from functions.notify.delivery.adapters import SesEmailSender, SnsSmsSender
    from functions.notify.delivery.service import DeliveryService
    from functions.notify.delivery.store import AudienceFiles, DeliveryStore
    from functions.notify.service import NoticeService, OptOutService
    from functions.notify.store import DirectoryAudience, NoticeStore, SnapshotStore
    from functions.portal.ports import CustomerMailer, LinkLog
    from functions.portal.service import LinkMails, PortalService
    from functions.problems.adapters import KnowledgeSync
    from functions.problems.detection.service import DetectionService, SegmentBaseCache
    from functions.problems.escalation.ports import Resolver
    from functions.problems.escalation.service import EscalationService
    from functions.problems.ports import Detection
    from functions.problems.service import ProblemService
    from functions.problems.service.departments import DepartmentService
    from functions.problems.service.stream import ProblemStream
    from functions.problems.store import DepartmentStore, ProblemStore, RoutingStore, SuggestionStore
    from functions.search.indexing import Mappers
    from functions.search.port import Embedder, SearchIndex
    from functions.search.service import SearchIndexing
    from functions.selfservice.service import SelfService
    from functions.selfservice.store import AnswerStore, EventStore, FixStore
    from functions.sla.service import SlaService
    from functions.triage.models import Example
    from functions.triage.ports import ModelStore
    from functions.triage.service import CaseTriage, TriageService

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

        return search_index_from_settings(self.settings, self.embedder)

    @cached_property
    def embedder(self) -> Embedder | None:
        """The sentence-embedding model (hybrid search), or None (lexical search only); loads on first embed."""
        from functions.search.engines import embedder_from_settings  # noqa: PLC0415

        return embedder_from_settings(self.settings)

    @cached_property
    def search_mappers(self) -> Mappers:
        """How the table's items become search documents: every domain's ``search_docs.MAPPERS``."""
        from functions.cases.search_docs import MAPPERS as CASES  # noqa: PLC0415
        from functions.knowledge.search_docs import MAPPERS as ARTICLES  # noqa: PLC0415
        from functions.search.indexing import Mappers  # noqa: PLC0415
        from functions.selfservice.search_docs import MAPPERS as SELF_SERVICE  # noqa: PLC0415

        return Mappers([*CASES, *ARTICLES, *SELF_SERVICE])

    @cached_property
    def search_indexing(self) -> SearchIndexing:
        """Keeps the search index in step with the table (the stream indexer, ``casebridge search reindex``)."""
        from functions.search.service import SearchIndexing  # noqa: PLC0415
        from functions.search.store import TableItems  # noqa: PLC0415

        return SearchIndexing(self.search_index, self.search_mappers, TableItems().scan)

    @cached_property
    def mailer(self) -> Mailer:
        """Sends one composed mail through SES (acknowledgements, replies, department mails)."""
        from functions.channels.email.adapters import SesMailer  # noqa: PLC0415

        return SesMailer()

    # -- customers and cases -------------------------------------------------------------------
    @cached_property
    def customer_store(self) -> CustomerStore:
        from functions.customers.store import CustomerStore  # noqa: PLC0415

        return CustomerStore()

    @cached_property
    def customers(self) -> CustomerService:
        from functions.customers.service import CustomerService  # noqa: PLC0415

        s = self.settings
        return CustomerService(
            self.customer_store, import_max_bytes=s.import_max_bytes, import_max_rows=s.import_max_rows
        )

    @cached_property
    def case_store(self) -> CaseStore:
        from functions.cases.store import CaseStore  # noqa: PLC0415

        return CaseStore()

    @cached_property
    def reply_channels(self) -> dict[Channel, ReplyChannel]:
        """How an agent's reply reaches the customer, by the channel the case came from."""
        from functions.cases.models import Channel  # noqa: PLC0415
        from functions.channels.chat.adapters import ChatReplyChannel  # noqa: PLC0415
        from functions.channels.email.adapters import EmailReplyChannel  # noqa: PLC0415

        s = self.settings
        email = EmailReplyChannel(
            self.mailer,
            from_address=s.support_address,
            from_name=s.support_name,
            mail_domain=s.mail_domain,
            portal_link=self.portal_link,
        )
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
        from datetime import timedelta  # noqa: PLC0415

        from functions.cases.service import CaseService  # noqa: PLC0415

        s = self.settings
        return CaseService(
            self.case_store,
            directory=self.customer_store,
            reply_channels=self.reply_channels,
            number_prefix=s.case_number_prefix,
            idempotency=self.idempotency_store,
            auto_close_after=timedelta(days=s.auto_close_resolved_after_days),
            router=self.case_router,
            search=lambda: self.search_index,
            sla=self.sla,
            attachment_links=self.attachment_links,
            clock=self.clock,
        )

    @cached_property
    def case_router(self) -> CaseRouter | None:
        """Where a new case goes: the assignment rules (the agents' service). None: nowhere (tests)."""
        return self.agents

    # -- agents: directory, groups, assignment ------------------------------------------------------
    @cached_property
    def agent_directory(self) -> Directory:
        """The Cognito user pool's users (AWS: the pool of ``cognito_user_pool_arn``), else the seeded agents."""
        from functions.agents.adapters import CognitoDirectory, SeededDirectory  # noqa: PLC0415
        from functions.core import aws  # noqa: PLC0415

        s = self.settings
        if s.cognito_user_pool_arn:
            return CognitoDirectory(lambda: aws.client("cognito-idp"), s.cognito_user_pool_arn.rsplit("/", 1)[-1])
        return SeededDirectory([(a.id, a.name, a.roles) for a in s.dev_agents])

    @cached_property
    def agents(self) -> AgentService:
        from functions.agents.models import Group  # noqa: PLC0415
        from functions.agents.service import AgentService  # noqa: PLC0415
        from functions.agents.store import AgentStateStore, GroupTurns, RuleSetStore  # noqa: PLC0415
        from functions.core.records import VersionedRecords  # noqa: PLC0415

        return AgentService(
            self.agent_directory,
            AgentStateStore(),
            VersionedRecords("agent_group", Group, "group_id"),
            RuleSetStore(),
            GroupTurns(),
            self.case_store,
            self.clock,
            tiers=self.customer_tier,
        )

    def customer_tier(self, customer_id: str) -> str | None:
        """A customer's tier for the assignment rules (None: unknown customer)."""
        from functions.core.errors import NotFound  # noqa: PLC0415

        try:
            return self.customer_store.get(customer_id).tier.value
        except NotFound:
            return None

    # -- live updates and presence ------------------------------------------------------------------
    @cached_property
    def live_poster(self) -> Poster:
        """Posts to WebSocket connections: the API Gateway Management API (the local stack gives its own)."""
        from functions.live.adapters import ApiGatewayPoster  # noqa: PLC0415

        s = self.settings

        def client() -> object:
            import boto3  # noqa: PLC0415 - only when a hint is posted

            return boto3.client("apigatewaymanagementapi", endpoint_url=s.live_endpoint, region_name=s.region)

        return ApiGatewayPoster(client)

    @cached_property
    def live_jwks(self) -> Any:
        """The signing keys of the pool's ID tokens: None, PyJWT's client on the pool's own JWKS URL
        (made by the verifier on first use); a test gives its own."""
        return None

    @cached_property
    def live_verifier(self) -> TokenVerifier:
        """Who a WebSocket's token names: a Cognito ID token in AWS, a development token locally."""
        from functions.live.adapters import CognitoIdTokenVerifier, DevTokenVerifier  # noqa: PLC0415

        s = self.settings
        if s.cognito_user_pool_arn:
            return CognitoIdTokenVerifier(
                s.region, s.cognito_user_pool_arn.rsplit("/", 1)[-1], s.cognito_clients, jwks=self.live_jwks
            )
        shared = s.dev_agent_token.get_secret_value() if s.dev_agent_token else None
        return DevTokenVerifier([(a.id, a.name, a.token.get_secret_value()) for a in s.dev_agents], shared)

    @cached_property
    def live(self) -> LiveService:
        from datetime import timedelta  # noqa: PLC0415

        from functions.live.service import LiveService  # noqa: PLC0415
        from functions.live.store import LiveTableStore  # noqa: PLC0415

        return LiveService(
            LiveTableStore(),
            self.live_poster,
            self.live_verifier,
            self.clock,
            presence_ttl=timedelta(seconds=self.settings.live_presence_seconds),
        )

    @cached_property
    def case_jobs_queue(self) -> JobQueue:
        from functions.cases.actions.adapters import SqsJobQueue  # noqa: PLC0415
        from functions.core import resources  # noqa: PLC0415

        return SqsJobQueue(self.settings.name(resources.CASE_JOBS_QUEUE.logical))

    @cached_property
    def bulk_actions(self) -> BulkActions:
        """Bulk changes of cases as jobs; a case is linked to a problem through the problems service."""
        from functions.cases.actions.adapters import ProblemLinker  # noqa: PLC0415
        from functions.cases.actions.service import BulkActions  # noqa: PLC0415
        from functions.cases.actions.store import JobItems  # noqa: PLC0415

        return BulkActions(
            self.cases,
            ProblemLinker(lambda: self.problems),
            JobItems(),
            self.case_jobs_queue,
            self.clock,
            merger=self.case_merging,
        )

    @cached_property
    def case_merging(self) -> CaseMerging:
        """Merge and split of cases; a merged case's problem link goes to the target through the problems service."""
        from functions.cases.actions.adapters import ProblemLinker  # noqa: PLC0415
        from functions.cases.actions.service import CaseMerging  # noqa: PLC0415
        from functions.cases.actions.store import TimelineItems  # noqa: PLC0415

        return CaseMerging(self.cases, TimelineItems(), ProblemLinker(lambda: self.problems), self.clock)

    @cached_property
    def macros(self) -> MacroService:
        """Canned replies: versioned records; placeholders filled from the case, the customer store
        and the configured agents' names."""
        from functions.cases.macros.adapters import DirectoryNames  # noqa: PLC0415
        from functions.cases.macros.models import Macro  # noqa: PLC0415
        from functions.cases.macros.service import MacroService  # noqa: PLC0415
        from functions.core.records import VersionedRecords  # noqa: PLC0415

        agents = {a.id: a.name for a in self.settings.dev_agents if a.name}
        names = DirectoryNames(agents, lambda: self.customer_store)
        return MacroService(VersionedRecords("macro", Macro, "macro_id"), self.cases, names, self.clock)

    @cached_property
    def saved_views(self) -> ViewService:
        from functions.cases.saved_views.models import SavedView  # noqa: PLC0415
        from functions.cases.saved_views.service import ViewService  # noqa: PLC0415
        from functions.core.records import VersionedRecords  # noqa: PLC0415

        return ViewService(VersionedRecords("saved_view", SavedView, "view_id"), self.clock)

    @cached_property
    def attachment_links(self) -> S3AttachmentLinks:
        """Short-lived download links to attachments (agents' case API; reusable for the portal)."""
        from functions.cases.adapters import S3AttachmentLinks  # noqa: PLC0415

        return S3AttachmentLinks(self.settings.attachments_bucket)

    # -- channels and the customer portal ---------------------------------------------------------
    @cached_property
    def clock(self) -> Callable[[], datetime]:
        """What time it is, for every service the container makes (tests give a fake clock)."""
        from functions.core.timeutil import utcnow  # noqa: PLC0415

        return utcnow

    @cached_property
    def customer_mailer(self) -> CustomerMailer | None:
        """Mails a customer the link to their case (acknowledgements, fresh links on request)."""
        from functions.channels.email.adapters import CaseLinkMailer  # noqa: PLC0415

        s = self.settings
        return CaseLinkMailer(
            self.mailer, from_address=s.support_address, from_name=s.support_name, mail_domain=s.mail_domain
        )

    @cached_property
    def link_mails(self) -> LinkMails:
        """The case link mailed to a customer and noted on the case (web-form acknowledgements, the portal)."""
        from functions.portal.service import LinkMails  # noqa: PLC0415

        return LinkMails(self.cases, self.customer_mailer)

    def portal_link(self, case_id: str, contact: str | None) -> str | None:
        """The customer's signed link to the case, or None without an address or signing secret."""
        from functions.portal.links import link_or_none  # noqa: PLC0415

        return link_or_none(self.settings.site_url, case_id, contact)

    @cached_property
    def mail_store(self) -> MailStorePort:
        """Raw mail and the quarantine (mail bucket), extracted attachments (attachments bucket)."""
        from functions.channels.email.store import MailStore  # noqa: PLC0415

        return MailStore(self.settings.mail_bucket, self.settings.attachments_bucket)

    @cached_property
    def inbound_log(self) -> InboundLogPort:
        from functions.channels.email.store import InboundLog  # noqa: PLC0415

        return InboundLog()

    @cached_property
    def email_intake(self) -> EmailIntake:
        from functions.channels.email.service import EmailIntake, IntakeConfig  # noqa: PLC0415
        from functions.core import resources  # noqa: PLC0415
        from functions.core.aws import is_aws_failure, is_transient_aws_failure  # noqa: PLC0415

        s = self.settings
        return EmailIntake(
            self.cases,
            self.mail_store,
            self.inbound_log,
            self.mailer,
            IntakeConfig(
                support_address=s.support_address,
                support_name=s.support_name,
                mail_domain=s.mail_domain,
                case_prefix=s.case_number_prefix,
                max_attachment_bytes=s.max_attachment_bytes,
                max_total_attachment_bytes=s.max_total_attachment_bytes,
                inbound_prefix=resources.INBOUND_PREFIX,
                send_acknowledgements=s.email_acknowledgements,
            ),
            directory=self.customer_store,
            portal_link=self.portal_link,
            retryable=is_aws_failure,
            clock=self.clock,
            ack_allowed=lambda address: self.within_limit("acknowledgements_per_address", address),
            ack_retryable=is_transient_aws_failure,
        )

    @cached_property
    def held_submissions(self) -> HeldLog:
        """Web-form submissions held back as likely bots."""
        from functions.channels.web.store import HeldSubmissions  # noqa: PLC0415

        return HeldSubmissions(retention_seconds=self.settings.intake_log_retention_seconds)

    @cached_property
    def web_intake(self) -> WebIntake:
        from functions.channels.web.service import WebIntake  # noqa: PLC0415

        s = self.settings

        def opened_case(session_id: str, case_id: str) -> None:
            """Deflection analytics: this self-service session went on to open a case."""
            from functions.selfservice.models import DeflectionEvent  # noqa: PLC0415

            event = DeflectionEvent(session_id=session_id, type="opened_case", case_id=case_id)
            self.self_service.record_events([event], max_events=1, source="web-form")

        return WebIntake(
            self.cases,
            base_url=s.site_url,
            held=self.held_submissions,
            links=self.link_mails,
            deflection=opened_case,
            require_consent=s.web_form_require_consent,
            clock=self.clock,
            uploads=self.uploads,
            upload_max_bytes=s.upload_max_bytes,
            upload_max_files=s.upload_max_files,
            upload_ttl_seconds=s.upload_ttl_seconds,
            upload_content_types=s.upload_content_types,
            rates=self.web_rates,
            limits=(s.web_form_client_limit, s.web_form_client_max, s.web_form_address_limit, s.web_form_address_max),
            challenge_bits=s.web_challenge_bits,
            challenge_ttl_seconds=s.web_challenge_ttl_seconds,
        )

    @cached_property
    def web_rates(self) -> RateCounters:
        """The contact form's rate counters (the table)."""
        from functions.channels.web.store import RateCounters  # noqa: PLC0415

        return RateCounters()

    @cached_property
    def uploads(self) -> Uploads:
        """Customers' uploads (presigned POSTs into the attachments bucket)."""
        from functions.channels.web.store import Uploads  # noqa: PLC0415

        return Uploads(self.settings.attachments_bucket)

    @cached_property
    def chat_store(self) -> ChatStorePort:
        from functions.channels.chat.store import ChatStore  # noqa: PLC0415

        return ChatStore(retention_seconds=self.settings.chat_retention_seconds)

    @cached_property
    def chat(self) -> ChatService:
        from datetime import timedelta  # noqa: PLC0415

        from functions.channels.chat.service import ChatService  # noqa: PLC0415
        from functions.core.aws import is_transient_aws_failure  # noqa: PLC0415

        s = self.settings
        return ChatService(
            self.chat_store,
            self.cases,
            base_url=s.public_base_url,
            token_ttl=s.chat_session_ttl_seconds,
            max_messages=s.chat_max_messages,
            idle_after=timedelta(minutes=s.chat_idle_minutes),
            clock=self.clock,
            idempotency=self.idempotency_store,
            agents_available=lambda: self.agents.anyone_for_chat(timedelta(seconds=s.chat_agent_seen_seconds)),
            business_hours=lambda at: self.sla.is_open(s.chat_calendar_id, at),
            transcript_mail=self.chat_transcript_mail,
            start_limit=self.chat_start_limit,
            mail_retryable=is_transient_aws_failure,
        )

    def chat_start_limit(self, client: str | None, email: str) -> int | None:
        """One more chat start from this client and address within the hour's limits? None: yes; else
        the seconds until the refusing limit's window ends (``abuse_limits``: sliding windows)."""
        from functions.core import limits  # noqa: PLC0415

        now, named = self.clock().timestamp(), self.abuse_limits()
        counted = [(named["chat_starts_per_address"], email)]
        if client:
            counted.append((named["chat_starts_per_client"], client))
        refusing = [limit for limit, subject in counted if not limits.count(self.web_rates, limit, subject, now)]
        return max(limits.retry_after(limit, now) for limit in refusing) if refusing else None

    @cached_property
    def chat_transcript_mail(self) -> TranscriptMail:
        """The chat's transcript mailed to the customer: the email channel's mailer (SES, locally SMTP)."""
        from functions.channels.email.adapters import CaseLinkMailer  # noqa: PLC0415

        s = self.settings
        return CaseLinkMailer(
            self.mailer, from_address=s.support_address, from_name=s.support_name, mail_domain=s.mail_domain
        )

    @cached_property
    def link_requests(self) -> LinkLog:
        """The portal's log of "send me a new link" requests."""
        from functions.portal.store import LinkRequestLog  # noqa: PLC0415

        return LinkRequestLog(retention_seconds=self.settings.intake_log_retention_seconds)

    @cached_property
    def portal(self) -> PortalService:
        from functions.portal.service import PortalService  # noqa: PLC0415

        return PortalService(
            self.cases,
            base_url=self.settings.site_url,
            problem_issues=self.problem_public_notices,
            link_mails=self.link_mails,
            link_log=self.link_requests,
            clock=self.clock,
            link_mail_allowed=self.link_mail_allowed,
            attachments=self.web_intake.attachments,
            agent_names=self.agent_display_name,
        )

    def agent_display_name(self, agent_id: str) -> str | None:
        """The directory's name of an agent (the portal shows customers only a display name of it)."""
        return next((e.name for e in self.agent_directory.agents() if e.agent_id == agent_id), None)

    def abuse_limits(self) -> dict[str, Any]:
        """The named abuse limits of the public writes and outgoing acknowledgements (settings)."""
        from functions.core.limits import Limit  # noqa: PLC0415

        s = self.settings
        return {
            limit.name: limit
            for limit in (
                Limit("chat_starts_per_client", s.chat_start_client_max, 3600),
                Limit("chat_starts_per_address", s.chat_start_address_max, 3600),
                Limit("chat_messages_per_session", s.chat_messages_per_session_per_minute, 60),
                Limit("selfservice_events_per_client", s.selfservice_events_per_client_per_hour, 3600),
                Limit("feedback_per_client", s.feedback_per_client_per_hour, 3600),
                Limit("acknowledgements_per_address", s.acknowledgements_per_address_per_hour, 3600),
                Limit("portal_links_per_case", s.portal_link_mails_per_case_per_day, 86400),
            )
        }

    def abuse_limit(self, name: str, subject: str) -> None:
        """Count one more against the named limit for ``subject`` (an IP, a session, an address: kept
        hashed); RateLimited (429 with Retry-After, naming the limit) past it. The contact form's
        DynamoDB counters (``web_rates``)."""
        from functions.core import limits  # noqa: PLC0415

        limits.check(self.web_rates, self.abuse_limits()[name], subject, self.clock().timestamp())

    def within_limit(self, name: str, subject: str) -> bool:
        """``abuse_limit`` as a yes/no, for what is skipped rather than refused (acknowledgements)."""
        from functions.core import limits  # noqa: PLC0415

        return limits.count(self.web_rates, self.abuse_limits()[name], subject, self.clock().timestamp())

    def link_mail_allowed(self, case_id: str) -> bool:
        """One more "send me a new link" mail for the case, within the day's limit (``abuse_limits``)?"""
        return self.within_limit("portal_links_per_case", case_id)

    def problem_public_notices(self, problem_id: str) -> list[Any]:
        """The notices of a problem a customer may see on their case page (not drafts or cancelled), newest first."""
        from functions.notify.models import NoticeStatus  # noqa: PLC0415

        shown = {NoticeStatus.ACTIVE, NoticeStatus.PAUSED, NoticeStatus.COMPLETED}
        notices = [n for n in self.notices.of_problem(problem_id) if n.status in shown]
        return self.notices.public_views(sorted(notices, key=lambda n: n.updated_at, reverse=True))

    # -- knowledge and self-service ---------------------------------------------------------------
    @cached_property
    def article_store(self) -> ArticleStore:
        from functions.knowledge.store import ArticleStore  # noqa: PLC0415

        return ArticleStore()

    @cached_property
    def knowledge(self) -> KnowledgeService:
        from functions.knowledge.service import KnowledgeService  # noqa: PLC0415

        roles = frozenset(r.strip() for r in self.settings.knowledge_reviewer_roles.split(",") if r.strip())
        return KnowledgeService(
            self.article_store,
            search=self.search_index,
            cases=self.cases,
            customers=self.customer_store,
            reviewer_roles=roles,
            site=self.help_site,
            site_url=self.settings.site_url,
        )

    @cached_property
    def help_site(self) -> HelpSiteBucket:
        """The help center's static pages (the help-site bucket), rewritten as articles change."""
        from functions.core import resources  # noqa: PLC0415
        from functions.knowledge.store import HelpSiteBucket  # noqa: PLC0415

        return HelpSiteBucket(self.settings.name(resources.HELP_SITE_BUCKET.logical))

    @cached_property
    def fix_store(self) -> FixStore:
        from functions.selfservice.store import FixStore  # noqa: PLC0415

        return FixStore()

    @cached_property
    def answer_store(self) -> AnswerStore:
        from functions.selfservice.store import AnswerStore  # noqa: PLC0415

        return AnswerStore()

    @cached_property
    def deflection_events(self) -> EventStore:
        from functions.selfservice.store import EventStore  # noqa: PLC0415

        return EventStore(retention_days=self.settings.selfservice_event_retention_days)

    @cached_property
    def self_service(self) -> SelfService:
        from functions.selfservice.service import SelfService  # noqa: PLC0415

        return SelfService(
            search=self.search_index,
            fixes=self.fix_store,
            answers=self.answer_store,
            events=self.deflection_events,
            cases=self.cases,
            knowledge=self.knowledge,
            max_events_per_post=self.settings.selfservice_max_events_per_post,
            known_issues=lambda: self.notices.public_active(),
        )

    # -- SLA ------------------------------------------------------------------------------------
    @cached_property
    def sla(self) -> SlaService:
        from functions.core.records import VersionedRecords  # noqa: PLC0415
        from functions.sla.models import Calendar, SlaPolicy  # noqa: PLC0415
        from functions.sla.service import SlaService  # noqa: PLC0415

        return SlaService(
            VersionedRecords("sla_calendar", Calendar, "calendar_id"),
            VersionedRecords("sla_policy", SlaPolicy, "policy_id"),
        )

    # -- problems -------------------------------------------------------------------------------
    @cached_property
    def problem_store(self) -> ProblemStore:
        from functions.problems.store import ProblemStore  # noqa: PLC0415

        return ProblemStore()

    @cached_property
    def department_store(self) -> DepartmentStore:
        from functions.problems.store import DepartmentStore  # noqa: PLC0415

        return DepartmentStore()

    @cached_property
    def routing_store(self) -> RoutingStore:
        from functions.problems.store import RoutingStore  # noqa: PLC0415

        return RoutingStore()

    @cached_property
    def suggestion_store(self) -> SuggestionStore:
        from functions.problems.store import SuggestionStore  # noqa: PLC0415

        return SuggestionStore()

    @cached_property
    def departments(self) -> DepartmentService:
        """Departments and the routing rules (the defaults until a deployment stores its own)."""
        from functions.problems.service.departments import DepartmentService  # noqa: PLC0415

        return DepartmentService(self.department_store, self.routing_store, self.clock)

    @cached_property
    def problem_knowledge(self) -> KnowledgeSync:
        """A problem's permanent fix into the knowledge base (the knowledge service, built on first use)."""
        from functions.problems.adapters import KnowledgeSync  # noqa: PLC0415

        return KnowledgeSync(lambda: self.knowledge)

    @cached_property
    def problems(self) -> ProblemService:
        """The problem use cases: lifecycle, linking, resolution and reads, each with its ports."""
        from functions.problems.service import (  # noqa: PLC0415
            ProblemLifecycle,
            ProblemLinking,
            ProblemReads,
            ProblemResolution,
            ProblemService,
        )

        store = self.problem_store
        return ProblemService(
            # assigning a department starts its escalation; escalation reaches back through a callable
            lifecycle=ProblemLifecycle(store, self.cases, self.departments, self.escalation, self.clock),
            linking=ProblemLinking(store, self.cases, self.suggestion_store, self.clock),
            resolution=ProblemResolution(store, self.cases, self.problem_knowledge, self.clock),
            reads=ProblemReads(store, self.customer_store, self.settings.problem_cost_per_channel),
        )

    @cached_property
    def escalation(self) -> EscalationService:
        from functions.core.timeutil import iso  # noqa: PLC0415
        from functions.problems.escalation.adapters import EscalationStateMachine  # noqa: PLC0415
        from functions.problems.escalation.models import Policy  # noqa: PLC0415
        from functions.problems.escalation.service import EscalationService  # noqa: PLC0415
        from functions.problems.escalation.store import EscalationStore  # noqa: PLC0415

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
            EscalationStateMachine(),
            self.mailer,
            self.escalation_resolver,
            policy,
            lambda: iso(self.clock()),
        )

    @cached_property
    def escalation_resolver(self) -> Resolver:
        """What a delivered fix does: resolve the problem, its cases and the knowledge base,
        through the problems service (a callable: the problems service starts escalations)."""
        from functions.problems.escalation.adapters import ProblemResolver  # noqa: PLC0415

        return ProblemResolver(lambda: self.problems)

    @cached_property
    def segment_base(self) -> SegmentBaseCache:
        """The customer base's segment counts (kept in S3, recounted when stale); cached per process."""
        from datetime import timedelta  # noqa: PLC0415

        from functions.core import resources  # noqa: PLC0415
        from functions.problems.detection.rules import segment_base_from_customers  # noqa: PLC0415
        from functions.problems.detection.service import SegmentBaseCache  # noqa: PLC0415
        from functions.problems.detection.store import CustomerBaseReader, S3SegmentBaseStore  # noqa: PLC0415

        s = self.settings
        customers = CustomerBaseReader()
        return SegmentBaseCache(
            S3SegmentBaseStore(s.name(resources.DETECTION_BUCKET.logical)),
            lambda: segment_base_from_customers(customers.rows()),
            max_age=timedelta(hours=s.detection_segment_base_max_age_hours),
        )

    def detection(self) -> DetectionService:
        """A detection service over the deployment's state (a new one per stream batch: it holds its state)."""
        from functions.core import resources  # noqa: PLC0415
        from functions.problems.detection.adapters import ProblemSink, TriageIntents  # noqa: PLC0415
        from functions.problems.detection.models import DetectionConfig  # noqa: PLC0415
        from functions.problems.detection.service import DetectionService  # noqa: PLC0415
        from functions.problems.detection.store import S3StateStore  # noqa: PLC0415

        s = self.settings
        config = DetectionConfig.model_validate(
            {**s.detection_config, "auto_link_similarity": s.detection_auto_link_similarity}
        )
        return DetectionService(
            S3StateStore(s.name(resources.DETECTION_BUCKET.logical)),
            ProblemSink(self.problems),
            config,
            base=self.segment_base.get(),
            embedder=self.embedder,
            intents=TriageIntents(self.triage),  # triage's category: cases of one intent share a group
        )

    def problem_reactions(self, detection: Callable[[], Detection] | None = None) -> list[ProblemReaction]:
        """What happens when a problem changes status, in order: detection stops collecting for a
        closed problem (in the detection ``detection`` gives: a stream batch passes its own, whose
        state it loads once and saves once), then the problem's notices react, then its running
        escalations stop (their department links then answer "no longer needed")."""
        from functions.problems.service.stream import detection_reaction  # noqa: PLC0415

        def notices(problem_id: str, old_status: str | None, new_status: str) -> None:
            if old_status != new_status:
                self.notices.on_problem_status(problem_id, new_status)

        def escalations(problem_id: str, old_status: str | None, new_status: str) -> None:
            if old_status != new_status and new_status in ("resolved", "closed", "dismissed"):
                self.escalation.stop_for_problem(problem_id, f"the problem was {new_status}")

        return [detection_reaction(detection or self.detection, self.suggestion_store), notices, escalations]

    @cached_property
    def problem_stream(self) -> ProblemStream:
        """The table stream's batches: new cases to a batch's detection, accepted suggestions
        removed, status changes to ``problem_reactions`` (looked up per batch: tests override it)."""
        from functions.problems.service.stream import ProblemStream  # noqa: PLC0415

        return ProblemStream(
            detection=lambda: self.detection(),
            suggestions=self.suggestion_store,
            customers=self.customer_store,
            reactions=lambda detection: self.problem_reactions(detection),
            clock=self.clock,
            escalations=lambda line: self.problems.record_escalation(line),
        )

    # -- triage -----------------------------------------------------------------------------------
    @cached_property
    def triage_models(self) -> ModelStore:
        """The triage model files, versioned in the models bucket."""
        from functions.core import resources  # noqa: PLC0415
        from functions.triage.store import S3ModelStore  # noqa: PLC0415

        return S3ModelStore(self.settings.name(resources.MODELS_BUCKET.logical))

    @cached_property
    def triage(self) -> TriageService:
        """Suggested category, priority and department (the current model, loaded on first use and
        kept per container); its ``classifier(field)`` is an ``IntentClassifier`` for the chatbot."""
        from datetime import timedelta  # noqa: PLC0415

        from functions.triage.service import TriageService  # noqa: PLC0415

        return TriageService(
            self.triage_models,
            lambda: self.embedder,
            self.clock,
            reload_after=timedelta(seconds=self.settings.triage_reload_seconds),
        )

    @cached_property
    def case_triage(self) -> CaseTriage:
        """New cases' suggestions (``triage_stream``): applied above ``settings.triage_thresholds``;
        a department is applied only if it names an agent group."""
        from functions.triage.service import CaseTriage  # noqa: PLC0415

        def allowed() -> dict[str, set[str] | None]:
            return {"department": {g.group_id for g in self.agents.groups.list()}}

        return CaseTriage(self.triage, self.cases, self.settings.triage_thresholds, allowed)

    def triage_examples(self, max_cases: int = 100_000) -> Iterator[Example]:
        """Training examples: the resolved and closed cases, with the category, priority and agent
        group (department) agents left on them (their corrections of triage included; a field triage
        applied that no agent corrected is no label: ``rules.agent_labels``), newest first."""
        from functions.cases.models import CaseQuery, CaseStatus  # noqa: PLC0415
        from functions.triage.models import Example  # noqa: PLC0415
        from functions.triage.rules import agent_labels, case_text  # noqa: PLC0415

        cursor: str | None = None
        seen = 0
        while seen < max_cases:
            q = CaseQuery(status=[CaseStatus.RESOLVED, CaseStatus.CLOSED], limit=200, cursor=cursor)
            page = self.case_store.query(q)
            for case in page.items:
                if case.merged_into:
                    continue  # its messages live on in the case it was merged into
                seen += 1
                values = {"category": case.category, "priority": case.priority.value, "department": case.group_id}
                yield Example(
                    text=case_text(case.subject, case.description),
                    **agent_labels(values, case.triage, case.triage_corrections),
                )
            cursor = page.next_cursor
            if not cursor:
                return

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

        return OptOutService(self.customer_store, languages=self.contact_language)

    def contact_language(self, customer_id: str, contact_id: str) -> str | None:
        """A contact's own stored language (None when it has none: the customer's language defaults
        to English and says nothing about the reader; NotFound: no such customer)."""
        customer = self.customer_store.get(customer_id)
        contact = next((c for c in customer.contacts if c.contact_id == contact_id), None)
        return contact.language if contact else None

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
        from functions.core.timeutil import iso  # noqa: PLC0415
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
            lambda: iso(self.clock()),
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
