"""The offline batch service behaves like Amazon Translate where the workflow can see it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from amts.adapters.local_batch import LocalBatchTranslationService, read_parallel_data
from amts.adapters.s3 import S3BlobStore
from amts.adapters.translate import read_job_outputs
from amts.domain.protect import decode_html, find_protected_spans, segments_to_html
from amts.errors import BadInputError, ParallelDataBusy, ParallelDataFailed
from amts.ports import BatchTranslationService, JobStatus, ParallelDataStatus
from moto import mock_aws

from tests.fakes import InMemoryBlobStore

TSV = (
    "en\tzh\nThe loss decreases quickly.\t损失迅速下降。\n"
    "We call `fit(x)` to train.\t我们调用`fit(x)`来训练。\n"
)


def _html(texts: list[str]) -> str:
    return segments_to_html([(f"p{i}", t, find_protected_spans(t)) for i, t in enumerate(texts)])


def _start(service: LocalBatchTranslationService, token: str = "tok", pd: str | None = "amts") -> str:
    return service.start_job(
        job_name="job",
        input_uri="s3://work/jobs/r1/en-zh/input/",
        output_uri="s3://work/jobs/r1/en-zh/output/",
        source_lang="en",
        target_lang="zh",
        parallel_data_name=pd,
        client_token=token,
    )


@pytest.fixture
def store() -> InMemoryBlobStore:
    return InMemoryBlobStore({"parallel-data/en-zh/r1.tsv": TSV})


def test_parallel_data_readers_agree_across_formats() -> None:
    # Given the same two pairs as TSV, CSV (quoted, with a comma) and TMX (region codes)
    tsv = 'en\tzh\nA, b.\t甲，乙。\n"Quoted"\t引号\n'
    csv_text = 'en,zh\r\n"A, b.",甲，乙。\r\n"""Quoted""",引号\r\n'
    tmx = (
        '<?xml version="1.0"?><tmx version="1.4"><header srclang="en"/><body>'
        '<tu><tuv xml:lang="en-US"><seg>A, b.</seg></tuv><tuv xml:lang="zh-CN"><seg>甲，乙。</seg></tuv></tu>'
        '<tu><tuv xml:lang="en"><seg>"Quoted"</seg></tuv><tuv xml:lang="zh"><seg>引号</seg></tuv></tu>'
        "</body></tmx>"
    )
    # Then all three give the same pairs
    expected = [("A, b.", "甲，乙。"), ('"Quoted"', "引号")]
    assert read_parallel_data(tsv, "tsv", "en", "zh") == expected
    assert read_parallel_data(csv_text, "csv", "en", "zh") == expected
    assert read_parallel_data(tmx, "tmx", "en", "zh") == expected


def test_parallel_data_without_the_language_column_names_the_file() -> None:
    with pytest.raises(BadInputError, match=r"pd\.tsv:1: no column for language 'es'"):
        read_parallel_data("en\tzh\na\tb\n", "tsv", "en", "es", "pd.tsv")


def test_broken_tmx_is_bad_input() -> None:
    with pytest.raises(BadInputError, match="TMX"):
        read_parallel_data("<tmx><body>", "tmx", "en", "zh", "pd.tmx")


def test_job_translates_from_parallel_data_and_keeps_code(store: InMemoryBlobStore) -> None:
    # Given parallel data and one input document with a known, a near and an unknown segment
    service = LocalBatchTranslationService(store)
    texts = ["The loss decreases quickly.", "We call `fit(y)` to train.", "Completely new text here."]
    store.put_text("jobs/r1/en-zh/input/ch1/intro.html", _html(texts))
    assert isinstance(service, BatchTranslationService)
    created = service.ensure_parallel_data("amts", "s3://work/parallel-data/en-zh/r1.tsv", "TSV")
    # When a job runs and is described
    job_id = _start(service)
    info = service.describe_job(job_id)
    # Then the output sits where Amazon Translate would put it, and holds memory translations
    assert created.status is ParallelDataStatus.CREATING
    assert info.status is JobStatus.COMPLETED
    folder = f"jobs/r1/en-zh/output/000000000000-TranslateText-{job_id}/"
    assert info.output_uri == f"s3://work/{folder}"
    assert store.exists(folder + "ch1/zh.intro.html")
    outputs = read_job_outputs(store, info.output_uri, "zh", ["ch1/intro.html"])
    decoded = decode_html(outputs["ch1/intro.html"] or "")
    assert decoded.texts == {
        "p0": "损失迅速下降。",
        "p1": "我们调用`fit(y)`来训练。",
        "p2": "Completely new text here.",
    }
    assert decoded.damaged == {}
    # And the details file records where each segment came from
    details = json.loads(store.get_text(folder + "details/zh.auxiliary-translation-details.json"))
    assert details["amtsOrigins"]["ch1/intro.html"] == {"p0": "exact", "p1": "fuzzy", "p2": "untranslated"}


def test_statuses_progress_over_describes_when_asked(store: InMemoryBlobStore) -> None:
    # Given a service that takes two describes to finish
    service = LocalBatchTranslationService(store, steps=2)
    store.put_text("jobs/r1/en-zh/input/a.html", _html(["The loss decreases quickly."]))
    service.ensure_parallel_data("amts", "s3://work/parallel-data/en-zh/r1.tsv", "tsv")
    # Then parallel data goes CREATING → ACTIVE and a job IN_PROGRESS → COMPLETED
    pd = [service.describe_parallel_data("amts").status for _ in range(3)]
    assert pd == [ParallelDataStatus.CREATING, ParallelDataStatus.CREATING, ParallelDataStatus.ACTIVE]
    job_id = _start(service)
    jobs = [service.describe_job(job_id).status for _ in range(3)]
    assert jobs == [JobStatus.IN_PROGRESS, JobStatus.IN_PROGRESS, JobStatus.COMPLETED]


def test_update_while_in_progress_is_busy(store: InMemoryBlobStore) -> None:
    service = LocalBatchTranslationService(store, steps=1)
    service.ensure_parallel_data("amts", "s3://work/parallel-data/en-zh/r1.tsv", "tsv")
    with pytest.raises(ParallelDataBusy):
        service.ensure_parallel_data("amts", "s3://work/parallel-data/en-zh/r1.tsv", "tsv")
    service.describe_parallel_data("amts")
    updated = service.ensure_parallel_data("amts", "s3://work/parallel-data/en-zh/r1.tsv", "tsv")
    assert (updated.status, updated.latest_update_status) == (
        ParallelDataStatus.ACTIVE,
        ParallelDataStatus.UPDATING,
    )


def test_missing_parallel_data_file_fails(store: InMemoryBlobStore) -> None:
    with pytest.raises(ParallelDataFailed, match=r"nope\.tsv"):
        LocalBatchTranslationService(store).ensure_parallel_data("amts", "s3://work/nope.tsv", "tsv")


def test_same_client_token_gives_the_same_job(store: InMemoryBlobStore) -> None:
    service = LocalBatchTranslationService(store)
    store.put_text("jobs/r1/en-zh/input/a.html", _html(["x"]))
    assert _start(service, pd=None) == _start(service, pd=None)


def test_a_document_without_segments_fails_alone(store: InMemoryBlobStore) -> None:
    # Given one good document and one that is not segment HTML
    service = LocalBatchTranslationService(store)
    store.put_text("jobs/r1/en-zh/input/a.html", _html(["Anything."]))
    store.put_text("jobs/r1/en-zh/input/b.html", "<html><body>no segments</body></html>")
    # When the job runs without parallel data
    info = service.describe_job(_start(service, pd=None))
    # Then the job completes with an error for b only
    assert (info.status, info.documents_failed) == (JobStatus.COMPLETED_WITH_ERROR, 1)
    outputs = read_job_outputs(store, info.output_uri or "", "zh", ["a.html", "b.html"])
    assert outputs["b.html"] is None and outputs["a.html"] is not None


def test_a_job_without_inputs_fails(store: InMemoryBlobStore) -> None:
    service = LocalBatchTranslationService(store)
    info = service.describe_job(_start(service, pd=None))
    assert info.status is JobStatus.FAILED and info.message is not None and "no input" in info.message


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        for bucket in ("work", "data"):
            client.create_bucket(Bucket=bucket)
        yield client


def test_store_factory_per_bucket_on_moto(s3: Any) -> None:
    # Given parallel data in one bucket and job folders in another, both on moto S3
    S3BlobStore(s3, "data").put_text("pd.tsv", TSV)
    S3BlobStore(s3, "work").put_text("jobs/r1/en-zh/input/a.html", _html(["The loss decreases quickly."]))
    service = LocalBatchTranslationService(lambda bucket: S3BlobStore(s3, bucket))
    # When the job runs
    service.ensure_parallel_data("amts", "s3://data/pd.tsv", "tsv")
    info = service.describe_job(_start(service))
    # Then the output was written to the work bucket
    outputs = read_job_outputs(S3BlobStore(s3, "work"), info.output_uri or "", "zh", ["a.html"])
    assert decode_html(outputs["a.html"] or "").texts == {"p0": "损失迅速下降。"}
