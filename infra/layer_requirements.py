"""The Lambda layer's packages come from one place: the ``lambda`` extra of pyproject.toml.

``infra/layer/requirements.txt`` (the file infra/bundling.py hands to pip, and the layer asset's
source, so its hash changes with the packages) is generated from that extra:
``python -m infra.layer_requirements`` writes it, ``--check`` fails when it is stale, and a test
does the same. No CDK import here: the clean-environment handler test and the import benchmark
use it without the CDK installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = REPO_ROOT / "pyproject.toml"
LAYER_REQUIREMENTS = Path(__file__).resolve().parent / "layer" / "requirements.txt"
LAMBDA_EXTRA = "lambda"
FUNCTIONS_DIR = REPO_ROOT / "functions"
HANDLERS_DIR = FUNCTIONS_DIR / "amts" / "handlers"
BUILD_DIR = REPO_ROOT / "build"
# What the Lambda runtime adds to the layer's packages (the runtime ships the AWS SDK).
RUNTIME_PROVIDED = ("boto3",)

HEADER = """\
# GENERATED from the `lambda` extra of pyproject.toml: do not edit; run `make layer-requirements`
# (python -m infra.layer_requirements). Installed into the shared Lambda layer by infra/bundling.py
# (pip, manylinux aarch64 wheels only, no Docker). boto3/botocore are not listed: the Lambda
# runtime ships them.
"""


def lambda_requirements(pyproject: Path = PYPROJECT) -> list[str]:
    """The requirement lines of the ``lambda`` extra, in pyproject order."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    extras = data.get("project", {}).get("optional-dependencies", {})
    if LAMBDA_EXTRA not in extras:
        raise KeyError(f"{pyproject} has no [project.optional-dependencies] {LAMBDA_EXTRA!r}")
    return [str(line) for line in extras[LAMBDA_EXTRA]]


def render(pyproject: Path = PYPROJECT) -> str:
    """The text of infra/layer/requirements.txt for the current extra."""
    return HEADER + "".join(f"{line}\n" for line in lambda_requirements(pyproject))


def requirements_hash(pyproject: Path = PYPROJECT) -> str:
    """A short digest of the extra: names a cached environment built from exactly these lines."""
    return hashlib.sha256("\n".join(lambda_requirements(pyproject)).encode()).hexdigest()[:16]


def handler_modules() -> list[str]:
    """Every handler module (``amts.handlers.<name>``), from the files, not a kept list."""
    return sorted(
        f"amts.handlers.{path.stem}" for path in HANDLERS_DIR.glob("*.py") if path.stem != "__init__"
    )


def clean_lambda_env(build_dir: Path = BUILD_DIR, *, quiet: bool = True) -> Path:
    """The python of a venv holding only the ``lambda`` extra plus boto3, as a deployed function has.

    Built once per requirements digest under ``build/lambda-env-<hash>`` (a new extra builds a
    new environment; an existing one is reused, so the suite stays fast). The amts package is
    NOT installed: callers put ``functions/`` on PYTHONPATH, as the Lambda code asset does.
    """
    target = build_dir / f"lambda-env-{requirements_hash()}"
    python = target / "bin" / "python"
    if (target / ".complete").is_file():
        return python
    build_dir.mkdir(parents=True, exist_ok=True)
    staging = build_dir / f".{target.name}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(staging)], check=True)
    pip = [str(staging / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check"]
    if quiet:
        pip.append("--quiet")
    subprocess.run([*pip, *lambda_requirements(), *RUNTIME_PROVIDED], check=True)
    # Built aside and renamed when complete: an interrupted build never looks usable. (Only the
    # console scripts' shebangs name the staging path; everything here runs `python -m`.)
    if target.exists():
        shutil.rmtree(staging, ignore_errors=True)
        return python
    staging.rename(target)
    (target / ".complete").write_text("\n".join(lambda_requirements()) + "\n", encoding="utf-8")
    return python


def lambda_like_environ() -> dict[str, str]:
    """The environment a handler module is imported in: functions/ on the path, a region, no
    credentials, nothing from the developer's shell (no virtualenv, no user site-packages)."""
    return {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(FUNCTIONS_DIR),
        "PYTHONNOUSERSITE": "1",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "amts",
        "POWERTOOLS_METRICS_NAMESPACE": "AMTS",
        # As the stack sets it (infra/functions.py): no scan of installed distributions for plugins.
        "PYDANTIC_DISABLE_PLUGINS": "__all__",
        "LANG": "C.UTF-8",
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Write (or with ``--check`` verify) infra/layer/requirements.txt."""
    args = list(sys.argv[1:] if argv is None else argv)
    expected = render()
    current = LAYER_REQUIREMENTS.read_text(encoding="utf-8") if LAYER_REQUIREMENTS.exists() else ""
    if "--check" in args:
        if current != expected:
            print(f"{LAYER_REQUIREMENTS} is stale: run `make layer-requirements`", file=sys.stderr)
            return 1
        print(f"{LAYER_REQUIREMENTS.relative_to(REPO_ROOT)} matches the {LAMBDA_EXTRA!r} extra")
        return 0
    LAYER_REQUIREMENTS.write_text(expected, encoding="utf-8")
    print(f"wrote {LAYER_REQUIREMENTS.relative_to(REPO_ROOT)} from the {LAMBDA_EXTRA!r} extra")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
