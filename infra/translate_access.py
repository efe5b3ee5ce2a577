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
