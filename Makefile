# The two commands of the README: `make demo` (the whole workflow, locally, offline) and
# `make test` (every check). Both set up what they need on a fresh machine first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: demo test lint setup synth clean layer-requirements

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

setup: $(STAMP) $(NODE_STAMP)
	@# Headless Chromium for the HTML report screenshot test (Debian's package; root only, non-fatal).
	-@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1; } || \
	  echo "note: chromium not installed (needs root + apt-get); the report screenshot test will be skipped"

demo: $(STAMP)
	$(BIN)/amts run --local --baseline --book samples/book --out out/demo

test: setup
	$(BIN)/python -m pytest -n 2 tests

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

synth: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" npx cdk synth --quiet

# infra/layer/requirements.txt is generated from the `lambda` extra of pyproject.toml.
layer-requirements:
	$(BIN)/python -m infra.layer_requirements

clean:
	rm -rf $(VENV) node_modules cdk.out out
