"""Review markers: stamp, list, accept, and reviewers' edits as parallel data."""

from __future__ import annotations

from pathlib import Path

import pytest
from amts.cli import app
from amts.domain.review import MarkerStyle, accept, for_training, pending, stamp, style_from_env
from typer.testing import CliRunner, Result

MACHINE = "<!-- amts: machine-translated, needs review (source sha1:aaaaaaaaaaaa) -->"
UNTRANSLATED = "<!-- amts: untranslated, needs translation (source sha1:bbbbbbbbbbbb) -->"
SOURCE = "# Title\n\nFirst paragraph is here.\n\nSecond paragraph is here.\n\nThird paragraph is here.\n"
TARGET = (
    "# 标题\n\n"
    f"{MACHINE}\n机器翻译的第一段。\n\n"
    "第二段是人工翻译。\n\n"
    f"{UNTRANSLATED}\nThird paragraph is here.\n"
)


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def test_stamp_records_the_machine_text_hash_and_a_reviewer_edit_is_detected() -> None:
    # Given sync output, stamped as AMTS writes it
    stamped = stamp(TARGET)
    before = pending(stamped)
    # Then every marker carries the hash of its block, and nothing counts as edited yet
    assert [p.kind for p in before] == ["machine-translated", "untranslated"]
    assert all(p.machine_sha1 for p in before) and not any(p.edited for p in before)
    assert stamp(stamped) == stamped  # idempotent
    # When a reviewer rewrites the machine paragraph
    edited = stamped.replace("机器翻译的第一段。", "审校后的第一段。")
    # Then that one block (and only it) is reported as edited
    assert [p.edited for p in pending(edited)] == [True, False]
    assert pending(edited)[0].text == "审校后的第一段。" and pending(edited)[0].line == 3


def test_visible_style_adds_a_badge_after_the_comment_on_the_same_line() -> None:
    visible = stamp(TARGET, MarkerStyle.VISIBLE)
    marker_lines = [line for line in visible.splitlines() if line.startswith("<!-- amts:")]
    assert len(marker_lines) == 2
    assert all('class="amts-review' in line and "-->" in line for line in marker_lines)
    # And the markers are still found (the next sync and review still see them)
    assert len(pending(visible)) == 2
    assert style_from_env({"AMTS_REVIEW_MARKERS": "visible"}) is MarkerStyle.VISIBLE
    assert style_from_env({"AMTS_REVIEW_MARKERS": "bogus"}) is MarkerStyle.COMMENT


def test_accept_removes_only_the_named_marker_and_keeps_the_text() -> None:
    stamped = stamp(TARGET)
    # When the block at line 4 (the paragraph under the first marker) is accepted
    text, removed = accept(stamped, {4})
    # Then one marker went, the paragraph stayed, the other marker is still there
    assert removed == 1
    assert "机器翻译的第一段。" in text and text.count("<!-- amts:") == 1
    assert [p.kind for p in pending(text)] == ["untranslated"]
    # And accepting everything leaves no marker but every line of text
    everything, n = accept(stamped)
    assert n == 2 and "<!-- amts:" not in everything
    assert everything.splitlines() == [line for line in stamped.splitlines() if not line.startswith("<!--")]


def test_for_training_keeps_reviewed_blocks_and_drops_unreviewed_machine_text() -> None:
    stamped = stamp(TARGET)
    edited = stamped.replace("机器翻译的第一段。", "审校后的第一段。")
    # When the text is prepared for parallel data
    as_written, reviewed = for_training(stamped), for_training(edited)
    # Then machine text nobody reviewed is not learned from, a reviewer's edit is
    assert "机器翻译的第一段" not in as_written.text and (as_written.reviewed, as_written.unreviewed) == (
        0,
        2,
    )
    assert "审校后的第一段。" in reviewed.text and (reviewed.reviewed, reviewed.unreviewed) == (1, 1)
    assert "Third paragraph" not in reviewed.text and "<!--" not in reviewed.text
    assert "第二段是人工翻译。" in reviewed.text


def test_review_edit_becomes_a_parallel_data_pair(tmp_path: Path) -> None:
    # Given a book whose translation holds one reviewed and one untouched machine block
    (tmp_path / "en").mkdir()
    (tmp_path / "zh").mkdir()
    (tmp_path / "en" / "a.md").write_text(SOURCE, encoding="utf-8")
    zh = tmp_path / "zh" / "a.md"
    zh.write_text(stamp(TARGET).replace("机器翻译的第一段。", "审校后的第一段。"), encoding="utf-8")
    # When parallel data is built at paragraph level
    result = run("parallel-data", tmp_path / "en", tmp_path / "zh", "-g", "paragraph", "-o", "-", "-q")
    # Then the reviewed paragraph is a pair, the untranslated one is not, and the summary counts it
    assert result.exit_code == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()[1:]]
    assert ["First paragraph is here.", "审校后的第一段。"] in rows
    assert not any(r[0] == "Third paragraph is here." for r in rows)
    assert "reviewed:   1 segment(s) edited by reviewers" in result.stderr


