"""A book folder for ``amts run --local`` made from git: the English range and the translations.

:func:`prepare_book` writes the layout :class:`amts.local.runner.Book` reads:

* ``en/<path>``: the English at SINCE, the text the existing translation was made from (for a
  rename, the old path's text, written at the new path: the file moved);
* ``en-next/<path>``: the English at UNTIL, the upload that starts the workflow;
* ``<lang>/<path>``: the translation at the translation repository's HEAD (for a rename, the
  old path's translation: it follows the move).

Only the files to push are written, so the run translates exactly those. It returns, for each
language, the commit read and every translation's blob sha (None where there was none).
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from amts.domain.changes import Change
from amts.ports import GitRepository
from amts.service.push import TranslationRead


def prepare_book(
    folder: Path,
    english: GitRepository,
    since_commit: str,
    until_commit: str,
    changes: Sequence[Change],
    translations: Mapping[str, GitRepository],
    source_lang: str = "en",
) -> dict[str, TranslationRead]:
    shutil.rmtree(folder, ignore_errors=True)
    (folder / source_lang).mkdir(parents=True)
    reads: dict[str, TranslationRead] = {}
    heads = {lang: repo.commit_of("HEAD") for lang, repo in translations.items()}
    for lang, repo in translations.items():
        (folder / lang).mkdir(parents=True, exist_ok=True)
        reads[lang] = TranslationRead(repo=repo.root, commit=heads[lang])
    for change in changes:
        if not change.translated:
            continue
        _write(folder / f"{source_lang}-next" / change.path, english.read_blob(until_commit, change.path))
        if change.old_path is not None and english.blob_of(since_commit, change.old_path):
            _write(folder / source_lang / change.path, english.read_blob(since_commit, change.old_path))
        read_from = change.old_path or change.path
        for lang, repo in translations.items():
            blob = repo.blob_of(heads[lang], read_from)
            reads[lang].read[change.path] = (read_from, blob)
            if blob is not None:
                _write(folder / lang / change.path, repo.read_blob(heads[lang], read_from))
    return reads


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
