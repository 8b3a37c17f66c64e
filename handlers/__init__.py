"""Bolt listeners, one module per Slack surface. `register(app)` wires them all."""

from slack_bolt import App

from handlers import actions, commands, events, followups, home, people, shortcuts, views


def register(app: App) -> None:
    """Attach every listener to `app`."""
    for module in (commands, views, actions, followups, people, shortcuts, events, home):
        module.register(app)
