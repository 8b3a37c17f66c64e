"""Test support: the request driver, factories and Block Kit checks (the Slack emulator the
tests talk to lives in the product, slackapp.sandbox.emulator)."""
