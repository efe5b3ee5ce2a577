"""The report chart and texts: labels never collide, the cost and the counts always read right."""

from __future__ import annotations

from itertools import combinations

import pytest
from amts.domain.report import (
    FileResult,
    LanguageResult,
    RunReport,
    ScoreResult,
    VariantSummary,
    chart_figure,
    summarize_language,
    to_markdown,
)

pytest.importorskip("matplotlib")


def _report(bleus: dict[str, list[float | None]]) -> RunReport:
    files = []
    n = len(next(iter(bleus.values())))
    for i in range(n):
        scores = {
            v: ScoreResult(bleu=b[i], bleu_100=b[i] * 100, chrf=50.0)
            if b[i] is not None
            else ScoreResult.failed("no score")
            for v, b in bleus.items()
        }
        files.append(FileResult(path=f"chapter/section-{i}.md", scores=scores))
    lang = LanguageResult(source_lang="en", target_lang="zh", files=files)
    summarize_language(lang, list(bleus))
    return RunReport(kind="evaluation", execution="t", variants=list(bleus), languages=[lang])


@pytest.mark.parametrize(
    "bleus",
    [
        {"workflow": [0.79, 1.0, 0.77], "without-act": [0.19, None, None], "act": [0.19, None, None]},
        {"no-act": [0.0, 0.004, 0.0], "act-paragraph": [0.33, 0.17, 0.29], "act-sentence": [0.56, 0.33, 0.4]},
        {"a": [0.98, 0.97, 0.99, 0.96, 0.95, 1.0], "b": [0.97, 0.99, 0.98, 0.97, 0.99, 0.95]},
    ],
)
def test_bar_labels_never_overlap_each_other_or_the_title(bleus: dict[str, list[float | None]]) -> None:
    # Given a report with scores near 1, near 0 and missing
    report = _report(bleus)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = chart_figure(report, report.languages[0])
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    labels = list(ax.texts)  # bar_label and annotate both add their texts here
    boxes = [t.get_window_extent(renderer) for t in labels if t.get_text()]
    title = ax.title.get_window_extent(renderer)
    # Then there is one label per bar, no label overlaps another or the title
    assert len(boxes) == sum(len(v) for v in bleus.values())
    for a, b in combinations(boxes, 2):
        assert not a.overlaps(b), (a, b)
    assert not any(box.overlaps(title) for box in boxes)
    # And a missing score is labelled "n/a" alone: no number printed on the same bar
    texts = [t.get_text() for t in labels]
    assert texts.count("n/a") == sum(v is None for vs in bleus.values() for v in vs)


def test_run_report_always_shows_the_cost_and_counts_without_contradiction() -> None:
    # Given a run with evaluation variants (the --baseline case) whose own cost is not zero
    lang = LanguageResult(
        source_lang="en",
        target_lang="zh",
        files=[FileResult(path="a.md", segments_reused=5, segments_translated=2, segments_untranslated=1)],
        characters_translated=1000,
        cost_estimate_usd={"standard": 0.015, "act_batch": 0.06},
        variants=[
            VariantSummary(variant="workflow"),
            VariantSummary(variant="without-act", cost_estimate_usd=0.01, characters_translated=700),
            VariantSummary(variant="act", cost_estimate_usd=0.04, characters_translated=700),
        ],
        segments_reviewed=3,
    )
    text = to_markdown(
        RunReport(execution="x", languages=[lang], variants=["workflow", "without-act", "act"])
    )
    # Then the run's own cost is shown at both rates next to each variant's
    assert "this run $0.0150 standard / $0.0600 ACT batch (1,000 characters)" in text
    assert "without-act $0.0100" in text and "act $0.0400" in text
    # And the counts say what they are, what awaits review, and what reviewers changed
    assert "5 kept from the human translation, 2 machine-translated, 1 left in the source language" in text
    assert "3 segment(s) await review" in text and "3 edited by reviewers since the last run" in text
