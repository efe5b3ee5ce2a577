"""Sync planning and assembly: translate only what changed, keep every human translation that fits."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

from amts.config import price_estimate
from amts.domain.align import Bead
from amts.domain.codemerge import rename, renaming
from amts.domain.diff import ChangeKind, diff_documents, normalise, segment_key
from amts.domain.glossary import Glossary
from amts.domain.markdown import load_document, parse
from amts.domain.model import BlockKind, Document
from amts.domain.sync import (
    MACHINE_MARKER,
    UNTRANSLATED_MARKER,
    Reason,
    SyncPlan,
    apply_sync,
    plan_sync,
    sync_totals,
)
from amts.ports import Origin, Translation

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sync"


def fixture_docs() -> tuple[Document, Document, Document]:
    old = load_document(FIXTURES / "filters.en.md", "en")
    new = load_document(FIXTURES / "filters.en-next.md", "en")
    tgt = load_document(FIXTURES / "filters.zh.md", "zh")
    return old, new, tgt


def machine(plan: SyncPlan) -> dict[int, Translation]:
    """A fake engine: a recognisable machine translation per segment."""
    return {s.index: Translation(f"机翻〈{s.text}〉", Origin.MACHINE) for s in plan.to_translate}


def one_to_one(src: Document, tgt: Document, glossary: Glossary | None = None) -> list[Bead]:
    """Aligner for hand-made cases: piece i ↔ piece i, fully confident."""
    return [Bead((i,), (i,), 1.0) for i in range(min(len(src.pieces), len(tgt.pieces)))]


def fixed(beads: Sequence[Bead]):  # type: ignore[no-untyped-def]
    def aligner(src: Document, tgt: Document, glossary: Glossary | None = None) -> list[Bead]:
        return list(beads)

    return aligner


def raw_of_block_containing(doc: Document, needle: str) -> str:
    matches = [b.raw for b in doc.blocks if needle in b.raw]
    assert len(matches) == 1, needle
    return matches[0]


# --- the diff --------------------------------------------------------------------------------


def test_rewrapping_a_paragraph_is_not_an_edit() -> None:
    # Given a paragraph re-wrapped over different lines, with trailing spaces
    old = parse("# T\n\nOne clause,\nanother clause.\n", "en")
    new = parse("# T\n\nOne clause,   \n   another\nclause.\n", "en")
    # When diffed
    diff = diff_documents(old, new)
    # Then every piece is unchanged and nothing was deleted
    assert diff.piece_status == [ChangeKind.UNCHANGED, ChangeKind.UNCHANGED]
    assert diff.deleted_pieces == []


def test_a_hyphen_en_dash_or_double_hyphen_between_digits_is_one_text() -> None:
    # Given number ranges written with a hyphen, d2lbook's `--` (rendered as an en dash) and "–"
    hyphen = "A 1600-2000W supply for 4-8 GPUs, 1-2 TB."
    # When keyed
    # Then the three spellings of a range are one text (a typographic sweep is not an edit)
    assert segment_key("A 1600--2000W supply for 4--8 GPUs, 1\u20132 TB.") == segment_key(hyphen)
    assert segment_key("A 1600\u20132000W supply for 4\u20138 GPUs, 1--2 TB.") == segment_key(hyphen)
    # And a hyphen that is not between two digits is kept as it is
    assert segment_key("A state--of--the--art model.") != segment_key("A state-of-the-art model.")
    assert segment_key("Use layers 4--x.") != segment_key("Use layers 4-x.")
    assert segment_key("Pages 1---2.") != segment_key("Pages 1-2.")
    # And inside inline code or math it is an edit (code is not prose, `1--2` is 1 - (-2))
    assert segment_key("Compute `x[1-2]` now.") != segment_key("Compute `x[1--2]` now.")
    assert segment_key("Here $a_{1-2}$ holds.") != segment_key("Here $a_{1--2}$ holds.")


def test_diff_classifies_edited_new_moved_and_deleted_pieces() -> None:
    # Given a document where one paragraph is edited, one added, one moved and one deleted
    old = parse(
        "Alpha paragraph stays.\n\nBeta paragraph will be edited slightly.\n\n"
        "Gamma goes to the end.\n\nDelta disappears completely.\n",
        "en",
    )
    new = parse(
        "Alpha paragraph stays.\n\nBeta paragraph was edited slightly.\n\n"
        "A brand new paragraph about something else.\n\nGamma goes to the end.\n",
        "en",
    )
    # When diffed
    diff = diff_documents(old, new)
    # Then each new piece has its class and the old counterpart where one exists
    texts = [normalise(r.text) for r in new.pieces]
    status = dict(zip(texts, diff.piece_status, strict=True))
    assert status["Alpha paragraph stays."] is ChangeKind.UNCHANGED
    assert status["Beta paragraph was edited slightly."] is ChangeKind.EDITED
    assert status["A brand new paragraph about something else."] is ChangeKind.NEW
    assert status["Gamma goes to the end."] in (ChangeKind.UNCHANGED, ChangeKind.MOVED)
    # And the deleted paragraph is reported as deleted
    assert [old.pieces[i].text for i in diff.deleted_pieces] == ["Delta disappears completely."]


def test_a_paragraph_moved_elsewhere_is_moved_not_new() -> None:
    # Given two paragraphs swapped around a heading
    old = parse("First thing said here.\n\n## Middle\n\nSecond thing said there.\n", "en")
    new = parse("Second thing said there.\n\n## Middle\n\nFirst thing said here.\n", "en")
    # When diffed
    diff = diff_documents(old, new)
    # Then nothing is new: one side of the swap is unchanged, the other moved
    assert ChangeKind.NEW not in diff.piece_status
    assert ChangeKind.MOVED in diff.piece_status
    assert diff.deleted_pieces == []


# --- planning and assembly on the fixture ------------------------------------------------------


def test_only_changed_segments_are_sent_for_translation() -> None:
    # Given the fixture section, its next version and its human translation
    old, new, tgt = fixture_docs()
    # When planned
    plan = plan_sync(old, new, tgt)
    # Then the segments to translate come from exactly the new pieces whose text is not in the
    # old file, each the whole piece or (edited pieces) the part of it that changed
    old_texts = {normalise(r.text) for r in old.pieces}
    changed = {r.index for r in new.pieces if normalise(r.text) not in old_texts}
    assert {s.index for s in plan.to_translate} == changed
    assert all(s.text in new.pieces[s.index].text for s in plan.to_translate)
    assert {s.reason for s in plan.to_translate} <= {Reason.NEW, Reason.EDITED}
    # And the counts add up
    data = plan.to_json()
    assert data["segments_reused"] + data["segments_to_translate"] == len(new.pieces)
    assert data["characters_to_translate"] == sum(len(s.text) for s in plan.to_translate)
    assert data["characters_total"] == sum(len(r.text) for r in new.pieces)
    assert data["characters_to_translate"] < data["characters_total"] / 2


def test_in_an_edited_paragraph_only_the_changed_sentence_is_sent() -> None:
    # Given the fixture's window-size paragraph: its first sentence gained a clause, the second
    # ("Larger windows react more slowly.") did not change
    old, new, tgt = fixture_docs()
    # When planned
    plan = plan_sync(old, new, tgt)
    seg = next(s for s in plan.to_translate if "which matters for online monitoring" in s.text)
    # Then only the changed sentence is sent, and the translator's second sentence is kept
    assert seg.text == "The window size $k$ trades smoothness for delay, which matters for online monitoring."
    assert seg.partial and seg.prefix == "" and seg.suffix == "窗口越大，反应越慢。"
    assert [new.pieces[seg.index].text[sp.start : sp.end] for sp in seg.spans] == ["$k$"]
    # And the assembled paragraph is the machine sentence, its inline review marker, then the
    # human one, on the translator's line
    out = apply_sync(plan, machine(plan))
    marker = MACHINE_MARKER.format(ids=seg.sha1)
    assert f"\n机翻〈{seg.text}〉{marker}窗口越大，反应越慢。\n" in out
    # And when the engine has nothing for it, the English sentence stays next to the human one
    missing = apply_sync(plan, {})
    assert f"\n{seg.text}{UNTRANSLATED_MARKER.format(ids=seg.sha1)}窗口越大，反应越慢。\n" in missing
    # And switching sentence reuse off sends the whole paragraph
    whole = plan_sync(old, new, tgt, sentence_reuse=False)
    assert whole.characters_to_translate > plan.characters_to_translate
    assert not any(s.partial for s in whole.to_translate)


def test_unchanged_paragraphs_keep_the_human_translation_byte_for_byte() -> None:
    # Given the fixture (the first paragraph is only re-wrapped in the new English)
    old, new, tgt = fixture_docs()
    plan = plan_sync(old, new, tgt)
    # When assembled
    out = apply_sync(plan, machine(plan))
    # Then the translator's blocks of unchanged text are in the output with their line layout
    for needle in ("移动平均把每个值", "与其使用", "| 方法 | 内存 |", "两者都是线性滤波器", "# 移动平均"):
        assert raw_of_block_containing(tgt, needle) in out
    # And the translator's untouched list items are kept verbatim next to the machine-translated one
    assert "* 固定窗口容易解释。\n" in out
    assert "* 两者对阶跃的反应都有延迟。\n" in out


def test_output_follows_the_new_source_structure_and_order() -> None:
    # Given the fixture, where a paragraph moved before the table and an exercise was added
    old, new, tgt = fixture_docs()
    plan = plan_sync(old, new, tgt)
    # When assembled
    out = apply_sync(plan, machine(plan))
    doc = parse(out, "zh")
    # Then it parses, round-trips, and its headings, labels and tables are where the new English has them
    assert doc.render() == out

    def skeleton(d: Document) -> list[str]:
        kinds = (BlockKind.HEADING, BlockKind.TABLE, BlockKind.MATH, BlockKind.CODE)
        return [str(b.kind) for b in d.blocks if b.kind in kinds and "#@tab paddle" not in b.raw]

    assert skeleton(doc) == skeleton(new)
    # And the moved paragraph now precedes the table, as in the new English
    assert out.index("两者都是线性滤波器") < out.index("| 方法 | 内存 |")
    # And the new exercise is the third list item of the exercises
    assert out.rstrip().splitlines()[-1].startswith("1. 机翻〈Plot the delay")


def test_a_changed_code_cell_replaces_its_counterpart_keeping_the_translated_unchanged_lines() -> None:
    # Given a code cell whose signature line changed (its translated comment line did not) and an
    # unchanged cell whose comment the translator translated
    old, new, tgt = fixture_docs()
    plan = plan_sync(old, new, tgt)
    # When assembled
    out = apply_sync(plan, machine(plan))
    # Then the changed line is the new English one, the unchanged comment line stays translated,
    # and there is one copy of the cell
    assert "def moving_average(xs, k, weights=None):\n    # 在窗口上求平均\n" in out
    assert "# average over a window" not in out
    assert out.count("def moving_average(") == 1
    # And the unchanged cell keeps the translated comment
    assert "# 输出三个值" in out
    # And labels and equations come through
    assert ":label:`sec_filters`" in out and ":eqlabel:`eq_window`" in out


def test_target_only_blocks_stay_next_to_their_surviving_anchor() -> None:
    # Given the translator's extra paddle tab (after the first cell) and a translator's note
    old, new, tgt = fixture_docs()
    plan = plan_sync(old, new, tgt)
    # When assembled
    out = apply_sync(plan, machine(plan))
    # Then both are kept, in place
    assert "#@tab paddle" in out
    assert out.index("def moving_average") < out.index("#@tab paddle") < out.index("xs = [1.0")
    assert "（译者注：" in out
    assert out.index("与其使用") < out.index("（译者注：") < out.index("* 固定窗口")
    assert plan.to_json()["target_only_blocks_kept"] >= 2


def test_machine_output_is_marked_for_review_without_splitting_lists() -> None:
    # Given the fixture, where a list item in the middle of a list changed
    old, new, tgt = fixture_docs()
    plan = plan_sync(old, new, tgt)
    # When assembled
    out = apply_sync(plan, machine(plan))
    lines = out.splitlines()
    # Then every machine-translated block has a review marker
    markers = [i for i, line in enumerate(lines) if line.startswith("<!-- amts: machine-translated")]
    blocks_with_mt = {s.block_index for s in plan.to_translate}
    assert 0 < len(markers) <= len(blocks_with_mt)
    # And no marker sits between two list items: the one for the list precedes its first item
    for i in markers:
        assert not (i > 0 and lines[i - 1].startswith(("* ", "1. ")))
    first_item = lines.index("* 固定窗口容易解释。")
    assert lines[first_item - 1].startswith("<!-- amts: machine-translated")
    # And the marker names the source segment
    sha = next(s.sha1 for s in plan.to_translate if "whatever the horizon" in s.text)
    assert sha in lines[first_item - 1]


def test_segments_the_engine_could_not_translate_get_their_own_marker() -> None:
    # Given a plan and an engine that translated nothing
    old, new, tgt = fixture_docs()
    plan = plan_sync(old, new, tgt)
    # When assembled with no translations
    out = apply_sync(
        plan, {s.index: Translation(s.text, Origin.UNTRANSLATED, 0.0) for s in plan.to_translate}
    )
    # Then the English text is there, marked as untranslated, not as machine output
    assert "<!-- amts: untranslated, needs translation" in out
    assert "machine-translated" not in out
    assert "This method is also known as exponential smoothing." in out


def test_plan_json_has_the_contract_keys_and_prices_from_config() -> None:
    old, new, tgt = fixture_docs()
    plan = plan_sync(old, new, tgt)
    # When serialised
    data = plan.to_json()
    # Then the contract keys are there and the cost comes from the one config place
    for key in ("segments_reused", "segments_to_translate", "characters_to_translate", "characters_total"):
        assert isinstance(data[key], int)
    assert data["estimated_cost_usd"] == price_estimate(data["characters_to_translate"])
    assert data["whole_file_cost_usd"] == price_estimate(data["characters_total"])
    assert {"index", "kind", "text", "reason"} <= set(data["to_translate"][0])
    # And totals over files add up
    totals = sync_totals([plan, plan])
    assert totals["characters_to_translate"] == 2 * data["characters_to_translate"]


# --- bad input and edge cases --------------------------------------------------------------------


def test_identical_versions_need_no_translation_and_keep_the_file() -> None:
    # Given an unchanged source
    old, _new, tgt = fixture_docs()
    # When planned and assembled
    plan = plan_sync(old, parse(old.render(), "en"), tgt)
    # Then nothing is to translate and the translation is returned as it is
    assert plan.identical and plan.to_translate == []
    assert apply_sync(plan, {}) == tgt.render()


def test_missing_translation_means_everything_is_translated_and_said_so() -> None:
    # Given no existing translation
    old, new, _tgt = fixture_docs()
    # When planned
    plan = plan_sync(old, new, None, target_lang="zh")
    # Then every segment is to translate, with the reason, and a note says so
    assert len(plan.to_translate) == len(new.pieces)
    assert {s.reason for s in plan.to_translate} == {Reason.NO_TRANSLATION}
    assert not plan.to_json()["has_translation"]
    assert any("no existing translation" in n for n in plan.notes)
    # And the output is the new file translated, structure untouched
    out = apply_sync(plan, machine(plan))
    assert out.count("机翻〈") == len(new.pieces)
    assert "def moving_average(xs, k, weights=None):" in out


def test_an_unchanged_paragraph_keeps_its_translation_even_when_the_alignment_is_unsure() -> None:
    # Given an old translation whose second paragraph the aligner is unsure about
    old = parse("First paragraph here.\n\nSecond paragraph here.\n\nThird one, edited later.\n", "en")
    new = parse("First paragraph here.\n\nSecond paragraph here.\n\nThird one, now edited.\n", "en")
    tgt = parse("第一段。\n\n不相干的一段。\n\n第三段。\n", "zh")
    beads = [Bead((0,), (0,), 0.99), Bead((1,), (1,), 0.2), Bead((2,), (2,), 0.95)]
    # When planned
    plan = plan_sync(old, new, tgt, aligner=fixed(beads))
    # Then the unchanged but doubtful paragraph keeps what the translator wrote (listed for a
    # look, not retranslated): its English did not change
    assert plan.low_confidence == [1]
    reasons = {s.index: s.reason for s in plan.to_translate}
    assert reasons == {2: Reason.EDITED}
    out = apply_sync(plan, machine(plan))
    assert "第一段。\n\n不相干的一段。\n\n" in out


def test_a_source_paragraph_left_out_by_the_translator_stays_out() -> None:
    # Given a translation that skipped the second paragraph (a 1-0 bead)
    old = parse("One.\n\nTwo is not translated.\n\nThree.\n", "en")
    tgt = parse("一。\n\n三。\n", "zh")
    beads = [Bead((0,), (0,), 1.0), Bead((1,), (), 0.9), Bead((2,), (1,), 1.0)]
    # When a version where only the third paragraph changed is synced
    new = parse("One.\n\nTwo is not\ntranslated.\n\nThree, edited.\n", "en")
    plan = plan_sync(old, new, tgt, aligner=fixed(beads))
    # Then only the edited paragraph is sent; the one the translator left out stays out
    sent = [(s.index, s.reason) for s in plan.to_translate]
    assert sent == [(2, Reason.EDITED)]
    out = apply_sync(plan, machine(plan))
    assert out.startswith("一。\n\n")
    assert "Two is not" not in out
    assert plan.to_json()["segments_left_out"] == 1


def _merged_case(new_second: str) -> tuple[SyncPlan, Document]:
    old = parse("Intro line.\n\nPart one of an idea.\n\nPart two of the idea.\n\nOutro line.\n", "en")
    tgt = parse("引言。\n\n这个想法的两个部分，\n合成了一段。\n\n结尾。\n", "zh")
    beads = [Bead((0,), (0,), 1.0), Bead((1, 2), (1,), 0.9), Bead((3,), (2,), 1.0)]
    # The last paragraph always changes, so the versions are never identical.
    new = parse(f"Intro line.\n\nPart one of an idea.\n\n{new_second}\n\nOutro line, changed.\n", "en")
    return plan_sync(old, new, tgt, aligner=fixed(beads)), tgt


def test_paragraphs_the_translator_merged_keep_the_merged_translation_when_unchanged() -> None:
    # Given two English paragraphs translated as one Chinese paragraph, both unchanged
    plan, _tgt = _merged_case("Part two of the idea.")
    # When the file is assembled
    out = apply_sync(plan, machine(plan))
    # Then only the changed last paragraph is sent, and the merged translation is written once,
    # with its own line layout
    assert [s.index for s in plan.to_translate] == [3]
    assert out.count("这个想法的两个部分，\n合成了一段。\n") == 1
    assert "Part one" not in out


def test_a_merged_group_with_one_changed_member_is_retranslated_whole() -> None:
    # Given the same merged pair where the second English paragraph changed
    plan, _tgt = _merged_case("Part two of the idea, rewritten.")
    # When planned
    reasons = {s.index: s.reason for s in plan.to_translate}
    # Then both members are sent: the changed one as edited, its unchanged partner as group_changed
    assert reasons == {1: Reason.GROUP_CHANGED, 2: Reason.EDITED, 3: Reason.EDITED}
    out = apply_sync(plan, machine(plan))
    assert "合成了一段" not in out
    assert "机翻〈Part one of an idea.〉" in out


def test_a_translator_split_paragraph_is_reused_as_the_translator_wrote_it() -> None:
    # Given one English paragraph that the translator split into two
    old = parse("Intro line.\n\nA long paragraph. It has two halves.\n\nEdit me.\n", "en")
    tgt = parse("引言。\n\n长段落的前半。\n\n长段落的后半。\n\n改我。\n", "zh")
    beads = [Bead((0,), (0,), 1.0), Bead((1,), (1, 2), 0.9), Bead((2,), (3,), 1.0)]
    new = parse("Intro line.\n\nA long paragraph. It has two halves.\n\nEdited me.\n", "en")
    # When synced
    plan = plan_sync(old, new, tgt, aligner=fixed(beads))
    out = apply_sync(plan, machine(plan))
    # Then both halves are kept as the translator wrote them
    assert "长段落的前半。\n\n长段落的后半。\n" in out
    assert [s.index for s in plan.to_translate] == [2]


def test_markers_from_an_earlier_sync_travel_with_their_block() -> None:
    # Given a translation produced by an earlier sync, with a review marker on one paragraph
    old = parse("Kept paragraph.\n\nReviewed later.\n\nChanged paragraph.\n", "en")
    marker = MACHINE_MARKER.format(ids="abc") + "\n"
    tgt = parse(f"保留的段落。\n\n{marker}以后再审。\n\n改动的段落。\n", "zh")
    new = parse("Kept paragraph.\n\nReviewed later.\n\nChanged paragraph, again.\n", "en")
    # When synced again
    plan = plan_sync(old, new, tgt, aligner=one_to_one)
    out = apply_sync(plan, machine(plan))
    # Then the old marker is still right before its (unreviewed) paragraph, and only once
    assert out.count(marker) == 1
    assert marker + "以后再审。" in out


def test_first_version_without_translation_translates_everything() -> None:
    # Given no previous source version and no translation
    _old, new, _tgt = fixture_docs()
    # When planned
    plan = plan_sync(None, new, None, target_lang="zh")
    # Then everything is translated and the plan says why
    assert len(plan.to_translate) == len(new.pieces)
    assert plan.notes


def test_first_version_with_a_translation_keeps_what_aligns_confidently() -> None:
    # Given no previous source version (first upload) but an existing human translation of it
    old, _new, tgt = fixture_docs()
    doubtful = 1
    beads = [Bead((i,), (i,), 0.3 if i == doubtful else 1.0) for i in range(len(old.pieces))]
    # When planned against the source itself
    plan = plan_sync(None, old, tgt, aligner=fixed(beads))
    # Then confidently aligned pieces keep the human translation; the doubtful one is translated
    assert [s.index for s in plan.to_translate] == [doubtful]
    assert plan.low_confidence == [doubtful]
    assert any("no previous source version" in n for n in plan.notes)
    out = apply_sync(plan, machine(plan))
    assert raw_of_block_containing(tgt, "与其使用") in out


def test_engine_output_cannot_break_a_table_or_a_list() -> None:
    # Given a changed table cell and a changed list item
    old = parse("| a | b |\n|---|---|\n| one | two |\n\n* first item\n* second item\n", "en")
    new = parse("| a | b |\n|---|---|\n| one | three |\n\n* first item\n* second item, longer\n", "en")
    tgt = parse("| 甲 | 乙 |\n|---|---|\n| 一 | 二 |\n\n* 第一项\n* 第二项\n", "zh")
    plan = plan_sync(old, new, tgt, aligner=one_to_one)
    # When the engine answers with a pipe and a line break
    bad = {s.index: Translation("三|四\n五", Origin.MACHINE) for s in plan.to_translate}
    out = apply_sync(plan, bad)
    # Then the table keeps its columns and the list item stays on one line
    doc = parse(out, "zh")
    table = next(b for b in doc.blocks if b.kind is BlockKind.TABLE)
    assert [p.text for p in table.pieces] == ["甲", "乙", "一", "三\\|四 五"]
    assert "* 三|四 五\n" in out


def test_an_unchanged_figure_keeps_the_translators_image_and_a_changed_path_follows_the_source() -> None:
    # Given a translation whose figure points at its own (localised) image
    old = parse("![A plot of the loss.](../img/Loss.svg)\n\nSome text.\n", "en")
    new = parse("![A plot of the loss.](../img/Loss.svg)\n\nSome text, edited.\n", "en")
    tgt = parse("![损失的图。](../img/loss-zh.svg)\n\n一些文字。\n", "zh")
    # When synced with the English figure unchanged
    plan = plan_sync(old, new, tgt, aligner=one_to_one)
    out = apply_sync(plan, machine(plan))
    # Then the figure is the translator's, byte for byte
    assert out.startswith("![损失的图。](../img/loss-zh.svg)\n")
    assert 0 in plan.reused
    # And when the English figure's path changes, the caption is reused with the new path
    moved = parse("![A plot of the loss.](../img/loss-v2.svg)\n\nSome text, edited.\n", "en")
    plan = plan_sync(old, moved, tgt, aligner=one_to_one)
    assert apply_sync(plan, machine(plan)).startswith("![损失的图。](../img/loss-v2.svg)\n")


def test_a_whitespace_only_commit_sends_nothing_when_the_alignment_is_confident() -> None:
    # Given a new version that only re-wraps lines and strips trailing spaces
    old = parse("# Title\n\nOne clause,\nanother clause.   \n\n* an item\n", "en")
    new = parse("# Title\n\nOne clause, another clause.\n\n* an item\n", "en")
    tgt = parse("# 标题\n\n一个分句，\n另一个分句。\n\n* 一项\n", "zh")
    # When planned
    plan = plan_sync(old, new, tgt, aligner=one_to_one)
    # Then nothing is sent and every block is the translator's, byte for byte
    assert plan.to_translate == [] and not plan.identical
    assert apply_sync(plan, {}) == tgt.render()


_GLUED_EN = """# Title

