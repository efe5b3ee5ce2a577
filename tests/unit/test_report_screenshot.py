"""The HTML report renders in headless Chromium with its chart and table visible.

``make setup`` installs Debian's ``chromium`` when it is missing (as root); the test is skipped,
with the reason, only on a machine where no Chromium binary can be found at all.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from amts.domain.report import write_reports_to_dir
from amts.service.evaluate import EvaluationConfig, MemoryBackend, evaluate

ROOT = Path(__file__).resolve().parents[2]
EVAL_BOOK = ROOT / "tests" / "fixtures" / "eval" / "book"
WIDTH, HEIGHT = 1200, 1600
# matplotlib's default colour cycle (the bars) and the report's table header background
BAR_BLUE, BAR_ORANGE, BAR_GREEN = (31, 119, 180), (255, 127, 14), (44, 160, 44)
TABLE_HEADER = (238, 242, 247)


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _near(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


@pytest.mark.slow
def test_html_report_screenshot_shows_chart_and_table(tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium binary on PATH (make setup installs Debian's 'chromium' when run as root)")
    image_mod = pytest.importorskip("PIL.Image", reason="Pillow is needed to inspect the screenshot")
    # Given the report of an offline evaluation of the fixture book, both directions
    report = evaluate(
        EvaluationConfig(
            articles=[EVAL_BOOK / "en"],
            references=EVAL_BOOK / "zh",
            both_directions=True,
            execution="screenshot",
        ),
        MemoryBackend(),
    )
    out = tmp_path / "report"
    write_reports_to_dir(report, out)
    shot = tmp_path / "shot.png"
    # When headless Chromium renders the page (no network, no profile, no GPU)
    result = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            f"--window-size={WIDTH},{HEIGHT}",
            (out / "report.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Then a full-size PNG exists and is not a blank page
    assert shot.is_file(), f"no screenshot; chromium said: {result.stderr[-2000:]}"
    assert shot.stat().st_size > 20_000
    with image_mod.open(shot) as img:
        rgb = img.convert("RGB")
        assert rgb.size == (WIDTH, HEIGHT)
        flat = getattr(rgb, "get_flattened_data", None) or rgb.getdata  # Pillow 14 renames it
        pixels = Counter(flat())
    assert len(pixels) > 50  # text, bars, borders: many colours
    white = sum(n for p, n in pixels.items() if _near(p, (255, 255, 255), 3))
    assert white < 0.97 * WIDTH * HEIGHT
    # And the chart's bars (one colour per variant) and the table header are visible
    for colour in (BAR_BLUE, BAR_ORANGE, BAR_GREEN):
        # (> 50 px: a near-zero baseline bar may show only in the legend)
        assert sum(n for p, n in pixels.items() if _near(p, colour)) > 50, f"no bars of colour {colour}"
    assert sum(n for p, n in pixels.items() if _near(p, TABLE_HEADER, 3)) > 2000, "no table header"
