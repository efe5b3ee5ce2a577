"""d2lbook markdown → :class:`~amts.domain.model.Document`.

Contract:
    parse(text: str, lang: str, path: str | None = None) -> Document
        Never loses a byte: ``parse(t, l).render() == t`` for every input.
        Raises BadInputError(path, problem, line) for an unclosed code fence, math block or
        HTML comment.
    load_document(path: str | Path, lang: str, *, display_path: str | None = None) -> Document
        Reads a file; BadInputError for missing, empty, binary, non-UTF-8 files (message names the
        file and the problem), then parse().

How it works: markdown-it-py finds the block structure (lists, fences, tables, HTML, headings,
paragraphs) and its token ``.map`` gives each leaf block's line range. Three small block rules
teach it the d2lbook constructs CommonMark does not know and which must interrupt a paragraph
(display math ``$$…$$`` with its ``:eqlabel:`` line, whole-line directives such as ``:label:`` or
``:begin_tab:``, and figure lines). The leaves are cut out of the *original* lines, so the blocks
partition the file exactly; lines no leaf claims become BLANK blocks (or protected DIRECTIVE
blocks when they are not blank, e.g. link reference definitions). Inline structure (code, math,
roles, links, bare URLs, slide markers) is found by a small scanner over the normalised piece
text, because markdown-it's inline tokens carry no offsets.

Speed: only markdown-it's block pass runs, the bodies of column-0 code fences are blanked before
parsing (verified afterwards, see :func:`_tokenize`), and a paragraph rule asks the terminator
rules only about lines that could end a paragraph. benchmarks/roundtrip.py checks on the whole
D2L corpus that these speed-ups give exactly the blocks of the plain parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.ruler import RuleOptionsType
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token

from amts.domain.languages import is_spaceless
from amts.domain.model import Block, BlockKind, Document, Piece, Span, SpanKind
from amts.errors import BadInputError

__all__ = ["is_cjk_language", "join_lines", "load_document", "normalise_code", "parse", "scan_spans"]

# ---------------------------------------------------------------------------------------------
# d2lbook block rules for markdown-it
# ---------------------------------------------------------------------------------------------

# Directives that d2lbook writes on a line of their own. Inline roles (:numref:, :cite:, ...) are
# deliberately absent: a line holding only :cite:`x` is usually a wrapped piece of a sentence.
_BLOCK_DIRECTIVES = frozenset(
    {"label", "width", "height", "begin_tab", "end_tab", "eqlabel", "bibliography", "maxdepth", "numbered"}
)
_DIRECTIVE_LINE = re.compile(r"[ \t]*:(?P<name>[A-Za-z_]+):(?:`(?P<arg>[^`]*)`)?[ \t]*\r?\n?$")
# a figure: an image alone in its paragraph; the caption may wrap over a few lines
_FIGURE = re.compile(
    r"[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?"  # a list marker, when the figure is a list item
    r"!\[(?P<cap>.*)\]\((?P<path>[^)\s]+)(?:[ \t]+\"[^\"]*\")?\)(?:\{[^}]*\})?[ \t]*\r?\n?\Z",
    re.DOTALL,
)
_FIGURE_MAX_LINES = 8


class _Unclosed(Exception):
    """Raised inside a block rule; :func:`parse` turns it into a BadInputError with the path."""

    def __init__(self, problem: str, line: int) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


def _line_text(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def _directive_match(text: str) -> re.Match[str] | None:
    m = _DIRECTIVE_LINE.match(text)
    if m is None or m.group("name") not in _BLOCK_DIRECTIVES:
        return None
    return m


_MATH_OPEN_MARKED = ("(**$$", "[**$$")  # display math inside d2l slide marks: (**$$…$$**)
_MATH_CLOSE = ("$$", "$$**)", "$$**]")


def _math_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """``$$`` at the start of a line opens display math, even in the middle of a paragraph
    (d2l writes ``where\\n$$x$$\\nand``), unless it closes inside a line of text (``$$x$$ is``,
    ``$$x,\\ny,$$ then``: math in running text that a re-wrap put at the start of a line); a
    following ``:eqlabel:`` line belongs to the math.
    ``(**$$…$$**)`` (display math marked for the slides) is display math too."""
    begin = state.bMarks[start_line] + state.tShift[start_line]
    src = state.src
    if src.startswith("$$", begin):
        opening = 2
    elif src.startswith(_MATH_OPEN_MARKED, begin):
        opening = 5
    else:
        return False
    if state.is_code_block(start_line):
        return False
    rest = _line_text(state, start_line).rstrip()[opening:]
    line = start_line
    if not (rest.endswith(_MATH_CLOSE) and len(rest) >= 2):
        if "$$" in rest:
            return False  # "$$x$$ is ..." : display math inside a line of text
        line += 1
        while True:
            if line >= end_line:
                raise _Unclosed("display math opened with $$ is never closed", start_line + 1)
            closing = _line_text(state, line).strip()
            if closing.endswith(_MATH_CLOSE) or closing.startswith("$$"):  # "x$$", "$$", "$$."
                break
            if "$$" in closing:
                return False  # "…= 1,$$ then …": it closes inside a line of text, so it is inline
            line += 1
    line += 1
    if line < end_line:
        m = _directive_match(_line_text(state, line))
        if m is not None and m.group("name") == "eqlabel":
            line += 1
    if silent:
        return True
    token = state.push("d2l_math", "math", 0)
    token.block = True
    token.map = [start_line, line]
    state.line = line
    return True


def _directive_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if not state.src.startswith(":", state.bMarks[start_line] + state.tShift[start_line]):
        return False
    if state.is_code_block(start_line):
        return False
    m = _directive_match(_line_text(state, start_line))
    if m is None:
        return False
    if silent:
        return True
    token = state.push("d2l_directive", "", 0)
    token.block = True
    token.map = [start_line, start_line + 1]
    token.info = m.group("name")
    token.meta = {"arg": m.group("arg")}
    state.line = start_line + 1
    return True


def _figure_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    begin = state.bMarks[start_line] + state.tShift[start_line]
    if not state.src.startswith("![", begin) or state.is_code_block(start_line):
        return False
    last = min(state.lineMax, start_line + _FIGURE_MAX_LINES)
    for line in range(start_line, last):
        if line > start_line and state.isEmpty(line):
            return False
        end_text = state.src[state.bMarks[line] : state.eMarks[line]].rstrip()
        if not end_text.endswith((")", "}")):
            continue
        m = _FIGURE.match(state.src, begin, state.eMarks[line])
        if m is None:
            continue
        if silent:
            return True
        token = state.push("d2l_figure", "img", 0)
        token.block = True
        token.map = [start_line, line + 1]
        token.info = m.group("path")
        state.line = line + 1
        return True
    return False
    token = state.push("d2l_figure", "img", 0)
    token.block = True
    token.map = [start_line, start_line + 1]
    token.info = m.group("path")
    state.line = start_line + 1
    return True


# The start of a line that might end a paragraph: a fence, quote, thematic break, list item,
# setext underline, ATX heading, HTML block (types 1-6 start with "<" and a letter, "/", "!" or
# "?"), or one of the d2l rules above. Deliberately generous: a false alarm only costs speed.
_MAYBE_TERMINATOR = re.compile(
    r"`{3}|~{3}|>|[*_-][ \t]*[*_-][ \t]*[*_-]|[-*+](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$)|=+[ \t]*$"
    r"|#{1,6}(?:[ \t]|$)|<[A-Za-z/!?]|\$\$|[(\[]\*\*\$\$|![\[]"
    r"|:(?:" + "|".join(sorted(_BLOCK_DIRECTIVES)) + r"):",
    re.MULTILINE,
)
# a pipe-table delimiter row: only "|", ":", "-" and spaces, with at least one "-"
_TABLE_DELIMITER = re.compile(r"[ \t]*[|:-][|: \t-]*$", re.MULTILINE)


def _may_start_table(state: StateBlock, line: int) -> bool:
    """markdown-it lets a table interrupt a paragraph: a row with a pipe above a delimiter row."""
    if "|" not in state.src[state.bMarks[line] : state.eMarks[line]] or line + 1 >= state.lineMax:
        return False
    m = _TABLE_DELIMITER.match(state.src, state.bMarks[line + 1])
    return m is not None and "-" in m.group()


_SETEXT_UNDERLINE = re.compile(r"(?:=+|-+)[ \t]*$", re.MULTILINE)


def _plain_paragraph_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """markdown-it's paragraph rule, minus most of its cost; declines setext headings.

    The stock rule (and the setext-heading rule before it) tries every terminator rule on every
    continuation line, which dominates the parse time of one-clause-per-line English. Here a
    line whose start cannot begin a terminator is a continuation without asking the rules; only
    lines that might end the paragraph are put to them, exactly as the stock rule does. A
    possible setext underline makes this rule decline, so the stock rules handle that paragraph.
    """
    if silent:
        return False
    src = state.src
    next_line = start_line + 1
    line_max = state.lineMax
    terminators = None
    old_parent = state.parentType
    try:
        while next_line < line_max:
            if state.isEmpty(next_line):
                break
            if state.sCount[next_line] - state.blkIndent > 3 or state.sCount[next_line] < 0:
                next_line += 1
                continue
            begin = state.bMarks[next_line] + state.tShift[next_line]
            if _MAYBE_TERMINATOR.match(src, begin) or _may_start_table(state, next_line):
                if _SETEXT_UNDERLINE.match(src, begin):
                    return False
                if terminators is None:
                    terminators = state.md.block.ruler.getRules("paragraph")
                state.parentType = "paragraph"
                if any(rule(state, next_line, line_max, True) for rule in terminators):
                    break
            next_line += 1
    finally:
        state.parentType = old_parent
    state.line = next_line
    token = state.push("paragraph_open", "p", 1)
    token.map = [start_line, next_line]
    token = state.push("inline", "", 0)
    token.map = [start_line, next_line]
    token.children = []
    state.push("paragraph_close", "p", -1)
    return True


_INTERRUPTS: RuleOptionsType = {"alt": ["paragraph", "reference", "blockquote", "list"]}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    """One configured parser: building it costs more than parsing a typical section."""
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.block.ruler.before("fence", "d2l_math", _math_rule, _INTERRUPTS)
    md.block.ruler.before("fence", "d2l_directive", _directive_rule, _INTERRUPTS)
    md.block.ruler.before("fence", "d2l_figure", _figure_rule, _INTERRUPTS)
    md.block.ruler.before("lheading", "d2l_plain_paragraph", _plain_paragraph_rule)
    # Only the block structure is used: the inline pass would double the parse time for nothing.
    md.core.ruler.disable(["inline", "linkify", "replacements", "smartquotes", "text_join"])
    return md


# ---------------------------------------------------------------------------------------------
# leaves: the smallest blocks, with their line ranges
# ---------------------------------------------------------------------------------------------

_PROTECTED_FENCES = frozenset({"toc", "eval_rst", "slides"})


@dataclass(slots=True)
class _Leaf:
    start: int  # 0-based first line
    end: int  # exclusive
    kind: BlockKind
    in_quote: bool
    token: Token | None = None
    heading_setext: bool = False


def _leaves(tokens: list[Token]) -> list[_Leaf]:
    leaves: list[_Leaf] = []
    items: list[int] = []  # start lines of the open list items
    quote_depth = 0
    for tok in tokens:
        t = tok.type
        if t == "list_item_open":
            items.append(tok.map[0] if tok.map else -1)
        elif t == "list_item_close":
            items.pop()
        elif t == "blockquote_open":
            quote_depth += 1
        elif t == "blockquote_close":
            quote_depth -= 1
        if tok.map is None or tok.nesting == -1:
            continue
        s, e = tok.map
        quoted = quote_depth > 0
        kind: BlockKind | None = None
        setext = False
        if t == "paragraph_open":
            kind = BlockKind.LIST_ITEM if items and items[-1] == s else BlockKind.PARAGRAPH
        elif t == "heading_open":
            kind = BlockKind.HEADING
            setext = tok.markup in ("=", "-")
        elif t == "fence":
            info = tok.info.strip().split()
            kind = BlockKind.FENCE if info and info[0] in _PROTECTED_FENCES else BlockKind.CODE
        elif t == "code_block":
            kind = BlockKind.CODE
        elif t == "html_block":
            kind = BlockKind.HTML
        elif t == "table_open":
            kind = BlockKind.TABLE
        elif t == "hr" or t == "d2l_directive":
            kind = BlockKind.DIRECTIVE
        elif t == "d2l_math":
            kind = BlockKind.MATH
        elif t == "d2l_figure":
            kind = BlockKind.FIGURE
        if kind is not None:
            leaves.append(_Leaf(s, e, kind, quoted, tok, setext))
    return leaves


def _check_fence_closed(leaf: _Leaf, lines: list[str]) -> None:
    tok = leaf.token
    assert tok is not None
    marker = tok.markup
    last = lines[leaf.end - 1].strip().lstrip(">").strip() if leaf.end - leaf.start >= 2 else ""
    if not (last.startswith(marker) and set(last) <= {marker[0]}):
        raise _Unclosed(f"code fence {marker} is never closed", leaf.start + 1)


def _check_comment_closed(leaf: _Leaf) -> None:
    """An unclosed ``<!--`` would silently hide the rest of the file from translation."""
    tok = leaf.token
    assert tok is not None
    if tok.content.lstrip().startswith("<!--") and "-->" not in tok.content:
        raise _Unclosed("HTML comment <!-- is never closed", leaf.start + 1)


# ---------------------------------------------------------------------------------------------
# piece text: normalisation and protected spans
# ---------------------------------------------------------------------------------------------


def is_cjk_language(lang: str) -> bool:
    """Languages written without spaces between words, whose line breaks join without a space
    (zh, ja; not Korean, which separates words with spaces): :func:`languages.is_spaceless`."""
    return is_spaceless(lang)


def _is_wide(ch: str) -> bool:
    # CJK ideographs, kana, full-width punctuation: everything from the CJK radicals block up,
    # except the few symbol blocks that behave like Latin text. Good enough for line joining.
    return ord(ch) >= 0x2E80


_WS = re.compile(r"[ \t\u00a0]+")


def join_lines(parts: list[str], lang: str) -> str:
    """One line from a block's (already stripped) line contents.

    English semantic line breaks become spaces. zh/ja lines join without a separator, except
    where both sides are non-CJK (a wrapped English phrase inside Chinese text keeps its space).
    """
    parts = [p for p in parts if p]
    if not parts:
        return ""
    if not is_cjk_language(lang):
        joined = " ".join(parts)
        return _WS.sub(" ", joined) if ("  " in joined or "\t" in joined or "\xa0" in joined) else joined
    out = parts[0]
    for p in parts[1:]:
        if _is_wide(out[-1]) or _is_wide(p[0]):
            out += p
        else:
            out += " " + p
    return _WS.sub(" ", out)


_ROLE = re.compile(r":[A-Za-z][\w-]*:(?=`)")
# where scan_spans has something to look at; everything else is skipped in C
_SPECIAL = re.compile(r"[\\`$\[\]<]|:[A-Za-z][\w-]*:`|!\[|\(\*\*|\*\*[\])]|\bhttps?://")
_BARE_URL = re.compile(r"https?://[^\s<>\[\]`]+")


def _bare_url_end(text: str, i: int) -> int:
    """End of a bare URL at ``text[i]``: trailing punctuation and an unbalanced ")" are prose."""
    m = _BARE_URL.match(text, i)
    if m is None:
        return -1
    url = m.group().rstrip(".,;:!?'\"*")
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1].rstrip(".,;:!?'\"*")
    return i + len(url) if len(url) > len("https://") else -1


_HTML_TAG = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?|!--.*?--)>")
_AUTOLINK = re.compile(r"<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*>")


def _code_end(text: str, i: int) -> int:
    """End of the code span opening at ``text[i]`` (a backtick run), or -1 if it never closes."""
    n = 1
    while i + n < len(text) and text[i + n] == "`":
        n += 1
    j = i + n
    while True:
        j = text.find("`" * n, j)
        if j < 0:
            return -1
        k = j + n
        if k < len(text) and text[k] == "`":  # a longer run is not a closer
            while k < len(text) and text[k] == "`":
                k += 1
            j = k
            continue
        return k


_DISPLAY_MATH = re.compile(r"\$\$(?:\\.|[^$\\])+\$\$", re.DOTALL)
_INLINE_MATH = re.compile(r"\$(?:\\.|[^$\\])+\$", re.DOTALL)


def _math_end(text: str, i: int) -> int:
    """End of ``$…$`` or ``$$…$$`` opening at ``text[i]``, or -1 (backslash escapes honoured)."""
    m = (_DISPLAY_MATH if text.startswith("$$", i) else _INLINE_MATH).match(text, i)
    return m.end() if m else -1


def _paren_end(text: str, i: int) -> int:
    """End of the balanced ``( … )`` starting at ``text[i]``, or -1."""
    depth = 0
    j = i
    while j < len(text):
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        elif c == " " and depth == 1 and j > i + 1 and text[j - 1] != " ":
            # a title after the URL is fine ([x](url "t")), but plain prose is not a target
            rest = text[j + 1 : j + 2]
            if rest not in ('"', "'", "("):
                return -1
        j += 1
    return -1


def _bracket_end(text: str, i: int) -> int:
    depth = 0
    j = i
    while j < len(text):
        c = text[j]
        if c == "\\":
            j += 2
            continue
        if c == "`":
            k = _code_end(text, j)
            if k > 0:
                j = k
                continue
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return -1


def scan_spans(text: str) -> tuple[Span, ...]:
    """Protected regions of a normalised piece text, in order and non-overlapping.

    Code spans win over everything (their content is literal); roles are the ``:name:`` plus
    its code span; math is ``$…$``/``$$…$$``; of a link only the ``(target)`` is protected, the
    link text stays translatable; a bare URL is protected like a link target; an inline image is
    protected whole; d2lbook slide markers ``[**``/``**]``/``(**``/``**)`` are protected as
    delimiters only.
    """
    spans: list[Span] = []
    i = 0
    n = len(text)
    open_brackets = 0
    while i < n:
        jump = _SPECIAL.search(text, i)
        if jump is None:
            break
        i = jump.start()
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "`":
            k = _code_end(text, i)
            if k > 0:
                spans.append(Span(i, k, SpanKind.CODE))
                i = k
                continue
            while i < n and text[i] == "`":
                i += 1
            continue
        if c == ":":
            m = _ROLE.match(text, i)
            if m is not None:
                k = _code_end(text, m.end())
                if k > 0:
                    spans.append(Span(i, k, SpanKind.ROLE))
                    i = k
                    continue
        if c == "$":
            k = _math_end(text, i)
            if k > 0:
                spans.append(Span(i, k, SpanKind.MATH))
                i = k
                continue
            i += 2 if text.startswith("$$", i) else 1
            continue
        if c == "!" and text.startswith("![", i):
            k = _bracket_end(text, i + 1)
            if k > 0 and k < n and text[k] == "(":
                e = _paren_end(text, k)
                if e > 0:
                    spans.append(Span(i, e, SpanKind.IMAGE))
                    i = e
                    continue
        if c in "[(" and text.startswith("**", i + 1):
            spans.append(Span(i, i + 3, SpanKind.SLIDE_MARKER))
            i += 3
            continue
        if c == "*" and text.startswith("**", i) and i + 2 < n and text[i + 2] in "])":
            spans.append(Span(i, i + 3, SpanKind.SLIDE_MARKER))
            i += 3
            continue
        if c == "[":
            open_brackets += 1
        elif c == "]":
            if open_brackets > 0:
                open_brackets -= 1
                if i + 1 < n and text[i + 1] == "(":
                    e = _paren_end(text, i + 1)
                    if e > 0:
                        spans.append(Span(i + 1, e, SpanKind.LINK_TARGET))
                        i = e
                        continue
        elif c == "h":
            e = _bare_url_end(text, i)
            if e > 0:
                spans.append(Span(i, e, SpanKind.LINK_TARGET))
                i = e
                continue
        elif c == "<":
            m = _AUTOLINK.match(text, i) or _HTML_TAG.match(text, i)
            if m is not None:
                kind = SpanKind.LINK_TARGET if m.re is _AUTOLINK else SpanKind.HTML
                spans.append(Span(i, m.end(), kind))
                i = m.end()
                continue
        i += 1
    return tuple(spans)


# ---------------------------------------------------------------------------------------------
# pieces per block kind
# ---------------------------------------------------------------------------------------------

_PREFIX_CHARS = "\ufeff \t"  # a byte-order mark is not text
_QUOTE_PREFIX_CHARS = "\ufeff \t>"
_LIST_MARKER = re.compile(r"(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|(?=\r?\n|$))")
_ATX_OPEN = re.compile(r"#{1,6}(?:[ \t]+|(?=\r?\n|$))")
_ATX_CLOSE = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")


@dataclass(slots=True)
class _LineRegion:
    start: int  # offsets into the block raw
    end: int


def _content_region(raw: str, line_start: int, line_end: int, quoted: bool) -> _LineRegion:
    """The text of one line without container prefix, trailing whitespace and line end."""
    line = raw[line_start:line_end]
    body = line.lstrip(_QUOTE_PREFIX_CHARS if quoted else _PREFIX_CHARS)
    s = line_end - len(body)
    return _LineRegion(s, s + len(body.rstrip(" \t\r\n")))


def _line_bounds(raw: str) -> list[tuple[int, int]]:
    bounds: list[tuple[int, int]] = []
    pos = 0
    for line in _split_lines(raw):
        bounds.append((pos, pos + len(line)))
        pos += len(line)
    return bounds


def _piece(raw: str, regions: list[_LineRegion], lang: str) -> Piece | None:
    regions = [r for r in regions if r.end > r.start]
    if not regions:
        return None
    text = join_lines([raw[r.start : r.end] for r in regions], lang)
    if not text:
        return None
    return Piece(regions[0].start, regions[-1].end, text, scan_spans(text))


def _text_pieces(raw: str, leaf: _Leaf, lang: str) -> tuple[Piece, ...]:
    bounds = _line_bounds(raw)
    regions = [_content_region(raw, s, e, leaf.in_quote) for s, e in bounds]
    if leaf.kind is BlockKind.LIST_ITEM and regions:
        first = regions[0]
        pos = first.start
        while True:
            m = _LIST_MARKER.match(raw, pos, first.end + 1)
            if m is None or m.end() == pos:
                break
            pos = m.end()
        first.start = min(pos, first.end)
    elif leaf.kind is BlockKind.HEADING and regions:
        if leaf.heading_setext:
            regions = regions[:-1]
        else:
            first = regions[0]
            m = _ATX_OPEN.match(raw, first.start, first.end + 1)
            if m is not None:
                first.start = min(m.end(), first.end)
            c = _ATX_CLOSE.search(raw, first.start, first.end)
            if c is not None:
                first.end = c.start()
    piece = _piece(raw, regions, lang)
    return (piece,) if piece else ()


def _split_row(raw: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cell regions of a pipe-table row: split on unescaped pipes outside code spans."""
    cells: list[tuple[int, int]] = []
    cell_start = start
    i = start
    while i < end:
        c = raw[i]
        if c == "\\":
            i += 2
            continue
        if c == "`":
            k = _code_end(raw[:end], i)
            if k > 0:
                i = k
                continue
        if c == "|":
            cells.append((cell_start, i))
            cell_start = i + 1
        i += 1
    cells.append((cell_start, end))
    if cells and raw[start:end].startswith("|"):
        cells = cells[1:]
    if cells and raw[start:end].endswith("|") and len(cells) > 0 and cells[-1][0] == end:
        cells = cells[:-1]
    return cells


