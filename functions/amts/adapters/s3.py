"""S3 as a BlobStore (works the same on moto for the local run and the tests)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

_MISSING = frozenset({"NoSuchKey", "404", "NotFound", "NoSuchVersion"})


class S3BlobStore:
    """BlobStore on one bucket. Keys are plain object keys (no ``s3://``).

    ``S3BlobStore(client, bucket)``; ``S3BlobStore(bucket)`` (or ``client=None``) creates the boto3
    client on first use, so a Lambda module can build its stores at import time without credentials.
    """

    def __init__(self, client: Any, bucket: str | None = None) -> None:
        if bucket is None:
            if not isinstance(client, str):
                raise TypeError("S3BlobStore needs a bucket name")
            client, bucket = None, client
        self._client_obj = client
        self.bucket = bucket

    @property
    def _client(self) -> Any:
        if self._client_obj is None:
            import boto3

            self._client_obj = boto3.client("s3")
        return self._client_obj

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def get_text(self, key: str, version_id: str | None = None) -> str:
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        try:
            response = self._client.get_object(**kwargs)
        except ClientError as error:
            if str(error.response.get("Error", {}).get("Code")) in _MISSING:
                version = f" (version {version_id})" if version_id else ""
                raise FileNotFoundError(f"{self.uri(key)}{version} does not exist") from error
            raise
        body: bytes = response["Body"].read()
        return body.decode("utf-8")

    def put_text(self, key: str, text: str, content_type: str = "text/plain; charset=utf-8") -> None:
        self._client.put_object(
            Bucket=self.bucket, Key=key, Body=text.encode("utf-8"), ContentType=content_type
        )

    def version_id(self, key: str) -> str | None:
        """The current version id of ``key`` (None when missing or the bucket is unversioned)."""
        current = self._head(key)
        version = current.get("VersionId") if current is not None else None
        return None if not version or version == "null" else str(version)

    def head(self, key: str) -> dict[str, str] | None:
        """{"etag", "sequence"} of the current object (``amts-sequence`` metadata), None if missing."""
        current = self._head(key)
        if current is None:
            return None
        return {
            "etag": str(current.get("ETag", "")),
            "sequence": current.get("Metadata", {}).get("amts-sequence", ""),
        }

    def put_text_if(
        self, key: str, text: str, content_type: str, metadata: dict[str, str], etag: str | None
    ) -> bool:
        """Put only if the object is still the one read (``etag``) or still absent (None): S3
        conditional writes. False when another writer got there first."""
        condition = {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
        try:
            self._client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=text.encode("utf-8"),
                ContentType=content_type,
                Metadata=metadata,
                **condition,
            )
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code"))
            if code in ("PreconditionFailed", "412", "ConditionalRequestConflict", "409"):
                return False
            raise
        return True

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            response: dict[str, Any] = self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if str(error.response.get("Error", {}).get("Code")) in _MISSING:
                return None
            raise
        return response

    def exists(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if str(error.response.get("Error", {}).get("Code")) in _MISSING:
                return False
            raise
        return True

    def list_keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            keys.extend(obj["Key"] for obj in page.get("Contents", []))
        return sorted(keys)

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=key)

    def previous_version_id(self, key: str, version_id: str) -> str | None:
        """The version of ``key`` just before ``version_id`` (skipping delete markers), or None.

        The sync compares a changed file with what it replaced; S3 lists the versions of a key
        newest first, so the previous one is the next non-delete-marker after ``version_id``.
        """
        versions: list[tuple[str, Any, bool]] = []  # (version id, last modified, is delete marker)
        paginator = self._client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=key):
            for v in page.get("Versions", []):
                if v["Key"] == key:
                    versions.append((str(v["VersionId"]), v["LastModified"], False))
            for m in page.get("DeleteMarkers", []):
                if m["Key"] == key:
                    versions.append((str(m["VersionId"]), m["LastModified"], True))
        # Newest first; S3 already orders them, the stable sort only guards against paging merges.
        versions.sort(key=lambda v: v[1], reverse=True)
        ids = [v[0] for v in versions]
        if version_id not in ids:
            raise FileNotFoundError(f"{self.uri(key)} has no version {version_id}")
        for vid, _, is_marker in versions[ids.index(version_id) + 1 :]:
            if not is_marker:
                return vid
        return None

    def previous_version(self, key: str, version_id: str | None) -> tuple[str, str] | None:
        """(text, version id) of the version before ``version_id`` (before the latest when None)."""
        if version_id is None:
            head = self._client.head_object(Bucket=self.bucket, Key=key)
            version_id = head.get("VersionId")
            if not version_id or version_id == "null":
                return None
        previous = self.previous_version_id(key, version_id)
        return None if previous is None else (self.get_text(key, previous), previous)

    def get_previous_version_text(self, key: str, version_id: str) -> str | None:
        """Text of the version before ``version_id``; None when ``version_id`` is the first."""
        previous = self.previous_version_id(key, version_id)
        return None if previous is None else self.get_text(key, previous)
