"""An offline translation engine: a translation memory built from parallel data.

It serves what the human translators already wrote and never invents text: an exact match
(after whitespace normalisation), else the closest fuzzy match above a threshold (reported with
its score so the review marker can say so), else the source unchanged and counted as
untranslated. When a whole paragraph is not in memory its sentences are looked up one by one.

Candidates for fuzzy matching come from a character-trigram index, so a lookup scores a few
dozen entries instead of the whole memory; the score is rapidfuzz's normalised Indel
similarity (the same measure as ``difflib.SequenceMatcher.ratio``).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from heapq import nlargest

from rapidfuzz import fuzz, process

from amts.domain.protect import find_protected_spans
from amts.ports import Origin, Translation

_WS = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")
_NO_SPACE_LANGS = ("zh", "ja")
_STRENGTH = {Origin.HUMAN: 4, Origin.EXACT: 3, Origin.MACHINE: 2, Origin.FUZZY: 1, Origin.UNTRANSLATED: 0}


def normalise(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _grams(text: str, n: int = 3) -> set[str]:
    t = f" {text.lower()} "
    return {t[i : i + n] for i in range(max(1, len(t) - n + 1))}


def _protected(text: str) -> list[str]:
    return [text[s.start : s.end] for s in find_protected_spans(text)]


@dataclass(frozen=True, slots=True)
class Match:
    source: str  # the memory's source text that matched
    target: str
    score: float


class TranslationMemoryEngine:
    """TranslationEngine serving segments from (source, target) pairs."""

    name = "memory"

    def __init__(
        self,
        memory: dict[str, str],
        *,
        threshold: float = 0.75,
        sentence_fallback: bool = True,
        max_candidates: int = 40,
        rare_grams: int = 24,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"fuzzy threshold must be in (0, 1], got {threshold}")
        self.threshold = threshold
        self.sentence_fallback = sentence_fallback
        self.max_candidates = max_candidates
        self.rare_grams = rare_grams
        self._sources: list[str] = list(memory)
        self._targets: list[str] = [memory[s] for s in self._sources]
        self._exact: dict[str, int] = {s: i for i, s in enumerate(self._sources)}
        postings: dict[str, list[int]] = defaultdict(list)
        for i, s in enumerate(self._sources):
            for g in _grams(s):
                postings[g].append(i)
        self._postings = dict(postings)
        self._source_lengths = [len(s) for s in self._sources]
        self._lengths = sorted(self._source_lengths)
        self._common_df = max(64, len(self._sources) // 50)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]], **options: object) -> TranslationMemoryEngine:
        """Build from (source, target) pairs; a later duplicate source wins, as in the service."""
        memory: dict[str, str] = {}
        for source, target in pairs:
            s, t = normalise(source), target.strip()
            if s and t:
                memory.pop(s, None)
                memory[s] = t
        return cls(memory, **options)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self._sources)

    # --- lookup -------------------------------------------------------------------------------

    def lookup(self, text: str) -> Match | None:
        """Exact match, else the best fuzzy match at or above the threshold, else None."""
        key = normalise(text)
        if not key:
            return None
        hit = self._exact.get(key)
        if hit is not None:
            return Match(key, self._targets[hit], 1.0)
        candidates = self._candidates(key)
        if not candidates:
            return None
        best = process.extractOne(
            key,
            [self._sources[i] for i in candidates],
            scorer=fuzz.ratio,
            score_cutoff=self.threshold * 100,
        )
        if best is None:
            return None
        index = candidates[best[2]]
        return Match(self._sources[index], self._targets[index], round(best[1] / 100, 4))

    def _candidates(self, key: str) -> list[int]:
        """Entries sharing the most of the query's rarest trigrams, within the length bounds.

        A match at similarity t needs the shorter/longer length ratio ≥ t / (2 - t), which rules
        out most queries at once (a paragraph against a sentence-level memory); the rarest
        trigrams are the ones a true match must share, and they have short posting lists.
        """
        n = len(key)
        min_ratio = self.threshold / (2 - self.threshold)
        low, high = n * min_ratio, n / min_ratio
        if bisect_left(self._lengths, low) == bisect_right(self._lengths, high):
            return []
        postings = [p for p in (self._postings.get(g) for g in _grams(key)) if p is not None]
        postings.sort(key=len)
        counts: Counter[int] = Counter()
        for used, posting in enumerate(postings[: self.rare_grams]):
            # Common trigrams (" th", "the") add little once a few rare ones have voted.
            if used >= 4 and len(posting) > self._common_df:
                break
            counts.update(posting)
        lengths = self._source_lengths
        in_bounds = [i for i in counts if low <= lengths[i] <= high]
        return nlargest(self.max_candidates, in_bounds, key=counts.__getitem__)

    def _adapt(self, query: str, match: Match) -> str:
        """Carry the query's own protected spans into a fuzzy match's target.

        When the memory's source and the query have the same number of protected spans (code,
        math, roles) and the memory's target contains each of the memory's spans, each is replaced
        by the query's span at the same position, so code and math always come from the source.
        """
        ours, theirs = _protected(query), _protected(match.source)
        if ours == theirs or len(ours) != len(theirs):
            return match.target
        target = match.target
        cursor = 0
        pieces: list[str] = []
        for old, new in zip(theirs, ours, strict=True):
            pos = target.find(old, cursor)
            if pos < 0:
                return match.target
            pieces.append(target[cursor:pos])
            pieces.append(new)
            cursor = pos + len(old)
        pieces.append(target[cursor:])
        return "".join(pieces)

    # --- TranslationEngine -------------------------------------------------------------------

    def translate_one(self, text: str, source_lang: str, target_lang: str) -> Translation:
        if not normalise(text):
            return Translation(text, Origin.UNTRANSLATED, 0.0)
        match = self.lookup(text)
        if match is not None and match.score >= 1.0:
            return Translation(match.target, Origin.EXACT, 1.0)
        whole = (
            Translation(self._adapt(normalise(text), match), Origin.FUZZY, match.score)
            if match is not None
            else None
        )
        if self.sentence_fallback:
            # A fuzzy paragraph match may drop or add a whole sentence; sentence by sentence can
            # do better, so keep whichever is stronger (origin first, then score).
            by_sentence = self._by_sentence(text, source_lang, target_lang)
            if by_sentence is not None and (
                whole is None
                or (_STRENGTH[by_sentence.origin], by_sentence.score) > (_STRENGTH[whole.origin], whole.score)
            ):
                return by_sentence
        return whole if whole is not None else Translation(text, Origin.UNTRANSLATED, 0.0)

    def _by_sentence(self, text: str, source_lang: str, target_lang: str) -> Translation | None:
        sentences = split_into_sentences(normalise(text), source_lang)
        if len(sentences) < 2:
            return None
        parts = [self.translate_one_sentence(s) for s in sentences]
        if all(p.origin is Origin.UNTRANSLATED for p in parts):
            return None
        joiner = "" if target_lang.split("-")[0] in _NO_SPACE_LANGS else " "
        weakest = min((p.origin for p in parts), key=lambda o: _STRENGTH[o])
        total = sum(len(s) for s in sentences) or 1
        score = sum(p.score * len(s) for p, s in zip(parts, sentences, strict=True)) / total
        return Translation(joiner.join(p.text for p in parts), weakest, round(score, 4))

    def translate_one_sentence(self, sentence: str) -> Translation:
        match = self.lookup(sentence)
        if match is None:
            return Translation(sentence, Origin.UNTRANSLATED, 0.0)
        if match.score >= 1.0:
            return Translation(match.target, Origin.EXACT, 1.0)
        return Translation(self._adapt(normalise(sentence), match), Origin.FUZZY, match.score)

    def translate(self, segments: Sequence[str], source_lang: str, target_lang: str) -> list[Translation]:
        return [self.translate_one(s, source_lang, target_lang) for s in segments]


def split_into_sentences(text: str, lang: str) -> list[str]:
    """amts.domain.segment.split_sentences when it is available, else a plain punctuation split."""
    try:
        from amts.domain.segment import split_sentences

        parts = [p for p in split_sentences(text, lang, find_protected_spans(text)) if p.strip()]
        if parts:
            return parts
    except NotImplementedError:
        pass
    spans = find_protected_spans(text)
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        # never cut inside inline code or math
        if any(s.start < m.start() < s.end for s in spans):
            continue
        piece = text[start : m.start()].strip()
        if piece:
            out.append(piece)
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out