def test_review_lists_pending_segments_and_accept_clears_them(tmp_path: Path) -> None:
    # Given a translated book with markers
    book = tmp_path / "zh" / "chapter"
    book.mkdir(parents=True)
    target = book / "a.md"
    target.write_text(stamp(TARGET), encoding="utf-8")
    (book / "clean.md").write_text("# 干净\n", encoding="utf-8")
    # When listed
    listed = run("review", tmp_path, "--lang", "zh")
    # Then one line per pending segment: file:line, kind, source sha
    assert listed.exit_code == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert [line.split("\t")[:3] for line in lines] == [
        [f"{target}:3", "machine-translated", "aaaaaaaaaaaa"],
        [f"{target}:8", "untranslated", "bbbbbbbbbbbb"],
    ]
    # When the first is accepted by its line, Then only the other remains (JSON view)
    assert run("accept", f"{target}:3").exit_code == 0
    js = run("review", tmp_path, "--json")
    assert '"kind": "untranslated"' in js.stdout and "machine-translated" not in js.stdout
    # And a line without a marker is reported with exit 1, the file unchanged
    before = target.read_text(encoding="utf-8")
    missed = run("accept", f"{target}:1")
    assert missed.exit_code == 1 and "no review marker" in missed.stderr
    assert target.read_text(encoding="utf-8") == before


def test_sync_writes_stamped_markers_and_visible_badges_on_request(tmp_path: Path) -> None:
    sync_dir = Path(__file__).resolve().parents[1] / "fixtures" / "sync"
    args = ["sync", "--old", sync_dir / "filters.en.md", "--new", sync_dir / "filters.en-next.md"]
    args += ["--translation", sync_dir / "filters.zh.md", "-o", "-"]
    # When synced with the default and with visible markers
    plain, visible = run(*args), run(*args, "--markers", "visible")
    # Then every marker records the machine text's hash; only the visible run has badges
    assert plain.exit_code == 0 and visible.exit_code == 0, plain.stderr + visible.stderr
    found = pending(plain.stdout)
    assert found and all(p.machine_sha1 and not p.edited for p in found)
    assert "amts-review" not in plain.stdout
    assert visible.stdout.count('class="amts-review') == len(found) == len(pending(visible.stdout))


def test_an_inline_marker_of_a_spliced_sentence_is_pending_accepted_and_kept_out_of_training() -> None:
    from amts.domain.review import accept, for_training, pending, stamp

    # Given a translator's paragraph into which sync spliced one machine sentence, marked inline
    marker = "<!-- amts: machine-translated, needs review (source sha1:0123456789ab) -->"
    text = f"第一句是人写的。\n第二句是机器写的。{marker}\n\n另一段。\n"
    stamped = stamp(text)
    # When a reviewer lists what awaits review
    found = pending(stamped)
    # Then the inline marker is listed with the sentence it marks, not yet edited
    assert [(p.line, p.kind, p.text, p.edited) for p in found] == [
        (2, "machine-translated", "第二句是机器写的。", False)
    ]
    # and parallel data leaves that paragraph out while keeping the other one
    training = for_training(stamped)
    assert (training.unreviewed, training.reviewed) == (1, 0)
    assert "第一句" not in training.text and "另一段。" in training.text
    # When the reviewer edits the sentence, Then it counts as reviewed and its paragraph is kept
    edited = stamped.replace("第二句是机器写的。", "第二句经过审校。")
    assert pending(edited)[0].edited
    kept = for_training(edited)
    assert (kept.reviewed, kept.unreviewed) == (1, 0)
    assert kept.text == "第一句是人写的。\n第二句经过审校。\n\n另一段。\n"
    # When the reviewer accepts the line, Then the marker goes and every character of text stays
    accepted, removed = accept(edited, {2})
    assert removed == 1
    assert accepted == kept.text


def test_the_review_markers_setting_reaches_the_code_that_writes_markers() -> None:
    from amts.config import Settings
    from amts.domain.review import MarkerStyle, style_from_env
    from amts.errors import ConfigurationError

    # Given cdk.json asking for visible markers
    settings = Settings.from_context({"reviewMarkers": "visible"})
    # When a Lambda reads its environment, Then Assemble File writes visible markers
    assert style_from_env(settings.to_env()) is MarkerStyle.VISIBLE
    assert style_from_env(Settings().to_env()) is MarkerStyle.COMMENT
    # And a style the renderer does not know is refused at synth
    with pytest.raises(ConfigurationError, match="reviewMarkers"):
        Settings.from_context({"reviewMarkers": "loud"})
