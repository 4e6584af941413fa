# Gongdan — the two commands: `make run` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PORT ?= 5000
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# Compiled message catalogues (git-ignored), one per .po in the repository.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard consoles/translations/*/LC_MESSAGES/messages.po))
export FLASK_APP := wsgi:app
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help run test stop lock services-test clean

help:
	@echo "make run    set up, migrate, load demo data, serve on http://127.0.0.1:$(PORT)"
	@echo "make test   set up and run the whole test suite"
	@echo "make stop   stop what make run started"

# Reinstall only when a lock file changes.
$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	@touch $@

# Browser libraries (Swagger UI, later the map) from the npm registry, pinned by the lock.
# --ignore-scripts: nothing from the registry runs code on this machine.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || scripts/services.sh node
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# The consoles' translations: the .po files are the source, the .mo what Flask-Babel reads.
consoles/translations/%/LC_MESSAGES/messages.mo: consoles/translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

run: $(STAMP) $(NODE_STAMP) $(CATALOGUES)
	@eval "$$(scripts/services.sh up dev)"; \
	  export PORT=$(PORT); exec scripts/serve.sh

test: $(STAMP) $(NODE_STAMP) $(CATALOGUES)
	@scripts/run-tests.sh

stop:
	@scripts/serve.sh stop
	@scripts/services.sh down dev

# Recompile the locks from requirements*.in in a scratch venv.
lock:
	rm -rf var/lock-venv && $(PYTHON) -m venv var/lock-venv
	var/lock-venv/bin/pip install --quiet -r requirements.in
	{ echo "# Lock compiled from requirements.in (pip freeze in a clean venv). Regenerate with: make lock"; \
	  var/lock-venv/bin/pip freeze --exclude pip; } > requirements.txt
	var/lock-venv/bin/pip install --quiet -r requirements-dev.in
	{ echo "# Lock for test/benchmark tools, compiled from requirements-dev.in against requirements.txt."; \
	  var/lock-venv/bin/pip freeze --exclude pip | grep -vxFf requirements.txt; } > requirements-dev.txt
	rm -rf var/lock-venv

clean: stop
	rm -rf $(VENV) var
