# Wijkpunt Waterschei — the two commands are `make serve` and `make test`.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 127.0.0.1
export NO_MKDOCS_2_WARNING := 1

.PHONY: serve test site install clean

## install: the virtual environment with the project and its test tools
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## site: build the static knowledge base (nl at /, tr at /tr/, bg at /bg/) into site/
site: install
	$(BIN)/mkdocs build --strict

## serve: build everything and serve the portal at http://$(HOST):$(PORT)/
serve: site
	@echo "Wijkpunt Waterschei: http://$(HOST):$(PORT)/"
	$(BIN)/python -m http.server $(PORT) --bind $(HOST) --directory site

## test: every test, in parallel
test: install
	$(BIN)/python -m pytest -n auto

clean:
	rm -rf site $(VENV) .pytest_cache
