"""Amazon Translate: the only module that calls the Translate API.

Two adapters live here:

* :class:`AmazonTranslateService` — the asynchronous side the workflow uses (parallel data for
  Active Custom Translation, batch jobs on HTML documents).
* :class:`AmazonTranslateEngine` — TranslateText, for the "without ACT" baseline and
  ``--engine amazon``. TranslateText takes at most 10,000 bytes per request and has no
  parallel data, so segments are packed into HTML requests under that limit.

Service errors are mapped to the exception classes the ASL retries or catches on
(:mod:`amts.errors`), so a throttled call is retried by Step Functions, not lost.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from amts.domain.protect import decode_html, find_protected_spans, segments_to_html
from amts.errors import (
    ParallelDataBusy,
    ParallelDataFailed,
    TransientError,
    TranslateThrottled,
    TranslationJobFailed,
)
from amts.observability import logger
from amts.ports import (
    BlobStore,
    JobInfo,
    JobStatus,
    Origin,
    ParallelDataInfo,
    ParallelDataStatus,
    Translation,
)

THROTTLING_CODES = frozenset({"TooManyRequestsException", "ThrottlingException", "Throttling"})
BUSY_CODES = frozenset({"ConflictException", "ConcurrentModificationException"})
TRANSIENT_CODES = frozenset({"InternalServerException", "ServiceUnavailableException"})
PARALLEL_DATA_FORMATS = {"tsv": "TSV", "csv": "CSV", "tmx": "TMX"}
HTML_CONTENT_TYPE = "text/html"
# TranslateText accepts up to 10,000 bytes of UTF-8 text; leave room for the HTML wrapper.
TRANSLATE_TEXT_MAX_BYTES = 10_000
_REQUEST_BUDGET = 9_000

_CLIENT_TOKEN_RE = re.compile(r"^[a-zA-Z0-9-]{1,64}$")
_JOB_NAME_EXTRA = set("_.:/=+-%@")


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _message(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Message", "")) or str(error)


def _raise_mapped(error: ClientError, what: str) -> None:
    """Turn retryable service errors into the ASL's error names; leave the rest to the caller."""
    code = error_code(error)
    if code in THROTTLING_CODES:
        raise TranslateThrottled(f"{what}: Amazon Translate throttled the request ({code})") from error
    if code in TRANSIENT_CODES:
        raise TransientError(f"{what}: {code}: {_message(error)}") from error


def client_token(*parts: str) -> str:
    """A deterministic ClientToken (1-64 chars, ``[a-zA-Z0-9-]``) from e.g. execution + pair.

    The same parts always give the same token, so a retried Lambda does not start a second
    job; readable parts are kept when they fit, otherwise a hash suffix keeps it unique.
    """
    raw = "-".join(p for p in parts if p)
    readable = re.sub(r"[^a-zA-Z0-9-]+", "-", raw).strip("-")
    if readable and _CLIENT_TOKEN_RE.match(readable) and readable == raw:
        return readable
    digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:20]
    head = readable[: 64 - len(digest) - 1].strip("-")
    return f"{head}-{digest}" if head else digest


