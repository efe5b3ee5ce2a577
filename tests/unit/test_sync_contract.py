"""The sync contract (docs/SYNC.md) on a small fixture translated the way d2l-zh is: one sentence
per line, a translated code comment, an extra framework tab, a paragraph left out."""

from __future__ import annotations

import difflib
from pathlib import Path

from amts.domain.diff import sha1_short
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
    return {s.key: Translation(f"机翻〈{s.text}〉", Origin.MACHINE) for s in plan.to_translate}


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


# --- protected blocks that changed replace their counterpart (docs/SYNC.md section 2) -----------


def sync_texts(old: str, new: str, tgt: str) -> str:
    plan = plan_sync(parse(old, "en"), parse(new, "en"), parse(tgt, "zh"))
    return apply_sync(plan, machine(plan))


def test_a_changed_equation_replaces_the_translators_version_and_keeps_their_rewritten_line() -> None:
    # Given an equation whose \text line the translator translated, and whose first line the
    # English then changed
    old = (
        "We define the loss.\n\n$$\n\\mathrm{loss}(\\mathbf{w}) = \\sum_i (y_i - \\hat{y}_i)^2,\n"
        "\\text{where } i \\text{ runs over the training samples}\n$$\n\nEnd, old.\n"
    )
    new = old.replace("\\sum_i (y_i", "\\frac{1}{n}\\sum_i (y_i").replace("End, old.", "End, new.")
    tgt = (
        "我们定义损失。\n\n$$\n\\mathrm{loss}(\\mathbf{w}) = \\sum_i (y_i - \\hat{y}_i)^2,\n"
        "\\text{其中 } i \\text{ 遍历训练样本}\n$$\n\n结尾。\n"
    )
    # When synced
    out = sync_texts(old, new, tgt)
    # Then there is one equation: the new first line and the translator's \text line
    assert out.count("$$") == 2
    assert "\\frac{1}{n}\\sum_i (y_i" in out and "\\text{其中 } i \\text{ 遍历训练样本}\n" in out
    assert "runs over" not in out


def test_a_changed_eval_rst_block_replaces_the_translators_tidied_copy() -> None:
    # Given an eval_rst block the translator tidied (blank lines and trailing spaces removed),
    # in which the English renamed one class
    old = (
        "## Models\n\n```eval_rst \n\n.. autoclass:: Module\n   :members: \n\n"
        ".. autoclass:: Classification\n   :members:\n\n```\n\nEnd, old.\n"
    )
    new = old.replace("Classification", "Classifier").replace("End, old.", "End, new.")
    tgt = (
        "## 模型\n\n```eval_rst\n.. autoclass:: Module\n   :members:\n\n"
        ".. autoclass:: Classification\n   :members:\n```\n\n结尾。\n"
    )
    # When synced
    out = sync_texts(old, new, tgt)
    # Then the translator's block is written once, with the renamed class
    block = (
        "```eval_rst\n.. autoclass:: Module\n   :members:\n\n.. autoclass:: Classifier\n   :members:\n```\n"
    )
    assert block in out
    assert out.count("```eval_rst") == 1 and "Classification" not in out


TF_OLD = (
    "```{.python .input}\n#@tab tensorflow\ndef add_one(x):\n    # add one to every element\n"
    "    y = tf.add(x, 1)\n    return y\n```\n"
)


def test_a_heavily_changed_tensorflow_cell_replaces_the_translators_cell_of_that_tab() -> None:
    # Given a tensorflow cell the translator reworked (comment translated, code changed) so
    # that it no longer pairs with the English one, and an English rewrite of most of its code
    pytorch = "```{.python .input}\n#@tab pytorch\ndef add_one(x):\n    return x + 1\n```\n"
    old = f"Add one.\n\n{pytorch}\n{TF_OLD}\nEnd, old.\n"
    tf_new = TF_OLD.replace(
        "    y = tf.add(x, 1)\n    return y\n",
        "    y = tf.add(x, tf.ones_like(x))\n    z = tf.identity(y)\n    return z\n",
    )
    new = f"Add one.\n\n{pytorch}\n{tf_new}\nEnd, new.\n"
    tf_theirs = (
        "```{.python .input}\n#@tab tensorflow\ndef add_one(x):\n    # 每个元素加一\n"
        "    y = tf.math.add(x, 1)\n    return tf.identity(y)\n```\n"
    )
    tgt = f"加一。\n\n{pytorch}\n{tf_theirs}\n结尾。\n"
    # When synced
    out = sync_texts(old, new, tgt)
    # Then one tensorflow cell: the new English code, the translator's comment on the line the
    # English did not change
    assert out.count("#@tab tensorflow") == 1
    assert (
        "def add_one(x):\n    # 每个元素加一\n    y = tf.add(x, tf.ones_like(x))\n    z = tf.identity(y)\n"
        in out
    )
    assert "add one to every element" not in out and "tf.math.add" not in out


def test_a_comment_only_english_edit_keeps_the_translated_comment() -> None:
    # Given a two-line English comment the translator rendered as one line, and an English
    # typo fix in it, next to a code edit
    old = (
        "Blocks.\n\n```{.python .input}\nfor i in range(4):\n"
        "    # A transition layer that haves the number of channels is added\n    # between blocks\n"
        "    add(i)\n```\n\nEnd, old.\n"
    )
    new = old.replace("haves", "halves").replace("add(i)", "add(i, 2)").replace("End, old.", "End, new.")
    tgt = (
        "块。\n\n```{.python .input}\nfor i in range(4):\n"
        "    # 在块之间添加一个使通道数减半的转换层\n    add(i)\n```\n\n结尾。\n"
    )
    # When synced
    out = sync_texts(old, new, tgt)
    # Then the translated comment stays and the code edit is applied
    assert "    # 在块之间添加一个使通道数减半的转换层\n    add(i, 2)\n" in out
    assert "transition layer" not in out


def test_an_english_edit_and_a_translators_edit_of_other_words_of_a_line_combine() -> None:
    # Given a line where the translator renamed a variable and the English changed a call
    old = "Run it.\n\n```{.python .input}\n#@tab pytorch\ndense(torch.randn(2, 5))\n```\n\nEnd, old.\n"
    new = old.replace("randn", "rand").replace("End, old.", "End, new.")
    tgt = "运行。\n\n```{.python .input}\n#@tab pytorch\nlinear(torch.randn(2, 5))\n```\n\n结尾。\n"
    # When synced
    out = sync_texts(old, new, tgt)
    # Then both edits are in the one cell
    assert "\nlinear(torch.rand(2, 5))\n" in out and out.count("#@tab pytorch") == 1


def test_a_changed_cell_the_translator_covers_with_a_tab_list_is_merged_into_it() -> None:
    # Given an English pytorch cell the translator wrote as one cell for pytorch and paddle
    cell = (
        "```{.python .input}\n#@tab pytorch\n# Plus one for the end token\n"
        "show(w[:n + 1], xlabel='posistions')\n```\n"
    )
    old = f"Plot.\n\n{cell}\nEnd, old.\n"
    new = f"Plot.\n\n{cell.replace('posistions', 'positions')}\nEnd, new.\n"
    theirs = (
        "```{.python .input}\n#@tab pytorch, paddle\n# 加上结束词元\n"
        "show(w[:n + 1], xlabel='posistions')\n```\n"
    )
    tgt = f"绘图。\n\n{theirs}\n结尾。\n"
    # When synced
    out = sync_texts(old, new, tgt)
    # Then the translator's cell carries the English fix and no pytorch cell is added
    assert theirs.replace("posistions", "positions") in out
    assert "#@tab pytorch\n" not in out and "end token" not in out


def test_a_tab_all_cell_the_translator_split_per_framework_gets_the_edit_in_each_part() -> None:
    # Given a "#@tab all" cell the translator wrote as one cell per framework group (one of them
    # a paddle cell of their own), and an English edit of its call
    old = (
        "Train.\n\n```{.python .input}\n#@tab all\nnum_epochs, lr = 500, 1\n"
        "d2l.train_ch8(model, train_iter, vocab, lr, num_epochs, device)\n```\n\nEnd, old.\n"
    )
    new = old.replace("train_ch8(model,", "train_ch8(net,").replace("End, old.", "End, new.")
    parts = (
        "```{.python .input}\n#@tab mxnet, pytorch\nnum_epochs, lr = 500, 1\n"
        "d2l.train_ch8(model, train_iter, vocab, lr, num_epochs, device)\n```\n\n"
        "```{.python .input}\n#@tab paddle\nnum_epochs, lr = 500, 1.0\n"
        "d2l.train_ch8(model, train_iter, vocab, lr, num_epochs, device)\n```\n"
    )
    tgt = f"训练。\n\n{parts}\n结尾。\n"
    # When synced
    out = sync_texts(old, new, tgt)
    # Then the translator's cells stay, each with the edit, and no "#@tab all" copy is added
    assert parts.replace("train_ch8(model,", "train_ch8(net,") in out
    assert "#@tab all" not in out


