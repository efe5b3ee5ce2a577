"""The sync contract (docs/SYNC.md) on a small fixture translated the way d2l-zh is: one sentence
per line, a translated code comment, an extra framework tab, a paragraph left out."""

from __future__ import annotations

import difflib
from pathlib import Path

from amts.domain.markdown import load_document, parse
from amts.domain.model import Document
from amts.domain.sync import MACHINE_MARKER, SyncPlan, apply_sync, plan_sync
from amts.ports import Origin, Translation

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sync"


def contract_docs() -> tuple[Document, Document, Document, str]:
    old = load_document(FIXTURES / "contract.en.md", "en")
    new = load_document(FIXTURES / "contract.en-next.md", "en")
    tgt_text = (FIXTURES / "contract.zh.md").read_text(encoding="utf-8")
    return old, new, parse(tgt_text, "zh"), tgt_text


def machine(plan: SyncPlan) -> dict[int, Translation]:
    return {s.index: Translation(f"机翻〈{s.text}〉", Origin.MACHINE) for s in plan.to_translate}


def synced() -> tuple[SyncPlan, str, str]:
    old, new, tgt, tgt_text = contract_docs()
    plan = plan_sync(old, new, tgt)
    return plan, apply_sync(plan, machine(plan)), tgt_text


def changed_places(before: str, after: str) -> list[tuple[list[str], list[str]]]:
    a, b = before.splitlines(), after.splitlines()
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    return [(a[i1:i2], b[j1:j2]) for tag, i1, i2, j1, j2 in ops if tag != "equal"]


def test_only_the_appended_sentence_is_sent() -> None:
    # Given a slide marker added to one paragraph, a code line changed and a sentence appended
    # When planned
    plan, _out, _tgt = synced()
    # Then the appended sentence is the only text sent for translation
    assert [s.text for s in plan.to_translate] == ["This delay matters for online monitoring."]


def test_the_output_differs_from_the_translation_exactly_where_the_english_changed() -> None:
    # Given the fixture
    # When synced
    plan, out, tgt_text = synced()
    # Then there are two changed places: the code line and the appended sentence
    places = changed_places(tgt_text, out)
    assert len(places) == 2
    (code_old, code_new), (sent_old, sent_new) = places
    assert code_old == ["def smooth(xs, k):"] and code_new == ["def smooth(xs, k, weights=None):"]
    # And the appended sentence is on its own line (the translator's one-sentence-per-line
    # structure), carrying its review marker inline
    seg = plan.to_translate[0]
    marker = MACHINE_MARKER.format(ids=seg.sha1)
    assert sent_old == [] and sent_new == [f"机翻〈{seg.text}〉{marker}"]


def test_translation_only_content_and_left_out_paragraphs_are_kept_as_the_translator_had_them() -> None:
    # Given a translation with a paddle tab, a :begin_tab: naming paddle, and an English
    # paragraph the translator left out
    # When synced
    _plan, out, _tgt = synced()
    # Then the paddle cell (unchanged in its tab) and the tab list are there once
    assert out.count("#@tab paddle") == 1
    assert ":begin_tab:`mxnet,pytorch,paddle`\n" in out and ":begin_tab:`mxnet,pytorch`\n" not in out
    # And the left-out paragraph stays out
    assert "Readers who only want the results" not in out


def test_a_changed_code_cell_replaces_its_counterpart_and_keeps_the_translated_comment() -> None:
    # Given a code cell whose signature line changed
    # When synced
    _plan, out, _tgt = synced()
    # Then there is one pytorch cell: the new signature with the translator's comment
    pytorch = "#@tab pytorch\ndef smooth(xs, k, weights=None):\n    # 在窗口上求平均\n"
    assert out.count("#@tab pytorch") == 1 and pytorch in out
    assert "# average over a window" not in out


