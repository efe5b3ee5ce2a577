"""What starts work: uploads start the workflow, Translate's events wake the poller.

Upload path: S3 (EventBridge notifications on) → rule (``Object Created`` in the source bucket,
key prefix/suffix from the settings) → SQS queue → EventBridge Pipe → ``StartExecution``.
The Pipe collects up to ``batchSize`` messages or waits ``batchWindowSeconds``, whichever
comes first, so a whole book pushed at once becomes one or a few executions instead of one per
file (Amazon Translate runs only 10 batch jobs at once per account and region). The queue also
absorbs bursts while the Pipe is throttled and keeps failed deliveries in a dead-letter queue.
The Pipe's InputTemplate cuts each message down to a slim record (bucket, key, version,
sequencer; ``amts.trigger_record``), so the execution input is ~150 bytes + the key per file.
Duplicate deliveries (S3 and SQS are at-least-once) are dropped by ``Collect Changed Files``,
which records each bucket/key/versionId with a conditional put in the token table.

Callback path: Amazon Translate's own EventBridge events (job and parallel-data state changes)
invoke the poller at once; a schedule invokes it too, as a safety net for a missed event and to
send heartbeats for tokens still waiting.
"""

from __future__ import annotations

from amts.config import Settings
from amts.errors import ConfigurationError
from amts.trigger_record import PIPE_INPUT_TEMPLATE
from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_pipes as pipes
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.queues import dead_letter_queue, secure_queue

TRANSLATE_DETAIL_TYPES = (
    "Translate TextTranslationJob State Change",
    "Translate Parallel Data State Change",
)


def _escape_wildcard(text: str) -> str:
    """EventBridge wildcard patterns treat ``*`` as a wildcard; escape literal ones."""
    return text.replace("\\", "\\\\").replace("*", "\\*")


def key_filter(prefix: str, suffix: str) -> list[str]:
    """The ``detail.object.key`` matcher for the configured prefix and suffix."""
    if prefix:
        return events.Match.wildcard(f"{_escape_wildcard(prefix)}*{_escape_wildcard(suffix)}")
    return events.Match.suffix(suffix)


class UploadTrigger(Construct):
    """``queue``/``dead_letter_queue``/``rule``/``pipe``: the upload → execution path."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        source_bucket: s3.IBucket,
        state_machine: sfn.IStateMachine,
        target_dead_letters: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        if settings.batch_size > 10 and settings.batch_window_seconds < 1:
            raise ConfigurationError(
                "batchSize above 10 needs batchWindowSeconds of at least 1 (an SQS batching rule)"
            )
        stack = Stack.of(self)

        self.dead_letter_queue = dead_letter_queue(self, "DeadLetters")
        self.queue = secure_queue(
            self,
            "Uploads",
            # Longer than the batching window plus the StartExecution call.
            visibility_timeout=Duration.seconds(max(300, settings.batch_window_seconds * 2 + 60)),
            retention_period=Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.dead_letter_queue, max_receive_count=5),
        )
        self.rule = events.Rule(
            self,
            "SourceUploaded",
            description="A changed source file (.md) landed in the source bucket",
            event_pattern=events.EventPattern(
                source=["aws.s3"],
                detail_type=["Object Created"],
                detail={
                    "bucket": {"name": [source_bucket.bucket_name]},
                    "object": {"key": key_filter(settings.source_prefix, settings.source_suffix)},
                },
            ),
            # An event EventBridge cannot deliver to the queue is kept, not dropped.
            targets=[targets.SqsQueue(self.queue, dead_letter_queue=target_dead_letters)],
        )

        self.pipe_role = iam.Role(
            self,
            "PipeRole",
            description="AMTS pipe: read the upload queue, start the state machine",
            assumed_by=iam.ServicePrincipal(
                "pipes.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": stack.account}}
            ),
        )
        self.pipe_role.add_to_policy(
            iam.PolicyStatement(
                sid="ConsumeUploadQueue",
                actions=["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                resources=[self.queue.queue_arn],
            )
        )
        self.pipe_role.add_to_policy(
            iam.PolicyStatement(
                sid="StartWorkflow",
                actions=["states:StartExecution"],
                resources=[state_machine.state_machine_arn],
            )
        )
        self.pipe = pipes.CfnPipe(
            self,
            "BatchUploads",
            description="Batches upload events into one workflow execution per window",
            role_arn=self.pipe_role.role_arn,
            source=self.queue.queue_arn,
            source_parameters=pipes.CfnPipe.PipeSourceParametersProperty(
                sqs_queue_parameters=pipes.CfnPipe.PipeSourceSqsQueueParametersProperty(
                    batch_size=settings.batch_size,
                    maximum_batching_window_in_seconds=settings.batch_window_seconds,
                )
            ),
            target=state_machine.state_machine_arn,
            target_parameters=pipes.CfnPipe.PipeTargetParametersProperty(
                step_function_state_machine_parameters=pipes.CfnPipe.PipeTargetStateMachineParametersProperty(
                    # STANDARD workflows only accept asynchronous starts from a Pipe.
                    invocation_type="FIRE_AND_FORGET"
                ),
                # One slim record per message ({bucket, key, version, sequencer}, applied per
                # message of the batch), not the ~0.8 KB event: the execution input stays small.
                input_template=PIPE_INPUT_TEMPLATE,
            ),
        )
        self.pipe.node.add_dependency(self.pipe_role)


class PollerTriggers(Construct):
    """Translate state-change events and a schedule, both invoking the poller."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        poller: lambda_.IFunction,
        target_dead_letters: sqs.IQueue,
    ) -> None:
        super().__init__(scope, construct_id)
        self.translate_events = events.Rule(
            self,
            "TranslateStateChanged",
            description="Amazon Translate job / parallel-data state changes → AMTS poller",
            event_pattern=events.EventPattern(
                source=["aws.translate"], detail_type=list(TRANSLATE_DETAIL_TYPES)
            ),
            targets=[
                targets.LambdaFunction(
                    poller,
                    retry_attempts=8,
                    max_event_age=Duration.hours(2),
                    dead_letter_queue=target_dead_letters,
                )
            ],
        )
        self.schedule = events.Rule(
            self,
            "PollerSchedule",
            description="Safety net: poll outstanding Translate work and heartbeat waiting tasks",
            schedule=events.Schedule.rate(Duration.minutes(settings.poller_schedule_minutes)),
            targets=[targets.LambdaFunction(poller, retry_attempts=2, dead_letter_queue=target_dead_letters)],
        )