def test_a_new_english_cell_the_translator_already_wrote_keeps_their_version() -> None:
    # Given a tensorflow cell new in English that the translator had already written (their
    # own code and comments)
    pytorch = "```{.python .input}\n#@tab pytorch\nstate = torch.zeros(2)\n```\n"
    old = f"Init.\n\n{pytorch}\nEnd, old.\n"
    new = (
        f"Init.\n\n{pytorch}\n```{{.python .input}}\n#@tab tensorflow\n"
        "# Zero state\nstate = tf.zeros(shape=(2,))\n```\n\nEnd, new.\n"
    )
    theirs = "```{.python .input}\n#@tab tensorflow\n# 零状态\nstate = tf.zeros((2,))\n```\n"
    tgt = f"初始化。\n\n{pytorch}\n{theirs}\n结尾。\n"
    # When synced
    out = sync_texts(old, new, tgt)
    # Then their cell is written once, as they wrote it
    assert theirs in out and out.count("#@tab tensorflow") == 1 and "Zero state" not in out


def test_a_new_block_is_inserted_and_a_deleted_one_removed() -> None:
    # Given an English cell deleted and an equation added
    cell = "```{.python .input}\n#@tab pytorch\nprint(2)\n```\n"
    old = f"Show.\n\n```{{.python .input}}\n#@tab pytorch\nprint(1)\n```\n\n{cell}\nEnd, old.\n"
    new = "Show.\n\n```{.python .input}\n#@tab pytorch\nprint(1)\n```\n\n$$y = 2x.$$\n\nEnd, new.\n"
    tgt = f"展示。\n\n```{{.python .input}}\n#@tab pytorch\nprint(1)  # 打印\n```\n\n{cell}\n结尾。\n"
    # When synced
    out = sync_texts(old, new, tgt)
    # Then the deleted cell is gone, the kept one is the translator's and the equation is there
    assert "print(2)" not in out and "print(1)  # 打印" in out
    assert out.count("$$y = 2x.$$") == 1


def test_an_english_edit_of_lines_the_translator_removed_leaves_their_version() -> None:
    # Given a helper class the translator dropped from their cell, which the English then edited
    old = (
        "Define the net.\n\n```{.python .input}\n#@tab pytorch\nclass Reshape(nn.Module):\n"
        "    def forward(self, x):\n        return x.view(-1, 1, 28, 28)\n\n"
        "net = nn.Sequential(Reshape(), nn.Linear(784, 10))\n```\n\nEnd, old.\n"
    )
    new = old.replace("class Reshape(nn.Module):", "class Reshape(torch.nn.Module):")
    new = new.replace("784, 10", "784, 20").replace("End, old.", "End, new.")
    tgt = (
        "定义网络。\n\n```{.python .input}\n#@tab pytorch\n"
        "net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))\n```\n\n结尾。\n"
    )
    # When synced
    out = sync_texts(old, new, tgt)
    # Then the class stays out, and the English edit of the line they kept is applied
    assert "Reshape" not in out and "def forward" not in out
    assert "\nnet = nn.Sequential(nn.Flatten(), nn.Linear(784, 20))\n" in out


def test_a_new_english_equation_is_inserted_next_to_a_similar_one_the_translator_added() -> None:
    # Given an equation the translator added on their own, and a similar one new in English
    old = "Text here.\n\nEnd, old.\n"
    new = "Text here.\n\n$$y = x^2 + 2.$$\n\nEnd, new.\n"
    tgt = "这里的文字。\n\n$$y = x^2 + 1.$$\n\n结尾。\n"
    # When synced
    out = sync_texts(old, new, tgt)
    # Then the English equation is written (an equation is the English's to add) and theirs stays
    assert "$$y = x^2 + 2.$$" in out and "$$y = x^2 + 1.$$" in out


def test_a_changed_cell_the_translator_moved_past_a_paragraph_replaces_their_copy() -> None:
    # Given a cell the translator put after the paragraph that followed it in English, and an
    # English edit of that cell
    cell = "```{.python .input}\nimport torch\nx = torch.ones(3)\n```\n"
    old = f"## Setup\n\n{cell}\nActivation functions decide whether a neuron fires.\n\nEnd, old.\n"
    new = old.replace("torch.ones(3)", "torch.ones(4)").replace("End, old.", "End, new.")
    tgt = f"## 准备\n\n激活函数决定神经元是否被激活。\n\n{cell}\n结尾。\n"
    from amts.domain.align import Bead

    beads = [Bead((i,), (i,), 1.0) for i in range(3)]  # heading, paragraph, last paragraph
    # When synced
    plan = plan_sync(parse(old, "en"), parse(new, "en"), parse(tgt, "zh"), aligner=lambda s, t, g=None: beads)
    out = apply_sync(plan, machine(plan))
    # Then the cell is written once, changed
    assert out.count("import torch") == 1 and "torch.ones(4)" in out and "torch.ones(3)" not in out


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


_FIVE = (
    "First `alpha` uses 2 layers. Then `beta` uses 3 layers. Next `gamma` uses 4 layers. "
    "After that `delta` uses 5 layers. Finally `eps` uses 6 layers.\n"
)
_FIVE_ZH = [
    "首先`alpha`用2层。",
    "然后`beta`用3层。",
    "接着`gamma`用4层。",
    "之后`delta`用5层。",
    "最后`eps`用6层。",
]


def _two_edits() -> str:
    return (
        _INTRO
        + _FIVE.replace("uses 3 layers", "uses 30 layers").replace("uses 5 layers", "uses 50 layers")
        + _OUTRO
    )


def test_two_separate_edited_sentences_of_a_paragraph_are_sent_each_on_its_own() -> None:
    # Given a paragraph of five sentences translated one sentence a line
    old = _INTRO + _FIVE + _OUTRO
    tgt = _INTRO_ZH + "\n".join(_FIVE_ZH) + "\n" + _OUTRO_ZH
    # When its second and fourth sentences are edited (the third stays as it was)
    plan, out = _synced(old, _two_edits(), tgt, [((0,), (0,), 1.0), ((1,), (1,), 1.0), ((2,), (2,), 1.0)])
    # Then only the two edited sentences are sent, as two segments
    assert [s.text for s in plan.to_translate] == [
        "Then `beta` uses 30 layers.",
        "After that `delta` uses 50 layers.",
    ]
    # And the output differs from the translation in exactly those two lines, the unchanged
    # sentence between them kept byte for byte
    places = changed_places(tgt, out)
    assert [old_lines for old_lines, _new in places] == [[_FIVE_ZH[1]], [_FIVE_ZH[3]]]
    assert [new[0].startswith("机翻〈") for _old, new in places] == [True, True]
    assert "\n".join([_FIVE_ZH[0], *(p[1][0] for p in places[:1]), _FIVE_ZH[2]]) in out


def test_edits_of_the_first_and_last_sentences_keep_the_human_sentences_between_them() -> None:
    # Given a Turkish paragraph of five sentences on one line (d2l-tr transformer: "transformer"
    # capitalised in the first and last sentences of a paragraph, the middle ones unchanged)
    old = _INTRO + _FIVE + _OUTRO
    five_tr = [
        "Önce `alpha` 2 katman kullanır.",
        "Sonra `beta` 3 katman kullanır.",
        "Ardından `gamma` 4 katman kullanır.",
        "Daha sonra `delta` 5 katman kullanır.",
        "Son olarak `eps` 6 katman kullanır.",
    ]
    tgt_md = "Giriş: `x` ve 1 öğe.\n\n" + " ".join(five_tr) + "\n\nSonuç: `y` ve 5 öğe.\n"
    new_md = _INTRO + _FIVE.replace("uses 2 layers", "uses 20 layers").replace("uses 6", "uses 60") + _OUTRO
    # When its first and last sentences are edited
    from amts.domain.align import Bead

    o, n, t = parse(old, "en"), parse(new_md, "en"), parse(tgt_md, "tr")
    beads = [((0,), (0,), 1.0), ((1,), (1,), 1.0), ((2,), (2,), 1.0)]
    plan = plan_sync(o, n, t, aligner=lambda s, g, x=None: [Bead(a, b, c) for a, b, c in beads])
    out = apply_sync(plan, machine(plan))
    # Then only those two sentences are sent, each on its own
    assert [s.text for s in plan.to_translate] == [
        "First `alpha` uses 20 layers.",
        "Finally `eps` uses 60 layers.",
    ]
    # And the three human sentences between them stay byte for byte, in one piece
    assert " ".join(five_tr[1:4]) in out


