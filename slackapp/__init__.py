"""Valueboard: make the habit of giving real value visible in Slack."""

__version__ = "0.1.0"