def test_a_slide_marker_edit_keeps_the_human_paragraph() -> None:
    # Given "We first implement the filter…" that only gained a [**…**] slide marker
    # When synced
    plan, out, _tgt = synced()
    # Then its translation is there byte for byte, without a review marker before it
    assert "\n\n我们先实现这个滤波器，再看它的延迟。\n\n" in out
    assert all("implement the filter" not in s.text for s in plan.to_translate)


def test_review_markers_mark_exactly_the_machine_translated_text() -> None:
    # Given the fixture, where one sentence is machine translated
    # When synced
    plan, out, _tgt = synced()
    # Then there is one marker, right after that machine text, and none elsewhere
    assert out.count("<!-- amts:") == len(plan.to_translate) == 1
    assert "〉<!-- amts: machine-translated" in out


def test_an_unchanged_code_cell_the_translator_left_out_is_not_written() -> None:
    # Given a translation that has no copy of an unchanged English code cell
    old = parse("Intro.\n\n```{.python .input}\nprint(1)\n```\n\nEnd, old.\n", "en")
    new = parse("Intro.\n\n```{.python .input}\nprint(1)\n```\n\nEnd, new.\n", "en")
    tgt = parse("引言。\n\n结尾。\n", "zh")
    # When synced
    plan = plan_sync(old, new, tgt)
    out = apply_sync(plan, machine(plan))
    # Then the cell stays out and the human intro is kept
    assert "print(1)" not in out
    assert out.startswith("引言。\n\n")


def test_an_unchanged_paragraph_aligned_with_doubt_is_copied_with_its_line_breaks() -> None:
    # Given a translator's two-line rendering of an unchanged paragraph that the aligner pairs
    # with low confidence
    from amts.domain.align import Bead

    old = parse("First one.\n\nSecond one here.\n\nThird, old.\n", "en")
    new = parse("First one.\n\nSecond one here.\n\nThird, new.\n", "en")
    tgt = parse("第一。\n\n第二句，\n另起一行。\n\n第三。\n", "zh")
    beads = [Bead((0,), (0,), 1.0), Bead((1,), (1,), 0.2), Bead((2,), (2,), 1.0)]
    # When synced
    plan = plan_sync(old, new, tgt, aligner=lambda s, t, g=None: list(beads))
    out = apply_sync(plan, machine(plan))
    # Then the paragraph is there byte for byte, line break included, and only the edit is sent
    assert "\n\n第二句，\n另起一行。\n\n" in out
    assert [s.text for s in plan.to_translate] == ["Third, new."]


def _synced(
    old_md: str, new_md: str, tgt_md: str, beads: list[tuple[tuple[int, ...], tuple[int, ...], float]]
) -> tuple[SyncPlan, str]:
    """Plan and assemble with the paragraph beads given (the sentence aligner is the real one)."""
    from amts.domain.align import Bead

    old, new, tgt = parse(old_md, "en"), parse(new_md, "en"), parse(tgt_md, "zh")
    plan = plan_sync(old, new, tgt, aligner=lambda s, t, g=None: [Bead(a, b, c) for a, b, c in beads])
    return plan, apply_sync(plan, machine(plan))


_INTRO = "Intro with `x` and 1 item.\n\n"
_INTRO_ZH = "引言：`x`和1项。\n\n"
_OUTRO = "\nOutro with `y` and 5 items.\n"
_OUTRO_ZH = "\n结尾：`y`和5项。\n"


def test_a_sentence_added_to_a_paragraph_the_translator_merged_is_the_only_text_sent() -> None:
    # Given two English paragraphs the translator merged into one paragraph (one sentence a line)
    old = (
        _INTRO
        + "First `alpha` uses 2 layers. Then `beta` uses 3 layers.\n\nNext `gamma` uses 4 layers.\n"
        + _OUTRO
    )
    tgt = _INTRO_ZH + "首先`alpha`用2层。\n然后`beta`用3层。\n接着`gamma`用4层。\n" + _OUTRO_ZH
    # When the second English paragraph gains a sentence
    new = old.replace("uses 4 layers.\n", "uses 4 layers. Finally `delta` uses 6 layers.\n")
    plan, out = _synced(old, new, tgt, [((0,), (0,), 1.0), ((1, 2), (1,), 1.0), ((3,), (2,), 1.0)])
    # Then only that sentence is sent, and the merged paragraph is kept byte for byte around it
    assert [s.text for s in plan.to_translate] == ["Finally `delta` uses 6 layers."]
    assert "首先`alpha`用2层。\n然后`beta`用3层。\n接着`gamma`用4层。\n机翻〈Finally" in out
    assert len(changed_places(tgt, out)) == 1


