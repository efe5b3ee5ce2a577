"""The per-file and per-language steps.

Per file and language pair, in the Distributed Maps over the run's manifest: Plan File Sync
(:func:`plan_file`), Assemble File (:func:`assemble_file`), Record Plan/Assembly Failure
(:func:`record_file_failure`). Per language pair, in "Translate Each Language": Build Parallel
Data (sums the file plans, evaluation set, parallel data), Translate Without ACT
(amts.service.baseline), Create Or Update Parallel Data and Start Translation Job (callbacks).

Nothing per file travels through the states: every step re-reads what it needs from S3 by exact
version id (the plan pins the source, previous source and reference versions), and writes its
record to S3 (key layout in :mod:`amts.steps`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from amts.config import LanguagePair
from amts.domain import keys, review
from amts.domain.model import Document, Span
from amts.errors import AmtsError, ConfigurationError, ParallelDataBusy
from amts.models import (
    PLAN_NOTES_MAX,
    CallbackAck,
    CallbackInput,
    ChangedFile,
    FileFailureInput,
    FileItem,
    FileOutcome,
    FilePlan,
    FileStepOutput,
    JobRef,
    ManifestItem,
    OutputFile,
    ParallelDataRef,
    PlanSummary,
    TermsOutcome,
    TermViolationRecord,
    WorkItem,
)
from amts.ports import Origin, Translation
from amts.service.deps import LEASE_TTL_SECONDS, TOKEN_TTL_SECONDS, Deps, ledger_of
from amts.service.terminology import job_options
from amts.steps import (
    align_cache_key,
    job_prefix,
    plan_prefix,
    plan_record_key,
    result_key,
)

if TYPE_CHECKING:
    from amts.domain.align import AlignedPair
    from amts.domain.glossary import Glossary

# The heavy modules (markdown parsing, sync/diff, alignment, parallel data, batch-job adapters,
# the baseline) are imported inside the steps that use them, so that each handler's cold start
# loads only what its own step needs.

_JOB_NAME_UNSAFE = re.compile(r"[^\w.:/=+\-%@ ]+")
PARALLEL_DATA_FORMAT = "tmx"  # amts.domain.paralleldata.ParallelDataFormat.TMX
# Bytes a pair costs in the TMX file besides its text (tags, attributes); used to trim by relevance.
_TMX_PAIR_OVERHEAD = 160


class LanguageNotTranslated(AmtsError):
    """Assemble File found no batch-job output for a file that needed translation."""


class OutputSuperseded(AmtsError):
    """A newer upload's output is already in the output bucket (never raised to Step Functions)."""


def plan_key(run_id: str, pair: str) -> str:  # kept for callers that name the language's plans
    return plan_prefix(run_id, pair)


def input_name(path: str) -> str:
    """Flat file name for the batch input folder (the job input may not contain nested ``details``)."""
    return keys.flat_name(path) + ".html"


def reference_key(target: str, path: str) -> str:
    return f"{target}/{path}"


# --- the sync plan for one file -------------------------------------------------------------


@dataclass(slots=True)
class FileState:
    """The three documents a file's sync works from, and the plan made of them."""

    change: ChangedFile
    new_source: Document
    old_source: Document | None
    old_target: Document | None
    previous_version_id: str | None
    reference_key: str | None
    reference_version_id: str | None
    plan: Any  # amts.domain.sync.SyncPlan
    glossary: PairGlossary | None = None


@dataclass(frozen=True, slots=True)
class PairGlossary:
    """The pair's configured glossary, as read at one S3 version.

    The planner and the parallel-data aligner use it as an alignment anchor, exactly as
    ``amts sync --glossary`` and ``amts align --glossary`` do, so the cloud plans what the CLI
    plans. Plan File Sync records the version it read; Assemble File re-plans from that version,
    so an edit of the glossary between the two cannot change the plan under the batch job.
    """

    key: str
    version_id: str | None
    glossary: Glossary
    sha256: str


