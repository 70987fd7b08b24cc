# Every target does its own set-up on a fresh clone: venv, install, a usable Chromium.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 5077
SKIN   ?= classic

.PHONY: setup postgresql browser test test-long lint mock demo ui bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# The ledger tests run on a real PostgreSQL 15 too (started by the tests in a temporary folder): Debian's
# `postgresql` package, installed here when it is missing and we are root; otherwise say what to install.
PG_BIN ?= /usr/lib/postgresql/15/bin
postgresql:
	@test -x $(PG_BIN)/initdb || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get install -y -q postgresql-15 >/dev/null || \
	    { apt-get update -q >/dev/null && apt-get install -y -q postgresql-15 >/dev/null; }; \
	  else echo "PostgreSQL 15 saknas ($(PG_BIN)/initdb): installera paketet postgresql-15 (apt-get install postgresql-15)." >&2; exit 1; fi; }

browser: $(STAMP)
	@$(PY) -m bot.run.chromium ensure >/dev/null
	@echo "Chromium: $$($(PY) -m bot.run.chromium find)"

# pytest exits 5 when it collected no tests: that is a failure, not a pass.
# `make test` leaves out the tests marked `long` (the largest fault-matrix rows); `make test-long` runs everything.
# Two pytest workers (pytest-xdist): most of a test's time is spent waiting on the browser and the mock, so two
# share two cores well; each worker starts its own mock and PostgreSQL. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
test: browser postgresql
	@$(PY) -m pytest -m "not long" -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "Inga tester kördes (pytest exit 5)." >&2; exit 1; fi; exit $$rc

# One process: its largest rows (three runners × 300, SIGKILL in a batch of 150) load both cores on their own.
test-long: browser postgresql
	@$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "Inga tester kördes (pytest exit 5)." >&2; exit 1; fi; exit $$rc

lint: $(STAMP)
	$(VENV)/bin/ruff check bot flows mock_personalverktyg tests fixtures
	$(VENV)/bin/ruff format --check bot flows mock_personalverktyg tests fixtures

mock: $(STAMP)
	$(PY) -m mock_personalverktyg --host $(HOST) --port $(PORT) --skin $(SKIN)

demo: browser
	$(PY) -m bot.commands.demo

# The case handler's window over a fresh copy of the demo campaign, with the mock beside it.
ui: browser
	$(PY) -m bot.commands.demo_ui

# Intake, then sending (both modes, the bare-browser baseline, memory), then several runners on PostgreSQL.
bench: browser postgresql
	$(PY) -m tests.bench.bench_intake
	$(PY) -m tests.bench.run_all
	$(PY) -m tests.bench.run_all --postgres-rows
	$(PY) -m tests.bench.run_all --relaunch-rows

clean:
	rm -rf $(VENV) build *.egg-info var
