"""DynamoTokenStore on moto: records, conditional delete, pending scan, claim-once, TTL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from amts.adapters.tokens import DynamoTokenStore
from amts.ports import TokenStore
from moto import mock_aws

TABLE = "amts-tokens"


class Clock:
    def __init__(self, now: float = 1_700_000_000) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def test_put_get_and_the_item_shape(dynamodb: Any) -> None:
    # Given a store
    clock = Clock()
    store = DynamoTokenStore(dynamodb, TABLE, clock=clock)
    # When a job token is stored
    store.put("job#abc", "token-1", "exec-1", "job", ttl_seconds=3600)
    # Then it reads back and the item has the documented attributes (TTL in expiresAt)
    assert isinstance(store, TokenStore)
    record = store.get("job#abc")
    assert record is not None
    assert (record.task_token, record.execution, record.kind) == ("token-1", "exec-1", "job")
    assert record.expires_at - record.created_at == 3600
    item = dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "job#abc"}})["Item"]
    assert set(item) == {"pk", "taskToken", "execution", "kind", "createdAt", "expiresAt"}


def test_delete_is_conditional(dynamodb: Any) -> None:
    # Given a stored record
    store = DynamoTokenStore(dynamodb, TABLE)
    store.put("pd#amts", "t", "e", "parallel-data", 60)
    # When two pollers delete it
    # Then only the first succeeds
    assert store.delete("pd#amts") is True
    assert store.delete("pd#amts") is False
    assert store.get("pd#amts") is None


def test_pending_lists_callbacks_but_not_claims_or_expired(dynamodb: Any) -> None:
    # Given a job, a parallel-data record, a dedupe claim and an expired record
    clock = Clock()
    store = DynamoTokenStore(boto3.resource("dynamodb", region_name="us-east-1"), TABLE, clock=clock)
    store.put("job#1", "t1", "e", "job", 600)
    store.put("pd#amts", "t2", "e", "parallel-data", 600)
    store.claim_once("obj#src/en/a.md#v1", 600)
    store.put("job#old", "t3", "e", "job", 10)
    clock.now += 100
    # Then pending holds exactly the two live callback records, and the expired one reads as absent
    assert sorted(r.key for r in store.pending()) == ["job#1", "pd#amts"]
    assert store.get("job#old") is None


def test_claim_once_is_first_writer_wins_until_expiry(dynamodb: Any) -> None:
    clock = Clock()
    store = DynamoTokenStore(dynamodb, TABLE, clock=clock)
    # Given a first claim
    assert store.claim_once("obj#k#v1", 60) is True
    # Then a duplicate event is refused
    assert store.claim_once("obj#k#v1", 60) is False
    # And after expiry (before DynamoDB's TTL sweeper removed it) the key can be claimed again
    clock.now += 61
    assert store.claim_once("obj#k#v1", 60) is True


def test_claims_record_the_outcome_and_a_failed_version_can_be_claimed_again(dynamodb: Any) -> None:
    # Given a version claimed by one execution
    store = DynamoTokenStore(dynamodb, TABLE, clock=Clock())
    assert store.claim("obj#b/en/a.md#v1", "exec-1", 3600) is True
    # Then a duplicate delivery while it is processing, or once done, claims nothing
    assert store.claim("obj#b/en/a.md#v1", "exec-2", 3600) is False
    assert store.set_outcome("obj#b/en/a.md#v1", "exec-1", "done", 3600) is True
    assert store.claim("obj#b/en/a.md#v1", "exec-2", 3600) is False
    # And a version whose processing failed is claimed again by the next delivery
    assert store.claim("obj#b/en/a.md#v2", "exec-1", 3600) is True
    assert store.set_outcome("obj#b/en/a.md#v2", "exec-1", "failed", 3600) is True
    assert store.claim("obj#b/en/a.md#v2", "exec-3", 3600) is True
    # And an execution cannot settle a claim another execution now holds
    assert store.set_outcome("obj#b/en/a.md#v2", "exec-1", "done", 3600) is False


def test_lease_has_one_owner_until_released_or_expired(dynamodb: Any) -> None:
    clock = Clock()
    store = DynamoTokenStore(dynamodb, TABLE, clock=clock)
    # Given a lease held by one execution
    assert store.acquire_lease("lease#pd#x", "exec-1", 60) is True
    # Then another execution cannot take it, the owner can renew it, a stranger cannot release it
    assert store.acquire_lease("lease#pd#x", "exec-2", 60) is False
    assert store.acquire_lease("lease#pd#x", "exec-1", 60) is True
    assert store.release_lease("lease#pd#x", "exec-2") is False
    # And once released (or expired) the next execution gets it
    assert store.release_lease("lease#pd#x", "exec-1") is True
    assert store.acquire_lease("lease#pd#x", "exec-2", 60) is True
    clock.now += 61
    assert store.acquire_lease("lease#pd#x", "exec-3", 60) is True


def test_task_token_records_of_two_executions_never_overwrite_each_other(dynamodb: Any) -> None:
    store = DynamoTokenStore(dynamodb, TABLE, clock=Clock())
    # Given a waiting step's record
    assert store.put_once("pd#x#exec-1", "token-1", "exec-1", "parallel-data", 60) is True
    # Then another execution cannot write over it; the same execution's retry can
    assert store.put_once("pd#x#exec-1", "token-2", "exec-2", "parallel-data", 60) is False
    assert store.put_once("pd#x#exec-1", "token-3", "exec-1", "parallel-data", 60) is True
    record = store.get("pd#x#exec-1")
    assert record is not None and record.task_token == "token-3"