def pair_glossary(
    deps: Deps,
    source: str,
    target: str,
    *,
    recorded: bool = False,
    key: str | None = None,
    version_id: str | None = None,
) -> PairGlossary | None:
    """The glossary of ``source → target`` from the reference bucket, or None without one.

    ``recorded``: Assemble passes the key and version Plan File Sync read (no key: the plan had
    none). Otherwise the key is the language's ``glossary`` setting, read at its current version.
    """
    from amts.domain.glossary import Glossary as GlossaryType

    if not recorded:
        key = deps.settings.glossary_language(LanguagePair(source, target)).glossary or None
        if key is None or "en" not in (source, target):
            return None
        version_id = _version_of(deps.reference, key)
    if key is None:
        return None
    try:
        text = deps.reference.get_text(key, version_id)
    except Exception as exc:  # any store's "not there", named for the operator
        raise ConfigurationError(
            f"glossary {key!r} for {source}-{target} not found in the reference bucket"
            f"{f' at version {version_id}' if version_id else ''}: {exc}"
        ) from exc
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return PairGlossary(key, version_id, GlossaryType.from_text(text, source, target), digest)


def segment_fields(segment: Any) -> tuple[int, str, Sequence[Span]]:
    """(segment key, text, protected spans) of a ``SyncPlan.to_translate`` entry: the key is the
    piece index, or past the last one for a paragraph's later changed runs (each run of changed
    sentences is a segment of its own), and keys the translations given to ``apply_sync``."""
    index = getattr(segment, "key", None)
    if index is None:
        index = getattr(segment, "index", None)
    if index is None:
        index = segment.piece_index
    return int(index), str(segment.text), tuple(getattr(segment, "spans", ()) or ())


def _version_of(store: Any, key: str) -> str | None:
    """The current version id of ``key`` in a versioned store (None when it cannot say)."""
    getter = getattr(store, "version_id", None)
    return getter(key) if getter is not None else None


def load_file_state(
    change: ChangedFile,
    target: str,
    deps: Deps,
    previous_version_id: str | None = None,
    use_recorded_previous: bool = False,
    reference_version_id: str | None = None,
    recorded_reference_key: str | None = None,
    recorded_glossary: tuple[str | None, str | None] = (None, None),
) -> FileState:
    """Read new source, previous source and existing translation, and plan the sync.

    ``use_recorded_previous``: Assemble passes the versions Plan File Sync used (previous source
    and the pinned reference version), so both see the same inputs even if another upload
    happened in between.
    """
    from amts.domain import markdown, sync

    # the target language's gluedPeriod setting: how the translation's sentences are segmented
    glued = deps.settings.language(target).glued_period
    new_text = deps.source.get_text(change.key, change.version_id)
    new_doc = markdown.parse(new_text, change.lang, change.key)
    old_doc: Document | None = None
    if use_recorded_previous:
        if previous_version_id:
            old_doc = markdown.parse(
                deps.source.get_text(change.key, previous_version_id), change.lang, change.key
            )
    else:
        previous = deps.previous_version(change.key, change.version_id)
        if previous is not None:
            old_doc = markdown.parse(previous[0], change.lang, change.key)
            previous_version_id = previous[1] or None
    old_target: Document | None = None
    ref_key: str | None
    if use_recorded_previous:
        ref_key = recorded_reference_key
        if ref_key:
            text = deps.reference.get_text(ref_key, reference_version_id)
            old_target = markdown.parse(text, target, ref_key, glued_period=glued)
    else:
        ref_key = reference_key(target, change.path)
        if deps.reference.exists(ref_key):
            reference_version_id = _version_of(deps.reference, ref_key)
            text = deps.reference.get_text(ref_key, reference_version_id)
            old_target = markdown.parse(text, target, ref_key, glued_period=glued)
        else:
            ref_key, reference_version_id = None, None
    glossary = pair_glossary(
        deps,
        change.lang,
        target,
        recorded=use_recorded_previous,
        key=recorded_glossary[0],
        version_id=recorded_glossary[1],
    )
    plan = sync.plan_sync(
        old_doc,
        new_doc,
        old_target,
        glossary=glossary.glossary if glossary is not None else None,
        target_lang=target,
    )
    return FileState(
        change,
        new_doc,
        old_doc,
        old_target,
        previous_version_id,
        ref_key,
        reference_version_id,
        plan,
        glossary,
    )


def _change_of(item: ManifestItem, deps: Deps) -> ChangedFile:
    return ChangedFile(
        bucket=deps.buckets.source,
        key=item.key,
        version_id=item.version_id,
        lang=item.source,
        path=item.path,
        sequencer=item.sequencer,
    )


