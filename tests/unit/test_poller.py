"""The callback poller answers every task token exactly once, whatever order events arrive in."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from amts.adapters.tokens import DynamoTokenStore
from amts.adapters.translate import AmazonTranslateService
from amts.config import Settings
from amts.ports import TokenRecord, TokenStore
from amts.service.deps import Buckets, Deps, set_deps
from amts.service.poller import CallbackPoller, keys_for_event
from moto import mock_aws

from tests.fakes import FakeTranslateClient, InMemoryBlobStore, InMemoryTokenStore, RecordingCallbacks

ROLE = "arn:aws:iam::123456789012:role/amts-translate"
TTL = 3600


def job_event(job_id: str, status: str = "COMPLETED") -> dict[str, Any]:
    return {
        "source": "aws.translate",
        "detail-type": "Translate TextTranslationJob State Change",
        "detail": {"jobId": job_id, "jobStatus": status},
    }


def pd_event(name: str, status: str = "ACTIVE") -> dict[str, Any]:
    return {
        "source": "aws.translate",
        "detail-type": "Translate Parallel Data State Change",
        "detail": {"operation": "UpdateParallelData", "name": name, "status": status},
    }


SCHEDULE = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}


@dataclass
class World:
    fake: FakeTranslateClient
    service: AmazonTranslateService
    tokens: InMemoryTokenStore
    callbacks: RecordingCallbacks
    poller: CallbackPoller

    def start_job(self, token: str = "task-token-1", **script: Any) -> str:
        if script:
            self.fake.script_job(**script)
        job_id = self.service.start_job(
            job_name="amts-run-en-zh",
            input_uri="s3://work/jobs/run/en-zh/input/",
            output_uri="s3://work/jobs/run/en-zh/output/",
            source_lang="en",
            target_lang="zh",
            parallel_data_name=None,
            client_token=f"run-{token}",
        )
        self.tokens.put(f"job#{job_id}", token, "exec-1", "job", TTL)
        return job_id


@pytest.fixture
def world() -> World:
    fake = FakeTranslateClient()  # no S3: job outputs are not needed here
    service = AmazonTranslateService(fake, ROLE)
    tokens = InMemoryTokenStore()
    callbacks = RecordingCallbacks()
    return World(fake, service, tokens, callbacks, CallbackPoller(tokens, callbacks, service))


def test_completed_job_sends_success_with_a_small_output(world: World) -> None:
    # Given a finished job whose token is stored
    job_id = world.start_job(steps=0)
    # When its event arrives
    summary = world.poller.handle_event(job_event(job_id))
    # Then one SendTaskSuccess carries jobId, status, outputUri, documentsFailed; the record is gone
    [call] = world.callbacks.calls
    assert call.kind == "success" and call.task_token == "task-token-1"
    assert call.output == {
        "jobId": job_id,
        "status": "COMPLETED",
        "outputUri": f"s3://work/jobs/run/en-zh/output/123456789012-TranslateText-{job_id}/",
        "documentsFailed": 0,
    }
    assert summary.succeeded == [f"job#{job_id}"]
    assert world.tokens.get(f"job#{job_id}") is None


def test_the_event_is_not_trusted_the_job_is_described(world: World) -> None:
    # Given an event that claims COMPLETED for a job that is still running
    job_id = world.start_job(steps=5)
    # When the event is handled
    world.poller.handle_event(job_event(job_id, "COMPLETED"))
    # Then the job was described and only a heartbeat was sent; the record stays
    assert world.fake.calls_to("DescribeTextTranslationJob") == [{"JobId": job_id}]
    assert [c.kind for c in world.callbacks.calls] == ["heartbeat"]
    assert world.tokens.get(f"job#{job_id}") is not None


def test_completed_with_error_is_a_success_with_the_failed_count() -> None:
    # Given a job over two documents, one of which the service fails on
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="work")
        for name in ("a.html", "b.html"):
            s3.put_object(
                Bucket="work", Key=f"jobs/run/en-zh/input/{name}", Body=b"<html><body></body></html>"
            )
        fake = FakeTranslateClient(s3)
        service = AmazonTranslateService(fake, ROLE)
        tokens, callbacks = InMemoryTokenStore(), RecordingCallbacks()
        w = World(fake, service, tokens, callbacks, CallbackPoller(tokens, callbacks, service))
        job_id = w.start_job(steps=0, final_status="COMPLETED_WITH_ERROR", failed_documents=["b.html"])
        # When its event arrives
        w.poller.handle_event(job_event(job_id, "COMPLETED_WITH_ERROR"))
    # Then it is a success (the assembler handles documents one by one) with the failed count
    [call] = callbacks.calls
    assert call.kind == "success" and call.output is not None
    assert (call.output["status"], call.output["documentsFailed"]) == ("COMPLETED_WITH_ERROR", 1)


@pytest.mark.parametrize("status", ["FAILED", "STOPPED"])
def test_failed_or_stopped_job_sends_failure_with_an_actionable_cause(world: World, status: str) -> None:
    # Given a job that ends badly
    job_id = world.start_job(steps=0, final_status=status, message="Access denied for the input prefix")
    # When the schedule polls
    summary = world.poller.handle_event(SCHEDULE)
    # Then SendTaskFailure names TranslationJobFailed, the job, its status and the service's reason
    [call] = world.callbacks.calls
    assert (call.kind, call.error) == ("failure", "TranslationJobFailed")
    assert call.cause is not None
    assert job_id in call.cause and status in call.cause and "Access denied" in call.cause
    assert summary.failed == [f"job#{job_id}"]
    assert world.tokens.pending() == []


def test_running_job_gets_a_heartbeat_and_stays_pending(world: World) -> None:
    job_id = world.start_job(never_finish=True)
    summary = world.poller.handle_event(SCHEDULE)
    assert summary.heartbeats == [f"job#{job_id}"]
    assert [c.kind for c in world.callbacks.calls] == ["heartbeat"]
    assert [r.key for r in world.tokens.pending()] == [f"job#{job_id}"]


def _parallel_data(world: World, **script: Any) -> None:
    world.fake.script_parallel_data(steps=0)
    world.service.ensure_parallel_data("amts-d2l", "s3://work/pd/r1.tsv", "tsv")
    world.fake.get_parallel_data(Name="amts-d2l")  # now ACTIVE
    if script:
        world.fake.script_parallel_data(**script)
        world.service.ensure_parallel_data("amts-d2l", "s3://work/pd/r2.tsv", "tsv")
    world.tokens.put("pd#amts-d2l#exec-1", "pd-token", "exec-1", "parallel-data", TTL)


def test_active_parallel_data_sends_success(world: World) -> None:
    _parallel_data(world)
    world.poller.handle_event(pd_event("amts-d2l"))
    [call] = world.callbacks.calls
    assert (call.kind, call.task_token, call.output) == (
        "success",
        "pd-token",
        {"name": "amts-d2l", "status": "ACTIVE"},
    )


def test_parallel_data_stuck_updating_gets_heartbeats(world: World) -> None:
    # Given an update that never finishes
    _parallel_data(world, stuck=True)
    # When polled twice
    world.poller.handle_event(SCHEDULE)
    world.poller.handle_event(SCHEDULE)
    # Then two heartbeats and nothing else: the task's heartbeat timeout will end the wait
    assert [c.kind for c in world.callbacks.calls] == ["heartbeat", "heartbeat"]


def test_failed_parallel_data_update_falls_back_to_the_active_version(world: World) -> None:
    # Given an ACTIVE resource whose latest update FAILED
    _parallel_data(world, steps=0, final_status="FAILED", message="Record 12 starts with '='")
    world.poller.handle_event(pd_event("amts-d2l", "ACTIVE"))
    # Then the wait succeeds on the previous ACTIVE data, saying so and why
    [call] = world.callbacks.calls
    assert call.kind == "success" and call.output is not None
    assert call.output["status"] == "ACTIVE" and call.output["fallback"] is True
    assert "Record 12" in str(call.output["message"])


def test_failed_parallel_data_creation_sends_failure(world: World) -> None:
    # Given a resource whose creation FAILED (no previous version to fall back to)
    world.fake.script_parallel_data(steps=0, final_status="FAILED", message="Record 12 starts with '='")
    world.service.ensure_parallel_data("amts-d2l", "s3://work/pd/r1.tsv", "tsv")
    world.tokens.put("pd#amts-d2l#exec-1", "pd-token", "exec-1", "parallel-data", TTL)
    world.poller.handle_event(pd_event("amts-d2l", "FAILED"))
    [call] = world.callbacks.calls
    assert (call.kind, call.error) == ("failure", "ParallelDataFailed")
    assert call.cause is not None and "Record 12" in call.cause


def test_two_executions_waiting_on_one_resource_are_both_answered(world: World) -> None:
    # Given two executions parked on the same parallel data (one record each, keyed by execution)
    _parallel_data(world)
    world.tokens.put("pd#amts-d2l#exec-2", "pd-token-2", "exec-2", "parallel-data", TTL)
    # When the resource's state-change event arrives
    world.poller.handle_event(pd_event("amts-d2l"))
    # Then each task token gets its own success
    assert sorted(c.task_token for c in world.callbacks.calls if c.kind == "success") == [
        "pd-token",
        "pd-token-2",
    ]


def test_unknown_token_is_skipped_without_calls(world: World) -> None:
    summary = world.poller.handle_event(job_event("not-ours"))
    assert summary.skipped == ["job#not-ours"]
    assert world.callbacks.calls == [] and world.fake.calls == []


def test_record_of_a_job_the_service_does_not_know_is_failed(world: World) -> None:
    world.tokens.put("job#deadbeef", "tok", "exec", "job", TTL)
    world.poller.handle_event(SCHEDULE)
    [call] = world.callbacks.calls
    assert (call.kind, call.error) == ("failure", "TranslationJobFailed")


def test_one_bad_record_never_stops_the_batch(world: World) -> None:
    # Given two finished jobs, and a throttled first Describe
    world.start_job("tok-a", steps=0)
    world.start_job("tok-b", steps=0)
    first, second = (r.key for r in world.tokens.pending())  # the order the poller sees them
    world.fake.throttle_next("DescribeTextTranslationJob")
    # When the schedule polls
    summary = world.poller.handle_event(SCHEDULE)
    # Then the throttled one stays pending for the next poll and the other is answered
    assert summary.errors == [first]
    assert summary.succeeded == [second]
    assert [r.key for r in world.tokens.pending()] == [first]


def test_a_failed_send_puts_the_record_back(world: World) -> None:
    # Given callbacks that fail transiently
    job_id = world.start_job(steps=0)

    class Flaky(RecordingCallbacks):
        def success(self, task_token: str, output: dict[str, object]) -> None:
            raise ConnectionError("network down")

    poller = CallbackPoller(world.tokens, Flaky(), world.service)
    # When polled
    summary = poller.handle_event(SCHEDULE)
    # Then the record is still there for the next poll
    assert summary.errors == [f"job#{job_id}"]
    assert world.tokens.get(f"job#{job_id}") is not None


def test_timed_out_token_does_not_crash(world: World) -> None:
    job_id = world.start_job(steps=0)
    world.callbacks.gone.add("task-token-1")
    summary = world.poller.handle_event(job_event(job_id))
    assert summary.succeeded == [f"job#{job_id}"]
    assert world.callbacks.calls == [] and len(world.callbacks.ignored) == 1


def test_record_of_an_ended_execution_is_dropped_on_heartbeat(world: World) -> None:
    # Given a running job whose execution has already timed out in Step Functions
    job_id = world.start_job(never_finish=True)
    world.callbacks.gone.add("task-token-1")
    # When polled
    summary = world.poller.handle_event(SCHEDULE)
    # Then the record is removed instead of being heartbeaten until its TTL
    assert summary.skipped == [f"job#{job_id}"] and summary.heartbeats == []
    assert world.tokens.pending() == []


def test_expired_record_is_skipped() -> None:
    clock = [1000.0]
    tokens = InMemoryTokenStore(clock=lambda: clock[0])
    tokens.put("job#x", "tok", "e", "job", 10)
    record = tokens.items["job#x"]
    clock[0] += 20
    callbacks = RecordingCallbacks()
    poller = CallbackPoller(
        tokens, callbacks, AmazonTranslateService(FakeTranslateClient(), ROLE), clock=lambda: clock[0]
    )
    summary = poller.handle_event(job_event("x"))
    assert summary.skipped == [record.key] and callbacks.calls == []


def test_a_running_job_whose_record_expired_is_stopped() -> None:
    # Given a job still running whose token record the store still returns (DynamoDB deletes
    # expired items days late; the store's clock lags the poller's) but which has expired
    fake = FakeTranslateClient()
    service = AmazonTranslateService(fake, ROLE)
    tokens, callbacks = InMemoryTokenStore(clock=lambda: 1000.0), RecordingCallbacks()
    poller = CallbackPoller(tokens, callbacks, service, clock=lambda: 1000.0 + TTL + 1)
    world = World(fake, service, tokens, callbacks, poller)
    job_id = world.start_job(never_finish=True)
    # When the scheduled sweep polls
    summary = poller.handle_event(SCHEDULE)
    # Then nobody is answered, and the job no longer holds one of Translate's job slots
    assert callbacks.calls == []
    assert summary.skipped == [f"job#{job_id}"] and summary.stopped == [f"job#{job_id}"]
    assert [c["JobId"] for c in fake.calls_to("StopTextTranslationJob")] == [job_id]
    assert fake.jobs[job_id].status == "STOPPED"


# --- the race: an event and a scheduled poll for the same job ---------------------------------


class StaleReads:
    """A TokenStore whose reads were taken before another poller deleted the record."""

    def __init__(self, store: TokenStore, snapshot: list[TokenRecord]) -> None:
        self.store = store
        self.snapshot = snapshot

    def get(self, key: str) -> TokenRecord | None:
        return next((r for r in self.snapshot if r.key == key), None)

    def pending(self) -> list[TokenRecord]:
        return list(self.snapshot)

    def delete(self, key: str) -> bool:
        return self.store.delete(key)

    def put(self, key: str, task_token: str, execution: str, kind: str, ttl_seconds: int) -> None:
        self.store.put(key, task_token, execution, kind, ttl_seconds)

    def claim_once(self, key: str, ttl_seconds: int) -> bool:
        return self.store.claim_once(key, ttl_seconds)


@pytest.fixture
def dynamo_tokens() -> Iterator[DynamoTokenStore]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="tokens",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield DynamoTokenStore(client, "tokens")


def test_event_and_schedule_together_send_exactly_one_success(dynamo_tokens: DynamoTokenStore) -> None:
    # Given a finished job, and two pollers that both read its record before either acted
    fake = FakeTranslateClient()
    service = AmazonTranslateService(fake, ROLE)
    fake.script_job(steps=0)
    job_id = service.start_job(
        job_name="j",
        input_uri="s3://work/in/",
        output_uri="s3://work/out/",
        source_lang="en",
        target_lang="zh",
        parallel_data_name=None,
        client_token="tok",
    )
    dynamo_tokens.put(f"job#{job_id}", "task-token", "exec", "job", TTL)
    snapshot = dynamo_tokens.pending()
    callbacks = RecordingCallbacks()
    by_event = CallbackPoller(StaleReads(dynamo_tokens, snapshot), callbacks, service)
    by_schedule = CallbackPoller(StaleReads(dynamo_tokens, snapshot), callbacks, service)
    # When both run
    first = by_event.handle_event(job_event(job_id))
    second = by_schedule.handle_event(SCHEDULE)
    # Then exactly one SendTaskSuccess was sent; the loser skipped
    assert [c.kind for c in callbacks.calls] == ["success"]
    assert first.succeeded == [f"job#{job_id}"] and second.skipped == [f"job#{job_id}"]
    assert dynamo_tokens.pending() == []


# --- events and the handler ----------------------------------------------------------------


def test_event_routing() -> None:
    assert keys_for_event(job_event("j1")) == ("job-event", ["job#j1"])
    assert keys_for_event(pd_event("amts")) == ("parallel-data-event", ["pd#amts#"])
    assert keys_for_event(SCHEDULE) == ("schedule", None)
    assert keys_for_event({}) == ("poll-all", None)


@dataclass
class LambdaContext:
    function_name: str = "amts-poller"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:amts-poller"
    aws_request_id: str = "req-1"


def test_handler_wires_the_deps_and_returns_the_summary(world: World) -> None:
    # Given dependencies installed for an in-process run
    store = InMemoryBlobStore()
    set_deps(
        Deps(
            settings=Settings(),
            buckets=Buckets("s", "r", "w", "o", "p"),
            source=store,
            reference=store,
            work=store,
            output=store,
            reports=store,
            batch=world.service,
            tokens=world.tokens,
            callbacks=world.callbacks,
            previous_version=lambda key, version: None,
        )
    )
    try:
        job_id = world.start_job(steps=0)
        from amts.handlers.poller import handler

        # When the handler gets a Translate event
        result = handler(job_event(job_id), LambdaContext())
    finally:
        set_deps(None)
    # Then it answered the token and returned a JSON-able summary
    assert result["trigger"] == "job-event"
    assert result["succeeded"] == [f"job#{job_id}"]
    assert [c.kind for c in world.callbacks.calls] == ["success"]


def test_a_running_job_whose_wait_timed_out_is_stopped(world: World) -> None:
    # Given a job still running whose task has timed out in Step Functions (token gone)
    job_id = world.start_job(never_finish=True)
    world.callbacks.gone.add("task-token-1")
    # When the scheduled sweep polls
    summary = world.poller.handle_event(SCHEDULE)
    # Then the job is stopped through StopTextTranslationJob (validated against botocore's model)
    assert summary.stopped == [f"job#{job_id}"]
    assert [c["JobId"] for c in world.fake.calls_to("StopTextTranslationJob")] == [job_id]
    assert world.fake.jobs[job_id].status == "STOPPED"
    assert world.tokens.pending() == []