def _table_pieces(raw: str, leaf: _Leaf, lang: str) -> tuple[Piece, ...]:
    pieces: list[Piece] = []
    for row, (s, e) in enumerate(_line_bounds(raw)):
        if row == 1:  # the delimiter row
            continue
        region = _content_region(raw, s, e, leaf.in_quote)
        for cs, ce in _split_row(raw, region.start, region.end):
            while cs < ce and raw[cs] in " \t":
                cs += 1
            while ce > cs and raw[ce - 1] in " \t":
                ce -= 1
            piece = _piece(raw, [_LineRegion(cs, ce)], lang)
            if piece is not None:
                pieces.append(piece)
    return tuple(pieces)


def _figure_pieces(raw: str, leaf: _Leaf, lang: str) -> tuple[Piece, ...]:
    m = _FIGURE.match(raw)
    if m is None:
        return ()
    s, e = m.span("cap")
    regions: list[_LineRegion] = []
    for ls, le in _line_bounds(raw):
        if le <= s or ls >= e:
            continue
        line = _content_region(raw, ls, le, leaf.in_quote)
        region = _LineRegion(max(line.start, s), min(line.end, e))
        while region.start < region.end and raw[region.start] in " \t":
            region.start += 1
        while region.end > region.start and raw[region.end - 1] in " \t":
            region.end -= 1
        regions.append(region)
    piece = _piece(raw, regions, lang)
    return (piece,) if piece else ()