def test_a_paragraph_turned_into_a_list_reuses_the_translators_sentences() -> None:
    # Given a paragraph of three sentences translated one sentence a line
    para = "First `alpha` uses 2 layers. Then `beta` uses 3 layers. Finally `gamma` uses 4 layers.\n"
    old = _INTRO + para + _OUTRO
    tgt = _INTRO_ZH + "首先`alpha`用2层。\n然后`beta`用3层。\n最后`gamma`用4层。\n" + _OUTRO_ZH
    # When the English turns it into a list and adds one item
    items = "* First `alpha` uses 2 layers.\n* Then `beta` uses 3 layers.\n* Finally `gamma` uses 4 layers.\n"
    new = _INTRO + items + "* Also `delta` uses 6 layers.\n" + _OUTRO
    plan, out = _synced(old, new, tgt, [((0,), (0,), 1.0), ((1,), (1,), 1.0), ((2,), (2,), 1.0)])
    # Then only the new item is sent and the other items carry the translator's sentences
    assert [s.text for s in plan.to_translate] == ["Also `delta` uses 6 layers."]
    assert "* 首先`alpha`用2层。\n* 然后`beta`用3层。\n* 最后`gamma`用4层。\n" in out


def test_a_paragraph_that_only_lost_a_sentence_sends_nothing() -> None:
    # Given a paragraph translated one sentence a line
    para = "First `alpha` uses 2 layers. Then `beta` uses 3 layers. Finally `gamma` uses 4 layers.\n"
    old = _INTRO + para + _OUTRO
    tgt = _INTRO_ZH + "首先`alpha`用2层。\n然后`beta`用3层。\n最后`gamma`用4层。\n" + _OUTRO_ZH
    # When its middle sentence is deleted
    new = old.replace(" Then `beta` uses 3 layers.", "")
    plan, out = _synced(old, new, tgt, [((0,), (0,), 1.0), ((1,), (1,), 1.0), ((2,), (2,), 1.0)])
    # Then nothing is sent and the translator's paragraph loses exactly that line
    assert plan.to_translate == []
    assert changed_places(tgt, out) == [(["然后`beta`用3层。"], [])]
    assert "<!-- amts:" not in out


def test_a_sentence_appended_to_a_paragraph_translated_as_a_paragraph_and_a_list_changes_one_place() -> None:
    # Given an English paragraph the translator wrote as a lead-in and a list, leaving out one
    # sentence of it
    para = "There are 2 steps: `load` the data and `fit` the model. We skip `tune` here. "
    para += "Then we plot 7 curves.\n"
    old = _INTRO + para + _OUTRO
    tgt = _INTRO_ZH + "有2个步骤：\n\n1. `load`数据；\n1. `fit`模型。\n\n然后我们画7条曲线。\n" + _OUTRO_ZH
    # When one sentence is appended to it
    new = old.replace("7 curves.\n", "7 curves.\nThis sentence was appended in `v2`.\n")
    plan, out = _synced(old, new, tgt, [((0,), (0,), 1.0), ((1,), (1, 2, 3, 4), 1.0), ((2,), (5,), 1.0)])
    # Then only that sentence is sent and the output differs from the translation in one place
    assert [s.text for s in plan.to_translate] == ["This sentence was appended in `v2`."]
    # (on the translator's line: the paragraph is one line there)
    places = changed_places(tgt, out)
    assert len(places) == 1
    assert places[0][0] == ["然后我们画7条曲线。"] and places[0][1][0].startswith(
        "然后我们画7条曲线。机翻〈This"
    )
    assert "1. `load`数据；\n1. `fit`模型。\n" in out