An introduction long enough to be a paragraph of its own.

## Summary
* The mean is the average value of a random variable.
* The variance is the expected square of the difference between the random variable and its mean.
* The standard deviation is the square root of the variance.

## Exercises
1. What is the mean of a fair die?
"""
# Machine-first Japanese translations write the heading and its whole list on one line.
_GLUED_JA = (
    "# タイトル\n\n節の導入となる十分に長い文です。\n\n"
    "## まとめ * 平均は確率変数の平均値です。* 分散は確率変数とその平均との差の二乗の期待値です。"
    "* 標準偏差は分散の平方根です。\n\n## 演習 1.公平なサイコロの平均は何ですか？\n"
)


def _one_place_changed(old: str, new: str) -> list[str]:
    """The old text's lines replaced or removed in ``new`` (there must be exactly one run)."""
    ops = [
        op for op in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes() if op[0] != "equal"
    ]
    assert len(ops) == 1, ops
    return [old[ops[0][1] : ops[0][2]]]


def test_an_item_of_a_list_glued_to_its_heading_gains_a_sentence_and_only_that_sentence_is_sent() -> None:
    # Given a Japanese summary whose heading and list items the translator wrote as one line,
    # and a new English where the second item gained a sentence
    new_en = _GLUED_EN.replace("and its mean.", "and its mean. It measures the spread.")
    old, new, tgt = parse(_GLUED_EN, "en"), parse(new_en, "en"), parse(_GLUED_JA, "ja")
    # When planned and assembled
    plan = plan_sync(old, new, tgt)
    out = apply_sync(plan, machine(plan))
    # Then only that sentence is sent, spliced right after the item's translation: the output
    # differs from the old translation in exactly one place, an insertion
    assert [s.text for s in plan.to_translate] == ["It measures the spread."]
    assert _one_place_changed(_GLUED_JA, out) == [""]
    assert "期待値です。机翻〈It measures the spread.〉" in out


