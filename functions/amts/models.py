"""The data that flows between the states of ``statemachine/amts.asl.json``, and the records
the per-file steps keep in S3.

Each Lambda step parses its event into one of these models and returns another one
(``model_dump(mode="json")``); the ASL only moves them around (``Payload.$: "$"``,
``OutputPath: "$.Payload"``, ``ResultPath`` for the callback states). Keeping the shapes here, in
one module, is what lets the handlers, the local runner and the tests agree on them. Unknown
fields are ignored so that a newer state machine can add data without breaking older functions.

No state carries a per-file list: the changed files are a manifest in S3 (:class:`ManifestItem`,
read by the Distributed Maps' ItemReader), each file's plan and outcome are S3 records
(:class:`FilePlan`, :class:`FileOutcome`), and states pass keys and counts, so a state's size does
not grow with the number of files (Step Functions limits state data to 256 KiB).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer


class _Model(BaseModel):
    # defer_build: a schema is built on first use, not for every model when a handler imports.
    model_config = ConfigDict(extra="ignore", defer_build=True)


class ChangedFile(_Model):
    """One uploaded object version of the source bucket: ``<lang>/<path>``."""

    bucket: str
    key: str
    version_id: str | None = None
    lang: str
    path: str  # the key without the language folder: the same path in every language
    sequencer: str | None = None


class LanguageItem(_Model):
    """One "Translate Each Language" iteration: a language pair (its files are in the manifest)."""

    source: str
    target: str
    files: int = 0  # how many manifest items this pair has

    @property
    def pair(self) -> str:
        return f"{self.source}-{self.target}"


# --- Collect Changed Files ----------------------------------------------------------------------


class CollectInput(_Model):
    # the Pipe's batch: slim records {bucket, key, version, sequencer} (amts.trigger_record);
    # full SQS messages wrapping EventBridge S3 events are accepted too
    records: Any = None
    execution: str = "local"


class ManifestItem(_Model):
    """One line of the run's manifest: one changed file in one language pair (a Map item)."""

    path: str
    key: str
    version_id: str | None = None
    sequencer: str | None = None
    source: str
    target: str
    claim: str | None = None  # the object version's claim (marked done/failed by Write Report)

    @property
    def pair(self) -> str:
        return f"{self.source}-{self.target}"


class CollectOutput(_Model):
    run_id: str
    execution: str
    anything_changed: bool
    manifest_key: str | None = None  # work bucket: the changed files x language pairs (ManifestItem)
    file_count: int = 0
    item_count: int = 0
    duplicates: int = 0
    ignored: int = 0  # keys outside the book (wrong suffix, unknown language); logged by name
    # keys that cannot be processed (domain/keys); key -> reason in S3 (steps.rejected_key)
    rejected: int = 0
    languages: list[LanguageItem] = Field(default_factory=list)  # bounded by languagePairs


class FileItem(_Model):
    """Input of one child workflow of "Plan Each File" / "Assemble Each File"."""

    run_id: str
    execution: str
    file: ManifestItem


class FileStepOutput(_Model):
    """What a per-file step returns: counts only (the record itself is in S3)."""

    path: str
    pair: str
    status: str
    segments_to_translate: int = 0
    # Assemble File: how many glossary terms the written file misses (the list is in its S3 record)
    term_violations: int = 0


class FileFailureInput(_Model):
    """Record File Failure: the item, the state that failed (named by the ASL) and the error."""

    item: FileItem
    state: str
    error: dict[str, Any] = Field(default_factory=dict)


# --- inside the Map -----------------------------------------------------------------------------


