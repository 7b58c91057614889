# The verbs a newcomer needs. Every target creates the virtualenv first if it is missing.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.12 2>/dev/null || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv run test test-unit test-localstack localstack-venv api-fuzz lint format typecheck bench fuzz openapi clean synth deploy lint-infra web web-test web-e2e web-lint \
	web-customers web-customers-test web-customers-e2e web-customers-lint language-layer

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt requirements-language.txt pyproject.toml infra/requirements.txt infra/package-lock.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip==26.2.1  # chalice 1.34 needs pip<26.3
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip install --quiet -r infra/requirements.txt
	@if command -v npm >/dev/null; then npm ci --prefix infra --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the CDK CLI and asl-validator are not installed (make deploy and the ASL check need them)"; fi
	@touch $(STAMP)

run: venv web web-customers ## run the whole system locally (embedded AWS, API, event delivery, SMTP inbox, agents' app, customers' site); e.g. make run ARGS='--api-port 8080'
	$(BIN)/casebridge local up $(ARGS)

test: venv web web-customers ## run every test suite (Python suites, then the agents' app and the customers' site: unit tests, browser e2e)
	$(BIN)/python -m pytest
	$(MAKE) --no-print-directory web-test web-e2e web-customers-test web-customers-e2e

test-unit: venv
	$(BIN)/python -m pytest tests/unit

# LocalStack's server under Python 3.13 in its own venv (../shared/docs/LOCALSTACK.md: the pins).
LOCALSTACK_PYTHON ?= $(shell p="$$(pyenv root 2>/dev/null)/versions/3.13.0/bin/python"; [ -x "$$p" ] && echo "$$p" || command -v python3.13)
.localstack-venv/.installed:
	$(LOCALSTACK_PYTHON) -m venv .localstack-venv
	.localstack-venv/bin/pip install -q "localstack-core[runtime]==2026.3.0" "cbor2<5.7" "pyopenssl<24.3"
	touch $@

localstack-venv: .localstack-venv/.installed

test-localstack: venv localstack-venv ## the SQS, SNS, SES, S3 and Step Functions paths against LocalStack (DynamoDB on moto)
	CASEBRIDGE_LOCALSTACK=1 $(BIN)/python -m pytest tests/localstack

api-fuzz: venv ## the API against docs/openapi.json on a local stack, long: 100 examples per operation, coverage phase too
	CASEBRIDGE_API_FUZZ_EXAMPLES=100 CASEBRIDGE_API_FUZZ_PHASES=examples,coverage,fuzzing $(BIN)/python -m pytest tests/e2e/test_api_contract.py -s

lint: venv web-lint web-customers-lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports  # the layers of every domain and the paths between domains (pyproject.toml)

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: venv
	$(BIN)/mypy functions app.py

fuzz: venv ## a longer, random fuzz run of the mail parser, the intake, the WebSocket handlers and the bulk-actions consumer (CASEBRIDGE_FUZZ_EXAMPLES=n)
	CASEBRIDGE_FUZZ=long $(BIN)/python -m pytest tests/unit/test_email_fuzz.py tests/integration/test_live_and_jobs_fuzz.py -q -p no:cacheprovider

language-layer: venv ## the embedding model's Lambda layer (build/language-layer: requirements-language.txt for Lambda's Python 3.12, x86_64); `make deploy` needs it
	$(BIN)/python scripts/build_language_layer.py

bench: venv ## print the benchmark figures
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/email_intake.py
	$(BIN)/python bench/mail_trust.py
	$(BIN)/python bench/similar_cases.py --split ../shared/data/intents/banking77-train.csv --out .local/bench-split --seed 77
	$(BIN)/python bench/similar_cases.py --cases .local/bench-split/cases.csv --queries .local/bench-split/queries.csv
	$(BIN)/python bench/selfservice_search.py
	$(BIN)/python bench/intents.py --candidates tfidf,minilm-int8
	$(BIN)/python bench/intents.py --classifier
	$(BIN)/python bench/search_latency.py
	$(BIN)/python bench/embedder.py
	$(BIN)/python bench/problem_detection.py --corpus ../shared/data/intents/banking77-train.csv --seed 4
	$(MAKE) --no-print-directory web
	cd $(WEB) && node bench/agents_app.mjs --cases 2000
	$(MAKE) --no-print-directory web-customers
	cd $(CUSTOMERS) && node bench/customers_pages.mjs --runs 5

openapi: venv ## regenerate docs/openapi.json from the code (and the agents' app's API types from it)
	$(BIN)/casebridge openapi > docs/openapi.json
	@if [ -d $(WEB)/node_modules ]; then cd $(WEB) && npm run --silent api-types; fi

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .local .chalice/deployments $(WEB)/node_modules $(WEB)/dist
	rm -rf $(CUSTOMERS)/node_modules $(CUSTOMERS)/dist

