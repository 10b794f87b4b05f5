# Amorce — `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run install migrate demo serve test test-postgres test-browser bench load load-nodes fuzz lint format check clean

run: install migrate demo  ## Install, migrate, load the demo, print the login, serve
	@WAGTAILADMIN_BASE_URL=$${WAGTAILADMIN_BASE_URL:-http://$(HOST):$(PORT)} $(MANAGE) ensure_admin
	WAGTAILADMIN_BASE_URL=$${WAGTAILADMIN_BASE_URL:-http://$(HOST):$(PORT)} $(MANAGE) runserver $(HOST):$(PORT)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(MANAGE) migrate --no-input

demo: migrate
	$(MANAGE) load_demo_content

test: install  ## The whole suite on SQLite (DATABASE_URL set: on that database), browser tests apart
	$(BIN)/python -m pytest -m "not browser"

test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/amorce} $(BIN)/python -m pytest -m "not browser"

test-browser: install  ## Browser journeys and axe-core, in Debian's Chromium (/usr/bin/chromium)
	$(BIN)/python -m pytest -m browser tests/browser

bench: install  ## Benchmarks, printed as one table
	@$(BIN)/python bench/run.py

load: install  ## 200 submissions across a call's closing time (gunicorn, PostgreSQL), checked in the database
	$(BIN)/python bench/load_closing.py $(LOAD_ARGS)

load-nodes: install  ## make load on 2 web nodes and 2 workers (PostgreSQL, Redis), one of each killed mid-run
	$(BIN)/python bench/two_nodes.py $(LOAD_ARGS)

fuzz: install  ## schemathesis on the API's OpenAPI document (gunicorn, PostgreSQL, the demo)
	$(BIN)/python bench/fuzz.py $(FUZZ_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install  ## What CI gates on besides the tests
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* static var