def test_an_unchanged_group_aligned_with_doubt_keeps_the_translators_text() -> None:
    # Given two unchanged list items the aligner pairs, as a group, with doubt
    old = _INTRO + "* Item `a` has 1 part.\n* Item `b` has 2 parts.\n\nLast `z`, old.\n"
    tgt = _INTRO_ZH + "* 项`a`有1部分。\n* 项`b`有2部分。\n\n最后`z`。\n"
    new = old.replace("old.", "new.")
    beads = [((0,), (0,), 1.0), ((1, 2), (1, 2), 0.3), ((3,), (3,), 1.0)]
    # When synced
    plan, out = _synced(old, new, tgt, beads)
    # Then the items are kept byte for byte and only the edited paragraph is sent
    assert [s.text for s in plan.to_translate] == ["Last `z`, new."]
    assert "* 项`a`有1部分。\n* 项`b`有2部分。\n" in out


def test_a_sentence_appended_after_a_colon_is_sent_alone() -> None:
    # Given a one-sentence paragraph ending with a colon (it introduces an equation)
    old = _INTRO + "We define the loss `l` with 2 terms as follows:\n\n$$l = a + b$$\n" + _OUTRO
    tgt = _INTRO_ZH + "我们用2项定义损失`l`如下：\n\n$$l = a + b$$\n" + _OUTRO_ZH
    # When a sentence is appended to it (the segmenter sees one sentence: no full stop before it)
    new = old.replace("as follows:\n", "as follows:\nThis sentence was appended in `v2`.\n")
    plan, out = _synced(old, new, tgt, [((0,), (0,), 1.0), ((1,), (1,), 1.0), ((2,), (2,), 1.0)])
    # Then only the appended text is sent and the translator's sentence stays as it was
    assert [s.text for s in plan.to_translate] == ["This sentence was appended in `v2`."]
    places = changed_places(tgt, out)
    assert len(places) == 1 and places[0][1][0].startswith("我们用2项定义损失`l`如下：机翻〈This")


def test_a_merged_group_split_by_an_inserted_paragraph_keeps_each_members_sentences() -> None:
    # Given two English paragraphs the translator merged into one paragraph
    old = _INTRO + "First `alpha` uses 2 layers.\n\nThen `beta` uses 3 layers.\n" + _OUTRO
    tgt = _INTRO_ZH + "首先`alpha`用2层。\n然后`beta`用3层。\n" + _OUTRO_ZH
    # When a new paragraph is inserted between them
    new = old.replace("layers.\n\nThen", "layers.\n\nMeanwhile `gamma` uses 4 layers.\n\nThen")
    plan, out = _synced(old, new, tgt, [((0,), (0,), 1.0), ((1, 2), (1,), 1.0), ((3,), (2,), 1.0)])
    # Then only the new paragraph is sent and each member keeps the translator's sentence
    assert [s.text for s in plan.to_translate] == ["Meanwhile `gamma` uses 4 layers."]
    assert "\n首先`alpha`用2层。\n\n" in out and "\n然后`beta`用3层。\n" in out


def test_a_merged_group_losing_a_member_drops_its_sentences_and_sends_only_the_new_one() -> None:
    # Given two English paragraphs the translator merged into one paragraph
    old = _INTRO + "First `alpha` uses 2 layers.\n\nThen `beta` uses 3 layers.\n" + _OUTRO
    tgt = _INTRO_ZH + "首先`alpha`用2层。\n然后`beta`用3层。\n" + _OUTRO_ZH
    # When the second one is deleted and the first gains a sentence
    new = old.replace("layers.\n\nThen `beta` uses 3 layers.\n", "layers. Finally `delta` uses 6 layers.\n")
    plan, out = _synced(old, new, tgt, [((0,), (0,), 1.0), ((1, 2), (1,), 1.0), ((3,), (2,), 1.0)])
    # Then only the new sentence is sent, in place of the deleted member's translation
    assert [s.text for s in plan.to_translate] == ["Finally `delta` uses 6 layers."]
    assert changed_places(tgt, out)[0][0] == ["然后`beta`用3层。"]
    assert "首先`alpha`用2层。\n机翻〈Finally" in out and "然后`beta`" not in out