# ---------------------------------------------------------------------------------------------
# keys of protected blocks
# ---------------------------------------------------------------------------------------------

_BLANK_RUNS = re.compile(r"\n{3,}")


_INNER_WS = re.compile(r"(?<=\S)[ \t]+")
_TRAILING_WS = re.compile(r"[ \t\r]+$", re.MULTILINE)


def normalise_code(code: str) -> str:
    """Identity of a code cell across languages: spacing differences must not break an anchor.

    Trailing spaces are stripped, runs of spaces inside a line (not the indentation, which is
    Python syntax) become one, runs of blank lines become one, outer blank lines go.
    """
    # the cheap "in" tests skip most regex passes: most cells are already tidy
    if "\r" in code or " \n" in code or "\t\n" in code or code.endswith((" ", "\t")):
        code = _TRAILING_WS.sub("", code.replace("\r\n", "\n"))
    if "\t" in code or "  " in code:
        code = _INNER_WS.sub(" ", code)
    if "\n\n\n" in code:
        code = _BLANK_RUNS.sub("\n\n", code)
    return code.strip("\n")


def _math_key(raw: str) -> str:
    """The math body between the outer ``$$`` (the :eqlabel: line is not part of the identity)."""
    first = raw.find("$$")
    last = raw.rfind("$$")
    inner = raw[first + 2 : last] if last > first + 1 else raw[first + 2 :]
    return " ".join(inner.split())