def plan_file(request: FileItem, deps: Deps) -> FileStepOutput:
    """Plan File Sync: one file in one language pair; writes its plan record and batch input."""
    from amts.domain.protect import segments_to_html

    item = request.file
    pair = item.pair
    prefix = job_prefix(request.run_id, pair)
    state = load_file_state(_change_of(item, deps), item.target, deps)
    segments = [segment_fields(s) for s in state.plan.to_translate]
    reused = int(state.plan.to_json().get("segments_reused", 0))
    input_key = None
    if segments:
        input_key = f"{prefix}/input/{input_name(item.path)}"
        html = segments_to_html([(f"p{index}", text, spans) for index, text, spans in segments])
        deps.work.put_text(input_key, html, "text/html; charset=utf-8")
    record = FilePlan(
        path=item.path,
        source_key=item.key,
        version_id=item.version_id,
        sequencer=item.sequencer,
        previous_version_id=state.previous_version_id,
        reference_key=state.reference_key,
        reference_version_id=state.reference_version_id,
        glossary_key=state.glossary.key if state.glossary is not None else None,
        glossary_version_id=state.glossary.version_id if state.glossary is not None else None,
        plan_key=plan_record_key(request.run_id, pair, item.path),
        input_key=input_key,
        segments_total=reused + len(segments),
        segments_reused=reused,
        segments_to_translate=len(segments),
        characters_to_translate=sum(len(text) for _, text, _ in segments),
        notes=_capped(state.plan.notes),
    )
    deps.work.put_text(record.plan_key, record.model_dump_json(), "application/json")
    return FileStepOutput(path=item.path, pair=pair, status="planned", segments_to_translate=len(segments))


def _capped(notes: list[str]) -> list[str]:
    if len(notes) <= PLAN_NOTES_MAX:
        return list(notes)
    more = len(notes) - PLAN_NOTES_MAX + 1
    return [*notes[: PLAN_NOTES_MAX - 1], f"... and {more} more note(s): run `amts sync --json` on the file"]


def load_plans(deps: Deps, run_id: str, pair: str) -> dict[str, FilePlan]:
    plans: dict[str, FilePlan] = {}
    for key in deps.work.list_keys(plan_prefix(run_id, pair)):
        plan = FilePlan.model_validate_json(deps.work.get_text(key))
        plans[plan.path] = plan
    return plans


def record_file_failure(request: FileFailureInput, deps: Deps) -> FileStepOutput:
    """Record Plan/Assembly Failure: this file's outcome is "failed", with the state and reason."""
    item = request.item.file
    outcome = FileOutcome(
        path=item.path,
        pair=item.pair,
        status="failed",
        state=request.state,
        error=str(request.error.get("Error", "Error")),
        cause=_cause_text(request.error.get("Cause")),
    )
    deps.work.put_text(
        result_key(request.item.run_id, item.pair, item.path), outcome.model_dump_json(), "application/json"
    )
    return FileStepOutput(path=item.path, pair=item.pair, status="failed")


def _cause_text(cause: Any) -> str:
    """Lambda puts {"errorType", "errorMessage", ...} as JSON in the Cause: keep the message."""
    text = str(cause or "")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return text[:2000]
    if isinstance(data, dict) and data.get("errorMessage"):
        return str(data["errorMessage"])[:2000]
    return text[:2000]


# --- parallel data ----------------------------------------------------------------------------


def _relevance(path: str, changed: set[str]) -> int:
    """0: a changed file, 1: same chapter (folder) as a changed file, 2: the rest of the book."""
    if path in changed:
        return 0
    folder = path.rpartition("/")[0]
    return 1 if any(c.rpartition("/")[0] == folder for c in changed) else 2


def _cached_pairs(
    deps: Deps, pair: str, parts: tuple[str, ...], align: Any
) -> tuple[list[AlignedPair], int, int, bool]:
    """(pairs, dropped, blocks reviewers edited, from cache) for one file, keyed by its source and
    reference versions. ``align()`` returns (alignment, reviewed)."""
    from amts.domain.align import AlignedPair, Granularity

    if any(p is None or p == "" for p in parts):
        result, reviewed = align()
        return list(result.pairs), len(result.dropped), reviewed, False
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
    key = align_cache_key(pair, digest)
    if deps.work.exists(key):
        data = json.loads(deps.work.get_text(key))
        pairs = [
            AlignedPair(p["s"], p["t"], float(p["c"]), Granularity(p["g"]), tuple(p["sp"]), tuple(p["tp"]))
            for p in data["pairs"]
        ]
        return pairs, int(data["dropped"]), int(data.get("reviewed", 0)), True
    result, reviewed = align()
    body = {
        "dropped": len(result.dropped),
        "reviewed": reviewed,
        "pairs": [
            {
                "s": p.source,
                "t": p.target,
                "c": p.confidence,
                "g": Granularity(p.granularity).value,
                "sp": list(p.source_pieces),
                "tp": list(p.target_pieces),
            }
            for p in result.pairs
        ],
    }
    deps.work.put_text(key, json.dumps(body, ensure_ascii=False), "application/json")
    return list(result.pairs), len(result.dropped), reviewed, False


