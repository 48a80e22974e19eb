# Developer entry points. Everything runs inside ./.venv, built from pyproject.toml.
#   make install   create .venv and pip install -e '.[dev]' (again only when pyproject.toml changed)
#   make run       install, load the demo data, serve the web application
#   make test      install, run the test suite (extra pytest arguments: make test PYTEST_ARGS='-k x')
#   make lint      install, ruff check . and mypy

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# .ci/run passes a file name here to learn pytest's own exit code (make only ever says 2).
PYTEST_EXIT_FILE ?=

.PHONY: install run test lint

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-installs only when pyproject.toml is newer than the stamp (or the stamp is missing).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[dev]'
	touch $@

run: install
	$(BIN)/procurement demo
	$(BIN)/procurement serve

test: install
	@rc=0; \
	echo $(BIN)/pytest -n 2 $(PYTEST_ARGS) tests; \
	$(BIN)/pytest -n 2 $(PYTEST_ARGS) tests || rc=$$?; \
	if [ -n "$(PYTEST_EXIT_FILE)" ]; then echo "$$rc" > "$(PYTEST_EXIT_FILE)"; fi; \
	exit $$rc

# Both tools always run, so one run shows every complaint; either failing fails the target.
lint: install
	@rc=0; \
	echo "$(BIN)/ruff check ."; $(BIN)/ruff check . || rc=1; \
	echo "$(BIN)/mypy"; $(BIN)/mypy || rc=1; \
	exit $$rc