class FilePlan(_Model):
    """What Plan File Sync decided for one file (an S3 record); Assemble recomputes the plan from the
    same object versions: source, previous source and the reference version it pinned."""

    path: str
    source_key: str
    version_id: str | None = None
    sequencer: str | None = None  # the upload's S3 sequencer: outputs are written only if newer
    previous_version_id: str | None = None  # None: first upload, no previous English
    reference_key: str | None = None  # None: no human translation yet, everything is translated
    reference_version_id: str | None = None  # the reference version the plan read (pinned)
    # The pair's glossary (an alignment anchor of the plan) and the version the plan read (pinned)
    glossary_key: str | None = None
    glossary_version_id: str | None = None
    plan_key: str
    input_key: str | None = None  # batch input HTML (None when nothing of this file is translated)
    segments_total: int = 0
    segments_reused: int = 0
    segments_to_translate: int = 0
    characters_to_translate: int = 0
    # What the planner tells the translator about this file (an edit carried into their text,
    # an equation they wrote inline that changed): shown in the run report. At most
    # PLAN_NOTES_MAX, so that a record stays small whatever the file.
    notes: list[str] = Field(default_factory=list)


PLAN_NOTES_MAX = 50


class EvaluationSetRef(_Model):
    """The "ACT vs without ACT" evaluation set Build Parallel Data wrote (``Settings.run_baseline``).

    Pieces of the previous English of the changed files that the aligner pairs confidently with
    the existing human translation: the human text is the reference both variants are scored
    against. The batch job translates them as one extra input document (``document``).
    """

    key: str  # jobs/<run>/<pair>/evaluation/set.json: ids, files, sources, references
    input_key: str  # jobs/<run>/<pair>/input/__amts_eval__.html
    document: str  # the input document's file name (Assemble reads and skips it)
    segments: int = 0
    characters: int = 0
    # path -> piece indices of the previous English whose pairs Build Parallel Data holds out.
    held_out: dict[str, list[int]] = Field(default_factory=dict)
    capped: bool = False  # the set hit the segment or character cap


class PlanSummary(_Model):
    """The sums of a language's file plans (the plans themselves are S3 records)."""

    files: int = 0
    files_to_translate: int = 0
    segments_total: int = 0
    segments_reused: int = 0
    segments_to_translate: int = 0
    characters_to_translate: int = 0
    input_prefix: str = ""
    output_prefix: str = ""
    evaluation: EvaluationSetRef | None = None  # only with Settings.run_baseline


class ParallelDataRef(_Model):
    name: str | None = None  # None: no aligned pairs, the job runs without parallel data
    key: str | None = None
    s3_uri: str | None = None
    format: str = "tmx"
    pairs_written: int = 0
    pairs_dropped: int = 0
    size_bytes: int = 0
    files_aligned: int = 0
    pairs_held_out: int = 0  # pairs of evaluation paragraphs kept out (runBaseline)
    segments_reviewed: int = 0  # blocks reviewers edited after AMTS wrote them: now parallel data
    pairs_left_out: int = 0  # pairs over the file limit, least relevant to the changed files first
    pairs_cached: int = 0  # files whose aligned pairs came from the cache (same source/reference versions)
    unchanged: bool = False  # same content as the resource's current data: no update needed
    content_hash: str | None = None


class JobRef(_Model):
    job_id: str
    job_name: str
    client_token: str


class OutputFile(_Model):
    path: str
    key: str
    superseded: bool = False  # not written: a newer upload's output is already there
    segments_reused: int = 0
    segments_machine: int = 0
    segments_untranslated: int = 0
    segments_damaged: int = 0
    # Offline engine only: machine segments served by the translation memory, exact vs fuzzy.
    segments_exact: int = 0
    segments_fuzzy: int = 0
    characters_translated: int = 0
    reference_found: bool = True


class BaselineRef(_Model):
    """Translate Without ACT: the evaluation set translated with TranslateText (no parallel data)."""

    key: str  # jobs/<run>/<pair>/evaluation/without-act.json
    engine: str
    segments: int = 0
    characters: int = 0
    untranslated: int = 0
    error: str | None = None  # TranslateText failed for good: the report says so, the sync goes on


