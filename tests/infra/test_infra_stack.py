"""Security-relevant properties of the synthesized AMTS stack (unbundled, from cdk.json context)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Annotations, Match, Template

from infra.functions import SPECS
from infra.stack import AmtsStack
from infra.workflow import ASL_PATH, placeholders

DATA_BUCKETS = ("StorageSource", "StorageReference", "StorageWork", "StorageOutput", "StorageReports")


def resources(template: Template, cfn_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template.to_json()["Resources"].items() if v["Type"] == cfn_type}


def logical_id(stack: AmtsStack, construct: cdk.IResource | Any) -> str:
    default_child = construct.node.default_child
    return stack.get_logical_id(default_child)


def bucket_id(template: Template, prefix: str) -> str:
    (found,) = [k for k in resources(template, "AWS::S3::Bucket") if re.fullmatch(prefix + r"[0-9A-F]{8}", k)]
    return found


def policy_statements(template: Template) -> Iterator[tuple[str, dict[str, Any]]]:
    """(logical id, statement) of every IAM policy, inline role policy and resource policy."""
    for rid, res in template.to_json()["Resources"].items():
        props = res.get("Properties", {})
        docs = []
        if "PolicyDocument" in props:
            docs.append(props["PolicyDocument"])
        for inline in props.get("Policies", []) or []:
            docs.append(inline["PolicyDocument"])
        for doc in docs:
            for statement in doc["Statement"]:
                yield rid, statement


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_statements(template: Template, role_id: str) -> list[dict[str, Any]]:
    """Statements of every AWS::IAM::Policy attached to ``role_id``."""
    out: list[dict[str, Any]] = []
    for res in resources(template, "AWS::IAM::Policy").values():
        roles = res["Properties"].get("Roles", [])
        if {"Ref": role_id} in roles:
            out += res["Properties"]["PolicyDocument"]["Statement"]
    return out


def function_role_id(stack: AmtsStack, module: str) -> str:
    return stack.get_logical_id(stack.functions.roles[module].node.default_child)


# --- storage -----------------------------------------------------------------------------------
def test_every_bucket_is_encrypted_private_and_owner_enforced(template: Template) -> None:
    # Given the synthesized stack
    buckets = resources(template, "AWS::S3::Bucket")
    # Then: five data buckets plus the access-log bucket, each encrypted, private, without ACLs
    assert len(buckets) == 6
    for rid, bucket in buckets.items():
        props = bucket["Properties"]
        sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256", rid
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, rid
        assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}], rid
        assert bucket["DeletionPolicy"] == "Retain", rid


def test_every_bucket_policy_denies_plain_http(template: Template) -> None:
    # Given every bucket and every bucket policy
    buckets = set(resources(template, "AWS::S3::Bucket"))
    tls_protected = set()
    for policy in resources(template, "AWS::S3::BucketPolicy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if (
                statement["Effect"] == "Deny"
                and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
                and statement["Principal"] == {"AWS": "*"}
            ):
                tls_protected.add(policy["Properties"]["Bucket"]["Ref"])
    # Then each bucket has a TLS-only deny statement
    assert tls_protected == buckets


def test_source_reference_and_output_are_versioned_and_old_versions_expire(template: Template) -> None:
    for prefix in ("StorageSource", "StorageReference", "StorageOutput"):
        props = template.to_json()["Resources"][bucket_id(template, prefix)]["Properties"]
        # Then versioning is on (the sync reads the previous version of a changed source)
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}, prefix
        rules = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
        assert rules["expire-old-versions"]["NoncurrentVersionExpiration"]["NoncurrentDays"] > 0
    work = template.to_json()["Resources"][bucket_id(template, "StorageWork")]["Properties"]
    assert "VersioningConfiguration" not in work


def test_work_data_expires(template: Template) -> None:
    props = template.to_json()["Resources"][bucket_id(template, "StorageWork")]["Properties"]
    rules = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    # Then intermediates expire after 30 days
    assert rules["expire-work-data"] == {
        "Id": "expire-work-data",
        "ExpirationInDays": 30,
        "Status": "Enabled",
    }


def test_data_buckets_log_access_to_the_log_bucket(template: Template) -> None:
    logs_id = bucket_id(template, "StorageAccessLogs")
    prefixes = set()
    for prefix in DATA_BUCKETS:
        props = template.to_json()["Resources"][bucket_id(template, prefix)]["Properties"]
        logging = props["LoggingConfiguration"]
        assert logging["DestinationBucketName"] == {"Ref": logs_id}, prefix
        prefixes.add(logging["LogFilePrefix"])
    # Each bucket logs under its own prefix
    assert len(prefixes) == len(DATA_BUCKETS)


def test_source_bucket_sends_events_to_eventbridge_without_a_custom_resource(template: Template) -> None:
    props = template.to_json()["Resources"][bucket_id(template, "StorageSource")]["Properties"]
    assert props["NotificationConfiguration"] == {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}
    assert not resources(template, "Custom::S3BucketNotifications")


def test_token_table_has_ttl_pitr_and_string_key(template: Template) -> None:
    template.has_resource_properties(
        "AWS::DynamoDB::GlobalTable",
        {
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "TimeToLiveSpecification": {"AttributeName": "expiresAt", "Enabled": True},
            "Replicas": [
                Match.object_like({"PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}})
            ],
        },
    )


# --- IAM ---------------------------------------------------------------------------------------
def test_no_allow_statement_uses_a_wildcard_action(template: Template) -> None:
    offending = [
        (rid, action)
        for rid, statement in policy_statements(template)
        if statement["Effect"] == "Allow"
        for action in as_list(statement["Action"])
        if "*" in action
    ]
    assert offending == []


def test_translate_data_access_role_trusts_only_translate_of_this_account(
    stack: AmtsStack, template: Template
) -> None:
    role = template.to_json()["Resources"][logical_id(stack, stack.translate_access.role)]
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "translate.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    source_arn = json.dumps(statement["Condition"]["ArnLike"]["aws:SourceArn"])
    assert ":translate:" in source_arn and "AWS::Region" in source_arn and "AWS::AccountId" in source_arn


def test_translate_data_access_role_reads_inputs_and_writes_only_outputs(
    stack: AmtsStack, template: Template
) -> None:
    statements = role_statements(template, logical_id(stack, stack.translate_access.role))
    by_sid = {s["Sid"]: s for s in statements}
    read = json.dumps(by_sid["ReadJobInputAndParallelData"]["Resource"])
    write = json.dumps(by_sid["WriteJobOutput"]["Resource"])
    assert by_sid["ReadJobInputAndParallelData"]["Action"] == "s3:GetObject"
    assert "/jobs/*/input/*" in read and "/parallel-data/*" in read and "output" not in read
    assert by_sid["WriteJobOutput"]["Action"] == "s3:PutObject"
    assert "/jobs/*/output/*" in write and "input" not in write
    # Nothing else may write: PutObject appears only in the output statement
    writers = [s for s in statements if "s3:PutObject" in as_list(s["Action"])]
    assert writers == [by_sid["WriteJobOutput"]]


def test_pass_role_is_limited_to_the_data_access_role_and_translate(
    stack: AmtsStack, template: Template
) -> None:
    data_role = logical_id(stack, stack.translate_access.role)
    passing = [(rid, s) for rid, s in policy_statements(template) if "iam:PassRole" in as_list(s["Action"])]
    # Then only the start_translation role may pass a role, and only that one, only to Translate
    assert len(passing) == 1
    rid, statement = passing[0]
    assert {"Ref": function_role_id(stack, "start_translation")} in template.to_json()["Resources"][rid][
        "Properties"
    ]["Roles"]
    assert statement["Resource"] == {"Fn::GetAtt": [data_role, "Arn"]}
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "translate.amazonaws.com"}}


def test_each_lambda_has_its_own_role_without_managed_policies(stack: AmtsStack, template: Template) -> None:
    functions = resources(template, "AWS::Lambda::Function")
    roles = [f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()]
    assert len(functions) == len(SPECS)
    assert len(set(roles)) == len(roles)
    for role_id in roles:
        assert "ManagedPolicyArns" not in template.to_json()["Resources"][role_id]["Properties"]


def test_resource_star_only_where_no_resource_level_permission_exists(template: Template) -> None:
    allowed_star = {
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "translate:StartTextTranslationJob",
        "translate:DescribeTextTranslationJob",
        "translate:ListTextTranslationJobs",
        "translate:StopTextTranslationJob",
        "translate:TranslateText",
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
    }
    for rid, statement in policy_statements(template):
        if statement["Effect"] == "Allow" and statement.get("Resource") == "*":
            assert set(as_list(statement["Action"])) <= allowed_star, (rid, statement["Action"])


def test_only_translate_without_act_may_call_translate_text(stack: AmtsStack, template: Template) -> None:
    # Given every function role
    callers = []
    for module in stack.functions.roles:
        for statement in role_statements(template, function_role_id(stack, module)):
            if "translate:TranslateText" in as_list(statement["Action"]):
                callers.append(module)
                # Then TranslateText stands alone in its statement ("*": it has no resource type)
                assert as_list(statement["Action"]) == ["translate:TranslateText"]
    assert callers == ["translate_baseline"]
    # And that function touches nothing but the evaluation files of the work bucket
    statements = role_statements(template, function_role_id(stack, "translate_baseline"))
    s3_objects = [
        r
        for s in statements
        if any(a.startswith("s3:") and "Object" in a for a in as_list(s["Action"]))
        for r in as_list(s["Resource"])
    ]
    assert s3_objects and all(json.dumps(r).endswith('/jobs/*/evaluation/*"]]}') for r in s3_objects)
    assert not [
        s for s in statements if any(a.startswith(("translate:Start", "iam:")) for a in as_list(s["Action"]))
    ]


def test_parallel_data_actions_name_the_configured_resources(stack: AmtsStack, template: Template) -> None:
    statements = role_statements(template, function_role_id(stack, "prepare_parallel_data"))
    (manage,) = [s for s in statements if s.get("Sid") == "ManageOwnParallelData"]
    rendered = json.dumps(manage["Resource"])
    for pair in stack.settings.language_pairs:
        assert f"parallel-data/{stack.settings.parallel_data_name_for(pair)}" in rendered
    assert "*" not in rendered


def test_only_token_answerers_may_send_task_results_for_this_state_machine(
    stack: AmtsStack, template: Template
) -> None:
    sm_id = stack.get_logical_id(stack.workflow.state_machine.node.default_child)
    senders = []
    for module in stack.functions.roles:
        statements = role_statements(template, function_role_id(stack, module))
        for statement in statements:
            actions = as_list(statement["Action"])
            if any(a.startswith("states:SendTask") for a in actions):
                senders.append(module)
                # Then only this state machine's tokens, never "*"
                assert statement["Resource"] == {"Ref": sm_id}
                assert sorted(actions) == [
                    "states:SendTaskFailure",
                    "states:SendTaskHeartbeat",
                    "states:SendTaskSuccess",
                ]
    assert sorted(senders) == ["poller", "prepare_parallel_data"]


# --- Lambda ------------------------------------------------------------------------------------
def test_lambdas_are_arm64_traced_python_with_powertools_and_design_environment(template: Template) -> None:
    functions = resources(template, "AWS::Lambda::Function")
    handlers = set()
    for rid, fn in functions.items():
        props = fn["Properties"]
        assert props["Architectures"] == ["arm64"], rid
        assert re.fullmatch(r"python3\.(1[2-9])", props["Runtime"]), rid
        assert props["TracingConfig"] == {"Mode": "Active"}, rid
        assert len(props["Layers"]) == 1, rid
        env = props["Environment"]["Variables"]
        for name in (
            "AMTS_SOURCE_BUCKET",
            "AMTS_REFERENCE_BUCKET",
            "AMTS_WORK_BUCKET",
            "AMTS_OUTPUT_BUCKET",
            "AMTS_REPORTS_BUCKET",
            "AMTS_TOKEN_TABLE",
            "AMTS_DATA_ACCESS_ROLE_ARN",
            "AMTS_LANGUAGE_PAIRS",
            "AMTS_GRANULARITY",
            "AMTS_PARALLEL_DATA_NAME",
            "AMTS_RUN_BASELINE",
            "AMTS_MIN_CONFIDENCE",
        ):
            assert name in env, (rid, name)
        assert env["POWERTOOLS_SERVICE_NAME"] == "amts"
        assert env["POWERTOOLS_METRICS_NAMESPACE"] == "AMTS"
        assert env["AMTS_LANGUAGE_PAIRS"] == "en:zh,en:es,zh:en"
        handlers.add(props["Handler"])
    assert handlers == {f"amts.handlers.{spec.module}.handler" for spec in SPECS}


def test_translate_callers_have_reserved_concurrency(stack: AmtsStack, template: Template) -> None:
    for spec in SPECS:
        fn = template.to_json()["Resources"][logical_id(stack, stack.functions.by_module[spec.module])]
        reserved = fn["Properties"].get("ReservedConcurrentExecutions")
        assert reserved == (stack.settings.reserved_concurrency if spec.reserved else None), spec.module


# --- workflow ----------------------------------------------------------------------------------
def state_machine(template: Template) -> dict[str, Any]:
    (sm,) = resources(template, "AWS::StepFunctions::StateMachine").values()
    return sm["Properties"]


def test_state_machine_is_standard_logged_and_traced(template: Template) -> None:
    props = state_machine(template)
    assert props["StateMachineType"] == "STANDARD"
    assert props["TracingConfiguration"] == {"Enabled": True}
    # Execution data (task tokens, keys) stays out of the logs unless logExecutionData asks for it
    assert props["LoggingConfiguration"]["Level"] == "ERROR"
    assert props["LoggingConfiguration"]["IncludeExecutionData"] is False


def test_every_asl_placeholder_is_substituted(template: Template) -> None:
    props = state_machine(template)
    definition = props["DefinitionString"]
    substitutions = props["DefinitionSubstitutions"]
    # Given the placeholders of the real ASL file
    wanted = placeholders(ASL_PATH.read_text(encoding="utf-8"))
    # Then each one has a substitution, and after substituting no "${" is left at all
    assert wanted and wanted == set(substitutions)
    rendered = definition
    for key in substitutions:
        rendered = rendered.replace("${" + key + "}", "SUBSTITUTED")
    assert "${" not in rendered
    # And the definition Step Functions parses is the file's definition
    assert json.loads(definition) == json.loads(ASL_PATH.read_text(encoding="utf-8"))


def test_every_lambda_the_asl_calls_is_granted_invoke(stack: AmtsStack, template: Template) -> None:
    props = state_machine(template)
    asl = ASL_PATH.read_text(encoding="utf-8")
    called = {p for p in placeholders(asl) if p.endswith("FunctionArn")}
    role_id = props["RoleArn"]["Fn::GetAtt"][0]
    invoke = [
        s for s in role_statements(template, role_id) if "lambda:InvokeFunction" in as_list(s["Action"])
    ]
    granted = [r for s in invoke for r in as_list(s["Resource"])]
    for name in called:
        assert props["DefinitionSubstitutions"][name] in granted, name
    # And nothing else: the poller is not callable by the workflow
    poller = {"Fn::GetAtt": [logical_id(stack, stack.functions.by_module["poller"]), "Arn"]}
    assert poller not in granted
    assert len(granted) == len(called)


# --- triggers ----------------------------------------------------------------------------------
def test_uploads_reach_the_state_machine_through_a_batching_pipe(
    stack: AmtsStack, template: Template
) -> None:
    source_id = bucket_id(template, "StorageSource")
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.s3"],
                "detail-type": ["Object Created"],
                "detail": {"bucket": {"name": [{"Ref": source_id}]}, "object": {"key": [{"suffix": ".md"}]}},
            },
            "Targets": [Match.object_like({"Arn": {"Fn::GetAtt": [Match.any_value(), "Arn"]}})],
        },
    )
    (pipe,) = resources(template, "AWS::Pipes::Pipe").values()
    props = pipe["Properties"]
    assert props["SourceParameters"]["SqsQueueParameters"] == {
        "BatchSize": stack.settings.batch_size,
        "MaximumBatchingWindowInSeconds": stack.settings.batch_window_seconds,
    }
    assert props["TargetParameters"]["StepFunctionStateMachineParameters"] == {
        "InvocationType": "FIRE_AND_FORGET"
    }
    assert props["Target"] == {"Ref": stack.get_logical_id(stack.workflow.state_machine.node.default_child)}


def test_pipe_passes_one_slim_record_per_upload(template: Template) -> None:
    # Given the synthesized Pipe
    (pipe,) = resources(template, "AWS::Pipes::Pipe").values()
    # Then its target InputTemplate is the shared slim-record template (applied per message)
    from amts.trigger_record import PIPE_INPUT_TEMPLATE, render_template

    shape = pipe["Properties"]["TargetParameters"]["InputTemplate"]
    assert shape == PIPE_INPUT_TEMPLATE
    # And it reads bucket, key, version and sequencer from the EventBridge event in the body
    for path in (
        "detail.bucket.name",
        "detail.object.key",
        "detail.object.version-id",
        "detail.object.sequencer",
    ):
        assert f'"<$.body.{path}>"' in shape
    event = {
        "detail": {"bucket": {"name": "b"}, "object": {"key": "en/a.md", "version-id": "v", "sequencer": "1"}}
    }
    assert render_template(shape, {"body": json.dumps(event)}) == {
        "bucket": "b",
        "key": "en/a.md",
        "version": "v",
        "sequencer": "1",
    }


def test_queues_are_encrypted_tls_only_and_have_a_dead_letter_queue(template: Template) -> None:
    queues = resources(template, "AWS::SQS::Queue")
    # The upload queue, its dead-letter queue, and the operational dead-letter queue
    assert len(queues) == 3
    assert all(q["Properties"]["SqsManagedSseEnabled"] is True for q in queues.values())
    assert sum("RedrivePolicy" in q["Properties"] for q in queues.values()) == 1
    denies = [
        s
        for p in resources(template, "AWS::SQS::QueuePolicy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert len(denies) == 3


def test_translate_events_and_schedule_invoke_the_poller(stack: AmtsStack, template: Template) -> None:
    poller = {"Fn::GetAtt": [logical_id(stack, stack.functions.by_module["poller"]), "Arn"]}
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.translate"],
                "detail-type": [
                    "Translate TextTranslationJob State Change",
                    "Translate Parallel Data State Change",
                ],
            },
            "Targets": [Match.object_like({"Arn": poller})],
        },
    )
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": f"rate({stack.settings.poller_schedule_minutes} minutes)",
            "Targets": [Match.object_like({"Arn": poller})],
        },
    )


def test_outputs_give_bucket_names_state_machine_and_console_link(template: Template) -> None:
    outputs = template.to_json()["Outputs"]
    for name in ("SourceBucketName", "OutputBucketName", "ReportsBucketName", "StateMachineArn"):
        assert name in outputs
    console = json.dumps(outputs["StateMachineConsoleUrl"]["Value"])
    assert "console.aws.amazon.com/states/home?region=" in console and "#/statemachines/view/" in console


# --- cdk-nag -----------------------------------------------------------------------------------
def test_cdk_nag_reports_no_unsuppressed_finding(annotations: Annotations) -> None:
    findings = annotations.find_error(
        "*", Match.string_like_regexp("AwsSolutions-.*")
    ) + annotations.find_warning("*", Match.string_like_regexp("AwsSolutions-.*"))
    assert findings == []


def test_every_suppression_is_scoped_and_explained(template: Template) -> None:
    suppressions = [
        rule
        for res in template.to_json()["Resources"].values()
        for rule in res.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]
    assert suppressions
    # Findings about a whole resource (no "applies to" part): the only two taken on purpose
    whole_resource = {"AwsSolutions-SF1", "AwsSolutions-SQS3"}
    for rule in suppressions:
        # No blanket suppression: every one names the finding it covers, with a real reason
        assert rule.get("applies_to") or rule["id"] in whole_resource, rule
        assert len(rule["reason"]) > 80, rule