def build_parallel_data_step(work: WorkItem, deps: Deps) -> WorkItem:
    """Sum this pair's file plans; then align every human translation with the English it translates.

    For a changed file that English is the previous version (the one the translator saw); for
    the rest of the book it is the current source. Aligned pairs are cached per (source version,
    reference version): a run re-aligns only what changed. The pairs of the evaluation paragraphs
    (baseline run) are held out. When the pairs exceed the file limit, the file keeps those most
    relevant to the changed files (same file, same chapter, then the rest) and counts the others.
    """
    from amts.domain import markdown
    from amts.domain.align import ALIGNER_VERSION, Granularity, align_documents
    from amts.domain.paralleldata import MAX_FILE_BYTES, ParallelDataFormat, build_parallel_data
    from amts.service import baseline

    lang = work.language
    settings = deps.settings
    prefix = job_prefix(work.run_id, lang.pair)
    plans = load_plans(deps, work.run_id, lang.pair)
    summary = PlanSummary(input_prefix=f"{prefix}/input/", output_prefix=f"{prefix}/output/")
    for f in plans.values():
        summary.files += 1
        summary.files_to_translate += 1 if f.segments_to_translate else 0
        summary.segments_total += f.segments_total
        summary.segments_reused += f.segments_reused
        summary.segments_to_translate += f.segments_to_translate
        summary.characters_to_translate += f.characters_to_translate
    work = work.model_copy(update={"plan": summary})
    held_out: dict[str, set[int]] = {}
    if settings.run_baseline and summary.segments_to_translate:
        candidates: list[tuple[str, Document, Document, Document]] = []
        for path in sorted(plans):
            f = plans[path]
            if not (f.segments_to_translate and f.previous_version_id and f.reference_key):
                continue
            state = _state_of(f, lang.source, lang.target, deps)
            if state.old_source is not None and state.old_target is not None:
                candidates.append((path, state.old_source, state.old_target, state.new_source))
        chosen = baseline.select_evaluation_set(candidates, settings.min_confidence)
        evaluation = baseline.write_evaluation_set(work, deps, chosen, summary.input_prefix)
        if evaluation is not None:
            held_out = {path: set(pieces) for path, pieces in evaluation.held_out.items()}
            # The held-out pieces are only needed here: keep the state small.
            evaluation = evaluation.model_copy(update={"held_out": {}})
        summary.evaluation = evaluation
        work = work.model_copy(update={"plan": summary, "evaluate_baseline": evaluation is not None})
    if not summary.segments_to_translate:
        return work.model_copy(update={"parallel_data": ParallelDataRef(format=PARALLEL_DATA_FORMAT)})
    granularity = Granularity(settings.granularity)
    glued = settings.language(lang.target).glued_period  # the translation's sentence ends
    # The glossary anchors the alignment here too (as in the plans); its content is in the cache key.
    glossary = pair_glossary(deps, lang.source, lang.target)
    anchor = glossary.glossary if glossary is not None else None
    changed = set(plans)
    ranked: list[tuple[int, str, AlignedPair]] = []
    dropped = aligned_files = cached = pairs_held_out = segments_reviewed = 0
    for ref_key in deps.reference.list_keys(f"{lang.target}/"):
        if not ref_key.endswith(settings.source_suffix):
            continue
        path = ref_key[len(lang.target) + 1 :]
        src_key = f"{settings.source_prefix}{lang.source}/{path}"
        plan = plans.get(path)
        if plan is not None:
            if not plan.previous_version_id:
                continue  # a new file has no English that this translation could translate
            src_version: str | None = plan.previous_version_id
            ref_version = plan.reference_version_id
        elif deps.source.exists(src_key):
            src_version = _version_of(deps.source, src_key)
            ref_version = _version_of(deps.reference, ref_key)
        else:
            continue

        def align(
            src_key: str = src_key,
            ref_key: str = ref_key,
            sv: str | None = src_version,
            rv: str | None = ref_version,
        ) -> Any:
            src = markdown.parse(deps.source.get_text(src_key, sv), lang.source, src_key)
            # Blocks still as AMTS wrote them are not human translation; a reviewer's edit is.
            view = review.for_training(deps.reference.get_text(ref_key, rv))
            tgt = markdown.parse(view.text, lang.target, ref_key, glued_period=glued)
            aligned = align_documents(src, tgt, granularity, anchor, min_confidence=settings.min_confidence)
            return aligned, view.reviewed

        parts: tuple[str, ...] = (
            f"aligner={ALIGNER_VERSION}",
            src_key,
            src_version or "",
            ref_key,
            ref_version or "",
            granularity.value,
            str(settings.min_confidence),
        )
        if glued is not None:  # a set gluedPeriod segments differently: its own cache entries
            parts += (f"gluedPeriod={glued}",)
        if glossary is not None:  # another glossary can pair differently: its own cache entries
            parts += (f"glossary={glossary.sha256}",)
        try:
            file_pairs, file_dropped, reviewed, hit = _cached_pairs(deps, lang.pair, parts, align)
        except AmtsError:
            continue  # a bad reference file is left out of the parallel data, not fatal
        cached += hit
        segments_reviewed += reviewed
        hold = held_out.get(path, set())
        kept = [p for p in file_pairs if not hold.intersection(p.source_pieces)]
        pairs_held_out += len(file_pairs) - len(kept)
        rank = _relevance(path, changed)
        ranked.extend((rank, path, p) for p in kept)
        dropped += file_dropped
        aligned_files += 1
    limit = int(deps.extra.get("parallel_data_limit_bytes", MAX_FILE_BYTES))
    ranked.sort(key=lambda r: (r[0], r[1]))
    budget = int(limit * 0.95)
    chosen_pairs: list[AlignedPair] = []
    used = 0
    for _, _, pair in ranked:
        size = len(pair.source.encode()) + len(pair.target.encode()) + _TMX_PAIR_OVERHEAD
        if used + size > budget:
            break
        chosen_pairs.append(pair)
        used += size
    left_out = len(ranked) - len(chosen_pairs)
    ref = ParallelDataRef(
        format=PARALLEL_DATA_FORMAT,
        pairs_dropped=dropped,
        files_aligned=aligned_files,
        pairs_held_out=pairs_held_out,
        segments_reviewed=segments_reviewed,
        pairs_left_out=left_out,
        pairs_cached=cached,
    )
    if chosen_pairs:
        pd_file = build_parallel_data(
            chosen_pairs,
            ParallelDataFormat(PARALLEL_DATA_FORMAT),
            lang.source,
            lang.target,
            segtype=granularity.value,
            max_file_bytes=limit,
        )
        if pd_file.pairs_written:
            key = f"parallel-data/{lang.pair}/{work.run_id}.{pd_file.file_extension}"
            deps.work.put_text(key, pd_file.content, "application/xml; charset=utf-8")
            ref = ref.model_copy(
                update={
                    "name": settings.parallel_data_name_for(LanguagePair(lang.source, lang.target)),
                    "key": key,
                    "s3_uri": deps.s3_uri(deps.buckets.work, key),
                    "pairs_written": pd_file.pairs_written,
                    "size_bytes": pd_file.size_bytes,
                    "content_hash": hashlib.sha256(pd_file.content.encode()).hexdigest(),
                }
            )
    return work.model_copy(update={"parallel_data": ref})


