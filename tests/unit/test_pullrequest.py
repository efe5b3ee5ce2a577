"""The pull-request body: review items at their lines, links, tables."""

from __future__ import annotations

from amts.domain.pullrequest import FileEntry, PullRequest, link_base, render, review_items
from amts.domain.report import FileResult, LanguageResult, ScoreResult
from amts.domain.sync import MACHINE_MARKER, UNTRANSLATED_MARKER

TEXT = "\n".join(
    [
        "# 标题",
        "",
        MACHINE_MARKER.format(ids="abc"),
        "机器翻译的段落。",
        "",
        "人工翻译的段落。",
        "",
        UNTRANSLATED_MARKER.format(ids="def"),
        "Left in English.",
        "",
    ]
)


def test_each_marker_is_one_item_at_the_line_of_the_text_it_marks() -> None:
    # Given a translation with one machine-translated and one untranslated paragraph
    items = review_items("ch/a.md", TEXT)
    # Then two items, at lines 4 and 9 (the marked text, not the marker), with their kind and text
    assert [(i.line, i.kind, i.excerpt) for i in items] == [
        (4, "machine-translated", "机器翻译的段落。"),
        (9, "untranslated", "Left in English."),
    ]


def test_github_remotes_give_permalinks_others_relative_links() -> None:
    for url in ("https://github.com/d2l-ai/d2l-zh.git", "git@github.com:d2l-ai/d2l-zh.git"):
        assert link_base(url, "c0ffee") == "https://github.com/d2l-ai/d2l-zh/blob/c0ffee/"
    assert link_base("/srv/git/d2l-zh", "c0ffee") == ""
    assert link_base(None, "c0ffee") == ""


def _pr(result: LanguageResult | None) -> PullRequest:
    return PullRequest(
        title="AMTS: zh",
        english="`a`..`b`",
        run_id="run-1",
        language="zh",
        files=[FileEntry("ch/a.md", "modified", reused=1, machine=1, untranslated=1)],
        deleted=["ch/gone.md"],
        review=review_items("ch/a.md", TEXT),
        result=result,
    )


def test_the_body_lists_every_review_item_with_its_link_and_the_deleted_files() -> None:
    body = render(_pr(None), base="https://github.com/o/r/blob/c0ffee/")
    assert "- [ ] [ch/a.md:4](https://github.com/o/r/blob/c0ffee/ch/a.md#L4) machine-translated" in body
    assert "- [ ] [ch/a.md:9](https://github.com/o/r/blob/c0ffee/ch/a.md#L9) untranslated" in body
    assert "Review items: 2" in body and "`ch/gone.md`" in body
    assert "### BLEU" not in body and "### Cost" not in body  # no report: no cost, no scores


def test_cost_and_the_bleu_table_come_from_the_report_when_there_are_scores() -> None:
    # Given a language result with a cost and a score for one file
    fr = FileResult(path="ch/a.md", scores={"workflow": ScoreResult(bleu=0.5, chrf=61.25)})
    result = LanguageResult(
        source_lang="en",
        target_lang="zh",
        files=[fr],
        characters_translated=1200,
        cost_estimate_usd={"standard": 0.018},
    )
    body = render(_pr(result))
    # Then the cost line and a BLEU row for the file
    assert "1,200 characters translated: standard $0.0180" in body
    assert "| `ch/a.md` | 0.500 | 61.2 |" in body