def test_a_heading_the_translator_glued_to_its_paragraph_stays_a_heading_when_the_paragraph_changes() -> None:
    # Given a Korean translation whose heading line also holds the next paragraph (d2l-ko
    # eigendecomposition: "## 행렬 분해하기 이전 예제를 ... 하자"), aligned as one merged group
    from amts.domain.align import Bead

    old = "# Title\n\n## Decomposing Matrices\n\nLet us go one step further. It is fun to do.\n\nEnd of it.\n"
    tgt_md = "# 제목\n\n## 행렬 분해하기 한 단계 더 나아가 봅시다.재미있습니다.\n\n끝입니다.\n"
    # When the paragraph's second sentence is edited
    new_md = old.replace("It is fun to do.", "It is really fun to do.")
    beads = [((0,), (0,), 1.0), ((1, 2), (1,), 1.0), ((3,), (2,), 1.0)]
    o, n, t = parse(old, "en"), parse(new_md, "en"), parse(tgt_md, "ko")
    plan = plan_sync(o, n, t, aligner=lambda s, g, x=None: [Bead(a, b, c) for a, b, c in beads])
    out = apply_sync(plan, machine(plan))
    # Then the output still has the second-level heading (the structure of the new English)
    assert sum(1 for line in out.splitlines() if line.startswith("## ")) == 1


def test_two_separate_edits_of_a_one_line_paragraph_keep_the_sentence_between_them() -> None:
    # Given a paragraph of five sentences translated on one line
    old = _INTRO + _FIVE + _OUTRO
    tgt = _INTRO_ZH + "".join(_FIVE_ZH) + "\n" + _OUTRO_ZH
    # When its second and fourth sentences are edited
    plan, out = _synced(old, _two_edits(), tgt, [((0,), (0,), 1.0), ((1,), (1,), 1.0), ((2,), (2,), 1.0)])
    # Then only they are sent, and the human sentences around and between them stay in place
    assert len(plan.to_translate) == 2
    a, b = plan.to_translate
    assert a.key != b.key and a.index == b.index
    expected = (
        _FIVE_ZH[0]
        + f"机翻〈{a.text}〉{MACHINE_MARKER.format(ids=a.sha1)}"
        + _FIVE_ZH[2]
        + f"机翻〈{b.text}〉{MACHINE_MARKER.format(ids=b.sha1)}"
        + _FIVE_ZH[4]
        + "\n"
    )
    assert expected in out
    assert out.replace(expected, "".join(_FIVE_ZH) + "\n") == tgt


def test_an_edit_that_only_contracts_words_keeps_the_translators_paragraph() -> None:
    # Given a paragraph translated one sentence a line
    old = _INTRO + "Let us look at `alpha`. It is 2 layers, we do not change it.\n" + _OUTRO
    tgt = _INTRO_ZH + "我们来看`alpha`。\n它有2层，我们不改变它。\n" + _OUTRO_ZH
    # When the English only writes "Let us", "It is" and "do not" as contractions
    new = _INTRO + "Let's look at `alpha`. It's 2 layers, we don't change it.\n" + _OUTRO
    plan, out = _synced(old, new, tgt, [((0,), (0,), 1.0), ((1,), (1,), 1.0), ((2,), (2,), 1.0)])
    # Then nothing is sent and the translation is written as it was
    assert plan.to_translate == []
    assert out == tgt

    # And a contraction inside inline code is an edit (code is not prose): the new code is
    # written into the translator's sentence (an inline-code edit, see test_sync_span_edits)
    old = _INTRO + "The flag `do not` is set.\n" + _OUTRO
    tgt = _INTRO_ZH + "设置了标志`do not`。\n" + _OUTRO_ZH
    new = _INTRO + "The flag `don't` is set.\n" + _OUTRO
    plan, out = _synced(old, new, tgt, [((0,), (0,), 1.0), ((1,), (1,), 1.0), ((2,), (2,), 1.0)])
    assert out == tgt.replace("`do not`", "`don't`")
    assert any("`do not` → `don't`" in note for note in plan.notes)


def test_a_number_range_written_with_an_en_dash_keeps_the_translators_paragraph() -> None:
    # Given a paragraph translated one sentence a line, with number ranges written with a hyphen
    old = _INTRO + "You need a 1600-2000W power supply. Servers hold 4-8 GPUs.\n" + _OUTRO
    tgt = _INTRO_ZH + "需要1600-2000W的电源。\n服务器装4-8个GPU。\n" + _OUTRO_ZH
    # When the English only writes the ranges with d2lbook's en dash (`--`) or the en dash itself
    new = _INTRO + "You need a 1600--2000W power supply. Servers hold 4\u20138 GPUs.\n" + _OUTRO
    plan, out = _synced(old, new, tgt, [((0,), (0,), 1.0), ((1,), (1,), 1.0), ((2,), (2,), 1.0)])
    # Then nothing is sent and the translation is written as it was
    assert plan.to_translate == []
    assert out == tgt

    # And when another sentence of that paragraph really changes, only that sentence is sent
    new = _INTRO + "You need a 1600--2000W power supply. Servers hold 4--16 GPUs.\n" + _OUTRO
    plan, _out = _synced(old, new, tgt, [((0,), (0,), 1.0), ((1,), (1,), 1.0), ((2,), (2,), 1.0)])
    assert [s.text for s in plan.to_translate] == ["Servers hold 4--16 GPUs."]


def test_a_sentence_inserted_and_another_edited_apart_are_sent_each_on_its_own() -> None:
    # Given a paragraph of five sentences translated on one line
    old = _INTRO + _FIVE + _OUTRO
    tgt = _INTRO_ZH + "".join(_FIVE_ZH) + "\n" + _OUTRO_ZH
    # When a sentence is inserted after the first and the fourth is edited
    new = (
        _INTRO
        + _FIVE.replace("layers. Then", "layers. Also `zeta` uses 9 layers. Then").replace(
            "uses 5 layers", "uses 50 layers"
        )
        + _OUTRO
    )
    plan, out = _synced(old, new, tgt, [((0,), (0,), 1.0), ((1,), (1,), 1.0), ((2,), (2,), 1.0)])
    # Then the inserted and the edited sentence are sent on their own, and the translator's
    # sentences between them stay in place
    assert [s.text for s in plan.to_translate] == [
        "Also `zeta` uses 9 layers.",
        "After that `delta` uses 50 layers.",
    ]
    a, b = plan.to_translate
    assert (
        _FIVE_ZH[0]
        + f"机翻〈{a.text}〉{MACHINE_MARKER.format(ids=a.sha1)}"
        + "".join(_FIVE_ZH[1:3])
        + f"机翻〈{b.text}〉{MACHINE_MARKER.format(ids=b.sha1)}"
        + _FIVE_ZH[4]
        + "\n"
    ) in out


def test_amts_sync_and_the_workflow_key_each_run_of_a_paragraph_on_its_own() -> None:
    # Given a paragraph edited in two separate places (two segments of one piece)
    from amts.cli.commands_sync import translate_plan
    from amts.domain.protect import html_to_segments, segments_to_html
    from amts.service.language import segment_fields

    old = _INTRO + _FIVE + _OUTRO
    tgt = _INTRO_ZH + "".join(_FIVE_ZH) + "\n" + _OUTRO_ZH
    plan, expected = _synced(
        old, _two_edits(), tgt, [((0,), (0,), 1.0), ((1,), (1,), 1.0), ((2,), (2,), 1.0)]
    )

    class Engine:
        name = "fake"

        def translate(self, segments: list[str], source_lang: str, target_lang: str) -> list[Translation]:
            return [Translation(f"机翻〈{s}〉", Origin.MACHINE) for s in segments]

    # When amts sync translates the plan, and when the workflow's batch document is built and read
    by_cli = translate_plan(plan, Engine())
    fields = [segment_fields(s) for s in plan.to_translate]
    html = segments_to_html([(f"p{key}", text, spans) for key, text, spans in fields])
    read = html_to_segments(html)
    by_workflow = {key: Translation(f"机翻〈{read[f'p{key}']}〉", Origin.MACHINE) for key, _t, _s in fields}
    # Then both give each run its own translation and the same file as the planner's own keys
    assert len({key for key, _t, _s in fields}) == 2
    assert apply_sync(plan, by_cli) == expected
    assert apply_sync(plan, by_workflow) == expected


