"""Write Report and Write Failure Report.

The run report says, per language pair and file, what was kept from the human translation and
what is machine-translated and needs review, what it cost, which parallel data was used, and
(where a human reference exists) BLEU of the output against it. The failure report says which
state failed, with which error, and lists everything already written, so nothing done before
the failure is lost or has to be redone blindly.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from amts.config import PRICES_PER_MILLION_CHARS, price_estimate
from amts.domain import markdown
from amts.domain.bleu import score_documents
from amts.domain.report import (
    FileResult,
    LanguageResult,
    ParallelDataSummary,
    RunReport,
    ScoreResult,
    summarize_language,
    write_reports,
)
from amts.models import FailureInput, FailureOutput, ReportInput, ReportOutput, WorkItem
from amts.service.baseline import EVAL_VARIANTS, VARIANT_ACT, VARIANT_BASELINE, evaluation_scores
from amts.service.deps import Deps

WORKFLOW_VARIANT = "workflow"


def _score(
    work: WorkItem, path: str, output_key: str, reference_key: str | None, deps: Deps
) -> ScoreResult | None:
    """BLEU/chrF of the written output against the existing human translation, if any."""
    if reference_key is None:
        return None
    lang = work.language
    try:
        hyp = markdown.parse(deps.output.get_text(output_key), lang.target, output_key)
        ref = markdown.parse(deps.reference.get_text(reference_key), lang.target, reference_key)
        return ScoreResult.from_score(score_documents(hyp, ref, lang.target))
    except Exception as exc:  # a score is informative; it must never fail the report
        return ScoreResult.failed(f"{path}: {exc}")


def _language_result(work: WorkItem, deps: Deps) -> LanguageResult:
    lang = work.language
    result = LanguageResult(
        source_lang=lang.source, target_lang=lang.target, granularity=deps.settings.granularity
    )
    if work.failed:
        err = work.error or {}
        result.status = "error"
        result.message = f"{err.get('Error', 'Error')}: {err.get('Cause', '')}".strip()
    pd = work.parallel_data
    if pd is not None:
        result.parallel_data.append(
            ParallelDataSummary(
                variant=WORKFLOW_VARIANT,
                name=pd.name,
                granularity=deps.settings.granularity,
                format=pd.format,
                pairs=pd.pairs_written,
                bytes=pd.size_bytes,
                skipped={"low_confidence": pd.pairs_dropped} if pd.pairs_dropped else {},
                source_files=pd.files_aligned,
            )
        )
        if pd.name is None:
            result.notes.append("no aligned human translations: the job ran without parallel data")
        result.segments_reviewed = pd.segments_reviewed
        if pd.segments_reviewed:
            result.notes.append(
                f"{pd.segments_reviewed} segment(s) reviewers edited after AMTS wrote them are in the "
                "parallel data as human translation"
            )
    if work.job is not None:
        result.job_ids.append(work.job.job_id)
    plans = {f.path: f for f in (work.plan.files if work.plan else [])}
    outputs = {o.path: o for o in (work.result.outputs if work.result else [])}
    for path in sorted(set(plans) | set(outputs) | {f.path for f in lang.files}):
        plan = plans.get(path)
        out = outputs.get(path)
        fr = FileResult(path=path, output_key=out.key if out else None)
        if plan is not None:
            fr.segments_total = plan.segments_total
            fr.segments_reused = plan.segments_reused
            if plan.reference_key is None:
                fr.notes.append("no existing translation: everything was translated")
        if out is not None:
            fr.segments_translated = out.segments_machine
            fr.segments_untranslated = out.segments_untranslated
            fr.characters_translated = out.characters_translated
            if out.segments_machine:
                fr.notes.append(f"{out.segments_machine} machine-translated segment(s) need review")
            if out.segments_exact or out.segments_fuzzy:
                fr.notes.append(
                    f"translation memory: {out.segments_exact} exact, {out.segments_fuzzy} fuzzy match(es)"
                )
            if out.segments_untranslated:
                fr.status = "warning"
                fr.notes.append(f"{out.segments_untranslated} segment(s) left in the source language")
            score = _score(work, path, out.key, plan.reference_key if plan else None, deps)
            if score is not None:
                fr.scores[WORKFLOW_VARIANT] = score
        else:
            fr.status = "error" if work.failed else "skipped"
            fr.message = "not written: this language failed" if work.failed else "not written"
        result.files.append(fr)
    chars = sum(f.characters_translated for f in result.files)
    result.characters_translated = chars
    result.cost_estimate_usd = price_estimate(chars)
    summarize_language(result, [WORKFLOW_VARIANT], characters={WORKFLOW_VARIANT: chars})
    if pd is not None and pd.pairs_held_out:
        result.notes.append(
            f"parallel data held out {pd.pairs_held_out} pair(s) of the evaluation paragraphs so ACT "
            "could not echo the reference it is scored against"
        )
    _add_evaluation(result, work, deps)
    return result


def _add_evaluation(result: LanguageResult, work: WorkItem, deps: Deps) -> None:
    """ "act" vs "without-act" on the evaluation set, as two more variants with their delta.

    The workflow's own score (output vs human translation) keeps its summary; the evaluation
    variants are summarized among themselves, so the delta compares like with like: the same
    segments, the same reference, one with ACT and one without.
    """
    evaluation = work.plan.evaluation if work.plan else None
    if evaluation is None:
        return
    try:
        scores = evaluation_scores(work, deps)
    except Exception as exc:  # a score is informative; it must never fail the report
        result.notes.append(f"evaluation (act vs without-act) could not be scored: {exc}")
        return
    if scores is None:
        return
    files = {f.path: f for f in result.files}
    for path, by_variant in scores.per_file.items():
        fr = files.get(path)
        if fr is None:
            fr = FileResult(path=path, status="skipped", message="evaluation only")
            result.files.append(fr)
            files[path] = fr
        for variant, score in by_variant.items():
            fr.scores[variant] = ScoreResult.from_score(score)
    workflow_summary, workflow_deltas = list(result.variants), list(result.deltas)
    # Billed on what is sent, not on what came back changed: every variant sends the whole set.
    sent = scores.characters_sent
    costs = {
        VARIANT_BASELINE: round(sent * PRICES_PER_MILLION_CHARS["standard"] / 1e6, 4),
        VARIANT_ACT: round(sent * PRICES_PER_MILLION_CHARS["act_batch"] / 1e6, 4),
    }
    summarize_language(
        result,
        list(EVAL_VARIANTS),
        corpus={v: ScoreResult.from_score(s) for v, s in scores.corpus.items()},
        costs=costs,
        characters={v: sent for v in EVAL_VARIANTS},
    )
    result.variants = workflow_summary + result.variants
    result.deltas = workflow_deltas + result.deltas
    engines = ", ".join(f"{v}: {e}" for v, e in scores.engines.items())
    result.notes.append(
        f"evaluation set: {scores.segments} unchanged paragraph(s) of the previous English paired with "
        f"the human translation (the reference) from {', '.join(scores.files)}"
        + (" (capped)" if scores.capped else "")
        + f"; translated by the batch job with ACT (act) and by TranslateText without parallel data "
        f"(without-act); engines: {engines or 'none'}; the parallel data excluded these paragraphs' pairs"
    )
    result.notes.extend(scores.notes)


def write_report(event: ReportInput, deps: Deps) -> ReportOutput:
    languages = [_language_result(w, deps) for w in event.results]
    failed = sum(1 for w in event.results if w.failed)
    status: Literal["succeeded", "partial", "failed"] = (
        "succeeded" if failed == 0 else ("failed" if failed == len(event.results) else "partial")
    )
    evaluated = any(w.plan is not None and w.plan.evaluation is not None for w in event.results)
    report = RunReport(
        execution=event.execution,
        status=status,
        engine=str(deps.extra.get("engine", "amazon-translate")),
        variants=[WORKFLOW_VARIANT, *(EVAL_VARIANTS if evaluated else ())],
        languages=languages,
        metadata={
            "run_id": event.run_id,
            "changed_files": [c.key for c in event.changes],
            "reports_bucket": deps.buckets.reports,
            "output_bucket": deps.buckets.output,
        },
    )
    keys = write_reports(report, deps.reports.put_text, prefix=f"{event.run_id}/")
    return ReportOutput(**event.model_dump(), failed_languages=failed, report_keys=keys)


# --- failure ------------------------------------------------------------------------------------

# The Map iteration's states in order, with the field each one adds to the work item: the failed
# state is the first one whose field is missing (the ASL is linear inside the Map).
_LANGUAGE_STEPS: tuple[tuple[str, str], ...] = (
    ("Plan Sync", "plan"),
    ("Translate Without ACT", "baseline"),
    ("Build Parallel Data", "parallel_data"),
    ("Create Or Update Parallel Data", "parallel_data_status"),
    ("Start Translation Job", "job_status"),
    ("Assemble Translation", "result"),
)


def failed_language_state(item: dict[str, Any]) -> str:
    plan = item.get("plan") or {}
    for state, fieldname in _LANGUAGE_STEPS:
        if fieldname == "baseline" and not item.get("evaluate_baseline"):
            continue  # "Evaluate Baseline?" skipped it
        if fieldname == "parallel_data" and plan and not plan.get("segments_to_translate"):
            return "Assemble Translation"  # "Anything To Translate?" skipped the translation states
        pd = item.get("parallel_data") or {}
        if fieldname == "parallel_data_status" and item.get("parallel_data") and not pd.get("name"):
            continue  # "Any Parallel Data?" skipped the parallel-data callback
        if not item.get(fieldname):
            return state
    return "Assemble Translation"


def failed_state(state: dict[str, Any]) -> str:
    if "run_id" not in state:
        return "Collect Changed Files"
    if "results" not in state:
        return "Translate Each Language"
    if "failed_languages" not in state:
        return "Write Report"
    return "Translate Each Language"


def write_failure_report(event: FailureInput, deps: Deps) -> FailureOutput:
    state: dict[str, Any] = event.state if isinstance(event.state, dict) else {"records": event.state}
    run_id = str(state.get("run_id") or event.execution)
    errors: list[dict[str, str]] = []
    top_error = state.get("error") if isinstance(state.get("error"), dict) else None
    if top_error is not None:
        errors.append(
            {
                "state": failed_state(state),
                "language": "",
                "error": str(top_error.get("Error", "")),
                "cause": str(top_error.get("Cause", "")),
            }
        )
    for item in state.get("results") or []:
        if isinstance(item, dict) and item.get("failed"):
            err = item.get("error") or {}
            lang = item.get("language") or {}
            errors.append(
                {
                    "state": failed_language_state(item),
                    "language": f"{lang.get('source', '?')}-{lang.get('target', '?')}",
                    "error": str(err.get("Error", "")),
                    "cause": str(err.get("Cause", "")),
                }
            )
    if not errors:
        errors.append(
            {"state": "unknown", "language": "", "error": "Unknown", "cause": "no error in the state"}
        )
    # Everything already written stays where it is (versioned buckets); list it so nothing is lost.
    written = sorted(
        {f"s3://{deps.buckets.output}/{k}" for lang in _languages(state) for k in _outputs_of(lang, deps)}
        | {f"s3://{deps.buckets.reports}/{k}" for k in (state.get("report_keys") or [])}
    )
    first = errors[0]
    failure = {
        "execution": event.execution,
        "run_id": run_id,
        "failed_state": first["state"],
        "error": first["error"],
        "cause": first["cause"],
        "errors": errors,
        "already_written": written,
    }
    keys = [f"{run_id}/failure.json", f"{run_id}/failure.md"]
    deps.reports.put_text(
        keys[0], json.dumps(failure, ensure_ascii=False, indent=2) + "\n", "application/json"
    )
    deps.reports.put_text(keys[1], _failure_markdown(failure), "text/markdown; charset=utf-8")
    return FailureOutput(
        run_id=run_id,
        failed_state=first["state"],
        error=first["error"],
        cause=first["cause"],
        written=written,
        report_keys=keys,
    )


def _languages(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in state.get("results") or [] if isinstance(r, dict)]


def _outputs_of(item: dict[str, Any], deps: Deps) -> list[str]:
    result = item.get("result") or {}
    return [str(o["key"]) for o in result.get("outputs") or [] if isinstance(o, dict) and o.get("key")]


def _failure_markdown(failure: dict[str, Any]) -> str:
    lines = [
        f"# AMTS run {failure['run_id']} failed",
        "",
        f"- Execution: `{failure['execution']}`",
        f"- Failed state: **{failure['failed_state']}**",
        f"- Error: `{failure['error']}`",
        "",
        "## Errors",
        "",
        "| state | language | error | cause |",
        "|---|---|---|---|",
    ]
    for e in failure["errors"]:
        cause = str(e["cause"]).replace("|", "\\|").replace("\n", " ")[:500]
        lines.append(f"| {e['state']} | {e['language'] or '-'} | {e['error']} | {cause} |")
    lines += ["", "## Already written (kept)", ""]
    lines += [f"- {w}" for w in failure["already_written"]] or ["- nothing"]
    return "\n".join(lines) + "\n"
