"""cdk-nag AwsSolutions checks and the suppressions AMTS needs, each with its specific reason.

cdk-nag 2.x (pinned ``>=2.28,<3`` in pyproject.toml) is used on purpose: its
``AwsSolutionsChecks`` aspect reports findings as synth-time error annotations, which
``cdk synth`` and the tests see directly. cdk-nag 3 moved to the ``Validations`` plugin API;
switching is a one-file change here once the 3.x line has settled.

Every suppression is scoped with ``applies_to`` to the exact finding (resource pattern), so a
new wildcard added later is still reported.
"""

from __future__ import annotations

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks, NagPackSuppression, NagSuppressions, RegexAppliesTo
from constructs import IConstruct

from infra.stack import AmtsStack

# Findings of the form Resource::<StorageXxxx1234ABCD.Arn>/<key pattern>: object ARNs in one of
# the AMTS buckets. Keys are per file (<lang>/<path>.md) or per run (jobs/<run>/...), unknown at
# deploy time; the bucket (and the step's prefix) is fixed.
OBJECT_ARNS = RegexAppliesTo(regex=r"/^Resource::<Storage[A-Za-z]+[0-9A-F]{8}\.Arn>\/.+$/")

XRAY_REASON = (
    "Resource * only for xray:PutTraceSegments and xray:PutTelemetryRecords (added by active "
    "tracing): X-Ray has no resource-level permissions for them."
)
OBJECT_REASON = (
    "Object-level wildcard inside one named AMTS bucket: object keys are per source file "
    "(<lang>/<path>.md) or per run (plans/<run>/, jobs/<run>/<pair>/...), unknown at deploy time. "
    "Where the step touches only part of the bucket, the statement is limited to that prefix."
)
TRANSLATE_JOB_REASON = (
    "Resource * also covers translate:StartTextTranslationJob / DescribeTextTranslationJob / "
    "ListTextTranslationJobs / StopTextTranslationJob: batch jobs have no ARN before they exist "
    "and Translate does not "
    "support resource-level permissions for these actions. Parallel-data actions are scoped to "
    "the configured parallel-data ARNs."
)

TRANSLATE_TEXT_REASON = (
    "Resource * also covers translate:TranslateText (Translate Without ACT, runBaseline): the "
    "action has no resource type in the service authorization reference, so it cannot be scoped "
    "to an ARN; it reads no stored data (text in, text out, no parallel data or terminology)."
)


def _suppress(construct: IConstruct, *suppressions: NagPackSuppression) -> None:
    NagSuppressions.add_resource_suppressions(construct, list(suppressions), apply_to_children=True)


def apply_nag(stack: AmtsStack) -> None:
    """Run the AwsSolutions pack on every resource of ``stack`` and register the suppressions."""
    cdk.Aspects.of(stack).add(AwsSolutionsChecks(verbose=True))

    _suppress(
        stack.translate_access.policy,
        NagPackSuppression(
            id="AwsSolutions-IAM5",
            reason=(
                "Translate's data-access role: read only keys under parallel-data/ and "
                "jobs/<run>/<pair>/input/, write only jobs/<run>/<pair>/output/ of the work "
                "bucket; run ids and pairs are only known at run time."
            ),
            applies_to=[OBJECT_ARNS],
        ),
    )

    for module, role in stack.functions.roles.items():
        reason = XRAY_REASON
        if module in ("start_translation", "poller"):
            reason = f"{XRAY_REASON} {TRANSLATE_JOB_REASON}"
        if module == "translate_baseline":
            reason = f"{XRAY_REASON} {TRANSLATE_TEXT_REASON}"
        _suppress(
            role,
            NagPackSuppression(id="AwsSolutions-IAM5", reason=reason, applies_to=["Resource::*"]),
            NagPackSuppression(id="AwsSolutions-IAM5", reason=OBJECT_REASON, applies_to=[OBJECT_ARNS]),
        )

    _suppress(
        stack.workflow.role,
        NagPackSuppression(
            id="AwsSolutions-IAM5",
            reason=(
                "Resource * only for the actions Step Functions needs for X-Ray tracing "
                "(xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) "
                "and for vended logs delivery (logs:CreateLogDelivery, GetLogDelivery, "
                "UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, "
                "DescribeResourcePolicies, DescribeLogGroups), none of which supports resource-level "
                "permissions. Lambda invocations are granted on the exact function ARNs."
            ),
            applies_to=["Resource::*"],
        ),
    )

    if not stack.settings.log_execution_data:
        _suppress(
            stack.workflow.state_machine,
            NagPackSuppression(
                id="AwsSolutions-SF1",
                reason=(
                    "Logs ERROR events without execution data by default: ALL would write task "
                    "tokens, object keys and text into CloudWatch Logs. Failures still alarm "
                    "(ExecutionsFailed/TimedOut/Aborted) and the execution history keeps every "
                    "event; the logExecutionData setting turns on ALL with data."
                ),
            ),
        )
    _suppress(
        stack.dead_letters.queue,
        NagPackSuppression(
            id="AwsSolutions-SQS3",
            reason=(
                "This queue is itself a dead-letter queue: the EventBridge targets' DeadLetterConfig "
                "and the poller's on-failure destination, which cdk-nag does not recognize as DLQ use."
            ),
        ),
    )
