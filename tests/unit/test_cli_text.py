"""``amts align`` and ``amts parallel-data`` on the fixture book and on broken input."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from amts.cli import app
from amts.cli.commands_text import pair_book_files
from typer.testing import CliRunner, Result

BOOK = Path(__file__).resolve().parents[1] / "fixtures" / "book"
EN = BOOK / "en" / "chapter_basics"
ZH = BOOK / "zh" / "chapter_basics"
SECTIONS = ("index", "moving-average", "minibatches")


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def tsv_rows(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.splitlines()]


def summary_value(stdout: str, key: str) -> str:
    for line in stdout.splitlines():
        if line.startswith(f"{key}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {key!r} line in summary:\n{stdout}")


def copy_book(dest: Path) -> tuple[Path, Path]:
    shutil.copytree(BOOK / "en", dest / "en")
    shutil.copytree(BOOK / "zh", dest / "zh")
    return dest / "en", dest / "zh"


# --- amts align ----------------------------------------------------------------------------------
def test_align_prints_tsv_with_a_language_header_on_stdout() -> None:
    # Given a section and its translation
    # When aligned at paragraph level with the defaults
    result = run("align", EN / "moving-average.md", ZH / "moving-average.md", "--granularity", "paragraph")
    # Then stdout is TSV: header line, then source<TAB>target lines, nothing else
    assert result.exit_code == 0, result.stderr
    rows = tsv_rows(result.stdout)
    assert rows[0] == ["en", "zh"]
    assert len(rows) > 5
    assert all(len(row) == 2 and row[0] and row[1] for row in rows[1:])
    # And the headings are paired with their translations
    assert ["Exponential Moving Averages", "指数移动平均"] in rows
    assert ["Summary", "小结"] in rows
    # And the summary went to stderr, not into the data
    assert "pairs" in result.stderr


def test_align_sentence_level_keeps_inline_spans_verbatim() -> None:
    # Given a section whose sentences carry inline code and math
    result = run(
        "align", EN / "moving-average.md", ZH / "moving-average.md", "-s", "en", "-t", "zh", "-g", "sentence"
    )
    # Then each protected span in an English sentence appears unchanged in its Chinese partner
    assert result.exit_code == 0, result.stderr
    rows = tsv_rows(result.stdout)[1:]
    assert rows
    spans = ["$\\beta$", "`v`", ":eqref:`eq_ema`"]
    for span in spans:
        for source, target in rows:
            if span in source:
                assert span in target, (source, target)


def test_align_writes_csv_to_a_file_chosen_by_extension(tmp_path: Path) -> None:
    # Given an output path ending in .csv and no --format
    out = tmp_path / "pairs.csv"
    # When aligned
    result = run("align", EN / "minibatches.md", ZH / "minibatches.md", "-o", out)
    # Then the file is RFC 4180 CSV with the language header and stdout stays empty
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert rows[0] == ["en", "zh"]
    assert len(rows) > 3 and all(len(r) == 2 for r in rows)
    assert not any(field[:1] in "+-=@" for row in rows for field in row)


def test_align_writes_tmx_with_srclang(tmp_path: Path) -> None:
    # Given --format tmx
    out = tmp_path / "pairs.xml"
    result = run("align", EN / "minibatches.md", ZH / "minibatches.md", "--format", "tmx", "-o", out)
    # Then the file is TMX with srclang=en and one tu per pair
    assert result.exit_code == 0, result.stderr
    root = ET.fromstring(out.read_bytes())
    header = root.find("header")
    assert header is not None and header.attrib["srclang"] == "en"
    assert header.attrib["segtype"] == "sentence"
    assert len(root.findall("./body/tu")) > 3


def test_align_with_full_confidence_threshold_never_writes_more_pairs() -> None:
    # Given the same file pair aligned with no threshold and with the strictest one
    loose = run("align", EN / "moving-average.md", ZH / "moving-average.md", "--min-confidence", "0")
    strict = run("align", EN / "moving-average.md", ZH / "moving-average.md", "--min-confidence", "1")
    # Then the strict run writes at most as many pairs, and the loose run drops none
    assert loose.exit_code == 0 and strict.exit_code == 0
    assert len(strict.stdout.splitlines()) <= len(loose.stdout.splitlines())
    assert "0 dropped" in loose.stderr


# --- bad input -----------------------------------------------------------------------------------
BAD_FILES: dict[str, tuple[bytes, str]] = {
    "latin1": ("Caf\xe9 au lait.\n".encode("latin-1"), "utf-8"),
    "empty": (b"", "empty"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    "fence": (b"# Title\n\n```python\nx = 1\n", "fence"),
    "math": (b"# Title\n\n$$\nx = 1\n", "math"),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_align_reports_a_bad_target_file_on_one_line(tmp_path: Path, kind: str) -> None:
    # Given a target file that is broken in one way
    content, word = BAD_FILES[kind]
    bad = tmp_path / f"{kind}.md"
    bad.write_bytes(content)
    # When aligned
    result = run("align", EN / "minibatches.md", bad)
    # Then exit 2, nothing on stdout, one stderr line naming the file and the problem
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert str(bad) in lines[0]
    assert word in lines[0].lower()
    assert "Traceback" not in result.stderr


def test_align_reports_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.md"
    result = run("align", missing, ZH / "index.md")
    assert result.exit_code == 2
    assert str(missing) in result.stderr


def test_align_rejects_an_unsupported_language() -> None:
    result = run("align", EN / "index.md", ZH / "index.md", "--target-lang", "klingon")
    assert result.exit_code == 2
    assert "klingon" in result.stderr


def test_align_accepts_a_book_glossary(tmp_path: Path) -> None:
    # Given a glossary in the book's '中文，english' format
    terms = tmp_path / "TERMINOLOGY.md"
    terms.write_text("移动平均，moving average\n衰减率，decay rate\n小批量，minibatch\n", encoding="utf-8")
    # When used for a paragraph alignment
    result = run(
        "align", EN / "moving-average.md", ZH / "moving-average.md", "-g", "paragraph", "--glossary", terms
    )
    # Then the run succeeds and the headings still meet their translations
    assert result.exit_code == 0, result.stderr
    assert ["Choosing the Decay Rate", "选择衰减率"] in tsv_rows(result.stdout)


def test_align_reports_a_missing_glossary(tmp_path: Path) -> None:
    result = run("align", EN / "index.md", ZH / "index.md", "--glossary", tmp_path / "terms.md")
    assert result.exit_code == 2
    assert "terms.md" in result.stderr and "glossary" in result.stderr


def test_the_installed_entry_point_prints_no_traceback(tmp_path: Path) -> None:
    # Given the real console entry point and a non-UTF-8 file
    bad = tmp_path / "bad.md"
    bad.write_bytes(BAD_FILES["latin1"][0])
    # When run as a program
    proc = subprocess.run(
        [sys.executable, "-c", "from amts.cli import main; main()", "align", str(bad), str(ZH / "index.md")],
        capture_output=True,
        text=True,
        check=False,
    )
    # Then a one-line error and a non-zero exit, no traceback
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "bad.md" in proc.stderr
    assert "Traceback" not in proc.stderr


# --- pairing -------------------------------------------------------------------------------------
def test_pairing_by_relative_path_reports_missing_partners_both_ways(tmp_path: Path) -> None:
    # Given a source file without translation and a translation without source
    en, zh = copy_book(tmp_path)
    (zh / "chapter_basics" / "index.md").unlink()
    (zh / "chapter_basics" / "orphan.md").write_text("# 孤儿\n", encoding="utf-8")
    (en / ".ipynb_checkpoints").mkdir()
    (en / ".ipynb_checkpoints" / "index.md").write_text("# Hidden\n", encoding="utf-8")
    # When paired
    book = pair_book_files(en, zh, "en", "zh")
    # Then the complete pairs come sorted, the untranslated source is a problem, the translation
    # without source only a note, and hidden folders are ignored
    assert [p.name for p in book.pairs] == [
        "chapter_basics/minibatches.md",
        "chapter_basics/moving-average.md",
    ]
    assert [(p.path.name, "missing" in p.problem) for p in book.problems] == [("index.md", True)]
    assert [p.path.name for p in book.ignored] == ["orphan.md"]


def test_pairing_in_one_folder_uses_language_suffixes_and_ignores_en_next(tmp_path: Path) -> None:
    # Given the d2l-dev layout: name.en.md, name.zh.md, name.en-next.md side by side
    chapter = tmp_path / "chapter_basics"
    chapter.mkdir()
    for name in SECTIONS:
        shutil.copy(EN / f"{name}.md", chapter / f"{name}.en.md")
        shutil.copy(ZH / f"{name}.md", chapter / f"{name}.zh.md")
    shutil.copy(EN / "minibatches.md", chapter / "minibatches.en-next.md")
    (tmp_path / "README.md").write_text("# Readme\n", encoding="utf-8")
    # When paired with SOURCE_DIR == TARGET_DIR
    book = pair_book_files(tmp_path, tmp_path, "en", "zh")
    # Then each name.en.md meets its name.zh.md and nothing else is involved
    assert book.problems == [] and book.ignored == []
    assert [(p.source.name, p.target.name) for p in book.pairs] == [
        (f"{n}.en.md", f"{n}.zh.md") for n in sorted(SECTIONS)
    ]


def test_pairing_rejects_a_missing_directory(tmp_path: Path) -> None:
    result = run("parallel-data", tmp_path / "none", tmp_path, "-o", tmp_path / "out.tsv")
    assert result.exit_code == 2
    assert "none" in result.stderr and "not found" in result.stderr


# --- amts parallel-data --------------------------------------------------------------------------
def test_parallel_data_over_the_book_writes_one_file_and_a_summary(tmp_path: Path) -> None:
    # Given the fixture book in en/ and zh/
    out = tmp_path / "book.tsv"
    # When built at sentence level
    result = run(
        "parallel-data", BOOK / "en", BOOK / "zh", "--source-lang", "en", "--target-lang", "zh",
        "--granularity", "sentence", "-o", out, "-q",
    )  # fmt: skip
    # Then all three files are aligned, and the summary matches the file
    assert result.exit_code == 0, result.stderr
    assert summary_value(result.stdout, "files") == "3 aligned, 0 skipped"
    rows = tsv_rows(out.read_text(encoding="utf-8"))
    assert rows[0] == ["en", "zh"]
    assert summary_value(result.stdout, "pairs").startswith(f"{len(rows) - 1} written to {out}")
    assert all(len(r) == 2 and r[0] and r[1] for r in rows[1:])
    # And the pairs come from every section
    sources = {r[0] for r in rows}
    assert "Reading Data in Minibatches" in sources and "Small Building Blocks" in sources
    # And characters are counted for both languages
    en_chars = sum(len(r[0]) for r in rows[1:])
    assert summary_value(result.stdout, "characters").startswith(f"{en_chars:,} en")
    # And no source text appears twice
    assert len(sources) == len(rows)


def test_parallel_data_is_deterministic_across_worker_counts(tmp_path: Path) -> None:
    # Given a book of six sections in the one-folder layout (enough to use the process pool)
    book = tmp_path / "book"
    for chapter in ("chapter_a", "chapter_b"):
        (book / chapter).mkdir(parents=True)
        for name in SECTIONS:
            shutil.copy(EN / f"{name}.md", book / chapter / f"{name}.en.md")
            shutil.copy(ZH / f"{name}.md", book / chapter / f"{name}.zh.md")
    # When built serially and with two worker processes
    serial = run("parallel-data", book, book, "-o", tmp_path / "one.tsv", "-j", "1", "-q")
    pooled = run("parallel-data", book, book, "-o", tmp_path / "two.tsv", "-j", "2", "-q")
    # Then both succeed with identical files, duplicates across chapters removed
    assert serial.exit_code == 0 and pooled.exit_code == 0, serial.stderr + pooled.stderr
    assert (tmp_path / "one.tsv").read_bytes() == (tmp_path / "two.tsv").read_bytes()
    assert summary_value(pooled.stdout, "files") == "6 aligned, 0 skipped"
    assert "duplicate" in summary_value(pooled.stdout, "left out")


def test_parallel_data_skips_bad_files_and_still_writes_the_rest(tmp_path: Path) -> None:
    # Given a book with one non-UTF-8 translation and one missing translation
    en, zh = copy_book(tmp_path)
    broken = zh / "chapter_basics" / "minibatches.md"
    broken.write_bytes(BAD_FILES["latin1"][0])
    (zh / "chapter_basics" / "index.md").unlink()
    out = tmp_path / "book.tmx"
    # When built (format from the extension)
    result = run("parallel-data", en, zh, "-o", out, "-q")
    # Then exit 1 (files were skipped), the two problems are one stderr line each naming the
    # file, and the output of the rest exists
    assert result.exit_code == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("amts: error:")]
    assert len(errors) == 2
    assert any(str(broken) in line and "utf-8" in line.lower() for line in errors)
    assert any("index.md" in line and "missing" in line for line in errors)
    assert summary_value(result.stdout, "files") == "1 aligned, 2 skipped"
    root = ET.fromstring(out.read_bytes())
    assert len(root.findall("./body/tu")) > 3
    # And the old --strict flag is still accepted and behaves the same
    out.unlink()
    strict = run("parallel-data", en, zh, "-o", out, "-q", "--strict")
    assert strict.exit_code == 1 and out.exists()


def test_parallel_data_with_no_usable_file_writes_nothing(tmp_path: Path) -> None:
    # Given a book whose only translation is empty
    en, zh = tmp_path / "en", tmp_path / "zh"
    en.mkdir()
    zh.mkdir()
    shutil.copy(EN / "index.md", en / "index.md")
    (zh / "index.md").write_bytes(b"")
    out = tmp_path / "out.tsv"
    # When built
    result = run("parallel-data", en, zh, "-o", out, "-q")
    # Then exit 2, the empty file is named, and no output file is created
    assert result.exit_code == 2
    assert str(zh / "index.md") in result.stderr and "empty" in result.stderr
    assert "nothing written" in result.stderr
    assert not out.exists()
