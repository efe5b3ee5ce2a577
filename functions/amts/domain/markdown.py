"""d2lbook markdown → :class:`~amts.domain.model.Document` (OWNER: text-core helper).

Contract:
    parse(text: str, lang: str, path: str | None = None) -> Document
        Never loses a byte: ``parse(t, l).render() == t`` for every input.
        Raises BadInputError(path, problem, line) for an unclosed code fence or math block.
    load_document(path: str | Path, lang: str, *, display_path: str | None = None) -> Document
        Reads a file; BadInputError for missing, empty, binary, non-UTF-8 files (message names the
        file and the problem), then parse().
"""

from __future__ import annotations

from pathlib import Path

from amts.domain.model import Document


def parse(text: str, lang: str, path: str | None = None) -> Document:
    raise NotImplementedError


def load_document(path: str | Path, lang: str, *, display_path: str | None = None) -> Document:
    raise NotImplementedError
