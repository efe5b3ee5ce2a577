"""``amts align`` and ``amts parallel-data``: bilingual markdown → Amazon Translate parallel data.

``align`` is the one-file tool (look at what the aligner does with a section); ``parallel-data``
runs it over a whole book and writes the single file a parallel-data resource is created from.

Pairing files across a book (:func:`pair_book_files`):

* ``SOURCE_DIR`` ≠ ``TARGET_DIR`` (e.g. ``book/en`` and ``book/zh``): every ``*.md`` under
  ``SOURCE_DIR`` is paired with the file at the same relative path under ``TARGET_DIR``.
* ``SOURCE_DIR`` = ``TARGET_DIR`` (the d2l-dev layout): ``x.<src>.md`` is paired with
  ``x.<tgt>.md`` in the same folder; other files (``x.en-next.md``, ``README.md``) are ignored.

Either way a file whose partner is missing is reported and skipped. Hidden folders are ignored.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from amts.cli import app
from amts.cli.common import (
    EXIT_ITEMS_FAILED,
    EXIT_USAGE,
    QuietOpt,
    SourceLangOpt,
    TargetLangOpt,
    check_suffix,
    is_stdout,
    user_errors,
)
from amts.config import LanguagePair
from amts.domain.align import DEFAULT_MIN_CONFIDENCE, Granularity, align_documents
from amts.domain.glossary import Glossary
from amts.domain.markdown import load_document, parse
from amts.domain.paralleldata import ParallelDataFile, ParallelDataFormat, build_parallel_data
from amts.domain.review import for_training
from amts.errors import AmtsError, BadInputError, ConfigurationError

EXIT_USER_ERROR = EXIT_USAGE  # same code as amts.cli.main uses for AmtsError
EXIT_FILES_SKIPPED = EXIT_ITEMS_FAILED  # parallel-data: output written, but some files were skipped
# Below this many file pairs the process pool's start-up costs more than it saves.
_MIN_FILES_FOR_POOL = 4


# --- pairing ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FilePair:
    """A source file and its translation; ``name`` is the book-relative name used in reports."""

    name: str
    source: Path
    target: Path


@dataclass(frozen=True, slots=True)
class FileProblem:
    path: Path
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


def _visible_markdown(root: Path, pattern: str) -> Iterator[Path]:
    for path in root.rglob(pattern):
        rel = path.relative_to(root)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts[:-1]):
            yield path


@dataclass(slots=True)
class BookFiles:
    """The outcome of pairing a book's files."""

    pairs: list[FilePair] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)  # a source file without translation
    ignored: list[FileProblem] = field(default_factory=list)  # not part of the book's pairs: a note


