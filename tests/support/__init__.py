"""Test support: the Slack stand-in, the request driver, factories and Block Kit checks."""
