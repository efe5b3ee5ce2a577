"""Three-way line merge of a protected block (a code cell above all) for sync.

Why a module of its own: the merge is an algorithm over lines of text (old English, the
translator's version, new English) that knows nothing of documents, alignments or plans; sync
decides *which* translator's block is the counterpart of a changed English block, this module
decides *what* the merged block says. Lines the English did not change keep the translator's
version (translated comments, re-laid out or removed lines); where both sides edited the same
lines, word-level edits that do not overlap are combined and otherwise the English wins, except
translated comments whose English did not change.

Contract:
    merge_code(old_source, old_target, new_source, names=None) -> str
    code_line(line) -> str                the code of a line, comment and whitespace removed
    code_lines_of(lines) -> list[str]     the code lines of a block (no comments/docstrings)
    renaming(old_source, old_target) -> dict[str, str] | None
                                          the variables the translator renamed consistently
    rename(lines, mapping) -> list[str]   lines with those variables renamed (code only)
"""

from __future__ import annotations

import difflib
import keyword
import re
from collections import Counter
from collections.abc import Sequence

from amts.domain.diff import similarity

_TRIPLE = ('"""', "'''")


def code_line(line: str) -> str:
    """A line's code with its comment and all whitespace removed ("" for a comment or blank
    line): translated comments and re-spacing do not make two lines different."""
    s = line.strip()
    if not s or (s.startswith("#") and not s.startswith("#@")):
        return ""
    s = s.split("  #", 1)[0].split(" # ", 1)[0]
    return "".join(s.split())


def code_lines_of(lines: Sequence[str]) -> list[str]:
    """The code lines of a block in order: comments, docstrings and blank lines left out."""
    out: list[str] = []
    quote: str | None = None  # inside a docstring opened with this quote
    for line in lines:
        s = line.strip()
        if quote is not None:
            if quote in s:
                quote = None
            continue
        opening = next((q for q in _TRIPLE if s.lstrip("rRbBuU").startswith(q)), None)
        if opening is not None:
            if s.count(opening) == 1:
                quote = opening
            continue
        code = code_line(line)
        if code:
            out.append(code)
    return out


_Hunk = tuple[int, int, list[str]]
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


def _hunks(a: Sequence[str], b: Sequence[str], *, split: bool) -> list[_Hunk]:
    """The edits turning ``a`` into ``b``: (start, end in ``a``, replacement). ``split``: a
    replacement of as many items as it replaces is cut into one-item edits (a translated
    comment is its own edit, independent of its neighbours)."""
    out: list[_Hunk] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if split and tag == "replace":
            out.extend(_fine_hunks(a, b, i1, i2, j1, j2))
        else:
            out.append((i1, i2, list(b[j1:j2])))
    return out


def _fine_hunks(a: Sequence[str], b: Sequence[str], i1: int, i2: int, j1: int, j2: int) -> list[_Hunk]:
    """A replacement of lines ``a[i1:i2]`` by ``b[j1:j2]`` cut into the translator's separate
    edits: lines that are versions of each other (same code, or alike) pair up as one-line
    edits; between them, what is left pairs one for one when as many lines are left on both
    sides (a translated comment), else is one edit (lines removed, added or re-laid out)."""
    pairs = _line_pairs(a[i1:i2], b[j1:j2]) if (i2 - i1) * (j2 - j1) <= 20000 else []
    out: list[_Hunk] = []
    prev_i, prev_j = i1, j1
    for pi, pj in [*((i1 + x, j1 + y) for x, y in pairs), (i2, j2)]:
        if pi - prev_i == pj - prev_j:
            out.extend((prev_i + k, prev_i + k + 1, [b[prev_j + k]]) for k in range(pi - prev_i))
        else:
            out.append((prev_i, pi, list(b[prev_j:pj])))
        if pi < i2 and a[pi] != b[pj]:
            out.append((pi, pi + 1, [b[pj]]))
        prev_i, prev_j = pi + 1, pj + 1
    return out


