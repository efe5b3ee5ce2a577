"""The d2lbook markdown model: exact round trip, block kinds, pieces, spans, keys, bad input."""

from __future__ import annotations

import random
from pathlib import Path
from unittest import mock

import pytest
from amts.domain import markdown
from amts.domain.markdown import join_lines, load_document, normalise_code, parse, scan_spans
from amts.domain.model import Block, BlockKind, Document, SpanKind
from amts.errors import BadInputError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "markdown"


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _first(doc: Document, kind: BlockKind) -> Block:
    return next(b for b in doc.blocks if b.kind is kind)


def _of_kind(doc: Document, kind: BlockKind) -> list[Block]:
    return [b for b in doc.blocks if b.kind is kind]


def _span_texts(text: str) -> list[tuple[str, SpanKind]]:
    return [(text[s.start : s.end], s.kind) for s in scan_spans(text)]


# ---------------------------------------------------------------------------------------------
# round trip and partition
# ---------------------------------------------------------------------------------------------

ROUND_TRIP_CASES = [
    "",
    "\n",
    "no trailing newline",
    "# Title\r\n\r\nWindows line ends\r\nin a paragraph.\r\n",
    "lone\rcarriage return\n",
    "trailing blanks\n\n\n",
    "   \n\t\n",
    "- a\n-\n- c\n",
    "> quoted\n> text\n\n> - quoted item\n",
    "[ref]: https://example.org\n\nText with [ref].\n",
    "Setext title\n============\n\nbody\n",
    "    indented code\n\npara\n",
    "| a |\n|---|\n",
    "<div>\nhtml\n</div>\n",
    "***\n",
]


@pytest.mark.parametrize("text", ROUND_TRIP_CASES)
def test_round_trip_is_exact_for_odd_inputs(text: str) -> None:
    # Given an unusual but valid markdown text
    # When it is parsed and rendered
    doc = parse(text, "en")
    # Then the bytes are the same and the blocks are contiguous with correct line numbers
    assert doc.render() == text
    line = 1
    for block in doc.blocks:
        assert block.line == line
        assert block.raw.endswith("\n") or block is doc.blocks[-1]
        line += block.raw.count("\n")


@pytest.mark.parametrize("name", ["section.en.md", "section.zh.md"])
def test_round_trip_is_exact_for_the_fixtures(name: str) -> None:
    # Given a d2l-style section / When parsed with its language / Then render() is the source
    text = _fixture(name)
    assert parse(text, name.split(".")[1]).render() == text


def test_blank_lines_between_blocks_are_blank_blocks() -> None:
    # Given two paragraphs separated by two blank lines
    doc = parse("one\n\n\ntwo\n", "en")
    # Then the blank run is one BLANK block of its own
    assert [b.kind for b in doc.blocks] == [BlockKind.PARAGRAPH, BlockKind.BLANK, BlockKind.PARAGRAPH]
    assert doc.blocks[1].raw == "\n\n"
    assert not doc.blocks[1].translatable


# ---------------------------------------------------------------------------------------------
# block kinds of a d2l section
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def en() -> Document:
    return parse(_fixture("section.en.md"), "en", "section.en.md")


def test_heading_piece_is_the_title_without_hashes(en: Document) -> None:
    # Given the first heading / Then its piece points exactly at the title text
    heading = en.blocks[0]
    assert heading.kind is BlockKind.HEADING
    (piece,) = heading.pieces
    assert heading.raw[piece.start : piece.end] == "Counting Apples"
    assert piece.text == "Counting Apples"


def test_label_after_heading_is_a_directive_with_label_key(en: Document) -> None:
    # Given the :label: line under the title / When parsed / Then it is a DIRECTIVE keyed by its name
    label = en.blocks[1]
    assert label.kind is BlockKind.DIRECTIVE
    assert label.key == "label:sec_apples"
    assert label.line == 2


def test_english_paragraph_lines_are_joined_with_spaces(en: Document) -> None:
    # Given a paragraph written one clause per line
    para = _first(en, BlockKind.PARAGRAPH)
    (piece,) = para.pieces
    # Then the piece text is one line and the region covers all source lines
    assert "\n" not in piece.text
    assert piece.text.startswith("Orchards grow many apples, and we want to count them")
    assert para.raw[piece.start : piece.end] == para.raw.rstrip("\n")


