"""Each handler on its own, over moto (S3, DynamoDB) and the botocore-validated Translate fake."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from amts.config import LanguagePair, Settings
from amts.handlers import (
    assemble,
    build_parallel_data,
    collect_changes,
    failure_report,
    plan_sync,
    prepare_parallel_data,
    start_translation,
)
from amts.local.runner import Book, LocalAws, _Context, local_aws, sqs_message, upload_book
from amts.service.language import input_name, job_identity
from amts.steps import result_key

from tests.workflow.conftest import BOOK, FakeFactory, manifest_items, plan_language, protected_blocks

EXECUTION = "exec-1"


@pytest.fixture
def factory() -> FakeFactory:
    return FakeFactory()


@pytest.fixture
def aws(factory: FakeFactory) -> Iterator[LocalAws]:
    settings = Settings(language_pairs=(LanguagePair("en", "zh"),), granularity="paragraph")
    with local_aws(settings, batch_factory=factory) as env:
        yield env


def _call(module: Any, event: Any) -> dict[str, Any]:
    result: dict[str, Any] = module.handler(event, _Context(module.__name__.rsplit(".", 1)[-1]))
    return result


def _collected(aws: LocalAws) -> dict[str, Any]:
    batch = upload_book(aws, Book(BOOK))
    return _call(collect_changes, {"records": batch, "execution": EXECUTION})


def _file(aws: LocalAws, collected: dict[str, Any], path: str) -> dict[str, Any]:
    (item,) = [i for i in manifest_items(aws, collected) if i["path"] == path]
    return {"run_id": collected["run_id"], "execution": EXECUTION, "file": item}


def _planned(aws: LocalAws) -> dict[str, Any]:
    return plan_language(aws, _collected(aws), EXECUTION)


def test_collect_groups_changes_by_language_and_ignores_other_keys(aws: LocalAws) -> None:
    # Given an upload batch plus an object outside the book (not markdown)
    batch = upload_book(aws, Book(BOOK))
    batch.append({**batch[0], "key": "en/img/figure.svg"})
    # When Collect Changed Files runs
    out = _call(collect_changes, {"records": batch, "execution": EXECUTION})
    # Then each markdown file is one item of the en → zh manifest, and the stray key is ignored
    n = len(list((BOOK / "en-next").rglob("*.md")))
    assert out["anything_changed"] is True and out["file_count"] == out["item_count"] == n
    assert [(lang["source"], lang["target"], lang["files"]) for lang in out["languages"]] == [("en", "zh", n)]
    assert out["ignored"] == 1
    items = manifest_items(aws, out)
    assert sorted(i["key"] for i in items) == sorted(
        f"en/{p.relative_to(BOOK / 'en-next')}" for p in (BOOK / "en-next").rglob("*.md")
    )
    # And the state carries no per-file list
    assert "changes" not in out and all(not isinstance(v, list) or k == "languages" for k, v in out.items())
    # And the same batch again is all duplicates: nothing changed
    again = _call(collect_changes, {"records": batch, "execution": "exec-2"})
    assert again["anything_changed"] is False and again["duplicates"] == n


def _plans(aws: LocalAws, collected: dict[str, Any]) -> dict[str, dict[str, Any]]:
    prefix = f"plans/{collected['run_id']}/en-zh/"
    return {
        (rec := json.loads(aws.deps.work.get_text(k)))["path"]: rec for k in aws.deps.work.list_keys(prefix)
    }


def test_plan_sync_reuses_unchanged_files_and_writes_batch_input(aws: LocalAws) -> None:
    # Given the collected changes
    collected = _collected(aws)
    # When Plan File Sync runs for each file
    for path in ("chapter_optimization/index.md", "chapter_optimization/gradient-descent.md"):
        out = _call(plan_sync, _file(aws, collected, path))
        assert out["path"] == path and out["status"] == "planned"
    plans = _plans(aws, collected)
    # Then the unchanged index page needs nothing, the edited page needs some segments
    assert plans["chapter_optimization/index.md"]["segments_to_translate"] == 0
    assert plans["chapter_optimization/index.md"]["input_key"] is None
    edited = plans["chapter_optimization/gradient-descent.md"]
    assert 0 < edited["segments_to_translate"] < edited["segments_total"]
    # And the batch input is HTML with one element per segment, under jobs/<run>/<pair>/input/
    html = aws.deps.work.get_text(edited["input_key"])
    assert edited["input_key"].startswith(f"jobs/{collected['run_id']}/en-zh/input/")
    assert html.count("<p id=") == edited["segments_to_translate"]
    assert aws.deps.work.exists(plans["chapter_optimization/index.md"]["plan_key"])


def test_plan_sync_without_existing_translation_translates_everything(aws: LocalAws) -> None:
    # Given no human translation in the reference bucket
    collected = _collected(aws)
    for key in aws.deps.reference.list_keys("zh/"):
        aws.clients["s3"].delete_object(Bucket=aws.deps.buckets.reference, Key=key)
    # When Plan File Sync runs for every file
    for item in manifest_items(aws, collected):
        _call(plan_sync, {"run_id": collected["run_id"], "execution": EXECUTION, "file": item})
    # Then every segment of every file is to be translated and no reference is recorded
    plans = _plans(aws, collected)
    assert len(plans) == len(list((BOOK / "en-next").rglob("*.md")))
    for f in plans.values():
        assert f["reference_key"] is None
        assert f["segments_reused"] == 0 and f["segments_to_translate"] == f["segments_total"] > 0


def test_prepare_parallel_data_conflict_raises_the_retried_error(aws: LocalAws, factory: FakeFactory) -> None:
    # Given a planned item with its parallel data, and Translate answering ConflictException
    item = _planned(aws)
    assert item["parallel_data"]["name"] == "amts-d2l-en-zh" and item["parallel_data"]["pairs_written"] > 0
    assert factory.fake is not None
    factory.fake.fail_next("CreateParallelData", "ConflictException", times=1)
    # When the callback state's function runs
    # Then it raises ParallelDataBusy (the ASL's longer retry), and leaves no token behind
    with pytest.raises(Exception) as raised:
        _call(prepare_parallel_data, {"work": item, "task_token": "token-1"})
    assert type(raised.value).__name__ == "ParallelDataBusy"
    assert aws.deps.tokens.get(f"pd#amts-d2l-en-zh#{EXECUTION}") is None
    # And the retry creates the resource and stores the task token for the poller
    ack = _call(prepare_parallel_data, {"work": item, "task_token": "token-2"})
    record = aws.deps.tokens.get(ack["key"])
    assert record is not None and record.task_token == "token-2" and record.kind == "parallel-data"


def test_start_translation_sends_a_valid_idempotent_request(aws: LocalAws, factory: FakeFactory) -> None:
    # Given a planned item with parallel data
    item = _planned(aws)
    _call(prepare_parallel_data, {"work": item, "task_token": "pd-token"})
    for _ in range(5):  # what the poller does until the resource is ACTIVE
        if aws.deps.batch.describe_parallel_data("amts-d2l-en-zh").settled:
            break
    # When Start Translation Job runs twice (a Lambda retry)
    first = _call(start_translation, {"work": item, "task_token": "job-token"})
    second = _call(start_translation, {"work": item, "task_token": "job-token"})
    # Then both map to one job, started as HTML with the parallel data and the run's client token
    assert first["key"] == second["key"]
    assert factory.fake is not None
    calls = factory.fake.calls_to("StartTextTranslationJob")
    assert {c["ClientToken"] for c in calls} == {job_identity(item["run_id"], "en-zh")[1]}
    assert all(c["InputDataConfig"]["ContentType"] == "text/html" for c in calls)
    assert all(c["ParallelDataNames"] == ["amts-d2l-en-zh"] for c in calls)
    assert len(factory.fake.jobs) == 1


def test_assemble_completed_with_error_keeps_failed_document_untranslated(
    aws: LocalAws, factory: FakeFactory
) -> None:
    # Given a job whose edited document fails (COMPLETED_WITH_ERROR)
    collected = _collected(aws)
    item = plan_language(aws, collected, EXECUTION)
    item["parallel_data"]["name"] = None  # a job without parallel data
    assert factory.fake is not None
    factory.fake.script_job(
        final_status="COMPLETED_WITH_ERROR",
        steps=0,
        failed_documents=[input_name("chapter_optimization/gradient-descent.md")],
    )
    ack = _call(start_translation, {"work": item, "task_token": "job-token"})
    job_id = ack["key"].split("#", 1)[1]
    factory.fake.finish_job(job_id)
    item["job_status"] = {"jobId": job_id, "status": "COMPLETED_WITH_ERROR"}
    # When Assemble File runs for every file
    outputs = {}
    for entry in manifest_items(aws, collected):
        out = _call(assemble, {"run_id": collected["run_id"], "execution": EXECUTION, "file": entry})
        assert out["status"] == "written"
        key = result_key(collected["run_id"], "en-zh", entry["path"])
        outputs[entry["path"]] = json.loads(aws.deps.work.get_text(key))["output"]
    # Then the failed document is written with its changed segments left untranslated and counted
    failed = outputs["chapter_optimization/gradient-descent.md"]
    assert failed["segments_machine"] == 0 and failed["segments_untranslated"] > 0
    # And the code cells and math of every output are the new source's, byte for byte
    for path, o in outputs.items():
        new_source = (BOOK / "en-next" / path).read_text(encoding="utf-8")
        assert protected_blocks(aws.deps.output.get_text(o["key"])) == protected_blocks(new_source)


def test_failure_report_names_the_failed_state_and_what_was_written(aws: LocalAws) -> None:
    # Given a Collect Changed Files failure (the state still holds the raw records)
    state = {"records": [], "error": {"Error": "ValidationError", "Cause": "bad event"}}
    # When Write Failure Report runs
    out = _call(failure_report, {"state": state, "execution": "exec-9"})
    # Then failure.json and failure.md name the state and the error
    assert out["failed_state"] == "Collect Changed Files" and out["error"] == "ValidationError"
    failure = json.loads(aws.deps.reports.get_text("exec-9/failure.json"))
    assert failure["cause"] == "bad event"
    assert "Collect Changed Files" in aws.deps.reports.get_text("exec-9/failure.md")


def test_collect_reads_the_pipes_slim_records(aws: LocalAws) -> None:
    # Given the batch as the Pipe passes it: one slim record per upload, nothing else
    batch = upload_book(aws, Book(BOOK))
    assert all(set(r) == {"bucket", "key", "version", "sequencer"} for r in batch)
    # When Collect Changed Files runs on it
    out = _call(collect_changes, {"records": batch, "execution": EXECUTION})
    # Then every upload is a change, claimed by its version
    items = manifest_items(aws, out)
    assert sorted(i["key"] for i in items) == sorted(r["key"] for r in batch)
    by_key = {r["key"]: r for r in batch}
    assert all(i["version_id"] == by_key[i["key"]]["version"] for i in items)
    assert all(i["sequencer"] == by_key[i["key"]]["sequencer"] for i in items)
    assert all(i["claim"].endswith("#" + by_key[i["key"]]["version"]) for i in items)


def test_collect_still_reads_full_sqs_messages_and_slim_records_alike(aws: LocalAws) -> None:
    # Given one upload delivered in the full SQS form (EventBridge event as body), and the same
    # upload as a slim record, plus an unversioned slim record (null and "" from the template)
    upload_book(aws, Book(BOOK))
    bucket = aws.deps.buckets.source
    full = sqs_message(bucket, "en/compat.md", "v-full", 10, "0A")
    slim = {"bucket": bucket, "key": "en/compat.md", "version": "v-full", "sequencer": "0A"}
    loose = {"bucket": bucket, "key": "en/loose.md", "version": None, "sequencer": ""}
    # When Collect Changed Files runs on the full message first, then on the slim record
    first = _call(collect_changes, {"records": [full, loose], "execution": EXECUTION})
    second = _call(collect_changes, {"records": [slim], "execution": "exec-2"})
    # Then the full form is read the same way (same claim: the slim one is a duplicate)
    items = manifest_items(aws, first)
    assert sorted(i["key"] for i in items) == ["en/compat.md", "en/loose.md"]
    compat = next(i for i in items if i["key"] == "en/compat.md")
    assert (compat["version_id"], compat["sequencer"]) == ("v-full", "0A")
    loose_item = next(i for i in items if i["key"] == "en/loose.md")
    assert loose_item["version_id"] is None and loose_item["sequencer"] is None
    assert second["anything_changed"] is False and second["duplicates"] == 1


def test_collect_decodes_s3_notification_keys_and_skips_non_created_events(aws: LocalAws) -> None:
    # Given an S3-notification-format record (URL-encoded key) and a delete event
    bucket = aws.deps.buckets.source
    created = {
        "eventName": "ObjectCreated:Put",
        "s3": {
            "bucket": {"name": bucket},
            "object": {"key": "en/part+one/a%2Bb.md", "versionId": "v1", "sequencer": "01"},
        },
    }
    deleted = {
        "eventName": "ObjectRemoved:Delete",
        "s3": {
            "bucket": {"name": bucket},
            "object": {"key": "en/gone.md", "versionId": "v2", "sequencer": "02"},
        },
    }
    # When Collect Changed Files reads them from an SQS body
    out = _call(
        collect_changes,
        {"records": [{"body": json.dumps({"Records": [created, deleted]})}], "execution": EXECUTION},
    )
    # Then the created key is decoded and the delete does no work
    items = manifest_items(aws, out)
    assert [c["key"] for c in items] == ["en/part one/a+b.md"]
    assert items[0]["path"] == "part one/a+b.md"


def test_collect_rejects_unsafe_keys_with_a_reason_and_keeps_the_rest(aws: LocalAws) -> None:
    # Given an upload batch plus keys with '..' and empty segments and one too long to derive from
    batch = upload_book(aws, Book(BOOK))
    bad = ["en/../escape.md", "en//double.md", "en/" + "x" * 900 + ".md"]
    for n, key in enumerate(bad):
        batch.append({**batch[0], "key": key, "version": f"v-bad-{n}"})
    # When Collect Changed Files runs
    out = _call(collect_changes, {"records": batch, "execution": EXECUTION})
    # Then each unsafe key is rejected, counted in the state and kept with its reason in S3 for
    # the report (not in the state: a key can be 1 KB), and every book file is still a change
    from amts.service.reporting import load_rejected

    assert out["rejected"] == len(bad)
    rejected = load_rejected(aws.deps, out["run_id"])
    assert sorted(rejected) == sorted(bad)
    assert "'..'" in rejected["en/../escape.md"]
    assert "empty path segment" in rejected["en//double.md"]
    assert "1024-byte limit" in rejected[bad[2]]
    assert out["file_count"] == len(list((BOOK / "en-next").rglob("*.md")))
    assert {i["key"] for i in manifest_items(aws, out)}.isdisjoint(bad)


def test_local_download_refuses_a_key_that_would_leave_the_out_folder(aws: LocalAws, tmp_path: Path) -> None:
    from amts.errors import BadInputError
    from amts.local.runner import LocalRun, download

    # Given an output object whose key climbs out of the folder
    aws.clients["s3"].put_object(Bucket=aws.deps.buckets.output, Key="zh/../../evil.md", Body=b"x")
    # When the local run downloads its outputs, Then it refuses, and nothing is written outside
    with pytest.raises(BadInputError, match="outside"):
        download(aws, tmp_path / "out", LocalRun(status="SUCCEEDED", execution_arn="arn"))
    assert not (tmp_path / "evil.md").exists()


def test_build_parallel_data_learns_from_reviewed_blocks_and_not_from_unreviewed_machine_text(
    aws: LocalAws,
) -> None:
    from amts.domain.review import stamp

    # Given a human translation in which AMTS had marked two paragraphs, and a reviewer then
    # rewrote the first and left the second as the machine wrote it
    key = "zh/chapter_optimization/learning-rate.md"
    text = (BOOK / key).read_text(encoding="utf-8")
    first, second = "学习率$\\eta$决定每一步走多远。", "如果$\\eta$太小，进展会很慢。"
    assert first in text and second in text
    marker = "<!-- amts: machine-translated, needs review (source sha1:000000000000) -->\n"
    marked = stamp(text.replace(first, marker + first, 1).replace(second, marker + second, 1))
    edited = marked.replace(first, "学习率$\\eta$决定了每一步迈多远。", 1)
    collected = _collected(aws)  # uploads the book, reference bucket included
    aws.clients["s3"].put_object(Bucket=aws.deps.buckets.reference, Key=key, Body=edited.encode("utf-8"))
    # When its files are planned and Build Parallel Data runs
    out = plan_language(aws, collected, EXECUTION)
    content = aws.deps.work.get_text(out["parallel_data"]["key"])
    # Then the reviewer's edit is parallel data (and counted), the untouched machine text is not
    assert out["parallel_data"]["segments_reviewed"] == 1
    assert "决定了每一步迈多远" in content
    assert "进展会很慢" not in content


def test_parallel_data_is_cached_per_version_and_trimmed_by_relevance(aws: LocalAws) -> None:
    # Given the planned language and its parallel data built once
    collected = _collected(aws)
    first = plan_language(aws, collected, EXECUTION)
    pd = first["parallel_data"]
    assert pd["pairs_written"] > 0 and pd["pairs_cached"] == 0 and pd["pairs_left_out"] == 0
    # When it is built again for the same versions
    work = {"run_id": collected["run_id"], "execution": EXECUTION, "language": collected["languages"][0]}
    again = _call(build_parallel_data, work)
    # Then every file's aligned pairs come from the cache, and the file is the same
    assert again["parallel_data"]["pairs_cached"] == again["parallel_data"]["files_aligned"] > 0
    assert again["parallel_data"]["content_hash"] == pd["content_hash"]
    # And with a file limit below the book's pairs, pairs are left out and counted
    aws.deps.extra["parallel_data_limit_bytes"] = pd["size_bytes"] // 2
    trimmed = _call(build_parallel_data, work)["parallel_data"]
    assert 0 < trimmed["pairs_written"] < pd["pairs_written"]
    assert trimmed["pairs_left_out"] > 0 and trimmed["size_bytes"] <= pd["size_bytes"] // 2


def test_a_new_aligner_version_realigns_instead_of_reusing_cached_pairs(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the parallel data built once (every file's pairs now cached)
    collected = _collected(aws)
    first = plan_language(aws, collected, EXECUTION)["parallel_data"]
    assert first["files_aligned"] > 0
    # When a release with another aligner builds it again for the same versions
    from amts.domain import align

    monkeypatch.setattr(align, "ALIGNER_VERSION", align.ALIGNER_VERSION + "-next")
    work = {"run_id": collected["run_id"], "execution": EXECUTION, "language": collected["languages"][0]}
    again = _call(build_parallel_data, work)["parallel_data"]
    # Then no file's pairs come from the previous aligner's cache
    assert again["pairs_cached"] == 0 and again["files_aligned"] == first["files_aligned"]
