"""The steps of one "Translate Each Language" iteration.

Plan Sync → (Translate Without ACT: amts.service.baseline, with ``runBaseline``) → Build
Parallel Data → Create Or Update Parallel Data (callback) → Start Translation Job (callback) →
Assemble Translation. Every step re-reads what it needs from S3 by exact version
id instead of passing documents through the state (Step Functions limits state data to 256 KB),
so Assemble recomputes the same sync plan Plan Sync wrote.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from amts.adapters.translate import details_name, read_job_outputs
from amts.config import LanguagePair
from amts.domain import keys, markdown, review, sync
from amts.domain.align import Granularity, align_documents
from amts.domain.model import Document, Span
from amts.domain.paralleldata import ParallelDataFormat, build_parallel_data
from amts.domain.protect import html_to_segments, segments_to_html
from amts.models import (
    CallbackAck,
    CallbackInput,
    ChangedFile,
    FilePlan,
    JobRef,
    LanguageResult,
    OutputFile,
    ParallelDataRef,
    PlanSummary,
    WorkItem,
)
from amts.ports import Origin, Translation
from amts.service import baseline
from amts.service.deps import TOKEN_TTL_SECONDS, Deps
from amts.service.terminology import job_options

_JOB_NAME_UNSAFE = re.compile(r"[^\w.:/=+\-%@ ]+")
PARALLEL_DATA_FORMAT = ParallelDataFormat.TMX


# --- keys -----------------------------------------------------------------------------------


def job_prefix(run_id: str, pair: str) -> str:
    return f"jobs/{run_id}/{pair}"


def plan_key(run_id: str, pair: str) -> str:
    return f"plans/{run_id}/{pair}.json"


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
    plan: Any  # amts.domain.sync.SyncPlan


def segment_fields(segment: Any) -> tuple[int, str, Sequence[Span]]:
    """(piece index, text, protected spans) of a ``SyncPlan.to_translate`` entry."""
    index = getattr(segment, "index", None)
    if index is None:
        index = segment.piece_index
    return int(index), str(segment.text), tuple(getattr(segment, "spans", ()) or ())


def load_file_state(
    change: ChangedFile,
    target: str,
    deps: Deps,
    previous_version_id: str | None = None,
    use_recorded_previous: bool = False,
) -> FileState:
    """Read new source, previous source and existing translation, and plan the sync.

    ``use_recorded_previous``: Assemble passes the version Plan Sync used, so both see the
    same inputs even if another upload happened in between.
    """
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
    ref_key: str | None = reference_key(target, change.path)
    old_target: Document | None = None
    if ref_key and deps.reference.exists(ref_key):
        old_target = markdown.parse(deps.reference.get_text(ref_key), target, ref_key)
    else:
        ref_key = None
    plan = sync.plan_sync(old_doc, new_doc, old_target)
    return FileState(change, new_doc, old_doc, old_target, previous_version_id, ref_key, plan)


def plan_sync(work: WorkItem, deps: Deps) -> WorkItem:
    lang = work.language
    prefix = job_prefix(work.run_id, lang.pair)
    summary = PlanSummary(input_prefix=f"{prefix}/input/", output_prefix=f"{prefix}/output/")
    plans: dict[str, Any] = {}
    # Evaluation candidates: (path, previous English, human translation, new English) of each file
    # that has both and really changed (see amts.service.baseline).
    eval_candidates: list[tuple[str, Document, Document, Document]] = []
    for change in lang.files:
        state = load_file_state(change, lang.target, deps)
        segments = [segment_fields(s) for s in state.plan.to_translate]
        plan_json = state.plan.to_json()
        reused = int(plan_json.get("segments_reused", 0))
        chars = sum(len(text) for _, text, _ in segments)
        if segments and state.old_source is not None and state.old_target is not None:
            eval_candidates.append((change.path, state.old_source, state.old_target, state.new_source))
        input_key = None
        if segments:
            input_key = f"{prefix}/input/{input_name(change.path)}"
            html = segments_to_html([(f"p{index}", text, spans) for index, text, spans in segments])
            deps.work.put_text(input_key, html, "text/html; charset=utf-8")
        plans[change.path] = {
            **plan_json,
            "source_key": change.key,
            "version_id": change.version_id,
            "previous_version_id": state.previous_version_id,
            "reference_key": state.reference_key,
        }
        summary.files.append(
            FilePlan(
                path=change.path,
                source_key=change.key,
                version_id=change.version_id,
                previous_version_id=state.previous_version_id,
                reference_key=state.reference_key,
                plan_key=plan_key(work.run_id, lang.pair),
                input_key=input_key,
                segments_total=reused + len(segments),
                segments_reused=reused,
                segments_to_translate=len(segments),
                characters_to_translate=chars,
            )
        )
    for f in summary.files:
        summary.segments_total += f.segments_total
        summary.segments_reused += f.segments_reused
        summary.segments_to_translate += f.segments_to_translate
        summary.characters_to_translate += f.characters_to_translate
    if deps.settings.run_baseline:
        chosen = baseline.select_evaluation_set(
            sorted(eval_candidates, key=lambda c: c[0]), deps.settings.min_confidence
        )
        summary.evaluation = baseline.write_evaluation_set(work, deps, chosen, summary.input_prefix)
    deps.work.put_text(
        plan_key(work.run_id, lang.pair),
        json.dumps({"pair": lang.pair, "run_id": work.run_id, "files": plans}, ensure_ascii=False, indent=2),
        "application/json",
    )
    return work.model_copy(update={"plan": summary, "evaluate_baseline": summary.evaluation is not None})


# --- parallel data ----------------------------------------------------------------------------


def build_parallel_data_step(work: WorkItem, deps: Deps) -> WorkItem:
    """Align every existing human translation of this pair with the English it translates.

    For a changed file that English is the previous version (the one the translator saw); for
    the rest of the book it is the current source. The pairs of the evaluation paragraphs
    (baseline run) are held out, so ACT cannot echo the reference it is scored against.
    """
    lang = work.language
    settings = deps.settings
    granularity = Granularity(settings.granularity)
    changed = {f.path: f for f in (work.plan.files if work.plan else [])}
    evaluation = work.plan.evaluation if work.plan else None
    held_out = {path: set(pieces) for path, pieces in (evaluation.held_out if evaluation else {}).items()}
    pairs_held_out = 0
    segments_reviewed = 0
    pairs: list[Any] = []
    dropped = 0
    aligned_files = 0
    for ref_key in deps.reference.list_keys(f"{lang.target}/"):
        if not ref_key.endswith(settings.source_suffix):
            continue
        path = ref_key[len(lang.target) + 1 :]
        src_key = f"{settings.source_prefix}{lang.source}/{path}"
        plan = changed.get(path)
        if plan is not None:
            if not plan.previous_version_id:
                continue  # a new file has no English that this translation could translate
            src_text = deps.source.get_text(src_key, plan.previous_version_id)
        elif deps.source.exists(src_key):
            src_text = deps.source.get_text(src_key)
        else:
            continue
        src = markdown.parse(src_text, lang.source, src_key)
        # Blocks still as AMTS wrote them are not human translation; a reviewer's edit is.
        view = review.for_training(deps.reference.get_text(ref_key))
        segments_reviewed += view.reviewed
        tgt = markdown.parse(view.text, lang.target, ref_key)
        result = align_documents(src, tgt, granularity, min_confidence=settings.min_confidence)
        hold = held_out.get(path, set())
        kept = [p for p in result.pairs if not hold.intersection(p.source_pieces)]
        pairs_held_out += len(result.pairs) - len(kept)
        pairs.extend(kept)
        dropped += len(result.dropped)
        aligned_files += 1
    ref = ParallelDataRef(
        format=PARALLEL_DATA_FORMAT.value,
        pairs_dropped=dropped,
        files_aligned=aligned_files,
        pairs_held_out=pairs_held_out,
        segments_reviewed=segments_reviewed,
    )
    if pairs:
        pd_file = build_parallel_data(
            pairs, PARALLEL_DATA_FORMAT, lang.source, lang.target, segtype=granularity.value
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
                }
            )
    return work.model_copy(update={"parallel_data": ref})


def prepare_parallel_data(request: CallbackInput, deps: Deps) -> CallbackAck:
    """Create or update the resource and leave the task token for the poller.

    Without aligned pairs there is nothing to create: the task is completed at once, and the
    job runs without parallel data (the report says so).
    """
    work = request.work
    ref = work.parallel_data
    if ref is None or ref.name is None or ref.s3_uri is None:
        deps.callbacks.success(request.task_token, {"name": None, "status": "SKIPPED"})
        return CallbackAck(key="pd#none", status="SKIPPED")
    info = deps.batch.ensure_parallel_data(
        ref.name, ref.s3_uri, ref.format.upper(), description=f"AMTS {work.language.pair} ({work.run_id})"
    )
    key = f"pd#{ref.name}"
    deps.tokens.put(key, request.task_token, work.execution, "parallel-data", TOKEN_TTL_SECONDS)
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
        raise ValueError("Start Translation Job needs the output of Plan Sync")
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
    key = f"job#{job_id}"
    deps.tokens.put(key, request.task_token, work.execution, "job", TOKEN_TTL_SECONDS)
    return CallbackAck(key=key, status="SUBMITTED")


# --- assembly ---------------------------------------------------------------------------------


def _memory_origins(deps: Deps, output_prefix: str, target: str) -> dict[str, dict[str, str]]:
    """exact/fuzzy/untranslated per segment, when the offline engine wrote them to the details file."""
    suffix = "/" + details_name(target)
    for key in deps.work.list_keys(output_prefix):
        if key.endswith(suffix):
            try:
                origins = json.loads(deps.work.get_text(key)).get("amtsOrigins") or {}
            except json.JSONDecodeError:
                return {}
            return {str(doc): dict(segs) for doc, segs in origins.items() if isinstance(segs, dict)}
    return {}


def assemble(work: WorkItem, deps: Deps) -> WorkItem:
    lang = work.language
    plan = work.plan
    if plan is None:
        raise ValueError("Assemble Translation needs the output of Plan Sync")
    inputs = [input_name(f.path) for f in plan.files if f.input_key]
    if plan.evaluation is not None:
        inputs.append(plan.evaluation.document)
    outputs: dict[str, str | None] = {}
    if inputs and work.job_status is not None:
        output_uri = str(
            work.job_status.get("output_uri") or deps.s3_uri(deps.buckets.work, plan.output_prefix)
        )
        outputs = read_job_outputs(deps.work, output_uri, lang.target, inputs)
    origins = _memory_origins(deps, plan.output_prefix, lang.target)
    by_path = {c.path: c for c in lang.files}
    result = LanguageResult(job_status=(work.job_status or {}).get("status"))
    if plan.evaluation is not None:
        # The eval document is never written to the output bucket: its text only feeds the report.
        result.evaluation_key, result.evaluation_untranslated = baseline.write_act_hypotheses(
            work, deps, outputs.get(plan.evaluation.document)
        )
    for file_plan in plan.files:
        state = load_file_state(
            by_path[file_plan.path],
            lang.target,
            deps,
            previous_version_id=file_plan.previous_version_id,
            use_recorded_previous=True,
        )
        segments = {index: text for index, text, _ in (segment_fields(s) for s in state.plan.to_translate)}
        translated: dict[str, str] = {}
        html = outputs.get(input_name(file_plan.path))
        if html is not None:
            translated = html_to_segments(html, on_damage="omit")
        translations: dict[int, Translation] = {}
        untranslated = damaged = chars = exact = fuzzy = 0
        file_origins = origins.get(input_name(file_plan.path), {})
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
        markdown_text = review.stamp(sync.apply_sync(state.plan, translations), review.style_from_env())
        key = f"{lang.target}/{file_plan.path}"
        deps.output.put_text(key, markdown_text, "text/markdown; charset=utf-8")
        result.outputs.append(
            OutputFile(
                path=file_plan.path,
                key=key,
                segments_reused=file_plan.segments_reused,
                segments_machine=len(segments) - untranslated,
                segments_untranslated=untranslated,
                segments_damaged=damaged,
                segments_exact=exact,
                segments_fuzzy=fuzzy,
                characters_translated=chars,
                reference_found=file_plan.reference_key is not None,
            )
        )
    return work.model_copy(update={"result": result})
