"""The CI recipe's GitHub Actions workflows (docs/ci/) against the maintained workflow schema.

``check-jsonschema`` ships SchemaStore's github-workflow schema (``vendor.github-workflows``), so
the check runs offline.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

CI = Path(__file__).resolve().parents[2] / "docs" / "ci"
WORKFLOWS = sorted(CI.glob("*.yml"))


def _check(*paths: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows"]
    return subprocess.run([*command, *map(str, paths)], capture_output=True, text=True, check=False)


def test_both_workflows_are_valid_github_workflows() -> None:
    assert [p.name for p in WORKFLOWS] == ["amts-publish.yml", "amts-push.yml"]
    done = _check(*WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_checker_rejects_a_broken_workflow(tmp_path: Path) -> None:
    # Given the push workflow with a job that lost its runs-on and got a misspelt key
    data = yaml.safe_load(WORKFLOWS[1].read_text(encoding="utf-8"))
    job = data["jobs"]["push"]
    del job["runs-on"]
    job["step"] = job.pop("steps")
    broken = tmp_path / "broken.yml"
    broken.write_text(yaml.safe_dump(data), encoding="utf-8")
    # When checked, Then the checker fails it
    assert _check(broken).returncode != 0


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_use_oidc_and_never_force_push(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["permissions"]["id-token"] == "write"
    steps = [s for job in data["jobs"].values() for s in job["steps"]]
    assert any(str(s.get("uses", "")).startswith("aws-actions/configure-aws-credentials@") for s in steps)
    lines = [line for s in steps for line in str(s.get("run", "")).splitlines()]
    runs = "\n".join(line.split(" # ")[0] for line in lines if not line.lstrip().startswith("#"))
    assert "--force" not in runs and "push -f" not in runs
    command = "amts push" if path.name == "amts-push.yml" else "amts publish"
    assert any(command in str(s.get("run", "")) for s in steps)


def test_the_push_workflow_runs_on_pushes_to_main() -> None:
    data = yaml.safe_load((CI / "amts-push.yml").read_text(encoding="utf-8"))
    triggers = data[True] if True in data else data["on"]  # YAML 1.1 reads the key `on` as True
    assert triggers["push"]["branches"] == ["main"]
