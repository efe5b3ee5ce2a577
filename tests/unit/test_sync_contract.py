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
