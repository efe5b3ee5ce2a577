"""What tells an operator that something went wrong: dead letters, alarms and one SNS topic.

- ``dead_letter_queue``: undeliverable *operational* events: the poller's asynchronous
  invocations that still failed after Lambda's retries (on-failure destination) and the
  EventBridge targets (the upload rule's SQS target, the poller's two rules) that could not be
  delivered. The upload queue keeps its own dead-letter queue for messages the Pipe could not
  start an execution for.
- Alarms (one SNS ``topic``, KMS-encrypted with a key CloudWatch may use): executions failed,
  timed out or aborted; any message in either dead-letter queue; poller errors.
- ``alarmEmail`` (optional setting) subscribes an address to the topic (confirm the e-mail).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.queues import dead_letter_queue

ALARM_PERIOD = Duration.minutes(5)


class OperationalDeadLetters(Construct):
    """The dead-letter queue of the asynchronous paths (created before the triggers use it)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.queue = dead_letter_queue(self, "Queue")

    def on_failure_of(self, fn: lambda_.IFunction, retry_attempts: int = 2) -> None:
        """Asynchronous invocations of ``fn`` that fail every attempt land in the queue."""
        lambda_.EventInvokeConfig(
            self,
            f"{fn.node.id}AsyncFailures",
            function=fn,
            on_failure=destinations.SqsDestination(self.queue),
            retry_attempts=retry_attempts,
            max_event_age=Duration.hours(2),
        )


class Alarms(Construct):
    """``topic`` and the alarms on it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        state_machine: sfn.IStateMachine,
        dead_letter_queues: Mapping[str, sqs.IQueue],
        functions: Mapping[str, lambda_.IFunction],
        alarm_email: str = "",
    ) -> None:
        super().__init__(scope, construct_id)
        key = kms.Key(
            self,
            "TopicKey",
            description="AMTS alarm topic (CloudWatch alarms publish with it)",
            enable_key_rotation=True,
        )
        # CloudWatch cannot publish to a topic encrypted with the AWS-managed aws/sns key.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            )
        )
        self.topic = sns.Topic(self, "Topic", display_name="AMTS alarms", master_key=key, enforce_ssl=True)
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        action = cw_actions.SnsAction(self.topic)
        self.alarms: dict[str, cloudwatch.Alarm] = {}

        def alarm(name: str, metric: cloudwatch.IMetric, description: str) -> None:
            created = cloudwatch.Alarm(
                self,
                name,
                metric=metric,
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_description=description,
            )
            created.add_alarm_action(action)
            self.alarms[name] = created

        alarm(
            "ExecutionsFailed",
            state_machine.metric_failed(period=ALARM_PERIOD, statistic="Sum"),
            "An AMTS execution failed: see reports/<run>/failure.json and the execution history",
        )
        alarm(
            "ExecutionsTimedOut",
            state_machine.metric_timed_out(period=ALARM_PERIOD, statistic="Sum"),
            "An AMTS execution timed out",
        )
        alarm(
            "ExecutionsAborted",
            state_machine.metric_aborted(period=ALARM_PERIOD, statistic="Sum"),
            "An AMTS execution was aborted",
        )
        for name, queue in dead_letter_queues.items():
            alarm(
                f"{name}Depth",
                queue.metric_approximate_number_of_messages_visible(period=ALARM_PERIOD, statistic="Maximum"),
                f"Undelivered events wait in the {name} queue: inspect and redrive them",
            )
        for name, fn in functions.items():
            alarm(
                f"{name}Errors",
                fn.metric_errors(period=ALARM_PERIOD, statistic="Sum"),
                f"The AMTS {name} function raised errors",
            )
