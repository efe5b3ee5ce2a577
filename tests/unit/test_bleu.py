"""BLEU/chrF scoring: tokenizer per language, extraction of translatable text, agreement with
sacrebleu's own CLI, and clear errors instead of silent zeros."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from amts.domain import bleu
from amts.domain.bleu import (
    corpus_score,
    pair_documents,
    piece_text,
    score_documents,
    score_files,
    score_segments,
    tokenizer_for,
    translatable_segments,
)
from amts.domain.markdown import load_document, parse
from sacrebleu.metrics import BLEU

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EVAL_BOOK = FIXTURES / "eval" / "book"
ES = FIXTURES / "eval" / "es"
SACREBLEU = Path(sys.executable).with_name("sacrebleu")


def _cli_score(tmp_path: Path, hyps: list[str], refs: list[str], *args: str) -> float:
    """Run sacrebleu's own CLI on the same extracted segments (one per line)."""
    hyp_file, ref_file = tmp_path / "hyp.txt", tmp_path / "ref.txt"
    hyp_file.write_text("\n".join(hyps) + "\n", encoding="utf-8")
    ref_file.write_text("\n".join(refs) + "\n", encoding="utf-8")
    out = subprocess.run(
        [str(SACREBLEU), str(ref_file), "-i", str(hyp_file), *args, "-b"],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())


# --- tokenizer choice -------------------------------------------------------------------------


def test_chinese_uses_zh_tokenizer_and_spanish_13a() -> None:
    # Given the target languages of the study / When choosing tokenizers / Then zh and 13a, no note
    assert tokenizer_for("zh") == bleu.TokenizerChoice("zh")
    assert tokenizer_for("zh-TW").name == "zh"
    assert tokenizer_for("es") == bleu.TokenizerChoice("13a")
    assert tokenizer_for("en").name == "13a"


def test_default_13a_on_chinese_would_be_a_silent_zero() -> None:
    # Given a partly correct Chinese hypothesis
    hyp, ref = ["我们把数据存储在张量中。"], ["我们把参数存储在张量中。"]
    # When scored with sacrebleu's default tokenizer and with ours
    default = BLEU().corpus_score(hyp, [ref]).score
    ours = score_segments(hyp, ref, "zh")
    # Then the default sees no shared 2-grams at all; the zh tokenizer does
    assert default < 1.0
    assert ours.bleu is not None and ours.bleu > 30.0
    assert ours.tokenizer == "zh"


def test_japanese_without_mecab_falls_back_to_char_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a machine where MeCab is not installed
    monkeypatch.setattr(bleu, "module_available", lambda name: False)
    # When choosing the tokenizer and scoring Japanese
    choice = tokenizer_for("ja")
    score = score_segments(["猫が好きです。"], ["猫が大好きです。"], "ja")
    # Then character tokenisation is used and the report note says why and how to fix it
    assert choice.name == "char"
    assert choice.note is not None and "ja-mecab" in choice.note and "amts[ja]" in choice.note
    assert score.tokenizer == "char" and score.bleu is not None and score.bleu > 0
    assert any("not installed" in n for n in score.notes)


def test_japanese_uses_mecab_when_installed() -> None:
    # Given the ja extra (mecab-python3 + ipadic) / When choosing / Then ja-mecab, in the signature
    pytest.importorskip("MeCab")
    pytest.importorskip("ipadic")
    score = score_segments(["猫が好きです。"], ["猫が好きです。"], "ja")
    assert score.tokenizer == "ja-mecab"
    assert score.bleu_signature is not None and "ja-mecab" in score.bleu_signature
    assert score.bleu == pytest.approx(100.0)


def test_unknown_language_is_scored_with_13a_and_a_note() -> None:
    # Given a language without a profile / When scoring / Then 13a and a note, not a crash
    score = score_segments(["bonjour le monde"], ["bonjour tout le monde"], "fr-XX")
    assert score.ok
    assert tokenizer_for("xx").note is not None


# --- extraction -------------------------------------------------------------------------------


def test_protected_spans_are_removed_from_both_sides() -> None:
    # Given a paragraph with inline code, inline math and a :numref: role
    doc = parse(
        "The sum $\\mathbf{x} + \\mathbf{y}$ uses `torch.add`, see :numref:`sec_a` and [docs](http://x.org).\n",
        "en",
    )
    # When extracting translatable text
    (text,) = translatable_segments(doc)
    # Then code, math, role and URL are gone and the words (including the link text) remain
    for gone in ("mathbf", "torch.add", "sec_a", "http"):
        assert gone not in text
    assert text.startswith("The sum") and "docs" in text and "uses" in text


def test_chinese_extraction_joins_without_spaces() -> None:
    # Given a Chinese piece with inline math / When extracting / Then no space is inserted
    doc = parse("对于$n$个样本，一个周期需要$k$步。\n", "zh")
    assert piece_text(doc.pieces[0].piece, "zh") == "对于个样本，一个周期需要步。"


def test_code_blocks_and_labels_are_not_segments() -> None:
    # Given a fixture section with a code cell and a :label:
    doc = load_document(EVAL_BOOK / "en/chapter_tensors/tensors.md", "en")
    # When extracting / Then no segment contains code or the label name
    segs = translatable_segments(doc)
    assert len(segs) == len(doc.pieces)
    assert not any("torch.arange" in s or "sec_tensors" in s for s in segs)


# --- pairing ----------------------------------------------------------------------------------


