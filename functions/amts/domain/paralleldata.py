"""Amazon Translate parallel-data files: CSV, TSV, TMX.

Active Custom Translation reads one parallel-data file per resource and is unforgiving in quiet
ways: it skips a segment over 1,000 bytes without a word, lets the last duplicate of a source
win, and rejects CSV/TSV fields that look like spreadsheet formulas. This module applies those
rules itself, so that what AMTS writes is exactly what the service will learn from, and counts
every pair it leaves out or rewrites so the CLI and the report can say so.

Rules and where they come from (Amazon Translate Developer Guide):

* Formats TMX, CSV, TSV; UTF-8; first CSV/TSV line = the language codes, source first.
  https://docs.aws.amazon.com/translate/latest/dg/customizing-translations-parallel-data-input-files.html
* "Maximum size of a single segment or record in a parallel data input file: 1000 bytes"; "Maximum
  size of a parallel data input file": the quota table says 5 GB, the document history says 5 MB
  (raised from 1 MB in 2021). We plan for 5 MB (:data:`MAX_FILE_BYTES`) until the account's quota
  is checked. https://docs.aws.amazon.com/translate/latest/dg/what-is-limits.html
* CSV/TSV records must not begin with ``=``, ``+``, ``-`` or ``@`` (CSV-injection guard), even
  quoted. https://docs.aws.amazon.com/translate/latest/APIReference/API_ParallelDataDataLocation.html
* TMX 1.4b header attributes (creationtool, creationtoolversion, segtype, o-tmf, adminlang,
  srclang, datatype): https://www.gala-global.org/tmx-14b

Decisions (documented here because the service leaves them open):

* Whitespace is normalised in every format (tabs, newlines and runs of spaces become one space)
  so that the three formats carry the same segments; TSV could not hold them anyway.
* A leading ``+ - = @`` (with the blank after it, e.g. a ``- `` list marker) is stripped from a
  CSV/TSV field and counted in :attr:`ParallelDataFile.rewritten`; TMX keeps the text as it is.
* Duplicate source texts: one pair is kept, the one with the highest confidence (the first one on
  a tie), at the position where that source text first appeared. Deterministic, and it keeps the
  service's "last one wins" from picking an arbitrary pair.
* A file past :data:`MAX_FILE_BYTES` raises :class:`ParallelDataTooLarge` rather than being
  split: one translation job uses exactly one parallel-data resource, so a second file could
  never be used together with the first. Raise ``--min-confidence`` or use sentence granularity.
* TSV is written without quoting (the guide defines none). A field that starts with ``"`` is
  written as it is; should the service ever read TSV with CSV-style quoting, CSV or TMX (fully
  escaped) are the safe choices.
* Inline protected spans (```code```, ``$x$``, ``:numref:`x```) are kept verbatim: the service
  should learn to leave them alone.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from xml.sax.saxutils import escape, quoteattr

from amts.domain.align import AlignedPair
from amts.errors import BadInputError, ConfigurationError

MAX_SEGMENT_BYTES = 1000
MAX_FILE_BYTES = 5 * 1000 * 1000
FORBIDDEN_PREFIXES = "+-=@"
TMX_CREATION_TOOL = "amts"
TMX_CREATION_TOOL_VERSION = "0.1.0"

# Amazon Translate language codes: "en", "zh", "zh-TW", "fr-CA", "es-MX", ...
_LANG_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
_WHITESPACE = re.compile(r"\s+")
# Characters XML 1.0 cannot carry at all (C0 controls except tab/LF/CR, lone surrogates, FFFE/FFFF).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FORBIDDEN_LEAD = re.compile(r"^[+\-=@\s]+")

PairLike = tuple[str, str] | tuple[str, str, float] | AlignedPair


class ParallelDataFormat(StrEnum):
    TSV = "tsv"
    CSV = "csv"
    TMX = "tmx"

    @property
    def api_value(self) -> str:
        """The ``ParallelDataConfig.Format`` value the Translate API expects."""
        return self.value.upper()


class ParallelDataTooLarge(BadInputError):
    """The file would exceed the input-file size Amazon Translate accepts."""

    def __init__(self, size: int, limit: int, path: str | None = None) -> None:
        self.size = size
        self.limit = limit
        super().__init__(
            path or "<parallel data>",
            f"parallel data would be {size:,} bytes, over the {limit:,}-byte limit of Amazon Translate; "
            "raise --min-confidence or use --granularity sentence",
        )


@dataclass(slots=True)
class ParallelDataFile:
    """A rendered parallel-data file and the account of what went into it.

    ``skipped`` maps a reason to the number of pairs left out: ``empty`` (a side with no text),
    ``too_long`` (a side over :data:`MAX_SEGMENT_BYTES`), ``duplicate`` (same source text as a
    kept pair). ``rewritten`` counts fields whose forbidden CSV/TSV prefix was stripped.
    """

    content: str
    format: ParallelDataFormat
    pairs_written: int
    skipped: dict[str, int] = field(default_factory=dict)
    rewritten: int = 0
    source_lang: str = ""
    target_lang: str = ""
    source_characters: int = 0
    target_characters: int = 0

    @property
    def size_bytes(self) -> int:
        return len(self.content.encode("utf-8"))

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    @property
    def file_extension(self) -> str:
        return self.format.value


def normalise_segment(text: str) -> str:
    """One line, single spaces, no characters XML cannot hold: the form every format writes."""
    return _WHITESPACE.sub(" ", _XML_INVALID.sub("", text)).strip()


def strip_forbidden_prefix(text: str) -> str:
    """Drop leading ``+ - = @`` (and blanks between them) that CSV/TSV fields may not start with."""
    return _FORBIDDEN_LEAD.sub("", text) if text[:1] in FORBIDDEN_PREFIXES else text


def _unpack(pair: PairLike) -> tuple[str, str, float]:
    if isinstance(pair, AlignedPair):
        return pair.source, pair.target, pair.confidence
    if len(pair) == 3:
        return pair[0], pair[1], float(pair[2])
    return pair[0], pair[1], 1.0


def _check_lang(code: str) -> None:
    if not _LANG_CODE.match(code):
        raise ConfigurationError(
            f"language code {code!r} is not an Amazon Translate code such as 'en' or 'zh'"
        )


def clean_pairs(
    pairs: Iterable[PairLike],
    fmt: ParallelDataFormat,
    *,
    max_segment_bytes: int = MAX_SEGMENT_BYTES,
) -> tuple[list[tuple[str, str]], dict[str, int], int]:
    """Apply the service's segment rules; return (kept pairs, skipped counts, rewritten fields)."""
    skipped = {"empty": 0, "too_long": 0, "duplicate": 0}
    rewritten = 0
    strip_prefix = fmt is not ParallelDataFormat.TMX
    # source text -> (target, confidence); insertion order = first appearance of the source
    kept: dict[str, tuple[str, float]] = {}
    for pair in pairs:
        raw_source, raw_target, confidence = _unpack(pair)
        sides: list[str] = []
        fixed = 0
        for raw in (raw_source, raw_target):
            text = normalise_segment(raw)
            if strip_prefix and text[:1] in FORBIDDEN_PREFIXES:
                text = strip_forbidden_prefix(text)
                fixed += 1
            sides.append(text)
        source, target = sides
        if not source or not target:
            skipped["empty"] += 1
            continue
        if len(source.encode("utf-8")) > max_segment_bytes or len(target.encode("utf-8")) > max_segment_bytes:
            skipped["too_long"] += 1
            continue
        rewritten += fixed
        previous = kept.get(source)
        if previous is not None:
            skipped["duplicate"] += 1
            if confidence > previous[1]:
                kept[source] = (target, confidence)  # dict keeps the first position
            continue
        kept[source] = (target, confidence)
    return [(s, t) for s, (t, _) in kept.items()], skipped, rewritten


