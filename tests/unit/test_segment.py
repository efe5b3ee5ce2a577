"""Sentence segmentation: abbreviations, protected spans, Chinese marks, Spanish, fallbacks."""

from __future__ import annotations

import pytest
from amts.domain.markdown import parse, scan_spans
from amts.domain.model import Piece, Span, SpanKind
from amts.domain.segment import sentence_bounds, split_piece, split_sentences


def _covers(text: str, sentences: list[str], sep: str) -> bool:
    return "".join(sentences).replace(sep, "") == text.strip().replace(sep, "")


# ---------------------------------------------------------------------------------------------
# English
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "We count apples, e.g. red ones. Fig. 3 shows a tree. Smith et al. counted pears.",
            ["We count apples, e.g. red ones.", "Fig. 3 shows a tree.", "Smith et al. counted pears."],
        ),
        (
            "That is, i.e. Apples grow. Then pears grow.",
            ["That is, i.e. Apples grow.", "Then pears grow."],
        ),
        ("See Eq. 5 and Sec. 2 for details. Done.", ["See Eq. 5 and Sec. 2 for details.", "Done."]),
        ("We use fruit, nuts, etc. Then we eat.", ["We use fruit, nuts, etc.", "Then we eat."]),
        ("Ask J. Smith about it. He knows.", ["Ask J. Smith about it.", "He knows."]),
        ("It takes 60 ms. Then Ms. Lee waits.", ["It takes 60 ms.", "Then Ms. Lee waits."]),
        ("Ask Gen. Lee about vector v. Then go.", ["Ask Gen. Lee about vector v.", "Then go."]),
        ("Is it? Yes! It is... Really.", ["Is it?", "Yes!", "It is...", "Really."]),
        ('He said "stop." Then he left.', ['He said "stop."', "Then he left."]),
        ('He asked "why?". Then he left.', ['He asked "why?".', "Then he left."]),
        ("We have (i) one; and (ii) two.", ["We have (i) one; and (ii) two."]),
        ("The value is 3.5 in total. Next.", ["The value is 3.5 in total.", "Next."]),
        ("Buy it in 2020. 128 GB is plenty.", ["Buy it in 2020.", "128 GB is plenty."]),
        ("One sentence without an end", ["One sentence without an end"]),
    ],
)
def test_english_sentences(text: str, expected: list[str]) -> None:
    # Given English text / When split / Then the sentences are as a careful reader would cut them
    assert split_sentences(text, "en") == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        (
            'We need at least $H[P]$ "nats" to encode it. "Nat" is short for natural.',
            "en",
            ['We need at least $H[P]$ "nats" to encode it.', '"Nat" is short for natural.'],
        ),
        (
            'En az $H[P]$ "nats"a ihtiyacımız olduğunu belirtir. "Nat" nedir diye merak ediyorsanız, '
            "bir birimdir.",
            "tr",
            [
                'En az $H[P]$ "nats"a ihtiyacımız olduğunu belirtir.',
                '"Nat" nedir diye merak ediyorsanız, bir birimdir.',
            ],
        ),
        ("That is the end. 'Nat' means natural.", "en", ["That is the end.", "'Nat' means natural."]),
        ('We bought it in 2020. "128 GB" is plenty.', "en", ["We bought it in 2020.", '"128 GB" is plenty.']),
        ('Import it. "$n$" is the size.', "en", ["Import it.", '"$n$" is the size.']),
    ],
)
def test_a_straight_quote_before_a_capital_opens_the_next_sentence(
    text: str, lang: str, expected: list[str]
) -> None:
    # Given a sentence end, white space, then a straight quote (ambiguous: it may open or close)
    # followed by an upper-case letter, a digit or protected text
    # When split
    # Then the quote opens the next sentence
    assert split_sentences(text, lang) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a lower-case word after the quote: the sentence goes on, as without the quote
        ('He wrote no. "nats" are units here.', ['He wrote no. "nats" are units here.']),
        # abbreviations still decide, with the letter after the quote as the next character
        ('Use a method, e.g. "Adam" here. Done.', ['Use a method, e.g. "Adam" here.', "Done."]),
        ('Ask Dr. "Bob" Smith now. Done.', ['Ask Dr. "Bob" Smith now.', "Done."]),
        ("See No. '5' there. Done.", ["See No. '5' there.", "Done."]),
        ('We eat fruit, etc. "Apples" are red.', ["We eat fruit, etc.", '"Apples" are red.']),
        # a quote that closes a quotation before the space keeps its sentence
        ('He said "stop." Then he left.', ['He said "stop."', "Then he left."]),
    ],
)
def test_a_straight_quote_after_the_space_keeps_the_other_rules(text: str, expected: list[str]) -> None:
    # Given a straight quote after a candidate sentence end
    # When split
    # Then the lower-case and abbreviation rules apply to the character after the quote
    assert split_sentences(text, "en") == expected


