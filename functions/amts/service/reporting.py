"""Write Report and Write Failure Report.

The run report says, per language pair and file, what was kept from the human translation and
what is machine-translated and needs review, what it cost, which parallel data was used, and
(where a human reference exists) BLEU of the output against it. The failure report says which
state failed, with which error, and lists everything already written, so nothing done before
the failure is lost or has to be redone blindly.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

from amts.config import PRICES_PER_MILLION_CHARS, LanguagePair, price_estimate
from amts.models import (
    FailureInput,
    FailureOutput,
    FileOutcome,
    FilePlan,
    ManifestItem,
    ReportInput,
    ReportOutput,
    WorkItem,
)
from amts.observability import logger
from amts.service.deps import DEDUPE_TTL_SECONDS, Deps, ledger_of
from amts.service.language import lease_key, load_plans, write_act_hypotheses_for
from amts.steps import failed_state_of, rejected_key, result_prefix

if TYPE_CHECKING:
    from amts.domain.report import FileResult, LanguageResult, ScoreResult

# Markdown parsing, scoring (BLEU/chrF), the report models and renderers and the baseline are
# imported where they are used: the Failure Report handler never needs them.

WORKFLOW_VARIANT = "workflow"


def _score(
    work: WorkItem, path: str, output_key: str, reference_key: str | None, deps: Deps
) -> ScoreResult | None:
    """BLEU/chrF of the written output against the existing human translation, if any."""
    from amts.domain import markdown
    from amts.domain.bleu import score_documents
    from amts.domain.report import ScoreResult

    if reference_key is None:
        return None
    lang = work.language
    try:
        hyp = markdown.parse(deps.output.get_text(output_key), lang.target, output_key)
        ref = markdown.parse(deps.reference.get_text(reference_key), lang.target, reference_key)
        tokenizer = deps.settings.language(lang.target).bleu_tokenizer
        return ScoreResult.from_score(score_documents(hyp, ref, lang.target, tokenizer=tokenizer))
    except Exception as exc:  # a score is informative; it must never fail the report
        return ScoreResult.failed(f"{path}: {exc}")


def load_manifest(deps: Deps, key: str | None) -> list[ManifestItem]:
    if not key or not deps.work.exists(key):
        return []
    return [ManifestItem.model_validate(i) for i in json.loads(deps.work.get_text(key))]


def load_outcomes(deps: Deps, run_id: str, pair: str | None = None) -> dict[tuple[str, str], FileOutcome]:
    """(pair, path) -> the file's outcome record, as Assemble File / Record ... Failure wrote it."""
    outcomes: dict[tuple[str, str], FileOutcome] = {}
    for key in deps.work.list_keys(result_prefix(run_id, pair)):
        outcome = FileOutcome.model_validate_json(deps.work.get_text(key))
        outcomes[(outcome.pair, outcome.path)] = outcome
    return outcomes


def load_rejected(deps: Deps, run_id: str) -> dict[str, str]:
    """Uploads Collect Changed Files could not take, key -> reason (see amts.domain.keys)."""
    key = rejected_key(run_id)
    return json.loads(deps.work.get_text(key)) if deps.work.exists(key) else {}


