"""`python -m slackapp.sandbox.emulator`: see slackapp.sandbox.emulator.cli."""

from slackapp.sandbox.emulator.cli import main

raise SystemExit(main())
