"""The data-access role that Amazon Translate assumes for batch translation jobs.

Translate reads the job input and writes the job output with this role, not with the caller's
credentials. The trust policy names the service and pins it to this account and to Translate
resources of this region (``aws:SourceAccount`` / ``aws:SourceArn``), the confused-deputy
guard the Translate guide recommends. The role may read only the batch-input and
parallel-data prefixes of the work bucket and write only the batch-output prefix.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

# Work-bucket layout (docs/DESIGN.md). Run ids and language pairs are only known at run time,
# hence the wildcards inside the key patterns.
INPUT_KEYS = ("jobs/*/input/*", "parallel-data/*")
OUTPUT_KEYS = ("jobs/*/output/*",)
INPUT_PREFIX_PATTERNS = ("jobs/*/input/*", "parallel-data/*")
OUTPUT_PREFIX_PATTERNS = ("jobs/*/output/*",)


class TranslateDataAccess(Construct):
    """``role``: the role passed as DataAccessRoleArn to StartTextTranslationJob."""

    def __init__(self, scope: Construct, construct_id: str, *, work_bucket: s3.IBucket) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        source_arn = stack.format_arn(service="translate", resource="*")
        self.role = iam.Role(
            self,
            "Role",
            description="Assumed by Amazon Translate to read batch input and write batch output (AMTS)",
            assumed_by=iam.ServicePrincipal(
                "translate.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {"aws:SourceArn": source_arn},
                },
            ),
        )
        policy = iam.Policy(
            self,
            "WorkBucketAccess",
            statements=[
                iam.PolicyStatement(
                    sid="ReadJobInputAndParallelData",
                    actions=["s3:GetObject"],
                    resources=[work_bucket.arn_for_objects(key) for key in INPUT_KEYS],
                ),
                iam.PolicyStatement(
                    sid="ListJobFolders",
                    actions=["s3:ListBucket"],
                    resources=[work_bucket.bucket_arn],
                    conditions={
                        "StringLike": {"s3:prefix": [*INPUT_PREFIX_PATTERNS, *OUTPUT_PREFIX_PATTERNS]}
                    },
                ),
                iam.PolicyStatement(
                    sid="WriteJobOutput",
                    actions=["s3:PutObject"],
                    resources=[work_bucket.arn_for_objects(key) for key in OUTPUT_KEYS],
                ),
            ],
        )
        policy.attach_to_role(self.role)
        self.policy = policy


# Functions that name a custom terminology: Start Translation Job imports it (once per content)
# and names it on the job; Translate Without ACT names it on TranslateText.
TERMINOLOGY_USERS = ("start_translation", "translate_baseline")


def terminology_statement(stack: Stack, names: list[str]) -> iam.PolicyStatement:
    """ImportTerminology / GetTerminology on exactly AMTS's own terminologies, one per configured
    pair whose non-English language names a glossary (``<parallelDataName>-terms-<src>-<tgt>``).
    A job or TranslateText call that names a terminology is authorized against it with
    GetTerminology; no List/Delete is granted."""
    return iam.PolicyStatement(
        sid="ManageOwnTerminology",
        actions=["translate:ImportTerminology", "translate:GetTerminology"],
        resources=[
            stack.format_arn(service="translate", resource="terminology", resource_name=name)
            for name in sorted(set(names))
        ],
    )


def grant_terminology(
    stack: Stack,
    functions: dict[str, iam.IGrantable],
    terminology_names: list[str],
    reference_bucket: s3.IBucket,
    glossary_keys: list[str],
) -> None:
    """Attach :func:`terminology_statement`, and read access to exactly the configured glossary
    keys of the reference bucket, to the functions that use a terminology."""
    statements = [
        terminology_statement(stack, terminology_names),
        iam.PolicyStatement(
            sid="ReadConfiguredGlossaries",
            actions=["s3:GetObject"],
            resources=[reference_bucket.arn_for_objects(key) for key in sorted(set(glossary_keys))],
        ),
    ]
    for name in TERMINOLOGY_USERS:
        grantee = functions.get(name)
        if grantee is not None:
            for statement in statements:
                grantee.grant_principal.add_to_principal_policy(statement)
