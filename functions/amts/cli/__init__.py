"""The ``amts`` command line.

Each sub-command lives in its own module and registers itself on :data:`app`. User errors
(:class:`amts.errors.AmtsError`) are printed on one line and exit non-zero, never as a traceback.
"""

from __future__ import annotations

import sys

import typer

from amts.errors import AmtsError

app = typer.Typer(
    name="amts",
    help="Auto Machine Translation and Synchronization for d2lbook markdown.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Sub-command modules (each registers its commands on ``app`` when imported).
import amts.cli.commands_eval  # noqa: E402  (bleu, evaluate)
import amts.cli.commands_run  # noqa: E402  (run --local / run against a deployed stack)
import amts.cli.commands_sync  # noqa: E402  (sync)
import amts.cli.commands_terms  # noqa: E402  (check-terms)
import amts.cli.commands_text  # noqa: E402,F401  (align, parallel-data)


def main() -> None:
    try:
        app()
    except AmtsError as error:
        typer.echo(f"amts: error: {error}", err=True)
        sys.exit(2)