def test_spans_of_the_first_paragraph(en: Document) -> None:
    # Given a paragraph with a role, inline math and inline code / Then exactly those are protected
    piece = _first(en, BlockKind.PARAGRAPH).pieces[0]
    protected = [(piece.text[s.start : s.end], s.kind) for s in piece.spans]
    assert protected == [
        (":numref:`fig_orchard`", SpanKind.ROLE),
        ("$\\bar{x}$", SpanKind.MATH),
        ("`np.mean`", SpanKind.CODE),
    ]
    assert piece.protected_texts() == [t for t, _ in protected]


def test_begin_and_end_tab_are_directives_around_a_paragraph(en: Document) -> None:
    # Given a :begin_tab: block whose text follows without a blank line
    i = next(i for i, b in enumerate(en.blocks) if b.key == "begin_tab:pytorch")
    # Then the text between the markers is its own paragraph
    assert en.blocks[i + 1].kind is BlockKind.PARAGRAPH
    assert en.blocks[i + 1].pieces[0].text == "We import the `torch` module here."
    assert en.blocks[i + 2].key == "end_tab"


def test_code_cells_are_protected_with_normalised_keys(en: Document) -> None:
    # Given #@tab and %%tab cells / When parsed / Then they are CODE blocks keyed by their code
    codes = _of_kind(en, BlockKind.CODE)
    assert codes[0].key == "#@tab pytorch\nimport torch\nx = torch.arange(12)"
    assert codes[1].key == "%%tab all\nprint(x)"
    assert codes[1].raw.startswith("```{.python .input  n=3}\n")
    assert all(not c.translatable for c in codes)


def test_display_math_includes_its_eqlabel_and_interrupts_paragraphs(en: Document) -> None:
    maths = _of_kind(en, BlockKind.MATH)
    # Given a $$ block followed by :eqlabel: / Then both lines are one MATH block
    assert maths[0].raw.endswith("$$\n:eqlabel:`eq_total`\n")
    assert maths[0].key == "n = \\sum_{i=1}^{m} a_i,"
    # Given $$m = 12.$$ between two text lines without blank lines
    assert maths[1].raw == "$$m = 12.$$\n"
    i = en.blocks.index(maths[1])
    assert en.blocks[i - 1].kind is BlockKind.PARAGRAPH
    assert en.blocks[i - 1].pieces[0].text == "where $a_i$ is the number of apples on tree $i$."
    assert en.blocks[i + 1].pieces[0].text.startswith("This holds for our orchard")


def test_slide_marker_spans(en: Document) -> None:
    # Given a [**…**] slide mark / Then only its delimiters are protected
    para = next(b for b in en.blocks if b.raw.startswith("[**"))
    spans = para.pieces[0].spans
    texts = [para.pieces[0].text[s.start : s.end] for s in spans if s.kind is SpanKind.SLIDE_MARKER]
    assert texts == ["[**", "**]"]


def test_figure_caption_is_the_piece_and_path_the_key(en: Document) -> None:
    # Given a figure with :width: and :label: lines / Then caption = piece, path = key, lines = directives
    fig = _first(en, BlockKind.FIGURE)
    assert fig.key == "../img/orchard.svg"
    (piece,) = fig.pieces
    assert fig.raw[piece.start : piece.end] == "An orchard with $m$ trees."
    assert [s.kind for s in piece.spans] == [SpanKind.MATH]
    i = en.blocks.index(fig)
    assert [en.blocks[i + 1].key, en.blocks[i + 2].key] == ["width:400px", "label:fig_orchard"]


def test_a_figure_caption_may_wrap_over_lines() -> None:
    # Given a figure whose caption continues on the next line, inside text
    doc = parse("Text.\n\n![A long\ncaption.](../img/a.svg)\n:width:`300px`\n", "en")
    fig = _first(doc, BlockKind.FIGURE)
    # Then the figure is one block, its caption one normalised piece, the width its own block
    assert fig.raw == "![A long\ncaption.](../img/a.svg)\n"
    assert fig.key == "../img/a.svg"
    assert [p.text for p in fig.pieces] == ["A long caption."]
    assert doc.blocks[-1].key == "width:300px"
    assert doc.replace({1: "一个图。"}).endswith("![一个图。](../img/a.svg)\n:width:`300px`\n")


