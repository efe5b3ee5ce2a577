"""The per-language style of machine output (lineStyle, cjkLatinSpace, punctuationWidth,
gluedPeriod): each setting reaches the text AMTS writes, and human text is never restyled."""

from __future__ import annotations

from pathlib import Path

import pytest
from amts.cli import app
from amts.config import LanguageSettings, apply_language_overrides
from amts.domain.align import document_sentences
from amts.domain.markdown import parse
from amts.domain.segment import split_sentences
from amts.domain.style import TargetStyle, style_machine_text
from amts.domain.sync import apply_sync, plan_sync
from amts.errors import ConfigurationError
from amts.ports import Origin, Translation
from typer.testing import CliRunner

ZH = TargetStyle.of("zh")  # the facts: sentence lines, no CJK-Latin space, full-width punctuation
ZH_SPACED_HALF = TargetStyle.of("zh", cjk_latin_space=True, punctuation_width="half")


# --- style_machine_text -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "text", "expected"),
    [
        # spacing removed (zh) and added (ja) next to Latin words, numbers and inline code / math
        (ZH, "我们使用 PyTorch 训练 3 个 `Module` 和 $x$ 模型", "我们使用PyTorch训练3个`Module`和$x$模型"),
        (TargetStyle.of("ja"), "PyTorchで`x`を3回使う", "PyTorch で `x` を 3 回使う"),
        # punctuation widened after CJK text (the space after it dropped), parentheses around it
        (ZH, "首先, 我们计算梯度; 然后: 更新(一步)吗?", "首先，我们计算梯度；然后：更新（一步）吗？"),
        (ZH, "调用 `f`, 然后返回", "调用`f`，然后返回"),
        # and narrowed back, with the space half-width punctuation is written with
        (ZH_SPACED_HALF, "首先，我们计算梯度（一步）吗？是的", "首先, 我们计算梯度(一步)吗? 是的"),
        (TargetStyle.of("ko"), "모델，GPU를 사용합니까？네", "모델, GPU를 사용합니까? 네"),
    ],
)
def test_machine_text_is_spaced_and_punctuated_as_the_language_writes(
    style: TargetStyle, text: str, expected: str
) -> None:
    # Given an engine's translation, When it is styled for the target, Then it is as expected
    assert style_machine_text(text, style) == expected


@pytest.mark.parametrize("style", [ZH, ZH_SPACED_HALF, TargetStyle.of("ja")])
@pytest.mark.parametrize(
    "protected",
    [
        "`np.mean(x, axis=0)`",  # inline code
        "$f(x, y): x?$",  # inline math
        "https://d2l.ai/a,b?c=1",  # a URL
        "[链接](https://d2l.ai/x,y)",  # a link target (the link text is text)
        ":numref:`fig_lenet`",  # a role
        "&amp;",  # an HTML entity (its ";" is no punctuation)
        "\\(不是括号\\)",  # escaped parentheses
    ],
)
def test_inline_code_math_urls_and_links_are_never_restyled(style: TargetStyle, protected: str) -> None:
    # Given a protected span inside CJK text, When styled, Then the span is there byte for byte
    assert protected in style_machine_text(f"见 {protected} 一节", style)


def test_numbers_keep_their_half_width_separators() -> None:
    # Given numbers with a thousands comma, a decimal point and a ratio, When widened, Then kept
    assert style_machine_text("共1,000步，耗时3.5秒，比例3:2", ZH) == "共1,000步，耗时3.5秒，比例3:2"


def test_the_space_before_a_role_stays_for_restructuredtext() -> None:
    # Given zh (no CJK-Latin space), When a role follows Chinese with a space, Then it is kept
    assert style_machine_text("如 :numref:`fig_x` 所示", ZH) == "如 :numref:`fig_x`所示"


@pytest.mark.parametrize("lang", ["en", "es", "tr", "vi"])
def test_text_of_a_non_cjk_target_is_untouched(lang: str) -> None:
    # Given a Latin-script target, When its machine text is styled, Then nothing changes
    text = "Usamos PyTorch , luego ( ver `x` ) ¿sí ? 1,000"
    assert style_machine_text(text, TargetStyle.of(lang)) == text


def test_japanese_keeps_the_engines_punctuation_by_default() -> None:
    # Given d2l-ja's mixed widths (？ but half-width parentheses), When styled by default
    styled = style_machine_text("これは何ですか？ (softmax) です", TargetStyle.of("ja"))
    # Then the punctuation is as the engine wrote it
    assert "？" in styled and "(softmax)" in styled


# --- apply_sync: machine paragraphs only ------------------------------------------------------

