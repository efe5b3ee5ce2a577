"""Local (Docker-free) bundling of the Lambda dependency layer."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from infra_testkit import REPO_ROOT

from infra.bundling import PLATFORMS, BundleMode, BundlingError, PipLayerBundling, pip_command
from infra.functions import LAYER_DIR, RUNTIME, RUNTIME_PYTHON_VERSION

REQUIREMENTS = LAYER_DIR / "requirements.txt"
AARCH64 = 183  # ELF e_machine of ARM64


def fake_pip(returncode: int, output: str = "", make: Sequence[str] = ()):  # type: ignore[no-untyped-def]
    """A pip stand-in that creates ``make`` directories under --target and answers ``returncode``."""

    def run(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
        target = Path(command[list(command).index("--target") + 1])
        for name in make:
            (target / name).mkdir(parents=True, exist_ok=True)
            (target / name / "__init__.py").write_text("", encoding="utf-8")
        return subprocess.CompletedProcess(list(command), returncode, stdout="", stderr=output)

    return run


def test_pip_command_asks_for_lambda_platform_wheels_only(tmp_path: Path) -> None:
    command = pip_command(REQUIREMENTS, tmp_path, "3.14")
    # Then binary wheels only, CPython of the runtime version, aarch64 manylinux platforms
    assert "--only-binary=:all:" in command
    assert command[command.index("--python-version") + 1] == "3.14"
    assert command[command.index("--implementation") + 1] == "cp"
    platforms = [command[i + 1] for i, arg in enumerate(command) if arg == "--platform"]
    assert platforms == list(PLATFORMS) and "manylinux2014_aarch64" in platforms
    assert command[command.index("--target") + 1] == str(tmp_path)


def test_runtime_and_pip_python_version_agree() -> None:
    assert RUNTIME.name == f"python{RUNTIME_PYTHON_VERSION}"


def test_layer_requirements_exclude_heavy_local_only_packages() -> None:
    names = {
        line.split(">")[0].split("<")[0].split("[")[0].strip().lower()
        for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {"pydantic", "aws-lambda-powertools", "sacrebleu", "pysbd", "markdown-it-py"} <= names
    assert not names & {"moto", "matplotlib", "typer", "rich", "aws-cdk-lib", "boto3", "botocore"}


def test_successful_bundle_puts_packages_under_python_and_drops_runtime_copies(tmp_path: Path) -> None:
    # Given a pip that installs pydantic plus botocore (pulled in by aws-xray-sdk)
    bundling = PipLayerBundling(
        REQUIREMENTS, "3.14", runner=fake_pip(0, make=["pydantic", "botocore", "bin"])
    )
    # When bundling
    assert bundling.try_bundle(str(tmp_path)) is True
    # Then the layer keeps pydantic under python/ and drops what the Lambda runtime ships
    assert (tmp_path / "python" / "pydantic").is_dir()
    assert not (tmp_path / "python" / "botocore").exists()
    assert not (tmp_path / "python" / "bin").exists()
    assert bundling.bundled is True


def test_offline_auto_mode_falls_back_with_a_warning(tmp_path: Path) -> None:
    warnings: list[str] = []
    bundling = PipLayerBundling(
        REQUIREMENTS,
        "3.14",
        mode=BundleMode.AUTO,
        on_offline=warnings.append,
        runner=fake_pip(
            1, "Failed to establish a new connection: [Errno -3] Temporary failure in name resolution"
        ),
    )
    assert bundling.try_bundle(str(tmp_path)) is True
    assert bundling.bundled is False
    assert (tmp_path / "AMTS_DEPENDENCIES_NOT_BUNDLED.txt").is_file()
    assert len(warnings) == 1 and "Do not deploy" in warnings[0]


@pytest.mark.parametrize(
    ("mode", "output"),
    [
        (BundleMode.ON, "Failed to establish a new connection"),
        (BundleMode.AUTO, "ERROR: No matching distribution found for nonexistent-package"),
    ],
)
def test_real_failures_fail_the_synth_with_pips_reason(tmp_path: Path, mode: BundleMode, output: str) -> None:
    bundling = PipLayerBundling(REQUIREMENTS, "3.14", mode=mode, runner=fake_pip(1, output))
    with pytest.raises(BundlingError, match="pip could not build the Lambda dependency layer") as error:
        bundling.try_bundle(str(tmp_path))
    assert output in str(error.value)


def elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", path
    return int.from_bytes(header[18:20], "little")


@pytest.mark.slow
def test_real_bundle_builds_an_aarch64_layer_within_lambda_limits(tmp_path: Path) -> None:
    """Needs the package index (PyPI or a mirror); downloads ~60 MB of wheels."""
    # Given the real requirements, When pip bundles them for the Lambda runtime
    bundling = PipLayerBundling(REQUIREMENTS, RUNTIME_PYTHON_VERSION, mode=BundleMode.ON)
    assert bundling.try_bundle(str(tmp_path)) is True
    site = tmp_path / "python"
    # Then the handlers' dependencies are there and the runtime's boto stack is not
    for package in (
        "pydantic",
        "pydantic_core",
        "aws_lambda_powertools",
        "aws_xray_sdk",
        "sacrebleu",
        "pysbd",
    ):
        assert (site / package).is_dir(), package
    assert not (site / "botocore").exists() and not (site / "boto3").exists()
    # And every compiled extension targets arm64 (not the build machine's architecture)
    extensions = list(site.rglob("*.so"))
    assert extensions
    assert {elf_machine(so) for so in extensions} == {AARCH64}
    # And the unzipped layer fits Lambda's 250 MB limit with room for the code asset
    size = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    print(f"layer size: {size / 1e6:.1f} MB, {len(extensions)} extension modules")
    assert size < 200e6


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("npx") is None, reason="Node.js/npx not installed")
def test_npx_cdk_synth_succeeds_without_network_access(tmp_path: Path) -> None:
    """The CLI path a user takes: pinned CLI, cdk.json app command, no banner, exit 0."""
    if not (REPO_ROOT / "node_modules" / "aws-cdk").is_dir():
        pytest.skip("run `npm ci` first")
    env = {**os.environ, "PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_NO_INDEX": ""}
    # Given an unreachable package index (offline), When `npx cdk synth` runs with bundle=auto
    result = subprocess.run(
        ["npx", "cdk", "synth", "--quiet", "-o", str(tmp_path / "cdk.out"), "-c", "amts:bundle=auto"],
        cwd=REPO_ROOT,
        env={k: v for k, v in env.items() if k not in ("PIP_FIND_LINKS", "PIP_NO_INDEX")}
        | {"PIP_CONFIG_FILE": os.devnull},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    # Then it exits 0, writes the template, and warns loudly that nothing was bundled
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "cdk.out" / "AmtsStack.template.json").is_file()
    assert "end-of-life" not in result.stderr
    assert "NOT bundled" in result.stderr
