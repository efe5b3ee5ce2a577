"""The Step Functions state machine, built from the ASL file in ``statemachine/``.

The ASL stays the only copy of the workflow: readable on its own, executed by the local runner,
and deployed as is. This construct reads it at synth time, substitutes every ``${Placeholder}``
through ``DefinitionSubstitutions`` (an unknown placeholder fails the synth), derives the
state machine role's permissions from the Task states it finds (each Lambda the ASL calls gets
``lambda:InvokeFunction`` on its exact ARN, nothing else), and checks that every callback task
has a heartbeat longer than the poller's schedule so a lost job times out instead of hanging.

Distributed Maps get what their fields need, derived from the ASL as well: ``s3:GetObject`` on
the ItemReader's manifest prefix, ``s3:PutObject`` on the ResultWriter's prefix (both in the work
bucket: another bucket fails the synth), and ``states:StartExecution`` / ``DescribeExecution`` /
``StopExecution`` / ``RedriveExecution`` on this state machine and its child executions. Every
Lambda the ASL invokes must be a row of the steps table (:mod:`amts.steps`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from amts.errors import ConfigurationError
from amts.steps import STEPS
from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from cdk_nag import NagPackSuppression, NagSuppressions, RegexAppliesTo
from constructs import Construct

ASL_PATH = Path(__file__).resolve().parent.parent / "statemachine" / "amts.asl.json"
# ``${Name}`` with an identifier inside; prose like "${...}" in a Comment is not a placeholder.
PLACEHOLDER_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
# Any other "${" (e.g. prose in a Comment): written as the JSON escape \u0024{ so the template
# holds no "${" that CloudFormation's linter would take for an unresolved Fn::Sub parameter; the
# parsed definition (what Step Functions executes and shows) is unchanged.
NOT_PLACEHOLDER_RE = re.compile(r"\$\{(?![A-Za-z_][A-Za-z0-9_]*\})")
LAMBDA_INVOKE_RESOURCES = (
    "arn:aws:states:::lambda:invoke",
    "arn:aws:states:::lambda:invoke.waitForTaskToken",
)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER_RE.findall(text))


def iter_states(states: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every state, including those inside Map item processors and Parallel branches."""
    for name, state in states.items():
        yield name, state
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from iter_states(processor.get("States", {}))
        for branch in state.get("Branches", []):
            yield from iter_states(branch.get("States", {}))


def invoked_placeholders(definition: Mapping[str, Any]) -> set[str]:
    """Placeholders used as the FunctionName of a Lambda-invoke Task."""
    found: set[str] = set()
    for name, state in iter_states(definition.get("States", {})):
        if state.get("Type") != "Task":
            continue
        resource = state.get("Resource", "")
        if resource in LAMBDA_INVOKE_RESOURCES:
            function = (state.get("Parameters") or state.get("Arguments") or {}).get("FunctionName", "")
            names = placeholders(str(function))
            if not names:
                raise ConfigurationError(
                    f"{ASL_PATH.name}: state {name!r} invokes a Lambda that is not a ${{...Arn}} placeholder"
                )
            found |= names
        else:
            raise ConfigurationError(
                f"{ASL_PATH.name}: state {name!r} uses integration {resource!r}, which infra/workflow.py "
                "does not know how to grant; add its permissions there"
            )
    return found


