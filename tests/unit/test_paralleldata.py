"""Parallel-data files follow Amazon Translate's rules in all three formats."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from amts.domain.align import AlignedPair, Granularity
from amts.domain.paralleldata import (
    FORBIDDEN_PREFIXES,
    MAX_SEGMENT_BYTES,
    ParallelDataFile,
    ParallelDataFormat,
    ParallelDataTooLarge,
    build_parallel_data,
    normalise_segment,
    strip_forbidden_prefix,
)
from amts.errors import BadInputError, ConfigurationError

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

PAIRS = [
    ("Training curves are noisy.", "训练曲线充满噪声。"),
    ("We store the value in `v`, then update it.", "我们把值存储在`v`中，然后更新它。"),
    ('The decay rate $\\beta$ is "large".', "衰减率$\\beta$很“大”。"),
]


def _tsv_rows(data: ParallelDataFile) -> list[list[str]]:
    return [line.split("\t") for line in data.content.split("\n") if line]


def _csv_rows(data: ParallelDataFile) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.content, newline="")))


def _tmx_units(data: ParallelDataFile) -> tuple[ET.Element, list[dict[str, str]]]:
    root = ET.fromstring(data.content.encode("utf-8"))
    units = []
    for tu in root.iter("tu"):
        units.append({tuv.attrib[XML_LANG]: tuv.findtext("seg") or "" for tuv in tu.iter("tuv")})
    return root, units


# --- TSV -----------------------------------------------------------------------------------------
def test_tsv_first_line_is_the_language_codes_then_one_pair_per_line() -> None:
    # Given three clean pairs
    # When written as TSV
    data = build_parallel_data(PAIRS, "tsv", "en", "zh")
    # Then the header is en<TAB>zh and each pair is one line with exactly two fields
    rows = _tsv_rows(data)
    assert rows[0] == ["en", "zh"]
    assert rows[1:] == [list(p) for p in PAIRS]
    assert data.pairs_written == len(PAIRS)
    assert data.content.endswith("\n")


def test_tsv_normalises_tabs_and_newlines_inside_segments() -> None:
    # Given segments with a tab, a newline and runs of blanks
    pairs = [("one\ttwo\nthree   four", "一\t二\n三")]
    # When written as TSV
    data = build_parallel_data(pairs, ParallelDataFormat.TSV, "en", "zh")
    # Then every record still has exactly two fields and whitespace became single spaces
    assert _tsv_rows(data)[1] == ["one two three four", "一 二 三"]
    assert data.content.count("\n") == 2


# --- CSV -----------------------------------------------------------------------------------------
def test_csv_quotes_commas_and_quotes_per_rfc_4180() -> None:
    # Given a segment with a comma and double quotes
    pairs = [('Say "hi", then leave.', "说“你好”，然后离开。")]
    # When written as CSV
    data = build_parallel_data(pairs, "csv", "en", "zh")
    # Then the field is quoted, inner quotes doubled, records end with CRLF, and it reads back
    assert '"Say ""hi"", then leave."' in data.content
    assert data.content.startswith("en,zh\r\n")
    assert _csv_rows(data) == [["en", "zh"], list(pairs[0])]


# --- forbidden prefixes --------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["tsv", "csv"])
def test_delimited_fields_never_start_with_a_formula_character(fmt: str) -> None:
    # Given list items and text that start with - + = @
    pairs = [
        ("- first item", "- 第一项"),
        ("+ plus sign", "加号"),
        ("=SUM(A1)", "=SUM(A1)"),
        ("@property makes a getter", "@property 定义一个取值方法"),
    ]
    # When written as TSV or CSV
    data = build_parallel_data(pairs, fmt, "en", "zh")
    rows = _tsv_rows(data) if fmt == "tsv" else _csv_rows(data)
    # Then no field starts with a forbidden character and the rewrites were counted
    fields = [f for row in rows[1:] for f in row]
    assert fields and all(f[:1] not in FORBIDDEN_PREFIXES for f in fields)
    assert rows[1] == ["first item", "第一项"]
    assert data.rewritten == 7  # every field above except "加号"


def test_tmx_keeps_leading_markers_as_they_are() -> None:
    # Given a list item: TMX has no formula rule
    data = build_parallel_data([("- first item", "- 第一项")], "tmx", "en", "zh")
    # Then the text is unchanged and nothing counts as rewritten
    _, units = _tmx_units(data)
    assert units == [{"en": "- first item", "zh": "- 第一项"}]
    assert data.rewritten == 0


def test_strip_forbidden_prefix_only_touches_the_start() -> None:
    # Given text with dashes inside / When stripped / Then only the leading run goes
    assert strip_forbidden_prefix("-- a - b") == "a - b"
    assert strip_forbidden_prefix("a - b") == "a - b"


# --- skipped pairs -------------------------------------------------------------------------------
def test_empty_sides_are_skipped_and_counted() -> None:
    # Given pairs where one side is empty or blank, or only a marker
    pairs = [("", "空"), ("blank", "   "), ("-", "-"), *PAIRS[:1]]
    # When written
    data = build_parallel_data(pairs, "tsv", "en", "zh")
    # Then only the real pair is written and three are counted as empty
    assert data.pairs_written == 1
    assert data.skipped["empty"] == 3
    assert len(_tsv_rows(data)) == 2


def test_segments_over_1000_bytes_are_skipped_by_utf8_size_not_characters() -> None:
    # Given a Chinese side of 334 characters (1,002 bytes) and one of 333 characters (999 bytes)
    too_long = "字" * (MAX_SEGMENT_BYTES // 3 + 1)
    fits = "字" * (MAX_SEGMENT_BYTES // 3)
    # When written
    data = build_parallel_data([("a", too_long), ("b", fits)], "tsv", "en", "zh")
    # Then the first is left out and counted, the second kept
    assert len(too_long.encode()) > MAX_SEGMENT_BYTES >= len(fits.encode())
    assert data.skipped["too_long"] == 1
    assert _tsv_rows(data)[1:] == [["b", fits]]


def test_duplicate_sources_keep_the_highest_confidence_pair_at_its_first_position() -> None:
    # Given the same source three times with different targets and confidences
    pairs = [
        ("Hello.", "你好。", 0.6),
        ("Bye.", "再见。", 0.9),
        ("Hello.", "您好。", 0.95),
        ("Hello.", "哈喽。", 0.7),
    ]
    # When written
    data = build_parallel_data(pairs, "tsv", "en", "zh")
    # Then one "Hello." remains, with the most confident target, before "Bye."
    assert _tsv_rows(data)[1:] == [["Hello.", "您好。"], ["Bye.", "再见。"]]
    assert data.skipped["duplicate"] == 2


def test_duplicates_are_detected_after_whitespace_normalisation() -> None:
    # Given two sources that differ only in blanks
    data = build_parallel_data([("a  b", "甲乙"), ("a\nb", "甲 乙")], "tsv", "en", "zh")
    # Then they count as the same source
    assert data.pairs_written == 1
    assert data.skipped["duplicate"] == 1


def test_aligned_pairs_are_accepted_directly() -> None:
    # Given AlignedPair objects from the aligner
    pairs = [
        AlignedPair("Same.", "一。", 0.55, Granularity.SENTENCE),
        AlignedPair("Same.", "二。", 0.99, Granularity.SENTENCE),
    ]
    # When written / Then their confidence decides the duplicate
    data = build_parallel_data(pairs, "tsv", "en", "zh")
    assert _tsv_rows(data)[1:] == [["Same.", "二。"]]


# --- TMX -----------------------------------------------------------------------------------------
def test_tmx_is_well_formed_1_4_with_the_required_header() -> None:
    # Given pairs with XML-special characters
    pairs = [*PAIRS, ("a < b && c > d", "a < b && c > d 成立")]
    # When written as TMX with paragraph segments
    data = build_parallel_data(pairs, "tmx", "en", "zh", segtype="paragraph")
    root, units = _tmx_units(data)
    # Then it parses, the header carries the TMX 1.4b attributes, and text round-trips
    assert root.tag == "tmx" and root.attrib["version"] == "1.4"
    header = root.find("header")
    assert header is not None
    assert header.attrib["srclang"] == "en"
    assert header.attrib["segtype"] == "paragraph"
    assert header.attrib["datatype"] == "plaintext"
    for attr in ("creationtool", "creationtoolversion", "o-tmf", "adminlang"):
        assert header.attrib[attr]
    assert units == [{"en": s, "zh": t} for s, t in pairs]
    assert "&lt;" in data.content and "&amp;&amp;" in data.content


def test_tmx_drops_characters_xml_cannot_carry() -> None:
    # Given a control character in a segment
    data = build_parallel_data([("bell\x07 rings", "铃声\x00响")], "tmx", "en", "zh")
    # Then the file still parses and the control characters are gone
    _, units = _tmx_units(data)
    assert units == [{"en": "bell rings", "zh": "铃声响"}]


def test_protected_inline_spans_are_kept_verbatim_in_every_format() -> None:
    # Given a segment with inline code, math and a role
    source = "See :numref:`sec_x` for `f(x)` and $x_i^2$."
    target = "参见 :numref:`sec_x`中的`f(x)`和$x_i^2$。"
    for fmt in ParallelDataFormat:
        # When written in each format
        data = build_parallel_data([(source, target)], fmt, "en", "zh")
        # Then the spans appear unchanged (TMX escapes nothing in them either)
        assert source in data.content and target in data.content, fmt


# --- limits and arguments ------------------------------------------------------------------------
def test_a_file_over_the_limit_raises_a_clear_bad_input_error() -> None:
    # Given enough pairs to pass a small file limit
    pairs = [(f"Sentence number {i}.", f"第{i}句。") for i in range(50)]
    # When built with a 500-byte limit
    with pytest.raises(ParallelDataTooLarge) as info:
        build_parallel_data(pairs, "tsv", "en", "zh", max_file_bytes=500)
    # Then the error is a BadInputError naming the size and the limit
    assert isinstance(info.value, BadInputError)
    assert "500-byte limit" in str(info.value)
    assert info.value.size > 500


def test_unlimited_file_size_can_be_requested() -> None:
    pairs = [(f"Sentence number {i}.", f"第{i}句。") for i in range(50)]
    data = build_parallel_data(pairs, "tsv", "en", "zh", max_file_bytes=None)
    assert data.size_bytes > 500 and data.pairs_written == 50


@pytest.mark.parametrize(
    ("source_lang", "target_lang", "segtype"),
    [("english", "zh", "sentence"), ("en", "en", "sentence"), ("en", "zh", "word")],
)
def test_bad_arguments_are_configuration_errors(source_lang: str, target_lang: str, segtype: str) -> None:
    with pytest.raises(ConfigurationError):
        build_parallel_data(PAIRS, "tsv", source_lang, target_lang, segtype=segtype)


def test_character_counts_cover_the_written_pairs_only() -> None:
    # Given one kept pair and one skipped empty pair
    data = build_parallel_data([("abc", "甲乙"), ("", "丙")], "tsv", "en", "zh")
    # Then the character counts are those of the kept pair
    assert (data.source_characters, data.target_characters) == (3, 2)


def test_normalise_segment_collapses_whitespace_and_trims() -> None:
    assert normalise_segment("  a\t b\r\n c  ") == "a b c"


def test_api_value_is_what_parallel_data_config_expects() -> None:
    assert [f.api_value for f in ParallelDataFormat] == ["TSV", "CSV", "TMX"]
