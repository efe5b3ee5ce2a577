"""The offline translation memory serves only what translators wrote, and says how well it matched."""

from __future__ import annotations

import pytest
from amts.adapters.memory_engine import TranslationMemoryEngine, split_into_sentences
from amts.ports import Origin, TranslationEngine

PAIRS = [
    ("Deep learning is a subset of machine learning.", "深度学习是机器学习的一个子集。"),
    ("We compute the gradient with `backward()`.", "我们用`backward()`计算梯度。"),
    ("The loss decreases quickly.", "损失迅速下降。"),
    ("Training takes a long time on a CPU.", "在CPU上训练需要很长时间。"),
]


@pytest.fixture
def engine() -> TranslationMemoryEngine:
    return TranslationMemoryEngine.from_pairs(PAIRS)


def test_it_is_a_translation_engine(engine: TranslationMemoryEngine) -> None:
    assert isinstance(engine, TranslationEngine)
    assert len(engine) == len(PAIRS)


def test_exact_match_after_whitespace_normalisation(engine: TranslationMemoryEngine) -> None:
    # Given a source that differs only in whitespace
    # When translated
    [result] = engine.translate(["  The loss   decreases\nquickly. "], "en", "zh")
    # Then the human translation is served as an exact match
    assert (result.text, result.origin, result.score) == ("损失迅速下降。", Origin.EXACT, 1.0)


def test_fuzzy_match_reports_its_score(engine: TranslationMemoryEngine) -> None:
    # Given a source with a small edit
    [result] = engine.translate(["Deep learning is a subset of machine-learning."], "en", "zh")
    # Then the closest translation is served as fuzzy with a score below 1 and above the threshold
    assert result.origin is Origin.FUZZY
    assert result.text == "深度学习是机器学习的一个子集。"
    assert 0.75 <= result.score < 1.0


def test_fuzzy_match_carries_the_sources_own_code(engine: TranslationMemoryEngine) -> None:
    # Given the same sentence with different inline code
    [result] = engine.translate(["We compute the gradient with `grad()`."], "en", "zh")
    # Then the memory's code is replaced by the query's code
    assert result.origin is Origin.FUZZY
    assert result.text == "我们用`grad()`计算梯度。"


def test_nothing_close_is_left_untranslated_never_invented(engine: TranslationMemoryEngine) -> None:
    # Given a sentence unlike anything in memory
    source = "Convolutions share weights across positions."
    [result] = engine.translate([source], "en", "zh")
    # Then the source is returned unchanged and flagged
    assert (result.text, result.origin, result.score) == (source, Origin.UNTRANSLATED, 0.0)


def test_threshold_is_respected() -> None:
    # Given a strict engine
    strict = TranslationMemoryEngine.from_pairs(PAIRS, threshold=0.99)
    # When a near match is asked for
    [result] = strict.translate(["Deep learning is a subset of machine-learning."], "en", "zh")
    # Then it is not served
    assert result.origin is Origin.UNTRANSLATED


def test_paragraph_is_assembled_from_sentences(engine: TranslationMemoryEngine) -> None:
    # Given a paragraph made of two sentences the memory knows separately
    paragraph = "The loss decreases quickly. Training takes a long time on a CPU."
    [result] = engine.translate([paragraph], "en", "zh")
    # Then both translations are joined (no space for Chinese) and the origin is exact
    assert result.text == "损失迅速下降。在CPU上训练需要很长时间。"
    assert result.origin is Origin.EXACT


def test_partial_paragraph_gets_the_weakest_origin(engine: TranslationMemoryEngine) -> None:
    # Given a paragraph with one known sentence and one unknown
    paragraph = "The loss decreases quickly. Nobody has ever written this sentence before today."
    [result] = engine.translate([paragraph], "en", "zh")
    # Then the known one is translated, the unknown kept, and the whole is untranslated
    assert result.text.startswith("损失迅速下降。")
    assert result.text.endswith("Nobody has ever written this sentence before today.")
    assert result.origin is Origin.UNTRANSLATED
    assert 0 < result.score < 1


def test_later_duplicate_source_wins() -> None:
    engine = TranslationMemoryEngine.from_pairs([("Hello.", "旧"), ("Hello.", "新")])
    assert engine.translate(["Hello."], "en", "zh")[0].text == "新"


def test_empty_segment_is_untranslated(engine: TranslationMemoryEngine) -> None:
    assert engine.translate([""], "en", "zh")[0].origin is Origin.UNTRANSLATED


def test_sentence_split_never_cuts_inside_code() -> None:
    # Given a sentence end inside inline code
    parts = split_into_sentences("Call `a. b` now. Then stop.", "en")
    # Then the code stays in one sentence
    assert any("`a. b`" in p for p in parts)
    assert parts[-1] == "Then stop."


def test_invalid_threshold_is_rejected() -> None:
    with pytest.raises(ValueError, match="threshold"):
        TranslationMemoryEngine.from_pairs(PAIRS, threshold=0)