def test_a_figure_in_a_list_item_keeps_its_marker() -> None:
    # Given a figure as a list item / When parsed / Then the piece is the caption and the marker stays outside
    doc = parse("- ![Cap.](x.png)\n", "en")
    fig = _first(doc, BlockKind.FIGURE)
    assert fig.raw[: fig.pieces[0].start] == "- !["
    assert fig.pieces[0].text == "Cap."


def test_list_items_are_blocks_of_their_own_with_marker_outside_the_piece(en: Document) -> None:
    # Given bullet, nested and ordered lists / When parsed / Then each item is one block
    items = _of_kind(en, BlockKind.LIST_ITEM)
    texts = [b.pieces[0].text for b in items]
    assert texts == [
        "Apples are red or green.",
        "Pears are [yellow](https://example.org/pears).",
        "A nested item with `code`.",
        "Another nested item.",
        "First step.",
        "Second step.",
    ]
    # the piece starts after the marker and keeps continuation lines
    first = items[0]
    assert first.raw[: first.pieces[0].start] == "- "
    assert first.raw[first.pieces[0].start : first.pieces[0].end] == "Apples are red\n  or green."
    nested = items[2]
    assert nested.raw[: nested.pieces[0].start] == "  - "
    assert items[4].raw[: items[4].pieces[0].start] == "1. "
    # the link target is protected, its text is not
    link = items[1].pieces[0]
    assert link.protected_texts() == ["(https://example.org/pears)"]


def test_code_inside_a_list_item_is_its_own_code_block(en: Document) -> None:
    # Given a fence inside a nested list item / Then it is a CODE block of its own
    i = next(i for i, b in enumerate(en.blocks) if b.kind is BlockKind.CODE and b.key == "y = 2")
    assert en.blocks[i].raw.startswith("    ```python\n")
    assert en.blocks[i - 1].kind is BlockKind.BLANK
    assert en.blocks[i - 2].kind is BlockKind.LIST_ITEM


def test_table_has_one_piece_per_non_empty_cell(en: Document) -> None:
    # Given a pipe table with an empty cell / When parsed / Then every other cell is a piece
    table = _first(en, BlockKind.TABLE)
    cells = [table.raw[p.start : p.end] for p in table.pieces]
    # the delimiter row is skipped, the empty cell has no piece
    assert cells == ["Fruit", "Count", "Apple", "12", "`Pear`"]
    assert [p.text for p in table.pieces] == cells


def test_html_comment_and_fences_and_bibliography_are_protected(en: Document) -> None:
    # Given a comment, toc/eval_rst fences and :bibliography: / Then none is translatable
    html = _first(en, BlockKind.HTML)
    assert html.raw == "<!-- a comment\nover two lines -->\n"
    fences = _of_kind(en, BlockKind.FENCE)
    assert [f.raw.split("\n", 1)[0] for f in fences] == ["```toc", "```eval_rst"]
    assert en.blocks[-1].key == "bibliography:d2l.bib"
    assert not any(b.translatable for b in (html, *fences))


def test_replace_puts_a_translation_exactly_in_a_list_item() -> None:
    # Given a list item with a continuation line
    doc = parse("- Apples are red\n  or green.\n- Pears.\n", "en")
    # When the first piece is replaced
    out = doc.replace({0: "苹果是红色或绿色的。"})
    # Then the marker stays and the continuation line is gone
    assert out == "- 苹果是红色或绿色的。\n- Pears.\n"


def test_keys_match_between_english_and_chinese() -> None:
    # Given the English fixture and its translation (different spacing in code and math)
    en = parse(_fixture("section.en.md"), "en")
    zh = parse(_fixture("section.zh.md"), "zh")
    en_keys = {b.key for b in en.blocks if b.key}
    zh_keys = {b.key for b in zh.blocks if b.key}
    # Then every protected identity of the translation is found in the source
    assert zh_keys <= en_keys
    assert {"label:sec_apples", "../img/orchard.svg", "label:fig_orchard"} <= zh_keys


def test_chinese_lines_join_without_spaces_except_between_latin_words() -> None:
    # Given Chinese lines, one holding only an English word / When joined
    # Then only Latin neighbours get a space
    zh = parse(_fixture("section.zh.md"), "zh")
    texts = [p.text for p in zh.pieces]
    assert "果园里长着许多苹果，我们想在午饭前数一数（例如用手数）。使用PyTorch可以帮忙。" in texts
    assert join_lines(["see", "Fig. 2"], "zh") == "see Fig. 2"
    assert join_lines(["see", "Fig. 2"], "ja-JP") == "see Fig. 2"
    assert join_lines(["的", "图"], "ja") == "的图"


