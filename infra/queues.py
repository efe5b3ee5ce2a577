"""One way to make an SQS queue, so every queue of the stack gets the same protections.

Encryption at rest (SQS-managed keys: EventBridge and Lambda destinations may send to it without a
key policy) and TLS-only access are not per-queue choices; retention and the rest are.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

DEAD_LETTER_RETENTION = Duration.days(14)  # the SQS maximum: time for an operator to look


def secure_queue(
    scope: Construct, construct_id: str, *, retention_period: Duration, **options: Any
) -> sqs.Queue:
    """An SSE-SQS encrypted, TLS-only queue; ``options`` are the other ``sqs.Queue`` settings."""
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=retention_period,
        **options,
    )


def dead_letter_queue(scope: Construct, construct_id: str) -> sqs.Queue:
    """A queue that keeps what could not be delivered for the longest SQS allows."""
    return secure_queue(scope, construct_id, retention_period=DEAD_LETTER_RETENTION)
