# The verbs a newcomer needs. Every target creates the virtualenv first if it is missing.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.12 2>/dev/null || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv run test test-unit lint format typecheck bench openapi clean synth deploy lint-infra

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml infra/requirements.txt infra/package-lock.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip==26.2.1  # chalice 1.34 needs pip<26.3
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip install --quiet -r infra/requirements.txt
	@if command -v npm >/dev/null; then npm ci --prefix infra --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the CDK CLI and asl-validator are not installed (make deploy and the ASL check need them)"; fi
	@touch $(STAMP)

run: venv ## run the whole system locally (embedded AWS, API, event delivery, SMTP inbox); e.g. make run ARGS='--api-port 8080'
	$(BIN)/casebridge local up $(ARGS)

test: venv ## run every test suite
	$(BIN)/python -m pytest

test-unit: venv
	$(BIN)/python -m pytest tests/unit

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: venv
	$(BIN)/mypy functions app.py

bench: venv ## print the benchmark figures
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/email_intake.py
	$(BIN)/python bench/similar_cases.py --split ../shared/data/intents/banking77-train.csv --out .local/bench-split --seed 77
	$(BIN)/python bench/similar_cases.py --cases .local/bench-split/cases.csv --queries .local/bench-split/queries.csv
	$(BIN)/python bench/search_latency.py
	$(BIN)/python bench/problem_detection.py --corpus ../shared/data/intents/banking77-train.csv --seed 4

openapi: venv ## regenerate docs/openapi.json from the code
	$(BIN)/casebridge openapi > docs/openapi.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .local .chalice/deployments

# Infrastructure (infra/, docs/deploy.md). No AWS credentials or network needed to synthesize:
# the account and region default to placeholders and nothing is looked up.
INFRA_ENV := AWS_EC2_METADATA_DISABLED=true CDK_DISABLE_CLI_TELEMETRY=true JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
STAGE ?= dev

synth: venv ## write the CloudFormation templates of every stage to infra/cdk.out/ (cdk-nag must pass)
	cd infra && $(INFRA_ENV) CDK_OUTDIR=cdk.out ../$(BIN)/python app.py
	@ls -1 infra/cdk.out/*.template.json

lint-infra: synth ## cfn-lint the synthesized templates; validate every Step Functions definition
	$(BIN)/cfn-lint --format parseable --ignore-checks W3005 -- infra/cdk.out/*.template.json  # W3005: see tests/infrastructure/test_checks.py
	@shopt -s nullglob; files=(stepfunctions/*.asl.json); for f in "$${files[@]}"; do \
		infra/node_modules/.bin/asl-validator --json-path "$$f" || exit 1; done; echo "asl-validator: $${#files[@]} definition(s) valid"

deploy: venv ## deploy one stage with your AWS credentials: make deploy STAGE=dev (see docs/deploy.md)
	cd infra && $(INFRA_ENV) node_modules/.bin/cdk deploy -c stage=$(STAGE) $(CDK_ARGS) Casebridge-$(STAGE) --require-approval broadening
