"""Logging set-up: one line per record, and never a token."""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"\b(xox[abeposr]|xapp)-[A-Za-z0-9-]+")


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then blanks out anything shaped like a Slack token."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def redact(text: str) -> str:
    """`text` with Slack tokens replaced by their prefix and a marker."""
    return _TOKEN.sub(lambda m: f"{m.group(1)}-[redacted]", text)


def configure_logging(level: str) -> None:
    """Send logs to stderr at `level`, with tokens redacted."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
