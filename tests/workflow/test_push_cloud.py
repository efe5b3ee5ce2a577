"""``amts push`` against a stack (moto): what lands in the buckets, the manifest, idempotency."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from amts.cli import app, commands_git
from amts.service.push import RunManifest
from moto import mock_aws
from typer.testing import CliRunner

from tests.workflow.gitbooks import build, git

runner = CliRunner()
OUTPUTS = {"SourceBucketName": "src-bucket", "ReferenceBucketName": "ref-bucket"}


def test_push_to_a_stack_uploads_the_changes_and_moves_the_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(var, value)
    repos = build(tmp_path)
    with mock_aws():
        s3 = boto3.client("s3")
        for bucket in ("src-bucket", "ref-bucket"):
            s3.create_bucket(Bucket=bucket)
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        old_zh = git(repos.zh, "show", "HEAD:chapter_basics/moving-average.md")
        s3.put_object(Bucket="ref-bucket", Key="zh/chapter_basics/moving-average.md", Body=old_zh.encode())
        # (moto's CloudFormation needs extras this project does not install: the outputs are given)
        monkeypatch.setattr(commands_git, "stack_outputs", lambda _session, _stack: OUTPUTS)
        args = ["push", "--repo", str(repos.en), "--since", repos.since, "--until", repos.until]
        args += ["--translation", f"zh={repos.zh}", "--out", str(tmp_path / "run")]
        # When pushing the range to the stack
        first = runner.invoke(app, args)
        assert first.exit_code == 0, first.output
        # Then the four changed English files are uploaded (the moved one on top of its old text)
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="src-bucket")["Contents"])
        assert keys == [
            "en/chapter_basics/index.md",
            "en/chapter_basics/minibatches.md",
            "en/chapter_optimization/index.md",
            "en/chapter_optimization/moving-average.md",
        ]
        moved = "en/chapter_optimization/moving-average.md"
        versions = s3.list_object_versions(Bucket="src-bucket", Prefix=moved)["Versions"]
        assert len(versions) == 2
        # and the old path's translation follows the move in the reference bucket
        ref = s3.get_object(Bucket="ref-bucket", Key="zh/chapter_optimization/moving-average.md")
        assert ref["Body"].read().decode() == old_zh
        manifest = RunManifest.load(tmp_path / "run")
        assert manifest.status == "UPLOADED" and "zh" in manifest.translations
        # When pushing the same range again, Then nothing new is uploaded
        again = runner.invoke(app, args)
        assert again.exit_code == 0 and "Nothing new to push" in again.output
        after = s3.list_object_versions(Bucket="src-bucket")["Versions"]
        assert len(after) == 5