def test_two_items_of_a_glued_list_edited_send_each_items_change_and_keep_the_item_between() -> None:
    # Given the same glued summary, where the second and the third item each gained a sentence
    new_en = _GLUED_EN.replace("and its mean.", "and its mean. (updated)").replace(
        "of the variance.", "of the variance. (updated)"
    )
    old, new, tgt = parse(_GLUED_EN, "en"), parse(new_en, "en"), parse(_GLUED_JA, "ja")
    # When planned and assembled
    plan = plan_sync(old, new, tgt)
    out = apply_sync(
        plan, {s.key: Translation(f"机翻〈{s.text}〉", Origin.MACHINE) for s in plan.to_translate}
    )
    # Then only the two new sentences are sent, each spliced at its own item, and the
    # translator's third item (and its list marker) between them stays byte for byte
    assert [s.text for s in plan.to_translate] == ["(updated)", "(updated)"]
    assert "期待値です。机翻〈(updated)〉" in out
    assert "* 標準偏差は分散の平方根です。机翻〈(updated)〉" in out
    assert out.startswith(_GLUED_JA.split("* 分散")[0])


# --- code cells whose variables the translator renamed ----------------------------------------

_RENAMED_OLD = """# Data

Read the file.

```{.python .input}
#@tab all
data = pd.read_csv(data_file)
print(data)
```

Fill the gaps.

```{.python .input}
#@tab all
inputs, outputs = data.iloc[:, 0:2], data.iloc[:, 2]
inputs = inputs.fillna(inputs.mean())
print(inputs)
```
"""

