"""Lambda dependency bundling without Docker.

CDK's default bundling runs pip inside a Docker image that matches the Lambda runtime. AMTS is
deployed from laptops and CI runners without Docker, so the layer is built locally through
``ILocalBundling``: pip downloads only binary wheels built for the Lambda platform
(``manylinux*_aarch64``, CPython of the runtime's version) into ``python/``, the directory a
layer adds to ``sys.path``. The wheels never run on the build machine, so its own Python
version and architecture do not matter.

Three modes (cdk.json context ``amts:bundle``):

- ``true``: bundle; any pip failure fails the synth.
- ``false``: no bundling (unit tests, quick local synths). The layer then holds only the
  requirements file, so such an assembly must not be deployed.
- ``auto`` (default): bundle, but when the package index cannot be reached (an offline machine)
  fall back to the unbundled layer with a loud warning instead of failing ``cdk synth``. An
  offline machine cannot deploy anyway; ``cdk deploy`` re-synthesizes online and bundles.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

import jsii
from amts.errors import ConfigurationError
from aws_cdk import ILocalBundling

# Lambda's arm64 runtimes for Python 3.12+ run on Amazon Linux 2023 (glibc 2.34), so both the
# classic manylinux2014 tag and the newer manylinux_2_28 tag (numpy 2.3+ ships only that one
# for aarch64) are loadable there.
PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")

# Shipped by the Lambda Python runtime itself: pulled in transitively (aws-xray-sdk depends on
# botocore) but dropped from the layer to keep it small and to use the runtime's patched copy.
PROVIDED_BY_RUNTIME = ("boto3", "botocore", "s3transfer")

# pip prints these when it cannot reach the index; anything else is a real resolution error.
_NETWORK_ERRORS = (
    "NewConnectionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Network is unreachable",
    "ConnectTimeoutError",
    "ProxyError",
    "No route to host",
)


class BundleMode(Enum):
    ON = "true"
    OFF = "false"
    AUTO = "auto"

    @classmethod
    def parse(cls, value: object) -> BundleMode:
        """Accept the context value as bool or string; anything else is a configuration error."""
        text = str(value).strip().lower() if value is not None else "auto"
        for mode in cls:
            if mode.value == text:
                return mode
        raise ConfigurationError(f"context amts:bundle must be true, false or auto, not {value!r}")


class BundlingError(RuntimeError):
    """pip could not build the layer: the message carries pip's own explanation."""


def pip_command(requirements: Path, target: Path, python_version: str) -> list[str]:
    """The pip invocation, kept separate so tests can check the platform flags."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "--requirement",
        str(requirements),
        "--target",
        str(target),
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        python_version,
        "--upgrade",
        "--no-compile",
        "--retries",
        "1",
        "--timeout",
        "20",
    ]
    for platform in PLATFORMS:
        command += ["--platform", platform]
    return command


def prune(site: Path) -> None:
    """Drop what the runtime provides and what never runs in Lambda (bytecode, scripts)."""
    for name in PROVIDED_BY_RUNTIME:
        shutil.rmtree(site / name, ignore_errors=True)
        for info in site.glob(f"{name}-*.dist-info"):
            shutil.rmtree(info, ignore_errors=True)
    for junk in ("bin", "__pycache__"):
        shutil.rmtree(site / junk, ignore_errors=True)
    for cache in site.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)


@jsii.implements(ILocalBundling)
class PipLayerBundling:
    """Builds the dependency layer with the local pip (``ILocalBundling.try_bundle``)."""

    def __init__(
        self,
        requirements: Path,
        python_version: str,
        mode: BundleMode = BundleMode.ON,
        on_offline: Callable[[str], None] | None = None,
        runner: Callable[[Sequence[str]], subprocess.CompletedProcess[str]] | None = None,
    ) -> None:
        self.requirements = requirements
        self.python_version = python_version
        self.mode = mode
        self.on_offline = on_offline
        self._run = runner or _run
        self.bundled: bool | None = None

    def try_bundle(self, output_dir: str, options: Any = None, **_: Any) -> bool:
        """Return True when the layer content is in ``output_dir`` (CDK then skips Docker)."""
        out = Path(output_dir)
        site = out / "python"
        site.mkdir(parents=True, exist_ok=True)
        result = self._run(pip_command(self.requirements, site, self.python_version))
        if result.returncode == 0:
            prune(site)
            self.bundled = True
            return True
        output = (result.stdout or "") + (result.stderr or "")
        offline = any(marker in output for marker in _NETWORK_ERRORS)
        if self.mode is BundleMode.AUTO and offline:
            shutil.rmtree(site, ignore_errors=True)
            site.mkdir(parents=True)
            shutil.copy(self.requirements, out / "requirements.txt")
            (out / "AMTS_DEPENDENCIES_NOT_BUNDLED.txt").write_text(
                "The package index was unreachable at synth time: this layer holds no dependencies.\n"
                "Re-run `npx cdk synth` or `npx cdk deploy` online before deploying.\n",
                encoding="utf-8",
            )
            self.bundled = False
            if self.on_offline:
                self.on_offline(
                    "Lambda dependencies NOT bundled: the package index is unreachable (offline synth). "
                    "Do not deploy this cloud assembly; `cdk deploy` online bundles them "
                    "(force with -c amts:bundle=true)."
                )
            return True
        tail = "\n".join(output.strip().splitlines()[-15:])
        raise BundlingError(
            f"pip could not build the Lambda dependency layer from {self.requirements} "
            f"(python {self.python_version}, {'/'.join(PLATFORMS)}):\n{tail}\n"
            "Use -c amts:bundle=false to synthesize without dependencies (do not deploy that)."
        )


def _run(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), capture_output=True, text=True, check=False)