def _render_delimited(
    pairs: list[tuple[str, str]], source_lang: str, target_lang: str, fmt: ParallelDataFormat
) -> str:
    if fmt is ParallelDataFormat.TSV:
        # Fields hold no tab or newline after normalisation: no quoting needed or wanted.
        lines = [f"{source_lang}\t{target_lang}", *(f"{s}\t{t}" for s, t in pairs)]
        return "\n".join(lines) + "\n"
    buffer = io.StringIO()
    # RFC 4180: CRLF record ends, fields with a comma or double quote quoted, quotes doubled.
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([source_lang, target_lang])
    writer.writerows(pairs)
    return buffer.getvalue()


def _render_tmx(pairs: list[tuple[str, str]], source_lang: str, target_lang: str, segtype: str) -> str:
    header_attrs = {
        "creationtool": TMX_CREATION_TOOL,
        "creationtoolversion": TMX_CREATION_TOOL_VERSION,
        "segtype": segtype,
        "o-tmf": TMX_CREATION_TOOL,
        "adminlang": "en",
        "srclang": source_lang,
        "datatype": "plaintext",
    }
    attrs = " ".join(f"{k}={quoteattr(v)}" for k, v in header_attrs.items())
    src_lang, tgt_lang = quoteattr(source_lang), quoteattr(target_lang)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<tmx version="1.4">',
        f"  <header {attrs}/>",
        "  <body>",
    ]
    for source, target in pairs:
        out.append("    <tu>")
        out.append(f"      <tuv xml:lang={src_lang}><seg>{escape(source)}</seg></tuv>")
        out.append(f"      <tuv xml:lang={tgt_lang}><seg>{escape(target)}</seg></tuv>")
        out.append("    </tu>")
    out.extend(["  </body>", "</tmx>"])
    return "\n".join(out) + "\n"