def test_normalise_code_keeps_indentation() -> None:
    # Given code with padding, trailing spaces and blank runs / When normalised
    # Then only the indentation survives
    assert normalise_code("\nif x:\n    y  =  1   \n\n\n\nz\n") == "if x:\n    y = 1\n\nz"


# ---------------------------------------------------------------------------------------------
# spans
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a `x` b", [("`x`", SpanKind.CODE)]),
        ("a ``x ` y`` b", [("``x ` y``", SpanKind.CODE)]),
        ("unclosed `tick", []),
        ("see :eqref:`eq_x` and :citet:`A.2020`", [(":eqref:`eq_x`", "role"), (":citet:`A.2020`", "role")]),
        ("math $a_1$ and $$b$$", [("$a_1$", SpanKind.MATH), ("$$b$$", SpanKind.MATH)]),
        ("escaped \\$5 only", []),
        ("code wins `$x$` here", [("`$x$`", SpanKind.CODE)]),
        ("[text](http://x.org/a_(b)) end", [("(http://x.org/a_(b))", SpanKind.LINK_TARGET)]),
        ("[text] (not a link)", []),
        ("![img](a.png) x", [("![img](a.png)", SpanKind.IMAGE)]),
        ("(**bold slide**)", [("(**", SpanKind.SLIDE_MARKER), ("**)", SpanKind.SLIDE_MARKER)]),
        ("a <sub>2</sub> b", [("<sub>", SpanKind.HTML), ("</sub>", SpanKind.HTML)]),
        ("auto <https://d2l.ai> link", [("<https://d2l.ai>", SpanKind.LINK_TARGET)]),
        ("x < y and y > z", []),
        ("see https://d2l.ai/x_(y). Next", [("https://d2l.ai/x_(y)", SpanKind.LINK_TARGET)]),
        ("(at http://a.org/b), then", [("http://a.org/b", SpanKind.LINK_TARGET)]),
        (
            "[https://a.org](https://a.org)",
            [("https://a.org", "link_target"), ("(https://a.org)", "link_target")],
        ),
        ("the https:// scheme and shttp://x", []),
    ],
)
def test_scan_spans(text: str, expected: list[tuple[str, SpanKind]]) -> None:
    # Given a piece text / When scanned / Then exactly the protected regions are found
    assert _span_texts(text) == [(t, SpanKind(k)) for t, k in expected]


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------


def test_unclosed_code_fence_names_the_line() -> None:
    # Given a fence that never closes / When parsed / Then the error names the file and the fence's line
    with pytest.raises(BadInputError) as err:
        parse("# T\n\n```python\nx = 1\n", "en", "book/a.md")
    assert err.value.line == 3
    assert str(err.value) == "book/a.md:3: code fence ``` is never closed"


def test_unclosed_code_fence_in_a_list_item_is_reported() -> None:
    # Given an unclosed fence inside a list item / When parsed / Then it is refused at its line
    with pytest.raises(BadInputError) as err:
        parse("- item\n\n  ```python\n  x = 1\n", "en", "a.md")
    assert err.value.line == 3


def test_unclosed_math_names_the_line() -> None:
    # Given $$ that never closes / When parsed / Then the error names the line of the $$
    with pytest.raises(BadInputError) as err:
        parse("text\n\n$$\nx = 1\n\nmore text\n", "en", "a.md")
    assert err.value.line == 3
    assert "math" in err.value.problem


def test_display_math_in_slide_marks_is_a_math_block_with_the_same_key() -> None:
    # Given display math wrapped in slide marks right after a line of text
    doc = parse("The rule is\n(**$$\\max(x, 0).$$**)\nfor all x.\n", "en")
    # Then it interrupts the paragraph and anchors like plain $$…$$ would
    assert [b.kind for b in doc.blocks] == [BlockKind.PARAGRAPH, BlockKind.MATH, BlockKind.PARAGRAPH]
    assert doc.blocks[1].key == parse("$$\\max(x, 0).$$\n", "zh").blocks[0].key == "\\max(x, 0)."
    multi = parse("[**$$\nx\n$$**]\n", "en").blocks
    assert [(b.kind, b.key) for b in multi] == [(BlockKind.MATH, "x")]


