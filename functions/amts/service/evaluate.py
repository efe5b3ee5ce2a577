"""The BLEU experiment as a feature: run translation variants over articles, score, report.

The published D2L study compared, per section, plain TranslateText (no ACT) with batch jobs using
Active Custom Translation whose parallel data came from paragraph pairs or sentence pairs of
*other* sections, in both directions. This module reproduces it through the same pieces the
workflow uses: the markdown parser, the aligner, the parallel-data writer (so the memory or the
resource holds exactly what the service would learn from), the translation adapters, and
``Document.replace`` to produce the translated markdown, which is then scored like any file
(:mod:`amts.domain.bleu`) and written as a report (:mod:`amts.domain.report`).

Variants:

* ``no-act``: segment-by-segment :class:`~amts.ports.TranslationEngine` without parallel data.
  Offline that is an empty translation memory, i.e. the text stays untranslated: an honest lower
  bound, not a model of TranslateText's quality.
* ``act-paragraph`` / ``act-sentence``: parallel data from paragraph or sentence pairs.
  Offline (``memory`` backend): a translation memory of those pairs, rebuilt per article without
  the article's own pairs when ``exclude_self`` (leave-one-out, so scores are not trivially 1.0).
  With Amazon (``amazon`` backend): one parallel-data resource per variant and direction, built
  from the corpus *minus every evaluated article* (a resource per article would cost a create and
  minutes of waiting each), then one batch job over all articles.

Bad input never crashes the run: a missing reference, an unreadable or empty file, or a failed
job becomes an ``error`` on that article and variant in the report.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from amts.config import PRICES_PER_MILLION_CHARS, LanguagePair, LanguageSettings, price_estimate
from amts.domain.align import DEFAULT_MIN_CONFIDENCE, Granularity, align_documents
from amts.domain.bleu import Score, SegmentPairing, corpus_score, pair_documents, score_pairing
from amts.domain.markdown import load_document, parse
from amts.domain.model import Document, Span
from amts.domain.paralleldata import ParallelDataFormat, build_parallel_data, clean_pairs
from amts.domain.report import (
    FileResult,
    LanguageResult,
    ParallelDataSummary,
    RunReport,
    ScoreResult,
    summarize_language,
)
from amts.errors import AmtsError, BadInputError, ConfigurationError
from amts.ports import BatchTranslationService, BlobStore, JobStatus, Origin, TranslationEngine

VARIANTS: dict[str, Granularity | None] = {
    "no-act": None,
    "act-paragraph": Granularity.PARAGRAPH,
    "act-sentence": Granularity.SENTENCE,
}


def parse_variants(text: str | Sequence[str]) -> list[str]:
    items = text.split(",") if isinstance(text, str) else list(text)
    out = [v.strip() for v in items if v.strip()]
    unknown = [v for v in out if v not in VARIANTS]
    if unknown or not out:
        raise ConfigurationError(
            f"unknown variant(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(VARIANTS)}"
        )
    return list(dict.fromkeys(out))


# --- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BilingualFile:
    """A file and its translation, named by book-relative path (``chapter/name`` for d2l-dev)."""

    name: str
    paths: Mapping[str, Path]  # language -> file


def _lang_suffix_name(path: Path, lang: str) -> str | None:
    suffix = f".{lang}.md"
    return path.name[: -len(suffix)] if path.name.endswith(suffix) else None


def _markdown_files(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*.md")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def find_articles(
    articles: Sequence[Path], references: Path, source_lang: str, target_lang: str
) -> list[BilingualFile]:
    """Pair each article with its reference.

    Layouts: ``references/<relative path>`` mirrors the article folder (``book/en`` vs
    ``book/zh``), or the d2l-dev layout where ``x.en.md`` has its reference ``x.zh.md`` at the same
    relative place under ``references`` (often the same folder). A missing reference is kept here
    (the report says so), not dropped silently.
    """
    out: list[BilingualFile] = []
    for given in articles:
        if not given.exists():
            raise BadInputError(given, "article file or folder not found")
        if given.is_dir():
            files = _markdown_files(given)
            suffixed = [f for f in files if _lang_suffix_name(f, source_lang) is not None]
            root = given
            files = suffixed or [f for f in files if f.name.lower() != "readme.md"]
        else:
            # A single file inside the references tree keeps its book-relative name (chapter/x).
            inside = references.resolve() in given.resolve().parents
            files, root = [given.resolve()], references.resolve() if inside else given.parent.resolve()
        for f in files:
            rel = f.relative_to(root)
            stem = _lang_suffix_name(f, source_lang)
            if stem is not None:
                name = (rel.parent / stem).as_posix()
                ref = references / rel.parent / f"{stem}.{target_lang}.md"
                sibling = f.with_name(f"{stem}.{target_lang}.md")
                if not ref.is_file() and sibling.is_file():
                    ref = sibling
            else:
                name = rel.as_posix()
                ref = references / rel
            out.append(BilingualFile(name, {source_lang: f, target_lang: ref}))
    seen: set[str] = set()
    unique: list[BilingualFile] = []
    for bf in out:
        if bf.name not in seen:
            seen.add(bf.name)
            unique.append(bf)
    if not unique:
        raise BadInputError(articles[0] if articles else None, "no markdown articles found")
    return unique


def find_corpus(folder: Path, lang_a: str, lang_b: str) -> list[BilingualFile]:
    """Bilingual files of a book: ``<a>/x.md`` + ``<b>/x.md``, or ``x.<a>.md`` + ``x.<b>.md``."""
    if not folder.is_dir():
        raise BadInputError(folder, "parallel-data folder not found")
    out: list[BilingualFile] = []
    if (folder / lang_a).is_dir() and (folder / lang_b).is_dir():
        for f in _markdown_files(folder / lang_a):
            rel = f.relative_to(folder / lang_a)
            other = folder / lang_b / rel
            if other.is_file():
                out.append(BilingualFile(rel.as_posix(), {lang_a: f, lang_b: other}))
        return out
    for f in _markdown_files(folder):
        stem = _lang_suffix_name(f, lang_a)
        if stem is None:
            continue
        other = f.with_name(f"{stem}.{lang_b}.md")
        if other.is_file():
            out.append(
                BilingualFile(
                    f.relative_to(folder).parent.joinpath(stem).as_posix(), {lang_a: f, lang_b: other}
                )
            )
    return out


# --- backends -------------------------------------------------------------------------------


@dataclass(slots=True)
class Segment:
    index: int  # PieceRef.index in the source document
    text: str
    spans: tuple[Span, ...] = ()


@dataclass(slots=True)
class Case:
    """One article in one direction: what to translate and what it should look like."""

    name: str
    source: Document
    segments: list[Segment]


@dataclass(slots=True)
class CaseOutput:
    translations: dict[int, str] = field(default_factory=dict)
    untranslated: int = 0
    characters: int = 0
    error: str | None = None
    notes: list[str] = field(default_factory=list)


PairsFor = Callable[[frozenset[str]], list[tuple[str, str]]]


class Backend(Protocol):
    name: str
    notes: list[str]  # how the backend ran (drained into the language's notes)

    def run(
        self,
        variant: str,
        pair: LanguagePair,
        cases: Sequence[Case],
        pairs_without: PairsFor | None,
    ) -> dict[str, CaseOutput]:
        """Translate every case; ``pairs_without(names)`` = the parallel data minus those files."""
        ...


def _apply_engine(engine: TranslationEngine, case: Case, pair: LanguagePair) -> CaseOutput:
    out = CaseOutput()
    results = engine.translate([s.text for s in case.segments], pair.source, pair.target)
    for seg, tr in zip(case.segments, results, strict=True):
        out.characters += len(seg.text)
        if tr.origin is Origin.UNTRANSLATED:
            out.untranslated += 1
        out.translations[seg.index] = tr.text
    return out


class MemoryBackend:
    """Offline: the translation memory adapter the local workflow uses."""

    name = "memory"

    def __init__(self, threshold: float = 0.75) -> None:
        self.threshold = threshold
        self.notes: list[str] = []

    def run(
        self,
        variant: str,
        pair: LanguagePair,
        cases: Sequence[Case],
        pairs_without: PairsFor | None,
    ) -> dict[str, CaseOutput]:
        from amts.adapters.memory_engine import TranslationMemoryEngine

        results: dict[str, CaseOutput] = {}
        for case in cases:
            pairs = pairs_without(frozenset({case.name})) if pairs_without else []
            engine = TranslationMemoryEngine.from_pairs(pairs, threshold=self.threshold)
            results[case.name] = _apply_engine(engine, case, pair)
        return results


class AmazonBackend:
    """Amazon Translate through the workflow's adapters.

    ``no-act`` uses ``engine`` (TranslateText). ACT variants upload the parallel data and one HTML
    document per article to ``store`` (an S3 bucket), create/update the parallel-data resource,
    wait until it is ACTIVE, run one batch job and read its output — the same calls and files as
    the workflow's Build Parallel Data / Create Or Update Parallel Data / Start Translation Job /
    Assemble Translation steps, polled here instead of called back.
    """

    name = "amazon"

    def __init__(
        self,
        engine: TranslationEngine,
        batch: BatchTranslationService,
        store: BlobStore,
        bucket: str,
        *,
        run_id: str,
        resource_prefix: str = "amts-eval",
        poll_seconds: float = 30.0,
        timeout_seconds: float = 6 * 3600.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.engine = engine
        self.batch = batch
        self.store = store
        self.bucket = bucket
        self.run_id = run_id
        self.resource_prefix = resource_prefix
        self.poll_seconds = poll_seconds
        self.timeout_seconds = timeout_seconds
        self.sleep = sleep
        self.notes: list[str] = []

    def _uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def _wait(self, done: Callable[[], bool], what: str) -> None:
        waited = 0.0
        while not done():
            if waited >= self.timeout_seconds:
                raise AmtsError(f"timed out after {waited:.0f} s waiting for {what}")
            self.sleep(self.poll_seconds)
            waited += self.poll_seconds

    def run(
        self,
        variant: str,
        pair: LanguagePair,
        cases: Sequence[Case],
        pairs_without: PairsFor | None,
    ) -> dict[str, CaseOutput]:
        if pairs_without is None:
            return {c.name: _apply_engine(self.engine, c, pair) for c in cases}
        shared = pairs_without(frozenset(c.name for c in cases))
        groups: list[tuple[Sequence[Case], list[tuple[str, str]], str]]
        if shared or len(cases) == 1:
            groups = [(cases, shared, "all")]
            self.notes.append(
                f"{variant}: one parallel-data resource without any evaluated article, one batch job"
            )
        else:
            # The corpus is the evaluated articles themselves: leave-one-out needs one update of the
            # resource and one job per article (slow on the real service, but the only honest way).
            groups = [([c], pairs_without(frozenset({c.name})), f"a{i}") for i, c in enumerate(cases)]
            self.notes.append(
                f"{variant}: leave-one-out, one parallel-data update and one batch job per article "
                f"({len(cases)})"
            )
        results: dict[str, CaseOutput] = {}
        for group, pairs, tag in groups:
            try:
                results.update(self._run_batch(variant, pair, group, pairs, tag))
            except AmtsError as exc:
                results.update({c.name: CaseOutput(error=f"batch translation failed: {exc}") for c in group})
        return results

    def _run_batch(
        self,
        variant: str,
        pair: LanguagePair,
        cases: Sequence[Case],
        pairs: list[tuple[str, str]],
        tag: str,
    ) -> dict[str, CaseOutput]:
        from amts.adapters.translate import read_job_outputs
        from amts.domain.protect import html_to_segments, segments_to_html

        base = f"evaluation/{self.run_id}/{pair}/{variant}/{tag}"
        pd_name: str | None = None
        if pairs:
            granularity = VARIANTS[variant] or Granularity.SENTENCE
            pd = build_parallel_data(
                pairs, ParallelDataFormat.TMX, pair.source, pair.target, segtype=granularity.value
            )
            pd_key = f"{base}/parallel-data.tmx"
            self.store.put_text(pd_key, pd.content, "application/xml; charset=utf-8")
            pd_name = re.sub(r"[^A-Za-z0-9-]+", "-", f"{self.resource_prefix}-{pair}-{variant}")[:200]
            self.batch.ensure_parallel_data(pd_name, self._uri(pd_key), "TMX", f"AMTS evaluation {variant}")
            name = pd_name
            self._wait(lambda: self.batch.describe_parallel_data(name).settled, f"parallel data {name}")
            info = self.batch.describe_parallel_data(name)
            failed = "FAILED"
            if info.status == failed or info.latest_update_status == failed:
                raise AmtsError(f"parallel data {name} failed: {info.message or 'no message'}")
        else:
            self.notes.append(
                f"{variant} ({tag}): no parallel data left after exclusion: job ran without ACT"
            )
        names: dict[str, str] = {}
        for c in cases:
            doc_name = re.sub(r"[^A-Za-z0-9._-]+", "_", c.name) + ".html"
            names[c.name] = doc_name
            html = segments_to_html([(f"p{s.index}", s.text, s.spans) for s in c.segments])
            self.store.put_text(f"{base}/input/{doc_name}", html, "text/html; charset=utf-8")
        token = hashlib.sha256(f"{self.run_id}/{pair}/{variant}/{tag}".encode()).hexdigest()[:40]
        job_id = self.batch.start_job(
            job_name=re.sub(r"[^\w.:/=+\-%@]+", "-", f"amts-eval-{self.run_id}-{pair}-{variant}-{tag}")[:256],
            input_uri=self._uri(f"{base}/input/"),
            output_uri=self._uri(f"{base}/output/"),
            source_lang=pair.source,
            target_lang=pair.target,
            parallel_data_name=pd_name,
            client_token=f"amts-{token}",
        )
        self._wait(lambda: self.batch.describe_job(job_id).status.terminal, f"translation job {job_id}")
        job = self.batch.describe_job(job_id)
        if job.status in (JobStatus.FAILED, JobStatus.STOPPED):
            raise AmtsError(f"job {job_id} ended {job.status}: {job.message or 'no message'}")
        outputs = read_job_outputs(
            self.store, job.output_uri or self._uri(f"{base}/output/"), pair.target, list(names.values())
        )
        results: dict[str, CaseOutput] = {}
        for c in cases:
            html_out = outputs.get(names[c.name])
            if html_out is None:
                results[c.name] = CaseOutput(error=f"job {job_id} produced no output for this document")
                continue
            texts = html_to_segments(html_out, on_damage="omit")
            out = CaseOutput()
            for s in c.segments:
                out.characters += len(s.text)
                t = texts.get(f"p{s.index}")
                if t is None:
                    out.untranslated += 1
                    out.translations[s.index] = s.text
                else:
                    out.translations[s.index] = t
            results[c.name] = out
        return results


# --- the run --------------------------------------------------------------------------------


@dataclass(slots=True)
class EvaluationConfig:
    articles: Sequence[Path]
    references: Path
    source_lang: str = "en"
    target_lang: str = "zh"
    variants: Sequence[str] = ("no-act", "act-paragraph", "act-sentence")
    both_directions: bool = False
    parallel_data_from: Path | None = None  # default: the evaluated articles and references
    exclude_self: bool = True
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    execution: str | None = None
    hypotheses_dir: Path | None = None  # where the translated markdown of every variant goes
    sync_plan: Mapping[str, object] | None = None  # SyncPlan.to_json() to show reused vs translated
    parallel_data_name: str = "amts-eval"
    # Called with one line per step (a variant starting, an article scored), e.g. to print
    # progress on stderr; never with the report's text.
    on_progress: Callable[[str], None] | None = None
    # Per-language settings (``amts evaluate --lang-setting``): the scores use a language's
    # ``bleuTokenizer`` when it is set, as the workflow's report does.
    languages: Mapping[str, LanguageSettings] = field(default_factory=dict)

    def progress(self, line: str) -> None:
        if self.on_progress is not None:
            self.on_progress(line)

    def bleu_tokenizer(self, lang: str) -> str | None:
        settings = self.languages.get(lang)
        return settings.bleu_tokenizer if settings is not None else None

    def glued_period(self, lang: str) -> bool | None:
        """The ``gluedPeriod`` setting of ``lang`` (None: its fact): how its sentences end when
        the translations are aligned for the parallel data, as in the workflow."""
        settings = self.languages.get(lang)
        return settings.glued_period if settings is not None else None


def _load(
    path: Path, lang: str, role: str, glued_period: bool | None = None
) -> tuple[Document | None, str | None]:
    if not path.is_file():
        return None, f"{role} not found: {path}"
    try:
        return load_document(path, lang, glued_period=glued_period), None
    except AmtsError as exc:
        return None, f"{role} unusable: {exc}"


def _fingerprint(doc: Document) -> str:
    return hashlib.sha256(" ".join(p.text for p in doc.pieces).encode("utf-8")).hexdigest()


class _ParallelCorpus:
    """Aligned pairs per file of the parallel-data corpus, computed once per granularity."""

    def __init__(
        self,
        files: Sequence[BilingualFile],
        pair: LanguagePair,
        min_confidence: float,
        fingerprints: Mapping[str, str],
        exclude_self: bool,
        glued_period: bool | None = None,
    ) -> None:
        self.pair = pair
        self.min_confidence = min_confidence
        self.exclude_self = exclude_self
        self.docs: dict[str, tuple[Document, Document]] = {}
        self.problems: list[str] = []
        self._cache: dict[Granularity, dict[str, list[tuple[str, str]]]] = {}
        self.dropped: dict[Granularity, int] = {}
        by_print = {v: k for k, v in fingerprints.items()}
        self.same_as: dict[str, str] = {}  # corpus file -> evaluated article with identical source
        for f in files:
            src, err = _load(f.paths[pair.source], pair.source, "source")
            tgt, err2 = _load(f.paths[pair.target], pair.target, "translation", glued_period)
            if src is None or tgt is None:
                self.problems.append(f"parallel data: {f.name}: {err or err2}")
                continue
            self.docs[f.name] = (src, tgt)
            twin = by_print.get(_fingerprint(src))
            if twin is not None:
                self.same_as[f.name] = twin

    def pairs_by_file(self, granularity: Granularity) -> dict[str, list[tuple[str, str]]]:
        if granularity not in self._cache:
            out: dict[str, list[tuple[str, str]]] = {}
            dropped = 0
            for name, (src, tgt) in self.docs.items():
                try:
                    result = align_documents(src, tgt, granularity, min_confidence=self.min_confidence)
                except (AmtsError, NotImplementedError) as exc:
                    problem = str(exc) or f"{type(exc).__name__} ({granularity.value} alignment unavailable)"
                    self.problems.append(
                        f"parallel data: {name}: {granularity.value} alignment failed: {problem}"
                    )
                    continue
                out[name] = [(p.source, p.target) for p in result.pairs]
                dropped += len(result.dropped)
            self._cache[granularity] = out
            self.dropped[granularity] = dropped
        return self._cache[granularity]

    def pairs_without(self, granularity: Granularity) -> PairsFor:
        by_file = self.pairs_by_file(granularity)

        def pairs(excluded: frozenset[str]) -> list[tuple[str, str]]:
            if not self.exclude_self:
                excluded = frozenset()
            out: list[tuple[str, str]] = []
            for name, file_pairs in by_file.items():
                if name in excluded or self.same_as.get(name) in excluded:
                    continue
                out.extend(file_pairs)
            return out

        return pairs

    def summary(self, variant: str, granularity: Granularity, name: str) -> ParallelDataSummary:
        by_file = self.pairs_by_file(granularity)
        all_pairs = [p for ps in by_file.values() for p in ps]
        kept, skipped, _ = clean_pairs(all_pairs, ParallelDataFormat.TMX)
        size = 0
        if kept:
            size = build_parallel_data(
                kept,
                ParallelDataFormat.TMX,
                self.pair.source,
                self.pair.target,
                segtype=granularity.value,
                max_file_bytes=None,
            ).size_bytes
        skipped = {k: v for k, v in skipped.items() if v}
        if self.dropped.get(granularity):
            skipped["low_confidence"] = self.dropped[granularity]
        return ParallelDataSummary(
            variant=variant,
            name=name,
            granularity=granularity.value,
            format="tmx",
            pairs=len(kept),
            bytes=size,
            skipped=skipped,
            source_files=len(by_file),
        )


def _write_hypothesis(base: Path | None, pair: LanguagePair, variant: str, name: str, text: str) -> None:
    if base is None:
        return
    path = base / str(pair) / variant / (name if name.endswith(".md") else f"{name}.{pair.target}.md")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _cost(variant: str, characters: int) -> float:
    rate = "standard" if VARIANTS[variant] is None else "act_batch"
    return price_estimate(characters)[rate]


def evaluate_direction(
    config: EvaluationConfig,
    pair: LanguagePair,
    files: Sequence[BilingualFile],
    corpus_files: Sequence[BilingualFile],
    backend: Backend,
    variants: Sequence[str],
) -> LanguageResult:
    """One direction: load, translate with every variant, score, summarise."""
    language = LanguageResult(source_lang=pair.source, target_lang=pair.target)
    cases: list[Case] = []
    refs: dict[str, Document] = {}
    results: dict[str, FileResult] = {}
    for f in files:
        fr = FileResult(path=f.name)
        results[f.name] = fr
        language.files.append(fr)
        src, err = _load(f.paths[pair.source], pair.source, "source")
        if src is None:
            fr.status, fr.message = "error", err
            continue
        ref, rerr = _load(f.paths[pair.target], pair.target, "reference")
        if ref is None:
            fr.status, fr.message = "error", rerr
        else:
            refs[f.name] = ref
        segs = [Segment(p.index, p.text, p.piece.spans) for p in src.pieces if p.text.strip()]
        fr.segments_total = len(src.pieces)
        cases.append(Case(f.name, src, segs))
    fingerprints = {c.name: _fingerprint(c.source) for c in cases}
    corpus = _ParallelCorpus(
        corpus_files,
        pair,
        config.min_confidence,
        fingerprints,
        config.exclude_self,
        config.glued_period(pair.target),
    )
    pairings: dict[str, list[SegmentPairing]] = {v: [] for v in variants}
    characters: dict[str, int] = {}
    costs: dict[str, float] = {}
    for variant in variants:
        granularity = VARIANTS[variant]
        pairs_without = corpus.pairs_without(granularity) if granularity is not None else None
        if granularity is not None:
            name = f"{config.parallel_data_name}-{pair}-{variant}"
            language.parallel_data.append(corpus.summary(variant, granularity, name))
        config.progress(f"{pair.source}-{pair.target} {variant}: translating {len(cases)} article(s)")
        outputs = backend.run(variant, pair, cases, pairs_without) if cases else {}
        characters[variant] = 0
        for case in cases:
            fr = results[case.name]
            out = outputs.get(case.name) or CaseOutput(error="the backend returned nothing for this article")
            characters[variant] += out.characters
            fr.segments_translated = len(case.segments)
            fr.characters_translated = out.characters
            if variant == variants[0]:
                fr.segments_untranslated = out.untranslated
            if out.error is not None:
                fr.scores[variant] = ScoreResult.failed(out.error)
                continue
            text = case.source.replace(out.translations)
            _write_hypothesis(config.hypotheses_dir, pair, variant, case.name, text)
            ref = refs.get(case.name)
            if ref is None:
                fr.scores[variant] = ScoreResult.failed(fr.message or "reference missing")
                continue
            try:
                hyp = parse(text, pair.target, case.name)
            except AmtsError as exc:
                fr.scores[variant] = ScoreResult.failed(f"translated markdown does not parse: {exc}")
                continue
            pairing = pair_documents(hyp, ref, case.source)
            score: Score = score_pairing(pairing, pair.target, tokenizer=config.bleu_tokenizer(pair.target))
            if out.untranslated:
                score.notes.append(f"{out.untranslated} of {len(case.segments)} segments left untranslated")
            fr.scores[variant] = ScoreResult.from_score(score)
            if score.ok:
                pairings[variant].append(pairing)
        for case in cases:
            sc = results[case.name].scores.get(variant)
            shown = "failed" if sc is None or sc.bleu is None else f"BLEU {sc.bleu:.4f}"
            config.progress(f"{pair.source}-{pair.target} {variant}: {case.name}: {shown}")
        costs[variant] = _cost(variant, characters[variant])
    language.notes.extend(corpus.problems)
    for pd in language.parallel_data:
        if pd.pairs == 0:
            language.notes.append(
                f"{pd.variant}: the parallel data is empty (no aligned {pd.granularity} pairs): "
                "it scores like a run without ACT"
            )
    for fr in language.files:
        if fr.status == "ok" and any(s.error for s in fr.scores.values()):
            fr.status = "warning"
    corpus_scores = {
        v: ScoreResult.from_score(
            corpus_score(pairings[v], pair.target, tokenizer=config.bleu_tokenizer(pair.target))
        )
        for v in variants
        if pairings[v]
    }
    summarize_language(language, variants, corpus_scores, costs, characters)
    language.characters_translated = sum(characters.values())
    language.cost_estimate_usd = {v: round(c, 4) for v, c in costs.items()}
    if backend.name == "memory" and "no-act" in variants:
        language.notes.append(
            "offline engine: 'no-act' is a translation memory without parallel data, so text stays "
            "untranslated — a lower bound, not a model of TranslateText"
        )
    if config.exclude_self and any(VARIANTS[v] for v in variants):
        language.notes.append(
            "parallel data excludes the pairs of the article being translated (--exclude-self)"
        )
    language.notes.extend(dict.fromkeys(backend.notes))
    backend.notes.clear()
    if all(fr.status == "error" for fr in language.files):
        language.status = "error"
        language.message = "no article could be evaluated"
    elif any(fr.status != "ok" for fr in language.files):
        language.status = "warning"
    return language


def evaluate(config: EvaluationConfig, backend: Backend) -> RunReport:
    """Run the experiment and return the report (write it with :func:`amts.domain.report.write_reports`)."""
    variants = parse_variants(list(config.variants))
    forward = LanguagePair.parse(f"{config.source_lang}:{config.target_lang}")
    files = find_articles(list(config.articles), config.references, forward.source, forward.target)
    if config.parallel_data_from is not None:
        corpus_files = find_corpus(config.parallel_data_from, forward.source, forward.target)
    else:
        corpus_files = files
    execution = config.execution or time.strftime("eval-%Y%m%dT%H%M%SZ", time.gmtime())
    report = RunReport(
        kind="evaluation",
        execution=execution,
        engine=backend.name,
        variants=variants,
        metadata={
            "articles": len(files),
            "parallel_data_from": str(config.parallel_data_from or "the evaluated articles"),
            "exclude_self": config.exclude_self,
            "min_confidence": config.min_confidence,
            "price_per_million_chars": dict(PRICES_PER_MILLION_CHARS),
        },
    )
    if config.sync_plan:
        plan = dict(config.sync_plan)
        report.metadata["sync_plan"] = plan
        report.notes.append(
            f"sync plan: {plan.get('segments_reused', '?')} segments reused, "
            f"{plan.get('segments_to_translate', '?')} to translate"
        )
    pairs = [forward] + ([LanguagePair(forward.target, forward.source)] if config.both_directions else [])
    for pair in pairs:
        report.languages.append(evaluate_direction(config, pair, files, corpus_files, backend, variants))
    if all(lang.status == "error" for lang in report.languages):
        report.status = "failed"
    elif any(lang.status != "ok" for lang in report.languages):
        report.status = "partial"
    return report