def _language_result(
    work: WorkItem,
    deps: Deps,
    paths: list[str],
    plans: dict[str, FilePlan],
    outcomes: dict[str, FileOutcome],
) -> LanguageResult:
    from amts.domain.report import FileResult, LanguageResult, ParallelDataSummary, summarize_language

    lang = work.language
    result = LanguageResult(
        source_lang=lang.source, target_lang=lang.target, granularity=deps.settings.granularity
    )
    if work.failed:
        err = next(iter((work.failed_at or {}).values()), None) or work.error or {}
        state = failed_state_of(work.failed_at) or "?"
        result.status = "error"
        result.message = f"{state}: {err.get('Error', 'Error')}: {err.get('Cause', '')}".strip()
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
        if pd.name is None and work.plan is not None and work.plan.segments_to_translate:
            result.notes.append("no aligned human translations: the job ran without parallel data")
        result.segments_reviewed = pd.segments_reviewed
        if pd.segments_reviewed:
            result.notes.append(
                f"{pd.segments_reviewed} segment(s) reviewers edited after AMTS wrote them are in the "
                "parallel data as human translation"
            )
        if pd.pairs_left_out:
            result.notes.append(
                f"parallel data over the file limit: {pd.pairs_left_out} pair(s) least relevant to the "
                "changed files (other chapters first) were left out"
            )
        if pd.pairs_cached:
            result.notes.append(f"aligned pairs of {pd.pairs_cached} file(s) reused from the cache")
    pd_status = work.parallel_data_status or {}
    if pd_status.get("fallback"):
        result.notes.append(
            f"the parallel-data update failed; the job used the previous ACTIVE version of "
            f"{pd_status.get('name')}: {pd_status.get('message', '')}".strip()
        )
    if work.job is not None:
        result.job_ids.append(work.job.job_id)
    for path in sorted(set(plans) | set(outcomes) | set(paths)):
        plan = plans.get(path)
        outcome = outcomes.get(path)
        out = outcome.output if outcome is not None and outcome.status == "written" else None
        fr = FileResult(path=path, output_key=out.key if out else None)
        if plan is not None:
            fr.segments_total = plan.segments_total
            fr.segments_reused = plan.segments_reused
            if plan.reference_key is None:
                fr.notes.append("no existing translation: everything was translated")
            else:
                fr.notes.extend(plan.notes)  # the planner's word to the translator
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
            if outcome is not None and outcome.terms is not None:
                _add_terms(result, fr, outcome)
        elif outcome is not None and outcome.status == "superseded":
            fr.status = "skipped"
            fr.message = "not written: a newer upload's output is already there"
        else:
            fr.status = "error"
            if outcome is not None and outcome.status == "failed":
                fr.message = f"not written: {outcome.state} failed: {outcome.error}: {outcome.cause}"
            else:
                fr.message = "not written: no outcome was recorded (see the map run in the console)"
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


def _add_terms(result: LanguageResult, fr: FileResult, outcome: FileOutcome) -> None:
    """The file's terminology check (its S3 record) into the file row and the language's counts."""
    from amts.domain.report import FileTerms, TerminologySummary, TermViolationRow

    terms = outcome.terms
    if terms is None:
        return
    fr.terms = FileTerms(
        occurrences=terms.occurrences,
        violations=[TermViolationRow.model_validate(v.model_dump()) for v in terms.violations],
        error=terms.error,
    )
    summary = result.terminology or TerminologySummary(glossary=terms.glossary)
    summary.files_checked += 1
    summary.occurrences += terms.occurrences
    summary.violations += len(terms.violations)
    if terms.error:
        summary.errors += 1
        fr.notes.append(terms.error)
    result.terminology = summary


def _add_evaluation(result: LanguageResult, work: WorkItem, deps: Deps) -> None:
    """ "act" vs "without-act" on the evaluation set, as two more variants with their delta.

    The workflow's own score (output vs human translation) keeps its summary; the evaluation
    variants are summarized among themselves, so the delta compares like with like: the same
    segments, the same reference, one with ACT and one without.
    """
    from amts.domain.report import FileResult, ScoreResult, summarize_language
    from amts.service.baseline import EVAL_VARIANTS, VARIANT_ACT, VARIANT_BASELINE, evaluation_scores

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
    from amts.domain.report import RunReport, write_reports
    from amts.service.baseline import EVAL_VARIANTS

    items = load_manifest(deps, event.manifest_key)
    outcomes = load_outcomes(deps, event.run_id)
    languages = []
    results = []
    for work in event.results:
        pair = work.language.pair
        work = write_act_hypotheses_for(work, deps)
        results.append(work)
        languages.append(
            _language_result(
                work,
                deps,
                [i.path for i in items if i.pair == pair],
                load_plans(deps, event.run_id, pair),
                {path: o for (p, path), o in outcomes.items() if p == pair},
            )
        )
    failed = sum(1 for w in results if w.failed)
    failed_items = [i for i in items if _item_failed(i, outcomes)]
    rejected = load_rejected(deps, event.run_id)
    failed_files = len(failed_items) + len(rejected)
    written = sum(1 for o in outcomes.values() if o.status == "written")
    status: Literal["succeeded", "partial", "failed"] = (
        "succeeded"
        if failed == 0 and failed_files == 0
        else ("failed" if results and failed == len(results) else "partial")
    )
    evaluated = any(w.plan is not None and w.plan.evaluation is not None for w in event.results)
    report = RunReport(
        execution=event.execution,
        status=status,
        engine=str(deps.extra.get("engine", "amazon-translate")),
        variants=[WORKFLOW_VARIANT, *(EVAL_VARIANTS if evaluated else ())],
        languages=languages,
        notes=[f"upload rejected, not processed: {key}: {why}" for key, why in sorted(rejected.items())],
        metadata={
            "run_id": event.run_id,
            "changed_files": sorted({i.key for i in items}),
            "failed_files": [f"{i.pair}:{i.path}" for i in failed_items],
            "rejected_files": rejected,
            "reports_bucket": deps.buckets.reports,
            "output_bucket": deps.buckets.output,
        },
    )
    keys = write_reports(report, deps.reports.put_text, prefix=f"{event.run_id}/")
    settle_claims(deps, event.execution, items, outcomes)
    release_leases(deps, event.execution, results)
    return ReportOutput(
        run_id=event.run_id,
        execution=event.execution,
        manifest_key=event.manifest_key,
        failed_languages=failed,
        failed_files=failed_files,
        written_files=written,
        report_keys=keys,
        results=results,
    )