_TABS_OLD = "Intro `x`, 1.\n\nThe function takes `a`.\n\n```{.python .input}\nf(1)\n```\n\nEnd `z`, old.\n"
_TABS_NEW = (
    "Intro `x`, 1.\n\n:begin_tab:`mxnet`\nThe function takes `a`.\n:end_tab:\n\n"
    ":begin_tab:`pytorch`\nThe function takes `a` and `b`.\n:end_tab:\n\n"
    "```{.python .input}\nf(1)\n```\n\nEnd `z`, new.\n"
)
_TABS_ZH = (
    "引言`x`，1。\n\n:begin_tab:`mxnet`\n该函数接受`a`。\n:end_tab:\n\n"
    ":begin_tab:`pytorch`\n该函数接受`a`和`b`。\n:end_tab:\n\n"
    "```{.python .input}\nf(1)\n```\n\n结尾`z`。\n"
)


def test_the_translators_tab_wrappers_and_the_new_english_ones_give_one_wrapper_per_framework() -> None:
    # Given a translator who wrapped a paragraph in framework tabs (and added the pytorch one)
    # before the English did
    old, new, tgt = parse(_TABS_OLD, "en"), parse(_TABS_NEW, "en"), parse(_TABS_ZH, "zh")
    # When the English adds the same wrappers
    plan = plan_sync(old, new, tgt)
    out = apply_sync(plan, machine(plan))
    # Then each framework's wrapper is written once, the translator's, byte for byte
    assert out.count(":begin_tab:`mxnet`") == 1 and out.count(":begin_tab:`pytorch`") == 1
    assert out.count(":end_tab:") == 2
    assert out.startswith(_TABS_ZH.rsplit("\n\n结尾", 1)[0])
    # And nothing of the wrappers is sent, only the edited last paragraph
    assert [s.text for s in plan.to_translate] == ["End `z`, new."]


def test_a_new_english_tab_wrapper_around_kept_text_reuses_the_translators_wrapper_lines() -> None:
    # Given a translator who wrapped an unchanged paragraph in an mxnet tab
    old = "Intro `x`, 1.\n\nThe function takes `a`.\n\nEnd `z`, old.\n"
    tgt = "引言`x`，1。\n\n:begin_tab:`mxnet`\n该函数接受`a`。\n:end_tab:\n\n结尾`z`。\n"
    # When the English wraps it too and adds a pytorch wrapper the translator does not have
    new = (
        "Intro `x`, 1.\n\n:begin_tab:`mxnet`\nThe function takes `a`.\n:end_tab:\n\n"
        ":begin_tab:`pytorch`\nIt takes `b`.\n:end_tab:\n\nEnd `z`, old.\n"
    )
    plan = plan_sync(parse(old, "en"), parse(new, "en"), parse(tgt, "zh"))
    out = apply_sync(plan, machine(plan))
    # Then the mxnet wrapper is written once, the pytorch one is added, and the text is kept
    assert out.count(":begin_tab:`mxnet`") == 1 and out.count(":begin_tab:`pytorch`") == 1
    assert out.count(":end_tab:") == 2
    assert ":begin_tab:`mxnet`\n该函数接受`a`。\n:end_tab:\n" in out
    assert [s.text for s in plan.to_translate] == ["It takes `b`."]


def test_a_changed_cell_the_translator_moved_and_edited_replaces_their_copy() -> None:
    # Given a translator who moved a cell up (with its paragraph) and left one of its lines out
    old = (
        "Intro `x`, 1.\n\n```bash\nconda create -y\n```\n\n"
        "Next, download `z`.\n\n```bash\nunzip d2l.zip\n```\n\n"
        "Now activate `d2l`.\n\n```bash\nconda activate d2l\nconda install pip -y\n```\n\nEnd `w`, 2.\n"
    )
    tgt = (
        "引言`x`，1。\n\n```bash\nconda create -y\n```\n\n"
        "现在激活`d2l`。\n\n```bash\nconda activate d2l\n```\n\n"
        "接下来，下载`z`。\n\n```bash\nunzip d2l.zip\n```\n\n结尾`w`，2。\n"
    )
    # When the English adds a line to that cell
    new = old.replace("conda install pip -y\n", "conda install pip -y\npip install d2l\n")
    plan = plan_sync(parse(old, "en"), parse(new, "en"), parse(tgt, "zh"))
    out = apply_sync(plan, machine(plan))
    # Then the cell is written once, with the English's new line and without the line they left out
    assert out.count("conda activate d2l") == 1 and "pip install d2l" in out
    assert "conda install pip -y" not in out and not plan.to_translate


def test_a_comment_the_translator_wrote_as_one_line_stays_when_the_english_drops_part_of_it() -> None:
    # Given a two-line English comment the translator translated as one line, in a cell
    old = (
        "Intro `x`, 1.\n\n```{.python .input}\n"
        "x = f(1)\n# Make it flat\n# with shape (n, 10)\ny = x.reshape(-1)\n```\n"
    )
    tgt = "引言`x`，1。\n\n```{.python .input}\nx = f(1)\n# 展平为形状(n, 10)\ny = x.reshape(-1)\n```\n"
    # When the English rewrites the code around it and drops the comment's second line
    new = "Intro `x`, 1.\n\n```{.python .input}\nx = g(2)\n# Make it flat\ny = x.flatten()\n```\n"
    plan = plan_sync(parse(old, "en"), parse(new, "en"), parse(tgt, "zh"))
    out = apply_sync(plan, machine(plan))
    # Then the English code is written with the translator's comment, not the English one back
    assert out.endswith("```{.python .input}\nx = g(2)\n# 展平为形状(n, 10)\ny = x.flatten()\n```\n")


def test_a_changed_cell_finds_the_translators_version_when_a_paragraph_moved_past_it() -> None:
    # Given a pytorch cell the translator rewrote (another argument, an extra paddle tab)
    cell = "```{.python .input}\n#@tab pytorch\nloss = nn.CrossEntropyLoss()\n```\n"
    theirs = "```{.python .input}\n#@tab pytorch, paddle\nloss = nn.CrossEntropyLoss(reduction='none')\n```\n"
    old = (
        "Intro `x`, 1.\n\nLoss `l`, 2.\n\n```{.python .input}\nloss = gluon.Loss()\n```\n\n" + cell + "\n"
        "Train `t`, 3.\n\nMore `m`, 4.\n\nEnd `z`, 5.\n"
    )
    tgt = (
        "引言`x`，1。\n\n损失`l`，2。\n\n```{.python .input}\nloss = gluon.Loss()\n```\n\n" + theirs + "\n"
        "训练`t`，3。\n\n更多`m`，4。\n\n结尾`z`，5。\n"
    )
    # When the English changes that cell and moves a later paragraph before it
    new = (
        "Intro `x`, 1.\n\nEnd `z`, 5.\n\nLoss `l`, 2.\n\n```{.python .input}\nloss = gluon.Loss()\n```\n\n"
        + cell.replace("()\n```", "()\nprint(loss)\n```")
        + "\nTrain `t`, 3.\n\nMore `m`, 4.\n"
    )
    plan = plan_sync(parse(old, "en"), parse(new, "en"), parse(tgt, "zh"))
    out = apply_sync(plan, machine(plan))
    # Then the English edit is merged into the translator's cell, which is written once
    assert out.count("CrossEntropyLoss") == 1
    assert "#@tab pytorch, paddle\nloss = nn.CrossEntropyLoss(reduction='none')\nprint(loss)\n```" in out


def test_a_changed_equation_the_translator_wrote_inline_is_not_added_as_a_second_copy() -> None:
    # Given a display equation with its label that the translator wrote inline in their paragraph
    old = (
        "Intro `x`, 1.\n\nThe model is\n\n$$y = Xw + b.$$\n:eqlabel:`eq_model`\n\n"
        "where `w` holds the weights, 2.\n\nEnd `z`, 3.\n"
    )
    tgt = "引言`x`，1。\n\n模型为 $y = Xw + b.$\n\n其中`w`为权重，2。\n\n结尾`z`，3。\n"
    # When the English changes the equation
    new = old.replace("$$y = Xw + b.$$", "$$y = Xw + b + \\epsilon.$$")
    plan = plan_sync(parse(old, "en"), parse(new, "en"), parse(tgt, "zh"))
    out = apply_sync(plan, machine(plan))
    # Then the translator's paragraph stays as it is, and neither the equation nor its label is
    # added next to it
    assert out == tgt
    assert not plan.to_translate
    # And the plan says where the translator's inline equation needs a look
    assert any("eq_model" in note or "y = Xw + b" in note for note in plan.notes)


