# The two commands of the README: `make demo` (the whole workflow, locally, offline) and
# `make test` (every check). Both set up what they need on a fresh machine first: the demo only
# the package and what a local run needs (no CDK, linters or MeCab), the tests everything.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo
NODE_STAMP := node_modules/.installed
SYNTH_OUT := cdk.out/lint
# pip shows what it collects and installs (no --quiet): a first install takes a minute or two.
PIP := $(BIN)/python -m pip install --disable-pip-version-check --progress-bar off

.PHONY: demo test lint setup synth clean layer-requirements

$(BIN)/python:
	@echo "==> creating the virtualenv $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> upgrading pip in $(VENV)"
	$(PIP) --upgrade pip

# The local run: the amts package and its runtime dependencies (moto, typer, rich, matplotlib).
$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	@echo "==> installing amts and what a local run needs into $(VENV) (no CDK, linters or MeCab)"
	$(PIP) -e .
	@echo "==> installed: $(VENV) is ready for the demo"
	touch $(DEMO_STAMP)

# Everything the tests and linters use: CDK + cdk-nag, cfn-lint, pytest, ruff, mypy, MeCab.
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "==> installing amts with the development tools into $(VENV) (CDK, cdk-nag, cfn-lint, pytest, ruff, mypy, MeCab)"
	$(PIP) -e ".[dev]"
	@echo "==> installed: $(VENV) is ready for the tests"
	touch $(STAMP) $(DEMO_STAMP)

$(NODE_STAMP): package.json package-lock.json
	@echo "==> installing the pinned CDK CLI (npm ci)"
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

setup: $(STAMP) $(NODE_STAMP)
	@# Headless Chromium for the HTML report screenshot test (Debian's package; root only, non-fatal).
	-@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1; } || \
	  echo "note: chromium not installed (needs root + apt-get); the report screenshot test will be skipped"

demo: $(DEMO_STAMP)
	@echo "==> running the whole workflow locally (moto, offline translation memory)"
	$(BIN)/amts run --local --baseline --book samples/book --out out/demo

test: setup
	$(BIN)/python -m pytest -n 2 tests

lint: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m infra.layer_requirements --check
	@echo "==> cfn-lint on the synthesized template (unbundled synth, offline)"
	PATH="$(CURDIR)/$(BIN):$$PATH" npx cdk synth --quiet -a "$(BIN)/python app.py" -o $(SYNTH_OUT) -c amts:bundle=false
	@# W3005: CDK adds DependsOn on a role's default policy next to the GetAtt of the role.
	$(BIN)/cfn-lint --ignore-checks W3005 -- $(SYNTH_OUT)/AmtsStack.template.json

synth: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" npx cdk synth --quiet

# infra/layer/requirements.txt is generated from the `lambda` extra of pyproject.toml.
layer-requirements:
	$(BIN)/python -m infra.layer_requirements

clean:
	rm -rf $(VENV) node_modules cdk.out out
