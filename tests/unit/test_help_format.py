"""Help text reflowed for the renderer: prose on one line per paragraph, lists and examples kept."""

from __future__ import annotations

import pytest
import typer
from amts.cli.help_format import ReflowingGroup, Renderer, reflow_help
from typer.testing import CliRunner

DOC = """Summary line
    that wraps.

    Prose that
    wraps in the source.

    Exit codes:
    - 0 everything was done,
      really everything
    - 1 some item failed
      - nested item

    Examples:

        amts sync --new a.md
        amts sync --old b.md

    $ amts run --local
    \f
    Hidden from help:
      kept as is
    """


def paragraphs(text: str) -> list[list[str]]:
    return [[line.lstrip("\b") for line in p.split("\n") if line != "\b"] for p in text.split("\n\n")]


@pytest.mark.parametrize("renderer", ("rich", "click"))
def test_prose_is_joined_and_lists_and_examples_keep_their_lines(renderer: Renderer) -> None:
    # Given a docstring with wrapped prose, a list with a nested item and indented examples
    # When it is reflowed for either renderer
    shown, _, hidden = reflow_help(DOC, renderer).partition("\f")
    # Then each prose paragraph is one line, each list item one line (its continuation joined),
    # the examples are as written, and the paragraphs stay paragraphs
    assert paragraphs(shown.rstrip("\n")) == [
        ["Summary line that wraps."],
        ["Prose that wraps in the source."],
        [
            "Exit codes:",
            "- 0 everything was done, really everything",
            "- 1 some item failed",
            "  - nested item",
        ],
        ["Examples:"],
        ["    amts sync --new a.md", "    amts sync --old b.md"],
        ["$ amts run --local"],
    ]
    # And what is hidden from help after \f is left alone
    assert hidden == "\nHidden from help:\n  kept as is\n"


@pytest.mark.parametrize("renderer", ("rich", "click"))
def test_reflowing_twice_changes_nothing(renderer: Renderer) -> None:
    # Given a reflowed docstring, When it is reflowed again, Then it is the same
    once = reflow_help(DOC, renderer)
    assert reflow_help(once, renderer) == once


def test_a_paragraph_marked_with_backspace_is_kept_as_written() -> None:
    # Given click's marker for "keep these lines" on a paragraph of short lines
    text = "Summary.\n\n\b\nkeep\nthese lines\n\nand join\nthese"
    # When reflowed for rich, Then the marked lines are kept and the last paragraph is joined
    assert reflow_help(text, "rich") == "Summary.\n\nkeep\nthese lines\n\nand join these"


@pytest.mark.parametrize("use_rich", (True, False))
def test_a_command_on_the_group_shows_reflowed_help(use_rich: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a command on the reflowing group whose docstring and option help wrap in the source
    monkeypatch.setattr(typer.core, "HAS_RICH", use_rich)
    app = typer.Typer(cls=ReflowingGroup, add_completion=False)

    @app.command()
    def demo(
        x: int = typer.Option(1, help="An option whose help\nwraps in the source.\n\n\b\n- one\n- two"),
    ) -> None:
        """Summary.

        This prose paragraph is wrapped
        in the source at an odd place.

        Exit codes:
        - 0 done
        - 1 some item failed
        """

    @app.command()
    def other() -> None:
        """Another command, so that demo is a sub-command."""

    # When its help is printed at 80 columns (rich, or click's plain help)
    screen = CliRunner().invoke(app, ["demo", "--help"], env={"COLUMNS": "80"}).stdout
    lines = [line.strip(" │") for line in screen.splitlines()]
    # Then the prose paragraph is on one line, the list items each on their own line
    assert "This prose paragraph is wrapped in the source at an odd place." in lines
    assert lines.index("- 0 done") + 1 == lines.index("- 1 some item failed")
    # And the option's prose is joined while its list keeps one item per line
    assert any("An option whose help wraps in the source." in line for line in lines)
    assert any(line.endswith("- one") for line in lines)