def _state_of(plan: FilePlan, source: str, target: str, deps: Deps) -> FileState:
    change = ChangedFile(
        bucket=deps.buckets.source,
        key=plan.source_key,
        version_id=plan.version_id,
        lang=source,
        path=plan.path,
        sequencer=plan.sequencer,
    )
    return load_file_state(
        change,
        target,
        deps,
        previous_version_id=plan.previous_version_id,
        use_recorded_previous=True,
        reference_version_id=plan.reference_version_id,
        recorded_reference_key=plan.reference_key,
        recorded_glossary=(plan.glossary_key, plan.glossary_version_id),
    )


def lease_key(name: str) -> str:
    return f"lease#pd#{name}"


def token_key(name: str, execution: str) -> str:
    """One task-token record per waiting step: parallel data name and execution."""
    return f"pd#{name}#{execution}"


def active_marker_key(pair: str) -> str:
    return f"pd-active/{pair}.json"


def prepare_parallel_data(request: CallbackInput, deps: Deps) -> CallbackAck:
    """Take the pair's lease, create or update the resource and leave the task token for the poller.

    Without aligned pairs there is nothing to create: the task is completed at once, and the
    job runs without parallel data (the report says so). When the resource is ACTIVE with the
    same content (same hash), the update is skipped. Another execution updating the same pair
    holds the lease: ``ParallelDataBusy`` (the ASL retries it with a long interval).
    """
    work = request.work
    ref = work.parallel_data
    if ref is None or ref.name is None or ref.s3_uri is None:
        deps.callbacks.success(request.task_token, {"name": None, "status": "SKIPPED"})
        return CallbackAck(key="pd#none", status="SKIPPED")
    ledger = ledger_of(deps)
    if not ledger.acquire_lease(lease_key(ref.name), work.execution, LEASE_TTL_SECONDS):
        raise ParallelDataBusy(f"another execution is updating the parallel data {ref.name!r}")
    marker = active_marker_key(work.language.pair)
    if ref.content_hash and deps.work.exists(marker):
        active = json.loads(deps.work.get_text(marker))
        if active.get("hash") == ref.content_hash:
            info = deps.batch.describe_parallel_data(ref.name)
            if info.settled and str(info.status) == "ACTIVE":
                deps.callbacks.success(request.task_token, {"name": ref.name, "status": "UNCHANGED"})
                return CallbackAck(key=f"pd#{ref.name}", status="UNCHANGED")
    info = deps.batch.ensure_parallel_data(
        ref.name, ref.s3_uri, ref.format.upper(), description=f"AMTS {work.language.pair} ({work.run_id})"
    )
    key = token_key(ref.name, work.execution)
    if not ledger.put_once(key, request.task_token, work.execution, "parallel-data", TOKEN_TTL_SECONDS):
        raise ParallelDataBusy(f"the task-token record {key!r} belongs to another execution")
    return CallbackAck(key=key, status=str(info.latest_update_status or info.status))


