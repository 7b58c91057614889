# The verbs a newcomer needs. Every target creates the virtualenv first if it is missing.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.12 2>/dev/null || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv run test test-unit lint format typecheck bench openapi clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

run: venv ## run the whole system locally (embedded AWS, API, event delivery)
	$(BIN)/casebridge local up

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

openapi: venv ## regenerate docs/openapi.json from the code
	$(BIN)/casebridge openapi > docs/openapi.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .local
