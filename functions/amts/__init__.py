"""AMTS: Auto Machine Translation and Synchronization.

The domain package is pure Python: it parses d2lbook markdown, aligns translations, writes
parallel data, plans synchronisation and scores BLEU. AWS calls live in ``amts.adapters`` only,
so the same code runs in Lambda, in the CLI and in tests.
"""

__version__ = "0.1.0"
