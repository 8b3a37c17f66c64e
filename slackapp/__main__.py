"""`python -m slackapp`."""

import sys

from slackapp.cli import main

sys.exit(main())
