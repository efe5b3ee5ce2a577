"""The Amazon Translate adapter against a fake client that validates requests with botocore's model."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from amts.adapters.s3 import S3BlobStore
from amts.adapters.translate import (
    AmazonTranslateEngine,
    AmazonTranslateService,
    client_token,
    job_name,
    read_job_outputs,
)
from amts.domain.protect import html_to_segments, segments_to_html
from amts.errors import ParallelDataBusy, ParallelDataFailed, TranslateThrottled, TranslationJobFailed
from amts.ports import BatchTranslationService, JobStatus, Origin, ParallelDataStatus, TranslationEngine
from botocore.exceptions import ClientError, ParamValidationError
from moto import mock_aws

from tests.fakes import FakeTranslateClient, tagging_translator

ROLE = "arn:aws:iam::123456789012:role/amts-translate"
BUCKET = "amts-work"


@pytest.fixture(scope="module")
def _s3_module() -> Iterator[Any]:
    # One moto session per module (starting one costs ~0.5 s); each test gets an empty bucket.
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.fixture
def s3(_s3_module: Any) -> Any:
    for page in _s3_module.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for obj in page.get("Contents", []):
            _s3_module.delete_object(Bucket=BUCKET, Key=obj["Key"])
    return _s3_module


@pytest.fixture
def fake(s3: Any) -> FakeTranslateClient:
    return FakeTranslateClient(s3, translator=tagging_translator)


@pytest.fixture
def service(fake: FakeTranslateClient) -> AmazonTranslateService:
    return AmazonTranslateService(fake, ROLE)


def _start(service: AmazonTranslateService, token: str = "run-1-en-zh", pd: str | None = None) -> str:
    return service.start_job(
        job_name="amts run 1 en→zh",
        input_uri=f"s3://{BUCKET}/jobs/run-1/en-zh/input",
        output_uri=f"s3://{BUCKET}/jobs/run-1/en-zh/output",
        source_lang="en",
        target_lang="zh",
        parallel_data_name=pd,
        client_token=token,
    )


def _put_inputs(s3: Any, names: list[str]) -> None:
    for name in names:
        html = segments_to_html([("p0", f"Text of {name} with `code`", [])])
        s3.put_object(Bucket=BUCKET, Key=f"jobs/run-1/en-zh/input/{name}", Body=html.encode())


# --- the fake itself -----------------------------------------------------------------------


def test_fake_rejects_a_malformed_request_like_botocore(fake: FakeTranslateClient) -> None:
    # Given a request with a misspelt member and a wrong type
    # Then botocore's own validation rejects it before anything happens
    with pytest.raises(ParamValidationError, match="TargetLanguageCode"):
        fake.start_text_translation_job(
            InputDataConfig={"S3Uri": "s3://b/in/", "ContentType": "text/html"},
            OutputDataConfig={"S3Uri": "s3://b/out/"},
            DataAccessRoleArn=ROLE,
            SourceLanguageCode="en",
            TargetLanguageCode="zh",  # the real member is TargetLanguageCodes (a list)
            ClientToken="t",
        )
    assert fake.jobs == {}


def test_fake_applies_server_side_patterns(fake: FakeTranslateClient) -> None:
    # Given a client token botocore accepts but the service's pattern does not
    with pytest.raises(ClientError) as caught:
        fake.create_parallel_data(
            Name="amts",
            ParallelDataConfig={"S3Uri": "s3://amts-work/pd.tsv", "Format": "TSV"},
            ClientToken="a_b",
        )
    # Then the service's ValidationException names the member
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "ClientToken" in caught.value.response["Error"]["Message"]


def test_fake_refuses_error_codes_the_operation_cannot_raise(fake: FakeTranslateClient) -> None:
    with pytest.raises(AssertionError, match="cannot raise"):
        fake.fail_next("GetParallelData", "ConflictException")


# --- parallel data -------------------------------------------------------------------------


def test_missing_parallel_data_is_created_with_a_client_token(
    service: AmazonTranslateService, fake: FakeTranslateClient
) -> None:
    # Given no resource named amts-d2l
    # When ensured
    info = service.ensure_parallel_data(
        "amts-d2l", f"s3://{BUCKET}/parallel-data/en-zh/r1.tsv", "tsv", "AMTS en-zh"
    )
    # Then CreateParallelData was called (not Update) with the S3 file, format and a valid token
    assert isinstance(service, BatchTranslationService)
    [create] = fake.calls_to("CreateParallelData")
    assert create["ParallelDataConfig"] == {
        "S3Uri": f"s3://{BUCKET}/parallel-data/en-zh/r1.tsv",
        "Format": "TSV",
    }
    assert re.fullmatch(r"[a-zA-Z0-9-]{1,64}", create["ClientToken"])
    assert fake.calls_to("UpdateParallelData") == []
    assert info.status is ParallelDataStatus.CREATING


def test_existing_parallel_data_is_updated(
    service: AmazonTranslateService, fake: FakeTranslateClient
) -> None:
    # Given an ACTIVE resource
    service.ensure_parallel_data("amts-d2l", f"s3://{BUCKET}/pd/r1.tsv", "tsv")
    fake.get_parallel_data(Name="amts-d2l")  # CREATING
    fake.get_parallel_data(Name="amts-d2l")  # ACTIVE
    # When ensured with a new file
    info = service.ensure_parallel_data("amts-d2l", f"s3://{BUCKET}/pd/r2.tmx", "tmx")
    # Then UpdateParallelData was used and the update is in progress
    [update] = fake.calls_to("UpdateParallelData")
    assert update["ParallelDataConfig"] == {"S3Uri": f"s3://{BUCKET}/pd/r2.tmx", "Format": "TMX"}
    assert (info.status, info.latest_update_status) == (
        ParallelDataStatus.ACTIVE,
        ParallelDataStatus.UPDATING,
    )
    assert not info.settled


def test_retried_create_is_idempotent(service: AmazonTranslateService, fake: FakeTranslateClient) -> None:
    # Given a create whose answer was lost: the same request is sent again with the same token
    service.ensure_parallel_data("amts-d2l", f"s3://{BUCKET}/pd/r1.tsv", "tsv")
    token = fake.calls_to("CreateParallelData")[0]["ClientToken"]
    again = fake.create_parallel_data(
        Name="amts-d2l",
        ParallelDataConfig={"S3Uri": f"s3://{BUCKET}/pd/r1.tsv", "Format": "TSV"},
        ClientToken=token,
    )
    # Then the service answers with the existing resource instead of a conflict
    assert again["Status"] == "CREATING"


def test_retried_update_with_the_same_file_is_not_a_conflict(
    service: AmazonTranslateService, fake: FakeTranslateClient
) -> None:
    # Given an update in progress that was requested for file r2
    fake.script_parallel_data(steps=0)
    service.ensure_parallel_data("amts-d2l", f"s3://{BUCKET}/pd/r1.tsv", "tsv")
    fake.get_parallel_data(Name="amts-d2l")
    fake.script_parallel_data(stuck=True)
    service.ensure_parallel_data("amts-d2l", f"s3://{BUCKET}/pd/r2.tsv", "tsv")
    # When the same request is sent again (its answer was lost), with the adapter's token
    token = fake.calls_to("UpdateParallelData")[0]["ClientToken"]
    config = {"S3Uri": f"s3://{BUCKET}/pd/r2.tsv", "Format": "TSV"}
    again = fake.update_parallel_data(Name="amts-d2l", ParallelDataConfig=config, ClientToken=token)
    # Then the service treats it as the same request
    assert again["LatestUpdateAttemptStatus"] == "UPDATING"


def test_update_while_updating_is_busy_not_fatal(
    service: AmazonTranslateService, fake: FakeTranslateClient
) -> None:
    # Given a resource stuck in UPDATING
    fake.script_parallel_data(steps=0)
    service.ensure_parallel_data("amts-d2l", f"s3://{BUCKET}/pd/r1.tsv", "tsv")
    fake.get_parallel_data(Name="amts-d2l")
    fake.script_parallel_data(stuck=True)
    service.ensure_parallel_data("amts-d2l", f"s3://{BUCKET}/pd/r2.tsv", "tsv")
    # When another update is requested
    # Then ParallelDataBusy (retried by the ASL) is raised, and no second update was sent
    with pytest.raises(ParallelDataBusy, match="UPDATING"):
        service.ensure_parallel_data("amts-d2l", f"s3://{BUCKET}/pd/r3.tsv", "tsv")
    assert len(fake.calls_to("UpdateParallelData")) == 1


@pytest.mark.parametrize("code", ["ConflictException", "ConcurrentModificationException"])
def test_conflict_from_the_service_is_busy(
    service: AmazonTranslateService, fake: FakeTranslateClient, code: str
) -> None:
    # Given the service answers a conflict (a concurrent create we could not see)
    fake.fail_next("CreateParallelData", code)
    # Then it becomes ParallelDataBusy
    with pytest.raises(ParallelDataBusy, match=code):
        service.ensure_parallel_data("amts-d2l", f"s3://{BUCKET}/pd/r1.tsv", "tsv")


@pytest.mark.parametrize("code", ["TooManyRequestsException", "ThrottlingException"])
def test_throttling_is_translate_throttled(
    service: AmazonTranslateService, fake: FakeTranslateClient, code: str
) -> None:
    fake.fail_next("GetParallelData", code)
    with pytest.raises(TranslateThrottled):
        service.ensure_parallel_data("amts-d2l", f"s3://{BUCKET}/pd/r1.tsv", "tsv")


def test_rejected_parallel_data_request_is_parallel_data_failed(
    service: AmazonTranslateService, fake: FakeTranslateClient
) -> None:
    fake.fail_next("CreateParallelData", "LimitExceededException", "Too many parallel data resources")
    with pytest.raises(ParallelDataFailed, match="LimitExceededException"):
        service.ensure_parallel_data("amts-d2l", f"s3://{BUCKET}/pd/r1.tsv", "tsv")


def test_failed_update_is_reported_by_describe(
    service: AmazonTranslateService, fake: FakeTranslateClient
) -> None:
    # Given an active resource whose update fails
    fake.script_parallel_data(steps=0)
    service.ensure_parallel_data("amts-d2l", f"s3://{BUCKET}/pd/r1.tsv", "tsv")
    fake.script_parallel_data(steps=0, final_status="FAILED", message="Line 3: field starts with '-'")
    service.ensure_parallel_data("amts-d2l", f"s3://{BUCKET}/pd/r2.tsv", "tsv")
    # When described
    info = service.describe_parallel_data("amts-d2l")
    # Then the resource is ACTIVE (old data) and the latest update FAILED, with the reason
    assert (info.status, info.latest_update_status) == (ParallelDataStatus.ACTIVE, ParallelDataStatus.FAILED)
    assert info.message is not None and "Line 3" in info.message


def test_unknown_format_is_refused_before_calling(
    service: AmazonTranslateService, fake: FakeTranslateClient
) -> None:
    with pytest.raises(ParallelDataFailed, match="xlsx"):
        service.ensure_parallel_data("amts-d2l", f"s3://{BUCKET}/pd/r1.xlsx", "xlsx")
    assert fake.calls == []


# --- jobs ----------------------------------------------------------------------------------


def test_start_job_sends_html_with_parallel_data_and_a_clean_name(
    service: AmazonTranslateService, fake: FakeTranslateClient
) -> None:
    # Given an active parallel-data resource
    fake.script_parallel_data(steps=0)
    service.ensure_parallel_data("amts-d2l", f"s3://{BUCKET}/pd/r1.tsv", "tsv")
    fake.get_parallel_data(Name="amts-d2l")
    # When a job is started with a name holding characters the service refuses
    job_id = _start(service, token="exec:run/1 en→zh", pd="amts-d2l")
    # Then the request is valid: HTML content, folder URIs, sanitised name and token
    [request] = fake.calls_to("StartTextTranslationJob")
    assert request["InputDataConfig"] == {
        "S3Uri": f"s3://{BUCKET}/jobs/run-1/en-zh/input/",
        "ContentType": "text/html",
    }
    assert request["ParallelDataNames"] == ["amts-d2l"]
    assert request["TargetLanguageCodes"] == ["zh"]
    assert request["JobName"] == "amts run 1 en-zh"
    assert re.fullmatch(r"[a-zA-Z0-9-]{1,64}", request["ClientToken"])
    assert job_id in fake.jobs


def test_same_client_token_gives_the_same_job(service: AmazonTranslateService) -> None:
    # Given a Lambda retried after starting the job
    first = _start(service)
    second = _start(service)
    # Then no second job was started
    assert first == second


def test_start_job_throttled(service: AmazonTranslateService, fake: FakeTranslateClient) -> None:
    fake.throttle_next("StartTextTranslationJob")
    with pytest.raises(TranslateThrottled):
        _start(service)


def test_start_job_refused_names_the_job(service: AmazonTranslateService, fake: FakeTranslateClient) -> None:
    fake.fail_next("StartTextTranslationJob", "UnsupportedLanguagePairException", "en to xx is not supported")
    with pytest.raises(TranslationJobFailed, match="UnsupportedLanguagePairException"):
        _start(service)


def test_job_progresses_and_outputs_are_read(
    service: AmazonTranslateService, fake: FakeTranslateClient, s3: Any
) -> None:
    # Given two input documents and a job that takes one describe to finish
    _put_inputs(s3, ["a.html", "b.html"])
    job_id = _start(service)
    # When described until done
    first = service.describe_job(job_id)
    done = service.describe_job(job_id)
    # Then the status went IN_PROGRESS → COMPLETED and the outputs are where the service puts them
    assert first.status is JobStatus.IN_PROGRESS
    assert done.status is JobStatus.COMPLETED and done.documents_failed == 0
    assert done.output_uri == f"s3://{BUCKET}/jobs/run-1/en-zh/output/123456789012-TranslateText-{job_id}/"
    outputs = read_job_outputs(S3BlobStore(s3, BUCKET), done.output_uri, "zh", ["a.html", "b.html"])
    assert {k: html_to_segments(v or "")["p0"] for k, v in outputs.items()} == {
        "a.html": "[zh] Text of a.html with `code`",
        "b.html": "[zh] Text of b.html with `code`",
    }


def test_completed_with_error_is_handled_per_document(
    service: AmazonTranslateService, fake: FakeTranslateClient, s3: Any
) -> None:
    # Given a job in which one of three documents fails
    _put_inputs(s3, ["a.html", "b.html", "c.html"])
    fake.script_job(final_status="COMPLETED_WITH_ERROR", steps=0, failed_documents=["b.html"])
    job_id = _start(service)
    info = service.describe_job(job_id)
    # When the outputs are read from the prefix the job was started with
    outputs = read_job_outputs(
        S3BlobStore(s3, BUCKET),
        f"s3://{BUCKET}/jobs/run-1/en-zh/output/",
        "zh",
        ["a.html", "b.html", "c.html"],
    )
    # Then only the failed document is None
    assert info.status is JobStatus.COMPLETED_WITH_ERROR and info.documents_failed == 1
    assert outputs["b.html"] is None
    assert outputs["a.html"] is not None and outputs["c.html"] is not None


def test_failed_job_carries_the_service_message(
    service: AmazonTranslateService, fake: FakeTranslateClient
) -> None:
    fake.script_job(final_status="FAILED", steps=0, message="Access denied to the input prefix")
    info = service.describe_job(_start(service))
    assert info.status is JobStatus.FAILED
    assert info.message == "Access denied to the input prefix"


def test_unknown_job_is_a_job_failure(service: AmazonTranslateService) -> None:
    with pytest.raises(TranslationJobFailed, match="no job"):
        service.describe_job("0123456789abcdef")


def test_details_file_decides_failures_even_if_an_output_exists(s3: Any) -> None:
    # Given a job folder with an output file and a details file that reports it as failed
    folder = "out/123456789012-TranslateText-abc/"
    s3.put_object(Bucket=BUCKET, Key=folder + "zh.a.html", Body=b"<html></html>")
    details = {"details": [{"sourceFile": "a.html", "errorMessage": "bad"}]}
    s3.put_object(
        Bucket=BUCKET, Key=folder + "details/zh.auxiliary-translation-details.json", Body=json.dumps(details)
    )
    # When read
    outputs = read_job_outputs(S3BlobStore(s3, BUCKET), f"s3://{BUCKET}/{folder}", "zh", ["a.html"])
    # Then it counts as failed
    assert outputs == {"a.html": None}


# --- names ---------------------------------------------------------------------------------


def test_client_token_is_deterministic_and_valid() -> None:
    long = "arn:aws:states:us-east-1:123456789012:execution:amts:" + "x" * 80
    token = client_token(long, "en-zh")
    assert token == client_token(long, "en-zh")
    assert token != client_token(long, "en-es")
    assert re.fullmatch(r"[a-zA-Z0-9-]{1,64}", token)
    assert client_token("simple-token") == "simple-token"


def test_job_name_keeps_letters_and_allowed_symbols() -> None:
    assert job_name("amts 运行#1 en→zh") == "amts 运行-1 en-zh"
    assert len(job_name("a" * 400)) == 256
    assert job_name("→") == "amts-job"


# --- TranslateText -------------------------------------------------------------------------


def test_engine_batches_under_the_byte_limit_and_keeps_code(fake: FakeTranslateClient) -> None:
    # Given 60 segments of ~500 Chinese bytes each (≈30 kB in all) with inline code
    engine = AmazonTranslateEngine(fake, terminology_names=["d2l"])
    segments = [f"段落{i} " + "深度学习" * 40 + f" `x{i}`" for i in range(60)]
    # When translated
    results = engine.translate(segments, "zh", "en")
    # Then every request stayed under 10,000 bytes, several requests were needed, order kept
    requests = fake.calls_to("TranslateText")
    assert isinstance(engine, TranslationEngine)
    assert len(requests) > 1
    assert all(len(r["Text"].encode()) <= 10_000 for r in requests)
    assert all(r["TerminologyNames"] == ["d2l"] for r in requests)
    assert [r.text for r in results] == [f"[en] {s}" for s in segments]
    assert all(r.origin is Origin.MACHINE for r in results)


def test_engine_splits_a_segment_larger_than_the_limit(fake: FakeTranslateClient) -> None:
    # Given one paragraph of ~25 kB made of sentences
    paragraph = " ".join(f"Sentence number {i} is about gradient descent and loss." for i in range(450))
    engine = AmazonTranslateEngine(fake)
    # When translated
    [result] = engine.translate([paragraph], "en", "zh")
    # Then it went out in several requests under the limit and came back as one translation
    requests = fake.calls_to("TranslateText")
    assert len(requests) >= 3
    assert all(len(r["Text"].encode()) <= 10_000 for r in requests)
    assert result.origin is Origin.MACHINE
    assert result.text.count("[zh]") == 450  # one element per sentence, each translated once
    assert result.text.index("Sentence number 0 ") < result.text.index("Sentence number 449 ")


def test_engine_throttled(fake: FakeTranslateClient) -> None:
    fake.throttle_next("TranslateText")
    with pytest.raises(TranslateThrottled):
        AmazonTranslateEngine(fake).translate(["Hello."], "en", "zh")


def test_engine_marks_a_segment_whose_code_was_dropped_untranslated(fake: FakeTranslateClient) -> None:
    # Given a service that drops protected spans
    fake.translator = lambda text, s, t: re.sub(r'<span translate="no"[^>]*>[^<]*</span>', "", text)
    # When translated
    results = AmazonTranslateEngine(fake).translate(["Use `x` now", "No code here"], "en", "zh")
    # Then the damaged segment is left in the source language, the other is translated
    assert (results[0].text, results[0].origin) == ("Use `x` now", Origin.UNTRANSLATED)
    assert results[1].origin is Origin.MACHINE