def test_front_matter_the_translator_left_out_leaves_no_blank_line_at_the_start() -> None:
    # Given English with front matter that the translation does not have
    old = "---\nsource: https://example.org/x\n---\n\n# Title `t`\n\nBody `b` with 1 part, old.\n"
    tgt = "# 标题`t`\n\n正文`b`有1部分。\n"
    # When the body is edited
    new = old.replace("old.", "new.")
    _plan, out = _synced(old, new, tgt, [((0,), (), 1.0), ((1,), (0,), 1.0), ((2,), (1,), 1.0)])
    # Then the translation still starts with its heading
    assert out.startswith("# 标题`t`\n\n")


def test_an_item_the_translator_added_stays_after_the_items_copied_before_it() -> None:
    # Given a summary list whose translation has an extra item, aligned with doubt
    old = "## Summary `s`\n\n* Item `a` has 1 part.\n* Item `b` has 2 parts.\n\nLast `z`, old.\n"
    tgt = "## 小结`s`\n\n* 项`a`有1部分。\n* 项`b`有2部分。\n* 译者加的第3项。\n\n最后`z`。\n"
    # When another paragraph is edited
    new = old.replace("old.", "new.")
    beads = [((0,), (0,), 1.0), ((1,), (1,), 0.3), ((2,), (2,), 0.3), ((3,), (4,), 1.0)]
    _plan, out = _synced(old, new, tgt, beads)
    # Then the list is the translator's, in their order
    assert "* 项`a`有1部分。\n* 项`b`有2部分。\n* 译者加的第3项。\n" in out


def test_a_merged_run_around_an_equation_the_translator_wrote_inline_is_kept() -> None:
    # Given two English paragraphs around a display equation, which the translator wrote inline
    old = "Again consider `e`:\n\n$$\nx = 1\n$$\n\nIf `g` is 0, we stop.\n\nEnd `z`, old.\n"
    tgt = "再次考虑`e`：$x = 1$\n\n如果`g`为0，我们就停止。\n\n结尾`z`。\n"
    # When another paragraph is edited
    new = old.replace("old.", "new.")
    plan, out = _synced(old, new, tgt, [((0, 1), (0, 1), 0.4), ((2,), (2,), 1.0)])
    # Then the translator's paragraphs are kept byte for byte and the equation is not added
    assert out.startswith("再次考虑`e`：$x = 1$\n\n如果`g`为0，我们就停止。\n\n")
    assert "$$" not in out and [s.text for s in plan.to_translate] == ["End `z`, new."]


def test_a_translators_figure_stays_when_the_english_figure_is_left_out() -> None:
    # Given a figure the translator wrote with its label on one line (a paragraph to the parser),
    # which the aligner could not pair with the English figure
    old = "Intro `x`, 1.\n\n![A plot of `f`.](../img/f.svg)\n:label:`fig_f`\n\nEnd `z`, old.\n"
    tgt = "引言`x`，1。\n\n![`f`的图。](../img/f.svg) :label:`fig_f`\n\n结尾`z`。\n"
    # When another paragraph is edited
    new = old.replace("old.", "new.")
    _plan, out = _synced(old, new, tgt, [((0,), (0,), 1.0), ((1,), (), 0.9), ((2,), (2,), 1.0)])
    # Then the translator's figure is still there, once
    assert out.count("../img/f.svg") == 1 and "![`f`的图。](../img/f.svg) :label:`fig_f`\n" in out