def _line_pairs(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int]]:
    """In order, the lines of ``a`` and ``b`` that are versions of each other: the same code
    (comments and spacing aside) or alike code, or the same comment (most pairs, then most
    alike)."""
    ka, kb = [code_line(x) for x in a], [code_line(x) for x in b]

    def score(i: int, j: int) -> float:
        if ka[i] and kb[j]:
            return similarity(ka[i], kb[j], 0.5)
        return 1.0 if a[i].strip() == b[j].strip() and a[i].strip() else 0.0

    n, m = len(a), len(b)
    best = [[(0, 0.0)] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cand = max(best[i - 1][j], best[i][j - 1])
            sc = score(i - 1, j - 1)
            if sc >= 0.5:
                prev = best[i - 1][j - 1]
                cand = max(cand, (prev[0] + 1, prev[1] + sc))
            best[i][j] = cand
    pairs: list[tuple[int, int]] = []
    i, j = n, m
    while i and j:
        sc = score(i - 1, j - 1)
        prev = best[i - 1][j - 1]
        if sc >= 0.5 and best[i][j] == (prev[0] + 1, prev[1] + sc):
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif best[i][j] == best[i - 1][j]:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]


def _overlap(a: _Hunk, b: _Hunk) -> bool:
    """Whether two edits of the same base collide (an insertion collides with an edit around
    its point or another insertion at the same point; edits that only touch do not)."""
    (a1, a2, _), (b1, b2, _) = a, b
    if a1 == a2 and b1 == b2:
        return a1 == b1
    if a1 == a2:
        return b1 < a1 < b2
    if b1 == b2:
        return a1 < b1 < a2
    return a1 < b2 and b1 < a2


def _apply(base: Sequence[str], edits: Sequence[_Hunk], start: int = 0, stop: int | None = None) -> list[str]:
    """``base[start:stop]`` with non-overlapping ``edits`` (base positions) applied."""
    stop = len(base) if stop is None else stop
    out: list[str] = []
    pos = start
    for i1, i2, lines in sorted(edits, key=lambda h: (h[0], h[1] != h[0])):
        out.extend(base[pos:i1])
        out.extend(lines)
        pos = i2
    out.extend(base[pos:stop])
    return out


def _merge_tokens(old: str, new: str, tgt: str) -> str | None:
    """Word-level three-way merge of one line both sides edited: the English edit and the
    translator's (a renamed variable, a typo they had already fixed) combined when they touch
    different words, or are the same edit; None when they collide."""
    base, ours, theirs = _TOKEN.findall(old), _TOKEN.findall(new), _TOKEN.findall(tgt)
    mine = _hunks(base, ours, split=False)
    yours = [h for h in _hunks(base, theirs, split=False) if h not in mine]
    if any(_overlap(h, o) for h in yours for o in mine):
        return None
    return "".join(_apply(base, mine + yours))


def _resolve(base: list[str], ours: list[str], theirs: list[str], removed: bool) -> list[str]:
    """One place both the English and the translator edited (base lines → ours, theirs)."""
    if ours == theirs:
        return ours
    if any(line.strip() for line in ours) and code_lines_of(ours) == code_lines_of(base):
        # The English only reworded comments (or re-spaced) where the translator had their own
        # version: code comments are not machine translated, the translator's words stay.
        return theirs
    if removed:
        # The English edited only lines the translator had removed (or moved to another cell
        # when they split it): their version of the place stands.
        return theirs
    if len(base) == len(ours) == len(theirs):
        merged = [_merge_tokens(b, o, t) for b, o, t in zip(base, ours, theirs, strict=True)]
        if all(m is not None for m in merged):
            return [m for m in merged if m is not None]
    return _keep_translated_comments(base, ours, theirs)


