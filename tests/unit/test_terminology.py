"""Glossaries in the book's four styles, the custom terminology file, the terminology check."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from amts.cli import app
from amts.domain.glossary import Glossary, parse_entries
from amts.domain.markdown import parse
from amts.domain.terminology import (
    MAX_TERM_BYTES,
    MAX_TERMS,
    build_terminology,
    check_terms,
    terminology_name,
)
from typer.testing import CliRunner

ZH_STYLE = (
    "## 英汉术语对照\n\n鞍点，saddle point\n\n实例/示例，instance\n\n"
    "长短期记忆网络，long short-term memory (LSTM)\n"
)
KO_STYLE = (
    "## 영어-한국어 용어 비교표\n\n| 영어 | 한국어 |\n| ---- | ------ |\n| accuracy | 정확도 |\n"
    "| bucketing |  |\n| tokenizer/tokenization | 토크나이저 |\n"
)
VI_STYLE = (
    "# Bảng thuật ngữ\n\nNếu một từ chưa có, bạn có thể mở một chủ đề.\n\n## A\n"
    "| English | Tiếng Việt | Thảo luận tại |\n|---|---|---|\n"
    "| negative sample/example | mẫu âm | |\n| inference | dự đoán / suy luận | [x](https://git.io/x) |\n"
    "| argument (in programming) | đối số | |\n"
)
TR_STYLE = (
    "## Terimler\n:label:`terminology`\n\nanalogy; benzeşim, benzetme\n\n"
    "condition number; (matrisin) sağlamlık sayısı\n"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            ZH_STYLE,
            [
                (("saddle point",), ("鞍点",)),
                (("instance",), ("实例", "示例")),
                (("long short-term memory",), ("长短期记忆网络",)),
            ],
        ),
        (KO_STYLE, [(("accuracy",), ("정확도",)), (("tokenizer", "tokenization"), ("토크나이저",))]),
        (
            VI_STYLE,
            [
                (("negative sample", "negative example"), ("mẫu âm",)),
                (("inference",), ("dự đoán", "suy luận")),
                (("argument",), ("đối số",)),
            ],
        ),
        (
            TR_STYLE,
            [(("analogy",), ("benzeşim", "benzetme")), (("condition number",), ("sağlamlık sayısı",))],
        ),
    ],
)
def test_the_four_glossary_styles_parse_with_alternatives_and_without_empty_cells(
    text: str, expected: list[tuple[tuple[str, ...], tuple[str, ...]]]
) -> None:
    # When a glossary of each style is parsed
    entries = parse_entries(text)
    # Then every entry with a translation is found (empty cells, titles and prose are not)
    assert [(e.english, e.translations) for e in entries] == expected


def test_glossary_for_alignment_reads_the_table_style_too() -> None:
    glossary = Glossary.from_text(KO_STYLE, "en", "ko")
    assert ("accuracy", "정확도") in glossary.terms
    assert Glossary.from_text(ZH_STYLE, "zh", "en").terms[0] == ("鞍点", "saddle point")


def test_terminology_file_is_csv_with_the_language_codes_first() -> None:
    # When a terminology file is built from the Korean glossary
    term_file = build_terminology(parse_entries(KO_STYLE), "en", "ko")
    rows = list(csv.reader(io.StringIO(term_file.content.decode("utf-8"))))
    # Then it is CSV: the codes, then one row per English term and the preferred translation
    assert rows == [
        ["en", "ko"],
        ["accuracy", "정확도"],
        ["tokenizer", "토크나이저"],
        ["tokenization", "토크나이저"],
    ]
    assert term_file.terms == 3 and len(term_file.sha256) == 64


def test_terminology_respects_the_term_length_and_count_limits() -> None:
    # Given a glossary with one term over 200 bytes and more terms than the service allows
    lines = [f"term{i:04d}; çeviri{i}" for i in range(MAX_TERMS + 20)]
    lines.append(f"long; {'ç' * (MAX_TERM_BYTES // 2 + 1)}")  # 202 bytes of UTF-8
    term_file = build_terminology(parse_entries("\n".join(lines)), "en", "tr")
    # Then the file holds at most the allowed count and reports what it left out
    assert term_file.terms == MAX_TERMS
    assert term_file.dropped_over_count == 20
    assert term_file.dropped_too_long == 1
    assert all(
        len(c.encode()) <= MAX_TERM_BYTES
        for row in csv.reader(io.StringIO(term_file.content.decode()))
        for c in row
    )


def test_reverse_direction_puts_the_translation_first() -> None:
    term_file = build_terminology(parse_entries(ZH_STYLE), "zh", "en")
    assert term_file.content.decode().splitlines()[:2] == ["zh,en", "鞍点,saddle point"]
    assert terminology_name("amts-d2l", "zh", "en") == "amts-d2l-terms-zh-en"


def test_check_terms_finds_the_missing_agreed_translation() -> None:
    # Given an English text with two glossary terms and a translation that uses only one
    src = parse("# Title\n\nWe measure the accuracy of the tokenizer.\n\nThe `accuracy` variable.\n", "en")
    tgt = parse("# 제목\n\n토크나이저의 성능을 측정합니다.\n\n`accuracy` 변수입니다.\n", "ko")
    result = check_terms(src, tgt, parse_entries(KO_STYLE))
    # Then the missing term is one violation with its line on each side; code is not checked
    assert [(v.term, v.translation, v.source_line, v.target_line) for v in result.violations] == [
        ("accuracy", "정확도", 3, 3)
    ]
    assert result.occurrences == 2


def test_a_term_inside_a_longer_term_is_not_checked_on_its_own() -> None:
    entries = parse_entries("batch; toplu\n\nbatch normalization; toplu normalleştirme\n")
    src = parse("We use batch normalization.\n", "en")
    tgt = parse("Toplu normalleştirme kullanıyoruz.\n", "tr")
    result = check_terms(src, tgt, entries)
    assert result.violations == [] and result.occurrences == 1


def test_check_terms_command_prints_json_and_exits_zero_with_violations(tmp_path: Path) -> None:
    # Given files and a glossary
    (tmp_path / "g.md").write_text(KO_STYLE, encoding="utf-8")
    (tmp_path / "a.en.md").write_text("We measure accuracy.\n", encoding="utf-8")
    (tmp_path / "a.ko.md").write_text("성능을 측정합니다.\n", encoding="utf-8")
    # When the command runs with --json
    result = CliRunner().invoke(
        app,
        [
            "check-terms",
            str(tmp_path / "a.en.md"),
            str(tmp_path / "a.ko.md"),
            "--glossary",
            str(tmp_path / "g.md"),
            "-s",
            "en",
            "-t",
            "ko",
            "--json",
        ],
    )
    # Then it exits 0 and lists one violation with the term, the translation and both lines
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [
        (v["term"], v["translation"], v["source_line"], v["target_line"]) for v in data["violations"]
    ] == [("accuracy", "정확도", 1, 1)]


def test_check_terms_command_refuses_an_unknown_language(tmp_path: Path) -> None:
    (tmp_path / "g.md").write_text(KO_STYLE, encoding="utf-8")
    (tmp_path / "a.md").write_text("x\n", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "check-terms",
            str(tmp_path / "a.md"),
            str(tmp_path / "a.md"),
            "--glossary",
            str(tmp_path / "g.md"),
            "-t",
            "xx",
        ],
    )
    assert result.exit_code != 0


def test_idioms_are_not_terms() -> None:
    # Given "example" and "prior" glossary entries and English that uses them as idioms
    entries = parse_entries("example; örnek\n\nprior; önsel\n")
    src = parse("For example, we add. This happens prior to training.\n", "en")
    tgt = parse("Mesela toplarız. Bu eğitimden önce olur.\n", "tr")
    # Then nothing is checked
    assert check_terms(src, tgt, entries).occurrences == 0
    # but the term itself is
    assert check_terms(parse("One example.\n", "en"), tgt, entries).occurrences == 1
