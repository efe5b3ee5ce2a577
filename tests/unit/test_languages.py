"""Language facts: one module, read by segmentation, line joining, alignment, sync and BLEU."""

from __future__ import annotations

import json

import pytest
from amts.config import SUPPORTED_LANGUAGES, LanguagePair
from amts.domain import languages
from amts.domain.align import align_documents, pair_model
from amts.domain.bleu import tokenizer_for
from amts.domain.markdown import join_lines, parse
from amts.domain.segment import split_sentences
from amts.errors import ConfigurationError


def test_every_book_language_is_supported_and_config_reads_the_same_list() -> None:
    # Given the languages of the book and the original study
    book = {"en", "zh", "ja", "ko", "pt", "tr", "vi", "es"}
    # Then the facts module knows each and the configuration lists exactly those codes
    assert set(languages.SUPPORTED) == book
    assert set(SUPPORTED_LANGUAGES) == book


def test_an_unsupported_code_is_refused_with_the_list() -> None:
    # When a code the facts module does not know is required
    with pytest.raises(ConfigurationError) as info:
        languages.require_supported("xx", "target language")
    # Then the message names the code and every supported one
    message = str(info.value)
    assert "'xx'" in message
    assert all(code in message for code in languages.SUPPORTED)
    with pytest.raises(ConfigurationError, match="choose from"):
        LanguagePair.parse("en:xx")


@pytest.mark.parametrize(
    ("lang", "spaceless", "cjk", "joiner", "tokenizer"),
    [
        ("zh", True, True, "", "zh"),
        ("zh-TW", True, True, "", "zh"),
        ("ja", True, True, "", "ja-mecab"),
        ("ko", False, True, " ", "ko-mecab"),
        ("tr", False, False, " ", "13a"),
        ("vi", False, False, " ", "13a"),
        ("pt_BR", False, False, " ", "13a"),
    ],
)
def test_script_and_word_separation_are_separate_facts(
    lang: str, spaceless: bool, cjk: bool, joiner: str, tokenizer: str
) -> None:
    # Then Korean is a CJK script (Latin terms inside are anchors) written with spaces
    assert languages.is_spaceless(lang) is spaceless
    assert languages.uses_cjk_script(lang) is cjk
    assert languages.joiner(lang) == joiner
    assert languages.facts(lang).bleu_tokenizer == tokenizer


def test_korean_lines_and_sentences_join_with_a_space() -> None:
    # Given two Korean lines / sentences
    parts = ["분야입니다.", "오늘날 딥러닝은"]
    # Then they join with a space, Chinese without one
    assert join_lines(parts, "ko") == "분야입니다. 오늘날 딥러닝은"
    assert join_lines(["这是。", "那是"], "zh") == "这是。那是"


def test_korean_aligned_text_is_joined_with_a_space() -> None:
    # Given one English sentence translated as two Korean sentences
    src = parse("We count the apples in the basket and then we count all of the pears.\n", "en")
    tgt = parse("바구니의 사과를 셉니다. 그 다음 모든 배를 셉니다.\n", "ko")
    # When sentence pairs are built (a 1-2 bead)
    result = align_documents(src, tgt, "sentence", min_confidence=0.0)
    # Then the two Korean sentences are joined with a space (it was "셉니다.그 다음")
    assert [p.target for p in result.pairs] == ["바구니의 사과를 셉니다. 그 다음 모든 배를 셉니다."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a period with no space, Hangul on both sides (d2l-ko writes this often)
        (
            "구현할 수 있습니다.이 섹션에서는 모델을 만듭니다.또한 데이터를 읽습니다.",
            ["구현할 수 있습니다.", "이 섹션에서는 모델을 만듭니다.", "또한 데이터를 읽습니다."],
        ),
        # inline code and math right after the glued period; Latin np.mean and 3.5 stay whole
        (
            "`np.mean`을 씁니다.`x`는 3.5입니다.$y$는 작습니다.",
            ["`np.mean`을 씁니다.", "`x`는 3.5입니다.", "$y$는 작습니다."],
        ),
        # a closing bracket before the glued period
        ("그림을 보세요 (그림 1).이 그림은 작습니다.", ["그림을 보세요 (그림 1).", "이 그림은 작습니다."]),
        # a question mark with a space, as in English
        ("왜 그럴까요? 답은 간단합니다.", ["왜 그럴까요?", "답은 간단합니다."]),
    ],
)
def test_korean_sentences_end_at_a_glued_period(text: str, expected: list[str]) -> None:
    assert split_sentences(text, "ko") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a Korean sentence ending, the period, then a Latin term or a number (d2l-ko: "합니다.GPU")
        ("메모리가 필요합니다.HBM2는 빠릅니다.", ["메모리가 필요합니다.", "HBM2는 빠릅니다."]),
        ("제안되었습니다.2017년 이후 쓰입니다.", ["제안되었습니다.", "2017년 이후 쓰입니다."]),
        ("줄어듭니다.nIn은 변수가 적습니다.", ["줄어듭니다.", "nIn은 변수가 적습니다."]),
        ("왜 그럴까요?Shannon은 답했습니다.", ["왜 그럴까요?", "Shannon은 답했습니다."]),
        # an ending closed by a bracket, then the glued period (d2l-ko lookup-api: "것입니다).API")
        (
            "소개할 수 없습니다 (아마 원하지 않을 것입니다).API 설명서는 많습니다.",
            ["소개할 수 없습니다 (아마 원하지 않을 것입니다).", "API 설명서는 많습니다."],
        ),
        # a closing bracket after a noun is not an ending: "(v1).x" stays one
        ("버전 (v1).x 파일을 씁니다.", ["버전 (v1).x 파일을 씁니다."]),
        # lower case after a space says nothing in Hangul text: the ending decides
        ("분명합니다. eigendecomposition 은 쉽습니다.", ["분명합니다.", "eigendecomposition 은 쉽습니다."]),
        # a period after a noun is a file name or a version, not an ending
        ("훈련된.params 파일과 위키.en 파일을 씁니다.", ["훈련된.params 파일과 위키.en 파일을 씁니다."]),
        ("CUDA 10.1을 설치합니다.", ["CUDA 10.1을 설치합니다."]),
    ],
)
def test_korean_sentences_end_after_an_ending_whatever_script_follows(text: str, expected: list[str]) -> None:
    # Given Korean text where a sentence ends right before a Latin word or a digit
    # When split / Then the cut follows the Korean sentence ending, not the next word's script
    assert split_sentences(text, "ko") == expected


