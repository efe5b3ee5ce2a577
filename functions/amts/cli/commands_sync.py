"""``amts sync``: bring one translated file up to date with a new version of its source.

Only the segments that changed are translated; every paragraph whose English did not change
keeps its human translation verbatim (see :mod:`amts.domain.sync` for the rules). Engines:

* ``memory`` (default, offline): a translation memory built from the aligned pairs of the old
  source and the old translation (plus ``--memory`` parallel data): it can only serve what
  translators already wrote, so changed text mostly stays untranslated and is marked so.
* ``amazon``: Amazon Translate's TranslateText through boto3 (needs AWS credentials and a
  region).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from amts.adapters.local_batch import read_parallel_data
from amts.adapters.memory_engine import TranslationMemoryEngine
from amts.cli import app
from amts.cli.common import (
    Engine,
    EngineOpt,
    JsonOpt,
    LangSettingOpt,
    SourceLangOpt,
    TargetLangOpt,
    check_suffix,
    is_stdout,
    user_errors,
)
from amts.config import SUPPORTED_LANGUAGES, LanguageSettings, apply_language_overrides
from amts.domain.align import Granularity, align_documents
from amts.domain.glossary import Glossary
from amts.domain.markdown import load_document
from amts.domain.model import Document
from amts.domain.review import MarkerStyle, stamp
from amts.domain.sync import SyncPlan, apply_sync, plan_sync
from amts.errors import BadInputError, ConfigurationError
from amts.ports import Origin, Translation, TranslationEngine

ENGINES = tuple(e.value for e in Engine)


def _check_lang(code: str, option: str) -> str:
    code = code.strip().lower()
    if code not in SUPPORTED_LANGUAGES:
        raise ConfigurationError(
            f"{option} {code!r} is not supported; choose from {', '.join(sorted(SUPPORTED_LANGUAGES))}"
        )
    return code


def memory_engine(
    old_source: Document | None,
    old_target: Document | None,
    memory_file: Path | None,
    glossary: Glossary | None,
) -> TranslationMemoryEngine:
    """Translation memory from what the translators wrote: the aligned paragraph and sentence
    pairs of the old files, then the ``--memory`` parallel data (later entries win)."""
    pairs: list[tuple[str, str]] = []
    if old_source is not None and old_target is not None:
        for granularity in (Granularity.SENTENCE, Granularity.PARAGRAPH):
            result = align_documents(old_source, old_target, granularity, glossary)
            pairs.extend((p.source, p.target) for p in result.pairs)
    if memory_file is not None:
        src = old_source.lang if old_source is not None else "en"
        tgt = old_target.lang if old_target is not None else "zh"
        fmt = memory_file.suffix.lstrip(".").lower()
        if fmt not in ("tsv", "csv", "tmx"):
            raise BadInputError(memory_file, "parallel-data file must end in .tsv, .csv or .tmx")
        try:
            text = memory_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise BadInputError(memory_file, "parallel-data file not found") from None
        except UnicodeDecodeError:
            raise BadInputError(memory_file, "parallel-data file is not UTF-8 text") from None
        pairs.extend(read_parallel_data(text, fmt, src, tgt, str(memory_file)))
    return TranslationMemoryEngine.from_pairs(pairs)


def amazon_engine() -> TranslationEngine:
    """TranslateText through boto3; a clear error instead of a botocore traceback when the
    machine has no credentials or region."""
    import boto3
    from botocore.exceptions import BotoCoreError

    from amts.adapters.translate import AmazonTranslateEngine

    session = boto3.Session()
    if session.get_credentials() is None:
        raise ConfigurationError(
            "--engine amazon needs AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/…, or an "
            "instance role); none were found. Use --engine memory to work offline."
        )
    if not session.region_name:
        raise ConfigurationError("--engine amazon needs an AWS region (AWS_REGION or a profile region)")
    try:
        client = session.client("translate")
    except BotoCoreError as error:
        raise ConfigurationError(f"cannot create an Amazon Translate client: {error}") from None
    return AmazonTranslateEngine(client)


def translate_plan(plan: SyncPlan, engine: TranslationEngine) -> dict[int, Translation]:
    """Send exactly the plan's segments to ``engine``; results keyed by segment key (the new piece
    index, or past the last one for a paragraph's later changed runs)."""
    if not plan.to_translate:
        return {}
    texts = [s.text for s in plan.to_translate]
    results = engine.translate(texts, plan.source_lang, plan.target_lang)
    return {seg.key: tr for seg, tr in zip(plan.to_translate, results, strict=True)}


def summary_line(plan: SyncPlan, translations: dict[int, Translation] | None) -> str:
    data = plan.to_json()
    cost = data["estimated_cost_usd"]
    parts = [
        f"{data['segments_reused']} reused",
        f"{data['segments_to_translate']} to translate",
        f"{data['segments_deleted']} deleted",
        f"{data['characters_to_translate']:,}/{data['characters_total']:,} characters",
        f"~${cost['standard']:.4f} standard / ${cost['act_batch']:.4f} ACT batch",
    ]
    if translations is not None:
        untranslated = sum(
            1
            for s in plan.to_translate
            if (t := translations.get(s.key)) is None or t.origin is Origin.UNTRANSLATED
        )
        parts.append(f"{untranslated} left untranslated")
    return ", ".join(parts)


