"""What runs in Lambda is what was tested: the layer's packages come from the ``lambda`` extra,
and every handler module imports with only those packages, boto3 and ``functions/``."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from infra.layer_requirements import (
    LAYER_REQUIREMENTS,
    PYPROJECT,
    clean_lambda_env,
    handler_modules,
    lambda_like_environ,
    lambda_requirements,
    render,
)

# Packages of the full virtualenv that a deployed function does not have.
PROBES = ("moto", "aws_cdk", "typer", "matplotlib")


def test_layer_requirements_file_is_generated_from_the_lambda_extra() -> None:
    # Given the lambda extra of pyproject.toml, When the requirements file is rendered from it
    expected = render()
    # Then the committed file is exactly that (run `make layer-requirements` after editing the extra)
    assert LAYER_REQUIREMENTS.read_text(encoding="utf-8") == expected
    body = [line for line in expected.splitlines() if line and not line.startswith("#")]
    assert body == lambda_requirements()


def test_every_lambda_package_is_also_a_dependency_of_the_installed_package() -> None:
    # Given the project's dependencies, Then each layer requirement is one of them, bound for bound,
    # so local runs and tests use the same versions the layer gets
    dependencies = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    missing = [line for line in lambda_requirements() if line not in dependencies]
    assert missing == []


def test_handler_modules_are_found_from_the_files_and_match_the_stack() -> None:
    from infra.functions import SPECS

    assert handler_modules() == sorted(spec.handler.rsplit(".", 1)[0] for spec in SPECS)


@pytest.mark.slow
def test_every_handler_imports_with_only_the_layer_packages_and_boto3() -> None:
    """Builds (once per requirements digest, under build/) a venv holding only the lambda extra
    and boto3; needs the package index the first time."""
    # Given a clean environment like a deployed function's (no amts install: functions/ on the path)
    python = clean_lambda_env()
    # When each handler module is imported in its own interpreter
    failures = {}
    for module in handler_modules():
        proc = subprocess.run(
            [str(python), "-c", f"import {module}"],
            env=lambda_like_environ(),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if proc.returncode != 0:
            failures[module] = proc.stderr.strip().splitlines()[-1]
    # Then every one imports
    assert failures == {}
    # And the environment really is the clean one (no CDK, no moto, no amts distribution)
    probe = subprocess.run(
        [str(python), "-c", f"import importlib.util as u; print([m for m in {PROBES!r} if u.find_spec(m)])"],
        env=lambda_like_environ(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "[]"


def test_importing_a_handler_defers_the_xray_sdk_and_pydantic_schemas() -> None:
    # Given a fresh interpreter, When a handler module is imported
    code = (
        "import sys, amts.handlers.collect_changes as h, amts.models as m;"
        "print('aws_xray_sdk' in sys.modules, m.CollectInput.__pydantic_complete__)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], env=lambda_like_environ() | {"PATH": os.environ["PATH"]},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    # Then neither the X-Ray SDK nor the models' schemas were loaded yet (both on first use)
    assert proc.stdout.split() == ["False", "False"]


# Modules a handler's step may need when it runs but none needs to import for a cold start:
# third-party packages (fuzzy matching, charts, BLEU, Markdown parsing) and the amts modules that
# pull them in (or xml.sax -> urllib/http.client).
HEAVY_AT_IMPORT = (
    "rapidfuzz",
    "matplotlib",
    "sacrebleu",
    "markdown_it",
    "xml.sax",
    "amts.domain.markdown",
    "amts.domain.sync",
    "amts.domain.diff",
    "amts.domain.align",
    "amts.domain.paralleldata",
    "amts.domain.bleu",
    "amts.domain.report",
    "amts.adapters.translate",
    "amts.service.baseline",
)
# What a handler may import because its module is the step itself.
OWN_STEP = {"amts.handlers.translate_baseline": {"amts.service.baseline"}}


@pytest.mark.parametrize("module", handler_modules())
def test_handler_import_does_not_load_what_its_step_only_needs_when_it_runs(module: str) -> None:
    # Given the full virtualenv (every heavy package is installed, so an eager import would show)
    code = (
        f"import sys, {module}; "
        f"print('\\n'.join(sorted(m for m in sys.modules if m in {HEAVY_AT_IMPORT!r} "
        f"or m.startswith(tuple(p + '.' for p in {HEAVY_AT_IMPORT!r})))))"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(PYPROJECT.parent / "functions"), str(PYPROJECT.parent)]),
    }
    # When the handler module alone is imported in a fresh interpreter
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    loaded = set(proc.stdout.split())
    # Then none of the heavy modules is loaded, besides the handler's own step module
    allowed = OWN_STEP.get(module, set())
    assert loaded - allowed == set()


def lambda_reachable_modules() -> list[str]:
    """Every module a handler may import when its step runs (handlers import them lazily, so a
    handler import alone does not prove they load): domain, service, adapters and the top level."""
    root = Path(__file__).resolve().parents[2] / "functions"
    files = [
        p
        for folder in ("amts", "amts/domain", "amts/service", "amts/adapters")
        for p in sorted((root / folder).glob("*.py"))
        if p.name != "__init__.py"
    ]
    return [".".join(p.relative_to(root).with_suffix("").parts) for p in files]


@pytest.mark.slow
def test_every_module_a_step_imports_at_run_time_loads_with_only_the_layer_packages() -> None:
    # Given the clean environment of a deployed function
    python = clean_lambda_env()
    modules = lambda_reachable_modules()
    assert "amts.service.language" in modules and "amts.domain.sync" in modules
    # When all of them are imported in one interpreter (what the steps import lazily, included)
    code = (
        "import importlib, sys\nbad = {}\n"
        f"for m in {modules!r}:\n"
        "    try:\n        importlib.import_module(m)\n"
        "    except Exception as e:\n        bad[m] = repr(e)\n"
        "print(bad)"
    )
    proc = subprocess.run(
        [str(python), "-c", code], env=lambda_like_environ(), capture_output=True, text=True, check=True
    )
    # Then none fails for want of a package the layer does not have
    assert proc.stdout.strip() == "{}"
