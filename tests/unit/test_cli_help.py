"""Every ``amts --help`` screen wraps its prose at the terminal's width, not at the docstring's."""

from __future__ import annotations

import inspect
import re
from itertools import pairwise

import pytest
import typer.main
from amts.cli import app
from rich.cells import cell_len
from typer.testing import CliRunner

COMMANDS = ("", *typer.main.get_command(app).commands)  # type: ignore[attr-defined]
LIST_ITEM = re.compile(r"\s*(?:[-*+•]|\d{1,3}[.)])\s")


def help_screen(command: str, columns: int) -> list[str]:
    """The ``--help`` of ``amts COMMAND`` (not a TTY, as when piped), one string per line."""
    args = [command, "--help"] if command else ["--help"]
    result = CliRunner().invoke(app, args, env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return [line.rstrip() for line in result.stdout.splitlines()]


def description(screen: list[str]) -> list[str]:
    """The lines between the usage line and the first panel (Arguments, Options or Commands)."""
    start = next(i for i, line in enumerate(screen) if line.lstrip().startswith("Usage:")) + 1
    end = next(i for i, line in enumerate(screen) if line.startswith("╭"))
    return screen[start:end]


def ragged_breaks(lines: list[str], columns: int) -> list[str]:
    """Each prose line whose next line's first word would have fitted on it (rich pads the
    description by one column on both sides); list items and indented lines are left out."""
    room = columns - 2
    found = []
    for line, following in pairwise(lines):
        if not line.strip() or not following.strip() or LIST_ITEM.match(following):
            continue
        if len(following) - len(following.lstrip()) > len(line) - len(line.lstrip()):
            continue
        if cell_len(line.strip()) + 1 + cell_len(following.split()[0]) <= room:
            found.append(f"{line.strip()!r} / {following.strip()!r}")
    return found


def paragraph_count(text: str) -> int:
    shown = inspect.cleandoc(text).partition("\f")[0]
    return len([p for p in re.split(r"\n[ \t]*\n", shown) if p.strip()])


@pytest.mark.parametrize("columns", (80, 120))
@pytest.mark.parametrize("command", COMMANDS)
def test_help_prose_has_no_ragged_line_breaks(command: str, columns: int) -> None:
    # Given a terminal COLUMNS wide
    # When the help of the command is printed
    lines = description(help_screen(command, columns))
    # Then no line of its description ends early where the next word would have fitted
    assert ragged_breaks(lines, columns) == [], "\n".join(lines)


@pytest.mark.parametrize("command", COMMANDS[1:])
def test_help_keeps_the_docstrings_paragraphs(command: str) -> None:
    # Given the help text a command was declared with
    info = next(i for i in app.registered_commands if (i.name or i.callback.__name__) == command)
    declared = info.help or inspect.getdoc(info.callback) or ""
    # When its help is printed at 80 columns
    lines = description(help_screen(command, 80))
    # Then it shows as many paragraphs (blank-line separated) as the declaration has
    shown = "\n".join(line.strip() for line in lines)
    assert paragraph_count(shown) == paragraph_count(declared), "\n".join(lines)


def test_the_sync_help_is_one_wrapped_paragraph_per_docstring_paragraph() -> None:
    # Given an 80-column terminal, When `amts sync --help` is printed
    lines = [line.strip() for line in description(help_screen("sync", 80))]
    # Then the sentence the docstring broke after "kept human text" reads on without a break
    assert "kept human text is never restyled." in " ".join(lines)
    assert "is never restyled." not in lines
