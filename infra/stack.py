"""The one AMTS stack: storage, Translate access, Lambdas, workflow and triggers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from amts.config import Settings
from aws_cdk import Aws, CfnOutput, Stack
from constructs import Construct

from infra.bundling import BundleMode
from infra.functions import Functions
from infra.operations import Alarms, OperationalDeadLetters
from infra.storage import Storage
from infra.translate_access import TranslateDataAccess, grant_terminology
from infra.trigger import PollerTriggers, UploadTrigger
from infra.workflow import ASL_PATH, Workflow


class AmtsStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        bundle: BundleMode = BundleMode.AUTO,
        asl_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.settings = settings

        self.storage = Storage(self, "Storage")
        self.translate_access = TranslateDataAccess(self, "TranslateAccess", work_bucket=self.storage.work)
        self.functions = Functions(
            self,
            "Functions",
            settings=settings,
            storage=self.storage,
            data_access_role=self.translate_access.role,
            bundle=bundle,
        )
        terminologies = settings.terminology_names()
        if terminologies:
            # issue 13: custom terminology from the configured glossaries
            grant_terminology(
                self,
                dict(self.functions.by_module),
                sorted(terminologies.values()),
                self.storage.reference,
                [ls.glossary for ls in settings.languages.values() if ls.glossary],
            )
        self.workflow = Workflow(
            self,
            "Workflow",
            functions=self.functions.by_placeholder,
            substitutions={
                "TokenTableName": self.storage.token_table.table_name,
                "ReportsBucket": self.storage.reports.bucket_name,
                "WorkBucket": self.storage.work.bucket_name,
                "OutputBucket": self.storage.output.bucket_name,
            },
            poller_schedule_minutes=settings.poller_schedule_minutes,
            include_execution_data=settings.log_execution_data,
            asl_path=Path(asl_path) if asl_path else ASL_PATH,
            work_bucket=self.storage.work,
        )
        state_machine = self.workflow.state_machine
        self.functions.grant_task_response(state_machine)
        self.dead_letters = OperationalDeadLetters(self, "OperationalDeadLetters")
        # The poller is the only asynchronously invoked function (EventBridge rules).
        self.dead_letters.on_failure_of(self.functions.by_module["poller"])
        self.upload_trigger = UploadTrigger(
            self,
            "UploadTrigger",
            settings=settings,
            source_bucket=self.storage.source,
            state_machine=state_machine,
            target_dead_letters=self.dead_letters.queue,
        )
        self.poller_triggers = PollerTriggers(
            self,
            "PollerTriggers",
            settings=settings,
            poller=self.functions.by_module["poller"],
            target_dead_letters=self.dead_letters.queue,
        )
        self.alarms = Alarms(
            self,
            "Alarms",
            state_machine=state_machine,
            dead_letter_queues={
                "UploadDeadLetters": self.upload_trigger.dead_letter_queue,
                "OperationalDeadLetters": self.dead_letters.queue,
            },
            functions={"Poller": self.functions.by_module["poller"]},
            alarm_email=settings.alarm_email,
        )

        outputs = {
            "SourceBucketName": (
                self.storage.source.bucket_name,
                "Upload English sources here: <lang>/<path>.md",
            ),
            "ReferenceBucketName": (self.storage.reference.bucket_name, "Human reference translations"),
            "OutputBucketName": (self.storage.output.bucket_name, "Translated markdown: <target>/<path>.md"),
            "ReportsBucketName": (self.storage.reports.bucket_name, "Run reports: <run>/report.html"),
            "WorkBucketName": (self.storage.work.bucket_name, "Intermediate data (expires after 30 days)"),
            "AccessLogsBucketName": (self.storage.access_logs.bucket_name, "S3 server access logs"),
            "TokenTableName": (self.storage.token_table.table_name, "Task tokens of running callbacks"),
            "StateMachineArn": (state_machine.state_machine_arn, "The AMTS workflow"),
            "StateMachineConsoleUrl": (
                f"https://{Aws.REGION}.console.aws.amazon.com/states/home?region={Aws.REGION}"
                f"#/statemachines/view/{state_machine.state_machine_arn}",
                "Watch executions in the Step Functions console",
            ),
            "DeadLetterQueueUrl": (
                self.upload_trigger.dead_letter_queue.queue_url,
                "Undeliverable upload events",
            ),
            "OperationalDeadLetterQueueUrl": (
                self.dead_letters.queue.queue_url,
                "Failed poller invocations and undeliverable EventBridge events",
            ),
            "AlarmTopicArn": (self.alarms.topic.topic_arn, "Subscribe here to AMTS alarms"),
        }
        for output_id, (value, description) in outputs.items():
            CfnOutput(self, output_id, value=value, description=description)