_RENAMED_TGT = """# Veri

Dosyayı oku.

```{.python .input}
#@tab all
veri = pd.read_csv(veri_dosyasi)
print(veri)
```

Boşlukları doldur.

```{.python .input}
#@tab all
girdiler, ciktilar = veri.iloc[:, 0:2], veri.iloc[:, 2]
girdiler = girdiler.fillna(girdiler.mean())
print(girdiler)
```
"""


def test_a_rewritten_cell_whose_variables_the_translator_renamed_replaces_their_cell() -> None:
    # Given a translation whose code cells name the variables in Turkish (data -> veri,
    # inputs -> girdiler), and an English that rewrites the second cell
    new_text = _RENAMED_OLD.replace(
        "inputs = inputs.fillna(inputs.mean())", "inputs = pd.get_dummies(inputs, dummy_na=True)"
    )
    old, new, tgt = parse(_RENAMED_OLD, "en"), parse(new_text, "en"), parse(_RENAMED_TGT, "tr")
    # When synced
    out = apply_sync(plan_sync(old, new, tgt), {})
    # Then exactly one such cell comes out: the English edit, in the translator's names
    assert out.count("```{.python .input}") == 2
    assert out.count(".iloc[:, 0:2]") == 1
    assert "girdiler = pd.get_dummies(girdiler, dummy_na=True)\nprint(girdiler)\n" in out
    assert "girdiler, ciktilar = veri.iloc[:, 0:2], veri.iloc[:, 2]\n" in out
    assert "fillna" not in out and "inputs" not in out
    # And the unchanged cell stays theirs
    assert "veri = pd.read_csv(veri_dosyasi)\nprint(veri)\n" in out