OLD = "We use PyTorch here. It is simple.\n\nThe last paragraph.\n"
NEW = "We use PyTorch here. It is simple.\n\nA new paragraph. It has two sentences.\n\nThe last paragraph.\n"
# the translator's text, with spacing and punctuation no style would write
HUMAN = "我们在这里使用 PyTorch, 它很简单。真的。\n\n最后 一段 (完)。\n"
MACHINE = "这是新段落。它有 `x` 两个句子, 对吗?"


def _synced(style: TargetStyle | None) -> str:
    plan = plan_sync(parse(OLD, "en"), parse(NEW, "en"), parse(HUMAN, "zh"))
    assert [s.text for s in plan.to_translate] == ["A new paragraph. It has two sentences."]
    translations = {s.index: Translation(MACHINE, Origin.MACHINE) for s in plan.to_translate}
    return apply_sync(plan, translations, style=style)


def test_line_style_sentence_writes_a_machine_paragraph_one_sentence_per_line() -> None:
    # Given a new paragraph translated by the engine, When assembled with zh's style (sentence)
    text = _synced(ZH)
    # Then each of its sentences is on its own line, spaced and punctuated as d2l-zh
    assert "\n这是新段落。\n它有`x`两个句子，对吗？\n" in text


def test_line_style_paragraph_writes_a_machine_paragraph_on_one_line() -> None:
    # When assembled with lineStyle paragraph, Then the machine paragraph is one line
    text = _synced(TargetStyle.of("zh", line_style="paragraph"))
    assert "\n这是新段落。它有`x`两个句子，对吗？\n" in text


@pytest.mark.parametrize(
    "style",
    [
        None,
        ZH,
        TargetStyle.of("zh", line_style="paragraph"),
        ZH_SPACED_HALF,
        TargetStyle.of("zh", line_style="sentence", cjk_latin_space=False, punctuation_width="full"),
    ],
)
def test_kept_human_paragraphs_are_unchanged_under_every_style(style: TargetStyle | None) -> None:
    # When assembled under any style, Then the translator's paragraphs are there byte for byte
    text = _synced(style)
    assert text.startswith("我们在这里使用 PyTorch, 它很简单。真的。\n\n")
    assert text.endswith("\n\n最后 一段 (完)。\n")


# --- gluedPeriod ------------------------------------------------------------------------------

GLUED = "모델을 학습했습니다.또한 결과를 확인했습니다."


def test_korean_glued_period_splits_by_default_and_not_when_the_setting_is_false() -> None:
    # Given Korean with a period glued to the next sentence
    # When segmented by default (the fact) and with gluedPeriod false
    default = split_sentences(GLUED, "ko")
    off = split_sentences(GLUED, "ko", glued_period=False)
    # Then the default splits there and the setting keeps one sentence
    assert default == ["모델을 학습했습니다.", "또한 결과를 확인했습니다."]
    assert off == [GLUED]


def test_gluedperiod_false_also_keeps_a_period_glued_to_a_latin_word() -> None:
    # Given a Korean verb ending whose period is glued to a Latin term ("합니다.GPU")
    text = "모델을 학습합니다.GPU를 사용합니다."
    # When segmented by default and with gluedPeriod false
    default = split_sentences(text, "ko")
    off = split_sentences(text, "ko", glued_period=False)
    # Then only the default cuts there: the setting turns off every glued-period rule
    assert default == ["모델을 학습합니다.", "GPU를 사용합니다."]
    assert off == [text]


def test_a_translation_parsed_with_the_setting_is_segmented_by_it_for_alignment() -> None:
    # Given a Korean translation parsed with the language's gluedPeriod false (as the workflow does)
    doc = parse(GLUED + "\n", "ko", glued_period=LanguageSettings("ko", glued_period=False).glued_period)
    # When its sentences are listed for sentence alignment, Then the glued period does not split
    assert [s for _, s in document_sentences(doc)] == [GLUED]
    assert len(document_sentences(parse(GLUED + "\n", "ko"))) == 2


def test_the_glued_period_setting_shapes_the_sentence_lines_of_machine_korean() -> None:
    # Given Korean written one sentence per line, When the glued period is (not) a sentence end
    on = style_lines(TargetStyle.of("ko", line_style="sentence"))
    off = style_lines(TargetStyle.of("ko", line_style="sentence", glued_period=False))
    # Then the lines follow the setting
    assert on == ["모델을 학습했습니다.", "또한 결과를 확인했습니다.", "끝났습니다."]
    assert off == ["모델을 학습했습니다.또한 결과를 확인했습니다.", "끝났습니다."]


def style_lines(style: TargetStyle) -> list[str]:
    old = "Done.\n"
    new = "Done.\n\nWe trained it. We checked it. Finished.\n"
    plan = plan_sync(
        parse(old, "en"), parse(new, "en"), parse("완료.\n", "ko", glued_period=style.glued_period)
    )
    translations = {s.index: Translation(GLUED + " 끝났습니다.", Origin.MACHINE) for s in plan.to_translate}
    text = apply_sync(plan, translations, style=style)
    block = text.split("-->\n", 1)[1]
    return block.rstrip("\n").split("\n")


