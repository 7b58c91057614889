"""S3 buckets from ``resources.BUCKETS``: encrypted, private, TLS only, versioned, with lifecycle rules.

Server access logs of both go to one log bucket. SES may write raw mail into the mail bucket's
``inbound/`` prefix only (the ``mail`` construct adds that grant through its receipt action).
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from functions.core import resources

_IA_AFTER = {resources.MAIL_BUCKET.logical: 30, resources.ATTACHMENTS_BUCKET.logical: 90}
# The detection state is rewritten after every stream batch: its old versions are only a short
# undo history (the last 20, for a day), not 30 days of copies.
_OLD_VERSIONS = {resources.DETECTION_BUCKET.logical: (1, 20)}  # logical -> (days, versions kept)


def _old_versions(logical: str) -> s3.LifecycleRule:
    if logical in _OLD_VERSIONS:
        days, kept = _OLD_VERSIONS[logical]
        return s3.LifecycleRule(
            id="expire-old-versions",
            noncurrent_version_expiration=Duration.days(days),
            noncurrent_versions_to_retain=kept,
        )
    return s3.LifecycleRule(id="expire-old-versions", noncurrent_version_expiration=Duration.days(30))


def _lifecycle(logical: str) -> list[s3.LifecycleRule]:
    rules = [
        s3.LifecycleRule(id="abort-incomplete-uploads", abort_incomplete_multipart_upload_after=Duration.days(7)),
        _old_versions(logical),
        s3.LifecycleRule(
            id="infrequent-access",
            transitions=[
                s3.Transition(
                    storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                    transition_after=Duration.days(_IA_AFTER.get(logical, 90)),
                ),
                s3.Transition(
                    storage_class=s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transition_after=Duration.days(365)
                ),
            ],
        ),
    ]
    if logical == resources.MAIL_BUCKET.logical:
        # Quarantined mail is kept for review, then dropped; accepted mail lives on in its case.
        rules.append(
            s3.LifecycleRule(id="expire-quarantine", prefix=resources.QUARANTINE_PREFIX, expiration=Duration.days(90))
        )
    return rules


class Storage(Construct):
    def __init__(self, scope: Construct, id: str, *, prefix: str, retain: bool) -> None:
        super().__init__(scope, id)
        removal = RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY
        common = dict(
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=removal,
            # dev: the stack empties its buckets (every object version) when it is deleted, through
            # CDK's auto-delete custom resource; prod keeps them (retain_data) and its data.
            auto_delete_objects=not retain,
        )
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            bucket_name=resources.physical_name(prefix, "access-logs"),
            lifecycle_rules=[s3.LifecycleRule(id="expire-logs", expiration=Duration.days(365))],
            **common,
        )
        self.buckets: dict[str, s3.Bucket] = {}
        for b in resources.BUCKETS:
            self.buckets[b.logical] = s3.Bucket(
                self,
                f"Bucket-{b.logical}",
                bucket_name=resources.physical_name(prefix, b.logical),
                versioned=True,
                lifecycle_rules=_lifecycle(b.logical),
                server_access_logs_bucket=self.access_logs,
                server_access_logs_prefix=f"{b.logical}/",
                **common,
            )
