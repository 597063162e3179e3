# Super SIM Admin — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SANDBOX_PORT ?= 8765
SEED_SIMS ?= 2000
SEED_FLEETS ?= 12

# The embedded default: SQLite, in-process tasks, the API is this server's own /sandbox.
RUN_ENV := SUPERSIM_API_BASE_URL=http://$(HOST):$(PORT)/sandbox \
	TWILIO_ACCOUNT_SID=$${SANDBOX_ACCOUNT_SID:-AC00000000000000000000000000000000} \
	TWILIO_AUTH_TOKEN=$${SANDBOX_AUTH_TOKEN:-sandbox-auth-token} \
	PUBLIC_BASE_URL=http://$(HOST):$(PORT) \
	CONNECTION_EVENTS_BASIC_USERNAME=sandbox-sink CONNECTION_EVENTS_BASIC_PASSWORD=sandbox-sink-password \
	SANDBOX_EVENT_SINKS=http://sandbox-sink:sandbox-sink-password@$(HOST):$(PORT)/webhooks/connection-events/
# SANDBOX_PROVIDER=kore: the sandbox plays KORE and the dashboard is configured as a KORE user's would be.
SANDBOX_PROVIDER ?= twilio
RUN_ENV += SANDBOX_PROVIDER=$(SANDBOX_PROVIDER)
ifeq ($(SANDBOX_PROVIDER),kore)
RUN_ENV += SUPERSIM_AUTH_MODE=kore \
	KORE_TOKEN_URL=http://$(HOST):$(PORT)/sandbox/api-services/v1/auth/token \
	KORE_CLIENT_ID=$${SANDBOX_KORE_CLIENT_ID:-sandbox-kore-client} \
	KORE_CLIENT_SECRET=$${SANDBOX_KORE_CLIENT_SECRET:-sandbox-kore-secret} \
	WEBHOOK_SIGNATURE_SCHEME=kore \
	KORE_WEBHOOK_SECRET=$${SANDBOX_KORE_WEBHOOK_SECRET:-sandbox-kore-webhook-secret}
endif

.PHONY: run test sandbox install install-dev lint format migrate clean lock

# Installs come from the lock (requirements/*.txt, exact versions with hashes), so a fresh clone gets what CI
# tested; pyproject.toml keeps the ranges for those who embed the package. `make lock` refreshes the lock.
LOCK_FLAGS := --quiet --generate-hashes --allow-unsafe --strip-extras --all-build-deps \
	--no-emit-index-url --no-emit-find-links

$(VENV)/.installed: requirements/main.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements/main.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements/dev.txt
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(PY) manage.py migrate --noinput

## make run: the dashboard at http://$(HOST):$(PORT) on SQLite, with the sandbox as its API. Ctrl-C stops all.
run: install
	@$(RUN_ENV) $(PY) manage.py migrate --noinput -v0
	@if $(PY) manage.py help sandbox_seed >/dev/null 2>&1; then \
		$(RUN_ENV) $(PY) manage.py sandbox_seed --sims $(SEED_SIMS) --fleets $(SEED_FLEETS) --seed 1 --if-empty; fi
	@$(RUN_ENV) $(PY) manage.py ensure_dev_users
	@$(RUN_ENV) $(PY) manage.py rundashboard --host $(HOST) --port $(PORT)

## make sandbox: the API emulator alone on SANDBOX_PORT (for your own integration tests).
sandbox: install
	@$(PY) manage.py migrate --noinput -v0
	@SANDBOX_PROVIDER=$(SANDBOX_PROVIDER) $(PY) manage.py sandbox_serve --port $(SANDBOX_PORT)

## make test: install dev dependencies, lint, check migrations, then the three test tiers.
test: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	SUPERSIM_IGNORE_DOTENV=1 $(PY) manage.py makemigrations --check --dry-run
	SUPERSIM_IGNORE_DOTENV=1 $(PY) manage.py check
	$(PY) tests/run_tiers.py $(ARGS)

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install-dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

## make lock: re-resolve requirements/dev.txt and requirements/main.txt from pyproject.toml's ranges (newest
## versions allowed); commit both files with the change that needs them.
lock: install-dev
	$(VENV)/bin/pip-compile $(LOCK_FLAGS) --extra dev -o requirements/dev.txt pyproject.toml
	$(VENV)/bin/pip-compile $(LOCK_FLAGS) -c requirements/dev.txt -o requirements/main.txt pyproject.toml

clean:
	rm -rf $(VENV) staticfiles test-results db.sqlite3*
