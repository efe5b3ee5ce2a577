"""A stand-in for ``boto3.client("translate")`` that checks every request against botocore's model.

Why not a MagicMock: a mock accepts any parameters, so a misspelt key or a job name the service
would refuse only fails in the cloud. This fake validates each call with botocore's own
``validate_parameters`` against the operation's input shape (types, required members, enums,
minimum lengths), then applies the constraints botocore leaves to the server (maximum lengths
and patterns, e.g. ClientToken ``^[a-zA-Z0-9-]+$``) and answers ``ValidationException`` like the
service. Errors are raised as botocore ``ClientError`` with codes taken from the operation's
error shapes, so adapters see exactly what a real client raises.

Behaviour is scriptable per test:

* jobs: :meth:`script_job` queues how the next started job ends (status, number of describes
  in progress, documents that fail); outputs are written to a (moto) S3 bucket with the
  service's naming, with a details file per target language;
* parallel data: :meth:`script_parallel_data` queues how the next create/update ends
  (ACTIVE, FAILED, or stuck in CREATING/UPDATING);
* :meth:`fail_next` injects any error (throttling, conflict, internal error) into the next
  calls of one operation.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import botocore.session
from botocore.exceptions import ClientError
from botocore.model import OperationModel, Shape
from botocore.validate import validate_parameters

_MODEL = botocore.session.get_session().get_service_model("translate")
# Errors any AWS JSON API may answer although the operation's model does not list them.
GENERIC_ERRORS = frozenset({"ThrottlingException", "ValidationException", "ServiceUnavailableException"})
TERMINAL_JOB = ("COMPLETED", "COMPLETED_WITH_ERROR", "FAILED", "STOPPED")

Translator = Callable[[str, str, str], str]


def identity_translator(text: str, source_lang: str, target_lang: str) -> str:
    return text


def tagging_translator(text: str, source_lang: str, target_lang: str) -> str:
    """Marks every segment paragraph with ``[target]`` so a test can see it was "translated"."""
    return re.sub(r'(<p id="[^"]*"[^>]*>)', lambda m: f"{m.group(1)}[{target_lang}] ", text)


@dataclass(slots=True)
class JobScript:
    """How a started job behaves. ``steps``: describes answered IN_PROGRESS before the end."""

    final_status: str = "COMPLETED"
    steps: int = 1
    failed_documents: Sequence[str] = ()
    message: str | None = None
    never_finish: bool = False


@dataclass(slots=True)
class ParallelDataScript:
    """How the next create/update behaves. ``stuck``: stays CREATING/UPDATING for ever."""

    final_status: str = "ACTIVE"
    steps: int = 1
    stuck: bool = False
    message: str | None = None


@dataclass(slots=True)
class _Job:
    job_id: str
    params: dict[str, Any]
    script: JobScript
    status: str = "SUBMITTED"
    remaining: int = 0
    details: dict[str, int] = field(default_factory=dict)
    output_folder: str = ""
    message: str | None = None
    submitted: datetime = field(default_factory=lambda: datetime.now(UTC))
    ended: datetime | None = None


@dataclass(slots=True)
class _ParallelData:
    name: str
    config: dict[str, str]
    description: str
    status: str
    latest_update: str | None
    script: ParallelDataScript
    remaining: int
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    message: str | None = None


def _client_error(operation: str, code: str, message: str) -> ClientError:
    op = _MODEL.operation_model(operation)
    known = {e.name for e in op.error_shapes}
    if code not in known and code not in GENERIC_ERRORS:
        raise AssertionError(f"{operation} cannot raise {code}; its model lists {sorted(known)}")
    status = 400
    for shape in op.error_shapes:
        if shape.name == code:
            status = int(shape.metadata.get("error", {}).get("httpStatusCode", 400))
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {
            "HTTPStatusCode": status,
            "RequestId": "fake",
            "HTTPHeaders": {},
            "RetryAttempts": 0,
        },
    }
    return ClientError(response, operation)


def _pattern_ok(pattern: str, value: str) -> bool:
    """AWS patterns use Java classes (\\p{L}); translate the ones the Translate model uses."""
    if r"[\P{M}\p{M}]" in pattern:
        return True  # any character
    if r"\p{L}\p{Z}\p{N}" in pattern:
        extra = set("_.:/=+-%@")
        return all(unicodedata.category(c)[0] in "LZN" or c in extra for c in value)
    return re.fullmatch(pattern.removeprefix("^").removesuffix("$"), value) is not None


def _server_constraints(shape: Shape, value: Any, path: str) -> list[str]:
    """Constraints botocore does not check client-side: maximum lengths and patterns."""
    problems: list[str] = []
    meta = shape.metadata
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():  # type: ignore[attr-defined]
            if name in value:
                problems += _server_constraints(member, value[name], f"{path}.{name}")
    elif shape.type_name == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{path}: at most {meta['max']} items")
        for i, item in enumerate(value):
            problems += _server_constraints(shape.member, item, f"{path}[{i}]")  # type: ignore[attr-defined]
    elif shape.type_name == "string" and isinstance(value, str):
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{path}: length {len(value)} exceeds {meta['max']}")
        if "pattern" in meta and not _pattern_ok(meta["pattern"], value):
            problems.append(f"{path}: {value!r} does not match {meta['pattern']}")
    return problems


class FakeTranslateClient:
    """The subset of the Translate API AMTS uses, validated against botocore's model."""

    def __init__(
        self,
        s3_client: Any = None,
        *,
        account_id: str = "123456789012",
        region: str = "us-east-1",
        translator: Translator = identity_translator,
    ) -> None:
        self.s3 = s3_client
        self.account_id = account_id
        self.region = region
        self.translator = translator
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.jobs: dict[str, _Job] = {}
        self.parallel_data: dict[str, _ParallelData] = {}
        self.terminologies: dict[str, dict[str, Any]] = {}
        self._job_scripts: deque[JobScript] = deque()
        self._pd_scripts: deque[ParallelDataScript] = deque()
        self._errors: dict[str, deque[tuple[str, str]]] = {}
        self._tokens: dict[str, str] = {}
        self.default_job_script = JobScript()
        self.default_parallel_data_script = ParallelDataScript()

    # --- scripting -------------------------------------------------------------------------

    def script_job(self, **kwargs: Any) -> JobScript:
        script = JobScript(**kwargs)
        self._job_scripts.append(script)
        return script

    def script_parallel_data(self, **kwargs: Any) -> ParallelDataScript:
        script = ParallelDataScript(**kwargs)
        self._pd_scripts.append(script)
        return script

    def fail_next(self, operation: str, code: str, message: str = "", times: int = 1) -> None:
        """The next ``times`` calls of ``operation`` (e.g. "CreateParallelData") raise ``code``."""
        _client_error(operation, code, message)  # checks the code is one the operation can raise
        queue = self._errors.setdefault(operation, deque())
        for _ in range(times):
            queue.append((code, message or f"fake {code}"))

    def throttle_next(self, operation: str, times: int = 1) -> None:
        self.fail_next(operation, "TooManyRequestsException", "Rate exceeded", times)

    def calls_to(self, operation: str) -> list[dict[str, Any]]:
        return [params for op, params in self.calls if op == operation]

    def finish_job(self, job_id: str) -> None:
        """Move a job to its scripted end now (as if enough time had passed)."""
        job = self.jobs[job_id]
        job.script.never_finish = False
        job.remaining = 0
        self._advance_job(job)

    # --- plumbing --------------------------------------------------------------------------

    def _call(self, operation: str, params: dict[str, Any]) -> OperationModel:
        op = _MODEL.operation_model(operation)
        shape = op.input_shape
        assert shape is not None, f"{operation} has no input shape"
        # Client-side validation, exactly as boto3 does it (raises ParamValidationError).
        validate_parameters(params, shape)
        self.calls.append((operation, params))
        problems = _server_constraints(shape, params, operation)
        if problems:
            raise _client_error(operation, "ValidationException", "; ".join(problems))
        queue = self._errors.get(operation)
        if queue:
            code, message = queue.popleft()
            raise _client_error(operation, code, message)
        return op

    # --- parallel data ---------------------------------------------------------------------

    def create_parallel_data(self, **params: Any) -> dict[str, Any]:
        self._call("CreateParallelData", params)
        name = params["Name"]
        token = params["ClientToken"]
        existing = self.parallel_data.get(name)
        if existing is not None:
            if self._tokens.get(f"pd-create:{name}") == token:
                return {"Name": name, "Status": existing.status}
            raise _client_error(
                "CreateParallelData",
                "ConflictException",
                f"A parallel data resource named {name} already exists",
            )
        script = self._pd_scripts.popleft() if self._pd_scripts else self.default_parallel_data_script
        self.parallel_data[name] = _ParallelData(
            name,
            dict(params["ParallelDataConfig"]),
            params.get("Description", ""),
            "CREATING",
            None,
            script,
            script.steps,
        )
        self._tokens[f"pd-create:{name}"] = token
        return {"Name": name, "Status": "CREATING"}

    def update_parallel_data(self, **params: Any) -> dict[str, Any]:
        self._call("UpdateParallelData", params)
        name = params["Name"]
        pd = self.parallel_data.get(name)
        if pd is None:
            raise _client_error("UpdateParallelData", "ResourceNotFoundException", f"no parallel data {name}")
        if self._tokens.get(f"pd-update:{name}") == params["ClientToken"]:  # a retried request
            latest = pd.latest_update or "ACTIVE"
            return {"Name": name, "Status": pd.status, "LatestUpdateAttemptStatus": latest}
        if pd.status not in ("ACTIVE", "FAILED") or pd.latest_update in ("UPDATING", "CREATING"):
            raise _client_error(
                "UpdateParallelData",
                "ConcurrentModificationException",
                f"parallel data {name} is {pd.status}/{pd.latest_update}: another operation is in progress",
            )
        script = self._pd_scripts.popleft() if self._pd_scripts else self.default_parallel_data_script
        self._tokens[f"pd-update:{name}"] = params["ClientToken"]
        pd.config = dict(params["ParallelDataConfig"])
        pd.latest_update = "UPDATING"
        pd.script = script
        pd.remaining = script.steps
        now = datetime.now(UTC)
        return {
            "Name": name,
            "Status": pd.status,
            "LatestUpdateAttemptStatus": "UPDATING",
            "LatestUpdateAttemptAt": now,
        }

    def get_parallel_data(self, **params: Any) -> dict[str, Any]:
        self._call("GetParallelData", params)
        name = params["Name"]
        pd = self.parallel_data.get(name)
        if pd is None:
            raise _client_error("GetParallelData", "ResourceNotFoundException", f"no parallel data {name}")
        self._advance_parallel_data(pd)
        props: dict[str, Any] = {
            "Name": name,
            "Arn": f"arn:aws:translate:{self.region}:{self.account_id}:parallel-data/{name}",
            "Description": pd.description,
            "Status": pd.status,
            "SourceLanguageCode": "en",
            "TargetLanguageCodes": ["zh"],
            "ParallelDataConfig": pd.config,
            "CreatedAt": pd.created,
            "LastUpdatedAt": pd.created,
        }
        if pd.message:
            props["Message"] = pd.message
        if pd.latest_update is not None:
            props["LatestUpdateAttemptStatus"] = pd.latest_update
            props["LatestUpdateAttemptAt"] = pd.created
        return {
            "ParallelDataProperties": props,
            "DataLocation": {"RepositoryType": "S3", "Location": "https://x"},
        }

    def _advance_parallel_data(self, pd: _ParallelData) -> None:
        in_progress = pd.status == "CREATING" or pd.latest_update == "UPDATING"
        if not in_progress or pd.script.stuck:
            return
        if pd.remaining > 0:
            pd.remaining -= 1
            return
        final = pd.script.final_status
        if pd.status == "CREATING":
            pd.status = final
        else:  # an update: the resource stays ACTIVE with the old data when the update fails
            pd.latest_update = final
        if final == "FAILED":
            pd.message = pd.script.message or "Parallel data file could not be parsed"

    # --- jobs ------------------------------------------------------------------------------

    def start_text_translation_job(self, **params: Any) -> dict[str, Any]:
        self._call("StartTextTranslationJob", params)
        token = params["ClientToken"]
        if token in self._tokens:
            job = self.jobs[self._tokens[token]]
            return {"JobId": job.job_id, "JobStatus": job.status}
        for name in params.get("ParallelDataNames", []):
            pd = self.parallel_data.get(name)
            if pd is None:
                raise _client_error(
                    "StartTextTranslationJob", "ResourceNotFoundException", f"no parallel data {name}"
                )
            if pd.status != "ACTIVE":
                raise _client_error(
                    "StartTextTranslationJob", "InvalidRequestException", f"{name} is {pd.status}"
                )
        job_id = hashlib.md5(token.encode(), usedforsecurity=False).hexdigest()
        script = self._job_scripts.popleft() if self._job_scripts else self.default_job_script
        job = _Job(job_id, params, script, remaining=script.steps)
        base = params["OutputDataConfig"]["S3Uri"]
        job.output_folder = (
            f"{base if base.endswith('/') else base + '/'}{self.account_id}-TranslateText-{job_id}/"
        )
        self.jobs[job_id] = job
        self._tokens[token] = job_id
        return {"JobId": job_id, "JobStatus": "SUBMITTED"}

    def stop_text_translation_job(self, **params: Any) -> dict[str, Any]:
        self._call("StopTextTranslationJob", params)
        job = self.jobs.get(params["JobId"])
        if job is None:
            raise _client_error("StopTextTranslationJob", "ResourceNotFoundException", "no such job")
        if job.status not in TERMINAL_JOB:
            job.status = "STOPPED"
            job.ended = datetime.now(UTC)
        return {"JobId": job.job_id, "JobStatus": job.status}

    def describe_text_translation_job(self, **params: Any) -> dict[str, Any]:
        self._call("DescribeTextTranslationJob", params)
        job = self.jobs.get(params["JobId"])
        if job is None:
            raise _client_error("DescribeTextTranslationJob", "ResourceNotFoundException", "no such job")
        self._advance_job(job)
        p = job.params
        props: dict[str, Any] = {
            "JobId": job.job_id,
            "JobName": p.get("JobName", ""),
            "JobStatus": job.status,
            "SourceLanguageCode": p["SourceLanguageCode"],
            "TargetLanguageCodes": p["TargetLanguageCodes"],
            "ParallelDataNames": p.get("ParallelDataNames", []),
            "SubmittedTime": job.submitted,
            "InputDataConfig": p["InputDataConfig"],
            "OutputDataConfig": {"S3Uri": job.output_folder},
            "DataAccessRoleArn": p["DataAccessRoleArn"],
        }
        if job.details:
            props["JobDetails"] = job.details
        if job.message:
            props["Message"] = job.message
        if job.ended:
            props["EndTime"] = job.ended
        return {"TextTranslationJobProperties": props}

    def _advance_job(self, job: _Job) -> None:
        if job.status in TERMINAL_JOB or job.script.never_finish:
            if job.status == "SUBMITTED":
                job.status = "IN_PROGRESS"
            return
        if job.remaining > 0:
            job.remaining -= 1
            job.status = "IN_PROGRESS"
            return
        final = job.script.final_status
        if final in ("COMPLETED", "COMPLETED_WITH_ERROR"):
            final = self._write_outputs(job)
        else:
            job.message = job.script.message or "The job failed: the input could not be read"
        job.status = final
        job.ended = datetime.now(UTC)

    def _write_outputs(self, job: _Job) -> str:
        """Translate every input document into the job folder, like the service; returns the status."""
        p = job.params
        in_bucket, in_prefix = _split(p["InputDataConfig"]["S3Uri"])
        in_prefix = in_prefix if in_prefix.endswith("/") else in_prefix + "/"
        out_bucket, out_folder = _split(job.output_folder)
        names: list[str] = []
        if self.s3 is not None:
            pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=in_bucket, Prefix=in_prefix)
            names = [o["Key"][len(in_prefix) :] for page in pages for o in page.get("Contents", [])]
        failed = set(job.script.failed_documents)
        if job.script.final_status == "COMPLETED_WITH_ERROR" and not failed and names:
            failed = {names[0]}
        source, targets = p["SourceLanguageCode"], p["TargetLanguageCodes"]
        characters = 0
        for target in targets:
            details: list[dict[str, Any]] = []
            for name in names:
                head, _, base = name.rpartition("/")
                out_name = f"{head}/{target}.{base}" if head else f"{target}.{base}"
                if name in failed:
                    details.append(
                        {
                            "sourceFile": name,
                            "errorCode": "InvalidRequestException",
                            "errorMessage": "The document could not be translated",
                        }
                    )
                    continue
                text = (
                    self.s3.get_object(Bucket=in_bucket, Key=in_prefix + name)["Body"].read().decode("utf-8")
                )
                characters += len(text)
                translated = self.translator(text, source, target)
                self.s3.put_object(
                    Bucket=out_bucket, Key=out_folder + out_name, Body=translated.encode("utf-8")
                )
                details.append(
                    {"sourceFile": name, "targetFile": out_name.rpartition("/")[2], "auxiliaryData": {}}
                )
            if self.s3 is not None:
                aux = {
                    "sourceLanguageCode": source,
                    "targetLanguageCode": target,
                    "charactersTranslated": str(characters),
                    "documentCountWithCustomerError": str(len(failed & set(names))),
                    "documentCountWithServerError": "0",
                    "inputDataPrefix": p["InputDataConfig"]["S3Uri"],
                    "outputDataPrefix": job.output_folder,
                    "details": details,
                }
                key = f"{out_folder}details/{target}.auxiliary-translation-details.json"
                self.s3.put_object(Bucket=out_bucket, Key=key, Body=json.dumps(aux).encode("utf-8"))
        bad = len(failed & set(names))
        job.details = {
            "TranslatedDocumentsCount": len(names) - bad,
            "DocumentsWithErrorsCount": bad,
            "InputDocumentsCount": len(names),
        }
        if self.s3 is not None and not names:
            job.message = f"No input documents found under {p['InputDataConfig']['S3Uri']}"
            return "FAILED"
        return "COMPLETED_WITH_ERROR" if bad else "COMPLETED"

    # --- custom terminology ----------------------------------------------------------------

    def import_terminology(self, **params: Any) -> dict[str, Any]:
        self._call("ImportTerminology", params)
        name = params["Name"]
        data = params["TerminologyData"]
        content = bytes(data["File"])
        lines = content.decode("utf-8").splitlines()
        langs = lines[0].split(",") if lines else []
        props = {
            "Name": name,
            "Description": params.get("Description", ""),
            "Arn": f"arn:aws:translate:{self.region}:{self.account_id}:terminology/{name}/LATEST",
            "SourceLanguageCode": langs[0] if langs else "",
            "TargetLanguageCodes": langs[1:],
            "SizeBytes": len(content),
            "TermCount": max(len(lines) - 1, 0),
            "Format": data["Format"],
            "Directionality": data.get("Directionality", "UNI"),
        }
        self.terminologies[name] = {"properties": props, "file": content}  # MergeStrategy OVERWRITE
        return {"TerminologyProperties": props}

    def get_terminology(self, **params: Any) -> dict[str, Any]:
        self._call("GetTerminology", params)
        found = self.terminologies.get(params["Name"])
        if found is None:
            raise _client_error(
                "GetTerminology", "ResourceNotFoundException", f"terminology {params['Name']} not found"
            )
        return {
            "TerminologyProperties": found["properties"],
            "TerminologyDataLocation": {"RepositoryType": "S3", "Location": "https://example.invalid/terms"},
        }

    # --- TranslateText ---------------------------------------------------------------------

    def translate_text(self, **params: Any) -> dict[str, Any]:
        self._call("TranslateText", params)
        text = params["Text"]
        if len(text.encode("utf-8")) > 10_000:
            raise _client_error(
                "TranslateText",
                "TextSizeLimitExceededException",
                "Input text size exceeds limit of 10000 bytes",
            )
        translated = self.translator(text, params["SourceLanguageCode"], params["TargetLanguageCode"])
        return {
            "TranslatedText": translated,
            "SourceLanguageCode": params["SourceLanguageCode"],
            "TargetLanguageCode": params["TargetLanguageCode"],
            "AppliedTerminologies": [{"Name": n, "Terms": []} for n in params.get("TerminologyNames", [])],
        }


def _split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key
