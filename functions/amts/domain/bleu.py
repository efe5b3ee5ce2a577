"""BLEU / chrF scoring with sacrebleu (OWNER: evaluation helper)."""

from __future__ import annotations
