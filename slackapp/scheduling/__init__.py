"""Scheduled posts: what is due, the exactly-once ledger, the tick, nudge and digest content."""
