"""The Lambda functions: one role each, holding only the actions that step calls.

Code layout: one small code asset (the ``amts`` package from ``functions/``) shared by every
function, plus one layer with the third-party dependencies built by ``infra.bundling`` (no
Docker). A handler change then uploads a few hundred kilobytes, not the numpy/lxml wheels.

Runtime: the newest Python Lambda runtime CDK knows (cdk-nag AwsSolutions-L1) on arm64
(Graviton: about 20% cheaper per GB-second). Sizes and timeouts follow each step's work:
parsing and aligning a whole book is CPU-bound (1769 MB = one full vCPU), the callback starters
only make one API call. The two functions that call Translate's create/start APIs get reserved
concurrency so a burst of executions queues in Step Functions' retries instead of throttling
Translate (10 concurrent batch jobs per account and region).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from amts.config import Settings
from aws_cdk import Annotations, BundlingOptions, DockerImage, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.bundling import BundleMode, PipLayerBundling
from infra.storage import Storage

REPO_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = REPO_ROOT / "functions"
LAYER_DIR = Path(__file__).resolve().parent / "layer"
RUNTIME = lambda_.Runtime.PYTHON_3_14
# pip's --python-version for the layer wheels: must match RUNTIME.
RUNTIME_PYTHON_VERSION = "3.14"
LOG_RETENTION = logs.RetentionDays.ONE_MONTH


@dataclass(frozen=True)
class LambdaSpec:
    """One Lambda: handler module, sizing and the ASL placeholder that names its ARN."""

    module: str
    construct_id: str
    description: str
    memory_mb: int
    timeout_seconds: int
    asl_placeholder: str | None
    reserved: bool = False

    @property
    def handler(self) -> str:
        return f"amts.handlers.{self.module}.handler"


SPECS: tuple[LambdaSpec, ...] = (
    LambdaSpec(
        "collect_changes",
        "CollectChanges",
        "Decode and dedupe uploaded-file events",
        256,
        60,
        "CollectChangesFunctionArn",
    ),
    LambdaSpec(
        "plan_sync",
        "PlanSync",
        "Per file: diff old/new source against the translation, write the plan",
        1769,
        600,
        "PlanSyncFunctionArn",
    ),
    LambdaSpec(
        "record_file_failure",
        "RecordFileFailure",
        "Record one file's failure (state and reason) for the report",
        256,
        60,
        "RecordFileFailureFunctionArn",
    ),
    LambdaSpec(
        "translate_baseline",
        "TranslateBaseline",
        "runBaseline: translate the evaluation set without ACT (TranslateText)",
        512,
        300,
        "TranslateBaselineFunctionArn",
    ),
    LambdaSpec(
        "build_parallel_data",
        "BuildParallelData",
        "Align human translations into parallel data",
        1769,
        900,
        "BuildParallelDataFunctionArn",
    ),
    LambdaSpec(
        "prepare_parallel_data",
        "PrepareParallelData",
        "Create/update parallel data, park task token",
        256,
        60,
        "PrepareParallelDataFunctionArn",
        reserved=True,
    ),
    LambdaSpec(
        "start_translation",
        "StartTranslation",
        "Start the batch translation job, park task token",
        256,
        60,
        "StartTranslationFunctionArn",
        reserved=True,
    ),
    LambdaSpec(
        "assemble",
        "Assemble",
        "Per file: merge machine and reused human text into the new document",
        1769,
        600,
        "AssembleFunctionArn",
    ),
    LambdaSpec(
        "report", "Report", "BLEU, reuse and cost report (json, md, html)", 1024, 300, "ReportFunctionArn"
    ),
    LambdaSpec(
        "failure_report",
        "FailureReport",
        "Write the failure report a human can act on",
        256,
        60,
        "FailureReportFunctionArn",
    ),
    LambdaSpec(
        "poller",
        "Poller",
        "Translate events and schedule -> SendTaskSuccess/Failure/Heartbeat",
        256,
        120,
        None,
    ),
)

# Functions that call SendTaskSuccess/Failure/Heartbeat.
TASK_TOKEN_ANSWERERS = ("poller", "prepare_parallel_data")
TRANSLATE_JOB_ACTIONS = ("translate:StartTextTranslationJob", "translate:DescribeTextTranslationJob")
# Functions granted translate:TranslateText (resource "*": the action has no resource type).
TRANSLATE_TEXT_CALLERS = ("translate_baseline",)


class Functions(Construct):
    """All AMTS Lambdas. ``by_module[name]`` and ``by_placeholder[asl_name]`` look them up."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        storage: Storage,
        data_access_role: iam.IRole,
        bundle: BundleMode,
    ) -> None:
        super().__init__(scope, construct_id)
        self.settings = settings
        self.storage = storage
        self.data_access_role = data_access_role
        stack = Stack.of(self)

        self.layer = lambda_.LayerVersion(
            self,
            "Dependencies",
            code=self._layer_code(bundle),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[lambda_.Architecture.ARM_64],
            description="AMTS third-party dependencies (pip, manylinux aarch64 wheels)",
            removal_policy=RemovalPolicy.DESTROY,
        )
        code = lambda_.Code.from_asset(
            str(FUNCTIONS_DIR),
            exclude=["*.egg-info", "**/__pycache__", "**/*.pyc", "**/.mypy_cache"],
        )

        env = {
            "AMTS_SOURCE_BUCKET": storage.source.bucket_name,
            "AMTS_REFERENCE_BUCKET": storage.reference.bucket_name,
            "AMTS_WORK_BUCKET": storage.work.bucket_name,
            "AMTS_OUTPUT_BUCKET": storage.output.bucket_name,
            "AMTS_REPORTS_BUCKET": storage.reports.bucket_name,
            "AMTS_TOKEN_TABLE": storage.token_table.table_name,
            "AMTS_DATA_ACCESS_ROLE_ARN": data_access_role.role_arn,
            **settings.to_env(),
            "POWERTOOLS_SERVICE_NAME": "amts",
            "POWERTOOLS_METRICS_NAMESPACE": "AMTS",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            # No pydantic plugins are used: skip the entry-point scan on every cold start.
            "PYDANTIC_DISABLE_PLUGINS": "__all__",
        }

        self.by_module: dict[str, lambda_.Function] = {}
        self.roles: dict[str, iam.Role] = {}
        for spec in SPECS:
            role = iam.Role(
                self,
                f"{spec.construct_id}Role",
                assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                description=f"AMTS {spec.module}: only the calls this step makes",
            )
            log_group = logs.LogGroup(
                self,
                f"{spec.construct_id}Logs",
                retention=LOG_RETENTION,
                removal_policy=RemovalPolicy.DESTROY,
            )
            role.add_to_policy(
                iam.PolicyStatement(
                    sid="WriteOwnLogs",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[log_group.log_group_arn],
                )
            )
            fn = lambda_.Function(
                self,
                spec.construct_id,
                description=f"AMTS: {spec.description}",
                runtime=RUNTIME,
                architecture=lambda_.Architecture.ARM_64,
                handler=spec.handler,
                code=code,
                layers=[self.layer],
                memory_size=spec.memory_mb,
                timeout=Duration.seconds(spec.timeout_seconds),
                role=role,
                log_group=log_group,
                tracing=lambda_.Tracing.ACTIVE,
                environment=env,
                reserved_concurrent_executions=(
                    settings.reserved_concurrency if spec.reserved and settings.reserved_concurrency else None
                ),
            )
            self.by_module[spec.module] = fn
            self.roles[spec.module] = role

        self.by_placeholder: dict[str, lambda_.Function] = {
            spec.asl_placeholder: self.by_module[spec.module] for spec in SPECS if spec.asl_placeholder
        }
        self._grant_step_permissions(stack)

    # --- code ---------------------------------------------------------------------------------
    def _layer_code(self, bundle: BundleMode) -> lambda_.Code:
        requirements = LAYER_DIR / "requirements.txt"
        if bundle is BundleMode.OFF:
            return lambda_.Code.from_asset(str(LAYER_DIR))
        local = PipLayerBundling(
            requirements,
            RUNTIME_PYTHON_VERSION,
            mode=bundle,
            on_offline=lambda message: Annotations.of(self).add_warning_v2("amts:unbundled", message),
        )
        return lambda_.Code.from_asset(
            str(LAYER_DIR),
            bundling=BundlingOptions(
                # Never pulled: local bundling always succeeds or raises (see infra/bundling.py).
                image=DockerImage.from_registry("public.ecr.aws/sam/build-python3.14"),
                local=local,
            ),
        )

    # --- permissions --------------------------------------------------------------------------
    def _grant_step_permissions(self, stack: Stack) -> None:
        s = self.storage
        table = s.token_table.table_arn
        parallel_data_arns = [
            stack.format_arn(
                service="translate",
                resource="parallel-data",
                resource_name=self.settings.parallel_data_name_for(p),
            )
            for p in self.settings.language_pairs
        ]

        def read(bucket_arn: str, *keys: str) -> list[iam.PolicyStatement]:
            return [
                iam.PolicyStatement(
                    actions=["s3:GetObject", "s3:GetObjectVersion"],
                    resources=[f"{bucket_arn}/{key}" for key in keys],
                ),
                iam.PolicyStatement(
                    actions=["s3:ListBucket", "s3:ListBucketVersions"], resources=[bucket_arn]
                ),
            ]

        def write(bucket_arn: str, *keys: str) -> iam.PolicyStatement:
            return iam.PolicyStatement(
                actions=["s3:PutObject"], resources=[f"{bucket_arn}/{key}" for key in keys]
            )

        def table_access(*actions: str) -> iam.PolicyStatement:
            return iam.PolicyStatement(actions=[f"dynamodb:{a}" for a in actions], resources=[table])

        src, ref, out = s.source.bucket_arn, s.reference.bucket_arn, s.output.bucket_arn
        work, reports = s.work.bucket_arn, s.reports.bucket_arn
        pass_role = iam.PolicyStatement(
            sid="PassDataAccessRoleToTranslate",
            actions=["iam:PassRole"],
            resources=[self.data_access_role.role_arn],
            conditions={"StringEquals": {"iam:PassedToService": "translate.amazonaws.com"}},
        )
        # StartTextTranslationJob / DescribeTextTranslationJob have no resource-level permissions
        # for the job itself (the job id is only known after the call): resource "*".
        translate_jobs = iam.PolicyStatement(
            sid="TranslateBatchJobs", actions=list(TRANSLATE_JOB_ACTIONS), resources=["*"]
        )
        parallel_data = iam.PolicyStatement(
            sid="ManageOwnParallelData",
            actions=[
                "translate:CreateParallelData",
                "translate:UpdateParallelData",
                "translate:GetParallelData",
                "translate:TagResource",
            ],
            resources=parallel_data_arns,
        )
        # A job that names parallel data is authorized against that resource too.
        use_parallel_data = iam.PolicyStatement(
            sid="UseOwnParallelData", actions=["translate:GetParallelData"], resources=parallel_data_arns
        )

        grants: dict[str, list[iam.PolicyStatement]] = {
            "collect_changes": [
                # Reads no object: the events name bucket, key and version; it only claims them.
                # The run's manifest (amts.steps key layout); claims are conditional puts.
                write(work, "manifests/*"),
                table_access("PutItem", "GetItem"),
            ],
            "plan_sync": [
                *read(src, "*"),
                *read(ref, "*"),
                write(work, "plans/*", "jobs/*/input/*"),
            ],
            "record_file_failure": [
                write(work, "results/*"),
            ],
            "translate_baseline": [
                *read(work, "jobs/*/evaluation/*"),
                write(work, "jobs/*/evaluation/*"),
                # TranslateText has no resource type in the service authorization reference, so
                # it cannot be scoped to an ARN; it reads no stored data (text in, text out).
                iam.PolicyStatement(
                    sid="TranslateTextWithoutAct", actions=["translate:TranslateText"], resources=["*"]
                ),
            ],
            "build_parallel_data": [
                *read(src, "*"),
                *read(ref, "*"),
                *read(work, "plans/*", "parallel-data/*", "align-cache/*"),
                # jobs/*/evaluation/* and the eval input document: the evaluation set (runBaseline).
                write(work, "parallel-data/*", "align-cache/*", "jobs/*/evaluation/*", "jobs/*/input/*"),
            ],
            "prepare_parallel_data": [
                # CreateParallelData reads the file with the caller's credentials; pd-active/ says
                # which content the resource holds (an unchanged file is not uploaded again).
                *read(work, "plans/*", "parallel-data/*", "pd-active/*"),
                parallel_data,
                # The pair's lease and the per-execution task token: conditional puts.
                table_access("PutItem", "DeleteItem"),
            ],
            "start_translation": [
                *read(work, "plans/*", "jobs/*/input/*"),
                # The job reference (jobs/<run>/<pair>/job.json) for assemble and the report, and
                # the marker of the content the parallel data now holds.
                write(work, "jobs/*/job.json", "pd-active/*"),
                translate_jobs,
                use_parallel_data,
                pass_role,
                table_access("PutItem", "DeleteItem"),
            ],
            "assemble": [
                *read(src, "*"),
                *read(ref, "*"),
                *read(out, "*"),  # HeadObject: the sequence of the output already there
                *read(work, "plans/*", "jobs/*"),
                write(out, "*"),
                write(work, "results/*"),
            ],
            "report": [
                *read(src, "*"),
                *read(ref, "*"),
                *read(out, "*"),
                *read(work, "plans/*", "jobs/*", "results/*", "manifests/*"),
                write(reports, "*"),
                # The ACT side of the evaluation set (runBaseline); never written to the output.
                write(work, "jobs/*/evaluation/*"),
                # Claims marked done/failed, leases released.
                table_access("PutItem", "DeleteItem"),
            ],
            "failure_report": [
                *read(work, "plans/*", "results/*", "manifests/*"),
                write(reports, "*"),
                table_access("PutItem", "DeleteItem"),
            ],
            "poller": [
                # PutItem: a token whose SendTask* call failed goes back for the next poll.
                table_access("GetItem", "DeleteItem", "Scan", "PutItem"),
                iam.PolicyStatement(
                    sid="ReadAndStopJobs",
                    # StopTextTranslationJob: a job whose wait timed out is stopped (job slots).
                    actions=[
                        "translate:DescribeTextTranslationJob",
                        "translate:ListTextTranslationJobs",
                        "translate:StopTextTranslationJob",
                    ],
                    resources=["*"],
                ),
                iam.PolicyStatement(
                    sid="ReadParallelDataStatus",
                    actions=["translate:GetParallelData"],
                    resources=parallel_data_arns,
                ),
            ],
        }
        for module, statements in grants.items():
            role = self.roles[module]
            for statement in statements:
                role.add_to_policy(statement)

    def grant_task_response(self, state_machine: sfn.IStateMachine) -> None:
        """SendTask* on this state machine only: the poller answers parked tokens, and
        prepare_parallel_data completes its own task at once when there is nothing to upload.

        A separate policy rather than the roles' default policies: a function depends on its
        role's default policy, and the state machine depends on the functions (its definition
        names their ARNs), so a statement naming the state machine there would be a cycle.
        """
        policy = iam.Policy(
            self,
            "AnswerTaskTokens",
            statements=[
                iam.PolicyStatement(
                    sid="AnswerTaskTokens",
                    actions=["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"],
                    resources=[state_machine.state_machine_arn],
                )
            ],
        )
        for module in TASK_TOKEN_ANSWERERS:
            policy.attach_to_role(self.roles[module])
