"""Casebridge: the Chalice app. Composition only: blueprints per domain, nothing else."""

from chalice import Chalice

from functions.cases.handlers import bp as cases_bp
from functions.customers.handlers import bp as customers_bp

app = Chalice(app_name="casebridge")
app.register_blueprint(cases_bp)
app.register_blueprint(customers_bp)
