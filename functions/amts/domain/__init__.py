"""Pure-Python domain logic: no AWS clients, no I/O beyond what callers hand in."""
