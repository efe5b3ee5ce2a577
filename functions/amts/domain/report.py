"""Run and evaluation reports: one model, three writers (JSON, Markdown, HTML) (OWNER: evaluation helper).

Two producers share this model so that every execution leaves the same kind of report:

* the workflow's *Write Report* Lambda (``kind="run"``): per language pair, per file, what was
  reused from the human translation, what was machine-translated, what it cost;
* ``amts evaluate`` (``kind="evaluation"``): the same per-file rows, plus BLEU/chrF per variant
  (no ACT, ACT from paragraph pairs, ACT from sentence pairs), averages and deltas, and a bar
  chart in the HTML page.

The JSON form is the stable, machine-readable contract (``schema_version``); Markdown is for a
pull request or an issue; HTML is a self-contained page (inline CSS and an inline SVG chart).
matplotlib is imported lazily: in a Lambda without it the HTML page keeps its tables and says
why the chart is missing.

Public API:
    RunReport, LanguageResult, FileResult, ScoreResult, VariantSummary, Delta, ParallelDataSummary
    FileTerms, TermViolationRow, TerminologySummary   (the glossary check, run reports only)
    summarize_language(language, variants, corpus=None) -> None   (fills .variants and .deltas)
    to_json(report) / to_markdown(report) / to_html(report) -> str
    render_chart_svg(report) -> str | None
    write_reports(report, put, prefix="") -> list[str]   put(key, content, content_type)
    write_reports_to_dir(report, directory) -> list[Path]
    load_report(text) -> RunReport
"""

from __future__ import annotations

import html
import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from statistics import fmean
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

if TYPE_CHECKING:
    from amts.domain.bleu import Score

SCHEMA_VERSION = 1
REPORT_FILES: dict[str, str] = {
    "report.json": "application/json",
    "report.md": "text/markdown; charset=utf-8",
    "report.html": "text/html; charset=utf-8",
}

Status = Literal["ok", "warning", "error", "skipped"]


class _Model(BaseModel):
    # ``extra="ignore"``: a newer writer may add fields; an older reader still loads the report.
    model_config = ConfigDict(extra="ignore")


class ScoreResult(_Model):
    """BLEU/chrF of one article for one variant (or pooled over articles)."""

    bleu: float | None = None  # 0–1, the D2L study's scale
    bleu_100: float | None = None  # sacrebleu's 0–100
    chrf: float | None = None  # 0–100
    tokenizer: str | None = None
    bleu_signature: str | None = None
    chrf_signature: str | None = None
    segments: int = 0
    method: str | None = None  # alignment | piece-order | document | corpus
    unaligned_hypothesis: int = 0
    unaligned_reference: int = 0
    hypothesis_chars: int = 0
    reference_chars: int = 0
    error: str | None = None
    notes: list[str] = Field(default_factory=list)

    @classmethod
    def from_score(cls, score: Score) -> ScoreResult:
        return cls.model_validate(score.to_json())

    @classmethod
    def failed(cls, message: str) -> ScoreResult:
        return cls(error=message)


class TermViolationRow(_Model):
    """A glossary term of the English whose agreed translation the translation does not use."""

    term: str
    translation: str  # the agreed translation(s), "a / b"
    source_line: int  # line in the English file
    target_line: int  # line in the translated file


class FileTerms(_Model):
    """The terminology check of one file (``amts check-terms`` on the written output)."""

    occurrences: int = 0  # (paragraph, term) pairs checked
    violations: list[TermViolationRow] = Field(default_factory=list)
    error: str | None = None


class TerminologySummary(_Model):
    """Per language: the glossary the files were checked against and the counts."""

    glossary: str
    files_checked: int = 0
    occurrences: int = 0
    violations: int = 0
    errors: int = 0  # files whose check could not run

    @property
    def adherence(self) -> float:
        return 1 - self.violations / self.occurrences if self.occurrences else 1.0


def _drop_none(data: dict[str, Any], *names: str) -> dict[str, Any]:
    """Optional sections are absent, not null, when they do not apply (a language without a
    glossary writes the report it wrote before)."""
    for name in names:
        if data.get(name) is None:
            data.pop(name, None)
    return data


