"""Failures raise an alarm: dead letters for every asynchronous path, alarms on one SNS topic,
cfn-lint clean, execution data logged only when asked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template
from infra_testkit import cdk_context, synth_stack

from infra.stack import AmtsStack


def logical_id(stack: AmtsStack, construct: Any) -> str:
    return stack.get_logical_id(construct.node.default_child)


def test_every_eventbridge_target_has_a_dead_letter_queue(stack: AmtsStack, template: Template) -> None:
    dlq = {"Fn::GetAtt": [logical_id(stack, stack.dead_letters.queue), "Arn"]}
    rules = template.find_resources("AWS::Events::Rule")
    assert len(rules) == 3
    for logical, rule in rules.items():
        for target in rule["Properties"]["Targets"]:
            assert target.get("DeadLetterConfig") == {"Arn": dlq}, logical


def test_the_pollers_async_invocations_fail_into_the_dead_letter_queue(
    stack: AmtsStack, template: Template
) -> None:
    poller = logical_id(stack, stack.functions.by_module["poller"])
    dlq = {"Fn::GetAtt": [logical_id(stack, stack.dead_letters.queue), "Arn"]}
    template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {"FunctionName": {"Ref": poller}, "DestinationConfig": {"OnFailure": {"Destination": dlq}}},
    )


def test_alarms_on_failed_timed_out_aborted_executions_and_dlq_depth_publish_to_the_topic(
    stack: AmtsStack, template: Template
) -> None:
    topic = {"Ref": logical_id(stack, stack.alarms.topic)}
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    metrics = {(a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms.values()}
    assert {
        ("AWS/States", "ExecutionsFailed"),
        ("AWS/States", "ExecutionsTimedOut"),
        ("AWS/States", "ExecutionsAborted"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
    } <= metrics
    visible = "ApproximateNumberOfMessagesVisible"
    depth = [a for a in alarms.values() if a["Properties"]["MetricName"] == visible]
    assert len(depth) == 2  # the upload DLQ and the operational DLQ
    assert all(a["Properties"]["AlarmActions"] == [topic] for a in alarms.values())
    # And no e-mail is subscribed unless alarmEmail is set
    assert template.find_resources("AWS::SNS::Subscription") == {}


def test_alarm_email_subscribes_the_address_and_execution_data_logging_can_be_turned_on() -> None:
    amts = {**cdk_context()["amts"], "alarmEmail": "ops@example.com", "logExecutionData": True}
    template = Template.from_stack(synth_stack(amts=amts))
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@example.com"}
    )
    template.has_resource_properties(
        "AWS::StepFunctions::StateMachine",
        {"LoggingConfiguration": Match.object_like({"Level": "ALL", "IncludeExecutionData": True})},
    )


def test_collect_changes_reads_no_s3_object_only_writes_its_manifest(
    stack: AmtsStack, template: Template
) -> None:
    role = logical_id(stack, stack.functions.roles["collect_changes"])
    policies = [
        p
        for p in template.find_resources("AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"].get("Roles", [])
    ]
    statements = [st for p in policies for st in p["Properties"]["PolicyDocument"]["Statement"]]
    s3 = [st for st in statements if any(str(a).startswith("s3:") for a in _actions(st))]
    # Then it reads no object: its only S3 grant is writing the run's manifest
    assert [_actions(st) for st in s3] == [["s3:PutObject"]]
    assert "/manifests/*" in json.dumps(s3[0]["Resource"])
    assert "dynamodb:PutItem" in json.dumps(statements)


def _actions(statement: dict[str, object]) -> list[str]:
    actions = statement["Action"]
    return [str(a) for a in actions] if isinstance(actions, list) else [str(actions)]


def test_cfn_lint_reports_no_error_or_warning_on_the_template(template: Template, tmp_path: Path) -> None:
    pytest.importorskip("cfnlint", reason="cfn-lint is in the dev extra")
    path = tmp_path / "AmtsStack.template.json"
    path.write_text(json.dumps(template.to_json()), encoding="utf-8")
    # W3005: CDK's DependsOn on a role's default policy next to a GetAtt of the role (harmless).
    run_cfn_lint = "from cfnlint.runner import main; main()"
    proc = subprocess.run(
        [sys.executable, "-c", run_cfn_lint, "--ignore-checks", "W3005", "--", str(path)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