def _item_failed(item: ManifestItem, outcomes: dict[tuple[str, str], FileOutcome]) -> bool:
    outcome = outcomes.get((item.pair, item.path))
    return outcome is None or outcome.status == "failed"


def settle_claims(
    deps: Deps, execution: str, items: list[ManifestItem], outcomes: dict[tuple[str, str], FileOutcome]
) -> None:
    """Mark each object version's claim done, or failed when any of its languages failed.

    A failed claim is taken again by the next delivery of that version: the retry works.
    """
    ledger = ledger_of(deps)
    by_claim: dict[str, bool] = {}
    for item in items:
        if item.claim:
            by_claim[item.claim] = by_claim.get(item.claim, True) and not _item_failed(item, outcomes)
    for claim, ok in by_claim.items():
        if not ledger.set_outcome(claim, execution, "done" if ok else "failed", DEDUPE_TTL_SECONDS):
            logger.info("claim held by another execution left alone", extra={"claim": claim})


def release_leases(deps: Deps, execution: str, results: list[WorkItem]) -> None:
    """Release the parallel-data leases this execution may still hold (a failed language)."""
    ledger = ledger_of(deps)
    for work in results:
        name = deps.settings.parallel_data_name_for(LanguagePair(work.language.source, work.language.target))
        ledger.release_lease(lease_key(name), execution)


# --- failure ------------------------------------------------------------------------------------


def failed_state(state: dict[str, Any]) -> str:
    """The state the Catch recorded (``$.failed_at.<id>``; amts.steps), by its console name."""
    recorded = failed_state_of(state.get("failed_at"))
    if recorded is not None:
        return recorded
    if "run_id" not in state:
        return "Collect Changed Files"
    if "failed_languages" in state:
        return "Translate Each Language"
    return "unknown"


def _recorded_error(state: dict[str, Any]) -> dict[str, Any] | None:
    for value in (state.get("failed_at") or {}).values():
        if isinstance(value, dict):
            return value
    error = state.get("error")
    return error if isinstance(error, dict) else None


def write_failure_report(event: FailureInput, deps: Deps) -> FailureOutput:
    state: dict[str, Any] = event.state if isinstance(event.state, dict) else {"records": event.state}
    run_id = str(state.get("run_id") or event.execution)
    errors: list[dict[str, str]] = []
    top_error = _recorded_error(state)
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
            err = _recorded_error(item) or {}
            lang = item.get("language") or {}
            errors.append(
                {
                    "state": failed_state_of(item.get("failed_at")) or "unknown",
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
    outcomes = load_outcomes(deps, run_id) if state.get("run_id") else {}
    written = sorted(
        {
            f"s3://{deps.buckets.output}/{o.output.key}"
            for o in outcomes.values()
            if o.status == "written" and o.output
        }
        | {f"s3://{deps.buckets.reports}/{k}" for k in (state.get("report_keys") or [])}
    )
    # The run failed: release its claims (as failed) and leases so the next delivery can retry.
    items = load_manifest(deps, state.get("manifest_key"))
    settle_claims(deps, event.execution, items, outcomes)
    ledger = ledger_of(deps)
    for pair in deps.settings.language_pairs:
        ledger.release_lease(lease_key(deps.settings.parallel_data_name_for(pair)), event.execution)
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
        written=len(written),
        report_keys=keys,
    )


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
