"""(c'') of benchmarks/sync_eval.py: unchanged sentences sent because the translator fused them
with a changed one into one translated sentence are not counted."""

from __future__ import annotations

from pathlib import Path

import pytest
from amts.domain.markdown import parse

from tests.benchmark_scripts import load

sync_eval = load("sync_eval")

OLD_EN = """# Hybridization

This seems almost too good to be true: write the same code as before and convert the model.
Once this happens the network is optimized and runs much faster than before.

The compiler removes the Python interpreter from the loop of every single step.
It can then fuse several small operators into one large kernel for the device.
"""

NEW_EN = """# Hybridization

This seems almost too good to be true: write the same code and simply convert the model.
Once this happens the network is optimized and runs much faster than before.

The compiler takes the Python interpreter out of the loop of every training step.
It can then fuse several small operators into one large kernel for the device.
"""

# The first paragraph's two English sentences are one Chinese sentence; the second paragraph's
# are two.
OLD_ZH = """# 混合式编程

我们编写与之前相同的代码并转换模型，当完成这些任务后，网络就将得到优化并且比以前运行得快得多。

编译器会把Python解释器从每一个单独步骤的循环中移除。然后它可以把几个小的算子融合成设备上的一个大内核。
"""


def test_an_unchanged_sentence_fused_with_a_changed_one_is_not_counted() -> None:
    # Given both paragraphs sent whole (each has a changed sentence)
    old, tgt = parse(OLD_EN, "en"), parse(OLD_ZH, "zh")
    sent = NEW_EN.split("\n\n")[1:]
    unchanged_1 = "Once this happens the network is optimized and runs much faster than before."
    unchanged_2 = "It can then fuse several small operators into one large kernel for the device."
    # When measured
    old_sentences, fused = sync_eval.fused_with_changed(old, tgt, NEW_EN)
    c = sync_eval.unchanged_sent(OLD_EN, sent)
    c2 = sync_eval.unchanged_sent_unfused(OLD_EN, sent, old_sentences, fused)
    # Then (c) counts both unchanged sentences, (c'') only the one the translator wrote apart
    assert c == len(unchanged_1) + len(unchanged_2)
    assert c2 == len(unchanged_2)


def test_a_fusion_of_unchanged_sentences_only_is_counted() -> None:
    # Given the same translation but an English edit elsewhere (a new closing paragraph)
    new_en = OLD_EN + "\nA new paragraph explains something the old version did not.\n"
    old, tgt = parse(OLD_EN, "en"), parse(OLD_ZH, "zh")
    sent = [OLD_EN.split("\n\n")[1]]
    # When measured
    old_sentences, fused = sync_eval.fused_with_changed(old, tgt, new_en)
    c = sync_eval.unchanged_sent(OLD_EN, sent)
    # Then nothing is left out: no sentence of the fused pair changed
    assert not fused
    assert c > 0 and sync_eval.unchanged_sent_unfused(OLD_EN, sent, old_sentences, fused) == c


def test_a_run_on_the_segmenter_keeps_whole_is_two_sentences() -> None:
    # Given a run-on (period, then a lower-case word) translated as one sentence, whose second
    # half the new English rewrote
    head = "# Blocks\n\nIn short, it defines a special kind of module in PyTorch. "
    old_en, new_en = head + "that maintains an ordered list.\n", head + "It maintains an ordered list.\n"
    old_zh = "# 块\n\n简而言之，它定义了PyTorch中一种特殊的模块，它维护了一个有序列表。\n"
    old, tgt = parse(old_en, "en"), parse(old_zh, "zh")
    # When measured
    old_sentences, fused = sync_eval.fused_with_changed(old, tgt, new_en)
    sent = [new_en.split("\n\n")[1]]
    # Then its unchanged first half counts in (c) and is left out of (c'')
    assert sync_eval.unchanged_sent(old_en, sent) > 0
    assert sync_eval.unchanged_sent_unfused(old_en, sent, old_sentences, fused) == 0


def test_the_benchmark_runs_on_a_held_out_set_in_another_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a held-out sync case laid out like d2l-dev but translated into Japanese
    base = tmp_path / "chapter_x" / "hybridize"
    base.parent.mkdir()
    (base.parent / "hybridize.en.md").write_text(OLD_EN, encoding="utf-8")
    (base.parent / "hybridize.en-next.md").write_text(NEW_EN, encoding="utf-8")
    ja = (
        "# ハイブリッド化\n\n"
        "同じコードを書いてモデルを変換するだけです。これで最適化されます。\n\n"
        "コンパイラはPythonインタプリタをループから取り除きます。"
        "それから小さな演算子を融合します。\n"
    )
    (base.parent / "hybridize.ja.md").write_text(ja, encoding="utf-8")
    # When the benchmark is pointed at it with --target ja
    assert sync_eval.main([str(tmp_path), "--target", "ja", "--no-locality"]) == 0
    out = capsys.readouterr().out
    # Then it reads the Japanese translation and reports the case
    assert "sync cases: 1 (name.en.md -> name.en-next.md, en -> ja)" in out
    assert "(c) characters sent" in out
    # And a target language with no translations is a clear error
    assert sync_eval.main([str(tmp_path), "--target", "ko", "--no-locality"]) == 2
    assert "name.ko.md" in capsys.readouterr().err