def _key(leaf: _Leaf, raw: str) -> str | None:
    tok = leaf.token
    kind = leaf.kind
    if kind in (BlockKind.CODE, BlockKind.FENCE) and tok is not None:
        return normalise_code(tok.content)
    if kind is BlockKind.MATH:
        return _math_key(raw)
    if kind is BlockKind.FIGURE and tok is not None:
        return tok.info
    if kind is BlockKind.DIRECTIVE:
        if tok is not None and tok.type == "d2l_directive":
            arg = tok.meta.get("arg")
            return tok.info if arg is None else f"{tok.info}:{arg}"
        return " ".join(raw.split())
    if kind is BlockKind.HTML:
        return " ".join(raw.split())
    return None


# ---------------------------------------------------------------------------------------------
# parse / load
# ---------------------------------------------------------------------------------------------


def _split_lines(text: str) -> list[str]:
    """Lines with their ends, split on ``\\n`` only (markdown-it's notion of a line)."""
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def _is_blank(line: str) -> bool:
    return not line.strip()


_FENCE_LINE = re.compile(r"^( {0,3})(`{3,}|~{3,})([^\n]*)$", re.MULTILINE)


def _top_level_fences(text: str) -> list[tuple[int, int]]:
    """Line ranges of the closed fences that start in column 0 (a quick pre-scan, see below)."""
    fences: list[tuple[int, int]] = []
    line = 0
    pos = 0
    opener: tuple[int, str] | None = None  # (line, marker) of the fence being closed
    for m in _FENCE_LINE.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        indent, run, rest = m.groups()
        if opener is None:
            if not indent and not (run[0] == "`" and "`" in rest):
                opener = (line, run)
        elif run[0] == opener[1][0] and len(run) >= len(opener[1]) and not rest.strip():
            fences.append((opener[0], line + 1))
            opener = None
    return fences  # an unclosed last fence is left to the real parser, which reports it


