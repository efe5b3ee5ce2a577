"""A BlobStore on a local folder, for CLI runs without S3."""

from __future__ import annotations

from pathlib import Path


class FolderBlobStore:
    """Keys are relative paths under ``root``; versions are not supported (always the latest)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in (path, *path.parents):
            raise ValueError(f"key {key!r} escapes the folder {self.root}")
        return path

    def get_text(self, key: str, version_id: str | None = None) -> str:
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(f"{path} does not exist")
        return path.read_text(encoding="utf-8")

    def put_text(self, key: str, text: str, content_type: str = "text/plain; charset=utf-8") -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list_keys(self, prefix: str) -> list[str]:
        if not self.root.is_dir():
            return []
        keys = (p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())
        return sorted(k for k in keys if k.startswith(prefix))
