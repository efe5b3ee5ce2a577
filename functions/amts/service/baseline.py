"""The workflow's evaluation branch: ACT vs "without ACT" on text that has a human reference.

Issue 6 asks the cloud workflow to do what ``amts evaluate`` does when ``runBaseline`` is on.
Running a second batch job or a second parallel-data update per language would double the
slowest part of a run, so the branch rides on the run's own work:

* Build Parallel Data picks an *evaluation set*: paragraphs of the **previous** English of the changed
  files that the aligner pairs confidently with the existing human translation (the human text
  is the reference) and that the new version keeps unchanged, capped per language pair
  (:data:`MAX_EVAL_SEGMENTS`, :data:`MAX_EVAL_CHARACTERS`). It writes them as one extra batch
  input document (:data:`EVAL_DOCUMENT`) next to the real documents.
* Build Parallel Data holds the evaluation paragraphs' pairs (paragraph or sentence) out of the
  parallel data, so ACT cannot simply echo the reference. Why only *unchanged* paragraphs: the
  closest parallel data for an edited paragraph is its own previous version; holding that out
  would cost the real translation exactly where ACT helps most (measured offline on the sample
  book: one of three edited paragraphs lost its match when whole files were held out). An
  unchanged paragraph is reused from the human translation in this run anyway, so holding its
  pair out costs production almost nothing.
* The batch job (ACT) translates the eval document with the real ones; Assemble skips it for
  output and keeps its text (:func:`write_act_hypotheses`).
* "Translate Without ACT" translates the same set with TranslateText (:func:`translate_baseline`).
* Write Report scores both against the reference (:func:`evaluation_scores`).

Offline (``amts run --local``) "without ACT" is the translation memory with **no** parallel
data: it has nothing to match, so it returns the English unchanged. That is the honest offline
equivalent (there is no machine translation model here), and the report names the engine.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from amts.domain.model import Document
from amts.errors import TransientError
from amts.models import BaselineRef, EvaluationSetRef, WorkItem
from amts.ports import Origin, TranslationEngine
from amts.service.deps import Deps

if TYPE_CHECKING:
    from amts.domain.align import AlignedPair
    from amts.domain.bleu import Score

# Alignment, scoring and the HTML segment codec are imported by the functions that use them:
# Translate Without ACT itself needs none of them at import.

# The eval document's name in the batch input folder. A book path flattened by
# language.input_name ("a/b.md" -> "a__b.md.html") keeps its source suffix (".md" by default)
# before ".html", so no book file collides with it.
EVAL_DOCUMENT = "__amts_eval__.html"

# Caps per language pair and run. The set is translated twice: by the batch job with ACT
# ($60 per million characters) and by TranslateText ($15), so 50,000 characters cost at most
# about $3.00 + $0.75 = $3.75 per pair and run (docs/DEPLOY.md). On the D2L sections a whole-book
# push fills the 200 paragraphs with about 30,000 characters (measured), a corpus score over
# thousands of words; how much of a BLEU difference that resolves was not measured here.
MAX_EVAL_SEGMENTS = 200
MAX_EVAL_CHARACTERS = 50_000

VARIANT_BASELINE = "without-act"
VARIANT_ACT = "act"
EVAL_VARIANTS = (VARIANT_BASELINE, VARIANT_ACT)


def evaluation_prefix(run_id: str, pair: str) -> str:
    return f"jobs/{run_id}/{pair}/evaluation/"


def set_key(run_id: str, pair: str) -> str:
    return evaluation_prefix(run_id, pair) + "set.json"


def hypotheses_key(run_id: str, pair: str, variant: str) -> str:
    return evaluation_prefix(run_id, pair) + f"{variant}.json"


# --- the evaluation set (Build Parallel Data) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvalSegment:
    id: str
    path: str
    source: str
    reference: str
    confidence: float
    pieces: tuple[int, ...] = ()  # piece indices in the previous English (held out of parallel data)


@dataclass(slots=True)
class EvaluationSet:
    segments: list[EvalSegment] = field(default_factory=list)
    capped: bool = False

    @property
    def files(self) -> list[str]:
        return list(dict.fromkeys(s.path for s in self.segments))

    @property
    def characters(self) -> int:
        return sum(len(s.source) for s in self.segments)

    @property
    def held_out(self) -> dict[str, list[int]]:
        """path -> piece indices of its previous English that the parallel data must not use."""
        out: dict[str, set[int]] = {}
        for seg in self.segments:
            out.setdefault(seg.path, set()).update(seg.pieces)
        return {path: sorted(pieces) for path, pieces in out.items()}


def select_evaluation_set(
    candidates: Sequence[tuple[str, Document, Document, Document]],
    min_confidence: float,
    *,
    max_segments: int = MAX_EVAL_SEGMENTS,
    max_characters: int = MAX_EVAL_CHARACTERS,
) -> EvaluationSet:
    """Confident paragraph pairs of (path, previous English, human translation, new English).

    Only pairs whose English pieces all survive unchanged in the new English qualify (see the
    module docstring). A repeated source paragraph is taken once (a heading seen twice would
    weigh double). A pair that would pass the character cap is skipped, not cut: a cut
    paragraph would no longer match its reference.

    When the caps bite (a whole book pushed at once), every file first gets an equal share,
    spread evenly through the file, and what is left is filled in file order: the scores then
    speak for the run's files, not for the first chapters in alphabetical order.
    """
    from amts.domain.align import Granularity, align_documents

    per_file: list[tuple[str, list[AlignedPair]]] = []
    seen: set[str] = set()
    for path, source, reference, new_source in candidates:
        kept = {p.text for p in new_source.pieces}
        old_pieces = source.pieces
        result = align_documents(source, reference, Granularity.PARAGRAPH, min_confidence=min_confidence)
        usable: list[AlignedPair] = []
        for pair in result.pairs:
            src, ref = pair.source.strip(), pair.target.strip()
            if not src or not ref or src in seen:
                continue
            if not pair.source_pieces or any(old_pieces[i].text not in kept for i in pair.source_pieces):
                continue  # edited or deleted: its pair is the best parallel data for the new text
            seen.add(src)
            usable.append(pair)
        if usable:
            per_file.append((path, usable))
    picked: dict[str, set[int]] = {path: set() for path, _ in per_file}
    chars = 0
    total = sum(len(pairs) for _, pairs in per_file)
    count = 0

    def take(path: str, pairs: list[AlignedPair], index: int) -> bool:
        nonlocal chars, count
        if index in picked[path] or count >= max_segments:
            return False
        size = len(pairs[index].source.strip())
        if chars + size > max_characters:
            return False
        picked[path].add(index)
        chars += size
        count += 1
        return True

    share = max(1, max_segments // max(1, len(per_file)))
    for path, pairs in per_file:  # first pass: an equal, evenly spread share per file
        n = min(share, len(pairs))
        for k in range(n):
            take(path, pairs, (k * len(pairs)) // n)
    for path, pairs in per_file:  # second pass: fill what is left in file order
        for index in range(len(pairs)):
            take(path, pairs, index)
    chosen = EvaluationSet(capped=count < total)
    for path, pairs in per_file:
        for index in sorted(picked[path]):
            pair = pairs[index]
            chosen.segments.append(
                EvalSegment(
                    f"e{len(chosen.segments)}",
                    path,
                    pair.source.strip(),
                    pair.target.strip(),
                    pair.confidence,
                    tuple(pair.source_pieces),
                )
            )
    return chosen


def write_evaluation_set(
    work: WorkItem, deps: Deps, chosen: EvaluationSet, input_prefix: str
) -> EvaluationSetRef | None:
    """set.json (sources, references, files) and the eval input document; None when empty."""
    from amts.domain.protect import find_protected_spans, segments_to_html

    if not chosen.segments:
        return None
    lang = work.language
    key = set_key(work.run_id, lang.pair)
    body = {
        "pair": lang.pair,
        "run_id": work.run_id,
        "source_lang": lang.source,
        "target_lang": lang.target,
        "capped": chosen.capped,
        "limits": {"segments": MAX_EVAL_SEGMENTS, "characters": MAX_EVAL_CHARACTERS},
        "files": chosen.files,
        "segments": [
            {
                "id": s.id,
                "path": s.path,
                "source": s.source,
                "reference": s.reference,
                "confidence": s.confidence,
            }
            for s in chosen.segments
        ],
    }
    deps.work.put_text(key, json.dumps(body, ensure_ascii=False, indent=1), "application/json")
    input_key = f"{input_prefix}{EVAL_DOCUMENT}"
    html = segments_to_html([(s.id, s.source, find_protected_spans(s.source)) for s in chosen.segments])
    deps.work.put_text(input_key, html, "text/html; charset=utf-8")
    return EvaluationSetRef(
        key=key,
        input_key=input_key,
        document=EVAL_DOCUMENT,
        segments=len(chosen.segments),
        characters=chosen.characters,
        held_out=chosen.held_out,
        capped=chosen.capped,
    )


def load_evaluation_set(deps: Deps, key: str) -> list[EvalSegment]:
    data = json.loads(deps.work.get_text(key))
    return [
        EvalSegment(
            str(s["id"]), str(s["path"]), str(s["source"]), str(s["reference"]), float(s["confidence"])
        )
        for s in data.get("segments", [])
    ]


# --- the two translations -----------------------------------------------------------------------


def _write_hypotheses(
    deps: Deps, key: str, engine: str, texts: Mapping[str, str], origins: Mapping[str, str]
) -> None:
    body = {"engine": engine, "hypotheses": dict(texts), "origins": dict(origins)}
    deps.work.put_text(key, json.dumps(body, ensure_ascii=False, indent=1), "application/json")


def write_act_hypotheses(work: WorkItem, deps: Deps, html: str | None) -> tuple[str | None, int]:
    """Assemble's side: keep the batch job's translation of the eval document for the report.

    Returns (key, untranslated). A segment the job lost or damaged counts as untranslated and is
    scored as the English it was (what a reader would have got), never dropped: dropping it
    would score ACT on an easier subset than the baseline.
    """
    from amts.domain.protect import html_to_segments

    plan = work.plan
    if plan is None or plan.evaluation is None:
        return None, 0
    segments = load_evaluation_set(deps, plan.evaluation.key)
    translated = html_to_segments(html, on_damage="omit") if html is not None else {}
    texts: dict[str, str] = {}
    origins: dict[str, str] = {}
    untranslated = 0
    for seg in segments:
        text = translated.get(seg.id)
        if text is None or text.strip() == seg.source.strip():
            untranslated += 1
            texts[seg.id], origins[seg.id] = seg.source, Origin.UNTRANSLATED.value
        else:
            texts[seg.id], origins[seg.id] = text, Origin.MACHINE.value
    key = hypotheses_key(work.run_id, work.language.pair, VARIANT_ACT)
    _write_hypotheses(deps, key, "batch job with parallel data", texts, origins)
    return key, untranslated


def baseline_engine(deps: Deps, source: str = "", target: str = "") -> TranslationEngine:
    """TranslateText in the cloud; tests and the local runner install their own in ``deps.extra``.

    With a glossary configured for the pair, the requests name its custom terminology and the
    target language's Settings (issue 13), as the batch job does; one engine per pair."""
    engine = deps.extra.get("baseline_engine")
    if engine is not None:
        return engine
    key = f"baseline_engine#{source}-{target}"
    cached = deps.extra.get(key)
    if cached is not None:
        return cached
    import boto3

    from amts.adapters.translate import AmazonTranslateEngine, AmazonTranslateService
    from amts.service.terminology import job_options

    client = deps.extra.get("translate_client") or boto3.client("translate")
    deps.extra["translate_client"] = client  # one client per warm Lambda
    names: list[str] = []
    settings: dict[str, str] = {}
    if source and target:
        options = job_options(deps.settings, deps.reference, AmazonTranslateService(client), source, target)
        names = [options.terminology_name] if options.terminology_name else []
        settings = options.settings
    engine = AmazonTranslateEngine(client, names, settings=settings)
    deps.extra[key] = engine
    return engine