def _other_files(root: Path, wanted: str) -> int:
    """Files that are not markdown (images, notebooks, data), counted for the note."""
    return sum(
        1
        for p in root.rglob("*")
        if p.is_file()
        and not p.name.endswith(wanted)
        and p.suffix.lower() != ".md"
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def pair_book_files(source_dir: Path, target_dir: Path, source_lang: str, target_lang: str) -> BookFiles:
    """Match source and target files by relative path (or by language suffix in one folder).

    Returns the pairs sorted by name (so output is deterministic), one problem per source file
    whose translation is missing, and, as notes (not errors), the files that are not part of a
    pair: a translation-side file without a source (a glossary such as ``TERMINOLOGY.zh.md``) and
    non-markdown files. Raises BadInputError when a directory itself is unusable.
    """
    for d in (source_dir, target_dir):
        if not d.exists():
            raise BadInputError(d, "directory not found")
        if not d.is_dir():
            raise BadInputError(d, "not a directory")
    pairs: list[FilePair] = []
    problems: list[FileProblem] = []
    ignored: list[FileProblem] = []
    if source_dir.resolve() == target_dir.resolve():
        src_suffix, tgt_suffix = f".{source_lang}.md", f".{target_lang}.md"
        sources = {
            p.relative_to(source_dir).as_posix()[: -len(src_suffix)]: p
            for p in _visible_markdown(source_dir, f"*{src_suffix}")
        }
        targets = {
            p.relative_to(target_dir).as_posix()[: -len(tgt_suffix)]: p
            for p in _visible_markdown(target_dir, f"*{tgt_suffix}")
        }
        for stem in sorted(sources):
            if stem in targets:
                pairs.append(FilePair(stem + ".md", sources[stem], targets[stem]))
            else:
                expected = sources[stem].with_name(Path(stem).name + tgt_suffix)
                problems.append(FileProblem(sources[stem], f"translation missing (expected {expected})"))
        for stem in sorted(set(targets) - set(sources)):
            expected = targets[stem].with_name(Path(stem).name + src_suffix)
            ignored.append(FileProblem(targets[stem], f"no source file ({expected.name}): ignored"))
    else:
        sources = {p.relative_to(source_dir).as_posix(): p for p in _visible_markdown(source_dir, "*.md")}
        targets = {p.relative_to(target_dir).as_posix(): p for p in _visible_markdown(target_dir, "*.md")}
        for rel in sorted(sources):
            if rel in targets:
                pairs.append(FilePair(rel, sources[rel], targets[rel]))
            else:
                problems.append(
                    FileProblem(sources[rel], f"translation missing (expected {target_dir / rel})")
                )
        for rel in sorted(set(targets) - set(sources)):
            ignored.append(FileProblem(targets[rel], f"no source file ({source_dir / rel}): ignored"))
    others = _other_files(source_dir, ".md")
    if target_dir.resolve() != source_dir.resolve():
        others += _other_files(target_dir, ".md")
    if others:
        ignored.append(FileProblem(source_dir, f"{others} non-markdown file(s) ignored"))
    return BookFiles(pairs, problems, ignored)


# --- aligning one file pair (runs in a worker process) ------------------------------------------
@dataclass(frozen=True, slots=True)
class AlignJob:
    pair: FilePair
    source_lang: str
    target_lang: str
    granularity: Granularity
    min_confidence: float
    glossary: Glossary | None


@dataclass(slots=True)
class AlignOutcome:
    name: str
    pairs: list[tuple[str, str, float]] = field(default_factory=list)
    dropped: int = 0
    problem: str | None = None
    reviewed: int = 0  # blocks a reviewer edited after AMTS wrote them (now pairs)


def align_file_pair(job: AlignJob) -> AlignOutcome:
    """Load, parse and align one file pair; a user error becomes ``problem`` instead of raising.

    Module-level (not a closure) so a process pool can pickle it.
    """
    outcome = AlignOutcome(job.pair.name)
    try:
        src = load_document(job.pair.source, job.source_lang, display_path=str(job.pair.source))
        tgt = load_document(job.pair.target, job.target_lang, display_path=str(job.pair.target))
        text = tgt.render()
        if "<!-- amts:" in text:
            # Blocks AMTS wrote that no reviewer touched are not human translation: left out;
            # blocks a reviewer edited are kept (see amts.domain.review).
            view = for_training(text)
            outcome.reviewed = view.reviewed
            tgt = parse(view.text, job.target_lang, str(job.pair.target))
        result = align_documents(src, tgt, job.granularity, job.glossary, job.min_confidence)
    except AmtsError as error:
        outcome.problem = str(error)
        return outcome
    outcome.pairs = [(p.source, p.target, p.confidence) for p in result.pairs]
    outcome.dropped = len(result.dropped)
    return outcome


# --- shared helpers -----------------------------------------------------------------------------
def _check_languages(source_lang: str, target_lang: str) -> tuple[str, str]:
    pair = LanguagePair.parse(f"{source_lang}:{target_lang}")
    return pair.source, pair.target


def _choose_format(fmt: ParallelDataFormat | None, output: Path | None) -> ParallelDataFormat:
    """An explicit --format wins; otherwise the output's extension; otherwise TSV.

    Without --format an output name with another extension (``-o pairs.xlsx``) is refused rather
    than silently written as TSV; a known extension that contradicts --format
    (``-o x.csv --format tmx``) is refused too. ``--format tmx -o x.xml`` is what was asked.
    """
    formats = tuple(f.value for f in ParallelDataFormat)
    if output is None or is_stdout(output):
        return fmt if fmt is not None else ParallelDataFormat.TSV
    suffix = output.suffix.lower().lstrip(".")
    if fmt is None:
        check_suffix(output, formats)
        return ParallelDataFormat(suffix)
    if suffix in formats and suffix != fmt.value:
        raise ConfigurationError(f"-o {output} says {suffix} but --format says {fmt.value}")
    return fmt


def _load_glossary(path: Path | None, source_lang: str, target_lang: str) -> Glossary | None:
    return Glossary.load(path, source_lang, target_lang) if path is not None else None


def _write_output(data: ParallelDataFile, output: Path | None) -> None:
    if output is None or is_stdout(output):
        # Bytes, not text: the console's locale must not decide the encoding (the service wants UTF-8).
        try:
            sys.stdout.flush()
            buffer = getattr(sys.stdout, "buffer", None)
            if buffer is not None:
                buffer.write(data.content.encode("utf-8"))
                buffer.flush()
            else:
                sys.stdout.write(data.content)
        except BrokenPipeError:
            # `amts align a.md b.md | head`: the reader left; that is not an error worth a traceback.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return
    try:
        if output.parent and not output.parent.exists():
            output.parent.mkdir(parents=True)
        output.write_bytes(data.content.encode("utf-8"))
    except OSError as error:
        raise BadInputError(output, f"cannot write output: {error.strerror or error}") from error


def _left_out(data: ParallelDataFile) -> str:
    parts = [f"{count} {reason.replace('_', ' ')}" for reason, count in data.skipped.items() if count]
    return ", ".join(parts) if parts else "none"


# --- amts align ---------------------------------------------------------------------------------
GranularityOpt = Annotated[
    Granularity, typer.Option("--granularity", "-g", help="Align paragraphs or sentences.")
]
FormatOpt = Annotated[
    ParallelDataFormat | None,
    typer.Option("--format", "-f", help="tsv, csv or tmx (default: from -o's extension, else tsv)."),
]
MinConfidenceOpt = Annotated[
    float,
    typer.Option("--min-confidence", min=0.0, max=1.0, help="Leave out pairs aligned with less confidence."),
]
GlossaryOpt = Annotated[
    Path | None,
    typer.Option("--glossary", help="Book glossary ('中文，english' per line), used as alignment anchors."),
]


ALIGN_HELP = (
    "Align one markdown file with its translation and print the pairs as parallel data.\n\n"
    "The default output is TSV on stdout: the two language codes on the first line, then one "
    "source<TAB>target pair per line. A one-line summary goes to stderr.\n\n"
    "Exit codes: 0 on success; 2 on a user error (file missing, empty, binary or not UTF-8, "
    "unclosed code fence or math block, bad option), reported on one line."
)


@app.command("align", help=ALIGN_HELP)
def align_command(
    source: Annotated[Path, typer.Argument(help="Source-language markdown file.")],
    target: Annotated[Path, typer.Argument(help="Its translation.")],
    source_lang: SourceLangOpt = "en",
    target_lang: TargetLangOpt = "zh",
    granularity: GranularityOpt = Granularity.SENTENCE,
    fmt: FormatOpt = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write here (.tsv, .csv, .tmx) instead of stdout."),
    ] = None,
    min_confidence: MinConfidenceOpt = DEFAULT_MIN_CONFIDENCE,
    glossary: GlossaryOpt = None,
) -> None:
    """See ALIGN_HELP; the CLI entry point for a single file pair."""
    with user_errors():
        source_lang, target_lang = _check_languages(source_lang, target_lang)
        chosen = _choose_format(fmt, output)
        terms = _load_glossary(glossary, source_lang, target_lang)
        job = AlignJob(
            FilePair(source.name, source, target),
            source_lang,
            target_lang,
            granularity,
            min_confidence,
            terms,
        )
        outcome = align_file_pair(job)
        if outcome.problem is not None:
            typer.echo(f"amts: error: {outcome.problem}", err=True)
            raise typer.Exit(EXIT_USER_ERROR)
        data = build_parallel_data(outcome.pairs, chosen, source_lang, target_lang, segtype=granularity.value)
        _write_output(data, output)
        typer.echo(
            f"amts: {data.pairs_written} pairs, {outcome.dropped} dropped below confidence "
            f"{min_confidence:.2f}, left out: {_left_out(data)}, {data.rewritten} fields rewritten",
            err=True,
        )


