"""The one AMTS stack: storage, Translate access, Lambdas, workflow and triggers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from amts.config import Settings
from aws_cdk import Aws, CfnOutput, Stack
from constructs import Construct

from infra.bundling import BundleMode
from infra.functions import Functions
from infra.storage import Storage
from infra.translate_access import TranslateDataAccess
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
            asl_path=Path(asl_path) if asl_path else ASL_PATH,
            work_bucket=self.storage.work,
        )
        state_machine = self.workflow.state_machine
        self.functions.grant_task_response(state_machine)
        self.upload_trigger = UploadTrigger(
            self,
            "UploadTrigger",
            settings=settings,
            source_bucket=self.storage.source,
            state_machine=state_machine,
        )
        self.poller_triggers = PollerTriggers(
            self, "PollerTriggers", settings=settings, poller=self.functions.by_module["poller"]
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
        }
        for output_id, (value, description) in outputs.items():
            CfnOutput(self, output_id, value=value, description=description)
