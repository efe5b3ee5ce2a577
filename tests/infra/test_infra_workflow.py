"""The Workflow construct on a tiny ASL fixture: substitution, grants and synth-time checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from amts.errors import ConfigurationError
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from infra.workflow import Workflow, invoked_placeholders, placeholders

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "tiny.asl.json"


def build(asl: Path, *, extra_functions: tuple[str, ...] = (), schedule_minutes: int = 5) -> Template:
    stack = cdk.Stack(cdk.App())
    functions = {}
    for name in ("FirstFunctionArn", "SecondFunctionArn", *extra_functions):
        functions[name] = lambda_.Function(
            stack,
            name,
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler="index.handler",
            code=lambda_.Code.from_inline("def handler(event, context):\n    return event\n"),
        )
    Workflow(
        stack,
        "Workflow",
        functions=functions,
        substitutions={"ReportsBucket": "my-reports"},
        poller_schedule_minutes=schedule_minutes,
        asl_path=asl,
    )
    return Template.from_stack(stack)


def variant(tmp_path: Path, edit: Any) -> Path:
    definition = json.loads(FIXTURE.read_text(encoding="utf-8"))
    edit(definition)
    path = tmp_path / "variant.asl.json"
    path.write_text(json.dumps(definition, indent=2), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny() -> Template:
    return build(FIXTURE)


def test_placeholders_are_identifiers_only() -> None:
    # Given prose "${...}" next to a real placeholder, only the identifier counts
    assert placeholders('{"Comment": "see ${...}", "X": "${Real_1}"}') == {"Real_1"}


def test_fixture_is_substituted_and_prose_is_escaped(tiny: Template) -> None:
    # When the fixture is synthesized
    (sm,) = tiny.find_resources("AWS::StepFunctions::StateMachine").values()
    props = sm["Properties"]
    # Then every placeholder has a substitution, no other "${" is left, the definition is unchanged
    assert set(props["DefinitionSubstitutions"]) == {"FirstFunctionArn", "SecondFunctionArn", "ReportsBucket"}
    assert props["DefinitionSubstitutions"]["ReportsBucket"] == "my-reports"
    rendered = props["DefinitionString"]
    for key in props["DefinitionSubstitutions"]:
        rendered = rendered.replace("${" + key + "}", "x")
    assert "${" not in rendered
    assert json.loads(props["DefinitionString"]) == json.loads(FIXTURE.read_text(encoding="utf-8"))


def test_only_the_called_lambdas_are_invokable(tiny: Template) -> None:
    policies = tiny.find_resources("AWS::IAM::Policy")
    invoke = [
        s
        for p in policies.values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] == "lambda:InvokeFunction"
    ]
    (statement,) = invoke
    targets = sorted(r["Fn::GetAtt"][0] for r in statement["Resource"])
    assert len(targets) == 2 and all(t.startswith(("FirstFunctionArn", "SecondFunctionArn")) for t in targets)


def test_invoked_placeholders_walks_into_map_states() -> None:
    definition = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert invoked_placeholders(definition) == {"FirstFunctionArn", "SecondFunctionArn"}


def test_unknown_placeholder_fails_synth_naming_it(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["States"]["First Step"]["Parameters"]["Payload"]["table"] = "${NoSuchThing}"

    with pytest.raises(ConfigurationError, match=r"unknown placeholder.*\$\{NoSuchThing\}"):
        build(variant(tmp_path, edit))


def test_callback_without_heartbeat_fails_synth(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        del d["States"]["Each Item"]["ItemProcessor"]["States"]["Wait For Callback"]["HeartbeatSeconds"]

    with pytest.raises(ConfigurationError, match="'Wait For Callback' has no HeartbeatSeconds"):
        build(variant(tmp_path, edit))


def test_heartbeat_shorter_than_two_poller_periods_fails_synth() -> None:
    # Given a 900 s heartbeat and a poller every 10 minutes (two periods = 1200 s)
    with pytest.raises(ConfigurationError, match="shorter than two poller periods"):
        build(FIXTURE, schedule_minutes=10)


def test_unknown_integration_fails_synth(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["States"]["First Step"]["Resource"] = "arn:aws:states:::sqs:sendMessage"

    with pytest.raises(ConfigurationError, match="does not know how to grant"):
        build(variant(tmp_path, edit))


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.asl.json"
    broken.write_text('{\n  "StartAt": "A",\n  "States": {,}\n}', encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"broken\.asl\.json:3: not valid JSON"):
        build(broken)
