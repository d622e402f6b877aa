# Wijkpunt Waterschei — the two commands are `make serve` and `make test`.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 127.0.0.1
WORKERS ?= 2
# make serve's debugging mail server (without MAIL_SERVER): 25 above PORT, so two portals on one machine do not collide
MAIL_SINK_PORT ?= $(shell expr $(PORT) + 25)
export NO_MKDOCS_2_WARNING := 1
export FLASK_APP := participation

CATALOGS := $(wildcard participation/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: serve test test-fast site install catalogs translations content-review database clean bench

## install: the virtual environment with the project and its test tools
install: $(VENV)/.installed catalogs

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## catalogs: compile the interface catalogs (.po -> .mo)
catalogs: $(COMPILED)

## translations: the catalogs, and every Turkish and Bulgarian guide as up to date, behind (since when,
## with the Dutch changes since) or missing (hooks/translations.py; CONTENT.md, "Translations")
translations: catalogs
	$(BIN)/python -m hooks.translations report

## content-review: the guides and checker rules last checked more than six months ago, with their
## sources (`$(BIN)/python -m hooks.content_review --months 3` for another period)
content-review: $(VENV)/.installed
	$(BIN)/python -m hooks.content_review

participation/translations/%/LC_MESSAGES/messages.mo: participation/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d participation/translations -l $* -i $< -o $@

## node_modules: ical.js (the calendar feeds, tests/js/), axe-core and vnu-jar (accessibility, HTML validity)
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

## site: build the static knowledge base (nl at /, tr at /tr/, bg at /bg/) into site/
site: install
	$(BIN)/mkdocs build --strict

## database: create or migrate the database (SQLite in instance/ unless DATABASE_URL is set)
database: install
	$(BIN)/flask db upgrade

## serve: build everything, add demo content and serve the whole portal on one origin, with the
## e-mail worker; without MAIL_SERVER set, mail goes to a local debugging server that prints it here
serve: export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
serve: site database
	$(BIN)/flask seed-demo
	@echo "Wijkpunt Waterschei: $(PUBLIC_BASE_URL)/  (agenda: $(PUBLIC_BASE_URL)/agenda/)"
	@set -e; pids=""; trap 'kill $$pids 2>/dev/null' EXIT INT TERM; \
	if [ -z "$$MAIL_SERVER" ]; then \
	  $(BIN)/python -m aiosmtpd -n -d -l 127.0.0.1:$(MAIL_SINK_PORT) -c aiosmtpd.handlers.Debugging & pids="$$pids $$!"; \
	  export MAIL_SERVER=127.0.0.1 MAIL_PORT=$(MAIL_SINK_PORT); \
	fi; \
	$(BIN)/flask outbox-worker & pids="$$pids $$!"; \
	$(BIN)/gunicorn --config python:participation.gunicorn_config --workers $(WORKERS) --bind $(HOST):$(PORT) \
	  --access-logfile - 'participation:create_app()'

## test: every test, in parallel
test: install node_modules/.package-lock.json
	$(BIN)/python -m pytest -n auto

## test-fast: every test but the browser and load tests, for the edit loop
test-fast: install node_modules/.package-lock.json
	$(BIN)/python -m pytest -n auto -m "not browser and not load"

## bench: page weight (Chromium), server throughput (wrk, SQLite and PostgreSQL) and site build time;
## each prints its figures, none is part of `make test` (see bench/README.md)
bench: install
	$(BIN)/python bench/page_weight.py
	$(BIN)/python bench/server.py
	$(BIN)/python bench/build_time.py

clean:
	rm -rf site $(VENV) node_modules .pytest_cache $(COMPILED)