def test_blocks_the_english_did_not_move_keep_the_translators_order() -> None:
    # Given a translation that follows a newer English layout: the download section after the
    # install section, with other content
    ca = "```bash\npip install d2l==1.0\n```\n"
    old = (
        "# Install\n\nIntro `x`, 1.\n\n## Downloading the D2L Notebooks\n\nRun `unzip`, 3.\n\n"
        "```bash\nunzip d2l-en.zip\n```\n\n## Installing `d2l`\n\nRun `pip`, 2.\n\n" + ca + "\n"
        "## Next\n\nEnd `z`, 4.\n"
    )
    tgt = (
        "# 安装\n\n引言`x`，1。\n\n## 安装`d2l`\n\n运行`pip`，2。\n\n" + ca + "\n"
        "## 下载 D2L Notebook\n\n运行`curl`和`tar`，5。\n\n```bash\ncurl d2l.tar | tar x\n```\n\n"
        "## 下一步\n\n结尾`z`，4。\n"
    )
    # When the English only appends a sentence to the last paragraph
    new = old.replace("End `z`, 4.", "End `z`, 4. Then open `jupyter`.")
    plan = plan_sync(parse(old, "en"), parse(new, "en"), parse(tgt, "zh"))
    out = apply_sync(plan, machine(plan))
    # Then the sections stay in the translator's order and the output changes in one place only
    assert out.index("## 安装`d2l`") < out.index("## 下载 D2L Notebook")
    assert len(changed_places(tgt, out)) == 1


def test_a_block_the_english_moved_follows_the_new_english_order() -> None:
    # Given a translation in the English order
    old = "Intro `x`, 1.\n\nAlpha `a`, 2.\n\nBeta `b`, 3.\n\nGamma `g`, 4.\n\nEnd `z`, 5.\n"
    tgt = "引言`x`，1。\n\n阿尔法`a`，2。\n\n贝塔`b`，3。\n\n伽马`g`，4。\n\n结尾`z`，5。\n"
    # When the English moves one paragraph to the end
    new = "Intro `x`, 1.\n\nBeta `b`, 3.\n\nGamma `g`, 4.\n\nEnd `z`, 5.\n\nAlpha `a`, 2.\n"
    plan = plan_sync(parse(old, "en"), parse(new, "en"), parse(tgt, "zh"))
    out = apply_sync(plan, machine(plan))
    # Then the translator's paragraph moves with it
    assert out == "引言`x`，1。\n\n贝塔`b`，3。\n\n伽马`g`，4。\n\n结尾`z`，5。\n\n阿尔法`a`，2。\n"


_NESTED = (
    "1. Assume that we verify a set. Check all lines.\n"
    "    1. Prove that the boundary is enough.\n"
    "    1. Prove that the vertices are enough.\n"
)


def test_an_edited_list_item_is_spliced_into_the_translators_item() -> None:
    # Given exercises whose nested items the translator merged into their parent item, and a
    # blank line between their items the English does not have
    old = _INTRO + _NESTED + "1. Denote the ball by $B$.\n" + _OUTRO
    tgt = (
        _INTRO_ZH
        + "1. 假设我们验证一个集合。检查所有直线。i.证明边界就足够了。ii.证明顶点就足够了。\n\n"
        + "2. 用$B$表示球。\n"
        + _OUTRO_ZH
    )
    # When the English appends a sentence to the second nested item
    new = old.replace("vertices are enough.", "vertices are enough. Then draw them.")
    plan, out = _synced(
        old, new, tgt, [((0,), (0,), 1.0), ((1, 2, 3), (1,), 1.0), ((4,), (2,), 1.0), ((5,), (3,), 1.0)]
    )
    # Then only that sentence is sent, and it goes at the end of the translator's item: their
    # marker, numbering and blank lines stay, the output changes in one place
    assert [s.text for s in plan.to_translate] == ["Then draw them."]
    places = changed_places(tgt, out)
    assert len(places) == 1
    assert (
        places[0][1][0].startswith("1. 假设我们验证一个集合。")
        and "机翻〈Then draw them.〉" in places[0][1][0]
    )
    assert "\n\n2. 用$B$表示球。\n" in out


def test_nested_items_the_translator_wrote_as_one_paragraph_stay_one_paragraph() -> None:
    # Given nested exercises the translator wrote as one plain paragraph
    old = _INTRO + _NESTED + _OUTRO
    tgt = (
        _INTRO_ZH
        + "假设我们验证一个集合。检查所有直线。i.证明边界就足够了。ii.证明顶点就足够了。\n"
        + _OUTRO_ZH
    )
    # When the English appends a sentence to the second nested item
    new = old.replace("vertices are enough.", "vertices are enough. Then draw them.")
    plan, out = _synced(old, new, tgt, [((0,), (0,), 1.0), ((1, 2, 3), (1,), 1.0), ((4,), (2,), 1.0)])
    # Then only that sentence is sent, and it goes into the translator's paragraph (never an
    # indented nested item, which after a blank line markdown reads as a code block)
    assert [s.text for s in plan.to_translate] == ["Then draw them."]
    blocks = [b.kind.value for b in parse(out, "zh").blocks if b.kind.value != "blank"]
    assert "code" not in blocks
    places = changed_places(tgt, out)
    assert len(places) == 1 and places[0][1][0].startswith("假设我们验证一个集合。")


def test_a_moved_paragraph_whose_merged_neighbour_was_deleted_keeps_its_sentences() -> None:
    # Given two English paragraphs the translator wrote as a group of two paragraphs: the last
    # sentence of the first and the first sentence of the second are one translated sentence
    p1 = (
        "Unlike RMSProp, our update uses the momentum rather than the gradient itself. "
        "Typically we pick a small epsilon for a good trade-off between stability and fidelity.\n\n"
    )
    p2 = (
        "Now we have all the pieces in place to compute updates. "
        "This is slightly anticlimactic and we have a simple update of the form below.\n\n"
    )
    p3 = "Gamma `g` closes the section with 4 remarks.\n"
    old = _INTRO + p1 + p2 + p3 + _OUTRO
    tgt = (
        _INTRO_ZH
        + "与RMSProp不同，我们的更新使用动量而不是梯度本身。"
        + "通常我们选择一个小的epsilon以在稳定性和保真度之间取得平衡，这样我们就有了计算更新所需的一切。\n\n"
        + "最后，我们得到下面形式的简单更新：\n\n"
        + "伽马`g`用4点说明结束本节。\n"
        + _OUTRO_ZH
    )
    # When the English deletes the first paragraph and moves the second after the third
    new = _INTRO + p3 + "\n" + p2.rstrip("\n") + "\n" + _OUTRO
    beads = [((0,), (0,), 1.0), ((1, 2), (1, 2), 0.8), ((3,), (3,), 1.0), ((4,), (4,), 1.0)]
    plan, out = _synced(old, new, tgt, beads)
    # Then only the sentence whose translation went with the deleted paragraph is sent: the
    # moved paragraph keeps the translator's other sentence
    assert [s.text for s in plan.to_translate] == ["Now we have all the pieces in place to compute updates."]
    assert "最后，我们得到下面形式的简单更新：" in out
    assert out.index("伽马`g`") < out.index("最后，我们得到下面形式的简单更新：")
    assert "与RMSProp不同" not in out


_SUMMARY_EN = (
    "# Title\n\nAn introduction long enough to be a paragraph of its own.\n\n## Summary\n"
    "* The mean is the average value of a random variable.\n"
    "* The variance is the expected square of the difference between the random variable and its mean.\n"
    "* The standard deviation is the square root of the variance.\n"
)
# Machine-first Japanese translations write the heading and its whole list on one line.
_SUMMARY_JA = (
    "# タイトル\n\n節の導入となる十分に長い文です。\n\n"
    "## まとめ * 平均は確率変数の平均値です。* 分散は確率変数とその平均との差の二乗の期待値です。"
    "* 標準偏差は分散の平方根です。\n"
)


