"""Amazon Translate parallel-data files: CSV, TSV, TMX (OWNER: parallel-data helper).

Contract:
    class ParallelDataFormat(StrEnum): TSV="tsv", CSV="csv", TMX="tmx"
    @dataclass ParallelDataFile: content: str; format: ParallelDataFormat; pairs_written: int;
        skipped: dict[str, int]  (reason -> count: "empty", "too_long", "duplicate", ...)
    build_parallel_data(pairs: Iterable[tuple[str, str]], fmt, source_lang, target_lang)
        -> ParallelDataFile   (raises BadInputError-like ParallelDataTooLarge past the file limit)
"""

from __future__ import annotations