# --- the batch job ----------------------------------------------------------------------------


def job_identity(run_id: str, pair: str) -> tuple[str, str]:
    """(job name, client token): the same run and pair always give the same request."""
    name = _JOB_NAME_UNSAFE.sub("-", f"amts-{run_id}-{pair}")[:256]
    digest = hashlib.sha256(f"{run_id}/{pair}".encode()).hexdigest()[:40]
    return name, f"amts-{digest}"


def start_translation(request: CallbackInput, deps: Deps) -> CallbackAck:
    work = request.work
    lang = work.language
    plan = work.plan
    if plan is None:
        raise ValueError("Start Translation Job needs the output of Build Parallel Data")
    name, token = job_identity(work.run_id, lang.pair)
    pd_name = work.parallel_data.name if work.parallel_data else None
    # issue 13: the target language's custom terminology (imported once per content) and
    # Amazon Translate Settings; nothing is added when the language has neither
    options = job_options(deps.settings, deps.reference, deps.batch, lang.source, lang.target)
    extra: dict[str, Any] = {}
    if options.terminology_name:
        extra["terminology_name"] = options.terminology_name
    if options.settings:
        extra["settings"] = options.settings
    job_id = deps.batch.start_job(
        job_name=name,
        input_uri=deps.s3_uri(deps.buckets.work, plan.input_prefix),
        output_uri=deps.s3_uri(deps.buckets.work, plan.output_prefix),
        source_lang=lang.source,
        target_lang=lang.target,
        parallel_data_name=pd_name,
        client_token=token,
        **extra,
    )
    deps.work.put_text(
        f"{job_prefix(work.run_id, lang.pair)}/job.json",
        JobRef(job_id=job_id, job_name=name, client_token=token).model_dump_json(),
        "application/json",
    )
    status = work.parallel_data_status or {}
    if pd_name and work.parallel_data and status.get("status") == "ACTIVE" and not status.get("fallback"):
        # The resource now holds this content: a later run with the same pairs skips the update.
        deps.work.put_text(
            active_marker_key(lang.pair),
            json.dumps({"name": pd_name, "hash": work.parallel_data.content_hash, "run_id": work.run_id}),
            "application/json",
        )
    if pd_name:
        # The job has started with the parallel data as it is now: the next update may go ahead.
        ledger_of(deps).release_lease(lease_key(pd_name), work.execution)
    key = f"job#{job_id}"
    deps.tokens.put(key, request.task_token, work.execution, "job", TOKEN_TTL_SECONDS)
    return CallbackAck(key=key, status="SUBMITTED")