class LanguageResult(_Model):
    # Per-file outputs are S3 records (FileOutcome), never part of the state.
    job_status: str | None = None
    # The ACT side of the evaluation set (the batch job's translation of the eval document).
    evaluation_key: str | None = None  # jobs/<run>/<pair>/evaluation/act.json
    evaluation_untranslated: int = 0


class WorkItem(_Model):
    """The state of one Map iteration, growing as it passes the states."""

    run_id: str
    execution: str
    language: LanguageItem
    plan: PlanSummary | None = None
    # Set by Build Parallel Data: "Evaluate Baseline?" sends the item through "Translate Without ACT".
    evaluate_baseline: bool = False
    baseline: BaselineRef | None = None
    parallel_data: ParallelDataRef | None = None
    parallel_data_status: dict[str, Any] | None = None  # the poller's SendTaskSuccess output
    job: JobRef | None = None
    job_status: dict[str, Any] | None = None  # the poller's SendTaskSuccess output
    result: LanguageResult | None = None
    failed: bool = False
    # The Catch of each language step writes {"Error", "Cause"} under its step id
    # (amts.steps: failed.build_parallel_data, ...): the failed state is recorded, not re-derived.
    error: dict[str, Any] | None = None
    failed_at: dict[str, dict[str, Any]] | None = None

    @model_serializer(mode="wrap")
    def _without_empty_failed_at(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Absent, not null, until a Catch writes it: ResultPath "$.failed_at.<id>" cannot write
        # into a null.
        data: dict[str, Any] = handler(self)
        if data.get("failed_at") is None:
            data.pop("failed_at", None)
        return data


class CallbackInput(_Model):
    """Payload of the waitForTaskToken states: the work item plus the task token."""

    work: WorkItem
    task_token: str


class CallbackAck(_Model):
    """What the callback functions return (ignored by Step Functions, useful in logs and tests)."""

    key: str
    status: str


class TermViolationRecord(_Model):
    """One English glossary term whose agreed translation the written file does not use."""

    term: str
    translation: str  # the agreed translation(s), "a / b"
    source_line: int  # in the new English
    target_line: int  # in the written translation


class TermsOutcome(_Model):
    """The terminology check of one written file (``amts check-terms`` on the run's output).

    Only in the file's S3 record: a chapter can miss dozens of terms, and the states carry counts.
    """

    glossary: str  # the key of the glossary in the reference bucket
    occurrences: int = 0  # (paragraph, term) pairs checked
    violations: list[TermViolationRecord] = Field(default_factory=list)
    error: str | None = None  # the check could not run (the file is written all the same)


# --- after the Map ------------------------------------------------------------------------------


class FileOutcome(_Model):
    """The per-file, per-language record of what happened (S3, read by Write Report)."""

    path: str
    pair: str
    status: str  # written | superseded | failed
    state: str | None = None  # the state that failed
    error: str | None = None
    cause: str | None = None
    output: OutputFile | None = None
    terms: TermsOutcome | None = None  # only where the language's settings name a glossary


class ReportInput(_Model):
    run_id: str
    execution: str
    manifest_key: str | None = None
    file_count: int = 0
    results: list[WorkItem] = Field(default_factory=list)  # one per language pair (bounded)


class ReportOutput(_Model):
    run_id: str
    execution: str
    manifest_key: str | None = None
    failed_languages: int = 0
    failed_files: int = 0
    written_files: int = 0
    report_keys: list[str] = Field(default_factory=list)
    results: list[WorkItem] = Field(default_factory=list)  # one per language pair (bounded)


class FailureInput(_Model):
    state: dict[str, Any] | list[Any] | None = None
    execution: str = "local"
    reports_bucket: str | None = None


class FailureOutput(_Model):
    run_id: str
    failed_state: str
    error: str
    cause: str
    written: int = 0  # outputs already written (listed in failure.json, not in the state)
    report_keys: list[str] = Field(default_factory=list)
