"""The whole state machine, executed locally from an S3 upload batch to the written reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from amts.adapters.tokens import DynamoTokenStore
from amts.config import LanguagePair, Settings
from amts.errors import TranslateThrottled
from amts.local.runner import (
    TOKEN_TABLE,
    Book,
    download,
    local_aws,
    poll_once,
    run_execution,
    run_local,
    upload_book,
)
from amts.service.deps import Deps

from tests.workflow.conftest import BOOK, FakeFactory, PerLanguageJobs, protected_blocks

pytestmark = pytest.mark.slow

FAST_RETRY = [
    {
        "ErrorEquals": [
            "TranslateThrottled",
            "TransientError",
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException",
            "Lambda.TooManyRequestsException",
        ],
        "IntervalSeconds": 1,
        "MaxAttempts": 3,
        "BackoffRate": 1.0,
        "JitterStrategy": "FULL",
    },
    {"ErrorEquals": ["ParallelDataBusy"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1.0},
]


def _names(run: object) -> list[str]:
    return [s.name for s in run.steps]  # type: ignore[attr-defined]


def test_offline_run_translates_the_sample_book_and_keeps_code_and_math(
    tmp_path: Path, settings: Settings
) -> None:
    # Given the sample book (en v1 + zh reference, then en-next uploaded as new versions)
    # When the whole workflow runs locally with the offline translation memory
    run = run_local(BOOK, tmp_path, settings=settings, timeout=90)
    # Then the execution succeeds along the documented path
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    names = _names(run)
    for state in (
        "Collect Changed Files",
        "Plan Each File",
        "Build Parallel Data",
        "Create Or Update Parallel Data",
        "Start Translation Job",
        "Assemble Each File",
        "Write Report",
        "Done",
    ):
        assert state in names
    # And every changed file has a translation whose code cells and math are the new source's, byte for byte
    for source in sorted((BOOK / "en-next").rglob("*.md")):
        rel = source.relative_to(BOOK / "en-next")
        written = tmp_path / "translated" / "zh" / rel
        assert written.is_file(), rel
        assert protected_blocks(written.read_text(encoding="utf-8")) == protected_blocks(
            source.read_text(encoding="utf-8")
        )
    # And the report says what was reused and what was translated
    report = json.loads((tmp_path / "reports" / "report.json").read_text(encoding="utf-8"))
    assert report["status"] == "succeeded"
    assert report["totals"]["segments_reused"] > 0
    assert report["totals"]["segments_translated"] + report["totals"]["segments_untranslated"] > 0


def test_job_failed_for_one_language_ends_failed_and_keeps_the_other_language(tmp_path: Path) -> None:
    # Given two target languages and a Translate whose Spanish job ends FAILED
    settings = Settings(
        language_pairs=(LanguagePair("en", "zh"), LanguagePair("en", "es")), granularity="paragraph"
    )
    factory = FakeFactory(
        lambda fake: PerLanguageJobs(fake, "es", final_status="FAILED", message="bad input")
    )
    with local_aws(settings, batch_factory=factory) as aws:
        batch = upload_book(aws, Book(BOOK))
        # When the execution runs
        run = run_execution(aws, batch, timeout=90)
        download(aws, tmp_path, run)
    # Then it ends FAILED with a failure report naming the job's error and state
    assert run.status == "FAILED"
    failure = json.loads((tmp_path / "reports" / "failure.json").read_text(encoding="utf-8"))
    es = [e for e in failure["errors"] if e["language"] == "en-es"]
    assert es and es[0]["error"] == "TranslationJobFailed" and es[0]["state"] == "Start Translation Job"
    # And the Chinese outputs written before the failure are still there, and listed
    zh_outputs = sorted(p.name for p in (tmp_path / "translated" / "zh").rglob("*.md"))
    assert zh_outputs == sorted(p.name for p in (BOOK / "en-next").rglob("*.md"))
    assert any("/zh/" in w for w in failure["already_written"])
    assert not (tmp_path / "translated" / "es").exists()


def test_throttled_start_is_retried_then_succeeds(tmp_path: Path, settings: Settings) -> None:
    # Given Translate throttles the first StartTextTranslationJob call
    factory = FakeFactory(lambda fake: fake.throttle_next("StartTextTranslationJob", times=1))
    overrides = {"Start Translation Job": {"Retry": FAST_RETRY}}
    with local_aws(settings, batch_factory=factory, overrides=overrides) as aws:
        run = run_execution(aws, upload_book(aws, Book(BOOK)), timeout=90)
    # Then the state failed once with TranslateThrottled, was retried, and the execution succeeded
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    failures = [e for e in run.events if e["type"] == "TaskFailed"]
    assert [e["taskFailedEventDetails"]["error"] for e in failures] == [TranslateThrottled.__name__]
    assert factory.fake is not None and len(factory.fake.calls_to("StartTextTranslationJob")) == 2


def test_parallel_data_stuck_updating_times_out_with_a_clear_reason(
    tmp_path: Path, settings: Settings
) -> None:
    # Given parallel data that never leaves CREATING, and a short timeout on the same state
    factory = FakeFactory(lambda fake: fake.script_parallel_data(stuck=True))
    overrides = {"Create Or Update Parallel Data": {"TimeoutSeconds": 3, "HeartbeatSeconds": 2}}
    with local_aws(settings, batch_factory=factory, overrides=overrides) as aws:
        run = run_execution(aws, upload_book(aws, Book(BOOK)), timeout=60)
        download(aws, tmp_path, run)
    # Then the execution fails, and the failure report names the state and the timeout
    assert run.status == "FAILED"
    failure = json.loads((tmp_path / "reports" / "failure.json").read_text(encoding="utf-8"))
    assert failure["failed_state"] == "Create Or Update Parallel Data"
    assert failure["error"] == "States.Timeout"
    # And no job was started with parallel data that never became ready
    assert factory.fake is not None and factory.fake.calls_to("StartTextTranslationJob") == []


def test_duplicate_trigger_does_the_work_once(tmp_path: Path, settings: Settings) -> None:
    # Given one upload batch delivered twice (and each event twice inside it)
    with local_aws(settings) as aws:
        batch = upload_book(aws, Book(BOOK))
        first = run_execution(aws, batch + batch, timeout=90)
        # When the same batch triggers a second execution
        second = run_execution(aws, batch, timeout=60)
    # Then the first execution translated each file once, the second found nothing new
    assert first.status == "SUCCEEDED"
    collected = next(
        e
        for e in first.events
        if e["type"] == "TaskStateExited" and e["stateExitedEventDetails"]["name"] == "Collect Changed Files"
    )
    out = json.loads(collected["stateExitedEventDetails"]["output"])
    assert out["file_count"] == len(list((BOOK / "en-next").rglob("*.md")))
    assert out["duplicates"] == out["file_count"]
    assert second.status == "SUCCEEDED"
    assert "Nothing Changed" in _names(second) and "Translate Each Language" not in _names(second)


def test_poller_running_twice_per_tick_answers_each_token_once(settings: Settings) -> None:
    # Given a job that stays IN_PROGRESS for a few describes, and two pollers at every tick
    factory = FakeFactory(lambda fake: fake.script_job(steps=3))
    with local_aws(settings, batch_factory=factory) as aws:
        run = run_execution(aws, upload_book(aws, Book(BOOK)), timeout=90, pollers=2)
    # Then the execution succeeds and the callback task succeeded exactly once per callback state
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    succeeded = [e for e in run.events if e["type"] == "TaskSucceeded"]
    callback_resources = [
        e for e in succeeded if "waitForTaskToken" in e["taskSucceededEventDetails"]["resource"]
    ]
    assert len(callback_resources) == 2


class _AnswerAtOnce(DynamoTokenStore):
    """A token store whose every put is followed at once by a poll, inside the storing Lambda.

    In the cloud an EventBridge event can answer a task before the state has begun to wait;
    Step Functions keeps that answer. This replays the earliest such moment.
    """

    deps: Deps | None = None

    def put(self, key: str, task_token: str, execution: str, kind: str, ttl_seconds: int) -> None:
        super().put(key, task_token, execution, kind, ttl_seconds)
        assert self.deps is not None
        poll_once(self.deps)


def test_a_callback_answered_before_the_state_waits_is_not_lost(settings: Settings) -> None:
    # Given a job that is COMPLETED at its first describe, and a poll right after each token is stored
    with local_aws(settings) as aws:
        store = _AnswerAtOnce(aws.clients["dynamodb"], TOKEN_TABLE)
        store.deps = aws.deps
        aws.deps.tokens = store
        # When the book is run
        run = run_execution(aws, upload_book(aws, Book(BOOK)), timeout=90)
    # Then the execution succeeds: the early answer reached the waiting state
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    succeeded = [e for e in run.events if e["type"] == "TaskSucceeded"]
    assert any("waitForTaskToken" in e["taskSucceededEventDetails"]["resource"] for e in succeeded)


def _input_budget(keys: list[str]) -> int:
    return sum(200 + len(k.encode("utf-8")) for k in keys)


def test_execution_input_is_a_slim_record_per_file(settings: Settings) -> None:
    # Given the book uploaded and run as the Pipe would start it
    with local_aws(settings) as aws:
        batch = upload_book(aws, Book(BOOK))
        run = run_execution(aws, batch, timeout=90)
    # Then the execution input (from the history) is at most ~200 bytes + the key per file
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    (started,) = [e for e in run.events if e["type"] == "ExecutionStarted"]
    received = json.loads(started["executionStartedEventDetails"]["input"])
    keys = [r["key"] for r in received]
    assert sorted(keys) == sorted(r["key"] for r in batch) and len(keys) == len(Book(BOOK).files("en-next"))
    assert all(set(r) == {"bucket", "key", "version", "sequencer"} for r in received)
    size = len(started["executionStartedEventDetails"]["input"].encode("utf-8"))
    assert size <= _input_budget(keys)


@pytest.mark.parametrize("n", [10, 100, 300])
def test_execution_input_for_n_files_grows_by_the_key_only(settings: Settings, n: int) -> None:
    # Given N uploads with long keys, in the form the local runner (and the Pipe) pass them
    from amts.local.runner import upload_event

    keys = [f"en/chapter_{i % 12:02d}/a-rather-long-section-name-{i:04d}.md" for i in range(n)]
    batch = [
        upload_event("amts-source-123456789012-eu-west-1", k, "v" * 32, 999, f"{i:016X}")
        for i, k in enumerate(keys)
    ]
    # Then the execution input is at most ~200 bytes + the key per file, far from 64 KiB at 100
    size = len(json.dumps(batch).encode("utf-8"))
    assert size <= _input_budget(keys)
    if n <= 100:
        assert size < 64 * 1024