def test_each_edited_item_of_a_glued_list_gets_a_review_marker_naming_its_own_item() -> None:
    # Given a summary list the translator glued to its heading (one line)
    # When the second and the third item each gain a sentence
    new_en = _SUMMARY_EN.replace("and its mean.", "and its mean. (updated)").replace(
        "of the variance.", "of the variance. (updated)"
    )
    new = parse(new_en, "en")
    plan = plan_sync(parse(_SUMMARY_EN, "en"), new, parse(_SUMMARY_JA, "ja"))
    out = apply_sync(plan, machine(plan))
    # Then each spliced sentence is followed by a marker naming the sha1 of its own item
    second, third = (sha1_short(new.pieces[i].text) for i in (4, 5))
    assert second != third
    assert f"期待値です。机翻〈(updated)〉{MACHINE_MARKER.format(ids=second)}* 標準偏差" in out
    assert f"平方根です。机翻〈(updated)〉{MACHINE_MARKER.format(ids=third)}\n" in out
    # And the plan names them so too
    assert [s.sha1 for s in plan.to_translate] == [second, third]


def test_a_moved_paragraph_that_gained_a_sentence_keeps_a_sentence_the_summary_repeats() -> None:
    # Given a paragraph whose second sentence the summary list repeats word for word
    para = "First `alpha` uses 2 layers. Then `beta` uses 3 layers.\n"
    middle = (
        "Next `gamma` uses 4 layers.\n\nAfter that `delta` uses 5 layers.\n\nLater `eps` uses 6 layers.\n"
    )
    middle_zh = "接着`gamma`用4层。\n\n之后`delta`用5层。\n\n后来`eps`用6层。\n"
    summary = "\n* Then `beta` uses 3 layers.\n"
    old = _INTRO + para + "\n" + middle + summary + _OUTRO
    para_zh = "首先`alpha`用2层。\n然后`beta`用3层。\n"
    tgt = _INTRO_ZH + para_zh + "\n" + middle_zh + "\n* 然后`beta`用3层。\n" + _OUTRO_ZH
    # When the English moves the paragraph below the next three and appends a sentence to it
    moved = para.replace("3 layers.\n", "3 layers. Finally `zeta` uses 7 layers.\n")
    new = _INTRO + middle + "\n" + moved + summary + _OUTRO
    beads = [((k,), (k,), 1.0) for k in range(7)]
    plan, out = _synced(old, new, tgt, beads)
    # Then only the appended sentence is sent: both old sentences keep the translator's text
    assert [s.text for s in plan.to_translate] == ["Finally `zeta` uses 7 layers."]
    assert "首先`alpha`用2层。" in out and out.count("然后`beta`用3层。") == 2


_TEN_ITEMS = [
    (
        "The mean is the average value of a random variable.",
        "平均は確率変数の平均値です。",
    ),
    (
        "The variance is the expected square of the difference from the mean.",
        "分散は平均との差の二乗の期待値です。",
    ),
    (
        "The standard deviation is the square root of the variance.",
        "標準偏差は分散の平方根です。",
    ),
    (
        "Chebyshev's inequality gives an interval that holds the variable.",
        "チェビシェフの不等式は区間を与えます。",
    ),
    (
        "Joint densities allow us to work with correlated random variables.",
        "結合密度は相関する確率変数を扱えます。",
    ),
    (
        "Marginal densities come from integrating the joint density.",
        "周辺密度は結合密度の積分から得られます。",
    ),
    (
        "The covariance measures a linear relationship between two variables.",
        "共分散は二つの変数の線形関係を測ります。",
    ),
    (
        "The correlation coefficient is the covariance scaled to one.",
        "相関係数は一に正規化した共分散です。",
    ),
    (
        "Continuous random variables can take on a continuum of values.",
        "連続確率変数は連続した値をとります。",
    ),
    (
        "The density function gives probabilities as areas under a curve.",
        "密度関数は曲線の下の面積で確率を与えます。",
    ),
]


def test_an_edited_last_item_of_a_long_list_glued_to_its_heading_is_spliced_at_that_item() -> None:
    # Given a summary of ten items the translator glued to its heading (one line)
    old = (
        "# Title\n\nAn introduction long enough to be a paragraph of its own.\n\n## Summary\n"
        + "".join(f"* {en}\n" for en, _ja in _TEN_ITEMS)
        + "\n## Exercises\n\n1. What is the mean of a fair die?\n"
    )
    tgt = (
        "# タイトル\n\n節の導入となる十分に長い文です。\n\n## まとめ "
        + "".join(f"* {ja}" for _en, ja in _TEN_ITEMS)
        + "\n\n## 演習 1.公平なサイコロの平均は何ですか？\n"
    )
    # When the last item gains a sentence
    new = old.replace("under a curve.", "under a curve. (updated)")
    plan = plan_sync(parse(old, "en"), parse(new, "en"), parse(tgt, "ja"))
    out = apply_sync(plan, machine(plan))
    # Then only that sentence is sent, spliced right after the item's translation, and no item
    # is written a second time
    assert [s.text for s in plan.to_translate] == ["(updated)"]
    assert "面積で確率を与えます。机翻〈(updated)〉<!-- amts:" in out
    assert len(changed_places(tgt, out)) == 1 and out.count("* ") == tgt.count("* ")


def test_an_edited_item_of_a_glued_list_whose_items_end_without_a_period_is_spliced_at_that_item() -> None:
    # Given a Vietnamese summary glued to its heading whose items the translator ended without a
    # period ("… thời gian* Mật độ …"), so no sentence ends between them
    old = (
        "# Title\n\nAn introduction long enough to be a paragraph of its own.\n\n## Summary\n"
        "* Chebyshev's inequality gives an interval that holds the variable most of the time.\n"
        "* Joint densities allow us to work with correlated random variables.\n"
        "* The covariance measures a linear relationship between two variables.\n"
    )
    tgt = (
        "# Tiêu đề\n\nMột đoạn giới thiệu đủ dài để là một đoạn riêng.\n\n"
        "## Tóm tắt* Bất đẳng thức Chebyshev cho một khoảng chứa biến hầu hết thời gian"
        "* Mật độ chung cho phép làm việc với các biến ngẫu nhiên tương quan"
        "* hiệp phương sai đo mối quan hệ tuyến tính giữa hai biến.\n"
    )
    # When the middle item gains a sentence
    new = old.replace("random variables.\n", "random variables. (updated)\n")
    plan = plan_sync(parse(old, "en"), parse(new, "en"), parse(tgt, "vi"))
    out = apply_sync(plan, machine(plan))
    # Then only that sentence is sent, spliced right after the item's translation: the items
    # around it stay byte for byte
    assert [s.text for s in plan.to_translate] == ["(updated)"]
    assert "tương quan机翻〈(updated)〉<!-- amts:" in out
    assert len(changed_places(tgt, out)) == 1


def test_a_long_sentence_whose_line_breaks_moved_keeps_the_translators_text() -> None:
    # Given a long sentence with inline math, translated on one line
    old = (
        _INTRO + "For brevity, let $\\mathcal{W}_o= \\{w_{o_1}, \\ldots, w_{o_{2m}}\\}$ and "
        "$\\bar{\\mathbf{v}}_o = \\left(\\mathbf{v}_{o_1} + \\ldots, \\mathbf{v}_{o_{2m}} \\right)/(2m)$. "
        "Then `f` can be simplified.\n" + _OUTRO
    )
    tgt = (
        _INTRO_ZH
        + "为简洁起见，令$\\mathcal{W}_o= \\{w_{o_1}, \\ldots, w_{o_{2m}}\\}$。\n然后`f`可以简化。\n"
        + _OUTRO_ZH
    )
    # When the English only moves its line breaks, also inside the inline math (no line starts
    # with a list marker: that would make a list item, a real edit of the structure)
    new = old.replace(", ", ",\n")
    plan, out = _synced(old, new, tgt, [((0,), (0,), 1.0), ((1,), (1,), 1.0), ((2,), (2,), 1.0)])
    # Then nothing is sent and the translation stays byte for byte
    assert plan.to_translate == []
    assert out == tgt


