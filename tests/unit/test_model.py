"""Document.replace puts translations exactly where the pieces were."""

from __future__ import annotations

from amts.domain.model import Block, BlockKind, Document, Piece


def _doc() -> Document:
    heading = Block(BlockKind.HEADING, "## Hello world\n", 1, (Piece(3, 14, "Hello world"),))
    blank = Block(BlockKind.BLANK, "\n", 2)
    code = Block(BlockKind.CODE, "```python\nx = 1\n```\n", 3, key="x = 1")
    table = Block(
        BlockKind.TABLE,
        "| a | b |\n|---|---|\n| one | two |\n",
        6,
        (Piece(2, 3, "a"), Piece(6, 7, "b"), Piece(22, 25, "one"), Piece(28, 31, "two")),
    )
    return Document((heading, blank, code, table), "en")


def test_render_is_the_concatenation_of_raw_blocks() -> None:
    # Given a document / When rendered / Then it is the source text
    doc = _doc()
    assert doc.render() == "## Hello world\n\n```python\nx = 1\n```\n| a | b |\n|---|---|\n| one | two |\n"


def test_pieces_are_numbered_in_document_order() -> None:
    doc = _doc()
    assert [ref.text for ref in doc.pieces] == ["Hello world", "a", "b", "one", "two"]
    assert [ref.block_index for ref in doc.pieces] == [0, 3, 3, 3, 3]


def test_replace_changes_only_the_given_pieces() -> None:
    # Given translations for the heading and one table cell
    doc = _doc()
    # When they are put back
    out = doc.replace({0: "你好，世界", 3: "一"})
    # Then markers, code and untouched cells are byte-identical
    assert out == "## 你好，世界\n\n```python\nx = 1\n```\n| a | b |\n|---|---|\n| 一 | two |\n"
