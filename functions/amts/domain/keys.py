"""Object keys derived from a source key: collision-free, valid, within S3's limits.

A source key is ``<sourcePrefix><lang>/<path>``. The batch job's input folder is flat, so a
path becomes one file name with :func:`flat_name`, an injective escape (``~`` → ``~0``,
``/`` → ``~1``, as in JSON Pointer): ``a/b.md`` and ``a__b.md`` stay different files, and
:func:`unflatten` gives the path back. :func:`key_problem` says why a key cannot be processed
(empty, ``.`` or ``..`` segments; a derived key over S3's 1,024-byte limit) or None.
"""

from __future__ import annotations

# S3 object keys are at most 1,024 bytes of UTF-8.
MAX_KEY_BYTES = 1024
# Longest run id (service/collect.run_id_for) and language pair ("en-zh") in derived keys.
MAX_RUN_ID = 64
MAX_PAIR = 5
# The longest key derived from a path, less the path itself: the Translate output of the job,
# jobs/<run>/<pair>/output/<12-digit account>-TranslateText-<32-hex job id>/<target>.<flat>.html
DERIVED_OVERHEAD = (
    (len("jobs/") + MAX_RUN_ID + 1 + MAX_PAIR + len("/output/") + 12 + len("-TranslateText-") + 32 + 1)
    + len("zh.")
    + len(".html")
)


def flat_name(path: str) -> str:
    """One file name for ``path``; injective (``~`` and ``/`` escaped)."""
    return path.replace("~", "~0").replace("/", "~1")


def unflatten(name: str) -> str:
    """The inverse of :func:`flat_name`."""
    return name.replace("~1", "/").replace("~0", "~")


def key_problem(key: str, path: str | None = None) -> str | None:
    """Why ``key`` (whose book path is ``path``) cannot be processed, or None when it can."""
    if not key:
        return "empty key"
    segments = key.split("/")
    if any(segment == "" for segment in segments):
        return "empty path segment ('//', or a leading or trailing '/')"
    if any(segment in (".", "..") for segment in segments):
        return "'.' or '..' path segment"
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        return f"key is over S3's {MAX_KEY_BYTES}-byte limit"
    flat = flat_name(path if path is not None else key)
    derived = len(flat.encode("utf-8")) + DERIVED_OVERHEAD
    if derived > MAX_KEY_BYTES:
        return (
            f"a key derived from it would be {derived} bytes, over S3's {MAX_KEY_BYTES}-byte limit "
            f"(shorten the path to at most {MAX_KEY_BYTES - DERIVED_OVERHEAD} bytes once escaped)"
        )
    return None


def inside(root: str, relative: str) -> bool:
    """True when ``relative`` (a key used as a local path) stays inside ``root``."""
    import os.path

    base = os.path.realpath(root)
    target = os.path.realpath(os.path.join(base, relative))
    return os.path.commonpath([base, target]) == base