def _tokenize(text: str, lines: list[str]) -> list[Token]:
    """markdown-it tokens for ``text``, fast.

    markdown-it-py walks every character in Python, and code cells are over half of a d2l file.
    So the bodies of column-0 fences are blanked (line count kept) before parsing. That cannot
    change the parse as long as markdown-it sees exactly those fences at exactly those lines
    (nothing else can read into a fence it did not open); if it does not, or if the blanked
    text fails, the original text is parsed instead. The fence contents are put back.
    """
    # markdown-it turns \r\n and lone \r into \n; keep its line numbering equal to ours
    src = text.replace("\r\n", "\n").replace("\r", " ").replace("\x00", "\ufffd")
    if src.startswith("\ufeff"):
        src = src[1:]  # line numbers are unchanged; the BOM stays in the first block's raw
    fences = _top_level_fences(text)
    if not fences:
        return _parser().parse(src)
    src_lines = src.split("\n")
    for s, e in fences:
        for k in range(s + 1, e - 1):
            src_lines[k] = ""
    try:
        tokens = _parser().parse("\n".join(src_lines))
    except _Unclosed:
        return _parser().parse(src)
    found = {(t.map[0], t.map[1]): t for t in tokens if t.type == "fence" and t.map is not None}
    if any((s, e) not in found for s, e in fences):
        return _parser().parse(src)
    for s, e in fences:
        found[(s, e)].content = "".join(lines[s + 1 : e - 1]).replace("\r\n", "\n")
    return tokens