# --- assembly ---------------------------------------------------------------------------------


def _memory_origins(deps: Deps, output_prefix: str, target: str) -> dict[str, dict[str, str]]:
    """exact/fuzzy/untranslated per segment, when the offline engine wrote them to the details file."""
    from amts.adapters.translate import details_name

    suffix = "/" + details_name(target)
    for key in deps.work.list_keys(output_prefix):
        if key.endswith(suffix):
            try:
                origins = json.loads(deps.work.get_text(key)).get("amtsOrigins") or {}
            except json.JSONDecodeError:
                return {}
            return {str(doc): dict(segs) for doc, segs in origins.items() if isinstance(segs, dict)}
    return {}


def _job_folder_outputs(deps: Deps, run_id: str, pair: str, target: str, name: str) -> str | None:
    """The batch job's translated HTML for one input document; raises when the job never ran."""
    from amts.adapters.translate import details_name, read_job_outputs

    prefix = job_prefix(run_id, pair)
    if not deps.work.exists(f"{prefix}/job.json"):
        raise LanguageNotTranslated(
            f"no batch job ran for {pair}: the language failed before Start Translation Job "
            "(see the failure report); this file was not written"
        )
    output_prefix = f"{prefix}/output/"
    if not any(k.endswith("/" + details_name(target)) for k in deps.work.list_keys(output_prefix)):
        raise LanguageNotTranslated(
            f"the {pair} batch job wrote no output (it failed or was stopped; see the failure report)"
        )
    outputs = read_job_outputs(deps.work, deps.s3_uri(deps.buckets.work, output_prefix), target, [name])
    return outputs.get(name)


def _sequence(value: str | None) -> str:
    """S3 sequencers are hex strings of varying length: compare them padded to one length."""
    return (value or "").upper().rjust(32, "0")


def _write_if_newer(deps: Deps, key: str, text: str, sequencer: str | None) -> bool:
    """Write the output only if what is there came from an older upload (compare-and-swap).

    The sequence (the upload's S3 sequencer) is kept as object metadata; the put is conditional
    on the ETag read (or on there being no object), so an older run finishing later cannot
    overwrite a newer output even when both race.
    """
    writer = getattr(deps.output, "put_text_if", None)
    head = getattr(deps.output, "head", None)
    if writer is None or head is None:  # a store without conditional writes (folders, fakes)
        deps.output.put_text(key, text, "text/markdown; charset=utf-8")
        return True
    for _ in range(5):
        current = head(key)
        if current is not None and _sequence(current.get("sequence")) > _sequence(sequencer):
            return False
        etag = current.get("etag") if current is not None else None
        if writer(key, text, "text/markdown; charset=utf-8", {"amts-sequence": sequencer or ""}, etag):
            return True
    return False


def check_output_terms(
    deps: Deps, source: str, target: str, new_source: Document, text: str, key: str
) -> TermsOutcome | None:
    """The terminology check of one written file, where the language's settings name a glossary.

    The same check as ``amts check-terms`` (:func:`amts.domain.terminology.check_terms`) on the
    new English and the file as written (review markers included, so the lines are the file's).
    None without a glossary or when the source is not English (the glossaries pair English terms
    with their translations). The check informs the report and never fails the file: a glossary
    that cannot be read or a check that raises is recorded as the outcome's ``error``.
    """
    lang = deps.settings.glossary_language(LanguagePair(source, target))
    if not lang.glossary or source != "en":
        return None
    from amts.domain import markdown
    from amts.domain.glossary import parse_entries
    from amts.domain.terminology import check_terms

    outcome = TermsOutcome(glossary=lang.glossary)
    try:
        entries = parse_entries(deps.reference.get_text(lang.glossary))
        result = check_terms(new_source, markdown.parse(text, target, key), entries)
    except Exception as exc:  # informative only: the output is written all the same
        return outcome.model_copy(update={"error": f"terminology check failed: {exc}"[:500]})
    outcome.occurrences = result.occurrences
    outcome.violations = [
        TermViolationRecord(
            term=v.term, translation=v.translation, source_line=v.source_line, target_line=v.target_line
        )
        for v in result.violations
    ]
    return outcome


