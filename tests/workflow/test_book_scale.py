"""Book scale: a bad file fails alone, a failed file is retried, overlapping runs harm nothing."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from amts.config import LanguagePair, Settings
from amts.local.runner import (
    Book,
    LocalAws,
    download,
    local_aws,
    next_sequencer,
    poll_once,
    run_execution,
    upload_book,
    upload_event,
)

from tests.workflow.conftest import BOOK, FakeFactory

pytestmark = pytest.mark.slow

EDITED = "chapter_optimization/gradient-descent.md"
MARKER = "AMTS overlap marker: this paragraph exists only in the newest upload."
# Same ASL, a short wait when another execution holds the pair's parallel-data lease.
FAST_BUSY = {
    "Create Or Update Parallel Data": {
        "Retry": [
            {
                "ErrorEquals": ["ParallelDataBusy"],
                "IntervalSeconds": 1,
                "MaxAttempts": 30,
                "BackoffRate": 1.0,
            },
            {"ErrorEquals": ["TranslateThrottled", "TransientError"], "IntervalSeconds": 1, "MaxAttempts": 3},
        ]
    }
}


def _upload(aws: LocalAws, key: str, text: str) -> dict[str, Any]:
    body = text.encode("utf-8")
    put = aws.clients["s3"].put_object(Bucket=aws.deps.buckets.source, Key=key, Body=body)
    return upload_event(aws.deps.buckets.source, key, put["VersionId"], len(body), next_sequencer())


def _newer_version() -> str:
    return (BOOK / "en-next" / EDITED).read_text(encoding="utf-8") + f"\n{MARKER}\n"


def _run_together(aws: LocalAws, batches: list[list[dict[str, Any]]], timeout: float = 120) -> list[str]:
    """Start every batch as its own execution at once; drive the poller until all have ended."""
    sfn = aws.clients["stepfunctions"]
    arns = [
        sfn.start_execution(stateMachineArn=aws.state_machine_arn, name=f"overlap-{n}", input=json.dumps(b))[
            "executionArn"
        ]
        for n, b in enumerate(batches)
    ]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = [sfn.describe_execution(executionArn=a)["status"] for a in arns]
        if "RUNNING" not in statuses:
            return statuses
        poll_once(aws.deps)
        time.sleep(0.2)
    raise AssertionError("the executions did not end")


def test_a_bad_file_fails_alone_and_is_processed_again_on_the_next_delivery(tmp_path: Path) -> None:
    # Given two languages and a batch with one file whose code fence is never closed
    settings = Settings(
        language_pairs=(LanguagePair("en", "zh"), LanguagePair("en", "es")), granularity="paragraph"
    )
    with local_aws(settings) as aws:
        batch = upload_book(aws, Book(BOOK))
        bad = _upload(aws, "en/chapter_optimization/broken.md", "# Broken\n\n```python\nx = 1\n")
        # When the execution runs
        run = run_execution(aws, [*batch, bad], timeout=120)
        download(aws, tmp_path, run)
        # And the same batch is delivered again
        again = run_execution(aws, [*batch, bad], timeout=120)
    # Then it ends in the state that says "partly failed"
    assert run.status == "FAILED" and run.error == "SomeFilesFailed", (run.error, run.cause)
    assert "Some Files Failed" in [s.name for s in run.steps]
    # And every good file is written in every language
    good = sorted(p.relative_to(BOOK / "en-next").as_posix() for p in (BOOK / "en-next").rglob("*.md"))
    for target in ("zh", "es"):
        written = sorted(
            p.relative_to(tmp_path / "translated" / target).as_posix()
            for p in (tmp_path / "translated" / target).rglob("*.md")
        )
        assert written == good
    # And the report names the bad file, the state that failed and the reason, in both languages
    report = json.loads((tmp_path / "reports" / "report.json").read_text(encoding="utf-8"))
    assert report["status"] == "partial"
    assert sorted(report["metadata"]["failed_files"]) == [
        "en-es:chapter_optimization/broken.md",
        "en-zh:chapter_optimization/broken.md",
    ]
    for lang in report["languages"]:
        (broken,) = [f for f in lang["files"] if f["path"] == "chapter_optimization/broken.md"]
        assert broken["status"] == "error" and "Plan File Sync" in broken["message"]
        assert "fence" in broken["message"] or "```" in broken["message"]
    # And on the next delivery the good versions are duplicates, the failed one is processed again
    collected = next(
        json.loads(e["stateExitedEventDetails"]["output"])
        for e in again.events
        if e["type"] == "TaskStateExited" and e["stateExitedEventDetails"]["name"] == "Collect Changed Files"
    )
    assert collected["file_count"] == 1 and collected["duplicates"] == len(good)
    assert again.error == "SomeFilesFailed"


def test_two_overlapping_executions_for_one_pair_both_succeed_and_the_newer_output_stays(
    settings: Settings,
) -> None:
    # Given the book pushed (execution A) and, while A runs, a newer version of one file (execution B)
    with local_aws(settings, overrides=FAST_BUSY) as aws:
        batch_a = upload_book(aws, Book(BOOK))
        batch_b = [_upload(aws, f"en/{EDITED}", _newer_version())]
        # When both run at the same time
        statuses = _run_together(aws, [batch_a, batch_b])
        output = aws.deps.output.get_text(f"zh/{EDITED}")
        leases = [r for r in aws.deps.tokens.pending() if r.key.startswith("lease#")]
    # Then both succeed (the second waits for the pair's lease instead of breaking the first)
    assert statuses == ["SUCCEEDED", "SUCCEEDED"]
    # And the edited file's output is the newer upload's, whichever finished last
    assert MARKER in output
    # And no lease is left behind
    assert leases == []


def test_an_older_run_cannot_overwrite_a_newer_output(settings: Settings) -> None:
    # Given an older and a newer version of one file, the newer one processed first
    with local_aws(settings) as aws:
        upload_book(aws, Book(BOOK))
        older = _upload(
            aws, f"en/{EDITED}", (BOOK / "en-next" / EDITED).read_text(encoding="utf-8") + "\nOlder.\n"
        )
        newer = _upload(aws, f"en/{EDITED}", _newer_version())
        first = run_execution(aws, [newer], timeout=90)
        # When the older upload's execution finishes later
        second = run_execution(aws, [older], timeout=90)
        output = aws.deps.output.get_text(f"zh/{EDITED}")
        report = json.loads(aws.deps.reports.get_text(f"{_run_id(second)}/report.json"))
    # Then both succeed, the newer output stays, and the older run says why it wrote nothing
    assert first.status == second.status == "SUCCEEDED", (second.error, second.cause)
    assert MARKER in output and "Older." not in output
    (lang,) = report["languages"]
    (entry,) = [f for f in lang["files"] if f["path"] == EDITED]
    assert entry["status"] == "skipped" and "newer upload" in entry["message"]


def _run_id(run: Any) -> str:
    return str(run.execution_arn.rsplit(":", 1)[-1])


def test_parallel_data_update_failure_falls_back_to_the_active_version(settings: Settings) -> None:
    # Given a first run that creates the parallel data, and a next update that Translate rejects
    def prepare(fake: Any) -> None:
        fake.script_parallel_data(steps=0)
        fake.script_parallel_data(steps=0, final_status="FAILED", message="Record 3 starts with '='")

    factory = FakeFactory(prepare)
    with local_aws(settings, batch_factory=factory) as aws:
        first = run_execution(aws, upload_book(aws, Book(BOOK)), timeout=90)
        # When a new version of a file starts a second run (its parallel data differs: an update)
        second = run_execution(aws, [_upload(aws, f"en/{EDITED}", _newer_version())], timeout=90)
        report = json.loads(aws.deps.reports.get_text(f"{_run_id(second)}/report.json"))
    # Then the second run still succeeds, on the previous ACTIVE parallel data, and says so
    assert first.status == second.status == "SUCCEEDED", (second.error, second.cause)
    assert factory.fake is not None and len(factory.fake.calls_to("UpdateParallelData")) == 1
    jobs = factory.fake.calls_to("StartTextTranslationJob")
    assert len(jobs) == 2 and jobs[-1]["ParallelDataNames"] == ["amts-d2l-en-zh"]
    (lang,) = report["languages"]
    assert any("previous ACTIVE" in n and "Record 3" in n for n in lang["notes"])