# --- amts parallel-data -------------------------------------------------------------------------
@dataclass(slots=True)
class BookRun:
    """What a whole-book run produced, for the summary and the tests."""

    files_aligned: int = 0
    problems: list[str] = field(default_factory=list)
    pairs: list[tuple[str, str, float]] = field(default_factory=list)
    dropped: int = 0
    reviewed: int = 0


def _auto_jobs(requested: int, files: int) -> int:
    if requested > 0:
        return requested
    return max(1, min(2, os.cpu_count() or 1, files))


def _job_size(job: AlignJob) -> int:
    try:
        return job.pair.source.stat().st_size + job.pair.target.stat().st_size
    except OSError:
        return 0


def align_book(
    jobs: Sequence[AlignJob], workers: int, progress: Progress | None = None
) -> list[AlignOutcome]:
    """Align every file pair, in a process pool when it pays; outcomes come back in job order.

    ``progress`` is started here, after the pool has forked its workers: forking while rich's
    refresh thread runs could copy a held lock into a child. The largest files go first so the
    two workers finish at about the same time.
    """
    outcomes: list[AlignOutcome | None] = [None] * len(jobs)
    live = progress if progress is not None else nullcontext()

    def run_all(results: Iterator[tuple[int, AlignOutcome]]) -> None:
        with live:
            task = progress.add_task("aligning", total=len(jobs)) if progress is not None else None
            for i, outcome in results:
                outcomes[i] = outcome
                if progress is not None and task is not None:
                    progress.update(task, advance=1, description=outcome.name)

    if workers <= 1 or len(jobs) < _MIN_FILES_FOR_POOL:
        run_all((i, align_file_pair(job)) for i, job in enumerate(jobs))
    else:
        order = sorted(range(len(jobs)), key=lambda i: _job_size(jobs[i]), reverse=True)
        with ProcessPoolExecutor(max_workers=workers) as executor:
            executor.submit(os.getpid).result()  # start (fork) every worker now
            futures: dict[Future[AlignOutcome], int] = {
                executor.submit(align_file_pair, jobs[i]): i for i in order
            }
            run_all((futures[f], f.result()) for f in as_completed(futures))
    return [o for o in outcomes if o is not None]