def test_protected_spans_are_never_split_inside() -> None:
    # Given periods inside inline code, math and a role
    text = "We call `np.mean. Then` here. The value $x. Y$ is set. See :numref:`fig.A. B` now."
    # When split with the spans of the text
    sentences = split_sentences(text, "en", scan_spans(text))
    # Then each protected region is intact inside one sentence
    assert sentences == [
        "We call `np.mean. Then` here.",
        "The value $x. Y$ is set.",
        "See :numref:`fig.A. B` now.",
    ]


def test_a_sentence_may_start_with_inline_code_or_math() -> None:
    # Given sentences that open with code or math / When split / Then they still split
    text = "Import the module. `torch` is fast. $n$ is the size."
    assert split_sentences(text, "en") == ["Import the module.", "`torch` is fast.", "$n$ is the size."]


def test_slide_markers_stay_with_their_sentences() -> None:
    # Given a d2l slide mark around two sentences
    text = "[**Tensors are arrays. They have axes.**] With one axis it is a vector."
    # When split / Then the closing marker stays with the sentence it closes
    assert split_sentences(text, "en") == [
        "[**Tensors are arrays.",
        "They have axes.**]",
        "With one axis it is a vector.",
    ]


def test_split_piece_uses_the_spans_of_the_piece() -> None:
    # Given a parsed paragraph whose code span contains a period
    doc = parse("Use `a. B` now.\nThen stop.\n", "en")
    # When its piece is split / Then the code span is not cut
    assert split_piece(doc.pieces[0].piece, "en") == ["Use `a. B` now.", "Then stop."]


def test_explicit_spans_are_honoured_even_where_the_scanner_sees_none() -> None:
    # Given a text that splits after "Jr." on its own
    text = "Mr Smith Jr. Senior left. Bye."
    piece = Piece(0, len(text), text, ())
    assert split_piece(piece, "en") == ["Mr Smith Jr.", "Senior left.", "Bye."]
    # When the caller declares a protected span over "Jr. Senior" / Then it is not cut
    start = text.index("Jr.")
    kept = split_sentences(text, "en", [Span(start, start + len("Jr. Senior"), SpanKind.CODE)])
    assert kept == ["Mr Smith Jr. Senior left.", "Bye."]


def test_sentence_bounds_are_offsets_into_the_text() -> None:
    # Given text with outer spaces and math / When bounded / Then the offsets cut the original text
    text = "  One $a.b$ two. Three.  "
    bounds = sentence_bounds(text, "en")
    assert [text[s:e] for s, e in bounds] == ["One $a.b$ two.", "Three."]


@pytest.mark.parametrize("text", ["", "   ", "\t"])
def test_empty_text_has_no_sentences(text: str) -> None:
    # Given blank text / When split / Then there is no sentence
    assert split_sentences(text, "en") == []
    assert split_sentences(text, "zh") == []


# ---------------------------------------------------------------------------------------------
# Chinese and Japanese
# ---------------------------------------------------------------------------------------------