class FileResult(_Model):
    """One article/file of one language pair."""

    path: str
    status: Status = "ok"
    message: str | None = None
    output_key: str | None = None
    segments_total: int = 0
    segments_reused: int = 0  # kept from the existing human translation (sync plan)
    segments_translated: int = 0  # sent to the engine
    segments_untranslated: int = 0  # engine returned nothing usable (left in the source language)
    characters_translated: int = 0
    scores: dict[str, ScoreResult] = Field(default_factory=dict)  # variant -> score
    notes: list[str] = Field(default_factory=list)
    terms: FileTerms | None = None  # only where the language has a glossary

    @model_serializer(mode="wrap")
    def _without_empty_terms(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _drop_none(handler(self), "terms")


class ParallelDataSummary(_Model):
    """The parallel data a variant (or the run) used."""

    variant: str | None = None
    name: str | None = None
    granularity: str | None = None
    format: str | None = None
    pairs: int = 0
    bytes: int = 0
    skipped: dict[str, int] = Field(default_factory=dict)
    source_files: int = 0


class VariantSummary(_Model):
    variant: str
    articles_scored: int = 0
    articles_failed: int = 0
    average_bleu: float | None = None  # mean of per-article BLEU, 0–1 (the study's "average")
    average_chrf: float | None = None
    corpus: ScoreResult | None = None  # pooled n-grams over all articles
    characters_translated: int = 0
    cost_estimate_usd: float | None = None


class Delta(_Model):
    """``variant`` minus ``baseline`` (BLEU on 0–1, chrF on 0–100); positive = variant better."""

    baseline: str
    variant: str
    average_bleu: float | None = None
    average_chrf: float | None = None
    per_file_bleu: dict[str, float | None] = Field(default_factory=dict)


class LanguageResult(_Model):
    source_lang: str
    target_lang: str
    status: Status = "ok"
    message: str | None = None
    granularity: str | None = None
    parallel_data: list[ParallelDataSummary] = Field(default_factory=list)
    job_ids: list[str] = Field(default_factory=list)
    files: list[FileResult] = Field(default_factory=list)
    variants: list[VariantSummary] = Field(default_factory=list)
    deltas: list[Delta] = Field(default_factory=list)
    characters_translated: int = 0
    cost_estimate_usd: dict[str, float] = Field(default_factory=dict)
    # Blocks reviewers edited after AMTS wrote them, found in the translations this run read:
    # they became parallel data (human translation) instead of being left out as machine text.
    segments_reviewed: int = 0
    notes: list[str] = Field(default_factory=list)
    terminology: TerminologySummary | None = None  # only where the language has a glossary

    @model_serializer(mode="wrap")
    def _without_empty_terminology(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _drop_none(handler(self), "terminology")

    @property
    def pair(self) -> str:
        return f"{self.source_lang}-{self.target_lang}"


class RunReport(_Model):
    schema_version: int = SCHEMA_VERSION
    kind: Literal["run", "evaluation"] = "run"
    execution: str
    status: Literal["succeeded", "partial", "failed"] = "succeeded"
    created_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    engine: str | None = None
    variants: list[str] = Field(default_factory=list)
    languages: list[LanguageResult] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    metadata: dict[str, Any] = Field(default_factory=dict)

    def totals(self) -> dict[str, int]:
        files = [f for lang in self.languages for f in lang.files]
        return {
            "languages": len(self.languages),
            "files": len(files),
            "files_failed": sum(1 for f in files if f.status == "error"),
            "segments_reused": sum(f.segments_reused for f in files),
            "segments_translated": sum(f.segments_translated for f in files),
            "segments_untranslated": sum(f.segments_untranslated for f in files),
            "segments_awaiting_review": sum(f.segments_translated + f.segments_untranslated for f in files)
            if self.kind == "run"
            else 0,
            "segments_reviewed": sum(lang.segments_reviewed for lang in self.languages),
            "characters_translated": sum(
                lang.characters_translated or sum(f.characters_translated for f in lang.files)
                for lang in self.languages
            ),
        }


# --- summaries -------------------------------------------------------------------------------


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def summarize_language(
    language: LanguageResult,
    variants: Sequence[str],
    corpus: Mapping[str, ScoreResult] | None = None,
    costs: Mapping[str, float] | None = None,
    characters: Mapping[str, int] | None = None,
) -> None:
    """Fill ``language.variants`` (averages, pooled corpus score) and ``language.deltas``.

    Averages are the mean of per-article BLEU over the articles *every* variant scored, so a
    variant is never ranked on a different set of articles than another; failed articles are
    counted, not averaged in as 0.
    """
    common = [
        f for f in language.files if all(f.scores.get(v) and f.scores[v].bleu is not None for v in variants)
    ]
    summaries: list[VariantSummary] = []
    for v in variants:
        scored = [f.scores[v] for f in common]
        failed = sum(1 for f in language.files if v in f.scores and f.scores[v].bleu is None)
        summaries.append(
            VariantSummary(
                variant=v,
                articles_scored=len(scored),
                articles_failed=failed,
                average_bleu=_round(fmean(s.bleu for s in scored if s.bleu is not None), 4)
                if scored
                else None,
                average_chrf=_round(fmean(s.chrf for s in scored if s.chrf is not None), 2)
                if scored
                else None,
                corpus=(corpus or {}).get(v),
                characters_translated=(characters or {}).get(v, 0),
                cost_estimate_usd=(costs or {}).get(v),
            )
        )
    language.variants = summaries
    by_name = {s.variant: s for s in summaries}
    deltas: list[Delta] = []
    for base, other in combinations(variants, 2):
        b, o = by_name[base], by_name[other]
        per_file: dict[str, float | None] = {}
        for f in language.files:
            sb, so = f.scores.get(base), f.scores.get(other)
            if sb and so and sb.bleu is not None and so.bleu is not None:
                per_file[f.path] = round(so.bleu - sb.bleu, 4)
            else:
                per_file[f.path] = None
        deltas.append(
            Delta(
                baseline=base,
                variant=other,
                average_bleu=_round(o.average_bleu - b.average_bleu, 4)
                if o.average_bleu is not None and b.average_bleu is not None
                else None,
                average_chrf=_round(o.average_chrf - b.average_chrf, 2)
                if o.average_chrf is not None and b.average_chrf is not None
                else None,
                per_file_bleu=per_file,
            )
        )
    language.deltas = deltas


# --- JSON ------------------------------------------------------------------------------------


def to_json(report: RunReport) -> str:
    data = report.model_dump(mode="json")
    data["totals"] = report.totals()
    import json

    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def load_report(text: str) -> RunReport:
    return RunReport.model_validate_json(text)


# --- shared formatting -----------------------------------------------------------------------


def _fmt_bleu(s: ScoreResult | None) -> str:
    if s is None:
        return "—"
    if s.bleu is None:
        return "error"
    return f"{s.bleu:.3f} ({s.bleu_100:.1f})" if s.bleu_100 is not None else f"{s.bleu:.3f}"


def _fmt_num(value: float | None, digits: int = 3, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def _variant_names(report: RunReport, language: LanguageResult) -> list[str]:
    if report.variants:
        return list(report.variants)
    seen: list[str] = []
    for f in language.files:
        for v in f.scores:
            if v not in seen:
                seen.append(v)
    return seen


def _file_messages(language: LanguageResult) -> list[str]:
    """Every error and note of a language, prefixed by the file and variant it belongs to."""
    out: list[str] = []
    for f in language.files:
        if f.message:
            out.append(f"{f.path}: {f.message}")
        out.extend(f"{f.path}: {n}" for n in f.notes)
        for v, s in f.scores.items():
            if s.error:
                out.append(f"{f.path} [{v}]: error: {s.error}")
            out.extend(f"{f.path} [{v}]: {n}" for n in s.notes)
    # the same tokenizer note repeats for every article: keep each distinct message once
    return list(dict.fromkeys(out))


def _signatures(language: LanguageResult) -> list[str]:
    sigs: list[str] = []
    for f in language.files:
        for s in f.scores.values():
            for sig in (s.bleu_signature, s.chrf_signature):
                if sig and sig not in sigs:
                    sigs.append(sig)
    return sigs


def _score_rows(report: RunReport, language: LanguageResult) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the comparison table (per article, average, pooled corpus, deltas)."""
    variants = _variant_names(report, language)
    pairs = [(d.baseline, d.variant) for d in language.deltas]
    header = ["Article", *(f"{v} BLEU" for v in variants), *(f"{v} chrF" for v in variants)]
    header += [f"Δ {o} − {b}" for b, o in pairs]
    rows: list[list[str]] = []
    delta_by = {(d.baseline, d.variant): d for d in language.deltas}
    for f in language.files:
        row = [f.path]
        row += [_fmt_bleu(f.scores.get(v)) for v in variants]
        row += [_fmt_num(f.scores[v].chrf, 1) if v in f.scores else "—" for v in variants]
        row += [_fmt_num(delta_by[p].per_file_bleu.get(f.path), 3, signed=True) for p in pairs]
        rows.append(row)
    summaries = {s.variant: s for s in language.variants}
    if summaries:
        counts = {s.articles_scored for s in summaries.values()}
        if len(counts) == 1:
            n = counts.pop()
            label = f"Average ({n} article{'s' if n != 1 else ''} scored by every variant)"
        else:  # variants summarised separately (e.g. the workflow's own output vs the evaluation set)
            label = (
                "Average (articles: "
                + ", ".join(f"{v} {summaries[v].articles_scored}" for v in variants if v in summaries)
                + ")"
            )
        avg = [label]
        avg += [_fmt_num(summaries[v].average_bleu) if v in summaries else "—" for v in variants]
        avg += [_fmt_num(summaries[v].average_chrf, 1) if v in summaries else "—" for v in variants]
        avg += [_fmt_num(delta_by[p].average_bleu, 3, signed=True) for p in pairs]
        rows.append(avg)
        if any(s.corpus is not None for s in summaries.values()):
            corp = ["Corpus (pooled)"]
            corp += [_fmt_bleu(summaries[v].corpus) if v in summaries else "—" for v in variants]
            corp += [
                _fmt_num(summaries[v].corpus.chrf, 1) if v in summaries and summaries[v].corpus else "—"  # type: ignore[union-attr]
                for v in variants
            ]
            corp += ["" for _ in pairs]
            rows.append(corp)
    return header, rows


def _run_rows(language: LanguageResult, report: RunReport | None = None) -> tuple[list[str], list[list[str]]]:
    untranslated = "Untranslated"
    if report is not None and report.kind == "evaluation" and report.variants:
        untranslated = f"Untranslated ({report.variants[0]})"  # per-variant counts are in the notes
    translated = "Machine-translated" if report is None or report.kind == "run" else "Sent"
    header = ["File", "Status", "Reused", translated, untranslated, "Characters", "Output"]
    rows = [
        [
            f.path,
            f.status,
            str(f.segments_reused),
            str(f.segments_translated),
            str(f.segments_untranslated),
            str(f.characters_translated),
            f.output_key or "",
        ]
        for f in language.files
    ]
    return header, rows


def _parallel_rows(language: LanguageResult) -> tuple[list[str], list[list[str]]]:
    header = ["Variant", "Name", "Granularity", "Format", "Pairs", "Bytes", "Skipped"]
    rows = [
        [
            p.variant or "",
            p.name or "",
            p.granularity or "",
            p.format or "",
            str(p.pairs),
            str(p.bytes),
            ", ".join(f"{k}: {n}" for k, n in sorted(p.skipped.items())) or "0",
        ]
        for p in language.parallel_data
    ]
    return header, rows


def _terms_text(language: LanguageResult) -> str:
    t = language.terminology
    if t is None:
        return ""
    text = (
        f"glossary {t.glossary}: {t.violations} violation(s) in {t.occurrences} term occurrence(s) "
        f"over {t.files_checked} file(s); adherence {t.adherence:.1%}"
    )
    if t.errors:
        text += f"; the check could not run on {t.errors} file(s) (see the notes)"
    return text


def _terms_rows(language: LanguageResult) -> tuple[list[str], list[list[str]]]:
    """One row per violation: the file, the English term, the agreed translation, the two lines."""
    header = [
        "File",
        "English term",
        "Agreed translation",
        f"{language.source_lang} line",
        f"{language.target_lang} line",
    ]
    rows = [
        [f.path, v.term, v.translation, str(v.source_line), str(v.target_line)]
        for f in language.files
        if f.terms is not None
        for v in f.terms.violations
    ]
    return header, rows


def _usd(rates: Mapping[str, float]) -> str:
    names = {"standard": "standard", "act_batch": "ACT batch"}
    return " / ".join(f"${v:.4f} {names.get(k, k)}" for k, v in rates.items())


def _cost_text(language: LanguageResult, report: RunReport | None = None) -> str:
    """The estimate, always: the run's own (at both rates), then each variant's when there are
    several (evaluation), each at the rate that variant is billed at."""
    parts: list[str] = []
    variants = [s for s in language.variants if s.cost_estimate_usd is not None]
    if report is None or report.kind == "run" or not variants:
        rates = {k: v for k, v in language.cost_estimate_usd.items() if k in ("standard", "act_batch")}
        if rates:
            chars = language.characters_translated or sum(f.characters_translated for f in language.files)
            parts.append(f"this run {_usd(rates)}" + (f" ({chars:,} characters)" if chars else ""))
        elif language.cost_estimate_usd:
            variants = []
            parts += [f"{k} ${v:.4f}" for k, v in language.cost_estimate_usd.items()]
    if variants:
        label = "evaluation: " if parts else ""
        parts.append(
            label
            + ", ".join(
                f"{s.variant} ${s.cost_estimate_usd:.4f} ({s.characters_translated:,} characters)"
                for s in variants
            )
        )
    return "; ".join(parts) or "$0.0000 (nothing sent)"


def _total_cost(report: RunReport) -> str:
    """All languages: the run's translation at both rates, plus what evaluation variants cost."""
    rates: dict[str, float] = {}
    variants: dict[str, float] = {}
    for lang in report.languages:
        for k, v in lang.cost_estimate_usd.items():
            if k in ("standard", "act_batch"):
                rates[k] = rates.get(k, 0.0) + v
        for s in lang.variants:
            if s.cost_estimate_usd is not None:
                variants[s.variant] = variants.get(s.variant, 0.0) + s.cost_estimate_usd
    parts = [_usd({k: round(v, 4) for k, v in rates.items()})] if rates else []
    if variants:
        each = ", ".join(f"{k} ${v:.4f}" for k, v in variants.items())
        parts.append(f"evaluation {each}" if rates else each)
    return "; ".join(parts) or "$0.0000 (nothing sent)"


def _title(report: RunReport) -> str:
    what = "evaluation" if report.kind == "evaluation" else "run"
    return f"AMTS {what} report — {report.execution}"


def _meta_items(report: RunReport) -> list[tuple[str, str]]:
    t = report.totals()
    items = [
        ("Execution", report.execution),
        ("Status", report.status),
        ("Created", report.created_at),
        ("Schema version", str(report.schema_version)),
    ]
    if report.engine:
        items.append(("Engine", report.engine))
    if report.variants:
        items.append(("Variants", ", ".join(report.variants)))
    items.append(
        ("Languages", ", ".join(f"{x.source_lang} → {x.target_lang}" for x in report.languages) or "—")
    )
    items.append(("Files", f"{t['files']} ({t['files_failed']} failed)"))
    if report.kind == "run":
        segments = (
            f"{t['segments_reused']} kept from the human translation, "
            f"{t['segments_translated']} machine-translated, "
            f"{t['segments_untranslated']} left in the source language (the engine had no translation)"
        )
    else:
        sent = t["segments_translated"]  # an evaluation sends every segment to every variant
        segments = (
            f"{sent} sent to each variant; {t['segments_untranslated']} of them came back untranslated "
            f"({report.variants[0] if report.variants else 'first variant'})"
        )
    items.append(("Segments", segments))
    if report.kind == "run":
        items.append(
            (
                "Review",
                f"{t['segments_awaiting_review']} segment(s) await review "
                f"({t['segments_translated']} machine-translated, {t['segments_untranslated']} untranslated: "
                "list them with 'amts review'); "
                f"{t['segments_reviewed']} edited by reviewers since the last run became parallel data",
            )
        )
    terms = [x for x in report.languages if x.terminology is not None]
    if terms:
        items.append(
            (
                "Terminology violations",
                ", ".join(f"{x.target_lang} {x.terminology.violations}" for x in terms if x.terminology),
            )
        )
    items.append(("Characters translated", f"{t['characters_translated']:,}"))
    items.append(("Cost estimate (USD)", _total_cost(report)))
    items.extend((str(k), str(v)) for k, v in report.metadata.items() if not isinstance(v, dict | list))
    return items


# --- Markdown --------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(_md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return out


def to_markdown(report: RunReport) -> str:
    lines = [f"# {_title(report)}", ""]
    lines += [f"- **{k}**: {_md_cell(v)}" for k, v in _meta_items(report)]
    lines += [f"- {n}" for n in report.notes]
    for lang in report.languages:
        lines += ["", f"## {lang.source_lang} → {lang.target_lang}", ""]
        if lang.message:
            lines += [f"**{lang.status}**: {lang.message}", ""]
        if lang.parallel_data:
            lines += ["Parallel data:", "", *_md_table(*_parallel_rows(lang)), ""]
        if any(f.scores for f in lang.files):
            lines += ["BLEU on the 0–1 scale (sacrebleu's 0–100 in parentheses); chrF on 0–100.", ""]
            lines += [*_md_table(*_score_rows(report, lang)), ""]
        lines += [*_md_table(*_run_rows(lang, report)), ""]
        if lang.terminology is not None:
            lines += [f"Terminology: {_md_cell(_terms_text(lang))}", ""]
            header, rows = _terms_rows(lang)
            if rows:
                lines += [*_md_table(header, rows), ""]
        lines += [f"Cost estimate (USD): {_cost_text(lang, report)}", ""]
        sigs = _signatures(lang)
        if sigs:
            lines += ["Signatures:", "", *(f"- `{s}`" for s in sigs), ""]
        msgs = _file_messages(lang) + lang.notes
        if msgs:
            lines += ["Notes and errors:", "", *(f"- {_md_cell(m)}" for m in msgs), ""]
    return "\n".join(lines).rstrip() + "\n"


# --- chart -----------------------------------------------------------------------------------


def render_chart_svg(report: RunReport, language: LanguageResult) -> str | None:
    """Grouped bars: BLEU (0–1) per article, one bar per variant. None without scores.

    Uses matplotlib's object API (no pyplot): no global backend switch, safe in Lambda and
    threads. Raises ImportError when matplotlib is absent (callers degrade to tables).
    """
    fig = chart_figure(report, language)
    if fig is None:
        return None
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    svg = buf.getvalue()
    # drop the XML prolog/doctype: the SVG is inlined into the HTML body
    return svg[svg.find("<svg") :]


def chart_figure(report: RunReport, language: LanguageResult) -> Any:
    """The matplotlib Figure of :func:`render_chart_svg` (None without scores)."""
    variants = _variant_names(report, language)
    files = [f for f in language.files if f.scores]
    if not variants or not files:
        return None
    from matplotlib.figure import Figure

    labels = [Path(f.path).name.removesuffix(".md") for f in files]
    width = 0.8 / len(variants)
    fig = Figure(figsize=(max(6.0, 1.2 * len(files) + 2), 4.0), dpi=100)
    ax = fig.subplots()
    for i, v in enumerate(variants):
        xs = [j + (i - (len(variants) - 1) / 2) * width for j in range(len(files))]
        ys = [(f.scores[v].bleu or 0.0) if v in f.scores else 0.0 for f in files]
        bars = ax.bar(xs, ys, width=width, label=v)
        scored = [f.scores.get(v) is not None and f.scores[v].bleu is not None for f in files]
        if len(files) * len(variants) <= 30:  # values on the bars while they stay readable
            # One label per bar: the value, or "n/a" where there is no score (never both).
            texts = [f"{y:.3f}" if ok else "n/a" for y, ok in zip(ys, scored, strict=True)]
            ax.bar_label(bars, labels=texts, fontsize=6, padding=1, rotation=90 if len(variants) > 3 else 0)
        else:
            for bar, ok in zip(bars, scored, strict=True):
                if not ok:  # make "no score" visible instead of a silent 0 bar
                    ax.annotate(
                        "n/a", (bar.get_x() + bar.get_width() / 2, 0.0), ha="center", va="bottom", fontsize=6
                    )
    ax.set_xticks(range(len(files)))
    ax.set_xticklabels(
        labels, rotation=20 if len(files) > 4 else 0, ha="right" if len(files) > 4 else "center"
    )
    ax.set_ylabel("BLEU (0–1)")
    # Scale to the data (low offline scores would be invisible on a fixed 0–1 axis), never past 1.
    top = max((f.scores[v].bleu or 0.0 for f in files for v in variants if v in f.scores), default=0.0)
    # Head room above the tallest bar for its label, so no label reaches the title.
    ax.set_ylim(0, min(1.12, max(0.05, math.ceil(top * 1.25 * 20) / 20)))
    if top > 0.85:
        ax.set_yticks([t / 10 for t in range(11)])

    ax.set_title(f"BLEU per article, {language.source_lang} → {language.target_lang}", pad=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)  # outside: never over a bar
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


# --- HTML ------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#222;max-width:1200px}
h1{font-size:1.5rem}h2{font-size:1.25rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.8rem 0;font-size:.9rem}
th,td{border:1px solid #bbb;padding:.3rem .6rem;text-align:left}
th{background:#eef2f7}tr.summary td{font-weight:bold;background:#f7f7f7}
td.num{text-align:right;font-variant-numeric:tabular-nums}
dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}dt{font-weight:bold}dd{margin:0}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.4rem .8rem;margin:.6rem 0}
.error{background:#fdecea;border-left:4px solid #d93025;padding:.4rem .8rem;margin:.6rem 0}
.chart svg{max-width:100%;height:auto}code{font-size:.8rem}
"""

_NUMERIC = re.compile(r"^[+\-−]?\d|^—$|^error$")


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]], summary_from: int | None = None) -> str:
    out = ["<table>", "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"]
    for i, row in enumerate(rows):
        cls = ' class="summary"' if summary_from is not None and i >= summary_from else ""
        cells = "".join(
            f'<td class="num">{html.escape(c)}</td>'
            if j and _NUMERIC.match(c)
            else f"<td>{html.escape(c)}</td>"
            for j, c in enumerate(row)
        )
        out.append(f"<tr{cls}>{cells}</tr>")
    out.append("</table>")
    return "\n".join(out)


def to_html(report: RunReport) -> str:
    title = html.escape(_title(report))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{title}</title><style>{_CSS}</style></head><body>",
        f"<h1>{title}</h1>",
        "<dl>"
        + "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in _meta_items(report)),
        "</dl>",
    ]
    parts += [f'<p class="note">{html.escape(n)}</p>' for n in report.notes]
    for lang in report.languages:
        parts.append(f"<h2>{html.escape(lang.source_lang)} → {html.escape(lang.target_lang)}</h2>")
        if lang.message:
            cls = "error" if lang.status == "error" else "note"
            parts.append(f'<p class="{cls}">{html.escape(lang.status)}: {html.escape(lang.message)}</p>')
        if any(f.scores for f in lang.files):
            try:
                svg = render_chart_svg(report, lang)
            except ImportError:
                svg = None
                parts.append(
                    '<p class="note">matplotlib is not installed here: chart omitted, tables below.</p>'
                )
            if svg:
                parts.append(f'<div class="chart">{svg}</div>')
            header, rows = _score_rows(report, lang)
            parts.append("<p>BLEU on the 0–1 scale (sacrebleu's 0–100 in parentheses); chrF on 0–100.</p>")
            parts.append(_html_table(header, rows, summary_from=len(lang.files)))
        if lang.parallel_data:
            parts.append("<h3>Parallel data</h3>" + _html_table(*_parallel_rows(lang)))
        parts.append("<h3>Files</h3>" + _html_table(*_run_rows(lang, report)))
        if lang.terminology is not None:
            parts.append(f"<h3>Terminology</h3><p>{html.escape(_terms_text(lang))}</p>")
            header, rows = _terms_rows(lang)
            if rows:
                parts.append(_html_table(header, rows))
        parts.append(f"<p>Cost estimate (USD): {html.escape(_cost_text(lang, report))}</p>")
        sigs = _signatures(lang)
        if sigs:
            parts.append(
                "<p>Signatures:</p><ul>" + "".join(f"<li><code>{html.escape(s)}</code></li>" for s in sigs)
            )
            parts.append("</ul>")
        for m in _file_messages(lang) + lang.notes:
            cls = "error" if "error" in m else "note"
            parts.append(f'<p class="{cls}">{html.escape(m)}</p>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# --- writing ---------------------------------------------------------------------------------

PutFn = Callable[[str, str, str], None]


def write_reports(report: RunReport, put: PutFn, prefix: str = "") -> list[str]:
    """Write report.json, report.md and report.html through ``put(key, content, content_type)``.

    ``prefix`` is e.g. ``"<run>/"`` for the reports bucket (``BlobStore.put_text`` fits ``put``).
    Returns the keys written, JSON first so a reader polling for it finds a complete set after.
    """
    writers: dict[str, Callable[[RunReport], str]] = {
        "report.json": to_json,
        "report.md": to_markdown,
        "report.html": to_html,
    }
    keys: list[str] = []
    for name, writer in writers.items():
        key = f"{prefix}{name}"
        put(key, writer(report), REPORT_FILES[name])
        keys.append(key)
    return keys


def write_reports_to_dir(report: RunReport, directory: str | Path) -> list[Path]:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def put(key: str, content: str, _content_type: str) -> None:
        path = out / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(path)

    write_reports(report, put)
    return written