def translate_baseline(work: WorkItem, deps: Deps) -> WorkItem:
    """Translate Without ACT: the evaluation set through TranslateText, without parallel data.

    Transient errors (throttling) propagate so the state's Retry backs off. Any other failure is
    recorded in the result instead of failing the language: the baseline is information for the
    report, and the translation the user waits for must not be lost to it.
    """
    plan = work.plan
    lang = work.language
    if plan is None or plan.evaluation is None:
        raise ValueError("Translate Without ACT needs the evaluation set of Build Parallel Data")
    key = hypotheses_key(work.run_id, lang.pair, VARIANT_BASELINE)
    segments = load_evaluation_set(deps, plan.evaluation.key)
    engine = baseline_engine(deps, lang.source, lang.target)
    name = str(getattr(engine, "name", type(engine).__name__))
    ref = BaselineRef(key=key, engine=name, segments=len(segments))
    try:
        results = engine.translate([s.source for s in segments], lang.source, lang.target)
    except TransientError:
        raise
    except Exception as exc:  # recorded for the report, see the docstring
        return work.model_copy(
            update={"baseline": ref.model_copy(update={"error": f"{type(exc).__name__}: {exc}"})}
        )
    texts: dict[str, str] = {}
    origins: dict[str, str] = {}
    for seg, result in zip(segments, results, strict=True):
        texts[seg.id] = result.text
        origins[seg.id] = str(result.origin)
        if result.origin is Origin.UNTRANSLATED:
            ref.untranslated += 1
        else:
            ref.characters += len(seg.source)
    _write_hypotheses(deps, key, name, texts, origins)
    return work.model_copy(update={"baseline": ref})