def test_display_math_inside_a_line_of_text_is_not_a_block() -> None:
    # Given a line that starts with $$…$$ and goes on with text
    doc = parse("$$x$$ is the formula.\nNext line.\n", "en")
    # Then it is one paragraph with a math span
    assert [b.kind for b in doc.blocks] == [BlockKind.PARAGRAPH]
    assert doc.pieces[0].piece.protected_texts() == ["$$x$$"]


def test_display_math_over_lines_closing_inside_a_line_of_text_is_not_a_block() -> None:
    # Given running text whose $$…$$ a re-wrap put at the start of a line, closing mid-line
    doc = parse("If $z$ follows it, i.e.,\n$$p(z) = p(z_1,\nz_2),$$ then it is\n$$p^z.$$\n", "en")
    # Then the math stays in the paragraph; the $$ line after it is display math
    assert [b.kind for b in doc.blocks] == [BlockKind.PARAGRAPH, BlockKind.MATH]
    assert doc.blocks[1].key == "p^z."


def test_display_math_may_close_with_punctuation_after_the_dollars() -> None:
    # Given display math closed by a '$$.' line / When parsed / Then it is one MATH block
    doc = parse("$$\nx = 1\n$$.\nwhere x is one.\n", "en")
    assert [b.kind for b in doc.blocks] == [BlockKind.MATH, BlockKind.PARAGRAPH]
    assert doc.blocks[0].key == "x = 1"


def test_a_byte_order_mark_does_not_hide_the_first_heading() -> None:
    # Given a file starting with a BOM / When parsed / Then the heading is found and the bytes kept
    text = "\ufeff# Title\n\nBody.\n"
    doc = parse(text, "en")
    assert doc.render() == text
    assert doc.blocks[0].kind is BlockKind.HEADING
    assert doc.blocks[0].pieces[0].text == "Title"


def test_blockquote_text_is_a_paragraph_without_the_markers() -> None:
    # Given a two-line block quote / When parsed / Then the piece text has no '>' markers
    doc = parse("> Premise: two apples.\n> Hypothesis: fruit.\n", "en")
    (para,) = doc.blocks
    assert para.kind is BlockKind.PARAGRAPH
    assert para.pieces[0].text == "Premise: two apples. Hypothesis: fruit."
    assert para.raw[: para.pieces[0].start] == "> "


def test_setext_heading_piece_excludes_the_underline() -> None:
    # Given a setext heading / When parsed / Then the underline is not part of the piece
    doc = parse("Big Title\n=========\n", "en")
    assert doc.blocks[0].kind is BlockKind.HEADING
    assert doc.blocks[0].pieces[0].text == "Big Title"


def test_unclosed_html_comment_is_reported() -> None:
    # Given a comment that never ends (it would hide the rest of the file from translation)
    with pytest.raises(BadInputError) as err:
        parse("# T\n\n<!-- todo\n\nText.\n", "en", "a.md")
    # Then the error names the line of the comment
    assert (err.value.line, err.value.problem) == (3, "HTML comment <!-- is never closed")


def test_dollars_inside_code_do_not_open_math() -> None:
    # Given $$ inside a code cell / When parsed / Then it stays code
    doc = parse("```python\n$$ not math\n```\n", "en")
    assert [b.kind for b in doc.blocks] == [BlockKind.CODE]


@pytest.mark.parametrize(
    ("content", "problem", "line"),
    [
        (b"", "is empty", None),
        (b"  \n\t\n", "is empty (whitespace only)", None),
        (b"# ok\n\x00\x01\x02", "is a binary file (contains NUL bytes)", 2),
        (b"# Caf\xe9\n", "is not valid UTF-8 (byte 0xe9 at offset 5)", 1),
        (b"# ok\n\n```\ncode\n", "code fence ``` is never closed", 3),
        (b"# ok\n$$\nx\n", "display math opened with $$ is never closed", 2),
    ],
)
def test_load_document_rejects_bad_files(
    tmp_path: Path, content: bytes, problem: str, line: int | None
) -> None:
    # Given a file with a problem
    path = tmp_path / "bad.md"
    path.write_bytes(content)
    # When it is loaded / Then one clear error names the file, the problem and the line
    with pytest.raises(BadInputError) as err:
        load_document(path, "en", display_path="book/bad.md")
    assert err.value.problem == problem
    assert err.value.line == line
    assert str(err.value).startswith("book/bad.md")
    assert "\n" not in str(err.value)


