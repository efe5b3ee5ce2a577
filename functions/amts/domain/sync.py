"""Synchronisation: translate only what changed (OWNER: sync helper).

Contract (used by the workflow handlers and ``amts sync``):
    plan_sync(old_source: Document | None, new_source: Document, old_target: Document | None,
              *, glossary: Glossary | None = None) -> SyncPlan
    SyncPlan.to_translate: list[SegmentToTranslate]  (piece index in new_source + text + spans)
    SyncPlan.to_json() -> dict  (keys at least segments_reused, segments_to_translate,
              characters_to_translate, characters_total)
    apply_sync(plan: SyncPlan, translations: Mapping[int, Translation]) -> str
              the new target markdown: new_source structure, reused human text, machine text
              marked for review with an HTML comment.
"""

from __future__ import annotations