def test_a_cell_the_english_splits_off_uses_the_translators_variable_names() -> None:
    # Given a translation that renamed the variables, and an English that moves the fillna line
    # of the second cell into a cell of its own
    new_text = _RENAMED_OLD.replace(
        "inputs = inputs.fillna(inputs.mean())\nprint(inputs)\n```\n",
        "print(inputs)\n```\n\nThen fill.\n\n```{.python .input}\n#@tab all\n"
        "inputs = inputs.fillna(inputs.mean())\nprint(inputs)\n```\n",
    )
    old, new, tgt = parse(_RENAMED_OLD, "en"), parse(new_text, "en"), parse(_RENAMED_TGT, "tr")
    # When synced
    out = apply_sync(plan_sync(old, new, tgt), {})
    # Then the new cell is written with the translator's names, learned from their other cells
    assert "girdiler = girdiler.fillna(girdiler.mean())\nprint(girdiler)\n```" in out
    assert "inputs" not in out.split("Then fill.")[1]
    assert out.count(".iloc[:, 0:2]") == 1


def test_a_renaming_is_learned_only_when_consistent() -> None:
    # Given cells that read alike once variables are abstracted
    old = ["#@tab all\n", "inputs, outputs = data.iloc[:, 0:2], data.iloc[:, 2]\n", "print(inputs)\n"]
    theirs = ["#@tab all\n", "girdiler, ciktilar = veri.iloc[:, 0:2], veri.iloc[:, 2]\n", "print(girdiler)\n"]
    clash = ["#@tab all\n", "girdiler, ciktilar = veri.iloc[:, 0:2], veri.iloc[:, 2]\n", "print(veri)\n"]
    # When a renaming is learned
    # Then one name to one name is a renaming; one name to two names is not
    assert renaming(old, theirs) == {"inputs": "girdiler", "outputs": "ciktilar", "data": "veri"}
    assert renaming(old, clash) is None
    assert renaming(old, old) is None
    # And renaming touches code only, not attributes, strings or comments
    mapping = {"data": "veri"}
    assert rename(["x = data.data['data']  # data\n"], mapping) == ["x = veri.data['data']  # data\n"]


