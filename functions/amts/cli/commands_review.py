"""``amts review`` and ``amts accept``: see below."""
