"""The DynamoDB task-token table: Translate job / parallel-data name → Step Functions task token.

Items: ``pk`` (``job#<jobId>``, ``pd#<name>``, or ``obj#…`` for trigger de-duplication claims),
``taskToken``, ``execution``, ``kind``, ``createdAt``, ``expiresAt`` (the table's TTL attribute).
DynamoDB deletes expired items lazily (up to days later), so reads treat an expired item as absent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from amts.ports import TokenRecord

CALLBACK_KINDS = ("job", "parallel-data")


class DynamoTokenStore:
    """TokenStore on a DynamoDB table (boto3 client or resource; created lazily when None)."""

    def __init__(
        self, client: Any = None, table_name: str | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        if table_name is None:
            if not isinstance(client, str):
                raise TypeError("DynamoTokenStore needs a table name")
            client, table_name = None, client
        if client is not None and hasattr(client, "Table"):  # a boto3 resource
            client = client.meta.client
        self._client_obj = client
        self.table_name = table_name
        self._clock = clock

    @property
    def _client(self) -> Any:
        if self._client_obj is None:
            import boto3

            self._client_obj = boto3.client("dynamodb")
        return self._client_obj

    def _now(self) -> int:
        return int(self._clock())

    def put(self, key: str, task_token: str, execution: str, kind: str, ttl_seconds: int) -> None:
        now = self._now()
        self._client.put_item(
            TableName=self.table_name,
            Item={
                "pk": {"S": key},
                "taskToken": {"S": task_token},
                "execution": {"S": execution},
                "kind": {"S": kind},
                "createdAt": {"N": str(now)},
                "expiresAt": {"N": str(now + ttl_seconds)},
            },
        )

    def get(self, key: str) -> TokenRecord | None:
        response = self._client.get_item(
            TableName=self.table_name, Key={"pk": {"S": key}}, ConsistentRead=True
        )
        item = response.get("Item")
        if not item:
            return None
        record = _record(item)
        return None if record.expires_at <= self._now() else record

    def delete(self, key: str) -> bool:
        """Conditional delete: exactly one of two concurrent pollers gets True."""
        try:
            self._client.delete_item(
                TableName=self.table_name,
                Key={"pk": {"S": key}},
                ConditionExpression="attribute_exists(pk)",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def pending(self) -> list[TokenRecord]:
        now = self._now()
        records: list[TokenRecord] = []
        paginator = self._client.get_paginator("scan")
        for page in paginator.paginate(
            TableName=self.table_name,
            FilterExpression="#k IN (:job, :pd) AND expiresAt > :now",
            ExpressionAttributeNames={"#k": "kind"},
            ExpressionAttributeValues={
                ":job": {"S": CALLBACK_KINDS[0]},
                ":pd": {"S": CALLBACK_KINDS[1]},
                ":now": {"N": str(now)},
            },
            ConsistentRead=True,
        ):
            records.extend(_record(item) for item in page.get("Items", []))
        return sorted(records, key=lambda r: (r.created_at, r.key))

    def claim_once(self, key: str, ttl_seconds: int) -> bool:
        """True the first time ``key`` is claimed; an expired claim (TTL lag) can be claimed again."""
        now = self._now()
        try:
            self._client.put_item(
                TableName=self.table_name,
                Item={
                    "pk": {"S": key},
                    "kind": {"S": "claim"},
                    "createdAt": {"N": str(now)},
                    "expiresAt": {"N": str(now + ttl_seconds)},
                },
                ConditionExpression="attribute_not_exists(pk) OR expiresAt <= :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True


def _record(item: dict[str, Any]) -> TokenRecord:
    return TokenRecord(
        key=item["pk"]["S"],
        task_token=item.get("taskToken", {}).get("S", ""),
        execution=item.get("execution", {}).get("S", ""),
        kind=item.get("kind", {}).get("S", ""),
        created_at=int(item.get("createdAt", {}).get("N", "0")),
        expires_at=int(item.get("expiresAt", {}).get("N", "0")),
    )
