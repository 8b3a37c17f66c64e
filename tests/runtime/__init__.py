"""Runtime tests: serving, verification, start-up and shutdown."""