def _comment_runs(lines: Sequence[str]) -> list[tuple[int, int]]:
    """(start, end) of each run of consecutive comment lines (``#``, not ``#@`` directives)."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, line in enumerate([*lines, ""]):
        s = line.strip()
        if s.startswith("#") and not s.startswith("#@"):
            start = i if start is None else start
        elif start is not None:
            runs.append((start, i))
            start = None
    return runs


def _keep_translated_comments(base: list[str], ours: list[str], theirs: list[str]) -> list[str]:
    """The English version of a place both sides rewrote (code re-laid out by the translator,
    changed by the English), with the translator's comments kept where the English comment is
    unchanged: comment runs pair by order when base and translator have as many, and an English
    run equal to (or a part of) a base run the translator rewrote takes their lines (at the
    English indent), once."""
    runs_b, runs_t = _comment_runs(base), _comment_runs(theirs)
    if not runs_b or len(runs_b) != len(runs_t):
        return ours

    def key(lines: Sequence[str]) -> tuple[str, ...]:
        return tuple(line.strip() for line in lines)

    keys_b = [key(base[a:b]) for a, b in runs_b]
    counts = Counter(keys_b)
    translated = {
        k: theirs[ta:tb]
        for k, (ta, tb) in zip(keys_b, runs_t, strict=True)
        if counts[k] == 1 and key(theirs[ta:tb]) != k
    }
    if not translated:
        return ours
    out: list[str] = []
    pos = 0
    taken: set[tuple[str, ...]] = set()
    for a, b in _comment_runs(ours):
        mine = key(ours[a:b])
        # The English run itself, else the only base run it is a part of (the English dropped
        # some lines of a comment the translator wrote as one: their comment still stands for
        # the lines left, rather than bringing the English back).
        wider = [
            k
            for k in translated
            if len(mine) < len(k) and any(k[i : i + len(mine)] == mine for i in range(len(k) - len(mine) + 1))
        ]
        found = mine if mine in translated else wider[0] if len(wider) == 1 else None
        if found is None:
            continue
        # Another part of a comment whose translation is already written: covered by it.
        lines = [] if found in taken else translated[found]
        taken.add(found)
        indent = ours[a][: len(ours[a]) - len(ours[a].lstrip())]
        out.extend(ours[pos:a])
        out.extend(indent + line.lstrip() for line in lines)
        pos = b
    out.extend(ours[pos:])
    return out


# A string literal, a comment, an identifier or any other character of a line of code.
_LEX = re.compile(
    r"(?P<s>[rRbBuUfF]{0,2}(?:'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"))"
    r"|(?P<c>\s#.*$|^\s*#.*$)|(?P<n>[A-Za-z_]\w*)|(?P<o>.)",
    re.DOTALL,
)


def _names(line: str) -> list[tuple[str, str]]:
    """A code line as (kind, text) tokens: ``n`` a variable that could be renamed (an
    identifier not after ``.`` and not a keyword: attributes, methods and string literals are the
    library's, never the translator's), ``t`` anything else."""
    out: list[tuple[str, str]] = []
    prev = ""
    for m in _LEX.finditer(code_line(line)):
        text = m.group(0)
        kind = "n" if m.lastgroup == "n" and prev != "." and not keyword.iskeyword(text) else "t"
        out.append((kind, text))
        prev = text
    return out


def renaming(old_source: Sequence[str], old_target: Sequence[str]) -> dict[str, str] | None:
    """The variables the translator renamed in a code cell (``data`` -> ``veri``), learned from
    the lines that read the same once variables are abstracted; None when there are none or the
    renaming is not consistent (a name mapped to two names, or two names to one): then the
    cells really differ. Why: d2l-tr translates variable names, and a cell the English later
    rewrote must still be recognised (and merged) as their version of it."""
    a = [_names(x) for x in code_lines_of(old_source) if not x.startswith("#@tab")]
    b = [_names(x) for x in code_lines_of(old_target) if not x.startswith("#@tab")]

    def shape(tokens: list[tuple[str, str]]) -> str:
        return "".join("\x00" if kind == "n" else text for kind, text in tokens)

    sa, sb = [shape(t) for t in a], [shape(t) for t in b]
    forward: dict[str, str] = {}
    backward: dict[str, str] = {}
    matcher = difflib.SequenceMatcher(None, sa, sb, autojunk=False)
    for i, j, size in matcher.get_matching_blocks():
        for k in range(size):
            for (kind, x), (_, y) in zip(a[i + k], b[j + k], strict=True):
                if kind != "n":
                    continue
                if forward.setdefault(x, y) != y or backward.setdefault(y, x) != x:
                    return None
    renamed = {x: y for x, y in forward.items() if x != y}
    return renamed or None


def rename(lines: Sequence[str], mapping: dict[str, str]) -> list[str]:
    """``lines`` with the variables of ``mapping`` renamed in their code (strings, comments,
    attributes and layout untouched)."""
    out: list[str] = []
    for line in lines:
        parts: list[str] = []
        prev = ""
        for m in _LEX.finditer(line):
            text = m.group(0)
            if m.lastgroup == "n" and prev != "." and text in mapping:
                text = mapping[text]
            parts.append(text)
            if not text.isspace():
                prev = text
        out.append("".join(parts))
    return out


def merge_code(old_source: str, old_target: str, new_source: str, names: dict[str, str] | None = None) -> str:
    """Three-way line merge of a changed protected block (code cell, equation, fence,
    directive): the English edits of the old source, plus the translator's edits of it
    (translated comments, lines they added, dropped or re-laid out) wherever the English did
    not change those lines. Where both edited the same lines: the same edit, or edits of
    different words of a line, combine; an English edit of comments only keeps the
    translator's version; an English edit of lines the translator had removed (or moved to
    another cell when they split the cell) leaves their version; otherwise the English wins, the
    block having changed. ``names``: the variables the translator renamed elsewhere in the file
    (see :func:`renaming`), used for the names this cell does not tell.
    """
    base = old_source.splitlines(keepends=True)
    tgt_lines = old_target.splitlines(keepends=True)
    new_lines = new_source.splitlines(keepends=True)
    # Variables the translator renamed are renamed in the English too: their names stay, also in
    # the lines the English changed.
    mapping = {**(names or {}), **(renaming(base, tgt_lines) or {})}
    if mapping:
        base, new_lines = rename(base, mapping), rename(new_lines, mapping)
    ours = _hunks(base, new_lines, split=False)
    theirs = _hunks(base, tgt_lines, split=True)
    # Places where the two sides' edits collide: clusters of hunks linked by overlaps.
    hunks = [(h, True) for h in ours] + [(h, False) for h in theirs]
    group = list(range(len(hunks)))

    def find(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for i, (h, mine) in enumerate(hunks):
        for j in range(i + 1, len(hunks)):
            if hunks[j][1] != mine and _overlap(h, hunks[j][0]):
                group[find(i)] = find(j)
    clusters: dict[int, list[tuple[_Hunk, bool]]] = {}
    for i, item in enumerate(hunks):
        clusters.setdefault(find(i), []).append(item)
    edits: list[_Hunk] = []
    for members in clusters.values():
        cluster_o = [h for h, mine in members if mine]
        cluster_t = [h for h, mine in members if not mine]
        if not cluster_o or not cluster_t:
            edits.extend(h for h, _ in members)
            continue
        lo = min(h[0] for h, _ in members)
        hi = max(h[1] for h, _ in members)
        theirs_here = _apply(base, cluster_t, lo, hi)
        # The English edited lines (with code) none of which is in the translator's version of
        # this place, even rewritten or re-laid out: the translator had removed them.
        edited = [line for o in cluster_o for line in code_lines_of(base[o[0] : o[1]])]
        kept = code_lines_of(theirs_here)
        removed = bool(edited) and not any(
            line in "".join(kept) or any(similarity(line, other) >= 0.5 for other in kept) for line in edited
        )
        lines = _resolve(base[lo:hi], _apply(base, cluster_o, lo, hi), theirs_here, removed)
        edits.append((lo, hi, lines))
    out = _apply(base, edits)
    # A last line without a line break that is no longer last gets one; the block ends as the
    # new source does.
    for k in range(len(out) - 1):
        if not out[k].endswith("\n"):
            out[k] += "\n"
    if out and new_lines and not new_lines[-1].endswith("\n"):
        out[-1] = out[-1].rstrip("\r\n")
    elif out and not out[-1].endswith("\n"):
        out[-1] += "\n"
    return "".join(out)