def test_pairing_uses_the_source_alignment_when_given() -> None:
    # Given a hypothesis with the source's structure (here: the reference itself) and the source
    en = load_document(EVAL_BOOK / "en/chapter_tensors/tensors.md", "en")
    zh = load_document(EVAL_BOOK / "zh/chapter_tensors/tensors.md", "zh")
    # When pairing through the source / Then aligned segment by segment, nothing unaligned
    pairing = pair_documents(zh, zh, en)
    assert pairing.method == "alignment"
    assert pairing.hypotheses == pairing.references
    assert pairing.unaligned_hypothesis == pairing.unaligned_reference == 0


def test_pairing_falls_back_to_one_document_segment_with_a_note() -> None:
    # Given documents with different piece counts and no source
    hyp = parse("# Title\n\nOne paragraph.\n\nAnother one.\n", "en")
    ref = parse("# Title\n\nOne paragraph and another one.\n", "en")
    # When pairing / Then one document-level segment, and the report note explains it
    pairing = pair_documents(hyp, ref)
    assert pairing.method == "document"
    assert len(pairing.hypotheses) == 1
    assert "pieces" in pairing.notes[0]


# --- agreement with sacrebleu's CLI -------------------------------------------------------------


@pytest.mark.parametrize(
    ("hyp_path", "ref_path", "lang", "tok"),
    [
        (FIXTURES / "eval/hypotheses/zh/tensors.md", EVAL_BOOK / "zh/chapter_tensors/tensors.md", "zh", "zh"),
        (ES / "hypothesis.md", ES / "reference.md", "es", "13a"),
    ],
)
def test_scores_agree_with_sacrebleu_cli(
    tmp_path: Path, hyp_path: Path, ref_path: Path, lang: str, tok: str
) -> None:
    # Given the extracted, paired segments of a hypothesis and a reference
    hyp = load_document(hyp_path, lang)
    ref = load_document(ref_path, lang)
    pairing = pair_documents(hyp, ref)
    score = score_documents(hyp, ref, lang)
    assert score.ok and score.segments == len(pairing.hypotheses) > 1
    # When sacrebleu's own CLI scores the same text
    cli_bleu = _cli_score(tmp_path, pairing.hypotheses, pairing.references, "-tok", tok)
    cli_chrf = _cli_score(tmp_path, pairing.hypotheses, pairing.references, "-m", "chrf")
    # Then BLEU and chrF agree to the CLI's printed precision, and the signature names the tokenizer
    assert score.bleu == pytest.approx(cli_bleu, abs=0.051)
    assert score.chrf == pytest.approx(cli_chrf, abs=0.051)
    assert score.bleu_unit == pytest.approx(score.bleu / 100, abs=1e-4)  # type: ignore[operator]
    assert f"tok:{tok}" in (score.bleu_signature or "")


def test_corpus_score_pools_ngrams_rather_than_averaging(tmp_path: Path) -> None:
    # Given two articles' pairings
    a = pair_documents(
        load_document(FIXTURES / "eval/hypotheses/zh/tensors.md", "zh"),
        load_document(EVAL_BOOK / "zh/chapter_tensors/tensors.md", "zh"),
    )
    b = pair_documents(
        load_document(EVAL_BOOK / "zh/chapter_tensors/indexing.md", "zh"),
        load_document(EVAL_BOOK / "zh/chapter_tensors/indexing.md", "zh"),
    )
    # When pooling / Then it equals the CLI on the concatenation, not the mean of the two scores
    pooled = corpus_score([a, b], "zh")
    mean = (score_segments(a.hypotheses, a.references, "zh").bleu or 0) / 2 + 50.0
    assert pooled.bleu != pytest.approx(mean, abs=0.5)
    cli = _cli_score(tmp_path, a.hypotheses + b.hypotheses, a.references + b.references, "-tok", "zh")
    assert pooled.bleu == pytest.approx(cli, abs=0.051)
    assert pooled.segments == len(a.hypotheses) + len(b.hypotheses)


# --- bad input -------------------------------------------------------------------------------


def test_missing_reference_is_an_error_not_a_zero(tmp_path: Path) -> None:
    # Given a hypothesis and a reference path that does not exist
    score = score_files(ES / "hypothesis.md", tmp_path / "missing.md", "es")
    # Then an error naming the file, and no number
    assert score.error is not None and "missing.md" in score.error and "reference" in score.error
    assert score.bleu is None and score.bleu_unit is None and not score.ok


def test_empty_hypothesis_file_is_an_error(tmp_path: Path) -> None:
    # Given an empty hypothesis file / When scoring / Then an error that says it is empty
    empty = tmp_path / "empty.md"
    empty.write_text("", encoding="utf-8")
    score = score_files(empty, ES / "reference.md", "es")
    assert score.error is not None and "empty" in score.error and "hypothesis" in score.error
    assert score.bleu is None


def test_hypothesis_with_only_code_has_no_translatable_text(tmp_path: Path) -> None:
    # Given a hypothesis made of a code cell only
    code_only = tmp_path / "code.md"
    code_only.write_text("```{.python .input}\nx = 1\n```\n", encoding="utf-8")
    # When scoring / Then the error says there is no translatable text (not BLEU 0)
    score = score_files(code_only, ES / "reference.md", "es")
    assert score.error is not None and "hypothesis is empty" in score.error
    assert score.to_json()["bleu"] is None