@app.command("sync")
def sync_command(
    new: Annotated[Path, typer.Option("--new", help="New version of the source file.")],
    old: Annotated[
        Path | None, typer.Option("--old", help="Previous version of the source file (omit: first version).")
    ] = None,
    translation: Annotated[
        Path | None,
        typer.Option(
            "--translation", help="Existing translation of the previous version (missing: translate all)."
        ),
    ] = None,
    source_lang: SourceLangOpt = "en",
    target_lang: TargetLangOpt = "zh",
    engine: EngineOpt = Engine.MEMORY,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Where to write the new translation (.md; - is stdout)."),
    ] = None,
    plan_path: Annotated[Path | None, typer.Option("--plan", help="Write the sync plan (JSON) here.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only plan: write the plan, translate nothing.")
    ] = False,
    memory: Annotated[
        Path | None, typer.Option("--memory", help="Parallel data (.tsv/.csv/.tmx) for the memory engine.")
    ] = None,
    glossary_path: Annotated[
        Path | None, typer.Option("--glossary", help="Glossary (中文，english lines).")
    ] = None,
    as_json: JsonOpt = False,
    markers: Annotated[
        MarkerStyle,
        typer.Option(
            "--markers", help="Review markers as HTML comments, or visible badges in the rendered book."
        ),
    ] = MarkerStyle.COMMENT,
    lang_settings: LangSettingOpt = None,
) -> None:
    """Translate only what changed between OLD and NEW; keep every human translation that still fits.

    Machine output follows the target language's style (lineStyle, cjkLatinSpace,
    punctuationWidth, gluedPeriod: the language's defaults, or --lang-setting); kept human text
    is never restyled.

    The summary goes to stderr; with --json the plan is printed on stdout (with -o -, the
    translation is on stdout and the plan needs --plan FILE). Segments the engine could not
    translate stay in the source language, marked "needs translation", and are counted in the
    summary. Exit 0 when the file was written, 2 on a usage or input error.
    """
    with user_errors():
        _sync(
            new,
            old,
            translation,
            source_lang,
            target_lang,
            engine,
            output,
            plan_path,
            dry_run,
            memory,
            glossary_path,
            as_json,
            markers,
            lang_settings or [],
        )


def _sync(
    new: Path,
    old: Path | None,
    translation: Path | None,
    source_lang: str,
    target_lang: str,
    engine: str,
    output: Path | None,
    plan_path: Path | None,
    dry_run: bool,
    memory: Path | None,
    glossary_path: Path | None,
    as_json: bool = False,
    markers: MarkerStyle = MarkerStyle.COMMENT,
    lang_settings: list[str] | None = None,
) -> None:
    src_lang = _check_lang(source_lang, "--source-lang")
    tgt_lang = _check_lang(target_lang, "--target-lang")
    languages = apply_language_overrides({}, lang_settings or [])
    target_settings = languages.get(tgt_lang) or LanguageSettings(code=tgt_lang)
    if engine not in ENGINES:
        raise ConfigurationError(f"--engine {engine!r} is not one of {', '.join(ENGINES)}")
    if output is None and not dry_run:
        raise ConfigurationError(
            "-o NEW_TGT.md is required (- for stdout), or --dry-run to write only the plan"
        )
    check_suffix(output, ("md",))
    if as_json and is_stdout(output):
        raise ConfigurationError("--json and -o - both write to stdout: write the plan with --plan FILE")

    glossary = Glossary.load(glossary_path, src_lang, tgt_lang) if glossary_path else None
    new_doc = load_document(new, src_lang)
    old_doc = load_document(old, src_lang) if old is not None else None
    old_target: Document | None = None
    if translation is not None:
        if translation.exists():
            old_target = load_document(translation, tgt_lang, glued_period=target_settings.glued_period)
        else:
            typer.echo(f"amts: {translation}: no existing translation, everything is translated", err=True)

    plan = plan_sync(old_doc, new_doc, old_target, glossary=glossary, target_lang=tgt_lang)
    plan.target_lang = tgt_lang
    translations: dict[int, Translation] | None = None
    if not dry_run and plan.to_translate:
        chosen: TranslationEngine = (
            amazon_engine() if engine == "amazon" else memory_engine(old_doc, old_target, memory, glossary)
        )
        translations = translate_plan(plan, chosen)
    plan_json: dict[str, Any] = plan.to_json()
    plan_json["engine"] = None if dry_run else engine
    if plan_path is not None:
        _write(plan_path, json.dumps(plan_json, ensure_ascii=False, indent=2) + "\n")
    if as_json or (dry_run and plan_path is None):
        typer.echo(json.dumps(plan_json, ensure_ascii=False, indent=2))
    if not dry_run and output is not None:
        text = stamp(apply_sync(plan, translations or {}, style=target_settings.style()), markers)
        if is_stdout(output):
            typer.echo(text, nl=False)
        else:
            _write(output, text)
    for note in plan.notes:
        typer.echo(f"amts: {note}", err=True)
    if plan.low_confidence:
        typer.echo(
            f"amts: {len(plan.low_confidence)} unchanged segment(s) retranslated: alignment with the "
            "old translation is not confident (listed under low_confidence in the plan)",
            err=True,
        )
    typer.echo(f"{new}: {summary_line(plan, translations)}", err=True)


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise BadInputError(path, f"cannot write: {error.strerror or error}") from None