PARALLEL_DATA_HELP = (
    "Build one parallel-data file from a whole book (every file paired with its translation).\n\n"
    "Files are matched by relative path. When SOURCE_DIR and TARGET_DIR are the same folder, "
    "name.<src>.md is paired with name.<tgt>.md instead (the d2l-dev layout; name.en-next.md and "
    "other files are ignored).\n\n"
    "A file that cannot be used (not UTF-8, empty, binary, unclosed code fence or math block, "
    "missing partner) is reported on stderr on one line and skipped; the others still produce "
    "output. A summary (files, pairs, pairs dropped for low confidence, characters) goes to stdout, "
    "a progress bar to stderr.\n\n"
    "Files that are not part of a pair (non-markdown files, a glossary such as TERMINOLOGY.zh.md "
    "without a source) are ignored with a note.\n\n"
    "Exit codes: 0 when every file pair was aligned and the output written; "
    "1 when the output was written but some files were skipped; "
    "2 when nothing was written (no usable file pair, bad option, unwritable output)."
)


@app.command("parallel-data", help=PARALLEL_DATA_HELP)
def parallel_data_command(
    source_dir: Annotated[Path, typer.Argument(help="Folder of source-language markdown files.")],
    target_dir: Annotated[
        Path, typer.Argument(help="Folder of translations (the same folder for name.en.md/name.zh.md).")
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="The parallel-data file to write (.tsv, .csv, .tmx; - is stdout)."
        ),
    ],
    source_lang: SourceLangOpt = "en",
    target_lang: TargetLangOpt = "zh",
    granularity: GranularityOpt = Granularity.SENTENCE,
    fmt: FormatOpt = None,
    min_confidence: MinConfidenceOpt = DEFAULT_MIN_CONFIDENCE,
    glossary: GlossaryOpt = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=0, help="Worker processes (0: up to 2, one per core).")
    ] = 0,
    strict: Annotated[
        bool, typer.Option("--strict", hidden=True, help="Kept for old scripts: skipped files always exit 1.")
    ] = False,
    quiet: QuietOpt = False,
) -> None:
    """See PARALLEL_DATA_HELP; the CLI entry point for a whole book."""
    with user_errors():
        source_lang, target_lang = _check_languages(source_lang, target_lang)
        chosen = _choose_format(fmt, output)
        terms = _load_glossary(glossary, source_lang, target_lang)
        book = pair_book_files(source_dir, target_dir, source_lang, target_lang)
        file_pairs = book.pairs
        run = BookRun(problems=[str(p) for p in book.problems])
        for note in book.ignored:
            typer.echo(f"amts: note: {note}", err=True)
        align_jobs = [
            AlignJob(fp, source_lang, target_lang, granularity, min_confidence, terms) for fp in file_pairs
        ]
        stderr = Console(stderr=True)
        progress = Progress(
            TextColumn("[progress.description]{task.description:<40.40}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=stderr,
            transient=True,
            disable=quiet or not align_jobs,
        )
        outcomes = align_book(align_jobs, _auto_jobs(jobs, len(align_jobs)), progress)
        for outcome in outcomes:
            if outcome.problem is not None:
                run.problems.append(outcome.problem)
                continue
            run.files_aligned += 1
            run.pairs.extend(outcome.pairs)
            run.dropped += outcome.dropped
            run.reviewed += outcome.reviewed
        for problem in run.problems:
            typer.echo(f"amts: error: {problem} (file skipped)", err=True)
        if run.files_aligned == 0:
            raise BadInputError(
                source_dir,
                f"no usable file pair found ({len(run.problems)} file(s) skipped); nothing written",
            )
        data = build_parallel_data(run.pairs, chosen, source_lang, target_lang, segtype=granularity.value)
        _write_output(data, output)
        # With -o - the pairs are on stdout: the summary goes to stderr so it cannot mix in.
        say = (lambda line: typer.echo(line, err=True)) if is_stdout(output) else typer.echo
        say(f"files:      {run.files_aligned} aligned, {len(run.problems)} skipped")
        where = "stdout" if is_stdout(output) else str(output)
        say(
            f"pairs:      {data.pairs_written} written to {where} ({data.format.value}, "
            f"{data.size_bytes:,} bytes)"
        )
        say(f"dropped:    {run.dropped} below confidence {min_confidence:.2f}")
        say(f"left out:   {_left_out(data)}")
        say(f"rewritten:  {data.rewritten} fields lost a leading + - = @")
        say(f"reviewed:   {run.reviewed} segment(s) edited by reviewers after AMTS wrote them (kept)")
        say(f"characters: {data.source_characters:,} {source_lang}, {data.target_characters:,} {target_lang}")
    del strict  # skipped files exit 1 with or without it
    if run.problems:
        raise typer.Exit(EXIT_FILES_SKIPPED)
