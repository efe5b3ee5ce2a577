"""``amts bleu`` (one file) and ``amts evaluate`` (the BLEU experiment) (issue: evaluation and reports).

Both print numbers on the D2L study's 0–1 scale next to sacrebleu's 0–100, with the sacrebleu
signature, so a figure can be reproduced with sacrebleu's own CLI on the same extracted text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from amts.cli import app
from amts.cli.common import (
    EXIT_ITEMS_FAILED,
    EXIT_USAGE,
    Engine,
    EngineOpt,
    JsonOpt,
    LangSettingOpt,
    QuietOpt,
    SourceLangOpt,
    TargetLangOpt,
    fail,
)
from amts.domain.bleu import Score, score_files
from amts.domain.report import RunReport, to_json, write_reports_to_dir
from amts.errors import AmtsError, BadInputError, ConfigurationError

EXIT_USER_ERROR = EXIT_USAGE
EXIT_NOT_SCORED = EXIT_ITEMS_FAILED  # --json output written, but the score could not be computed
_fail = fail


def _score_lines(score: Score) -> list[str]:
    assert score.bleu is not None and score.chrf is not None
    lines = [
        f"BLEU  {score.bleu_unit:.4f} (0-1)   {score.bleu:.2f} (0-100)",
        f"chrF  {score.chrf:.2f} (0-100)",
        f"segments {score.segments} compared ({score.method}); tokenizer {score.tokenizer}",
        f"BLEU signature: {score.bleu_signature}",
        f"chrF signature: {score.chrf_signature}",
    ]
    lines += [f"note: {n}" for n in score.notes]
    return lines


BLEU_HELP = (
    "Score one translated markdown file against its reference (BLEU and chrF on translatable text "
    "only: code, math and labels out). With --source the pieces are matched through the source's "
    "paragraph alignment; otherwise by piece order, or as one document when the counts differ."
)


@app.command("bleu", help=BLEU_HELP)
def bleu_command(
    hypothesis: Annotated[Path, typer.Argument(help="The translated markdown file.")],
    reference: Annotated[Path, typer.Argument(help="The human (reference) translation.")],
    target_lang: TargetLangOpt = "zh",
    source: Annotated[
        Path | None,
        typer.Option("--source", help="The source file both translate (better segment matching)."),
    ] = None,
    source_lang: SourceLangOpt = "en",
    as_json: JsonOpt = False,
) -> None:
    for path, role in ((reference, "reference"), (hypothesis, "hypothesis"), (source, "source")):
        if path is not None and not path.is_file():
            raise _fail(BadInputError(path, f"{role} file not found"))
    score = score_files(hypothesis, reference, target_lang, source_path=source, source_lang=source_lang)
    if as_json:
        data: dict[str, Any] = {"hypothesis": str(hypothesis), "reference": str(reference), **score.to_json()}
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        if score.error:
            raise typer.Exit(EXIT_NOT_SCORED)
        return
    if score.error or score.bleu is None:
        raise _fail(AmtsError(score.error or "no score"))
    for line in _score_lines(score):
        typer.echo(line)


EVALUATE_HELP = (
    "Run translation variants (no-act, act-paragraph, act-sentence) over articles with human "
    "references and write report.json, report.md and report.html to --out: BLEU/chrF per "
    "article, averages, pooled corpus score and deltas between variants. --engine memory is "
    "offline (translation memory from the parallel data); --engine amazon calls Amazon Translate "
    "(TranslateText for no-act, batch jobs with parallel data for ACT: needs --bucket and "
    "--role-arn, and AWS credentials in the environment)."
)


def _amazon_backend(bucket: str | None, role_arn: str | None, variants: list[str], run_id: str) -> Any:
    import boto3

    from amts.adapters.s3 import S3BlobStore
    from amts.adapters.translate import AmazonTranslateEngine, AmazonTranslateService
    from amts.service.evaluate import VARIANTS, AmazonBackend

    needs_batch = any(VARIANTS[v] is not None for v in variants)
    if needs_batch and (not bucket or not role_arn):
        raise ConfigurationError(
            "--engine amazon with ACT variants needs --bucket (S3 bucket for parallel data and job files) "
            "and --role-arn (IAM role Amazon Translate assumes to read and write it)"
        )
    client = boto3.client("translate")
    return AmazonBackend(
        AmazonTranslateEngine(client),
        AmazonTranslateService(client, data_access_role_arn=role_arn or ""),
        S3BlobStore(boto3.client("s3"), bucket or ""),
        bucket or "",
        run_id=run_id,
    )


def _print_summary(report: RunReport, written: list[Path]) -> None:
    for lang in report.languages:
        typer.echo(
            f"{lang.source_lang} -> {lang.target_lang}: {len(lang.files)} article(s), status {lang.status}"
        )
        for s in lang.variants:
            avg = "n/a" if s.average_bleu is None else f"{s.average_bleu:.4f}"
            corpus = "n/a" if s.corpus is None or s.corpus.bleu is None else f"{s.corpus.bleu:.4f}"
            typer.echo(
                f"  {s.variant:<14} average BLEU {avg}  pooled BLEU {corpus}  "
                f"scored {s.articles_scored}, failed {s.articles_failed}"
            )
        for d in lang.deltas:
            delta = "n/a" if d.average_bleu is None else f"{d.average_bleu:+.4f}"
            typer.echo(f"  delta {d.variant} - {d.baseline}: {delta}")
    for path in written:
        typer.echo(f"wrote {path}")


@app.command("evaluate", help=EVALUATE_HELP)
def evaluate_command(
    articles: Annotated[
        list[Path], typer.Option("--articles", "-a", help="Article files or folders (repeatable).")
    ],
    references: Annotated[Path, typer.Option("--references", "-r", help="Folder of reference translations.")],
    out: Annotated[Path, typer.Option("--output", "-o", "--out", help="Folder for report.json/.md/.html.")],
    source_lang: SourceLangOpt = "en",
    target_lang: TargetLangOpt = "zh",
    variants: Annotated[
        str, typer.Option("--variants", help="Comma-separated: no-act, act-paragraph, act-sentence.")
    ] = "no-act,act-paragraph,act-sentence",
    engine: EngineOpt = Engine.MEMORY,
    both_directions: Annotated[
        bool, typer.Option("--both-directions", help="Also evaluate target -> source.")
    ] = False,
    parallel_data_from: Annotated[
        Path | None,
        typer.Option(
            "--parallel-data-from", help="Book folder for the parallel data (default: the articles)."
        ),
    ] = None,
    exclude_self: Annotated[
        bool,
        typer.Option(
            "--exclude-self/--include-self", help="Leave each article's own pairs out of the memory."
        ),
    ] = True,
    min_confidence: Annotated[
        float, typer.Option("--min-confidence", help="Alignment confidence cut-off.")
    ] = 0.5,
    execution: Annotated[
        str | None, typer.Option("--execution", help="Run name shown in the report.")
    ] = None,
    sync_plan: Annotated[
        Path | None, typer.Option("--sync-plan", help="A sync plan JSON (reused vs translated segments).")
    ] = None,
    keep_hypotheses: Annotated[
        bool, typer.Option("--keep-hypotheses/--no-hypotheses", help="Write translated markdown under OUT.")
    ] = True,
    bucket: Annotated[
        str | None, typer.Option("--bucket", help="S3 bucket for --engine amazon batch jobs.")
    ] = None,
    role_arn: Annotated[
        str | None, typer.Option("--role-arn", help="Translate data access role (amazon).")
    ] = None,
    lang_settings: LangSettingOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    from amts.config import apply_language_overrides
    from amts.service.evaluate import EvaluationConfig, MemoryBackend, evaluate, parse_variants

    try:
        languages = apply_language_overrides({}, lang_settings or [])
        chosen = parse_variants(variants)
        if engine not in ("memory", "amazon"):
            raise ConfigurationError(f"--engine {engine!r} must be 'memory' or 'amazon'")
        plan: dict[str, Any] | None = None
        if sync_plan is not None:
            if not sync_plan.is_file():
                raise BadInputError(sync_plan, "sync plan not found")
            try:
                plan = json.loads(sync_plan.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise BadInputError(sync_plan, f"not a JSON sync plan ({exc})") from exc
            if not isinstance(plan, dict):
                raise BadInputError(sync_plan, "a sync plan must be a JSON object")
        if not references.is_dir():
            raise BadInputError(references, "references folder not found")
        config = EvaluationConfig(
            articles=articles,
            references=references,
            source_lang=source_lang,
            target_lang=target_lang,
            variants=chosen,
            both_directions=both_directions,
            parallel_data_from=parallel_data_from,
            exclude_self=exclude_self,
            min_confidence=min_confidence,
            execution=execution,
            hypotheses_dir=out / "hypotheses" if keep_hypotheses else None,
            sync_plan=plan,
            on_progress=None if quiet else (lambda line: typer.echo(f"amts: {line}", err=True)),
            languages=languages,
        )
        run_id = execution or "eval"
        backend = MemoryBackend() if engine == "memory" else _amazon_backend(bucket, role_arn, chosen, run_id)
        report = evaluate(config, backend)
        written = write_reports_to_dir(report, out)
    except AmtsError as error:
        raise _fail(error) from None
    if as_json:
        typer.echo(to_json(report), nl=False)
    else:
        _print_summary(report, written)
    if report.status != "succeeded":
        failed = sum(1 for lang in report.languages for f in lang.files if f.status != "ok")
        typer.echo(
            f"amts: {failed} article(s) not fully evaluated (report status {report.status}); "
            "see the notes in the report",
            err=True,
        )
        raise typer.Exit(EXIT_ITEMS_FAILED)
