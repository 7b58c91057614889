"""The whole system on one machine, without an AWS account.

``LocalStack(...).start()``:
1. starts moto in server mode on loopback (the "embedded AWS"), Step Functions execution on;
2. points the process settings at it (dummy credentials, stage ``local``, a signing secret and a
   development agent token kept in ``.local/``) and forgets built services (``composition.reset()``);
3. provisions every resource from ``functions.core.resources`` (``provision()``, as the tests do);
4. seeds demo customers through the real ``CustomerStore``;
5. serves the Chalice app of ``app.py`` with Chalice's local dev server (same app object);
6. delivers SQS / SNS / DynamoDB-stream events and schedules to the app's own handlers
   (``functions.local.events``);
7. optionally listens for SMTP and does what SES receipt does (``functions.local.smtp``);
8. optionally serves the agents' app with its runtime config (``functions.local.web``).

Agents: the shared development token (with an optional ``X-Agent-Id``) and a few seeded agents,
each with its own token (``functions.local.agents``, kept in ``.local/agents.json``).

``stop()`` undoes all of it, including the environment changes. Used by ``casebridge local up``,
by the e2e tests (as a subprocess) and by anyone who wants the stack in-process.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import secrets
import socket
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = PROJECT_DIR / ".local"
HOST = "127.0.0.1"
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}}

_ENV_KEYS_CLEARED = (
    "CASEBRIDGE_COGNITO_USER_POOL_ARN",
    "CASEBRIDGE_RESOURCE_PREFIX",
    "CASEBRIDGE_SEARCH_ENDPOINT",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
)


def _secret_file(path: Path) -> str:
    """Read a secret kept in ``.local/``, creating it (owner-only) the first time."""
    if path.exists():
        value = path.read_text().strip()
        if value:
            return value
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def ensure_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            raise OSError(
                f"port {HOST}:{port} is already in use (another stack?); pick another with --api-port/--aws-port/--smtp-port"
            ) from exc


def free_port() -> int:
    """A port on loopback that nobody listens on right now (tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _post(url: str, body: dict[str, Any]) -> None:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback URL we built
        resp.read()


@dataclass
class StackInfo:
    api_url: str
    aws_endpoint: str
    smtp_address: str | None
    dev_token: str
    support_address: str
    web_url: str | None = None
    live_url: str | None = None
    customers_url: str | None = None
    agents: list[dict[str, Any]] = field(default_factory=list)
    seeded: list[str] = field(default_factory=list)
    handlers: dict[str, list[str]] = field(default_factory=dict)
    seconds_to_ready: float = 0.0

    def as_json(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "dev_token"}
        out["agents"] = [{k: v for k, v in a.items() if k != "token"} for a in self.agents]
        return out


class LocalStack:
    def __init__(
        self,
        api_port: int = 8000,
        aws_port: int = 4566,
        smtp_port: int | None = 2525,
        data_dir: Path | str | None = None,
        web_port: int | None = None,
        live_port: int | None = None,
        *,
        customers_port: int | None = None,
        seed: bool = True,
        retry_delay: int = 5,
    ) -> None:
        self.api_port = api_port
        self.aws_port = aws_port
        self.smtp_port = smtp_port
        self.web_port = web_port
        self.live_port = live_port
        self.customers_port = customers_port
        self.data_dir = Path(data_dir) if data_dir else DEFAULT_DATA_DIR
        self.seed = seed
        self.retry_delay = retry_delay
        self.info: StackInfo | None = None
        self.app: Any = None
        self.scheduler: Any = None
        self.pumps: list[Any] = []
        self._moto: Any = None
        self._api: Any = None
        self._api_thread: threading.Thread | None = None
        self._smtp: Any = None
        self._web: Any = None
        self._live: Any = None
        self._site: Any = None
        self.agents: list[dict[str, Any]] = []
        self._saved_env: dict[str, str | None] = {}
        self._wrote_state = False

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> StackInfo:
        started = time.perf_counter()
        record_to = os.environ.get("CASEBRIDGE_RECORD_AWS_CALLS")
        if record_to:  # which AWS calls each function makes (functions.local.calls; the e2e tests)
            from functions.local import calls  # noqa: PLC0415

            calls.install(record_to)
        try:
            aws_endpoint = self._start_aws()
            token = self._set_environment(aws_endpoint)
            from functions.core.settings import get_settings  # noqa: PLC0415
            from functions.local.provision import provision  # noqa: PLC0415

            provision()
            seeded = self._seed() if self.seed else []
            self.app = self._load_app()
            self._start_api()
            live_url = self._start_live()
            handlers = self._start_events()
            smtp_address = self._start_smtp()
            web_url = self._start_web(live_url)
            customers_url = self._start_customers_site()
        except BaseException:
            self.stop()
            raise
        self.info = StackInfo(
            api_url=f"http://{HOST}:{self.api_port}",
            aws_endpoint=aws_endpoint,
            smtp_address=smtp_address,
            dev_token=token,
            support_address=get_settings().support_address,
            web_url=web_url,
            live_url=live_url,
            customers_url=customers_url,
            agents=self.agents,
            seeded=seeded,
            handlers=handlers,
            seconds_to_ready=round(time.perf_counter() - started, 2),
        )
        (self.data_dir / "stack.json").write_text(json.dumps(self.info.as_json(), indent=2) + "\n")
        self._wrote_state = True
        return self.info

    def stop(self) -> None:
        if self._site is not None:
            self._site.stop()
            self._site = None
        if self._web is not None:
            self._web.stop()
            self._web = None
        if self._smtp is not None:
            self._smtp.stop()
            self._smtp = None
        for pump in self.pumps:
            pump.stop()
        self.pumps = []
        if self._live is not None:
            self._live.stop()
            self._live = None
        if self.scheduler is not None:
            self.scheduler.stop()
            self.scheduler = None
        if self._api is not None:
            self._api.shutdown()
            self._api.server.server_close()
            self._api = None
        if self._api_thread is not None:
            self._api_thread.join(5)
            self._api_thread = None
        if self._moto is not None:
            self._moto.stop()
            if self._moto._server is not None:  # stop() shuts the loop down but keeps the socket
                self._moto._server.server_close()
            self._moto = None
        if self._wrote_state:  # never remove the state file of another stack that owns the ports
            (self.data_dir / "stack.json").unlink(missing_ok=True)
            self._wrote_state = False
        self._restore_environment()

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---------------------------------------------------------------- steps
    def _start_aws(self) -> str:
        from moto.server import ThreadedMotoServer  # noqa: PLC0415 - dev-only dependency

        from functions.local import moto_fixes  # noqa: PLC0415

        moto_fixes.apply()

        for port in (self.aws_port, self.api_port, self.smtp_port, self.web_port, self.customers_port):
            if port:
                ensure_free(port)  # moto's thread would hang on a busy port instead of failing
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the pumps poll: no access log
        self._moto = ThreadedMotoServer(ip_address=HOST, port=self.aws_port, verbose=False)
        self._moto.start()
        endpoint = f"http://{HOST}:{self.aws_port}"
        # moto keeps its state in module globals: start from an empty account every time.
        _post(endpoint + "/moto-api/reset", {})
        # Server mode takes its configuration over HTTP (the same call works for a moto server
        # in another process): Step Functions then executes state machine definitions.
        _post(endpoint + "/moto-api/config", MOTO_CONFIG)
        return endpoint

    def _set_environment(self, aws_endpoint: str) -> str:
        from functions import composition  # noqa: PLC0415

        signing_secret = _secret_file(self.data_dir / "signing-secret")
        token = _secret_file(self.data_dir / "dev-agent-token")
        from functions.local.agents import load_agents  # noqa: PLC0415

        self.agents = load_agents(self.data_dir)
        env = {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",  # noqa: S105 - moto accepts anything
            "AWS_SESSION_TOKEN": "local",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": aws_endpoint,  # any boto3 client made outside functions.core.aws too
            "CASEBRIDGE_STAGE": "local",
            "CASEBRIDGE_AWS_ENDPOINT_URL": aws_endpoint,
            "CASEBRIDGE_SIGNING_SECRET": signing_secret,
            "CASEBRIDGE_DEV_AGENT_TOKEN": token,
            "CASEBRIDGE_DEV_AGENTS": json.dumps(self.agents),
            "CASEBRIDGE_PUBLIC_BASE_URL": f"http://{HOST}:{self.api_port}",
            # browsers may call the API from the web apps this stack serves (and Vite's dev server)
            "CASEBRIDGE_CORS_ALLOWED_ORIGINS": ",".join(self.web_origins()),
            # the customers' site: the absolute links of the static article pages and the sitemap
            "CASEBRIDGE_HELP_SITE_URL": f"http://{HOST}:{self.customers_port or self.api_port}",
            # the embedded search engine keeps its indexes with the stack's other state
            "CASEBRIDGE_SEARCH_DIR": str(self.data_dir / "search"),
            # moto's Step Functions service integrations call AWS at localhost:$MOTO_PORT (default 5000)
            "MOTO_PORT": str(self.aws_port),
            # a fresh stack has no case history: detection's warm-up (no candidate before 1,000 cases,
            # for the baselines) is off here unless the caller configures detection itself
            "CASEBRIDGE_DETECTION_CONFIG": os.environ.get("CASEBRIDGE_DETECTION_CONFIG") or '{"warmup_cases": 0}',
        }
        for key in (*env, *_ENV_KEYS_CLEARED):
            self._saved_env.setdefault(key, os.environ.get(key))
        for key in _ENV_KEYS_CLEARED:
            os.environ.pop(key, None)
        os.environ.update(env)
        composition.reset()
        return token

    def web_origins(self) -> list[str]:
        """The origins of the pages this stack serves (each under both loopback names), and Vite's
        dev server (``npm run dev`` in web/agents)."""
        ports = [p for p in (self.web_port, 5173) if p]
        return [f"http://{host}:{port}" for port in ports for host in (HOST, "localhost")]

    def _restore_environment(self) -> None:
        if not self._saved_env:
            return
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env = {}
        from functions import composition  # noqa: PLC0415

        composition.reset()

    def _seed(self) -> list[str]:
        from functions import composition  # noqa: PLC0415
        from functions.core.settings import get_settings  # noqa: PLC0415
        from functions.local.seed import seed, seed_knowledge, seed_sla  # noqa: PLC0415

        seeded = seed(composition.container().customer_store)
        seed_knowledge()
        seed_sla()
        composition.container().knowledge.rebuild_site()  # this stack's site URL in every page
        composition.container().departments.seed(mail_domain=get_settings().mail_domain)
        return seeded

    def _load_app(self) -> Any:
        # app.py lives at the project root, outside the installed package.
        if str(PROJECT_DIR) not in sys.path:
            sys.path.insert(0, str(PROJECT_DIR))
        return importlib.import_module("app").app

    def _start_api(self) -> None:
        from chalice.config import Config  # noqa: PLC0415
        from chalice.deploy.validate import validate_routes  # noqa: PLC0415
        from chalice.local import CustomLocalChalice, LocalChalice, LocalDevServer  # noqa: PLC0415

        validate_routes(self.app.routes)  # what `chalice deploy` would refuse, refuse here too
        config_file = PROJECT_DIR / ".chalice" / "config.json"
        config = Config(
            chalice_stage="dev",
            config_from_disk=json.loads(config_file.read_text()),
            default_params={"project_dir": str(PROJECT_DIR)},
        )
        if not isinstance(self.app, LocalChalice):  # first time served in this process: as create_local_server does
            CustomLocalChalice.__bases__ = (LocalChalice, self.app.__class__)
            self.app.__class__ = CustomLocalChalice
        self._api = LocalDevServer(self.app, config, HOST, self.api_port, handler_cls=gateway_request_handler())
        self._api_thread = threading.Thread(target=self._api.server.serve_forever, name="chalice-local", daemon=True)
        self._api_thread.start()

    def _start_events(self) -> dict[str, list[str]]:
        from functions.local import events  # noqa: PLC0415

        handlers = events.event_handlers(self.app)
        self.pumps = events.build_pumps(handlers, retry_delay=self.retry_delay)
        for pump in self.pumps:
            pump.start()
        self.scheduler = events.Scheduler(handlers.schedules)
        self.scheduler.start()
        pumped = {p.name for p in self.pumps}
        return {
            "sqs": [b.name for b in handlers.sqs if b.name in pumped],
            "sns": [b.name for b in handlers.sns if b.name in pumped],
            "dynamodb": [b.name for b in handlers.dynamodb if b.name in pumped]
            + [c.function for c, _ in handlers.stream_consumers if c.function in pumped],
            "schedules": list(self.scheduler.jobs),
            "not_delivered": handlers.ignored
            + [b.name for b in (*handlers.sqs, *handlers.sns, *handlers.dynamodb) if b.name not in pumped],
        }

    def _start_smtp(self) -> str | None:
        if not self.smtp_port:
            return None
        from functions.core import aws, resources  # noqa: PLC0415
        from functions.core.settings import get_settings  # noqa: PLC0415
        from functions.local.smtp import SmtpReceiver  # noqa: PLC0415

        topic_arn = aws.client("sns").create_topic(Name=get_settings().name(resources.INBOUND_MAIL_TOPIC.logical))[
            "TopicArn"
        ]
        self._smtp = SmtpReceiver(HOST, self.smtp_port, topic_arn)
        self._smtp.start()
        return self._smtp.address

    def _start_live(self) -> str | None:
        """The live-updates WebSocket (functions.local.live), its poster given to the container."""
        if not self.live_port:
            return None
        from functions import composition  # noqa: PLC0415
        from functions.local.live import LiveServer, LocalPoster  # noqa: PLC0415

        poster = LocalPoster()
        composition.container().override(live_poster=poster)
        self._live = LiveServer(HOST, self.live_port, lambda: composition.container().live, poster)
        self._live.start()
        return str(self._live.url)

    def _start_web(self, live_url: str | None = None) -> str | None:
        if not self.web_port:
            return None
        from functions.local.web import WebServer  # noqa: PLC0415

        config = {
            "apiBaseUrl": f"http://{HOST}:{self.api_port}",
            **({"liveUrl": live_url} if live_url else {}),
            "auth": {
                "mode": "dev",
                "agents": [{k: a[k] for k in ("id", "name", "roles", "token")} for a in self.agents],
            },
        }
        from functions.core.webpolicy import content_security_policy  # noqa: PLC0415

        # the deployed policy, with the local API and live-updates socket (plain http and ws, so no
        # upgrade-insecure-requests)
        connect = [f"http://{HOST}:{self.api_port}", *([live_url] if live_url else [])]
        csp = content_security_policy(connect, upgrade_insecure_requests=False)
        self._web = WebServer(HOST, self.web_port, config, csp=csp)
        self._web.start()
        return str(self._web.url)

    def _start_customers_site(self) -> str | None:
        if not self.customers_port:
            return None
        from functions.core import resources  # noqa: PLC0415
        from functions.core.settings import get_settings  # noqa: PLC0415
        from functions.local.site import CustomersSite  # noqa: PLC0415

        bucket = get_settings().name(resources.HELP_SITE_BUCKET.logical)
        self._site = CustomersSite(HOST, self.customers_port, f"http://{HOST}:{self.api_port}", bucket)
        self._site.start()
        return str(self._site.url)


def gateway_request_handler() -> type:
    """Chalice's local request handler, answering what API Gateway answers itself (an unknown
    route, a missing token) with the gateway responses the CDK app configures: the one error shape."""
    from chalice.local import ChaliceRequestHandler, ForbiddenError, LocalGatewayException, NotAuthorizedError  # noqa: PLC0415

    from functions.core.http import GATEWAY_ERRORS, error_body  # noqa: PLC0415

    class GatewayErrors(ChaliceRequestHandler):
        def _send_error_response(self, error: LocalGatewayException) -> None:
            if isinstance(error, ForbiddenError):
                kind = "MISSING_AUTHENTICATION_TOKEN"
            elif isinstance(error, NotAuthorizedError):
                kind = "UNAUTHORIZED"
            else:
                kind = "DEFAULT_5XX"
            status, code, message = GATEWAY_ERRORS[kind]
            headers = {**(error.headers or {}), "Content-Type": "application/json"}
            self._send_http_response(status, headers, json.dumps(error_body(code, message)).encode())

    return GatewayErrors