# The agents' app (web/agents/): its own package.json and lock file; built into web/agents/dist,
# which `make run` serves. Its browser tests need Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH).
WEB := web/agents
WEB_STAMP := $(WEB)/node_modules/.installed

$(WEB_STAMP): $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	@touch $(WEB_STAMP)

web: $(WEB_STAMP) ## build the agents' app into web/agents/dist
	cd $(WEB) && npx vite build --logLevel warn

web-test: $(WEB_STAMP) ## the app's unit and component tests (Vitest, Testing Library, axe)
	cd $(WEB) && npx vitest run

web-e2e: venv web ## the app's end-to-end tests: the real local stack in Debian's Chromium
	@test -x "$${CHROMIUM_PATH:-/usr/bin/chromium}" || { echo "web-e2e needs Debian's chromium: apt-get install -y chromium"; exit 1; }
	cd $(WEB) && node --test --test-concurrency=1 e2e/

web-lint: $(WEB_STAMP) ## eslint (with the Vue accessibility rules), prettier, vue-tsc
	cd $(WEB) && npx eslint . && npx prettier --check . --log-level warn && npx vue-tsc --noEmit -p tsconfig.json

# The customers' site (web/customers/): the help center's script and styles (the pages are HTML from
# the API and the help-site bucket), its own package.json and lock file; built into
# web/customers/dist, which `make run` serves on the customers' port with the help-site bucket.
CUSTOMERS := web/customers
CUSTOMERS_STAMP := $(CUSTOMERS)/node_modules/.installed

$(CUSTOMERS_STAMP): $(CUSTOMERS)/package.json $(CUSTOMERS)/package-lock.json
	cd $(CUSTOMERS) && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	@touch $(CUSTOMERS_STAMP)

web-customers: $(CUSTOMERS_STAMP) ## build the customers' site into web/customers/dist
	cd $(CUSTOMERS) && npx vite build --logLevel warn

web-customers-test: $(CUSTOMERS_STAMP) ## the customers' site's unit tests (Vitest)
	cd $(CUSTOMERS) && npx vitest run

web-customers-e2e: venv web web-customers ## the customers' paths in Debian's Chromium on the real local stack
	@test -x "$${CHROMIUM_PATH:-/usr/bin/chromium}" || { echo "web-customers-e2e needs Debian's chromium: apt-get install -y chromium"; exit 1; }
	cd $(CUSTOMERS) && node --test --test-concurrency=1 e2e/

web-customers-lint: $(CUSTOMERS_STAMP) ## eslint, prettier, tsc
	cd $(CUSTOMERS) && npx eslint . && npx prettier --check . --log-level warn && npx tsc --noEmit -p tsconfig.json

# Infrastructure (infra/, docs/deploy.md). No AWS credentials or network needed to synthesize:
# the account and region default to placeholders and nothing is looked up.
INFRA_ENV := AWS_EC2_METADATA_DISABLED=true CDK_DISABLE_CLI_TELEMETRY=true JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
STAGE ?= dev
# The web apps' builds are deployed with the stack (infra/casebridge_infra/constructs/site.py);
# WEB_ASSETS=placeholder deploys a placeholder page for an app that is not built.
WEB_ASSETS ?= build

synth: venv web language-layer ## write the CloudFormation templates of every stage to infra/cdk.out/ (cdk-nag must pass)
	cd infra && $(INFRA_ENV) CDK_OUTDIR=cdk.out CDK_CONTEXT_JSON='{"web": "$(WEB_ASSETS)"}' ../$(BIN)/python app.py
	@ls -1 infra/cdk.out/*.template.json

lint-infra: synth ## cfn-lint the synthesized templates; validate every Step Functions definition
	$(BIN)/cfn-lint --format parseable --ignore-checks W3005 -- infra/cdk.out/*.template.json  # W3005: see tests/infrastructure/test_checks.py
	@shopt -s nullglob; files=(stepfunctions/*.asl.json); for f in "$${files[@]}"; do \
		infra/node_modules/.bin/asl-validator --json-path "$$f" || exit 1; done; echo "asl-validator: $${#files[@]} definition(s) valid"

deploy: venv web language-layer ## deploy one stage with your AWS credentials: make deploy STAGE=dev (see docs/deploy.md)
	cd infra && $(INFRA_ENV) node_modules/.bin/cdk deploy -c stage=$(STAGE) -c web=$(WEB_ASSETS) $(CDK_ARGS) Casebridge-$(STAGE) --require-approval broadening
