"""The ``amts`` command line.

Each sub-command lives in its own module and registers itself on :data:`app`. User errors
(:class:`amts.errors.AmtsError`) are printed on one line and exit 2, never as a traceback; a
command that ran but failed some requested item exits 1 (see :mod:`amts.cli.common`).
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
import typer.core

from amts import __version__
from amts.cli.help_format import ReflowingGroup
from amts.errors import AmtsError

_display_type_rich = typer.core.TyperOption.display_type_rich


def _flag_without_metavar(self: typer.core.TyperOption, ctx: Any) -> str | None:
    """A flag takes no value: show none in --help (typer would print ``<bool>``)."""
    if self.is_flag:
        return None
    return _display_type_rich(self, ctx)


typer.core.TyperOption.display_type_rich = _flag_without_metavar  # type: ignore[method-assign]

app = typer.Typer(
    name="amts",
    cls=ReflowingGroup,  # prose help wraps at the terminal's width, not at the docstring's
    help="Auto Machine Translation and Synchronization for d2lbook markdown.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"amts {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Auto Machine Translation and Synchronization for d2lbook markdown."""


# Sub-command modules (each registers its commands on ``app`` when imported).
import amts.cli.commands_eval  # noqa: E402  (bleu, evaluate)
import amts.cli.commands_git  # noqa: E402  (push, publish)
import amts.cli.commands_review  # noqa: E402  (review, accept)
import amts.cli.commands_run  # noqa: E402  (run, status, history)
import amts.cli.commands_sync  # noqa: E402  (sync)
import amts.cli.commands_terms  # noqa: E402  (check-terms)
import amts.cli.commands_text  # noqa: E402,F401  (align, parallel-data)


def main() -> None:
    try:
        app(prog_name="amts")
    except AmtsError as error:
        typer.echo(f"amts: error: {error}", err=True)
        sys.exit(2)