def assemble_file(request: FileItem, deps: Deps) -> FileStepOutput:
    """Assemble File: the translated segments and reused human text of one file, written if newer."""
    from amts.domain import sync
    from amts.domain.protect import html_to_segments

    item = request.file
    pair = item.pair
    recorded = result_key(request.run_id, pair, item.path)
    if deps.work.exists(recorded):  # Plan File Sync already failed this file: keep its reason
        previous = FileOutcome.model_validate_json(deps.work.get_text(recorded))
        if previous.status == "failed":
            return FileStepOutput(path=item.path, pair=pair, status="failed")
    plan = FilePlan.model_validate_json(deps.work.get_text(plan_record_key(request.run_id, pair, item.path)))
    state = _state_of(plan, item.source, item.target, deps)
    segments = {index: text for index, text, _ in (segment_fields(s) for s in state.plan.to_translate)}
    translated: dict[str, str] = {}
    html: str | None = None
    name = input_name(item.path)
    if segments:
        html = _job_folder_outputs(deps, request.run_id, pair, item.target, name)
        if html is not None:
            translated = html_to_segments(html, on_damage="omit")
    origins = (
        _memory_origins(deps, f"{job_prefix(request.run_id, pair)}/output/", item.target) if segments else {}
    )
    translations: dict[int, Translation] = {}
    untranslated = damaged = chars = exact = fuzzy = 0
    file_origins = origins.get(name, {})
    for index, source_text in segments.items():
        text = translated.get(f"p{index}")
        if text is None:
            damaged += 1 if html is not None else 0
            untranslated += 1
            translations[index] = Translation(source_text, Origin.UNTRANSLATED, 0.0)
        elif text.strip() == source_text.strip():
            untranslated += 1
            translations[index] = Translation(text, Origin.UNTRANSLATED, 0.0)
        else:
            chars += len(source_text)
            origin = file_origins.get(f"p{index}")
            exact += origin == Origin.EXACT
            fuzzy += origin == Origin.FUZZY
            translations[index] = Translation(text, Origin.MACHINE)
    # lineStyle, cjkLatinSpace, punctuationWidth: how the target language's machine output is written
    style = deps.settings.language(item.target).style()
    markdown_text = review.stamp(
        sync.apply_sync(state.plan, translations, style=style), review.style_from_env()
    )
    key = f"{item.target}/{item.path}"
    written = _write_if_newer(deps, key, markdown_text, item.sequencer)
    output = OutputFile(
        path=item.path,
        key=key,
        superseded=not written,
        segments_reused=plan.segments_reused,
        segments_machine=len(segments) - untranslated,
        segments_untranslated=untranslated,
        segments_damaged=damaged,
        segments_exact=exact,
        segments_fuzzy=fuzzy,
        characters_translated=chars,
        reference_found=plan.reference_key is not None,
    )
    terms = (
        check_output_terms(deps, item.source, item.target, state.new_source, markdown_text, key)
        if written
        else None
    )
    outcome = FileOutcome(
        path=item.path, pair=pair, status="written" if written else "superseded", output=output, terms=terms
    )
    deps.work.put_text(
        result_key(request.run_id, pair, item.path), outcome.model_dump_json(), "application/json"
    )
    return FileStepOutput(
        path=item.path,
        pair=pair,
        status=outcome.status,
        term_violations=len(terms.violations) if terms is not None else 0,
    )


def write_act_hypotheses_for(work: WorkItem, deps: Deps) -> WorkItem:
    """The ACT side of the evaluation set (runBaseline): the eval document of the batch job."""
    from amts.adapters.translate import read_job_outputs
    from amts.service import baseline

    plan = work.plan
    if plan is None or plan.evaluation is None or work.job_status is None:
        return work
    outputs = read_job_outputs(
        deps.work,
        deps.s3_uri(deps.buckets.work, plan.output_prefix),
        work.language.target,
        [plan.evaluation.document],
    )
    key, untranslated = baseline.write_act_hypotheses(work, deps, outputs.get(plan.evaluation.document))
    from amts.models import LanguageResult

    result = (work.result or LanguageResult()).model_copy(
        update={"evaluation_key": key, "evaluation_untranslated": untranslated}
    )
    return work.model_copy(update={"result": result})
