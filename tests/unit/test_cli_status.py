"""``amts status``, ``amts history`` and ``amts run --dry-run`` against moto (no AWS account)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from amts.cli import app, commands_run
from amts.cli.commands_run import console_url
from amts.errors import ConfigurationError
from moto import mock_aws
from typer.testing import CliRunner, Result

SAMPLE_BOOK = Path(__file__).resolve().parents[2] / "samples" / "book"
DEFINITION = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A CloudFormation stack with the AMTS outputs and a state machine with three executions."""
    for var, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(var, value)
    with mock_aws():
        sfn = boto3.client("stepfunctions")
        role = "arn:aws:iam::123456789012:role/sfn"
        machine = sfn.create_state_machine(name="amts", definition=json.dumps(DEFINITION), roleArn=role)[
            "stateMachineArn"
        ]
        arns = [
            sfn.start_execution(stateMachineArn=machine, name=f"run-{i}", input="{}")["executionArn"]
            for i in range(3)
        ]
        outputs = {
            "StateMachineArn": machine,
            "ReportsBucketName": "amts-reports",
            "OutputBucketName": "amts-output",
        }

        # moto's CloudFormation needs extras this venv does not have: the stack lookup is replaced
        # (by stack name), everything Step Functions is moto's.
        def fake_outputs(_session: Any, name: str) -> dict[str, str]:
            if name != "AmtsStack":
                raise ConfigurationError(f"cannot read stack {name!r}: does not exist")
            return outputs

        monkeypatch.setattr(commands_run, "stack_outputs", fake_outputs)
        yield {"machine": machine, "executions": arns}


def test_history_lists_executions_one_page_at_a_time(stack: dict[str, Any]) -> None:
    # When the first page of two is asked for
    first = run("history", "-n", "2", "--json")
    # Then two executions come back with a token for the rest
    assert first.exit_code == 0, first.stderr
    page = json.loads(first.stdout)
    assert len(page["executions"]) == 2 and page["next_token"]
    # And the next page holds the third, with no further token
    second = json.loads(run("history", "-n", "2", "--next-token", page["next_token"], "--json").stdout)
    names = {e["name"] for e in page["executions"] + second["executions"]}
    assert names == {"run-0", "run-1", "run-2"} and second["next_token"] is None
    # And the table view tells how to get the next page
    table = run("history", "-n", "2")
    assert "--next-token" in table.stdout and "run-" in table.stdout


def test_status_shows_an_execution_with_its_console_url(stack: dict[str, Any]) -> None:
    arn = stack["executions"][1]
    # When asked by name
    result = run("status", "run-1", "--json")
    # Then it is that execution, with the console URL of its region
    assert result.exit_code in (0, 1), result.stderr
    info = json.loads(result.stdout)
    assert info["execution_arn"] == arn
    assert info["console_url"] == console_url(arn)
    assert info["console_url"].startswith(
        "https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1"
    )
    assert info["status"] in ("RUNNING", "SUCCEEDED")
    # And without an argument the latest execution is shown
    latest = run("status")
    assert latest.exit_code == 0, latest.stderr
    assert "console https://" in latest.stdout


def test_status_of_a_failed_execution_exits_1(stack: dict[str, Any]) -> None:
    arn = stack["executions"][0]
    boto3.client("stepfunctions").stop_execution(executionArn=arn, error="Boom", cause="test")
    result = run("status", arn)
    assert result.exit_code == 1
    assert "ABORTED" in result.stdout


def test_status_names_a_stack_that_is_not_there(stack: dict[str, Any]) -> None:
    result = run("status", "--stack", "Nope")
    assert result.exit_code == 2 and "Nope" in result.stderr


def test_dry_run_prints_the_book_plan_and_cost_without_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given no AWS credentials at all
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    # When the sample book is dry-run
    result = run("run", "--dry-run", "--book", SAMPLE_BOOK, "--json")
    # Then every file of en-next/ is planned against zh/, with what would be sent and its cost
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["targets"] == ["zh"]
    assert sorted(f["path"] for f in plan["files"]) == sorted(
        p.relative_to(SAMPLE_BOOK / "en-next").as_posix() for p in (SAMPLE_BOOK / "en-next").rglob("*.md")
    )
    totals = plan["totals"]
    assert totals["characters_to_translate"] == sum(f["characters_to_translate"] for f in plan["files"])
    assert 0 < totals["characters_to_translate"] < totals["characters_total"]
    assert totals["estimated_cost_usd"]["act_batch"] > 0
    # And the table view says nothing was uploaded
    assert "Nothing was uploaded" in run("run", "--dry-run", "--book", SAMPLE_BOOK).stdout


def test_live_steps_print_each_state_as_it_ends() -> None:
    import io
    from datetime import UTC, datetime, timedelta

    from amts.cli.commands_run import LiveSteps
    from rich.console import Console

    out = io.StringIO()
    live = LiveSteps(Console(file=out, width=200))
    t0 = datetime(2026, 1, 1, tzinfo=UTC)

    def event(i: int, kind: str, name: str, seconds: float) -> dict[str, Any]:
        key = "stateEnteredEventDetails" if kind.endswith("Entered") else "stateExitedEventDetails"
        return {
            "id": i,
            "previousEventId": i - 1,
            "type": kind,
            "timestamp": t0 + timedelta(seconds=seconds),
            key: {"name": name, "output": "{}"},
        }

    # When the first state is entered, nothing is printed yet
    live(event(1, "TaskStateEntered", "Collect Changed Files", 0))
    assert out.getvalue() == ""
    # When it exits, one line with its duration appears at once, before the next state ends
    live(event(2, "TaskStateExited", "Collect Changed Files", 1.5))
    live(event(3, "TaskStateEntered", "Write Report", 1.5))
    assert out.getvalue().splitlines() == ["✔ Collect Changed Files 1.50s"]
    live(event(4, "TaskStateExited", "Write Report", 2.0))
    assert out.getvalue().splitlines()[-1] == "✔ Write Report 0.50s"