def test_a_paragraph_the_english_joined_across_a_removed_equation_keeps_the_unchanged_sentences() -> None:
    # Given two paragraphs around an equation, translated as two paragraphs
    old = (
        _INTRO
        + "One trick is to subtract the largest value from all of them first.\n"
        + "You can see that this shift does not change the result:\n\n"
        + "$$\\hat y_j = \\frac{\\exp(o_j)}{\\sum_k \\exp(o_k)}.$$\n\n"
        + "After that step some values may be very negative.\n"
        + "They might round to zero due to finite precision.\n"
        + _OUTRO
    )
    tgt = (
        _INTRO_ZH
        + "一个技巧是先从所有值中减去最大值。\n"
        + "可以看到这种平移不会改变结果：\n\n"
        + "$$\\hat y_j = \\frac{\\exp(o_j)}{\\sum_k \\exp(o_k)}.$$\n\n"
        + "在这一步之后，一些值可能是很大的负数。\n"
        + "由于精度有限，它们可能被舍入为零。\n"
        + _OUTRO_ZH
    )
    # When the English removes the equation, joins the two paragraphs and rewords the sentence
    # that introduced the equation
    new = (
        _INTRO
        + "One trick is to subtract the largest value from all of them first.\n"
        + "You can verify that this shift does not change the result.\n"
        + "After that step some values may be very negative.\n"
        + "They might round to zero due to finite precision.\n"
        + _OUTRO
    )
    plan, out = _synced(
        old, new, tgt, [((0,), (0,), 1.0), ((1,), (1,), 1.0), ((2,), (2,), 1.0), ((3,), (3,), 1.0)]
    )
    # Then only the reworded sentence is sent
    assert [s.text for s in plan.to_translate] == [
        "You can verify that this shift does not change the result."
    ]
    # And the first sentence keeps the translator's text, before the machine text
    assert out.index("一个技巧是先从所有值中减去最大值。") < out.index("机翻〈You can verify")
    assert "由于精度有限，它们可能被舍入为零。" in out


def test_a_changed_cell_finds_the_translators_rewrite_when_the_paragraphs_around_it_swapped() -> None:
    # Given a tensorflow cell the translator rewrote (another variable, an argument dropped) and
    # a pytorch cell they extended with paddle, so that the alignment pairs neither
    old = (
        "Intro `x`, 1.\n\nNow test `predict`, 2.\n\n"
        "```{.python .input}\n#@tab mxnet,pytorch\nstate = begin_state(batch_size=1, num_hiddens=256)\n"
        "predict('t', 10, model, vocab, gpu())\n```\n\n"
        "```{.python .input}\n#@tab tensorflow\npredict('t', 10, model, vocab, params)\n```\n\n"
        "## Clipping\n\nClip `c`, 5.\n\nNorm `n`, 6.\n\nAssume `g` is small, 3.\n\nEnd `z`, 4.\n"
    )
    tgt = (
        "引言`x`，1。\n\n现在测试`predict`，2。\n\n"
        "```{.python .input}\n#@tab mxnet,pytorch, paddle\n"
        "state = begin_state(batch_size=1, num_hiddens=256)\n"
        "predict('t', 10, net, vocab, gpu())\n```\n\n"
        "```{.python .input}\n#@tab tensorflow\npredict('t', 10, net, vocab)\n```\n\n"
        "## 裁剪\n\n裁剪`c`，5。\n\n范数`n`，6。\n\n假设`g`很小，3。\n\n结尾`z`，4。\n"
    )
    # When the English changes both cells and swaps the paragraphs before and after them
    new = (
        old.replace("Now test `predict`, 2.", "@@")
        .replace("Assume `g` is small, 3.", "Now test `predict`, 2.")
        .replace("@@", "Assume `g` is small, 3.")
        .replace(")\n```", ")\nprint('changed')\n```")
    )
    plan = plan_sync(parse(old, "en"), parse(new, "en"), parse(tgt, "zh"))
    out = apply_sync(plan, machine(plan))
    # Then each cell replaces the translator's version of it: written once, with the edit
    assert out.count("#@tab tensorflow") == 1 and out.count("#@tab mxnet,pytorch") == 1
    assert out.count("print('changed')") == 2


def test_a_changed_cell_the_translator_left_out_stays_out() -> None:
    # Given a translation without the GPU section of the English (its paragraph and its cell)
    old = (
        "# Install\n\nIntro `x`, 1.\n\n```bash\npip install d2l\n```\n\n## GPU Support\n\n"
        "Remove the CPU version `torch` first, 2.\n\n```bash\npip uninstall torch\n```\n\n"
        "## Next\n\nEnd `z`, 3.\n"
    )
    tgt = "# 安装\n\n引言`x`，1。\n\n```bash\npip install d2l\n```\n\n## 下一步\n\n结尾`z`，3。\n"
    # When the English changes that cell
    new = old.replace("pip uninstall torch\n", "pip uninstall torch torchvision\n")
    plan = plan_sync(parse(old, "en"), parse(new, "en"), parse(tgt, "zh"))
    out = apply_sync(plan, machine(plan))
    # Then the cell stays out with the rest of the section: the translator's decision stands
    assert "uninstall" not in out and out == tgt
    assert not plan.to_translate


def test_a_rewrapped_paragraph_whose_inline_display_math_now_starts_a_line_is_unchanged() -> None:
    # Given a paragraph with `$$…$$` math in its running text, followed by a display equation,
    # that the translator wrote as one paragraph
    old = (
        "Intro `x`, 1.\n\nIf $z$ follows it, i.e., $$p(z) = p(z_1, z_2),$$ then the p.m.f. of $z$ is\n"
        "$$p^z = \\prod_j p_j^{z_j}.$$\n\nEnd `w`, 2.\n"
    )
    tgt = (
        "引言`x`，1。\n\n如果$z$服从它，即$$p(z) = p(z_1, z_2),$$那么$z$的概率质量函数为"
        "$$p^z = \\prod_j p_j^{z_j}.$$\n\n结尾`w`，2。\n"
    )
    # When the English re-wraps the paragraph so that the inline `$$` starts a line
    new = old.replace("i.e., $$p(z) = p(z_1, z_2),$$", "i.e.,\n$$p(z) = p(z_1,\nz_2),$$")
    plan = plan_sync(parse(old, "en"), parse(new, "en"), parse(tgt, "zh"))
    out = apply_sync(plan, machine(plan))
    # Then nothing changed: the translation is written as it is, no equation added next to it
    assert out == tgt and not plan.to_translate


def test_a_figure_the_translator_glued_to_a_paragraph_the_english_deletes_stays() -> None:
    # Given a figure the translator wrote at the start of the next paragraph, caption untranslated
    old = (
        "Intro `x`, 1.\n\n![Illustration of BPR](../img/rec-ranking.svg)\n\n"
        "We implement the base class `Loss`, 2.\n\nEnd `z`, 3.\n"
    )
    tgt = (
        "引言`x`，1。\n\n![Illustration of BPR](../img/rec-ranking.svg) 我们实现基类`Loss`，2。\n\n"
        "结尾`z`，3。\n"
    )
    # When the English deletes that paragraph
    new = old.replace("We implement the base class `Loss`, 2.\n\n", "")
    plan = plan_sync(parse(old, "en"), parse(new, "en"), parse(tgt, "zh"))
    out = apply_sync(plan, machine(plan))
    # Then the figure is still there, once, and the deleted paragraph's translation is gone
    assert out.count("../img/rec-ranking.svg") == 1 and "基类" not in out
    assert out.startswith("引言`x`，1。\n\n") and out.endswith("结尾`z`，3。\n")


def test_an_edited_paragraph_whose_merged_neighbour_moved_away_sends_only_its_new_sentence() -> None:
    # Given two English paragraphs the translator merged into one, and two more paragraphs
    p1 = "Deep models with many layers require large amounts of data to outperform convex methods.\n\n"
    p2 = (
        "In 2009 the ImageNet dataset was released with one million examples.\n"
        "The researchers used image search to prefilter large candidate sets.\n\n"
    )
    p3 = "Gamma `g` closes the section with 4 remarks.\n\n"
    p4 = "Delta `d` adds 5 more remarks at the end.\n"
    old = _INTRO + p1 + p2 + p3 + p4 + _OUTRO
    tgt = (
        _INTRO_ZH
        + "包含许多层的深度模型需要大量数据才能优于凸方法。"
        + "2009年，ImageNet数据集发布，包含一百万个样本。研究人员使用图像搜索预先筛选了大量候选集。\n\n"
        + "伽马`g`用4点说明结束本节。\n\n"
        + "德尔塔`d`在最后补充了5点。\n"
        + _OUTRO_ZH
    )
    # When the English moves the first paragraph to the end and appends a sentence to the second
    new = (
        _INTRO
        + p2.rstrip("\n")
        + " This scale was unprecedented.\n\n"
        + p3
        + p4
        + "\n"
        + p1.rstrip("\n")
        + "\n"
        + _OUTRO
    )
    beads = [((0,), (0,), 1.0), ((1, 2), (1,), 1.0), ((3,), (2,), 1.0), ((4,), (3,), 1.0), ((5,), (4,), 1.0)]
    plan, out = _synced(old, new, tgt, beads)
    # Then only the appended sentence is sent; the edited paragraph keeps the translator's sentences
    assert [s.text for s in plan.to_translate] == ["This scale was unprecedented."]
    assert "2009年，ImageNet数据集发布，包含一百万个样本。研究人员使用图像搜索预先筛选了大量候选集。" in out


