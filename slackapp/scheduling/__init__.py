"""Scheduled posts: when nudges and digests are due, the exactly-once ledger, and the tick.

The tick (`tick`) loads the teams' schedules (`schedules`), sends what is due (`sending`), tries
again later (`retries`), pauses a refusing channel and tells the admin (`notices`), and reports
what it did (`report`); `nudges` and `digests` gather what the posts say.
"""
