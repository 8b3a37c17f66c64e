"""The one error the sandbox raises for things a person can fix (a taken port, no sandbox)."""


class SandboxError(Exception):
    """The message says what went wrong and what to do; printed without a traceback."""