def distributed_maps(definition: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Map state name -> the state, for every Map in DISTRIBUTED mode."""
    return {
        name: state
        for name, state in iter_states(definition.get("States", {}))
        if state.get("Type") == "Map"
        and ((state.get("ItemProcessor") or {}).get("ProcessorConfig") or {}).get("Mode") == "DISTRIBUTED"
    }


def distributed_map_prefixes(definition: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    """(key patterns the ItemReaders read, prefixes the ResultWriters write) in ``${WorkBucket}``."""
    reads: set[str] = set()
    writes: set[str] = set()
    for name, state in distributed_maps(definition).items():
        reader = state.get("ItemReader")
        if reader is not None:
            params = reader.get("Parameters") or {}
            if (
                params.get("Bucket") != "${WorkBucket}"
                or reader.get("Resource") != "arn:aws:states:::s3:getObject"
            ):
                raise ConfigurationError(
                    f"{ASL_PATH.name}: Map {name!r} reads items from somewhere other than s3:getObject in "
                    "${WorkBucket}; infra/workflow.py does not know how to grant it"
                )
            reads.add("manifests/*")
        writer = state.get("ResultWriter")
        if writer is not None:
            params = writer.get("Parameters") or {}
            if params.get("Bucket") != "${WorkBucket}":
                raise ConfigurationError(
                    f"{ASL_PATH.name}: Map {name!r} writes results outside ${{WorkBucket}}"
                )
            writes.add(str(params.get("Prefix", "")).rstrip("/") + "/*")
    return reads, writes


def callback_heartbeats(definition: Mapping[str, Any]) -> dict[str, int | None]:
    """Callback (waitForTaskToken) state → its HeartbeatSeconds (None when missing)."""
    return {
        name: state.get("HeartbeatSeconds")
        for name, state in iter_states(definition.get("States", {}))
        if str(state.get("Resource", "")).endswith(".waitForTaskToken")
    }


class Workflow(Construct):
    """``state_machine``: STANDARD (callbacks need it), logs errors (ALL with data if asked), X-Ray."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: Mapping[str, lambda_.IFunction],
        substitutions: Mapping[str, str],
        poller_schedule_minutes: int,
        include_execution_data: bool = False,
        asl_path: Path = ASL_PATH,
        work_bucket: s3.IBucket | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if not asl_path.is_file():
            raise ConfigurationError(f"{asl_path}: the state machine definition is missing")
        text = asl_path.read_text(encoding="utf-8")
        try:
            definition = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"{asl_path}:{exc.lineno}: not valid JSON: {exc.msg}") from exc

        values: dict[str, str] = {name: fn.function_arn for name, fn in functions.items()}
        values.update(substitutions)
        unknown = placeholders(text) - set(values)
        if unknown:
            raise ConfigurationError(
                f"{asl_path}: unknown placeholder(s) {', '.join('${' + u + '}' for u in sorted(unknown))}; "
                f"infra/workflow.py substitutes {', '.join(sorted(values))}"
            )
        invoked = invoked_placeholders(definition)
        not_functions = invoked - set(functions)
        if not_functions:
            raise ConfigurationError(
                f"{asl_path}: {', '.join(sorted(not_functions))} used as FunctionName but not a Lambda"
            )
        self._check_heartbeats(asl_path, definition, poller_schedule_minutes)
        if asl_path == ASL_PATH:
            known = {step.placeholder for step in STEPS}
            if invoked - known:
                raise ConfigurationError(
                    f"{asl_path}: {', '.join(sorted(invoked - known))} not in the steps table (amts/steps.py)"
                )
        map_reads, map_writes = distributed_map_prefixes(definition)

        used = placeholders(text)
        text = NOT_PLACEHOLDER_RE.sub(r"\\u0024{", text)
        if json.loads(text) != definition:  # the escape must not change the definition
            raise ConfigurationError(f"{asl_path}: could not escape a literal '${{' safely")
        self.substitutions = {k: v for k, v in values.items() if k in used}
        self.invoked_functions = {name: functions[name] for name in sorted(invoked)}

        self.log_group = logs.LogGroup(
            self,
            "ExecutionLogs",
            # The /aws/vendedlogs/ prefix keeps CloudWatch Logs' resource policy small (AWS guide).
            log_group_name=f"/aws/vendedlogs/states/{Stack.of(self).stack_name}-amts",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description="AMTS state machine: invokes exactly the Lambdas its ASL names",
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="InvokeWorkflowLambdas",
                actions=["lambda:InvokeFunction"],
                resources=[fn.function_arn for fn in self.invoked_functions.values()],
            )
        )
        # A fixed name, so the Distributed Maps' grants can name this state machine's ARN
        # without depending on it (the state machine depends on its role's policies).
        self.state_machine_name = f"{Stack.of(self).stack_name}-amts"
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=self.state_machine_name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(text),
            definition_substitutions=self.substitutions,
            role=self.role,
            tracing_enabled=True,
            # Execution data (task tokens, keys, text) is logged only when the logExecutionData
            # setting asks for it (then every event, ALL); otherwise errors only, without data.
            logs=sfn.LogOptions(
                destination=self.log_group,
                level=sfn.LogLevel.ALL if include_execution_data else sfn.LogLevel.ERROR,
                include_execution_data=include_execution_data,
            ),
            # Longer than the slowest legal path (parallel data 6 h + job 24 h + retries); a
            # lost execution still ends instead of running for the one-year maximum.
            timeout=Duration.days(3),
            comment="AMTS: sync translations of the book with its English source",
        )
        if distributed_maps(definition):
            self._grant_distributed_maps(work_bucket, map_reads, map_writes)

    def _grant_distributed_maps(
        self, work_bucket: s3.IBucket | None, reads: set[str], writes: set[str]
    ) -> None:
        """What the Distributed Maps do as this role: read the manifest, write results, run children.

        A separate policy (a child of the role, so the role's cdk-nag suppressions apply): it
        names the state machine, which itself depends on the role.
        """
        stack = Stack.of(self)
        name = self.state_machine_name
        statements = [
            iam.PolicyStatement(
                sid="RunMapChildWorkflows",
                actions=["states:StartExecution"],
                resources=[
                    stack.format_arn(
                        service="states",
                        resource="stateMachine",
                        resource_name=name,
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            ),
            iam.PolicyStatement(
                sid="ManageMapChildWorkflows",
                actions=["states:DescribeExecution", "states:StopExecution", "states:RedriveExecution"],
                resources=[
                    stack.format_arn(
                        service="states",
                        resource="execution",
                        resource_name=f"{name}/*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    ),
                    stack.format_arn(
                        service="states",
                        resource="mapRun",
                        resource_name=f"{name}/*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    ),
                ],
            ),
        ]
        if work_bucket is not None:
            if reads:
                statements.append(
                    iam.PolicyStatement(
                        sid="ReadMapManifests",
                        actions=["s3:GetObject"],
                        resources=[work_bucket.arn_for_objects(k) for k in sorted(reads)],
                    )
                )
            if writes:
                statements.append(
                    iam.PolicyStatement(
                        sid="WriteMapResults",
                        actions=[
                            "s3:PutObject",
                            "s3:GetObject",
                            "s3:ListMultipartUploadParts",
                            "s3:AbortMultipartUpload",
                        ],
                        resources=[work_bucket.arn_for_objects(k) for k in sorted(writes)],
                    )
                )
        policy = iam.Policy(self.role, "DistributedMapAccess", statements=statements)
        policy.attach_to_role(self.role)
        NagSuppressions.add_resource_suppressions(
            policy,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason=(
                        "Distributed Map: the child workflow executions and map runs of this state "
                        "machine (named at run time), the run manifests (manifests/*) and the map-run "
                        "results (map-runs/*) of the work bucket; run ids are only known at run time."
                    ),
                    applies_to=[
                        RegexAppliesTo(
                            regex=r"/^Resource::arn:<AWS::Partition>:states:.*:(execution|mapRun):.*\/\*$/"
                        ),
                        RegexAppliesTo(
                            regex=r"/^Resource::<Storage[A-Za-z]+[0-9A-F]{8}\.Arn>\/(manifests|map-runs)\/.*$/"
                        ),
                    ],
                )
            ],
        )

    @staticmethod
    def _check_heartbeats(asl_path: Path, definition: Mapping[str, Any], schedule_minutes: int) -> None:
        """The poller heartbeats parked tokens on its schedule; a heartbeat timeout shorter than
        two schedule periods would fail healthy jobs, a missing one lets a lost job hang."""
        for state, heartbeat in callback_heartbeats(definition).items():
            if heartbeat is None:
                raise ConfigurationError(
                    f"{asl_path}: callback state {state!r} has no HeartbeatSeconds: a lost job would hang"
                )
            if heartbeat < 2 * schedule_minutes * 60:
                raise ConfigurationError(
                    f"{asl_path}: {state!r} HeartbeatSeconds={heartbeat} is shorter than two poller periods "
                    f"(pollerScheduleMinutes={schedule_minutes}); raise it or poll more often"
                )
