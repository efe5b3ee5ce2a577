"""Buckets and the task-token table.

One bucket per concern (docs/DESIGN.md) rather than prefixes in one bucket: IAM policies,
lifecycle rules, versioning and the upload trigger then attach to a whole bucket, so a policy
never depends on a prefix being spelled right, and users can point tools (aws s3 sync, the
console) at "the sources" or "the translations" directly.

Security defaults on every bucket: S3-managed encryption (SSE-S3), all public access blocked,
bucket-owner-enforced object ownership (no ACLs), a bucket policy that denies plain-HTTP
requests, and server access logs into a dedicated log bucket. SSE-S3 instead of KMS: Amazon
Translate's data-access role and every Lambda would need key grants, a customer-managed key
costs $1/month while idle, and it would not add access control beyond the bucket policies.

Removal: buckets with user data (sources, human references, translations, reports, access
logs) are RETAINed by ``cdk destroy``: deleting a stack must never delete a translation.
No bucket uses ``auto_delete_objects``: its custom resource would need a Lambda with broad S3
rights. The work bucket only holds regenerable intermediates and expires them itself, but is
retained too (a non-empty bucket cannot be deleted by CloudFormation); docs/DEPLOY.md lists the
cleanup commands. The token table only holds in-flight task tokens and is destroyed.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

WORK_DATA_DAYS = 30  # parallel-data files, batch input/output, plans: regenerable
NONCURRENT_VERSION_DAYS = 90  # previous versions of sources/translations: enough for a sync
ACCESS_LOG_DAYS = 365
TOKEN_TTL_ATTRIBUTE = "expiresAt"


@dataclass(frozen=True)
class BucketSpec:
    construct_id: str
    versioned: bool
    log_prefix: str


class Storage(Construct):
    """The five data buckets, their access-log bucket and the task-token table."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)

        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=Duration.days(ACCESS_LOG_DAYS),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
        )

        # The sync diffs a changed file against its previous version: versioning is required.
        self.source = self._bucket("Source", versioned=True, log_prefix="source/")
        # Human translations: versioned so an accidental overwrite can be undone.
        self.reference = self._bucket("Reference", versioned=True, log_prefix="reference/")
        # Machine output: versioned so a bad run can be rolled back file by file.
        self.output = self._bucket("Output", versioned=True, log_prefix="output/")
        self.reports = self._bucket("Reports", versioned=False, log_prefix="reports/")
        self.work = self._bucket(
            "Work",
            versioned=False,
            log_prefix="work/",
            extra_rules=[
                s3.LifecycleRule(id="expire-work-data", expiration=Duration.days(WORK_DATA_DAYS)),
            ],
        )

        # S3 → EventBridge for the upload trigger. Set on the L1 bucket instead of
        # ``event_bridge_enabled=True``, which deploys a notifications custom resource (a Lambda
        # with s3:PutBucketNotification on every bucket) for something CloudFormation does natively.
        cfn_source = self.source.node.default_child
        assert isinstance(cfn_source, s3.CfnBucket)
        cfn_source.add_property_override(
            "NotificationConfiguration.EventBridgeConfiguration", {"EventBridgeEnabled": True}
        )

        self.token_table = dynamodb.TableV2(
            self,
            "TaskTokens",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            billing=dynamodb.Billing.on_demand(),
            time_to_live_attribute=TOKEN_TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryptionV2.dynamo_owned_key(),
            removal_policy=RemovalPolicy.DESTROY,
        )

    @property
    def data_buckets(self) -> dict[str, s3.Bucket]:
        """Environment-variable suffix → bucket, in the order of docs/DESIGN.md."""
        return {
            "SOURCE": self.source,
            "REFERENCE": self.reference,
            "WORK": self.work,
            "OUTPUT": self.output,
            "REPORTS": self.reports,
        }

    def _bucket(
        self,
        construct_id: str,
        *,
        versioned: bool,
        log_prefix: str,
        extra_rules: list[s3.LifecycleRule] | None = None,
    ) -> s3.Bucket:
        rules = [
            s3.LifecycleRule(
                id="abort-incomplete-uploads",
                abort_incomplete_multipart_upload_after=Duration.days(7),
            )
        ]
        if versioned:
            rules.append(
                s3.LifecycleRule(
                    id="expire-old-versions",
                    noncurrent_version_expiration=Duration.days(NONCURRENT_VERSION_DAYS),
                    # Keep a few previous versions whatever their age: the sync needs the last one.
                    noncurrent_versions_to_retain=3,
                )
            )
        rules += extra_rules or []
        return s3.Bucket(
            self,
            construct_id,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=versioned,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=log_prefix,
            lifecycle_rules=rules,
            removal_policy=RemovalPolicy.RETAIN,
        )
