"""Casebridge: the Chalice app. Composition only: blueprints per domain, nothing else."""

from chalice import Chalice

from functions.agents.handlers import bp as agents_bp
from functions.cases.actions.handlers import bp as case_actions_bp
from functions.cases.handlers import bp as cases_bp
from functions.cases.macros.handlers import bp as macros_bp
from functions.cases.saved_views.handlers import bp as saved_views_bp
from functions.channels.chat.handlers import bp as chat_bp
from functions.channels.email.handlers import bp as email_bp
from functions.channels.web.handlers import bp as web_bp
from functions.core.http import cors, error_format
from functions.customers.handlers import bp as customers_bp
from functions.knowledge.handlers import bp as knowledge_bp
from functions.live.handlers import bp as live_bp
from functions.notify.delivery.handlers import bp as notice_delivery_bp
from functions.notify.handlers import bp as notify_bp
from functions.portal.handlers import bp as portal_bp
from functions.problems.escalation.handlers import bp as escalation_bp
from functions.problems.handlers import bp as problems_bp
from functions.search.handlers import bp as search_bp
from functions.selfservice.handlers import bp as selfservice_bp
from functions.sla.handlers import bp as sla_bp
from functions.triage.handlers import bp as triage_bp

# Logs go through functions.core.logs (Powertools, JSON). Chalice would add its own plain handler to the
# same "casebridge" logger, and every line would reach CloudWatch twice.
app = Chalice(app_name="casebridge", configure_logs=False)
app.experimental_feature_flags.update(["WEBSOCKETS"])  # live updates (functions/live)
# Pages' own posts with files (forms without JavaScript) reach the handlers as bytes (functions/core/forms.py)
app.api.binary_types.append("multipart/form-data")
app.register_middleware(error_format, "http")  # Chalice's own rejections in the one error shape
app.register_middleware(cors, "http")  # the web apps' origins may read the answers (core/http.py)
app.register_blueprint(case_actions_bp)  # before cases: /cases/bulk is not a case id
app.register_blueprint(cases_bp)
app.register_blueprint(macros_bp)
app.register_blueprint(saved_views_bp)
app.register_blueprint(customers_bp)
app.register_blueprint(web_bp)
app.register_blueprint(portal_bp)
app.register_blueprint(chat_bp)
app.register_blueprint(email_bp)
app.register_blueprint(knowledge_bp)
app.register_blueprint(selfservice_bp)
app.register_blueprint(search_bp)
app.register_blueprint(escalation_bp)
app.register_blueprint(problems_bp)
app.register_blueprint(notify_bp)
app.register_blueprint(notice_delivery_bp)
app.register_blueprint(sla_bp)
app.register_blueprint(triage_bp)
app.register_blueprint(agents_bp)
app.register_blueprint(live_bp)
