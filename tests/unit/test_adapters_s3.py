"""S3BlobStore on moto: text round trips, listing, and the previous version the sync needs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from amts.adapters.s3 import S3BlobStore
from amts.ports import BlobStore
from moto import mock_aws


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="src")
        client.put_bucket_versioning(Bucket="src", VersioningConfiguration={"Status": "Enabled"})
        yield client


def test_text_round_trip_and_listing(s3: Any) -> None:
    # Given a store on a bucket
    store = S3BlobStore(s3, "src")
    # When UTF-8 text is written under two prefixes
    store.put_text("en/a.md", "# 标题 & `code`\n")
    store.put_text("en/b/c.md", "x", "text/markdown")
    store.put_text("zh/a.md", "y")
    # Then it reads back unchanged, listings are per prefix and sorted, and exists() answers
    assert isinstance(store, BlobStore)
    assert store.get_text("en/a.md") == "# 标题 & `code`\n"
    assert store.list_keys("en/") == ["en/a.md", "en/b/c.md"]
    assert store.exists("zh/a.md") and not store.exists("zh/nothing.md")
    assert s3.head_object(Bucket="src", Key="en/b/c.md")["ContentType"] == "text/markdown"


def test_missing_key_is_a_clear_file_not_found(s3: Any) -> None:
    store = S3BlobStore(s3, "src")
    with pytest.raises(FileNotFoundError, match=r"s3://src/en/missing\.md"):
        store.get_text("en/missing.md")


def test_previous_version_is_the_one_before_the_given_version(s3: Any) -> None:
    # Given three versions of a file
    store = S3BlobStore(s3, "src")
    ids = [s3.put_object(Bucket="src", Key="en/a.md", Body=f"v{i}".encode())["VersionId"] for i in (1, 2, 3)]
    # A file whose name extends the key must not be mixed in
    s3.put_object(Bucket="src", Key="en/a.md.bak", Body=b"other")
    # When the previous version of v3 and of v2 are asked for
    # Then they are v2 and v1, v1 has none, and a given version can be read directly
    assert store.get_previous_version_text("en/a.md", ids[2]) == "v2"
    assert store.get_previous_version_text("en/a.md", ids[1]) == "v1"
    assert store.get_previous_version_text("en/a.md", ids[0]) is None
    assert store.get_text("en/a.md", ids[0]) == "v1"
    assert store.previous_version("en/a.md", None) == ("v2", ids[1])


def test_delete_markers_are_skipped(s3: Any) -> None:
    # Given v1, a delete, then v2
    store = S3BlobStore(s3, "src")
    first = s3.put_object(Bucket="src", Key="en/a.md", Body=b"v1")["VersionId"]
    s3.delete_object(Bucket="src", Key="en/a.md")
    second = s3.put_object(Bucket="src", Key="en/a.md", Body=b"v2")["VersionId"]
    # Then the version before v2 is v1
    assert store.previous_version_id("en/a.md", second) == first


def test_unknown_version_is_reported(s3: Any) -> None:
    store = S3BlobStore(s3, "src")
    store.put_text("en/a.md", "v1")
    with pytest.raises(FileNotFoundError, match="no version"):
        store.get_previous_version_text("en/a.md", "nonexistent-version")


def test_bucket_only_constructor_creates_the_client_lazily(s3: Any) -> None:
    # Given a store built from a bucket name only (as Lambda wiring does)
    store = S3BlobStore("src")
    # When used
    store.put_text("k", "v")
    # Then it works through a default boto3 client
    assert store.get_text("k") == "v"
