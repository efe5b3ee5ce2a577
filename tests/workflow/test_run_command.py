"""``amts run``: the README's main command, and the paths around it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from amts.cli import app
from amts.config import LanguagePair, Settings
from amts.local.runner import Book, local_aws, run_execution, upload_book, upload_event
from amts.service.deps import deps_from_env
from typer.testing import CliRunner

from tests.workflow.conftest import BOOK

runner = CliRunner()


@pytest.mark.slow
def test_run_local_prints_the_path_and_writes_outputs(tmp_path: Path) -> None:
    # Given the sample book, When the README's command runs
    result = runner.invoke(app, ["run", "--local", "--book", str(BOOK), "--out", str(tmp_path)])
    # Then it succeeds, shows the states it passed and where the outputs are
    assert result.exit_code == 0, result.output
    for state in ("Collect Changed Files", "Start Translation Job", "Write Report", "SUCCEEDED"):
        assert state in result.output
    assert (tmp_path / "reports" / "report.html").is_file()
    # And each state was printed on stderr as it ended, then the cost and what awaits review
    assert "✔ Collect Changed Files" in result.stderr and "✔ Write Report" in result.stderr
    assert "Cost estimate: $" in result.stdout and "await review: amts review" in result.stdout
    # And the event history is there to inspect every state's input and output
    history = json.loads((tmp_path / "execution-history.json").read_text(encoding="utf-8"))
    assert history["events"][0]["type"] == "ExecutionStarted"
    assert {c["name"] for c in history["childTasks"]} == {"Plan File Sync", "Assemble File"}
    # And no state's input, output or parameters comes near 64 KiB (keys and counts only)
    sizes = [
        len(str(details.get(field, "")).encode())
        for event in history["events"]
        if event["type"] != "ExecutionStarted"
        for key, details in event.items()
        if key.endswith("EventDetails") and isinstance(details, dict)
        for field in ("input", "output", "parameters")
    ]
    assert sizes and max(sizes) < 64 * 1024
    assert sorted(p.name for p in (tmp_path / "translated" / "zh").rglob("*.md")) == sorted(
        p.name for p in (BOOK / "en-next").rglob("*.md")
    )


@pytest.mark.slow
def test_run_local_with_baseline_passes_translate_without_act_and_prints_the_scores(tmp_path: Path) -> None:
    # Given the sample book, When the local run is asked for the baseline
    args = ["run", "--local", "--baseline", "--book", str(BOOK), "--out", str(tmp_path)]
    result = runner.invoke(app, args)
    # Then the execution passes Translate Without ACT and prints both scores for en-zh
    assert result.exit_code == 0, result.output
    assert "Translate Without ACT" in result.output
    assert "Evaluation en-zh" in result.output and "BLEU without ACT" in result.output


def test_run_local_with_a_missing_book_is_a_one_line_error(tmp_path: Path) -> None:
    # Given a book folder that does not exist, When running, Then a one-line error names it
    missing = tmp_path / "nope"
    result = runner.invoke(app, ["run", "--local", "--book", str(missing), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "book folder not found" in result.stderr and str(missing) in result.stderr


def test_run_without_credentials_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Given no AWS credentials anywhere
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # When running against a deployed stack
    result = runner.invoke(app, ["run", "--book", str(BOOK)])
    # Then the error says there are no credentials and how to run offline
    assert result.exit_code == 2
    assert "no AWS credentials" in result.stderr and "--local" in result.stderr


def test_cloud_dependencies_are_built_lazily_from_the_environment() -> None:
    # Given the Lambda environment (no credentials needed to build the wiring)
    env = {
        "AMTS_SOURCE_BUCKET": "s",
        "AMTS_REFERENCE_BUCKET": "r",
        "AMTS_WORK_BUCKET": "w",
        "AMTS_OUTPUT_BUCKET": "o",
        "AMTS_REPORTS_BUCKET": "p",
        "AMTS_TOKEN_TABLE": "t",
        "AMTS_LANGUAGE_PAIRS": "en:zh,en:es",
    }
    # When the factory runs, Then buckets and settings come from it
    deps = deps_from_env(env)
    assert deps.buckets.work == "w" and [str(p) for p in deps.settings.language_pairs] == ["en-zh", "en-es"]
    # And a missing variable is named
    with pytest.raises(Exception, match="AMTS_WORK_BUCKET"):
        deps_from_env({k: v for k, v in env.items() if k != "AMTS_WORK_BUCKET"})


@pytest.mark.slow
def test_identical_new_version_starts_no_job() -> None:
    # Given a new version of a file identical to the one the translation was made from
    settings = Settings(language_pairs=(LanguagePair("en", "zh"),), granularity="paragraph")
    with local_aws(settings) as aws:
        upload_book(aws, Book(BOOK))
        key = "en/chapter_optimization/index.md"
        body = (BOOK / "en" / "chapter_optimization" / "index.md").read_bytes()
        put = aws.clients["s3"].put_object(Bucket=aws.deps.buckets.source, Key=key, Body=body)
        event = upload_event(aws.deps.buckets.source, key, put["VersionId"], len(body), "FF")
        # When the execution runs on that upload alone
        run = run_execution(aws, [event], timeout=60)
        output = aws.deps.output.get_text("zh/chapter_optimization/index.md")
    # Then no parallel data and no job: the human translation is assembled as it is
    names = [s.name for s in run.steps]
    assert run.status == "SUCCEEDED", (run.error, run.cause)
    assert "Start Translation Job" not in names and "Nothing To Translate" in names
    assert "Create Or Update Parallel Data" not in names
    assert output == (BOOK / "zh" / "chapter_optimization" / "index.md").read_text(encoding="utf-8")


def test_run_local_from_chinese_to_english_uses_the_zh_en_parallel_data(tmp_path: Path) -> None:
    # Given a book whose source is Chinese: zh/ (v1), en/ (its translation), zh-next/ (v2)
    import json
    import shutil

    book = tmp_path / "book"
    shutil.copytree(BOOK / "zh", book / "zh")
    shutil.copytree(BOOK / "en", book / "en")
    shutil.copytree(BOOK / "zh", book / "zh-next")
    changed = sorted((book / "zh-next").rglob("*.md"))[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n这是新加的一段。\n", encoding="utf-8")
    # When the local run starts with -s zh
    result = runner.invoke(
        app, ["run", "--local", "-s", "zh", "--book", str(book), "--out", str(tmp_path / "out")]
    )
    # Then it succeeds, writes English and the parallel data goes zh -> en
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "translated" / "en" / changed.relative_to(book / "zh-next")).is_file()
    report = json.loads((tmp_path / "out" / "reports" / "report.json").read_text(encoding="utf-8"))
    text = json.dumps(report)
    assert '"source_lang": "zh"' in text and '"target_lang": "en"' in text
    assert "amts-d2l-zh-en" in text


def test_run_local_takes_the_settings_of_cdk_json_so_a_source_prefix_reaches_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a project whose cdk.json deploys with sourcePrefix "book/" and paragraph granularity
    monkeypatch.chdir(tmp_path)
    context = {"context": {"amts": {"sourcePrefix": "book/", "granularity": "paragraph"}}}
    (tmp_path / "cdk.json").write_text(json.dumps(context), encoding="utf-8")
    # When the local run starts from that folder
    result = CliRunner().invoke(app, ["run", "--local", "--book", str(BOOK), "--out", str(tmp_path / "out")])
    # Then the uploads under the prefix are processed (not "Nothing Changed") and translated
    assert result.exit_code == 0, result.output
    assert "Nothing Changed" not in result.stdout and "SUCCEEDED" in result.stdout
    translated = tmp_path / "out" / "translated"
    written = sorted(p.relative_to(translated).as_posix() for p in translated.rglob("*.md"))
    assert "zh/chapter_optimization/gradient-descent.md" in written
    # And the uploads were made under the prefix, as the deployed trigger expects them
    history = (tmp_path / "out" / "execution-history.json").read_text(encoding="utf-8")
    assert "book/en/chapter_optimization/gradient-descent.md" in history


def test_run_with_a_settings_file_that_is_not_there_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", "--local", "--config", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "nope.json" in result.output
