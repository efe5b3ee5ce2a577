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
