"""Scheduled posts: when nudges and digests are due, the exactly-once ledger, and the tick.

The tick (`tick`) loads the teams' schedules (`schedules`), finds what is due (`due`) and hands
it to the fan-out (`fanout`), which claims it in the ledger (`ledger`) a batch at a time,
composes it (`sending`, with `nudges` and `digests`) and posts it on a bounded pool of workers at
Slack's pace (`pacing`). It tries again later (`retries`), pauses a refusing channel and tells
the admin (`notices`), and reports what it did (`report`).
"""
