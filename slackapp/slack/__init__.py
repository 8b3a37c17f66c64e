"""Talking to Slack: clients, the profile cache, posting with Slack's error rules, Bolt glue."""
