"""The request path's floor: a Bolt app that only acks /connect, served exactly like ours.

Same gunicorn settings (WEB_WORKERS gthread workers of WEB_THREADS threads each), the same WSGI
wrapper and the same request verification as `slackapp serve`; its /connect answers a fixed
confirmation in the ack and does nothing else. Whatever ours takes beyond this is what saving
and answering for real costs.

    python -m bench.ackonly --port 3001   # settings from the environment, like slackapp serve
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Sequence
from typing import Any

from slack_bolt import Ack, App

from slackapp.config import Settings, load_settings
from slackapp.runtime.app import build_client
from slackapp.runtime.logs import configure_logging
from slackapp.runtime.server import ValueboardServer
from slackapp.runtime.web import create_wsgi_app
from slackapp.store.db import Database

#: What the ack-only app says to every /connect: as long as ours says on success.
CONFIRMATION = "Saved: Solve. 1/10 today."


def confirm(ack: Ack) -> None:
    """Acknowledge with a confirmation; nothing is saved."""
    ack(response_type="ephemeral", text=CONFIRMATION)


def build_ack_only(settings: Settings) -> App:
    """A Bolt app configured like ours (client, verification, no OAuth) that only acks."""
    app = App(
        client=build_client(settings),
        signing_secret=settings.signing_secret or "",
        oauth_settings=None,
        installation_store=None,
        process_before_response=True,
        logger=logging.getLogger("slack_bolt"),
        request_verification_enabled=True,
    )
    app.command("/connect")(confirm)
    return app


class AckOnlyServer(ValueboardServer):
    """Gunicorn as `slackapp serve` configures it, serving the ack-only app."""

    def load(self) -> Any:
        db = Database(self.settings.database_url)  # for /healthz only
        return create_wsgi_app(build_ack_only(self.settings), db=db)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve the ack-only app until stopped."""
    parser = argparse.ArgumentParser(prog="python -m bench.ackonly")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    settings = dataclasses.replace(load_settings(dotenv_path=None), port=args.port)
    settings.require_http()
    configure_logging(settings.log_level)
    AckOnlyServer(settings).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