def build_parallel_data(
    pairs: Iterable[PairLike],
    fmt: ParallelDataFormat | str,
    source_lang: str,
    target_lang: str,
    *,
    segtype: str = "sentence",
    max_segment_bytes: int = MAX_SEGMENT_BYTES,
    max_file_bytes: int | None = MAX_FILE_BYTES,
) -> ParallelDataFile:
    """Render aligned pairs as an Amazon Translate parallel-data file.

    ``pairs`` are ``(source, target)``, ``(source, target, confidence)`` or
    :class:`~amts.domain.align.AlignedPair`; confidence only decides which duplicate is kept.
    ``segtype`` is the TMX segment type (``sentence`` or ``paragraph``, the alignment
    granularity). ``max_file_bytes=None`` disables the file-size check (e.g. for stdout previews).
    """
    fmt = ParallelDataFormat(fmt)
    _check_lang(source_lang)
    _check_lang(target_lang)
    if source_lang == target_lang:
        raise ConfigurationError(f"source and target language are both {source_lang!r}")
    if segtype not in ("sentence", "paragraph", "phrase", "block"):
        raise ConfigurationError(f"TMX segtype {segtype!r} must be sentence, paragraph, phrase or block")
    kept, skipped, rewritten = clean_pairs(pairs, fmt, max_segment_bytes=max_segment_bytes)
    if fmt is ParallelDataFormat.TMX:
        content = _render_tmx(kept, source_lang, target_lang, segtype)
    else:
        content = _render_delimited(kept, source_lang, target_lang, fmt)
    result = ParallelDataFile(
        content=content,
        format=fmt,
        pairs_written=len(kept),
        skipped=skipped,
        rewritten=rewritten,
        source_lang=source_lang,
        target_lang=target_lang,
        source_characters=sum(len(s) for s, _ in kept),
        target_characters=sum(len(t) for _, t in kept),
    )
    if max_file_bytes is not None and result.size_bytes > max_file_bytes:
        raise ParallelDataTooLarge(result.size_bytes, max_file_bytes)
    return result