def test_chinese_splits_on_final_marks_with_closing_quotes() -> None:
    # Given Chinese text with 。！？, a closing quote and a semicolon
    text = "我们数苹果。他说：“很好。”真的吗？是的！苹果是红的；梨是黄的。"
    # When split
    sentences = split_sentences(text, "zh")
    # Then the marks and the quote stay with their sentence, the semicolon does not split
    assert sentences == ["我们数苹果。", "他说：“很好。”", "真的吗？", "是的！", "苹果是红的；梨是黄的。"]
    assert "".join(sentences) == text


def test_chinese_closing_brackets_and_corner_quotes_stay() -> None:
    # Given marks followed by ）」』 / When split / Then the closers stay with their sentence
    text = "（这是注释。）接着「引用。」最后『书名。』结束"
    assert split_sentences(text, "zh") == ["（这是注释。）", "接着「引用。」", "最后『书名。』", "结束"]


def test_chinese_marks_and_closers_may_alternate_at_one_end() -> None:
    # Given ！”。 and ？”）。 endings / When split / Then each is one sentence end
    text = "他说：“是我！”。还有“谁？”）。最后。"
    assert split_sentences(text, "zh") == ["他说：“是我！”。", "还有“谁？”）。", "最后。"]


def test_chinese_does_not_split_inside_math_or_on_decimal_points() -> None:
    # Given 。 inside math and a decimal point / When split / Then neither cuts
    text = "设$x。y$为3.5。然后继续。"
    assert split_sentences(text, "zh") == ["设$x。y$为3.5。", "然后继续。"]


def test_chinese_concatenation_equals_text_minus_outer_whitespace() -> None:
    # Given Chinese with outer and inner spaces / When split / Then the parts concatenate to the stripped text
    text = "  第一句。 第二句！第三句  "
    sentences = split_sentences(text, "zh")
    assert len(sentences) == 3
    assert "".join(sentences) == text.strip()


def test_japanese_and_region_codes_use_the_cjk_rules() -> None:
    # Given ja and zh-TW text / When split / Then the CJK rules apply
    assert split_sentences("りんごです。なしです。", "ja") == ["りんごです。", "なしです。"]
    assert split_sentences("苹果。梨。", "zh-TW") == ["苹果。", "梨。"]


# ---------------------------------------------------------------------------------------------
# Spanish and other languages
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("El Sr. García llegó. La Sra. López también.", ["El Sr. García llegó.", "La Sra. López también."]),
        (
            "Hay frutas, p. ej. Manzanas y peras. Fin.",
            ["Hay frutas, p. ej. Manzanas y peras.", "Fin."],
        ),
        (
            "Vive en EE. UU. desde 2010. ¿Por qué? No sé.",
            ["Vive en EE. UU. desde 2010.", "¿Por qué?", "No sé."],
        ),
        ("Véase la Fig. 3 y la pág. 12. Luego sigue.", ["Véase la Fig. 3 y la pág. 12.", "Luego sigue."]),
    ],
)
def test_spanish_sentences(text: str, expected: list[str]) -> None:
    # Given Spanish with Sr., p. ej., EE. UU., pág. / When split / Then only real sentence ends cut
    assert split_sentences(text, "es") == expected


@pytest.mark.parametrize("lang", ["fr", "de", "pt-BR", "xx", ""])
def test_other_languages_fall_back_to_sane_rules(lang: str) -> None:
    # Given a language without special rules (or an unknown code)
    text = "Premier point. Second point! Troisième point?"
    # When split / Then the sentence-final marks still split and the text is covered
    sentences = split_sentences(text, lang)
    assert sentences == ["Premier point.", "Second point!", "Troisième point?"]
    assert _covers(text, sentences, " ")


def test_french_closing_guillemet_after_a_space_stays() -> None:
    # Given « Bonjour. » with French spacing / When split / Then the guillemet stays
    text = "Il dit : « Bonjour. » Puis il part."
    assert split_sentences(text, "fr") == ["Il dit : « Bonjour. »", "Puis il part."]