def test_a_glued_period_between_latin_words_does_not_split_other_languages() -> None:
    # Given Turkish and English text with a glued period (a version number, a file name)
    assert split_sentences("Sürüm 3.5 çıktı.Bu iyi.", "tr") == ["Sürüm 3.5 çıktı.Bu iyi."]
    assert split_sentences("See setup.py first.", "en") == ["See setup.py first."]


def test_japanese_ends_sentences_at_the_ideographic_full_stop() -> None:
    assert split_sentences("これはペンです。あれは本です。", "ja") == ["これはペンです。", "あれは本です。"]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        # Turkish "örn." (örneğin) and "bkz." (bakınız) do not end a sentence, even before a capital
        (
            "Diller, örn. Python gibi, kolaydır. Yeni cümle.",
            "tr",
            ["Diller, örn. Python gibi, kolaydır.", "Yeni cümle."],
        ),
        ("Bu konu, bkz. Bölüm 3, zordur. Sonra.", "tr", ["Bu konu, bkz. Bölüm 3, zordur.", "Sonra."]),
        # Vietnamese "v.v." (etc.) ends a sentence before a capital only
        (
            "Nhà, cổ phiếu, v.v. Chúng tôi gọi. Xong.",
            "vi",
            ["Nhà, cổ phiếu, v.v.", "Chúng tôi gọi.", "Xong."],
        ),
        ("Nhà (cổ phiếu, v.v.) và giá. Xong.", "vi", ["Nhà (cổ phiếu, v.v.) và giá.", "Xong."]),
        ("Xem tr. 5 và TS. Nguyễn. Xong.", "vi", ["Xem tr. 5 và TS. Nguyễn.", "Xong."]),
    ],
)
def test_turkish_and_vietnamese_abbreviations(text: str, lang: str, expected: list[str]) -> None:
    assert split_sentences(text, lang) == expected


def test_pair_models_follow_the_script_of_each_side() -> None:
    # Then en->ko and en->ja compare Latin words embedded in the target; tr and vi do not
    assert pair_model("en", "ko").tgt_cjk and not pair_model("en", "ko").src_cjk
    assert pair_model("ko", "en").src_cjk
    assert not pair_model("en", "tr").tgt_cjk
    # and the two Korean directions are each other's inverse
    assert pair_model("ko", "en").ratio == pytest.approx(1 / pair_model("en", "ko").ratio)


def test_bleu_tokenizer_comes_from_the_facts() -> None:
    assert tokenizer_for("zh").name == languages.facts("zh").bleu_tokenizer
    assert tokenizer_for("tr").name == "13a"


@pytest.mark.parametrize(
    ("languages", "message"),
    [
        ({"xx": {}}, "choose from"),
        ({"tr": {"formality": "FORMAL"}}, "supports formality only for"),
        ({"ko": {"formality": "POLITE"}}, "FORMAL, INFORMAL"),
        ({"ko": {"lineStyle": "word"}}, "sentence, paragraph"),
        ({"ko": {"bleuTokenizer": "spm"}}, "ko-mecab"),
        ({"ko": {"colour": "red"}}, "unknown setting"),
        ({"ko": {"profanityMask": "yes"}}, "must be a bool"),
    ],
)
def test_per_language_settings_are_validated_with_one_line(
    languages: dict[str, object], message: str
) -> None:
    from amts.config import Settings

    with pytest.raises(ConfigurationError, match=message):
        Settings.from_context({"languages": languages})


def test_per_language_settings_default_to_the_facts_and_travel_through_the_environment() -> None:
    from amts.config import Settings

    # Given Korean with formality and a glossary, and nothing for Japanese
    settings = Settings.from_context(
        {"languages": {"ko": {"formality": "FORMAL", "glossary": "TERMINOLOGY.ko.md"}}}
    )
    again = Settings.from_env(settings.to_env())
    # Then the Lambda sees the same, and unset values are the language facts
    assert again.language("ko").translate_settings() == {"Formality": "FORMAL"}
    assert again.language("ko").effective()["bleuTokenizer"] == "ko-mecab"
    assert again.language("ja").effective()["lineStyle"] == "paragraph"
    assert again.language("zh").effective()["lineStyle"] == "sentence"
    assert json.loads(Settings().to_env()["AMTS_LANGUAGES"]) == {}