# --- settings that would do nothing are refused ------------------------------------------------


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ("ko.cjkLatinSpace=true", "Chinese and Japanese only"),
        ("es.punctuationWidth=full", "CJK-script languages only"),
        ("zh.gluedPeriod=true", "Korean only"),
    ],
)
def test_a_setting_without_effect_for_the_language_is_refused(override: str, named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        apply_language_overrides({}, [override])


def test_effective_settings_are_what_the_assembly_applies() -> None:
    # Given Korean and Japanese defaults, Then effective() shows the style actually used
    assert LanguageSettings("ko").effective()["cjkLatinSpace"] is None  # does not apply
    assert LanguageSettings("ja").effective()["punctuationWidth"] == "keep"
    assert LanguageSettings("zh", line_style="paragraph").style().line_style == "paragraph"


# --- end to end: amts sync --------------------------------------------------------------------


def test_amts_sync_writes_machine_paragraphs_as_the_lang_setting_says(tmp_path: Path) -> None:
    # Given an old and a new English file, the old translation, and a memory that has the new
    # paragraph (the offline engine's "machine" output, marked for review)
    (tmp_path / "old.md").write_text(OLD, encoding="utf-8")
    (tmp_path / "new.md").write_text(NEW, encoding="utf-8")
    (tmp_path / "old.zh.md").write_text(HUMAN, encoding="utf-8")
    (tmp_path / "memory.tsv").write_text(
        "en\tzh\nA new paragraph. It has two sentences.\t这是新段落。它有两个句子。\n", encoding="utf-8"
    )

    def sync(*extra: str) -> str:
        out = tmp_path / "out.md"
        files = {"--old": "old.md", "--new": "new.md", "--translation": "old.zh.md", "--memory": "memory.tsv"}
        args = ["sync", "-t", "zh", "-o", str(out), *extra]
        for option, name in files.items():
            args += [option, str(tmp_path / name)]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        return out.read_text(encoding="utf-8")

    # When synced with zh's defaults, and with --lang-setting zh.lineStyle=paragraph
    default = sync()
    paragraph = sync("--lang-setting", "zh.lineStyle=paragraph")
    # Then the machine paragraph is one sentence per line by default, one line with the setting
    assert "\n这是新段落。\n它有两个句子。\n" in default
    assert "\n这是新段落。它有两个句子。\n" in paragraph
    # And the translator's paragraphs are as they were in both
    for text in (default, paragraph):
        assert text.startswith("我们在这里使用 PyTorch, 它很简单。真的。\n\n")
        assert text.endswith("\n\n最后 一段 (完)。\n")


def test_amts_sync_refuses_a_bad_lang_setting(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["sync", "--new", str(tmp_path / "x.md"), "-o", "-", "--lang-setting", "zh.lineStyle=word"]
    )
    assert result.exit_code == 2 and "zh.lineStyle" in result.stderr


def test_a_bare_url_glued_to_cjk_text_and_the_space_after_it_are_kept() -> None:
    # Given a URL right after Chinese (no word boundary) and a space before the next word
    text = "使用http://localhost:8888 访问"
    # When styled without CJK-Latin spaces, Then the URL and the space that ends it stay
    assert style_machine_text(text, ZH) == text


def test_amts_evaluate_aligns_korean_parallel_data_with_the_glued_period_setting(tmp_path: Path) -> None:
    from amts.config import LanguagePair
    from amts.domain.align import Granularity
    from amts.service.evaluate import BilingualFile, EvaluationConfig, _ParallelCorpus

    # Given an English paragraph of two sentences and its Korean with a glued period
    (tmp_path / "a.en.md").write_text(
        "We trained the model. We also checked the results.\n", encoding="utf-8"
    )
    (tmp_path / "a.ko.md").write_text(GLUED + "\n", encoding="utf-8")
    files = [BilingualFile("a", {"en": tmp_path / "a.en.md", "ko": tmp_path / "a.ko.md"})]
    pair = LanguagePair("en", "ko")

    def sentence_pairs(overrides: list[str]) -> list[tuple[str, str]]:
        config = EvaluationConfig(
            articles=[], references=tmp_path, languages=apply_language_overrides({}, overrides)
        )
        corpus = _ParallelCorpus(files, pair, 0.0, {}, False, config.glued_period("ko"))
        return corpus.pairs_by_file(Granularity.SENTENCE)["a"]

    # When the parallel data is aligned by sentence by default and with ko.gluedPeriod=false
    # Then the Korean side is two sentences by default and one with the setting
    assert [t for _, t in sentence_pairs([])] == ["모델을 학습했습니다.", "또한 결과를 확인했습니다."]
    assert [t for _, t in sentence_pairs(["ko.gluedPeriod=false"])] == [GLUED]
