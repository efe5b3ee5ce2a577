"""Amazon Translate's batch side, offline: parallel data + jobs served by the translation memory.

The local run executes the real workflow against moto S3, where no Translate exists. This
service behaves like the real one where the workflow can see it: it reads the parallel-data file
the workflow wrote, reads every HTML document under the job's input prefix, translates each
segment with :class:`~amts.adapters.memory_engine.TranslationMemoryEngine` built from that
parallel data (protected spans go through :mod:`amts.domain.protect` untouched), and writes the
outputs with the service's naming (``<account>-TranslateText-<jobId>/<target>.<name>`` plus
``details/<target>.auxiliary-translation-details.json``). The details file also carries an
``amtsOrigins`` map (document → segment id → exact/fuzzy/untranslated) for the local report.

Statuses progress over ``describe`` calls like the real service (SUBMITTED → IN_PROGRESS →
COMPLETED; CREATING → ACTIVE) when ``steps`` > 0; with the default 0 they are settled at once.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from amts.adapters.memory_engine import TranslationMemoryEngine
from amts.adapters.translate import client_token as make_client_token
from amts.adapters.translate import details_name, job_output_prefix, output_name, split_s3_uri
from amts.domain.model import Span
from amts.domain.protect import decode_html, segments_to_html
from amts.errors import BadInputError, ParallelDataBusy, ParallelDataFailed, TranslationJobFailed
from amts.ports import BlobStore, JobInfo, JobStatus, Origin, ParallelDataInfo, ParallelDataStatus

StoreFactory = Callable[[str], BlobStore]
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def read_parallel_data(
    text: str, fmt: str, source_lang: str, target_lang: str, path: str = "<parallel data>"
) -> list[tuple[str, str]]:
    """(source, target) pairs from a TSV/CSV/TMX parallel-data file (first CSV/TSV row = language codes)."""
    fmt = fmt.lower()
    if fmt in ("tsv", "csv"):
        rows = _read_delimited(text, fmt)
        if not rows:
            return []
        header = [h.strip() for h in rows[0]]
        try:
            si = _column(header, source_lang)
            ti = _column(header, target_lang)
        except ValueError as error:
            raise BadInputError(path, f"{error} (header row: {', '.join(header)})", line=1) from None
        return [(r[si], r[ti]) for r in rows[1:] if len(r) > max(si, ti) and r[si].strip() and r[ti].strip()]
    if fmt == "tmx":
        try:
            root = ET.fromstring(text)
        except ET.ParseError as error:
            raise BadInputError(path, f"not well-formed TMX: {error}") from None
        pairs: list[tuple[str, str]] = []
        for tu in root.iter("tu"):
            segs: dict[str, str] = {}
            for tuv in tu.iter("tuv"):
                lang = (tuv.get(_XML_LANG) or tuv.get("lang") or "").split("-")[0].lower()
                seg = tuv.find("seg")
                if seg is not None:
                    segs[lang] = "".join(seg.itertext())
            s, t = segs.get(source_lang.split("-")[0]), segs.get(target_lang.split("-")[0])
            if s and t:
                pairs.append((s, t))
        return pairs
    raise BadInputError(path, f"parallel-data format {fmt!r} is not one of tsv, csv, tmx")


def _read_delimited(text: str, fmt: str) -> list[list[str]]:
    if fmt == "csv":
        return list(csv.reader(io.StringIO(text)))
    # TSV fields carry no tab or newline and are not quoted (amts.domain.paralleldata writes them so).
    return [line.split("\t") for line in text.splitlines() if line.strip()]


def _column(header: list[str], lang: str) -> int:
    for i, code in enumerate(header):
        if code == lang or code.split("-")[0] == lang.split("-")[0]:
            return i
    raise ValueError(f"no column for language {lang!r}")


@dataclass(slots=True)
class _ParallelData:
    name: str
    s3_uri: str
    fmt: str
    describes_left: int
    latest_update: bool
    failure: str | None = None


@dataclass(slots=True)
class _Job:
    job_id: str
    output_uri: str
    describes_left: int
    status: JobStatus
    failed_documents: int = 0
    message: str | None = None
    origins: dict[str, dict[str, str]] = field(default_factory=dict)


class LocalBatchTranslationService:
    """BatchTranslationService on S3-like stores, translating with the translation memory."""

    def __init__(
        self,
        store: BlobStore | StoreFactory,
        account_id: str = "000000000000",
        *,
        steps: int = 0,
        threshold: float = 0.75,
    ) -> None:
        # One BlobStore for every bucket (keys are taken without the bucket), or a factory per bucket.
        self._store_for: StoreFactory = (lambda _bucket: store) if isinstance(store, BlobStore) else store
        self.account_id = account_id
        self.steps = steps
        self.threshold = threshold
        self._parallel: dict[str, _ParallelData] = {}
        self._jobs: dict[str, _Job] = {}
        self._tokens: dict[str, str] = {}  # client token -> job id (idempotent start)

    def _read(self, uri: str) -> str:
        bucket, key = split_s3_uri(uri)
        return self._store_for(bucket).get_text(key)

    # --- parallel data ---------------------------------------------------------------------

    def ensure_parallel_data(
        self, name: str, s3_uri: str, fmt: str, description: str = ""
    ) -> ParallelDataInfo:
        existing = self._parallel.get(name)
        if existing is not None and existing.describes_left > 0:
            raise ParallelDataBusy(f"parallel data {name!r} is still being created/updated")
        try:
            self._read(s3_uri)
        except FileNotFoundError as error:
            raise ParallelDataFailed(f"parallel data {name!r}: {error}") from error
        failure = None if fmt.lower() in ("tsv", "csv", "tmx") else f"format {fmt!r} is not TSV, CSV or TMX"
        self._parallel[name] = _ParallelData(
            name, s3_uri, fmt.lower(), self.steps, existing is not None, failure
        )
        if existing is None:
            return ParallelDataInfo(name, ParallelDataStatus.CREATING)
        return ParallelDataInfo(name, ParallelDataStatus.ACTIVE, ParallelDataStatus.UPDATING)

    def describe_parallel_data(self, name: str) -> ParallelDataInfo:
        pd = self._parallel.get(name)
        if pd is None:
            raise ParallelDataFailed(f"parallel data {name!r} does not exist")
        if pd.describes_left > 0:
            pd.describes_left -= 1
            if pd.latest_update:
                return ParallelDataInfo(name, ParallelDataStatus.ACTIVE, ParallelDataStatus.UPDATING)
            return ParallelDataInfo(name, ParallelDataStatus.CREATING)
        final = ParallelDataStatus.FAILED if pd.failure else ParallelDataStatus.ACTIVE
        if pd.latest_update:
            return ParallelDataInfo(name, ParallelDataStatus.ACTIVE, final, pd.failure)
        return ParallelDataInfo(name, final, None, pd.failure)

    def _engine(self, name: str | None, source_lang: str, target_lang: str) -> TranslationMemoryEngine:
        pairs: list[tuple[str, str]] = []
        if name is not None:
            pd = self._parallel.get(name)
            if pd is None:
                raise TranslationJobFailed(f"parallel data {name!r} does not exist")
            pairs = read_parallel_data(self._read(pd.s3_uri), pd.fmt, source_lang, target_lang, pd.s3_uri)
        return TranslationMemoryEngine.from_pairs(pairs, threshold=self.threshold)

    # --- jobs ------------------------------------------------------------------------------

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
        token = make_client_token(client_token)
        if token in self._tokens:
            return self._tokens[token]
        job_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{token}|{job_name}").hex
        engine = self._engine(parallel_data_name, source_lang, target_lang)
        in_bucket, in_prefix = split_s3_uri(input_uri if input_uri.endswith("/") else input_uri + "/")
        out_bucket, _ = split_s3_uri(output_uri)
        in_store, out_store = self._store_for(in_bucket), self._store_for(out_bucket)
        folder_uri = job_output_prefix(output_uri, self.account_id, job_id)
        _, folder = split_s3_uri(folder_uri)
        names = [k[len(in_prefix) :] for k in in_store.list_keys(in_prefix)]
        job = _Job(job_id, folder_uri, self.steps, JobStatus.SUBMITTED)
        details: list[dict[str, object]] = []
        characters = 0
        for name in names:
            html = in_store.get_text(in_prefix + name)
            decoded = decode_html(html)
            if not decoded.texts:
                job.failed_documents += 1
                details.append(
                    {"sourceFile": name, "errorMessage": "no translatable segment found in the document"}
                )
                continue
            out_segments: list[tuple[str, str, Sequence[Span]]] = []
            origins: dict[str, str] = {}
            for seg_id, text in decoded.texts.items():
                characters += len(text)
                result = engine.translate_one(text, source_lang, target_lang)
                origins[seg_id] = str(result.origin)
                spans = _spans_in(result.text, text, decoded.spans.get(seg_id, ()), result.origin)
                out_segments.append((seg_id, result.text, spans))
            out_store.put_text(
                folder + output_name(target_lang, name), segments_to_html(out_segments), "text/html"
            )
            job.origins[name] = origins
            details.append(
                {"sourceFile": name, "targetFile": output_name(target_lang, name).rpartition("/")[2]}
            )
        summary = {
            "sourceLanguageCode": source_lang,
            "targetLanguageCode": target_lang,
            "charactersTranslated": str(characters),
            "documentCountWithCustomerError": str(job.failed_documents),
            "documentCountWithServerError": "0",
            "inputDataPrefix": input_uri,
            "outputDataPrefix": folder_uri,
            "details": details,
            "amtsOrigins": job.origins,
        }
        out_store.put_text(
            folder + details_name(target_lang),
            json.dumps(summary, ensure_ascii=False, indent=2),
            "application/json",
        )
        if not names:
            job.message = f"no input documents under {input_uri}"
        self._jobs[job_id] = job
        self._tokens[token] = job_id
        return job_id

    def describe_job(self, job_id: str) -> JobInfo:
        job = self._jobs.get(job_id)
        if job is None:
            raise TranslationJobFailed(f"no job {job_id}")
        if job.describes_left > 0:
            job.describes_left -= 1
            job.status = JobStatus.IN_PROGRESS
        elif job.message:
            job.status = JobStatus.FAILED
        else:
            job.status = JobStatus.COMPLETED_WITH_ERROR if job.failed_documents else JobStatus.COMPLETED
        return JobInfo(job.job_id, job.status, job.message, job.output_uri, job.failed_documents)

    def origins(self, job_id: str) -> dict[str, dict[str, str]]:
        """document name → segment id → origin (exact / fuzzy / untranslated) of a finished job."""
        return self._jobs[job_id].origins


def _spans_in(translated: str, source: str, source_spans: Sequence[Span], origin: Origin) -> list[Span]:
    """Protected spans of the output: the source's protected texts where they occur in it.

    The real service always keeps ``translate="no"`` spans; a memory hit holds whatever the
    human translator wrote, so a span the translation lacks is simply not marked.
    """
    if origin is Origin.UNTRANSLATED and translated == source:
        return list(source_spans)
    spans: list[Span] = []
    cursor = 0
    for s in sorted(source_spans, key=lambda sp: sp.start):
        original = source[s.start : s.end]
        pos = translated.find(original, cursor)
        if pos < 0:
            continue
        spans.append(Span(pos, pos + len(original), s.kind))
        cursor = pos + len(original)
    return spans
