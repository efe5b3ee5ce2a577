"""Help text the renderer can wrap: prose paragraphs on one line; lists and examples as written.

A docstring is wrapped at the source's line length. Typer's rich help keeps every line break of a
command's help after its first paragraph and wraps again at the terminal's width, so an 80-column
``--help`` came out ragged: a full line, then the three words that ended the docstring's line.
:func:`reflow_help` joins the lines of each prose paragraph before the renderer sees them, and
keeps what is laid out by line:

* paragraphs (blank-line separated) stay paragraphs;
* a list keeps one line per item (``-``, ``*``, ``+``, ``•`` or ``1.``/``1)``), the item's own
  continuation lines joined to it; prose before the first item is joined as usual;
* an indented block, a ``$ `` or ``>>> `` example, and a paragraph that starts with click's ``\\b``
  marker are kept exactly, to the end of their paragraph;
* anything after a ``\\f`` line (hidden from help) is left alone.

:class:`ReflowingGroup` applies it once to a whole command tree: the help of every command and of
every option and argument, so a new command or option gets it without doing anything.
"""

from __future__ import annotations

import re
from typing import Any, Literal

import typer.core

Renderer = Literal["rich", "click"]

MARK = "\b"  # click's "keep this paragraph's lines" marker; rich drops the control character
_BULLET = re.compile(r"(?:[-*+•]|\d{1,3}[.)])\s")
_EXAMPLE = re.compile(r"(?:\$|>>>)\s")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def reflow_help(text: str, renderer: Renderer = "rich") -> str:
    """``text`` with each prose paragraph on one line; lists and examples keep their lines.

    ``renderer`` says who wraps the result. ``click`` (plain help, and typer's option help)
    rewraps every paragraph unless it starts with a ``\\b`` line, so kept paragraphs get one.
    ``rich`` (typer's command help) keeps every line break after the first paragraph, so only a
    kept first paragraph is marked (typer's convention); indented lines are prefixed with the
    marker too, which stops typer's ``cleandoc`` from dedenting them and which rich does not print.
    The result is stable: reflowing it again for the same renderer changes nothing.
    """
    body, hidden, rest = _dedent(text).partition("\f")
    paragraphs = [p for p in _BLANK_LINE.split(body.strip("\n")) if p.strip()]
    out: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        lines = _lay_out(paragraph)
        if renderer == "click":
            out.append("\n".join([MARK, *lines] if len(lines) > 1 else lines))
            continue
        kept = [MARK + line if line[:1].isspace() else line for line in lines]
        if index == 0 and len(kept) > 1 and not kept[0].startswith(MARK):
            kept[0] = MARK + kept[0]
        out.append("\n".join(kept))
    return "\n\n".join(out) + ("\n" + hidden + rest if hidden else "")


def _dedent(text: str) -> str:
    """Remove the indentation a docstring's lines after the first share (as ``inspect.cleandoc``,
    but a ``\\b``-prefixed line counts as not indented, so reflowed text stays as it is)."""
    lines = text.expandtabs().split("\n")
    indents = [len(line) - len(line.lstrip(" ")) for line in lines[1:] if line.strip()]
    margin = min(indents, default=0)
    return "\n".join([lines[0].lstrip(" "), *(line[margin:] for line in lines[1:])])


def _lay_out(paragraph: str) -> list[str]:
    """The output lines of one paragraph (see the module docstring)."""
    raw = [line.rstrip() for line in paragraph.split("\n")]
    if raw[0].startswith(MARK):  # click's marker line, or typer's marked first paragraph
        first = raw[0][len(MARK) :]
        return [line.removeprefix(MARK) for line in ([first] if first.strip() else []) + raw[1:]]
    lines: list[str] = []
    joined: list[str] = []  # the words of the prose or list item being put on one line
    in_list = False
    for number, line in enumerate(raw):
        bare = line.removeprefix(MARK)
        text = bare.strip()
        if not in_list and (bare != line or bare[:1].isspace() or _EXAMPLE.match(text)):
            lines.extend(_flush(joined))
            lines.extend(kept.removeprefix(MARK) for kept in raw[number:])
            return lines
        if _BULLET.match(text):
            lines.extend(_flush(joined))
            joined.append(bare)  # an item keeps its indentation (a nested list)
            in_list = True
        else:
            joined.append(text)
    lines.extend(_flush(joined))
    return lines


def _flush(words: list[str]) -> list[str]:
    """The line the collected words make (none if there are none); empties ``words``."""
    line = [" ".join(words)] if words else []
    words.clear()
    return line


def _renderer(command: Any) -> Renderer | None:
    """Who renders ``command``'s help: rich, plain click, or None (markdown reflows by itself)."""
    mode = getattr(command, "rich_markup_mode", None)
    if typer.core.HAS_RICH and mode == "rich":
        return "rich"
    if not typer.core.HAS_RICH or mode is None:
        return "click"
    return None


def reflow_tree(command: Any) -> None:
    """Reflow the help of ``command``, its options and arguments, and of every sub-command."""
    renderer = _renderer(command)
    if renderer is not None and command.help:
        command.help = reflow_help(command.help, renderer)
    if renderer is not None:
        for param in command.params:
            if getattr(param, "help", None):
                param.help = reflow_help(param.help, "click")  # typer's option help honours \b
    for sub in getattr(command, "commands", {}).values():
        reflow_tree(sub)


class ReflowingGroup(typer.core.TyperGroup):
    """The root group: reflows the help of the whole tree once, when typer builds it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reflow_tree(self)
