"""Use case tests."""
