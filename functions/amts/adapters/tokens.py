"""The DynamoDB task-token table: Translate job / parallel-data name → Step Functions task token.

Items: ``pk`` (``job#<jobId>``, ``pd#<name>#<execution>``, ``obj#…`` claims of object versions,
``lease#…`` leases), ``taskToken``, ``execution`` (for claims and leases: the owner), ``kind``,
``outcome`` (claims: processing | done | failed), ``createdAt``, ``expiresAt`` (the table's TTL
attribute). Every write that could clash with another execution is conditional.
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
        # A boto3 resource's client (de)serialises attribute values itself: plain values go in.
        self._plain = client is not None and hasattr(client, "Table")
        if self._plain:
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

    def _s(self, value: str) -> Any:
        return value if self._plain else {"S": value}

    def _n(self, value: int) -> Any:
        return value if self._plain else {"N": str(value)}

    def put(self, key: str, task_token: str, execution: str, kind: str, ttl_seconds: int) -> None:
        now = self._now()
        self._client.put_item(
            TableName=self.table_name,
            Item={
                "pk": self._s(key),
                "taskToken": self._s(task_token),
                "execution": self._s(execution),
                "kind": self._s(kind),
                "createdAt": self._n(now),
                "expiresAt": self._n(now + ttl_seconds),
            },
        )

    def get(self, key: str) -> TokenRecord | None:
        response = self._client.get_item(
            TableName=self.table_name, Key={"pk": self._s(key)}, ConsistentRead=True
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
                Key={"pk": self._s(key)},
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
                ":job": self._s(CALLBACK_KINDS[0]),
                ":pd": self._s(CALLBACK_KINDS[1]),
                ":now": self._n(now),
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
                    "pk": self._s(key),
                    "kind": self._s("claim"),
                    "createdAt": self._n(now),
                    "expiresAt": self._n(now + ttl_seconds),
                },
                ConditionExpression="attribute_not_exists(pk) OR expiresAt <= :now",
                ExpressionAttributeValues={":now": self._n(now)},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # --- RunLedger: claims with an outcome, leases ---------------------------------------------

    def _conditional_put(self, item: dict[str, Any], condition: str, values: dict[str, Any]) -> bool:
        try:
            self._client.put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
                **({"ExpressionAttributeNames": {"#o": "outcome"}} if "#o" in condition else {}),
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _item(self, key: str, kind: str, owner: str, ttl_seconds: int, **extra: str) -> dict[str, Any]:
        now = self._now()
        item = {
            "pk": self._s(key),
            "kind": self._s(kind),
            "execution": self._s(owner),
            "createdAt": self._n(now),
            "expiresAt": self._n(now + ttl_seconds),
        }
        item.update({k: self._s(v) for k, v in extra.items()})
        return item

    def claim(self, key: str, owner: str, ttl_seconds: int) -> bool:
        """Take ``key`` unless a live claim is processing or done (a failed one can be taken)."""
        return self._conditional_put(
            self._item(key, "claim", owner, ttl_seconds, outcome="processing"),
            "attribute_not_exists(pk) OR expiresAt <= :now OR #o = :failed",
            {":now": self._n(self._now()), ":failed": self._s("failed")},
        )

    def set_outcome(self, key: str, owner: str, outcome: str, ttl_seconds: int) -> bool:
        """Record done/failed on a claim this owner holds (another run's claim is left alone)."""
        return self._conditional_put(
            self._item(key, "claim", owner, ttl_seconds, outcome=outcome),
            "attribute_not_exists(pk) OR execution = :owner",
            {":owner": self._s(owner)},
        )

    def acquire_lease(self, key: str, owner: str, ttl_seconds: int) -> bool:
        """True when ``owner`` holds the lease now (taken, renewed, or taken over after expiry)."""
        return self._conditional_put(
            self._item(key, "lease", owner, ttl_seconds),
            "attribute_not_exists(pk) OR expiresAt <= :now OR execution = :owner",
            {":now": self._n(self._now()), ":owner": self._s(owner)},
        )

    def release_lease(self, key: str, owner: str) -> bool:
        try:
            self._client.delete_item(
                TableName=self.table_name,
                Key={"pk": self._s(key)},
                ConditionExpression="execution = :owner",
                ExpressionAttributeValues={":owner": self._s(owner)},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def put_once(self, key: str, task_token: str, execution: str, kind: str, ttl_seconds: int) -> bool:
        item = self._item(key, kind, execution, ttl_seconds, taskToken=task_token)
        return self._conditional_put(
            item,
            "attribute_not_exists(pk) OR execution = :owner OR expiresAt <= :now",
            {":owner": self._s(execution), ":now": self._n(self._now())},
        )


def _value(item: dict[str, Any], name: str, default: str = "") -> str:
    """An attribute as text, from a low-level ({"S": ..}/{"N": ..}) or a deserialised item."""
    raw = item.get(name)
    if raw is None:
        return default
    if isinstance(raw, dict):
        return str(raw.get("S", raw.get("N", default)))
    return str(raw)


def _record(item: dict[str, Any]) -> TokenRecord:
    return TokenRecord(
        key=_value(item, "pk"),
        task_token=_value(item, "taskToken"),
        execution=_value(item, "execution"),
        kind=_value(item, "kind"),
        created_at=int(_value(item, "createdAt", "0")),
        expires_at=int(_value(item, "expiresAt", "0")),
    )