_FENCE_OLD = """# Install

:begin_tab:`mxnet`
```bash
pip uninstall mxnet
```

Then install it with the following command:

```bash
# For Windows users
pip install mxnet-cu102==1.7.0 -f https://dist.mxnet.io/python

# For Linux and macOS users
pip install mxnet-cu102==1.7.0
```

You may change the last digits according to your CUDA version.
:end_tab:
"""

_FENCE_TGT = """# Kurulum

:begin_tab:`mxnet`
```bash
pip uninstall mxnet
```

Ardından aşağıdaki komutla kurun:

```bash
# Windows kullanıcıları için
pip install mxnet-cu102==1.7.0 -f https://dist.mxnet.io/python

# Linux ve macOS kullanıcıları için
pip install mxnet-cu102==1.7.0
```

Son rakamları CUDA sürümünüze göre değiştirebilirsiniz.
:end_tab:
"""

_FENCE_NEW = """# Install

:begin_tab:`mxnet`
```bash
pip uninstall mxnet
```
:end_tab:

:begin_tab:`mxnet,pytorch`
Then install it with the following command:
:end_tab:

:begin_tab:`mxnet`
```bash
# For Windows users
pip install mxnet-cu101==1.6.0b20190926

# For Linux and macOS users
pip install mxnet-cu101==1.6.0
```
:end_tab:
"""


def test_a_changed_fence_moved_into_a_wrapper_of_its_own_replaces_the_translators() -> None:
    # Given a translator's fence with translated comments, and an English that moves it into a
    # tab wrapper of its own and changes its commands (the diff sees it as new)
    old, new, tgt = parse(_FENCE_OLD, "en"), parse(_FENCE_NEW, "en"), parse(_FENCE_TGT, "tr")
    # When synced
    out = apply_sync(plan_sync(old, new, tgt), {})
    # Then one fence comes out: the new commands with the translator's comments
    assert out.count("```bash") == 2 and out.count("pip install mxnet-cu") == 2
    assert "# Windows kullanıcıları için\npip install mxnet-cu101==1.6.0b20190926\n" in out
    assert "# For Windows users" not in out
