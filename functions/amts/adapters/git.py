"""The git CLI behind :class:`amts.ports.GitRepository` (``subprocess``, no library).

Every call runs ``git -C ROOT …`` with a fixed, minimal environment for what changes the
output (no pager, C locale, paths printed verbatim with ``-z``), so what git prints is parsed
the same way on a laptop and in CI. A failing command raises :class:`amts.errors.GitError`
with git's own message.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from amts.errors import GitError

_ENV = {"GIT_PAGER": "cat", "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}


class GitCli:
    """One repository (a checkout with a working tree) driven through the ``git`` command."""

    def __init__(self, root: str | Path) -> None:
        self.root = str(Path(root).resolve())
        if not Path(self.root).is_dir():
            raise GitError(f"{root}: no such directory")
        top = self._run("rev-parse", "--show-toplevel", check=False)
        if top.returncode != 0:
            raise GitError(f"{root}: not a git repository")
        self.root = top.stdout.decode().strip()

    # --- plumbing -------------------------------------------------------------------------------

    def _run(
        self, *args: str, check: bool = True, input_bytes: bytes | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        env = {**os.environ, **_ENV}
        done = subprocess.run(
            ["git", "-C", self.root, "-c", "core.quotepath=off", *args],
            capture_output=True,
            input=input_bytes,
            env=env,
            check=False,
        )
        if check and done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
            raise GitError(f"git {' '.join(args[:2])} in {self.root}: {message}")
        return done

    def _text(self, *args: str) -> str:
        return self._run(*args).stdout.decode("utf-8").strip()

    # --- reading --------------------------------------------------------------------------------

    def commit_of(self, ref: str) -> str:
        done = self._run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        if done.returncode != 0:
            raise GitError(f"{self.root}: {ref!r} names no commit")
        return done.stdout.decode().strip()

    def diff_name_status(self, since: str, until: str) -> str:
        # Tree to tree: a merge commit in the range is one diff, not one per parent.
        return self._run(
            "diff", "-z", "--name-status", "--find-renames", "--no-ext-diff", since, until, "--"
        ).stdout.decode("utf-8")

    def blob_of(self, ref: str, path: str) -> str | None:
        done = self._run("rev-parse", "--verify", "--quiet", f"{ref}:{path}", check=False)
        return done.stdout.decode().strip() if done.returncode == 0 else None

    def read_blob(self, ref: str, path: str) -> bytes:
        return self._run("cat-file", "blob", f"{ref}:{path}").stdout

    def hash_file(self, path: str) -> str | None:
        if not (Path(self.root) / path).is_file():
            return None
        return self._text("hash-object", "--", path)

    def status(self) -> list[tuple[str, str]]:
        out = self._run("status", "--porcelain=v1", "-z", "--untracked-files=all").stdout.decode("utf-8")
        entries: list[tuple[str, str]] = []
        parts = out.split("\0")
        i = 0
        while i < len(parts):
            entry = parts[i]
            i += 1
            if len(entry) < 4:
                continue
            code, path = entry[:2], entry[3:]
            if code[0] in "RC":  # "R  new\0old": the old path follows
                i += 1
            entries.append((code, path))
        return entries

    def current_branch(self) -> str | None:
        done = self._run("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        return done.stdout.decode().strip() if done.returncode == 0 else None

    def branch_exists(self, name: str) -> bool:
        done = self._run("show-ref", "--verify", "--quiet", f"refs/heads/{name}", check=False)
        return done.returncode == 0

    def message_of(self, ref: str) -> str:
        return self._text("log", "-1", "--format=%B", ref)

    def remote_url(self, name: str = "origin") -> str | None:
        done = self._run("remote", "get-url", name, check=False)
        return done.stdout.decode().strip() if done.returncode == 0 else None

    def git_path(self, name: str) -> str:
        path = Path(self._text("rev-parse", "--git-path", name))
        return str(path if path.is_absolute() else Path(self.root) / path)

    # --- writing --------------------------------------------------------------------------------

    def switch_new_branch(self, name: str) -> None:
        if self._run("check-ref-format", "--branch", name, check=False).returncode != 0:
            raise GitError(f"{name!r} is not a valid branch name")
        self._run("switch", "--quiet", "--create", name)

    def stage(self, add: Sequence[str], remove: Sequence[str]) -> None:
        if remove:
            self._run("rm", "--quiet", "--ignore-unmatch", "--", *remove)
        if add:
            self._run("add", "--", *add)

    def commit(self, message: str) -> str:
        self._run("commit", "--quiet", "--file=-", input_bytes=message.encode("utf-8"))
        return self.commit_of("HEAD")