def test_load_document_missing_file(tmp_path: Path) -> None:
    # Given a path that does not exist / When loaded / Then a BadInputError says so
    with pytest.raises(BadInputError) as err:
        load_document(tmp_path / "nope.md", "en")
    assert err.value.problem == "file does not exist"
    assert err.value.path.endswith("nope.md")


def test_load_document_reads_and_keeps_the_path(tmp_path: Path) -> None:
    # Given a small UTF-8 file / When loaded / Then the document keeps its path, language and pieces
    path = tmp_path / "ok.md"
    path.write_bytes("# 标题\n\n正文。\n".encode())
    doc = load_document(path, "zh")
    assert doc.path == str(path)
    assert doc.lang == "zh"
    assert [p.text for p in doc.pieces] == ["标题", "正文。"]


# ---------------------------------------------------------------------------------------------
# robustness: random documents from d2l-like lines
# ---------------------------------------------------------------------------------------------

_FRAGMENTS = [
    "",
    "",
    "# Title",
    "## Sub title ##",
    ":label:`sec_x`",
    "Plain prose line with `code` and $x$.",
    "Another line, see :numref:`fig_x`.",
    "[**Slide text.**]",
    "- item",
    "  continued item",
    "  - nested item",
    "1. ordered",
    "    indented four",
    "```{.python .input}",
    "#@tab pytorch",
    "x = 1",
    "```",
    "$$",
    "$$x = 1.$$",
    "(**$$y$$**)",
    "[**$$",
    ":eqlabel:`eq_x`",
    "![Cap $m$.](../img/x.svg)",
    ":width:`400px`",
    ":begin_tab:`pytorch`",
    ":end_tab:",
    "| a | b |",
    "|---|---|",
    "<!-- c -->",
    "> quote",
    "***",
    "中文行。",
    "Setext",
    "===",
]


def _random_documents(n: int) -> list[str]:
    rng = random.Random(20240)
    docs = []
    for _ in range(n):
        lines = [rng.choice(_FRAGMENTS) for _ in range(rng.randint(1, 25))]
        docs.append("\n".join(lines) + rng.choice(["", "\n", "\r\n"]))
    return docs


@pytest.mark.parametrize("text", _random_documents(300))
def test_random_documents_round_trip_or_fail_cleanly(text: str) -> None:
    # Given a random arrangement of d2l-like lines (often malformed)
    try:
        doc = parse(text, "en", "r.md")
    except BadInputError as exc:
        # Then either the input is refused with a located, one-line problem ...
        assert exc.line is not None and "\n" not in str(exc)
        return
    # ... or the blocks partition it exactly and every piece points at non-empty text
    assert doc.render() == text
    for block in doc.blocks:
        for piece in block.pieces:
            assert 0 <= piece.start < piece.end <= len(block.raw)
            assert piece.text and "\n" not in piece.text
            assert block.raw[piece.start : piece.end].split()[0] == piece.text.split()[0]


def _plain_parse(text: str, lang: str) -> Document:
    """The parse without its two speed-ups (blanked fence bodies, the plain-paragraph rule)."""
    md = markdown._parser()
    md.block.ruler.disable("d2l_plain_paragraph")
    try:
        with mock.patch.object(markdown, "_top_level_fences", lambda lines: []):
            return parse(text, lang)
    finally:
        md.block.ruler.enable("d2l_plain_paragraph")


@pytest.mark.parametrize(
    "text",
    [_fixture("section.en.md"), _fixture("section.zh.md"), *_random_documents(300)[::3]],
)
def test_speed_ups_do_not_change_the_parse(text: str) -> None:
    # Given a document / When parsed with and without the speed-ups
    try:
        fast = parse(text, "en")
    except BadInputError as exc:
        with pytest.raises(BadInputError) as slow_err:
            _plain_parse(text, "en")
        assert (slow_err.value.line, slow_err.value.problem) == (exc.line, exc.problem)
        return
    slow = _plain_parse(text, "en")
    # Then the blocks are identical
    assert [(b.kind, b.raw, b.pieces, b.key) for b in fast.blocks] == [
        (b.kind, b.raw, b.pieces, b.key) for b in slow.blocks
    ]