# --- scores (Write Report) ----------------------------------------------------------------------


@dataclass(slots=True)
class EvaluationScores:
    """Per file and pooled scores of each variant on the evaluation set."""

    segments: int
    files: list[str]
    capped: bool
    per_file: dict[str, dict[str, Score]] = field(default_factory=dict)  # path -> variant -> score
    corpus: dict[str, Score] = field(default_factory=dict)
    characters: dict[str, int] = field(default_factory=dict)  # came back translated, per variant
    characters_sent: int = 0  # the evaluation set's source characters: what each variant is billed for
    engines: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _read_hypotheses(deps: Deps, key: str | None) -> tuple[dict[str, str], str] | str:
    """(id -> text, engine), or the reason there is none."""
    if key is None:
        return "not translated (the language stopped before this step)"
    try:
        data = json.loads(deps.work.get_text(key))
    except Exception as exc:  # a missing file: a score error, not a failed report
        return f"{key}: {exc}"
    return {str(k): str(v) for k, v in (data.get("hypotheses") or {}).items()}, str(data.get("engine", ""))


def evaluation_scores(work: WorkItem, deps: Deps) -> EvaluationScores | None:
    """BLEU/chrF of "act" and "without-act" against the human reference (target's tokenizer)."""
    from amts.domain.bleu import error_score, score_segments

    plan = work.plan
    if plan is None or plan.evaluation is None:
        return None
    lang = work.language
    tokenizer = deps.settings.language(lang.target).bleu_tokenizer  # the bleuTokenizer setting
    segments = load_evaluation_set(deps, plan.evaluation.key)
    files = list(dict.fromkeys(s.path for s in segments))  # as EvaluationSet.files: from set.json
    scores = EvaluationScores(len(segments), files, plan.evaluation.capped)
    scores.characters_sent = sum(len(s.source) for s in segments)
    baseline = work.baseline
    sources: dict[str, str | None] = {
        VARIANT_BASELINE: baseline.key if baseline is not None and baseline.error is None else None,
        VARIANT_ACT: work.result.evaluation_key if work.result is not None else None,
    }
    failures: dict[str, str] = {}
    if baseline is not None and baseline.error is not None:
        failures[VARIANT_BASELINE] = f"TranslateText failed: {baseline.error}"
    by_file: dict[str, list[EvalSegment]] = {}
    for seg in segments:
        by_file.setdefault(seg.path, []).append(seg)
    for variant in EVAL_VARIANTS:
        read = _read_hypotheses(deps, sources[variant]) if variant not in failures else failures[variant]
        if isinstance(read, str):
            failures[variant] = read
            scores.corpus[variant] = error_score(lang.target, read, tokenizer=tokenizer)
            for path in by_file:
                scores.per_file.setdefault(path, {})[variant] = error_score(
                    lang.target, read, tokenizer=tokenizer
                )
            continue
        hyps, engine = read
        scores.engines[variant] = engine
        # A hypothesis missing from the file is scored as the untranslated English (see above).
        pooled = [hyps.get(s.id, s.source) for s in segments]
        scores.characters[variant] = sum(
            len(s.source) for s in segments if hyps.get(s.id, s.source).strip() != s.source.strip()
        )
        scores.corpus[variant] = score_segments(
            pooled, [s.reference for s in segments], lang.target, method="evaluation-set", tokenizer=tokenizer
        )
        for path, segs in by_file.items():
            scores.per_file.setdefault(path, {})[variant] = score_segments(
                [hyps.get(s.id, s.source) for s in segs],
                [s.reference for s in segs],
                lang.target,
                method="evaluation-set",
                tokenizer=tokenizer,
            )
    scores.notes.extend(f"{v}: {reason}" for v, reason in failures.items())
    return scores
