# aisnode: `make run` starts a single-node store; `make test` installs everything and runs the tests.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8080
DATA   ?= .aisnode
STAMP  := $(VENV)/.deps-installed

.PHONY: run test unit install system-deps node-deps bench lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# pinned install from the lock file (uv resolves nothing, so this takes seconds)
$(STAMP): $(BIN)/python requirements/lock.txt pyproject.toml
	$(BIN)/python -m pip install -q --disable-pip-version-check uv
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip install -q -r requirements/lock.txt
	VIRTUAL_ENV=$(VENV) $(BIN)/uv pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/aisnode run --port $(PORT) --data-dir $(DATA)

system-deps:
	scripts/install-system-deps.sh

# Node.js test servers (Azurite), pinned by tests/node/package-lock.json
NODE_STAMP := tests/node/node_modules/.installed
$(NODE_STAMP): tests/node/package.json tests/node/package-lock.json
	npm ci --prefix tests/node --no-audit --no-fund --silent
	touch $(NODE_STAMP)

node-deps: $(NODE_STAMP)

test: install system-deps node-deps
	$(BIN)/python -m pytest -q tests

unit: install
	$(BIN)/python -m pytest -q tests/unit

bench: install system-deps
	$(BIN)/python -m bench

lock: $(BIN)/python
	$(BIN)/python -m pip install -q uv
	$(BIN)/uv pip compile pyproject.toml --extra test --extra backends -o requirements/lock.txt --python-version 3.11

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache tests/node/node_modules