def job_name(*parts: str) -> str:
    """A JobName within the service's rules: 1-256 chars of letters, separators, digits, ``_.:/=+-%@``."""
    raw = "-".join(p for p in parts if p)
    chars = [ch if unicodedata.category(ch)[0] in "LZN" or ch in _JOB_NAME_EXTRA else "-" for ch in raw]
    name = re.sub(r"-{2,}", "-", "".join(chars)).strip(" -")
    if len(name) > 256:
        digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]
        name = f"{name[: 256 - 17]}-{digest}"
    return name or "amts-job"


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key/prefix`` → (bucket, key/prefix)."""
    if not uri.startswith("s3://"):
        raise ValueError(f"not an S3 URI: {uri!r}")
    bucket, _, key = uri[5:].partition("/")
    if not bucket:
        raise ValueError(f"S3 URI without a bucket: {uri!r}")
    return bucket, key


class AmazonTranslateService:
    """BatchTranslationService on a boto3 ``translate`` client."""

    def __init__(self, client: Any = None, data_access_role_arn: str = "") -> None:
        self._client_obj = client  # None: boto3 client created on first use (Lambda cold start)
        self._role_arn = data_access_role_arn

    @property
    def _client(self) -> Any:
        if self._client_obj is None:
            import boto3

            self._client_obj = boto3.client("translate")
        return self._client_obj

    # --- parallel data ---------------------------------------------------------------------

    def ensure_parallel_data(
        self, name: str, s3_uri: str, fmt: str, description: str = ""
    ) -> ParallelDataInfo:
        fmt_name = PARALLEL_DATA_FORMATS.get(fmt.lower())
        if fmt_name is None:
            raise ParallelDataFailed(f"parallel data format {fmt!r} is not one of TSV, CSV, TMX")
        config = {"S3Uri": s3_uri, "Format": fmt_name}
        token = client_token("pd", name, hashlib.sha256(f"{s3_uri}|{fmt_name}".encode()).hexdigest()[:24])
        try:
            existing = self._get_parallel_data(name)
        except _NotFound:
            existing = None
        try:
            if existing is None:
                kwargs: dict[str, Any] = {"Name": name, "ParallelDataConfig": config, "ClientToken": token}
                if description:
                    kwargs["Description"] = description[:256]
                response = self._client.create_parallel_data(**kwargs)
                logger.info("parallel data create requested", extra={"parallel_data": name, "s3_uri": s3_uri})
                return ParallelDataInfo(name, ParallelDataStatus(response.get("Status", "CREATING")))
            if not existing.settled:
                update = existing.latest_update_status
                raise ParallelDataBusy(
                    f"parallel data {name!r} is {existing.status}"
                    f"{f' (update {update})' if update else ''}; another create/update is still running"
                )
            kwargs = {"Name": name, "ParallelDataConfig": config, "ClientToken": token}
            if description:
                kwargs["Description"] = description[:256]
            response = self._client.update_parallel_data(**kwargs)
            logger.info("parallel data update requested", extra={"parallel_data": name, "s3_uri": s3_uri})
            latest = response.get("LatestUpdateAttemptStatus")
            return ParallelDataInfo(
                name,
                ParallelDataStatus(response.get("Status", existing.status)),
                ParallelDataStatus(latest) if latest else ParallelDataStatus.UPDATING,
            )
        except ClientError as error:
            _raise_mapped(error, f"parallel data {name!r}")
            code = error_code(error)
            if code in BUSY_CODES:
                raise ParallelDataBusy(
                    f"parallel data {name!r}: {code} — a create/update is in progress: {_message(error)}"
                ) from error
            raise ParallelDataFailed(
                f"parallel data {name!r} from {s3_uri} was rejected: {code}: {_message(error)}"
            ) from error

    def describe_parallel_data(self, name: str) -> ParallelDataInfo:
        try:
            return self._get_parallel_data(name)
        except _NotFound as error:
            raise ParallelDataFailed(str(error)) from error

    def _get_parallel_data(self, name: str) -> ParallelDataInfo:
        try:
            response = self._client.get_parallel_data(Name=name)
        except ClientError as error:
            _raise_mapped(error, f"GetParallelData {name!r}")
            if error_code(error) == "ResourceNotFoundException":
                raise _NotFound(f"Amazon Translate has no parallel data {name!r}") from error
            raise
        props = response["ParallelDataProperties"]
        latest = props.get("LatestUpdateAttemptStatus")
        return ParallelDataInfo(
            name=props.get("Name", name),
            status=ParallelDataStatus(props["Status"]),
            latest_update_status=ParallelDataStatus(latest) if latest else None,
            message=props.get("Message"),
        )

    # --- custom terminology ----------------------------------------------------------------

    def ensure_terminology(self, name: str, content: bytes, fmt: str = "CSV") -> bool:
        """Import ``content`` as terminology ``name`` unless that exact content is already there.

        Idempotent per content hash: the SHA-256 of the file is kept in the terminology's
        Description; GetTerminology shows it, so a second run with the same glossary makes no
        import. ``MergeStrategy`` is OVERWRITE, deliberately (it is also the only value the API
        accepts): the glossary file is the single source of truth, so a term the translators
        removed or changed must disappear from the service, not linger as a merge would keep it.
        Returns True when an import was made.
        """
        digest = hashlib.sha256(content).hexdigest()
        marker = f"amts sha256:{digest}"
        try:
            props = self._client.get_terminology(Name=name, TerminologyDataFormat=fmt)[
                "TerminologyProperties"
            ]
            if props.get("Description") == marker:
                return False
        except ClientError as error:
            _raise_mapped(error, f"GetTerminology {name!r}")
            if error_code(error) != "ResourceNotFoundException":
                raise
        try:
            self._client.import_terminology(
                Name=name,
                MergeStrategy="OVERWRITE",
                Description=marker,
                TerminologyData={"File": content, "Format": fmt, "Directionality": "UNI"},
            )
        except ClientError as error:
            _raise_mapped(error, f"ImportTerminology {name!r}")
            raise TranslationJobFailed(
                f"Amazon Translate refused terminology {name!r}: {error_code(error)}: {_message(error)}"
            ) from error
        logger.info("terminology imported", extra={"terminology": name, "sha256": digest})
        return True

    # --- batch jobs -----------------------------------------------------------------------

    def start_job(
        self,
        *,
        job_name: str,
        input_uri: str,
        output_uri: str,
        source_lang: str,
        target_lang: str,
        parallel_data_name: str | None,
        client_token: str,
        terminology_name: str | None = None,
        settings: Mapping[str, str] | None = None,
    ) -> str:
        token = client_token if _CLIENT_TOKEN_RE.match(client_token) else _token_of(client_token)
        kwargs: dict[str, Any] = {
            "JobName": _job_name_of(job_name),
            "InputDataConfig": {"S3Uri": _folder(input_uri), "ContentType": HTML_CONTENT_TYPE},
            "OutputDataConfig": {"S3Uri": _folder(output_uri)},
            "DataAccessRoleArn": self._role_arn,
            "SourceLanguageCode": source_lang,
            "TargetLanguageCodes": [target_lang],
            "ClientToken": token,
        }
        if parallel_data_name:
            kwargs["ParallelDataNames"] = [parallel_data_name]
        if terminology_name:
            kwargs["TerminologyNames"] = [terminology_name]  # one terminology per request (quota)
        if settings:
            kwargs["Settings"] = dict(settings)  # Formality / Profanity of the target language
        try:
            response = self._client.start_text_translation_job(**kwargs)
        except ClientError as error:
            _raise_mapped(error, f"StartTextTranslationJob {job_name!r}")
            raise TranslationJobFailed(
                f"Amazon Translate refused job {job_name!r} "
                f"({source_lang}→{target_lang}, input {input_uri}): "
                f"{error_code(error)}: {_message(error)}"
            ) from error
        job_id = str(response["JobId"])
        logger.info("translation job started", extra={"job_id": job_id, "job_name": kwargs["JobName"]})
        return job_id

    def describe_job(self, job_id: str) -> JobInfo:
        try:
            response = self._client.describe_text_translation_job(JobId=job_id)
        except ClientError as error:
            _raise_mapped(error, f"DescribeTextTranslationJob {job_id}")
            if error_code(error) == "ResourceNotFoundException":
                raise TranslationJobFailed(f"Amazon Translate has no job {job_id}") from error
            raise
        props = response["TextTranslationJobProperties"]
        details = props.get("JobDetails") or {}
        return JobInfo(
            job_id=props.get("JobId", job_id),
            status=JobStatus(props["JobStatus"]),
            message=props.get("Message"),
            output_uri=(props.get("OutputDataConfig") or {}).get("S3Uri"),
            documents_failed=int(details.get("DocumentsWithErrorsCount") or 0),
        )

    def stop_job(self, job_id: str) -> None:
        """StopTextTranslationJob; a job already finished (or gone) needs no stopping."""
        try:
            self._client.stop_text_translation_job(JobId=job_id)
        except ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                return
            _raise_mapped(error, f"StopTextTranslationJob {job_id}")
            raise


class _NotFound(Exception):
    """GetParallelData said ResourceNotFoundException (internal: means 'create it')."""


def _folder(uri: str) -> str:
    """Translate wants folders; a trailing slash stops ``in`` matching ``input2/``."""
    return uri if uri.endswith("/") else uri + "/"


def _token_of(text: str) -> str:
    return client_token(text)


def _job_name_of(text: str) -> str:
    return job_name(text)


# --- where the outputs are ------------------------------------------------------------------

_JOB_FOLDER_RE = re.compile(r"(?:^|/)(\d+)-TranslateText-([A-Za-z0-9]+)/?$")


def job_output_prefix(output_uri: str, account_id: str, job_id: str) -> str:
    """The folder the service writes into: ``<output prefix>/<account>-TranslateText-<jobId>/``."""
    if _JOB_FOLDER_RE.search(output_uri.rstrip("/")):
        return _folder(output_uri)
    return f"{_folder(output_uri)}{account_id}-TranslateText-{job_id}/"


def output_name(target_lang: str, input_name: str) -> str:
    """``dir/file.html`` → ``dir/<target>.file.html`` (the service prefixes the file name)."""
    head, _, base = input_name.rpartition("/")
    return f"{head}/{target_lang}.{base}" if head else f"{target_lang}.{base}"


def details_name(target_lang: str) -> str:
    return f"details/{target_lang}.auxiliary-translation-details.json"


def _resolve_job_folder(store: BlobStore, key_prefix: str) -> str:
    """Accept either the job folder itself or the output prefix the job was started with."""
    key_prefix = key_prefix if key_prefix.endswith("/") or not key_prefix else key_prefix + "/"
    if _JOB_FOLDER_RE.search(key_prefix.rstrip("/")):
        return key_prefix
    folders = set()
    for key in store.list_keys(key_prefix):
        rest = key[len(key_prefix) :]
        first = rest.split("/", 1)[0]
        if "-TranslateText-" in first:
            folders.add(first)
    if len(folders) == 1:
        return f"{key_prefix}{folders.pop()}/"
    if len(folders) > 1:
        raise TranslationJobFailed(
            f"several job folders under {key_prefix!r} ({', '.join(sorted(folders))}): "
            "pass the job's own output URI"
        )
    return key_prefix


def _failed_from_details(details: dict[str, Any]) -> set[str]:
    """Source files the details file reports with an error (the format names no error key
    officially; anything error-like, or no target file, counts as failed)."""
    failed: set[str] = set()
    for entry in details.get("details") or []:
        if not isinstance(entry, dict):
            continue
        source = str(entry.get("sourceFile", ""))
        errorish = any("error" in k.lower() for k in entry) or not entry.get("targetFile")
        if source and errorish:
            failed.add(source)
    return failed


def read_job_outputs(
    store: BlobStore, output_uri: str, target_lang: str, input_names: Iterable[str]
) -> dict[str, str | None]:
    """Translated HTML per input document name; ``None`` for a document the job failed on.

    ``store`` is the BlobStore of the output bucket; ``output_uri`` is what DescribeTextTranslationJob
    reports (the job folder) or the prefix the job was started with. COMPLETED_WITH_ERROR is handled
    per document: the details file and the presence of each output decide.
    """
    _, key_prefix = split_s3_uri(output_uri)
    folder = _resolve_job_folder(store, key_prefix)
    failed: set[str] = set()
    details_key = folder + details_name(target_lang)
    if store.exists(details_key):
        try:
            failed = _failed_from_details(json.loads(store.get_text(details_key)))
        except json.JSONDecodeError:
            logger.warning("unreadable translation details file", extra={"key": details_key})
    results: dict[str, str | None] = {}
    for name in input_names:
        key = folder + output_name(target_lang, name)
        base = name.rpartition("/")[2]
        if name in failed or base in failed or not store.exists(key):
            results[name] = None
            continue
        results[name] = store.get_text(key)
    return results


# --- TranslateText -------------------------------------------------------------------------


class AmazonTranslateEngine:
    """TranslationEngine over TranslateText (standard, no parallel data).

    Segments are sent as HTML (one ``<p>`` per segment, protected inline markup in
    ``translate="no"`` spans) packed up to the 10,000-byte request limit; a segment longer than
    the limit is split at sentence ends and then at spaces.
    """

    name = "amazon"

    def __init__(
        self,
        client: Any,
        terminology_names: Sequence[str] = (),
        max_bytes: int = _REQUEST_BUDGET,
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self._client = client
        self._terminologies = list(terminology_names)
        self._settings = dict(settings or {})
        self._max_bytes = min(max_bytes, TRANSLATE_TEXT_MAX_BYTES)
        self.requests = 0
        self.characters = 0

    def translate(self, segments: Sequence[str], source_lang: str, target_lang: str) -> list[Translation]:
        # Expand each segment into pieces that fit alone, then pack pieces into requests.
        pieces: list[tuple[int, str]] = []
        for i, seg in enumerate(segments):
            for piece in self._fit(seg, source_lang):
                pieces.append((i, piece))
        translated: list[list[str]] = [[] for _ in segments]
        failed: set[int] = set()
        for batch in self._batches(pieces):
            outputs = self._translate_batch([p for _, p in batch], source_lang, target_lang)
            for (i, _), out in zip(batch, outputs, strict=True):
                if out is None:
                    failed.add(i)
                else:
                    translated[i].append(out)
        results: list[Translation] = []
        for i, seg in enumerate(segments):
            if i in failed or not seg.strip():
                results.append(Translation(seg, Origin.UNTRANSLATED, 0.0))
            else:
                joiner = "" if target_lang in ("zh", "zh-TW", "ja") else " "
                results.append(Translation(joiner.join(translated[i]), Origin.MACHINE, 1.0))
        return results

    def _envelope_bytes(self, text: str) -> int:
        return len(segments_to_html([("s0", text, find_protected_spans(text))]).encode("utf-8"))

    def _fit(self, segment: str, lang: str) -> list[str]:
        if self._envelope_bytes(segment) <= self._max_bytes:
            return [segment]
        out: list[str] = []
        for sentence in _sentences(segment, lang):
            if self._envelope_bytes(sentence) <= self._max_bytes:
                out.append(sentence)
            else:
                out.extend(self._split_words(sentence))
        return out

    def _split_words(self, text: str) -> list[str]:
        out: list[str] = []
        current = ""
        for word in re.split(r"(?<=\s)", text):
            candidate = current + word
            if current and self._envelope_bytes(candidate) > self._max_bytes:
                out.append(current.strip())
                current = word
            else:
                current = candidate
        if current.strip():
            out.append(current.strip())
        # A single "word" over the limit (e.g. Chinese without spaces): cut by characters.
        final: list[str] = []
        for piece in out:
            while self._envelope_bytes(piece) > self._max_bytes:
                cut = max(1, len(piece) // 2)
                while cut > 1 and self._envelope_bytes(piece[:cut]) > self._max_bytes:
                    cut //= 2
                final.append(piece[:cut])
                piece = piece[cut:]
            if piece:
                final.append(piece)
        return final

    def _batches(self, pieces: list[tuple[int, str]]) -> Iterator[list[tuple[int, str]]]:
        batch: list[tuple[int, str]] = []
        size = self._envelope_bytes("")
        for item in pieces:
            cost = self._envelope_bytes(item[1]) - self._envelope_bytes("") + len('<p id="s000" data-n="0">')
            if batch and size + cost > self._max_bytes:
                yield batch
                batch, size = [], self._envelope_bytes("")
            batch.append(item)
            size += cost
        if batch:
            yield batch

    def _translate_batch(self, texts: list[str], source_lang: str, target_lang: str) -> list[str | None]:
        html = segments_to_html([(f"s{i}", t, find_protected_spans(t)) for i, t in enumerate(texts)])
        kwargs: dict[str, Any] = {
            "Text": html,
            "SourceLanguageCode": source_lang,
            "TargetLanguageCode": target_lang,
        }
        if self._terminologies:
            kwargs["TerminologyNames"] = self._terminologies
        if self._settings:
            kwargs["Settings"] = self._settings
        try:
            response = self._client.translate_text(**kwargs)
        except ClientError as error:
            _raise_mapped(error, "TranslateText")
            raise
        self.requests += 1
        self.characters += sum(len(t) for t in texts)
        decoded = decode_html(str(response["TranslatedText"]))
        out: list[str | None] = []
        for i in range(len(texts)):
            key = f"s{i}"
            if key in decoded.damaged or key not in decoded.texts:
                logger.warning("TranslateText damaged a segment", extra={"problem": decoded.damaged.get(key)})
                out.append(None)
            else:
                out.append(decoded.texts[key])
        return out


_SENTENCE_END = re.compile(r"(?<=[.!?。！？；;])\s*")


def _sentences(text: str, lang: str) -> list[str]:
    try:
        from amts.domain.segment import split_sentences

        parts = split_sentences(text, lang, find_protected_spans(text))
        if parts:
            return parts
    except NotImplementedError:
        pass
    return [p for p in _SENTENCE_END.split(text) if p.strip()]