LEFT_OUT_OLD = (
    "# Dropout\n\nIntro `x`, 1.\n\n## From Scratch\n\n"
    "To implement dropout we draw samples from a Bernoulli variable. "
    "One easy way is to draw uniform samples first. Then we keep the nodes above $p$.\n\n"
    "End `z`, 3.\n"
)
LEFT_OUT_TGT = "# 暂退法\n\n引言`x`，1。\n\n## 从零开始实现\n\n结尾`z`，3。\n"


def test_a_sentence_added_to_a_paragraph_the_translator_left_out_is_sent_alone() -> None:
    # Given a translation that left out one English paragraph
    old, tgt = LEFT_OUT_OLD, LEFT_OUT_TGT
    # When the English appends a sentence to that paragraph
    new = old.replace("above $p$.\n", "above $p$. The rest are dropped.\n")
    plan = plan_sync(parse(old, "en"), parse(new, "en"), parse(tgt, "zh"))
    out = apply_sync(plan, machine(plan))
    # Then only the new sentence is sent: the sentences they left out stay out
    assert [s.text for s in plan.to_translate] == ["The rest are dropped."]
    # And it is written as a paragraph of its own where the English has it, with its review marker
    places = changed_places(tgt, out)
    marker = MACHINE_MARKER.format(ids=plan.to_translate[0].sha1)
    assert len(places) == 1 and places[0][0] == []
    assert [line for line in places[0][1] if line] == [marker, "机翻〈The rest are dropped.〉"]
    assert "Bernoulli" not in out
    # And the plan tells the translator
    assert any("left out" in note and "line 7" in note for note in plan.notes)


def test_an_untranslated_sentence_of_a_left_out_paragraph_comes_out_without_its_old_sentences() -> None:
    # Given the same paragraph left out, and an engine that cannot translate anything
    new = LEFT_OUT_OLD.replace("above $p$.\n", "above $p$. The rest are dropped.\n")
    plan = plan_sync(parse(LEFT_OUT_OLD, "en"), parse(new, "en"), parse(LEFT_OUT_TGT, "zh"))
    # When assembled without translations
    out = apply_sync(plan, {})
    # Then the new sentence stands in English, and none of the old English comes back
    assert "The rest are dropped." in out
    assert "Bernoulli" not in out and "uniform samples" not in out


def test_a_paragraph_the_translator_left_out_that_only_lost_a_sentence_stays_out() -> None:
    # Given the same paragraph left out
    # When the English deletes one of its sentences
    new = LEFT_OUT_OLD.replace(" One easy way is to draw uniform samples first.", "")
    plan = plan_sync(parse(LEFT_OUT_OLD, "en"), parse(new, "en"), parse(LEFT_OUT_TGT, "zh"))
    out = apply_sync(plan, machine(plan))
    # Then nothing is sent and the translation is unchanged, with a note for the translator
    assert not plan.to_translate and out == LEFT_OUT_TGT
    assert any("left out" in note for note in plan.notes)


def test_a_left_out_paragraph_the_english_moved_and_extended_sends_only_the_new_sentence() -> None:
    # Given the same paragraph left out, with another paragraph after it
    old = LEFT_OUT_OLD.replace("End `z`, 3.\n", "Middle `y`, 2.\n\nEnd `z`, 3.\n")
    tgt = LEFT_OUT_TGT.replace("结尾`z`，3。\n", "中间`y`，2。\n\n结尾`z`，3。\n")
    # When the English moves it to the end and appends a sentence to it
    para = old[old.index("To implement") : old.index("Middle")]
    new = old.replace(para, "") + "\n" + para.rstrip("\n") + " The rest are dropped.\n"
    plan = plan_sync(parse(old, "en"), parse(new, "en"), parse(tgt, "zh"))
    out = apply_sync(plan, machine(plan))
    # Then only the new sentence is sent, written at the end; the old sentences stay out
    assert [s.text for s in plan.to_translate] == ["The rest are dropped."]
    assert out.startswith(tgt) and "Bernoulli" not in out
    assert out.rstrip("\n").endswith("机翻〈The rest are dropped.〉")


def test_a_paragraph_moved_that_gained_a_sentence_keeps_the_translators_condensed_text() -> None:
    # Given a paragraph of three sentences the translator condensed into two
    old = (
        "Intro `x`, 1.\n\n"
        "To implement dropout we draw samples from a Bernoulli variable. "
        "One easy way is to draw uniform samples first. Then we keep the nodes above $p$.\n\n"
        "Middle `y`, 2.\n\nEnd `z`, 3.\n"
    )
    tgt = (
        "引言`x`，1。\n\n我们从均匀分布中抽取伯努利样本。然后保留大于$p$的节点。\n\n"
        "中间`y`，2。\n\n结尾`z`，3。\n"
    )
    # When the English moves it after the next paragraph and appends a sentence
    para = old[old.index("To implement") : old.index("Middle")]
    new = old.replace(para, "").replace("End `z`", para.rstrip("\n") + " The rest are dropped.\n\nEnd `z`")
    plan = plan_sync(parse(old, "en"), parse(new, "en"), parse(tgt, "zh"))
    out = apply_sync(plan, machine(plan))
    # Then only the new sentence is sent, after the translator's sentences, at the new place
    assert [s.text for s in plan.to_translate] == ["The rest are dropped."]
    assert out.count("我们从均匀分布中抽取伯努利样本。然后保留大于$p$的节点。") == 1
    assert out.index("中间`y`") < out.index("我们从均匀分布") < out.index("机翻〈The rest are dropped.〉")
    assert out.index("机翻〈The rest are dropped.〉") < out.index("结尾`z`")


def test_an_equation_the_translator_wrote_as_a_paragraph_stays_when_the_next_paragraph_goes() -> None:
    # Given an English display equation with its label, that the translation wrote on one line
    # as a paragraph of its own (`(**$$…$$**) :eqlabel:`), followed by a paragraph
    eq = r"g'(t) = \lim_{k \rightarrow 0} \frac{g(t+k) - g(t)}{k},"
    old = (
        "Let $g$ be a function from reals to reals,\nwith scalar inputs and outputs.\n"
        "[**The *slope* of $g$ is given by**]\n\n\n"
        f"(**$${eq}$$**)\n:eqlabel:`eq_slope`\n\n"
        "provided that this limit exists.\nIf $g'(b)$ exists,\n$g$ is called *smooth* at $b$.\n"
        "If $g$ is smooth at each point of a range,\nthen we call it smooth on that range.\n"
        "We read the slope $g'(t)$ in :eqref:`eq_slope`\nas the *local* rate of change of $g(t)$\n"
        "with respect to $t$.\nThis local rate depends on\nthe step $k$ in $t$, which goes to $0$.\n\n"
        "To see slopes at work,\nlet us try a small example.\n"
    )
    tgt = (
        "Cho $g$ là một hàm từ số thực đến số thực, với đầu vào và đầu ra vô hướng. "
        "[***độ dốc* của $g$ được cho bởi**] \n\n"
        f"(**$${eq}$$**) :eqlabel:`eq_slope` \n\n"
        "với điều kiện giới hạn này tồn tại. Nếu $g'(b)$ tồn tại, $g$ được gọi là *trơn* tại $b$. "
        "Nếu $g$ trơn tại mọi điểm của một khoảng, thì ta gọi nó trơn trên khoảng đó. "
        "Ta đọc độ dốc $g'(t)$ trong :eqref:`eq_slope` là tốc độ thay đổi *cục bộ* của $g(t)$ theo $t$. "
        "Tốc độ cục bộ này phụ thuộc vào bước $k$ trong $t$, tiến về $0$. \n\n"
        "Để thấy độ dốc hoạt động, chúng ta hãy thử một ví dụ nhỏ.\n"
    )
    # When the English deletes the paragraph after the equation
    new = old[: old.index("provided that")] + old[old.index("To see slopes") :]
    plan = plan_sync(parse(old, "en"), parse(new, "en"), parse(tgt, "vi"))
    out = apply_sync(plan, machine(plan))
    # Then the translator's equation line, with its label, is still there; the paragraph is gone
    assert f"(**$${eq}$$**) :eqlabel:`eq_slope`" in out
    assert "với điều kiện" not in out and "Để thấy độ dốc" in out