def parse(text: str, lang: str, path: str | None = None, *, glued_period: bool | None = None) -> Document:
    """Parse d2lbook markdown into blocks that partition ``text`` exactly (see module doc).

    ``glued_period``: the language's gluedPeriod setting, kept on the document for its
    segmentation (None: the language's fact).
    """
    lines = _split_lines(text)
    try:
        tokens = _tokenize(text, lines)
        leaves = _leaves(tokens)
        for leaf in leaves:
            if leaf.token is not None and leaf.token.type == "fence":
                _check_fence_closed(leaf, lines)
            elif leaf.token is not None and leaf.token.type == "html_block":
                _check_comment_closed(leaf)
    except _Unclosed as exc:
        raise BadInputError(path, exc.problem, exc.line) from None

    blocks: list[Block] = []

    def gap(start: int, end: int) -> None:
        """Lines no leaf claims: runs of blank lines, or protected leftovers."""
        i = start
        while i < end:
            j = i
            blank = _is_blank(lines[i])
            while j < end and _is_blank(lines[j]) == blank:
                j += 1
            raw = "".join(lines[i:j])
            if blank:
                blocks.append(Block(BlockKind.BLANK, raw, i + 1))
            else:
                blocks.append(Block(BlockKind.DIRECTIVE, raw, i + 1, key=" ".join(raw.split())))
            i = j

    cursor = 0
    for leaf in leaves:
        s = max(leaf.start, cursor)
        e = min(leaf.end, len(lines))
        while e > s and _is_blank(lines[e - 1]):
            e -= 1
        if e <= s:
            continue
        gap(cursor, s)
        raw = "".join(lines[s:e])
        leaf.start, leaf.end = s, e
        pieces: tuple[Piece, ...] = ()
        if leaf.kind in (BlockKind.PARAGRAPH, BlockKind.LIST_ITEM, BlockKind.HEADING):
            pieces = _text_pieces(raw, leaf, lang)
        elif leaf.kind is BlockKind.TABLE:
            pieces = _table_pieces(raw, leaf, lang)
        elif leaf.kind is BlockKind.FIGURE:
            pieces = _figure_pieces(raw, leaf, lang)
        blocks.append(Block(leaf.kind, raw, s + 1, pieces, _key(leaf, raw)))
        cursor = e
    gap(cursor, len(lines))
    return Document(tuple(blocks), lang, path, glued_period=glued_period)


def load_document(
    path: str | Path, lang: str, *, display_path: str | None = None, glued_period: bool | None = None
) -> Document:
    """Read and parse one markdown file, refusing files that cannot be a d2lbook section."""
    shown = display_path if display_path is not None else str(path)
    p = Path(path)
    if not p.exists():
        raise BadInputError(shown, "file does not exist")
    if p.is_dir():
        raise BadInputError(shown, "is a directory, not a markdown file")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise BadInputError(shown, f"cannot be read ({exc.strerror or exc})") from None
    nul = data.find(b"\x00")
    if nul >= 0:
        raise BadInputError(shown, "is a binary file (contains NUL bytes)", data.count(b"\n", 0, nul) + 1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise BadInputError(shown, f"is not valid UTF-8 (byte 0x{bad} at offset {exc.start})", line) from None
    if not text.strip():
        raise BadInputError(shown, "is empty" if not text else "is empty (whitespace only)")
    return parse(text, lang, shown, glued_period=glued_period)
