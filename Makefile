# Technology market — developer commands.
#   make run    install, create the schema, load demo data, serve on http://127.0.0.1:5000
#   make test   install test tools, PostgreSQL, Redis and Chromium if missing, run the suite on SQLite and PostgreSQL

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
# First interpreter on PATH that is Python 3.11 or newer.
PYTHON ?= $(shell for p in python3.11 python3.12 python3.13 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { command -v $$p; break; }; done)
HOST_URL := http://$(or $(GUNICORN_BIND),127.0.0.1:5000)
PG_TEST_DB ?= market_test
PG_TEST_URL := postgresql://postgres@127.0.0.1:5432/$(PG_TEST_DB)
PYTEST_ARGS ?=

.PHONY: help run serve install dev-install init-db seed-demo test test-sqlite test-postgres test-browser \
	postgres redis chromium axe clean

help:
	@echo "make run      安装依赖、初始化数据库、载入演示数据并启动 $(HOST_URL)"
	@echo "make serve    仅启动网站 (gunicorn)"
	@echo "make test     在 SQLite 和 PostgreSQL 上各运行一遍全部测试"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "需要 Python 3.11 或更高版本 (python3.11 / python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Stamp files: pip runs only when a requirements file changed. The installed packages are compiled to bytecode
# once, on every core (pip's own compiling uses one): with PYTHONDONTWRITEBYTECODE set, as on many CI machines,
# every new Python process would otherwise compile each module it imports from source (~5 s for the app, not 1.5).
COMPILE_VENV := $(BIN)/python -m compileall -q -j 0 $(VENV)/lib >/dev/null 2>&1 || true

$(VENV)/.requirements.stamp: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-compile -r requirements.txt
	@$(COMPILE_VENV)
	@touch $@

$(VENV)/.requirements-dev.stamp: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-compile -r requirements-dev.txt
	@$(COMPILE_VENV)
	@touch $(VENV)/.requirements.stamp $@

install: $(VENV)/.requirements.stamp

dev-install: $(VENV)/.requirements-dev.stamp

init-db: install
	$(FLASK) init-db

seed-demo: init-db
	$(FLASK) seed-demo

run: seed-demo
	@$(MAKE) --no-print-directory serve

# The session key: MARKET_SECRET_KEY if set, else instance/secret_key (made once, mode 0600).
serve: install
	$(FLASK) secret-key ensure
	@echo
	@echo "  网站地址 / URL:  $(HOST_URL)"
	@echo "  演示账号 / demo accounts: inst_kust、ent_baiyao、broker_li、official_km、admin …（见 README.md）"
	@echo "  演示密码 / demo password: Demo-market-2026"
	@echo "  按 Ctrl+C 停止"
	@echo
	$(BIN)/gunicorn -c gunicorn.conf.py app:app

postgres:
	scripts/ensure_postgres.sh $(PG_TEST_DB)

redis:
	scripts/ensure_redis.sh

chromium:
	scripts/ensure_chromium.sh

axe:
	scripts/ensure_axe.sh

test: dev-install postgres redis chromium axe
	PYTEST=$(BIN)/pytest scripts/run_tests.sh $(PG_TEST_URL) $(PYTEST_ARGS)

test-sqlite: dev-install
	env -u DATABASE_URL $(BIN)/pytest -q $(PYTEST_ARGS)

test-postgres: dev-install postgres
	DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q $(PYTEST_ARGS)

test-browser: dev-install chromium
	env -u DATABASE_URL $(BIN)/pytest -q -m browser $(PYTEST_ARGS)

# gunicorn + locust on a scratch database for 60 s (bench/load_test.py; locust goes into .venv/locust).
# make load-test LOAD_TEST_ARGS="--duration 30 --database-url postgresql://postgres@127.0.0.1:5432/bench_load"
.PHONY: load-test
load-test: install
	$(BIN)/python -m bench.load_test $(LOAD_TEST_ARGS)

clean:
	rm -rf .pytest_cache .hypothesis
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -prune -exec rm -rf {} +
