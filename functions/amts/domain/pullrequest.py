"""The pull-request body ``amts publish`` writes beside its commit (pure: text in, text out).

Review items are the review markers the sync writes (:data:`amts.domain.sync.MARKER_PREFIX`):
one per marker, linked to the line of the text it marks (the line after the marker) so a
reviewer lands on it. With a GitHub remote the links are permalinks to the commit; otherwise
they are relative links (``path#L12``) that a repository browser resolves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from amts.domain.report import FileResult, LanguageResult
from amts.domain.sync import MARKER_PREFIX

_GITHUB = re.compile(r"^(?:https://|ssh://git@|git@)github\.com[:/](?P<slug>[^/]+/[^/]+?)(?:\.git)?/?$")
_EXCERPT = 80


@dataclass(frozen=True, slots=True)
class ReviewItem:
    path: str
    line: int  # 1-based line of the marked text (the line after the marker)
    kind: str  # "machine-translated" | "untranslated"
    excerpt: str


@dataclass(slots=True)
class FileEntry:
    path: str
    change: str  # "modified" | "added" | "renamed from OLD"
    reused: int = 0
    machine: int = 0
    untranslated: int = 0


@dataclass(slots=True)
class PullRequest:
    title: str
    english: str  # "`main~1`..`main` (abc1234..def5678) of d2l-en"
    run_id: str
    language: str
    files: list[FileEntry]
    deleted: list[str] = field(default_factory=list)
    review: list[ReviewItem] = field(default_factory=list)
    result: LanguageResult | None = None
    engine: str | None = None


def review_items(path: str, text: str) -> list[ReviewItem]:
    """One item per review marker in ``text``, at the line of the text it marks."""
    lines = text.splitlines()
    items: list[ReviewItem] = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped.startswith(MARKER_PREFIX):
            continue
        kind = "untranslated" if "untranslated" in stripped else "machine-translated"
        target = next(
            (
                n
                for n in range(number, len(lines))
                if lines[n].strip() and not lines[n].strip().startswith("<!--")
            ),
            None,
        )
        excerpt = lines[target].strip() if target is not None else ""
        if len(excerpt) > _EXCERPT:
            excerpt = excerpt[: _EXCERPT - 1] + "…"
        items.append(ReviewItem(path, (target + 1) if target is not None else number, kind, excerpt))
    return items


def link_base(remote_url: str | None, commit: str) -> str:
    """``https://github.com/OWNER/REPO/blob/COMMIT/`` for a GitHub remote, else ``""`` (relative)."""
    match = _GITHUB.match(remote_url or "")
    return f"https://github.com/{match['slug']}/blob/{commit}/" if match else ""


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _fmt(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def render(pr: PullRequest, base: str = "") -> str:
    """The markdown body. ``base`` prefixes the line links (see :func:`link_base`)."""
    reused = sum(f.reused for f in pr.files)
    machine = sum(f.machine for f in pr.files)
    untranslated = sum(f.untranslated for f in pr.files)
    per_file = {f.path: 0 for f in pr.files}
    for item in pr.review:
        per_file[item.path] = per_file.get(item.path, 0) + 1
    out = [
        f"## {pr.title}",
        "",
        f"English range {pr.english}; AMTS run `{pr.run_id}`"
        + (f", engine: {pr.engine}" if pr.engine else "")
        + ".",
        "",
        f"**Segments**: {reused} reused from the human translation, {machine} machine-translated "
        f"(review), {untranslated} left untranslated. **Review items: {len(pr.review)}.**",
        "",
        f"### Files changed ({len(pr.files)})",
        "",
        *_table(
            ["file", "change", "reused", "machine-translated", "untranslated", "review items"],
            [
                [f"`{f.path}`", f.change, f.reused, f.machine, f.untranslated, per_file.get(f.path, 0)]
                for f in pr.files
            ],
        ),
    ]
    if pr.deleted:
        out += [
            "",
            "Deleted in English (their translations are left in place: delete them here if they should go):",
            "",
            *[f"- `{p}`" for p in pr.deleted],
        ]
    out += ["", f"### Review items ({len(pr.review)})", ""]
    if not pr.review:
        out.append("Nothing to review: every segment was reused from the human translation.")
    for item in pr.review:
        link = f"{base}{item.path}#L{item.line}"
        excerpt = f" — {item.excerpt}" if item.excerpt else ""
        out.append(f"- [ ] [{item.path}:{item.line}]({link}) {item.kind}{excerpt}")
    result = pr.result
    if result is not None:
        cost = ", ".join(f"{name} ${usd:.4f}" for name, usd in result.cost_estimate_usd.items())
        out += [
            "",
            "### Cost",
            "",
            f"{result.characters_translated:,} characters translated: {cost or 'no estimate'} (estimate).",
        ]
        out += _bleu_section(result)
    out += ["", "<!-- written by amts publish; the commit carries the trailer Amts-Run -->"]
    return "\n".join(out) + "\n"


def _bleu_section(result: LanguageResult) -> list[str]:
    variants = sorted({v for f in result.files for v, s in f.scores.items() if s.bleu is not None})
    if not variants:
        return []
    rows: list[list[object]] = []
    for f in sorted(result.files, key=lambda f: f.path):
        if not any(f.scores.get(v) for v in variants):
            continue
        row: list[object] = [f"`{f.path}`"]
        for v in variants:
            s = f.scores.get(v)
            row += [_fmt(s.bleu if s else None, 3), _fmt(s.chrf if s else None, 1)]
        rows.append(row)
    header = ["file", *[f"{col} ({v})" for v in variants for col in ("BLEU", "chrF")]]
    return [
        "",
        "### BLEU",
        "",
        "Against the existing human translation (0–1 BLEU, 0–100 chrF; `workflow` = this output).",
        "",
        *_table(header, rows),
    ]


def file_entries(
    changes: Sequence[tuple[str, str, str | None]], result: LanguageResult | None
) -> list[FileEntry]:
    """(kind, path, old path) of every translated change, with the report's segment counts."""
    by_path: Mapping[str, FileResult] = {f.path: f for f in result.files} if result else {}
    entries: list[FileEntry] = []
    for kind, path, old in changes:
        change = f"renamed from `{old}`" if kind == "renamed" else kind
        entry = FileEntry(path, change)
        fr = by_path.get(path)
        if fr is not None:
            entry.reused, entry.machine = fr.segments_reused, fr.segments_translated
            entry.untranslated = fr.segments_untranslated
        entries.append(entry)
    return entries
