"""Use cases: one module per feature; what a listener or the CLI asks for, in one call."""
